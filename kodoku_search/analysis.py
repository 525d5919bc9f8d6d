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

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from whoosh.analysis import Filter, Token, Tokenizer

# Parts of speech (Janome's first field, or first two) that carry no meaning of their own.
FUNCTION_POS: tuple[str, ...] = (
    "助詞", "助動詞", "記号", "フィラー", "接続詞", "連体詞", "感動詞", "その他",
    "名詞,非自立", "名詞,代名詞", "動詞,非自立", "形容詞,非自立", "名詞,数",
)
# Words Janome files as dependent that do carry meaning: くれる says someone did it
# for us (「作成してくれました」), what 「他の課が協力してくれた」 asks about; 後 says
# after (「設置した後に何をすれば」 asks about 「設置後の具体取組」).
KEEP_BASES: frozenset[str] = frozenset({"くれる", "後"})
# Light verbs and formal nouns that Janome calls independent but that say nothing alone.
STOP_BASES: frozenset[str] = frozenset({"する", "ある", "いる", "なる", "いく", "行く", "れる", "られる", "いただく", "くださる", "おる", "こと", "もの", "とき", "ため", "よう", "他", "ほか", "各", "できる", "出来る", "やる", "思う", "感じる", "いう", "言う", "まだ", "なかなか", "どう", "どうして", "もっと", "とても", "かなり", "さらに", "より", "特に", "よく", "ちょっと", "いい"})

_LATIN_WORD = re.compile(r"[a-z][a-z0-9]+")  # as the folded text has it: NFKC, lower case (pf, npo, kpi)
# Kanji outside the common block (𠮷 of 𠮷田, 𩸽): Janome files them as symbols (記号); they are
# letters of words.
_RARE_KANJI = re.compile("[\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003ffff]+")

_LOCAL = threading.local()


def use_janome_cache(directory) -> None:
    """Tokenize from this fastjanome cache (same tokens, a fraction of the start-up)."""
    from .fastjanome import use_janome_cache as use

    use(directory)


def janome_tokenizer():
    """The calling thread's Janome tokenizer, made on first use: the fast one
    over the cache of the index in use, else one over Janome's own dictionary
    (the same tokens; see fastjanome for the one way both differ from Janome)."""
    from .fastjanome import cache_dir

    want = cache_dir()
    tok = getattr(_LOCAL, "tokenizer", None)
    if tok is None or getattr(_LOCAL, "cache", None) != want:
        tok = None
        if want is not None:
            try:
                from .fastjanome import LiteTokenizer

                tok = LiteTokenizer(want)
            except Exception:  # a missing or stale cache: Janome's own dictionary gives the same tokens
                tok = None
        if tok is None:
            from .fastjanome import FullTokenizer

            tok = FullTokenizer()
        _LOCAL.tokenizer, _LOCAL.cache = tok, want
    return tok


_DASHES = frozenset("-‐‑‒–—―−")  # (after NFKC: － is -)
# Invisible in pasted text and inside a word (連\u200b携): no character at all, not a break
# between two words, in a record as in a query (the query reader drops them too).
INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CHAR: dict[str, tuple[str, bool]] = {}  # char → (NFKC + lowercase form, is a combining/voicing mark)


def _char(ch: str) -> tuple[str, bool]:
    got = _CHAR.get(ch)
    if got is None:
        form = "" if INVISIBLE.match(ch) else unicodedata.normalize("NFKC", ch).lower()
        got = _CHAR[ch] = (form, bool(unicodedata.combining(ch)) or ch in "\uff9e\uff9f")
    return got


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
        while j < n and _char(text[j])[1]:
            j += 1
        piece = _char(text[i])[0] if j == i + 1 else unicodedata.normalize("NFKC", text[i:j]).lower()
        if not piece:  # an invisible character
            i = j
            continue
        if piece in _DASHES and out and "ァ" <= out[-1][-1:] <= "ヺ" and (
                j >= n or ("ぁ" <= _char(text[j])[0][:1] <= "ヺ") or not _char(text[j])[0][:1].isalnum()):
            # A dash typed for the prolonged sound mark: プラットフォ－ム (U+FF0D), サポ-タ-の;
            # not one between words (ネットワーク-連携, before kanji, letters or digits).
            piece = "ー"
        out.append(piece)
        if len(piece) == 1:
            where.append(i)
        else:
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


@lru_cache(maxsize=512)
def morphs(text: str) -> tuple[Morph, ...]:
    """Janome's tokens of ``text`` with offsets into the original text.

    Janome gives no offsets (and strips leading whitespace), so each surface is
    found by scanning the normalized text from a cursor. Cached: the morph and
    reading fields analyze the same text one after the other.
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
    return tuple(out)


def as_said(text: str) -> str:
    """``text``, or ``text`` with a particle after it where Janome reads its last word as
    a noun only in a sentence: alone, 結びつき is the verb 結びつく (its stem), and a
    query or synonym typed so missed 「有機的な結びつきを」, which the index holds as
    結び + つき. The particle is left out with the others; nothing else moves."""
    said = morphs(text)
    if not said or not said[-1].pos.startswith("動詞") or said[-1].surface == said[-1].base \
            or said[-1].end != len(text):
        return text
    start = said[-1].start
    after = [m for m in morphs(text + "を")[:-1] if m.end > start]
    if after and after[0].start == start and after[-1].end == len(text) and all(m.pos.startswith("名詞") for m in after):
        return text + "を"
    return text


LEMMA_READING = True  # a verb or adjective is also in the reading field as its dictionary form sounds (増え: フエル)


def _kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30fa" or ch == "ー"


def lemma_reading(m: "Morph") -> str:
    """The reading of a word's dictionary form, for a verb or an adjective: its stem's
    reading with the form's own ending (進ん ススン, すすま ススマ: ススム; 増え フエ, ふえ:
    フエル). In the reading field beside the word's own reading, it meets a query that
    types the word in kana however inflected: 「ふえない」 finds 「増えない」, 「わかって」
    「分からず」. (Janome's reading is the inflected surface's, and フエ, under three kana,
    was no term at all. Only beside it: Janome makes a verb of the query's 支え in
    支え合い and a noun of the corpus's, and ササエ must still meet ササエ.)"""
    if not (m.reading and m.base != m.surface and m.pos.startswith(("動詞", "形容詞"))):
        return m.reading
    surface, base = m.surface, unicodedata.normalize("NFKC", m.base)
    if base.endswith("来る") and surface.endswith("来") and m.reading and not (len(base) > 2 and _is_kanji(base[-3])):
        # (Not 出来る, デキル.)
        return m.reading[:-1] + "クル"  # (来 is コ, キ or ク as it inflects: やって来ない, ヤッテコ)
    n = 0
    while n < min(len(surface), len(base)) and surface[n] == base[n]:
        n += 1
    if n == 0 or not all(map(_kana, surface[n:])) or not all(map(_kana, base[n:])) or len(surface) - n >= len(m.reading):
        return m.reading
    stem = m.reading[: len(m.reading) - (len(surface) - n)]
    return stem + "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in base[n:])


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
            t.janome_pos, t.base, t.reading, t.lemma = "", value, "", ""
            yield t
            return
        for i, m in enumerate(morphs(value)):
            t.text = m.surface
            t.janome_pos = m.pos
            t.base = m.base
            t.reading = m.reading
            t.lemma = lemma_reading(m) if LEMMA_READING else ""
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
    (Janome files unknown punctuation such as 「(」 as a noun). A word in Latin
    letters is never one: Janome guesses a part of speech for letters it does not
    know, and before some kana guesses an interjection (「PFまだ作ってない」)."""
    if base in KEEP_BASES or _LATIN_WORD.fullmatch(base) or _RARE_KANJI.fullmatch(base):
        return False
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


class ReadingFilter(Filter):
    """Replaces each token's text with its folded reading (繋がり, つながり → ツナカリ),
    so spellings of one word meet; readings under ``min_len`` kana are dropped
    (シ would join 市 and 死)."""

    def __init__(self, min_len: int = 3):
        self.min_len = min_len

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.min_len == self.min_len

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.min_len))

    def __call__(self, tokens):
        for t in tokens:
            surface = t.text
            r = reading_term(getattr(t, "reading", ""), surface)
            if len(r) >= self.min_len:
                t.text = kanji_keyed(r, surface, getattr(t, "base", None))
                yield t
            # A verb or adjective also as its dictionary form sounds (増え: フエル, beside フエ),
            # for a query that types it in kana and inflects it otherwise (ふえない, わかって).
            lemma = getattr(t, "lemma", "")
            if lemma:
                lr = reading_term(lemma, surface)
                if len(lr) >= self.min_len and lr != r:
                    t.text = kanji_keyed(lr, surface, getattr(t, "base", None))
                    yield t


class WithReadingFilter(ReadingFilter):
    """Yields each word's base form and then, when it is ``min_len`` kana or
    longer, its folded reading as a second term: a short field (a section heading)
    then matches 取組 as well as 取り組み without a reading field of its own."""

    def __call__(self, tokens):
        for t in tokens:
            surface = t.text
            base = getattr(t, "base", None) or surface
            t.text = unicodedata.normalize("NFKC", base).lower()
            yield t
            r = reading_term(getattr(t, "reading", ""), surface)
            if len(r) >= self.min_len and r != t.text:
                t.text = r
                yield t


KANJI_KEY = "|"  # between a reading and the word it is the reading of, for a word written with kanji


def all_kanji(text: str) -> bool:
    return bool(text) and all(_is_kanji(ch) for ch in text)


def kanji_keyed(reading: str, surface: str, base: str | None = None) -> str:
    """The reading-field term of a word: its reading, keyed by the word itself (its
    dictionary form) when it is written with kanji (機関 is キカン|機関, 図っ is
    ハカッ|図る) or in katakana alone (モデル is モテル|モデル: a katakana word's
    reading is folded to its bare sounds). A query word with kanji meets the
    spellings of its sound that ``same_word`` allows (子供 and 子ども, 取り組み and
    取組), never another word that sounds the same (期間 for 機関, 図る for 測る,
    モデル for 持てる); a query in kana meets every spelling of the sound."""
    if not any(_is_kanji(ch) for ch in surface) and not _KATAKANA_WORD.fullmatch(surface):
        return reading
    return reading + KANJI_KEY + unicodedata.normalize("NFKC", base or surface).lower()


def same_word(asked: str, other: str) -> bool:
    """Whether ``other``, a word of the same sound as ``asked``, is another spelling
    of it rather than another word: ``asked`` is in kana (any spelling of the sound),
    ``other`` is in hiragana alone (つながり for 繋がり), or they have a kanji in
    common and are not both in kanji alone (子供, 子ども; 取組, 取り組み). Two words
    in kanji alone are one only when they are the same (市長 is not 市町); 測る and
    図る share no kanji; a katakana word is a loanword, not a word with kanji
    (モデル, モテル as folded, is not 持てる). Other kanji for one word (拡がる for
    広がる) are the synonym file's to join."""
    if asked == other:
        return True
    mine = {ch for ch in asked if _is_kanji(ch)}
    theirs = {ch for ch in other if _is_kanji(ch)}
    if not mine:
        return True
    if not theirs:
        return not _KATAKANA_WORD.fullmatch(other)  # (as kanji_keyed keys it)
    return not (all_kanji(asked) and all_kanji(other)) and not mine.isdisjoint(theirs)


def reading_term(reading: str, surface: str) -> str:
    """The folded reading of a word (its surface's when Janome has none), as the
    reading field keeps it. Voicing is dropped everywhere in a word written in
    katakana, where it is a slip of spelling (ポッドキャスト / ポットキャスト), but
    elsewhere only on its first kana, where it is rendaku (居場所づくり / 作り): past
    that it tells words apart (検証 ケンショウ is not 現状 ゲンジョウ)."""
    if _KATAKANA_WORD.fullmatch(surface):
        return fold(reading or surface)[0]
    return fold(reading or surface, voicing=False)[0]


def spelling_key(reading: str, surface: str) -> str:
    """The folded reading with its voicing (but the first kana's): the key a word
    typed in kana (たてわり, けんしょう) is looked up by in the index's spellings,
    which also keep each key without voicing (``LOOSE``) for a slip (ぽっときゃすと)."""
    return fold(reading or surface, voicing=False)[0]


LOOSE = "~"  # prefix of a spelling key with no voicing at all (see spelling_key)


def spelled(run: str, spellings: dict[str, str], swaps: bool = True) -> str | None:
    """The corpus's spelling of a kana run: the one voiced as typed, else one that
    differs only in voicing (けんしょう is 検証, not 現状; ぽっときゃすと ポッドキャスト)."""
    key = fold(run, voicing=False)[0]
    # (Loosely only a run of LOOSE_MIN kana or more: がたい is not 課題, さんがく not 参画.)
    found = spellings.get(key) or (spellings.get(LOOSE + fold(run)[0]) if len(key) >= LOOSE_MIN else None)
    if not found and swaps and RENDAKU_UNVOICED and len(key) == LOOSE_MIN - 1:
        # A compound's second word voiced as spoken (よこぐし: 横串, whose reading is 横 + クシ):
        # the first kana of its second word unvoiced, in a run too short to match loosely (the
        # stop-32 review). Only there: さんがく is no 参画, one word whose カ is no word's first.
        for i in range(1, len(key)):
            plain = unicodedata.normalize("NFC", unicodedata.normalize("NFD", key[i]).replace("\u3099", ""))
            alt = spellings.get(key[:i] + plain + key[i + 1:]) if plain != key[i] else None
            if alt and any(_is_kanji(c) for c in alt):
                at, starts = 0, set()
                for m in morphs(alt):
                    starts.add(at)
                    at += len(fold(m.reading or "")[0])
                if i in starts:
                    return alt
    if not found and swaps and SAME_SOUND_SWAPS:
        # ず and づ (じ and ぢ) sound alike and are typed for each other: まちずくり, きずき.
        for alt in _same_sound_swaps(run):
            key = fold(alt, voicing=False)[0]
            found = spellings.get(key) or (spellings.get(LOOSE + fold(alt)[0]) if len(key) >= LOOSE_MIN else None)
            if found:
                return found
    alts = _mark_swaps(run) if MARK_SWAPS and swaps and not found else []
    if not alts or known_word(run):  # (Janome is asked only where a mark could be the slip)
        return found
    # ゛ and ゜ look alike and are typed for each other (ブラットフォーム, ボッドキャスト),
    # and ゜ is left off (ホッドキャスト): the other marks are tried where the run as typed
    # is no word of the corpus nor of Janome's dictionary (ホット, パイプ, ほっと and ピジョン
    # are words: not ポット, 配布), and only for a word in katakana (a loanword's slip: せんぷ
    # is no 全部). A plain kana stays plain where the corpus has the word: フラット.
    for alt in alts:
        key = fold(alt, voicing=False)[0]
        found = spellings.get(key) or (spellings.get(LOOSE + fold(alt)[0]) if len(key) >= LOOSE_MIN else None)
        if found and _KATAKANA_WORD.fullmatch(found):
            return found
    return None


KANA_KANJI = Path(__file__).resolve().parent / "data" / "kana_kanji.tsv"  # (scripts/make_kana_kanji.py)


class _SortedTable:
    """A file of "key\tvalue" lines sorted by key, searched in place through mmap: a
    lookup reads a few lines, not the file (a cold search pays for no table it needs)."""

    def __init__(self, path: Path):
        import mmap

        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[:1] == b"\x1f":  # (gzip: not this format)
            raise ValueError(f"{path}: not a sorted table")

    def _line_at(self, pos: int) -> tuple[int, bytes]:
        start = self._map.rfind(b"\n", 0, pos) + 1
        end = self._map.find(b"\n", pos)
        return start, self._map[start:end if end >= 0 else len(self._map)]

    def get(self, key: str) -> str | None:
        want = key.encode("utf-8") + b"\t"
        lo, hi = 0, len(self._map)
        while lo < hi:  # invariant: a line starting before lo sorts before want
            mid = (lo + hi) // 2
            start, line = self._line_at(mid)
            if line[:len(want)] == want:
                return line[len(want):].decode("utf-8", "replace")
            if line + b"\n" < want:  # (the tab sorts below every character of a key)
                lo = start + len(line) + 1
            else:
                hi = start
        return None


@lru_cache(maxsize=1)
def _kana_kanji():
    """Hiragana reading → the usual kanji spelling of a content word (Janome's dictionary's
    words, the most frequent by the word vectors), opened on first need; None if the file
    is missing or unreadable (the reading is then off)."""
    try:
        return _SortedTable(KANA_KANJI)
    except (OSError, ValueError):
        return None


def usual_kanji(kana: str, adjectives: bool = False) -> str | None:
    """How a word typed in hiragana is usually written, where that is in kanji (よさん:
    予算, こども: 子供); None where it is usually kana (とても), a rare word (不凍港: the
    reading is left as typed), or no content word (a name, a number, a particle). An adjective (さびしい: 寂しい) only with
    ``adjectives``: the query keeps it as typed, its kanji lend it their meaning."""
    table = _kana_kanji()
    found = table.get(kana) if table is not None else None
    if found is None:
        return None
    word, _, kind = found.partition("\t")
    return word if adjectives or kind != "a" else None


def adjective_kanji(kana: str) -> str | None:
    """An adjective typed in hiragana as usually written (さびしい: 寂しい), else None."""
    table = _kana_kanji()
    found = table.get(kana) if table is not None else None
    word, _, kind = (found or "").partition("\t")
    return word if kind == "a" else None


def known_word(run: str) -> bool:
    """Whether Janome's dictionary has ``run`` as one word (ほっと, パイプ), not as pieces
    or an unknown word (ブラットフォーム)."""
    ms = morphs(run)
    return len(ms) == 1 and ms[0].surface == normalize(run)[0].strip() and bool(ms[0].reading)


MARK_SWAPS = True  # ゛ for ゜ and back, in a kana run the corpus does not spell as typed
RENDAKU_UNVOICED = True  # a run of four kana may voice one kana after the first where the corpus's reading has it plain (よこぐし)
SAME_SOUND_SWAPS = True  # ず for づ and back (じ, ぢ), in a kana run the corpus does not spell as typed
_SAME_SOUND = dict(zip("ずづじぢズヅジヂ", "づずぢじヅズヂジ"))


def _same_sound_swaps(run: str, most: int = 3) -> list[str]:
    """``run`` with ず/づ and じ/ぢ swapped, every way but as typed, for its first ``most``."""
    import itertools

    at = [i for i, ch in enumerate(run) if ch in _SAME_SOUND][:most]
    out = []
    for choice in itertools.product(*((run[i], _SAME_SOUND[run[i]]) for i in at)):
        chars = list(run)
        for i, ch in zip(at, choice):
            chars[i] = ch
        if chars != list(run):
            out.append("".join(chars))
    return out


def _swap_marks() -> dict[str, str]:
    """The ハ row's other marks for each kana: ゜ for plain or ゛ (ホッドキャスト, ボッドキャスト:
    ポッドキャスト), ゛ or plain for ゜ (ピジョン: ビジョン)."""
    out = {}
    for plain, voiced, semi in zip("ハヒフヘホはひふへほ", "バビブベボばびぶべぼ", "パピプペポぱぴぷぺぽ"):
        out[plain], out[voiced], out[semi] = semi, semi, voiced + plain
    return out


_SWAP_MARK = _swap_marks()


def _mark_swaps(run: str, most: int = 4) -> list[str]:
    """``run`` as typed with the marks of its ハ-row kana swapped (_SWAP_MARK), every way
    but as typed, fewest swaps first: up to ``most`` kana (80 runs at most), the first
    ones. (As typed: the keys fold the first kana's voicing away, ボ to ホ.)"""
    import itertools

    run = unicodedata.normalize("NFC", run)
    at = [i for i, ch in enumerate(run) if ch in _SWAP_MARK][:most]
    out = []
    for choice in itertools.product(*([run[i], *_SWAP_MARK[run[i]]] for i in at)):
        chars = list(run)
        for i, ch in zip(at, choice):
            chars[i] = ch
        alt = "".join(chars)
        if alt != run:
            out.append((sum(a != b for a, b in zip(alt, run)), alt))
    return [alt for _, alt in sorted(out, key=lambda x: x[0])]


LOOSE_MIN = 5


_KATAKANA_WORD = re.compile(r"[゠-ヿｦ-ﾟ]+")


# ---------------------------------------------------------------------------
# Folding: the character filter of the n-gram and reading fields.

_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
# After a number ヶ is the counter's か (2ヶ月, 3ヶ所: カ, as 2か月 and 2カ月 fold); elsewhere
# (霞ヶ関) it stays ケ, or it would be every particle が (ガ folds to カ).
_NUMBER_CHARS = set("0123456789〇一二三四五六七八九十百千数何幾")  # (数ヶ月, 何ヶ所)
_PARTICLE_KANA = set("のをにがでとはへもやかてな")
# フ or ヴ with a small vowel is the loanword spelling of a ハ-row sound, often
# written plain: プラットフォーム / プラットホーム, ヴァイオリン / バイオリン.
_F_ROW = dict(zip("ァィェォぁぃぇぉ", "ハヒヘホハヒヘホ"))


def _is_kanji(ch: str) -> bool:
    return "一" <= ch <= "鿿" or ch in "々〆"


def _is_hiragana(ch: str) -> bool:
    return "ぁ" <= ch <= "ゟ"


SEMI_VOICED_KEPT = True  # パ stays パ in the folds (index format 15); False: パ → ハ as before


def _kana_fold(ch: str, voicing: bool = True) -> str:
    """Hiragana → katakana, voiced → plain (unless not ``voicing``), small → full size.
    Semi-voiced kana stay (パ is no ハ): ド/ト is the slip people make (ポッドキャスト /
    ポットキャスト, ベッド / ベット), but フラット is not プラットフォーム's プラット."""
    if "ぁ" <= ch <= "ゖ":
        ch = chr(ord(ch) + 0x60)
    if "ァ" <= ch <= "ヺ":
        if voicing:
            nfd = unicodedata.normalize("NFD", ch)
            if nfd[1:] != "\u309a" or not SEMI_VOICED_KEPT:
                ch = nfd[0]
        ch = ch.translate(_SMALL)
    return ch


def fold(text: str, voicing: bool = True) -> tuple[str, list[int]]:
    """Spelling-insensitive form of ``text`` with an offset map (as ``normalize``).

    On top of NFKC + lowercase: okurigana between kanji is squeezed out
    (立ち上げ → 立上げ, 取り組み → 取組み; particles such as の are not okurigana),
    kana are folded (hiragana → katakana, ド → ト, ッ → ツ, フォ → ホ) and the
    prolonged sound mark is dropped (サポーター → サホタ). ``voicing=False``
    keeps the voicing of every kana but the first (see ``reading_term``).
    """
    norm, where = normalize(text)
    out: list[str] = []
    to: list[int] = []
    n = len(norm)
    i = 0
    while i < n:
        ch = norm[i]
        if _is_hiragana(ch) and out and _is_kanji(norm[i - 1]):
            j = i
            while j < n and j - i < 3 and _is_hiragana(norm[j]):
                j += 1
            run = norm[i:j]
            if j < n and _is_kanji(norm[j]) and len(run) <= 2 and not (set(run) & _PARTICLE_KANA):
                i = j
                continue
        if ch in "ー〜" and out and ("゠" <= out[-1] <= "ヿ"):
            i += 1
            continue
        if ch == "ヶ" and i and norm[i - 1] in _NUMBER_CHARS:
            out.append("カ")
            to.append(where[i])
            i += 1
            continue
        if ch in "フふヴゔ" and i + 1 < n and norm[i + 1] in _F_ROW:  # フォ / ホ, ヴァ / バ
            out.append(_F_ROW[norm[i + 1]])
            to.append(where[i])
            i += 2
            continue
        out.append(_kana_fold(ch, voicing or not out))
        to.append(where[i])
        i += 1
    to.append(where[n])
    return "".join(out), to


def bigrams(text: str) -> list[tuple[str, int, int]]:
    """(bigram, start, end) over the folded text, within runs of letters and digits;
    a run of one character gives that character. Offsets are into ``text``."""
    folded, where = fold(text)
    out: list[tuple[str, int, int]] = []
    run_start = None
    for i in range(len(folded) + 1):
        inside = i < len(folded) and folded[i].isalnum()
        if inside and run_start is None:
            run_start = i
        elif not inside and run_start is not None:
            if i - run_start == 1:
                out.append((folded[run_start], where[run_start], where[run_start + 1]))
            for k in range(run_start, i - 1):
                out.append((folded[k:k + 2], where[k], where[k + 2]))
            run_start = None
    return out


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer: character bigrams of the folded text, offsets into the original."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        grams = bigrams(value) if tokenize else [(value, 0, len(value))]
        for i, (g, s, e) in enumerate(grams):
            t.text = g
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[s:e]
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + s, start_char + e
            yield t


def ngram_analyzer():
    """The analyzer of the n-gram field: fold → character bigrams."""
    return BigramTokenizer()


def reading_analyzer():
    """The analyzer of the reading field: normalize → Janome → content words → folded readings."""
    return JanomeTokenizer() | ContentWordFilter() | ReadingFilter()


def heading_analyzer():
    """The analyzer of the heading field: base forms and folded readings together."""
    return JanomeTokenizer() | ContentWordFilter() | WithReadingFilter()


def morph_analyzer():
    """The analyzer of the main text field: normalize → Janome → content words → base forms."""
    return JanomeTokenizer() | ContentWordFilter() | BaseFormFilter()


def terms(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for every indexable word of ``text``: the analyzer, as data."""
    return [(t.text, t.startchar, t.endchar) for t in morph_analyzer()(text, chars=True)]


@dataclass(frozen=True)
class Word:
    """A content word of some text, as every field sees it."""

    term: str  # morph field: base form
    reading: str  # reading field: folded reading ("" when too short to use)
    surface: str  # as written in the original text
    start: int
    end: int
    kana: str = ""  # folded reading, however short
    suffix: bool = False  # Janome's 名詞,接尾: 化 of 形骸化, 者 of 参加者, 死 of 孤立死
    voiced: str = ""  # Janome's reading as it is, voicing and all (どく: ドク, where kana has トク)
    lemma: str = ""  # a verb's or adjective's dictionary form as the reading field has it


def words(text: str) -> list[Word]:
    """The content words of ``text``, with their terms in the morph and reading fields."""
    out = []
    for m in morphs(text):
        if is_function_word(m.pos, m.base):
            continue
        term = unicodedata.normalize("NFKC", m.base).lower()
        r = reading_term(m.reading, term)
        # (Kept where it is the word's own reading too, ふえる: a hit's other forms of it, 増え, are
        # marked by it.)
        lr = reading_term(lemma_reading(m), term) if LEMMA_READING and m.pos.startswith(("動詞", "形容詞")) else ""
        out.append(Word(term, r if len(r) >= 3 else "", text[m.start:m.end], m.start, m.end, spelling_key(m.reading, term),
                        m.pos.startswith("名詞,接尾"), m.reading, lr if len(lr) >= 3 else ""))
    return out


# Romaji as an IME reads it (Hepburn and kunrei-shiki both): what a person types with the
# IME off (tatewari, kodoku). Longest spelling first; っ is a doubled consonant, ん is n
# before a consonant or at the end (nn and n' too).
_ROMAJI = {
    "kya": "きゃ", "kyu": "きゅ", "kyo": "きょ", "gya": "ぎゃ", "gyu": "ぎゅ", "gyo": "ぎょ",
    "sha": "しゃ", "shu": "しゅ", "she": "しぇ", "sho": "しょ", "sya": "しゃ", "syu": "しゅ", "syo": "しょ",
    "cha": "ちゃ", "chu": "ちゅ", "che": "ちぇ", "cho": "ちょ", "tya": "ちゃ", "tyu": "ちゅ", "tyo": "ちょ",
    "nya": "にゃ", "nyu": "にゅ", "nyo": "にょ", "hya": "ひゃ", "hyu": "ひゅ", "hyo": "ひょ",
    "mya": "みゃ", "myu": "みゅ", "myo": "みょ", "rya": "りゃ", "ryu": "りゅ", "ryo": "りょ",
    "bya": "びゃ", "byu": "びゅ", "byo": "びょ", "pya": "ぴゃ", "pyu": "ぴゅ", "pyo": "ぴょ",
    "zya": "じゃ", "zyu": "じゅ", "zyo": "じょ", "jya": "じゃ", "jyu": "じゅ", "jyo": "じょ",
    "shi": "し", "chi": "ち", "tsu": "つ",
    "ja": "じゃ", "ju": "じゅ", "je": "じぇ", "jo": "じょ", "ji": "じ", "fu": "ふ",
    "fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ",
    "ka": "か", "ki": "き", "ku": "く", "ke": "け", "ko": "こ", "ga": "が", "gi": "ぎ", "gu": "ぐ", "ge": "げ", "go": "ご",
    "sa": "さ", "si": "し", "su": "す", "se": "せ", "so": "そ", "za": "ざ", "zi": "じ", "zu": "ず", "ze": "ぜ", "zo": "ぞ",
    "ta": "た", "ti": "ち", "tu": "つ", "te": "て", "to": "と", "da": "だ", "di": "ぢ", "du": "づ", "de": "で", "do": "ど",
    "na": "な", "ni": "に", "nu": "ぬ", "ne": "ね", "no": "の",
    "ha": "は", "hi": "ひ", "hu": "ふ", "he": "へ", "ho": "ほ", "ba": "ば", "bi": "び", "bu": "ぶ", "be": "べ", "bo": "ぼ",
    "pa": "ぱ", "pi": "ぴ", "pu": "ぷ", "pe": "ぺ", "po": "ぽ",
    "ma": "ま", "mi": "み", "mu": "む", "me": "め", "mo": "も", "ya": "や", "yu": "ゆ", "yo": "よ",
    "ra": "ら", "ri": "り", "ru": "る", "re": "れ", "ro": "ろ", "wa": "わ", "wo": "を",
    "a": "あ", "i": "い", "u": "う", "e": "え", "o": "お",
}


def romaji_to_kana(word: str, hepburn: bool = False) -> str | None:
    """``word`` (lowercase romaji) in hiragana, or None where it is not romaji throughout
    (platform, npo: letters no syllable takes). nn before a vowel is ん typed twice, as the
    IME reads it (hanni: はんい), or with ``hepburn`` ん and a syllable of n, as Hepburn
    writes it (konnan: こんなん, annai, minna); see romaji_readings."""
    out, i, n = [], 0, len(word)
    while i < n:
        c = word[i]
        if c == "n" and (i + 1 == n or word[i + 1] not in "aiueoy"):
            out.append("ん")
            twice = word[i + 1:i + 2] == "n" and not (hepburn and word[i + 2:i + 3] in tuple("aiueoy"))
            i += 2 if twice or word[i + 1:i + 2] == "'" else 1
            continue
        if c == "m" and i + 1 < n and word[i + 1] in "bpm":  # (Hepburn's m for ん: shimbun, sampo)
            out.append("ん")
            i += 1
            continue
        if i + 1 < n and c == word[i + 1] and c in "kgsztdhbpmrcfj":  # (a doubled consonant: っ)
            out.append("っ")
            i += 1
            continue
        if c == "t" and word.startswith("tch", i):  # (matcha)
            out.append("っ")
            i += 1
            continue
        for size in (3, 2, 1):
            kana = _ROMAJI.get(word[i:i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out)


def romaji_readings(word: str) -> tuple[str, ...]:
    """The kana ``word`` may be typed for, Hepburn's first: konnan is こんなん (困難) and
    hanni はんい (範囲), each read the other way too (the stop-39 review: konnan found nothing)."""
    return tuple(dict.fromkeys(k for k in (romaji_to_kana(word, hepburn=True), romaji_to_kana(word)) if k))
