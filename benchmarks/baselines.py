"""The four reference systems of /work/shared/eval/README.md, re-implemented.

They give kodoku-search something to be measured against on the same records:
if the engine falls behind a character-bigram index on some query, that is a
regression to look at, not a number to explain away.

Each baseline is ``fn(records, query, limit=10, *, city=None, theme=None,
polarity=None) -> list[record]`` over records with ``.city .theme .polarity
.text`` (kodoku_search.records.Snippet has them). Filters restrict the
candidates the way a user's filter would; they never change the query. A
polarity filter lets through a record's ``also`` side too (a sentence that
states both sides), as kodoku-search's own filter does.
Indexes are built once per record list and cached.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import unicodedata
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from whoosh import query as wq
from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    Token,
    Tokenizer,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

from kodoku_search.evaluate import EvalReport, Judgment, evaluate

_INDEX_IDS = itertools.count()

__all__ = [
    "BASELINES",
    "DESCRIPTIONS",
    "Record",
    "bigram_whoosh",
    "content_words",
    "janome_whoosh",
    "run_baselines",
    "sqlite_trigram",
    "substring_and",
]


class Record(Protocol):
    @property
    def city(self) -> str: ...

    @property
    def theme(self) -> str: ...

    @property
    def polarity(self) -> str: ...

    @property
    def text(self) -> str: ...


R = TypeVar("R", bound=Record)
Baseline = Callable[..., list[Any]]


def _passes(record: Record, city: str | None, theme: str | None, polarity: str | None) -> bool:
    return (
        (city is None or record.city == city)
        and (theme is None or record.theme == theme)
        and (polarity is None or polarity in _sides(record))
    )


def _sides(record: Record) -> tuple[str, ...]:
    """The record's polarity, and the other side it states too (Snippet.also), if any."""
    also = getattr(record, "also", None)
    return (record.polarity, also) if also else (record.polarity,)


class _IndexCache:
    """Index per record list, keyed on the identity of the records it holds.

    Records need not be hashable; the entry keeps the list alive so the ids in
    its key cannot be reused by other objects while it is cached.
    """

    def __init__(self, build: Callable[[Sequence[Any]], Any], size: int = 4) -> None:
        self._build = build
        self._size = size
        self._entries: dict[tuple[int, ...], tuple[Sequence[Any], Any]] = {}

    def get(self, records: Sequence[Any]) -> Any:
        key = tuple(id(r) for r in records)
        hit = self._entries.get(key)
        if hit is None:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            hit = (list(records), self._build(records))
            self._entries[key] = hit
        return hit[1]


# --------------------------------------------------------------------------- (a) substring AND


def substring_and(
    records: Sequence[R],
    query: str,
    limit: int = 10,
    *,
    city: str | None = None,
    theme: str | None = None,
    polarity: str | None = None,
) -> list[R]:
    """Records containing every space-separated term, as typed (no normalization).

    There is no scoring: the rank order is simply document order, which is
    what a grep-like search box gives.
    """
    terms = query.split()
    if not terms:
        return []
    out: list[R] = []
    for record in records:
        if _passes(record, city, theme, polarity) and all(t in record.text for t in terms):
            out.append(record)
            if len(out) >= limit:
                break
    return out


# --------------------------------------------------------------------------- (b) SQLite FTS5 trigram


def _build_sqlite(records: Sequence[Record]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "text, city UNINDEXED, theme UNINDEXED, polarity UNINDEXED, also UNINDEXED, tokenize='trigram')"
        )
    except sqlite3.OperationalError as exc:  # SQLite < 3.34 has no trigram tokenizer
        con.close()
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer (needs 3.34+)"
        ) from exc
    con.executemany(
        "INSERT INTO docs(rowid, text, city, theme, polarity, also) VALUES (?, ?, ?, ?, ?, ?)",
        ((i, r.text, r.city, r.theme, r.polarity, getattr(r, "also", None) or "") for i, r in enumerate(records)),
    )
    con.commit()
    return con


_sqlite_cache = _IndexCache(_build_sqlite)


def _fts5_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def sqlite_trigram(
    records: Sequence[R],
    query: str,
    limit: int = 10,
    *,
    city: str | None = None,
    theme: str | None = None,
    polarity: str | None = None,
) -> list[R]:
    """SQLite FTS5 with the trigram tokenizer, each space-separated term a
    quoted string (implicit AND), ranked by bm25().

    Terms are passed to SQLite as typed and SQLite decides: a term shorter than
    three characters yields no trigram, so a query made only of such terms
    (大学, 予防) matches nothing, and, in an AND with a longer term, SQLite
    3.40 lets it match anything. Neither is corrected here; that is the
    baseline.
    """
    terms = query.split()
    if not terms:
        return []
    con = _sqlite_cache.get(records)
    sql = "SELECT rowid FROM docs WHERE docs MATCH ?"
    params: list[Any] = [" ".join(_fts5_string(t) for t in terms)]
    for column, value in (("city", city), ("theme", theme)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if polarity is not None:
        sql += " AND (polarity = ? OR also = ?)"
        params += [polarity, polarity]
    sql += " ORDER BY bm25(docs), rowid LIMIT ?"
    params.append(limit)
    return [records[rowid] for (rowid,) in con.execute(sql, params)]


# --------------------------------------------------------------------------- Whoosh helpers


def _whoosh_index(analyzer: Any) -> Callable[[Sequence[Record]], Any]:
    def build(records: Sequence[Record]) -> Any:
        schema = Schema(
            text=TEXT(analyzer=analyzer, phrase=False),
            city=ID(),
            theme=ID(),
            polarity=KEYWORD(),  # its sides: "good hard" for a record that states both
            n=STORED(),
        )
        # Whoosh's writer spills to a temp directory named after the index (/tmp/MAIN.tmp
        # by default); a name of this process's own keeps two benchmark runs apart.
        index = RamStorage().create_index(schema, indexname=f"baseline{os.getpid()}_{next(_INDEX_IDS)}")
        with index.writer() as writer:
            for n, r in enumerate(records):
                writer.add_document(text=r.text, city=r.city, theme=r.theme, polarity=" ".join(_sides(r)), n=n)
        return index

    return build


def _whoosh_or_search(
    index: Any,
    analyzer: Any,
    records: Sequence[R],
    query: str,
    limit: int,
    city: str | None,
    theme: str | None,
    polarity: str | None,
) -> list[R]:
    """OR of the query's analyzed terms, BM25F, filters as a Whoosh filter query."""
    terms = list(dict.fromkeys(t.text for t in analyzer(query, mode="query")))
    if not terms:
        return []
    q = wq.Or([wq.Term("text", t) for t in terms])
    wanted = [
        wq.Term(field, value)
        for field, value in (("city", city), ("theme", theme), ("polarity", polarity))
        if value is not None
    ]
    flt = wq.And(wanted) if wanted else None
    with index.searcher(weighting=BM25F()) as searcher:
        results = searcher.search(q, limit=limit, filter=flt)
        return [records[hit["n"]] for hit in results]


# --------------------------------------------------------------------------- (c) Whoosh bigrams


class NFKCFilter(Filter):
    """Unicode NFKC on each token, so full-width ＰＦ and half-width ﾎﾟｯﾄﾞ index as PF, ポッド."""

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            t.text = unicodedata.normalize("NFKC", t.text)
            yield t


#: NFKC → lowercase → character bigrams within each whitespace-separated run.
#: Equivalent to NgramTokenizer(2, 2) on normalized text, except that no gram
#: spans a space (a query "広報 啓発" gives 広報, 啓発, not "報 " or " 啓"). A
#: one-character run yields no gram, as with NgramTokenizer. (Module-level:
#: Whoosh pickles the schema, analyzer included.)
BIGRAM_ANALYZER = RegexTokenizer(r"\S+") | NFKCFilter() | LowercaseFilter() | NgramFilter(2, 2)
_bigram_cache = _IndexCache(_whoosh_index(BIGRAM_ANALYZER))


def bigram_whoosh(
    records: Sequence[R],
    query: str,
    limit: int = 10,
    *,
    city: str | None = None,
    theme: str | None = None,
    polarity: str | None = None,
) -> list[R]:
    """Whoosh over character bigrams (NFKC, lowercase), OR of the query's bigrams, BM25F."""
    index = _bigram_cache.get(records)
    return _whoosh_or_search(index, BIGRAM_ANALYZER, records, query, limit, city, theme, polarity)


# --------------------------------------------------------------------------- (d) Whoosh + Janome

#: Parts of speech that carry content; particles (助詞), auxiliary verbs
#: (助動詞), symbols (記号), prefixes, conjunctions and the like are dropped.
CONTENT_POS: frozenset[str] = frozenset({"名詞", "動詞", "形容詞", "副詞"})

_janome: Any = None


def content_words(text: str) -> list[str]:
    """Janome base forms of the content words of NFKC-normalized, lowercased text."""
    global _janome
    if _janome is None:
        from janome.tokenizer import Tokenizer

        _janome = Tokenizer()
    words: list[str] = []
    for tok in _janome.tokenize(unicodedata.normalize("NFKC", text).lower()):
        if tok.part_of_speech.split(",", 1)[0] not in CONTENT_POS:
            continue
        word = tok.base_form if tok.base_form and tok.base_form != "*" else tok.surface
        if word.strip():
            words.append(word)
    return words


class JanomeContentTokenizer(Tokenizer):
    """Whoosh tokenizer yielding content_words(); positions only, no char offsets.

    The Janome tokenizer itself lives in a module global, not on this object,
    because Whoosh pickles the schema and the analyzer with it.
    """

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, word in enumerate(content_words(value), start=start_pos):
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = pos
            if chars:
                t.startchar = t.endchar = start_char
            yield t


JANOME_ANALYZER = JanomeContentTokenizer()
_janome_cache = _IndexCache(_whoosh_index(JANOME_ANALYZER))


def janome_whoosh(
    records: Sequence[R],
    query: str,
    limit: int = 10,
    *,
    city: str | None = None,
    theme: str | None = None,
    polarity: str | None = None,
) -> list[R]:
    """Whoosh over Janome base forms of content words, OR of the query's words, BM25F."""
    index = _janome_cache.get(records)
    return _whoosh_or_search(index, JANOME_ANALYZER, records, query, limit, city, theme, polarity)


# --------------------------------------------------------------------------- running

BASELINES: dict[str, Baseline] = {
    "substring-and": substring_and,
    "fts5-trigram": sqlite_trigram,
    "whoosh-bigram": bigram_whoosh,
    "whoosh-janome": janome_whoosh,
}

#: What each baseline is, in the words of the README's reference table.
DESCRIPTIONS: dict[str, str] = {
    "substring-and": "substring match of each space-separated term (AND), document order",
    "fts5-trigram": "SQLite FTS5, trigram tokenizer, bm25",
    "whoosh-bigram": "Whoosh, character bigrams (NFKC, lowercase), OR, BM25F",
    "whoosh-janome": "Whoosh, Janome base forms of content words, OR, BM25F",
}


def run_baselines(
    records: Sequence[Record], judgments: Sequence[Judgment], k: int = 10
) -> dict[str, EvalReport]:
    """Every baseline evaluated on the judgments, with each judgment's filters applied."""
    return {
        name: evaluate(
            judgments,
            lambda j, fn=fn: fn(records, j.query, limit=k, **j.filters()),
            k=k,
        )
        for name, fn in BASELINES.items()
    }
