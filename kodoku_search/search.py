"""Query text + filters → ranked, highlighted hits.

The query is what a person types: a word, several words, or a whole sentence.
It is analyzed like the text (no query syntax: AND, quotes and brackets are
just characters), every content word becomes an optional clause, BM25F ranks,
and a coordination factor lifts results that match more of the query's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from .errors import UsageError

MAX_QUERY_CHARS = 1000  # longer input is cut here: it bounds the work one query causes
CANDIDATES = 200  # re-ranked by coordination; more than any page anyone reads
COORD_WEIGHT = 0.5  # score × (1 − w + w × matched/query words)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Hit:
    """One result: the record's fields, its score, and where the query's words are in ``text``."""

    id: str
    city: str
    prefecture: str
    theme: str
    polarity: str
    section: str | None
    text: str
    source: str
    line: int
    score: float
    matches: tuple[tuple[int, int], ...]
    repost_of: str | None = None
    matched_terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["matches"] = [list(m) for m in self.matches]
        d["matched_terms"] = list(self.matched_terms)
        d["score"] = round(self.score, 4)
        return d


@dataclass(frozen=True)
class Filters:
    city: str | None = None
    prefecture: str | None = None
    theme: str | None = None
    polarity: str | None = None

    def active(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class SearchResult:
    """Hits for one query; iterates over the hits. ``total`` counts every match, before the limit."""

    query: str
    total: int
    hits: tuple[Hit, ...]
    terms: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "results": [h.to_dict() for h in self.hits],
            "terms": list(self.terms),
            "filters": self.filters.active(),
            "notes": list(self.notes),
        }


def clean_query(text: str) -> tuple[str, list[str]]:
    """Make arbitrary input safe to analyze: no control characters or lone
    surrogates, bounded length. Returns (clean text, notes for the user)."""
    if not isinstance(text, str):
        raise UsageError(f"the query must be text, not {type(text).__name__}")
    notes: list[str] = []
    cleaned = _SURROGATE.sub("\ufffd", text)
    cleaned = _CONTROL.sub(" ", cleaned)
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    if not cleaned.strip(" \u3000\ufffd"):
        raise UsageError("the query is empty: type a word or phrase to search for, e.g. kodoku-search search 縦割り")
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    return cleaned, notes


def query_terms(text: str) -> list[str]:
    """The distinct content words of a query, in order."""
    from .analysis import terms

    seen: dict[str, None] = {}
    for t, _, _ in terms(text):
        seen.setdefault(t, None)
    return list(seen)


def run_search(searcher, text: str, filters: Filters, limit: int) -> SearchResult:
    """Search an open Whoosh searcher."""
    from whoosh import query as Q

    if limit < 0:
        raise UsageError("--limit must be 0 or more")
    cleaned, notes = clean_query(text)
    words = query_terms(cleaned)
    if not words:
        notes.append("the query has no words to search for (particles, symbols and punctuation are ignored)")
        return SearchResult(text, 0, (), (), filters, tuple(notes))
    q = Q.Or([Q.Term("text", w) for w in words])
    flt = _filter_query(filters)
    results = searcher.search(q, limit=max(CANDIDATES, limit), filter=flt)
    total = len(results)
    wanted = set(words)
    scored: list[tuple[float, int, dict]] = []
    for hit in results:
        stored = hit.fields()
        doc_terms = {s[0] for s in stored.get("spans") or ()}
        matched = len(wanted & doc_terms)
        coord = 1 - COORD_WEIGHT + COORD_WEIGHT * matched / len(wanted)
        scored.append((hit.score * coord, hit.docnum, stored))
    scored.sort(key=lambda x: (-x[0], x[2]["source"], x[2]["line"], x[2]["id"]))
    hits = tuple(_make_hit(stored, score, wanted) for score, _, stored in scored[:limit])
    return SearchResult(text, total, hits, tuple(words), filters, tuple(notes))


def _filter_query(filters: Filters):
    from whoosh import query as Q

    parts = [Q.Term(k, v) for k, v in filters.active().items()]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _make_hit(stored: dict, score: float, wanted: set[str]) -> Hit:
    spans = stored.get("spans") or ()
    matches = tuple((s[1], s[2]) for s in spans if s[0] in wanted)
    matched_terms = tuple(dict.fromkeys(s[0] for s in spans if s[0] in wanted))
    return hit_from_stored(stored, score, _merge(matches), matched_terms)


def hit_from_stored(stored: dict, score: float = 0.0, matches=(), matched_terms=()) -> Hit:
    return Hit(
        id=stored["id"],
        city=stored["city"],
        prefecture=stored["prefecture"],
        theme=stored["theme"],
        polarity=stored["polarity"],
        section=stored.get("section") or None,
        text=stored["text"],
        source=stored["source"],
        line=int(stored["line"]),
        score=float(score),
        matches=tuple(matches),
        repost_of=stored.get("repost_of"),
        matched_terms=tuple(matched_terms),
    )


def _merge(spans) -> tuple[tuple[int, int], ...]:
    """Sorted, with touching or overlapping spans joined (庁 + 内 → one mark)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)
