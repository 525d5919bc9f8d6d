"""User-editable vocabulary: synonyms and intent words, read from plain CSV files.

The files live in the corpus directory (``synonyms.csv``, ``intents.csv``) so a
user's edits travel with their corpus. They are applied when a query is read,
so editing them needs no rebuild; each file is re-read when it changes.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError

SYNONYMS_FILE = "synonyms.csv"
INTENTS_FILE = "intents.csv"
INTENT_KEYS = {"hard": "polarity", "good": "polarity", "platform": "theme", "general": "theme"}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().lower()


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError([f"{path.name}: cannot read: {e}"]) from None
    out = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if cells and not cells[0].startswith("#"):
            out.append((n, cells))
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Synonym groups and intent cue words."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # folded word → the others in its group
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # intent → folded cue words

    def alternatives(self, word: str) -> tuple[str, ...]:
        return self.synonyms.get(_fold(word), ())

    def phrase_keys(self) -> tuple[str, ...]:
        """Entries of two or more characters, looked for anywhere in a query."""
        keys = self.__dict__.get("_keys")
        if keys is None:
            keys = tuple(k for k in self.synonyms if len(k) >= 2)
            object.__setattr__(self, "_keys", keys)
        return keys

    def read_intent(self, query: str) -> dict[str, tuple[str, list[str]]]:
        """{"polarity": ("hard", cues), "theme": ("platform", cues)} for what the query asks.

        A cue is found as typed, or inflected: its words' base forms in a row in the
        query's (うまくいかない finds うまくいかなかった and うまくいきませんでした)."""
        q = _fold(query)
        found: dict[str, tuple[str, list[str]]] = {}
        said = None
        for intent, cues in self.intents.items():
            hit = [c for c in cues if c in q]
            for c in cues:
                # Inflection changes a word's ending, never its first character: only
                # cues whose first character the query has are worth analysing.
                if c not in hit and c[:1] in q:
                    said = _lemmas(query) if said is None else said
                    if _contains(said, self._cue_lemmas(c)):
                        hit.append(c)
            if not hit:
                continue
            kind = INTENT_KEYS[intent]
            if kind in found and len(found[kind][1]) >= len(hit):
                continue
            found[kind] = (intent, hit)
        return found


    def _cue_lemmas(self, cue: str) -> tuple[str, ...]:
        cache = self.__dict__.get("_cue_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_cue_cache", cache)
        if cue not in cache:
            cache[cue] = _lemmas(cue)
        return cache[cue]


def _lemmas(text: str) -> tuple[str, ...]:
    """Base forms of every word, politeness dropped and negation spelled ない, so
    that tense and register do not hide a cue: うまくいかなかった and
    うまくいきませんでした both read うまい いく ない た."""
    from .analysis import morphs

    out = []
    for m in morphs(text):
        base = _fold(m.base)
        if m.pos.startswith("助動詞"):
            if base in ("ます", "です"):
                continue
            if base in ("ん", "ぬ"):
                base = "ない"
        out.append(base)
    return tuple(out)


def _contains(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return n > 0 and any(seq[i:i + n] == part for i in range(len(seq) - n + 1))


def load_vocabulary(directory: Path) -> Vocabulary:
    synonyms: dict[str, list[str]] = {}
    for _, cells in _rows(directory / SYNONYMS_FILE):
        group = list(dict.fromkeys(_fold(c) for c in cells))
        for w in group:
            synonyms.setdefault(w, [])
            synonyms[w].extend(x for x in group if x != w and x not in synonyms[w])
    intents: dict[str, list[str]] = {}
    problems = []
    for n, cells in _rows(directory / INTENTS_FILE):
        key = cells[0].lower()
        if key not in INTENT_KEYS:
            problems.append(f"{INTENTS_FILE}:{n}: unknown intent {cells[0]!r} (valid: {', '.join(INTENT_KEYS)})")
            continue
        intents.setdefault(key, []).extend(_fold(c) for c in cells[1:])
    if problems:
        raise CorpusError(problems)
    return Vocabulary({k: tuple(v) for k, v in synonyms.items()}, {k: tuple(v) for k, v in intents.items()})


_CACHE: dict[Path, tuple[tuple, Vocabulary]] = {}


def vocabulary(directory: Path) -> Vocabulary:
    """The directory's vocabulary, re-read only when a file changed."""
    stamp = []
    for name in (SYNONYMS_FILE, INTENTS_FILE):
        try:
            st = (directory / name).stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append(None)
    key = tuple(stamp)
    cached = _CACHE.get(directory)
    if cached and cached[0] == key:
        return cached[1]
    vocab = load_vocabulary(directory)
    _CACHE[directory] = (key, vocab)
    return vocab
