"""Text → index terms: normalize → Janome → token filters, with exact character offsets.

Stages, each usable alone:

* ``normalize``: NFKC (full/half width, half-width katakana) and lowercase,
  keeping a map from every normalized character back to the original text.
* ``JanomeTokenizer``: a Whoosh tokenizer over Janome, emitting surface forms with
  offsets into the *original* text and the Janome part of speech and base form.
* ``ContentWordFilter`` drops particles, auxiliary verbs, symbols and other
  function words; ``BaseFormFilter`` turns 得られる → 得る.

Whoosh pickles the analyzer into the schema, so the classes live at this stable
path and hold no Janome object: the Janome ``Tokenizer`` is made lazily, one
per thread (it is not thread-safe).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from whoosh.analysis import Filter, Token, Tokenizer

# Parts of speech (Janome's first field, or first two) that carry no meaning of their own.
FUNCTION_POS: tuple[str, ...] = (
    "助詞", "助動詞", "記号", "フィラー", "接続詞", "連体詞", "感動詞", "その他",
    "名詞,非自立", "名詞,代名詞", "動詞,非自立", "形容詞,非自立", "名詞,数",
)
# Light verbs and formal nouns that Janome calls independent but that say nothing alone.
STOP_BASES: frozenset[str] = frozenset({"する", "ある", "いる", "なる", "れる", "られる", "できる", "いただく", "くださる", "おる", "こと", "もの", "とき", "ため", "よう"})

_LOCAL = threading.local()


def janome_tokenizer():
    """The calling thread's Janome tokenizer, made on first use."""
    tok = getattr(_LOCAL, "tokenizer", None)
    if tok is None:
        from janome.tokenizer import Tokenizer as _Janome

        tok = _LOCAL.tokenizer = _Janome()
    return tok


def normalize(text: str) -> tuple[str, list[int]]:
    """NFKC + lowercase, and for each normalized character the index of the
    original character it came from (plus a final entry for the end).

    Characters are normalized in clusters (a base character with its combining
    or half-width voicing marks), so ｶﾞ → ガ maps back to both original characters.
    """
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).lower()
        out.append(piece)
        where.extend([i] * len(piece))
        i = j
    where.append(n)
    return "".join(out), where


@dataclass(frozen=True)
class Morph:
    """One Janome token, located in the original text."""

    surface: str  # as normalized
    base: str
    pos: str  # Janome's part-of-speech string, e.g. "名詞,一般,*,*"
    reading: str
    start: int  # offsets into the original text
    end: int


def morphs(text: str) -> list[Morph]:
    """Janome's tokens of ``text`` with offsets into the original text.

    Janome gives no offsets (and strips leading whitespace), so each surface is
    found by scanning the normalized text from a cursor.
    """
    norm, where = normalize(text)
    out: list[Morph] = []
    cursor = 0
    for t in janome_tokenizer().tokenize(norm):
        surface = t.surface
        if not surface.strip():
            continue
        at = norm.find(surface, cursor)
        if at < 0:  # cannot happen for Janome's own surfaces; be safe rather than wrong
            continue
        cursor = at + len(surface)
        base = t.base_form if t.base_form and t.base_form != "*" else surface
        reading = t.reading if t.reading and t.reading != "*" else ""
        out.append(Morph(surface, base, t.part_of_speech, reading, where[at], where[cursor]))
    return out


class JanomeTokenizer(Tokenizer):
    """Whoosh tokenizer: Janome morphemes with exact original-text offsets."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            t.janome_pos, t.base = "", value
            yield t
            return
        for i, m in enumerate(morphs(value)):
            t.text = m.surface
            t.janome_pos = m.pos
            t.base = m.base
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = m.surface
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + m.start, start_char + m.end
            yield t


def is_function_word(pos: str, base: str) -> bool:
    """Particles, auxiliaries, light verbs, and anything without a letter or digit
    (Janome files unknown punctuation such as 「(」 as a noun)."""
    return any(pos.startswith(p) for p in FUNCTION_POS) or base in STOP_BASES or not any(c.isalnum() for c in base)


class ContentWordFilter(Filter):
    """Drops function words (particles, auxiliaries, symbols, formal nouns, light verbs)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, tokens):
        for t in tokens:
            if not is_function_word(getattr(t, "janome_pos", ""), getattr(t, "base", t.text)):
                yield t


class BaseFormFilter(Filter):
    """Replaces each token's text with its dictionary form (得られ → 得る)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, tokens):
        for t in tokens:
            base = getattr(t, "base", None)
            if base:
                t.text = unicodedata.normalize("NFKC", base).lower()
            yield t


def morph_analyzer():
    """The analyzer of the main text field: normalize → Janome → content words → base forms."""
    return JanomeTokenizer() | ContentWordFilter() | BaseFormFilter()


def terms(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for every indexable word of ``text``: the analyzer, as data."""
    return [(t.text, t.startchar, t.endchar) for t in morph_analyzer()(text, chars=True)]
