"""Meaning: words that mean alike, from word vectors, as one more ranking signal.

Every other stage needs the query and the snippet to share a word, a spelling,
a reading, a synonym-file entry or characters. 「手を挙げてくれない」 and
「参加が思うように集まらない」 share none. Word vectors learned from a large
Japanese corpus put words used alike close together; here a query word is
matched, softly, by the corpus words nearest to it.

The vectors are chiVe (Works Applications, Apache License 2.0) as ja-ginza 5.3.0
ships them: 20,000 vectors of 300 dimensions for 416,637 Japanese words
(``data/meaning``, made by ``scripts/make_meaning_data.py``; int8, cosine
kept). They are read with the standard library: no numpy at query time.

At index time (``MeaningTable.build``) every word of the index that has a
vector is stored with its vector and its nearest neighbours among those words.
At query time each query word's neighbours (the stored ones, or for a word the
corpus lacks, the cosine to every corpus word, all at once through one integer
multiply per dimension) give each record the similarity of its closest word to
that query word (the word itself 1.0, another spelling of it 0.7); those are
summed, weighted by the query word's idf, into a record's ``similarity`` in
[0, 1]. The search adds ``W_MEANING`` × that × the best match's score to each
match, and when the matches do not fill the page, the records nearest in
meaning take turns with the feedback ones in filling it (search.py).

Measured (benchmarks/README.md, "Stop 13"): over the 36 judgment sets of stop
12 the mean nDCG@10 went 0.829 → 0.837 and the queries behind the best baseline
78 → 66; on sets written later, about neutral (+0.004, +0.005, −0.008 on three
batches). Word vectors put opposites close (小さい ≈ 大きい, デメリット ≈ メリット):
the pairs in corpus/opposites.csv are never counted as alike; other related
but different words (小さい ≈ 多い) still are.
"""

from __future__ import annotations

import _thread  # (a lock without importing threading: this module is on every cold search's path)
import json
import os
import math
import struct
import sys
import zlib
from array import array
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "meaning"
# In each index generation: each word's neighbours, one line a word (what most
# queries read); the words' norms and sums, and their vectors (read only when a
# query word is one the corpus lacks).
TABLE_NEIGHBOURS = "meaning.tsv"
TABLE = "meaning.json"
TABLE_VECTORS = "meaning.u8"
NEIGHBOURS = 64  # nearest corpus words kept per word
PRECOMPUTE_MAX = 3000  # an index with more words stores no neighbours (the build would take ~words² × 10 µs)
MAX_CACHED_WORDS = 10_000  # query words' neighbours remembered per index (a long-running server)
MIN_READING = 3  # a query word's reading this long finds its other spellings (as the reading field does)
SPELLING_SIMILARITY = 0.7  # another spelling of the query word (same reading, a character shared): 1.0 and
# 0.9 count again what the reading field found (36 sets: 0.8369, 0.8370; 0.8: 0.8375; 0.7: 0.8380; none: 0.8380,
# but dev d05 人との繋がりが生まれた then falls 0.05 behind the bigram baseline)
SHARED_SIMILARITY = 0.7  # two words on one vector (ja-ginza mapped a rare word to a kept word's): alike, not one
MIN_SIMILARITY = 0.4  # cosine below this is not "alike" (chiVe: 0.4 ≈ same topic, related use)
# Words said of anything: no record is related to a query by them alone (QueryMeaning.without).
GENERIC = frozenset(("ない", "ある", "いる", "する", "なる", "できる", "今", "人", "方", "こと", "もの", "ため", "よう"))
_OFFSET = 128  # int8 components are stored and multiplied as uint8 (x + 128)


class Vectors:
    """The shipped word → vector table, read lazily through mmap."""

    def __init__(self, directory: Path = DATA):
        import mmap

        with open(directory / "keys.bin", "rb") as f:
            self._keys_map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        with open(directory / "vectors.i8", "rb") as f:
            self._vec_map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self._keys_map[:4] != b"KSK1" or self._vec_map[:4] != b"KSV1":
            raise ValueError(f"{directory}: not kodoku-search meaning data")
        (n,) = struct.unpack_from("<I", self._keys_map, 4)
        self.rows, self.dims = struct.unpack_from("<II", self._vec_map, 4)
        self._keys = memoryview(self._keys_map)[8:8 + 4 * n].cast("I")
        self._rows = memoryview(self._keys_map)[8 + 4 * n:8 + 6 * n].cast("H")
        if sys.byteorder != "little":  # the files are little-endian
            self._keys, self._rows = array("I", self._keys.tobytes()), array("H", self._rows.tobytes())
            self._keys.byteswap()
            self._rows.byteswap()

    def row(self, word: str) -> int | None:
        if not _kept(word):  # the table holds only such words: anything else would find a stranger's key
            return None
        key = zlib.crc32(word.encode("utf-8"))
        keys = self._keys
        lo, hi = 0, len(keys)
        while lo < hi:  # bisect on the memoryview (the bisect module wants a list for speed)
            mid = (lo + hi) // 2
            if keys[mid] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(keys) and keys[lo] == key:
            return self._rows[lo]
        return None

    def vector(self, word: str) -> bytes | None:
        """The word's int8 components as uint8 bytes (+128), or None."""
        r = self.row(word)
        if r is None:
            return None
        start = 12 + r * self.dims
        raw = self._vec_map[start:start + self.dims]
        return raw.translate(_TO_UNSIGNED)


_TO_UNSIGNED = bytes((b + _OFFSET) & 0xFF for b in range(256))  # two's-complement int8 → x + 128


def _kept(word: str) -> bool:
    """A word scripts/make_meaning_data.py keeps: kana and kanji, 1–12 characters."""
    return 0 < len(word) <= 12 and all("\u3041" <= c <= "\u3096" or "\u30a1" <= c <= "\u30fa" or c == "\u30fc"
                                       or "\u4e00" <= c <= "\u9fff" or c == "\u3005" for c in word)


_VECTORS: list = []  # the loaded table, once it has loaded


def vectors() -> Vectors | None:
    """The shipped vectors, or None when the data files are missing or damaged (the
    signal is then off). A failure is not remembered: files put back are read by
    the next build in the same process (the fingerprint rebuilds it, index.py)."""
    if not _VECTORS:
        try:
            _VECTORS.append(Vectors())
        except (OSError, ValueError):
            return None
    return _VECTORS[0]


@lru_cache(maxsize=4)
def _build(words: tuple[str, ...], vecs: Vectors, min_similarity: float, neighbours: int) -> tuple:
    return MeaningTable._compute(words, vecs)._frozen()  # the limits are in the key: they shape the result


def _norm(u8: bytes) -> float:
    return math.sqrt(sum((b - _OFFSET) ** 2 for b in u8))


class MeaningTable:
    """The index's words that have vectors, their vectors, and their neighbours.

    Read lazily: a query reads its own words' lines of neighbours, and the
    vectors only for a word the corpus lacks."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        self.neighbours: dict[str, list[tuple[str, float]]] = {}
        self._files: dict = {}  # name → open file, until read
        self._done: dict[str, bytes] = {}  # name → what was read
        self._lock = _thread.allocate_lock()
        self._lines: bytes | None = None
        self._meta: dict | None = None
        self._raw: bytes | None = None
        self._packed: tuple | None = None

    # ---------------------------------------------------------------- building

    @classmethod
    def build(cls, words, vecs: Vectors | None = None) -> "MeaningTable | None":
        """The table for an index whose words are ``words``. Memoized: a rebuild of
        the same vocabulary in one process (a server, a test run) reuses the work
        (≈ 0.2 s for today's 550 words)."""
        vecs = vecs if vecs is not None else vectors()
        if vecs is None:
            return None
        meta, raw, neighbours = _build(tuple(sorted(set(words))), vecs, MIN_SIMILARITY, NEIGHBOURS)
        table = cls()
        table._meta, table._raw, table.neighbours = dict(meta), raw, dict(neighbours)
        return table

    @classmethod
    def _compute(cls, words: tuple[str, ...], vecs: Vectors) -> "MeaningTable":
        kept, parts = [], []
        for w in words:
            v = vecs.vector(w)
            if v is not None and _norm(v) > 0:
                kept.append(w)
                parts.append(v)
        table = cls()
        table._raw = b"".join(parts)
        table._meta = {"dims": vecs.dims, "words": kept, "sums": [sum(v) for v in parts],
                       "norms": [_norm(v) for v in parts]}
        if len(kept) <= PRECOMPUTE_MAX:  # words × words: beyond this, each query works out its own words'
            table.neighbours = {w: table.nearest(v, nm, w) for w, v, nm in zip(kept, parts, table._meta["norms"])}
        return table

    def _frozen(self) -> tuple:
        return self._meta, self._raw, self.neighbours

    def write(self, directory: Path) -> None:
        """Write the table into an index generation being built."""
        (directory / TABLE_VECTORS).write_bytes(self.raw)
        with open(directory / TABLE, "w", encoding="utf-8") as f:
            json.dump({**self.meta, "norms": [round(x, 6) for x in self.meta["norms"]]}, f, ensure_ascii=False)
        with open(directory / TABLE_NEIGHBOURS, "w", encoding="utf-8") as f:
            for w in self.meta["words"]:
                if w in self.neighbours:  # all of them, unless there were more than PRECOMPUTE_MAX
                    f.write("\t".join([w, *(f"{n}\t{s:.4f}" for n, s in self.neighbours[w])]) + "\n")

    @classmethod
    def read(cls, directory: Path) -> "MeaningTable | None":
        """The table of an index generation (None for an index built without one).
        Its files are opened now, as the index's own are, and read when first
        needed: a rebuild that removes the generation meanwhile cannot take them away."""
        table = cls(directory)
        try:
            for name in (TABLE_NEIGHBOURS, TABLE, TABLE_VECTORS):
                table._files[name] = open(directory / name, "rb")
        except FileNotFoundError:
            table.close()
            return None
        return table

    def _read(self, name: str, default: bytes) -> bytes:
        with self._lock:  # two threads' first queries: one reads, the other waits for it
            f = self._files.pop(name, None)
            if f is None:
                return self._done.get(name, default)
            with f:
                # (From the start, by offset: a process forked after the engine opened shares this
                # file's offset, and the first to read left the others at its end, reading b"":
                # JSONDecodeError for good, in the children and the parent; the stop-43 review.)
                self._done[name] = _read_whole(f)
            return self._done[name]

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()

    @property
    def meta(self) -> dict:
        if self._meta is None:
            self._meta = json.loads(self._read(TABLE, b'{"dims": 0, "words": [], "sums": [], "norms": []}'))
        return self._meta

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = self._read(TABLE_VECTORS, b"")
        return self._raw

    @property
    def words(self) -> list[str]:
        return self.meta["words"]

    @property
    def dims(self) -> int:
        return int(self.meta["dims"])

    def _neighbours_stored(self, word: str) -> list[tuple[str, float]] | None:
        if self._lines is None:  # kept as bytes: a query decodes only its own words' lines
            self._lines = b"\n" + self._read(TABLE_NEIGHBOURS, b"")
        key = b"\n" + word.encode("utf-8")
        at = self._lines.find(key + b"\t")
        if at < 0:
            return [] if self._lines.find(key + b"\n") >= 0 else None
        end = self._lines.find(b"\n", at + 1)
        parts = self._lines[at + 1:end if end >= 0 else None].decode("utf-8").split("\t")[1:]
        return [(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)]

    # ---------------------------------------------------------------- similarity

    def _pack(self) -> tuple:
        """One big integer per dimension holding that component of every word,
        each in its own bit field: a query vector's dot product with every word
        is then ``dims`` integer multiplies instead of words × dims."""
        if self._packed is None:
            n, dims = len(self.words), self.dims
            width = (dims * 255 * 255).bit_length() + 1
            step = (width + 7) // 8
            cols = []
            for d in range(dims):
                col = self.raw[d::dims]
                if step == 4:
                    cols.append(int.from_bytes(array("I", list(col)).tobytes(), sys.byteorder))
                else:
                    cols.append(int.from_bytes(b"".join(b.to_bytes(step, "little") for b in col), "little"))
            self._packed = (cols, step, self.meta["sums"], self.meta["norms"])
        return self._packed

    def nearest(self, u8: bytes, norm: float | None = None, word: str | None = None) -> list[tuple[str, float]]:
        """The corpus words whose cosine with the vector ``u8`` (of length ``norm``,
        when known) is at least MIN_SIMILARITY, nearest first, at most NEIGHBOURS.
        Another word than ``word`` on the very same vector counts SHARED_SIMILARITY."""
        n = len(self.words)
        if not n:
            return []
        cols, step, sums, norms = self._pack()
        acc = 0
        for q, col in zip(u8, cols):
            if q:
                acc += q * col
        fields = acc.to_bytes(n * step, "little")
        if step == 4:
            raw_dots = array("I")
            raw_dots.frombytes(fields)
            if sys.byteorder != "little":
                raw_dots.byteswap()
        else:
            raw_dots = [int.from_bytes(fields[j * step:(j + 1) * step], "little") for j in range(n)]
        qnorm = norm if norm is not None else _norm(u8)
        if qnorm == 0:
            return []
        # With u = x + 128 stored: Σ u_q·u_c = q·c + 128·Σu_q + 128·Σu_c − dims·128²
        base = _OFFSET * sum(u8) - self.dims * _OFFSET * _OFFSET
        least = MIN_SIMILARITY * qnorm  # cos ≥ least / qnorm  ⇔  dot ≥ least × norm
        out = [(w, dot / (qnorm * nm))
               for w, dot, nm in zip(self.words, (r - base - _OFFSET * s for r, s in zip(raw_dots, sums)), norms)
               if dot >= least * nm]
        out = [(w, SHARED_SIMILARITY if c > 0.9999 and w != word else c) for w, c in out]
        out.sort(key=lambda ws: (-ws[1], ws[0]))
        return out[:NEIGHBOURS]

    def neighbours_of(self, word: str) -> list[tuple[str, float]]:
        """A query word's alike corpus words, nearest first (the word itself among
        them, at 1.0, when the corpus has it)."""
        nb = self.neighbours.get(word)
        if nb is None:
            nb = self._neighbours_stored(word)
        if nb is None:
            vecs = vectors()
            v = vecs.vector(word) if vecs is not None else None
            nb = self.nearest(v, word=word) if v is not None else []
        if len(self.neighbours) >= MAX_CACHED_WORDS:
            self.neighbours.clear()
        self.neighbours[word] = nb
        return nb


class Closeness:  # (plain classes, not dataclasses or NamedTuples: this module is on every cold search's path)
    """How near one record is in meaning to the query, and through which words."""

    __slots__ = ("similarity", "via")

    def __init__(self, similarity: float, via: tuple[tuple[str, str, float], ...]):
        self.similarity = similarity  # idf-weighted mean over the query words with vectors, in [0, 1]
        self.via = via  # (query word, the record's word, its share of similarity)

    def __repr__(self) -> str:
        return f"Closeness({self.similarity!r}, {self.via!r})"


class QueryMeaning:
    """The query's words that have neighbours, each with its idf, its alike words,
    and its reading (another spelling of the word is the word: 繋がり / つながり)."""

    __slots__ = ("words", "total")

    def __init__(self, words: tuple[tuple[str, float, dict[str, float], str], ...], total: float):
        self.words = words
        self.total = total  # the sum of their idfs

    @classmethod
    def of(cls, table: MeaningTable, words, opposites: dict | None = None) -> "QueryMeaning | None":
        """``words``: (query word, idf) or (query word, idf, reading); a reading
        shorter than MIN_READING is not used. ``opposites``: word → the words that
        mean its opposite (corpus/opposites.csv), never counted as alike. None when
        no word has a neighbour."""
        from .analysis import _kana

        out = []
        for w, idf, *rest in words:
            nb = table.neighbours_of(w)
            if nb:
                contrary = (opposites or {}).get(w, ())
                # (Not a lone kana, the お of おススメ or the こ of こどく: near a word by the vectors'
                # chance, it explained a related snippet as "near in meaning: お"; the stop-37 review.)
                alike = {o: sim for o, sim in nb if o not in contrary and not (len(o) == 1 and _kana(o))}
                alike[w] = 1.0  # a word is as near as can be to itself, vector or not
                reading = rest[0] if rest and len(rest[0]) >= MIN_READING else ""
                out.append((w, idf, alike, reading))
        total = sum(idf for _, idf, _, _ in out)
        return cls(tuple(out), total) if out and total > 0 else None

    def without(self, generic: frozenset[str]) -> "QueryMeaning":
        """The same query, its words no longer near the ``generic`` ones (a word stays near
        itself). For the records that fill a page by meaning alone: near まず or 若者 by the
        vectors, ない, 今 and 人 explained them as "near in meaning: 今, ない" (the stop-40 user
        review); in the matches' ranking they stay (taken out there, 26 judged queries fell)."""
        words = tuple((w, idf, {o: sim for o, sim in alike.items() if o == w or o not in generic}, reading)
                      for w, idf, alike, reading in self.words)
        return QueryMeaning(words, self.total)

    def of_record(self, spans, heading: str = "") -> Closeness | None:
        """One record's closeness, from its words as (base form, reading) pairs (and
        the heading it is listed under, where an alike word is looked for as written).
        A word spelled another way (same reading, the same word: analysis.same_word)
        counts SPELLING_SIMILARITY, unless its vector makes it nearer."""
        from .analysis import same_word

        via = []
        for q, idf, alike, reading in self.words:
            best, other = 0.0, ""
            for w, r in spans:
                sim = alike.get(w)
                if (sim is None or sim < SPELLING_SIMILARITY) and reading and r == reading and same_word(q, w):
                    sim = SPELLING_SIMILARITY  # 繋がり / つながり, not 機関 / 期間, 測る / 図る
                if sim is not None and sim > best:
                    best, other = sim, w
            if heading:
                for w, sim in alike.items():
                    if sim > best and w in heading:
                        best, other = sim, w
            if best > 0:
                via.append((q, other, idf * best / self.total))
        return Closeness(sum(v for _, _, v in via), tuple(via)) if via else None

    def of_all(self, postings, budget: int | None = None, per_word: int | None = None) -> dict[int, Closeness]:
        """Every record's closeness, through ``postings(word)`` (the records that have
        the word). Alike words are read nearest first, across the query's words; past
        ``budget`` postings the rest are left out (a corpus far larger than today's:
        the nearest words decide the order anyway). Other spellings are not looked
        for: a record that has one is a match, never among these."""
        pairs = sorted(((sim, q, w) for q, _, alike, _ in self.words
                        for w, sim in sorted(alike.items(), key=lambda ws: (-ws[1], ws[0]))[:per_word]),
                       key=lambda t: (-t[0], t[1], t[2]))
        best: dict[int, dict[str, tuple[float, str]]] = {}
        read = 0
        for sim, q, w in pairs:
            docs = postings(w)
            read += len(docs)
            for d in docs:
                mine = best.setdefault(d, {})
                if sim > mine.get(q, (0.0, ""))[0]:
                    mine[q] = (sim, w)
            if budget is not None and read >= budget:
                break
        idfs = {q: idf for q, idf, _, _ in self.words}
        out = {}
        for d, per in best.items():
            via = tuple((q, w, idfs[q] * sim / self.total) for q, (sim, w) in per.items())
            out[d] = Closeness(sum(v for _, _, v in via), via)
        return out


def closeness(table: MeaningTable, words, postings) -> dict[int, Closeness]:
    """Each record near the query in meaning. ``words``: (query word, idf);
    ``postings(word)``: the record numbers that have the word."""
    query = QueryMeaning.of(table, words)
    return query.of_all(postings) if query is not None else {}


def _read_whole(f) -> bytes:
    """The whole of an open file, read at offsets, so its shared file position is not used."""
    size = os.fstat(f.fileno()).st_size
    chunks, at = [], 0
    while at < size:
        chunk = os.pread(f.fileno(), min(1 << 20, size - at), at)
        if not chunk:
            break
        chunks.append(chunk)
        at += len(chunk)
    return b"".join(chunks)
