"""Pages of results: facets (counts per field) and paging and order.

Each function takes a ``SearchEngine`` and is exposed as an engine method
(``engine.facets``, ``engine.find``); the CLI only calls those. Nothing here
renders text. City-by-city comparison and "more like this" are in compare.py,
the interactive session in session.py (kept apart so that a search, which
needs only this module, does not pay for defining their types).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterator

from .errors import UsageError
from .search import Hit, SearchResult

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SearchEngine

FACET_FIELDS: tuple[str, ...] = ("city", "prefecture", "theme", "polarity")
SORTS: tuple[str, ...] = ("score", "city", "line")
# Sorting by city or line orders the best SORT_WINDOW matches (by score): more
# than any corpus of municipal advice holds, and a bound on the work per query.
SORT_WINDOW = 1000


# ---------------------------------------------------------------------------
# Facets


def facets(engine: "SearchEngine", query: str, *, city=None, prefecture=None, theme=None, polarity=None) -> dict[str, dict[str, int]]:
    """Counts of the matching snippets per city, prefecture, theme and polarity.

    Counted by the index (Whoosh grouping over the same query and filters the
    search uses), so the cost does not grow with the number of hits fetched.
    Each count maps value → number of matches, largest first; a record whose
    sentence states both sides (``Hit.also``) counts on both. They describe the
    matches, not what adding that filter finds: a word that names what a filter
    asks for (負担, PF) is then met by every record it lets through, and a match
    made only as the side the query asked for is none under the other (README,
    "Facets")."""
    from whoosh import query as Q
    from whoosh import sorting

    from .search import KANA_RUN_AS_TYPED, matched
    from .vocab import vocabulary

    filters = engine.filters(city=city, prefecture=prefecture, theme=theme, polarity=polarity)
    spellings = engine._spellings if isinstance(query, str) and KANA_RUN_AS_TYPED.search(query) else None
    searcher = engine.searcher()  # (one: a rebuild between two calls counted one index's records on the other)
    docs = matched(searcher, query, vocabulary(engine.corpus_dir), filters, spellings)
    if not docs:
        return {name: {} for name in FACET_FIELDS}
    groupedby = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACET_FIELDS + ("also",)}
    results = searcher.search(Q.Every(), filter=docs, groupedby=groupedby, limit=1, scored=False)
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS + ("also",):
        groups = results.groups(name)
        pairs = ((k.decode("utf-8") if isinstance(k, bytes) else str(k), int(n)) for k, n in groups.items() if k)
        out[name] = dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))
    # A record that states both sides counts on its other side too (what --polarity finds):
    # added from the also column, which Whoosh caches like the others.
    also = out.pop("also")
    if also:
        sides = dict(out["polarity"])
        for side, n in also.items():
            sides[side] = sides.get(side, 0) + n
        out["polarity"] = dict(sorted(sides.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


# ---------------------------------------------------------------------------
# Paging and order


def _city_order(searcher) -> dict[str, tuple[str, int]]:
    """Each city's first place in the corpus (source, line): about one stored record read
    per city and segment (search.corpus_order)."""
    from .search import _index_cities, corpus_order

    got = getattr(searcher, "_kodoku_city_order", None)
    if got is None:
        got = {}
        for city in _index_cities(searcher):
            first = corpus_order(searcher, searcher.document_numbers(city=city), 1)
            if first:
                st = searcher.stored_fields(first[0])
                got[city] = (st["source"], int(st["line"]))
        try:
            searcher._kodoku_city_order = got
        except AttributeError:
            pass
    return got


@dataclass(frozen=True)
class Page:
    """One page of a search: ``hits`` are ranks ``offset + 1`` … in the chosen order.
    ``result`` is the underlying search (its ``total`` counts every match)."""

    result: SearchResult
    offset: int = 0
    sort: str = "score"
    facets: dict[str, dict[str, int]] | None = None

    @property
    def hits(self) -> tuple[Hit, ...]:
        return self.result.hits

    @property
    def related(self) -> tuple[Hit, ...]:
        return self.result.related

    @property
    def ranked(self) -> tuple[Hit, ...]:
        """Everything the page shows, in order: its matches, then its related records."""
        return self.result.ranked

    @property
    def total(self) -> int:
        return self.result.total

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.result.hits)

    def __len__(self) -> int:
        return len(self.result.hits)

    def to_dict(self) -> dict[str, Any]:
        d = self.result.to_dict(start=self.offset + 1)
        d["offset"] = self.offset
        d["sort"] = self.sort
        if self.facets is not None:
            d["facets"] = self.facets
        return d


def find(
    engine: "SearchEngine",
    query: str,
    *,
    city=None,
    prefecture=None,
    theme=None,
    polarity=None,
    limit: int = 10,
    offset: int = 0,
    sort: str = "score",
    explain: bool = False,
    facets: bool = False,
    related: bool = True,
    meaning: bool = True,
    rerank: bool = True,
) -> Page:
    """A page of results: ``limit`` hits from ``offset`` on, ordered by ``sort``
    (score, city, or line = source order). Sorting by city or line orders the
    best ``SORT_WINDOW`` matches; ``facets=True`` also counts all matches per field.
    Ordered by score, a page the matches do not fill goes on with related records
    (``related=False``: not), numbered on from the matches. ``meaning`` and ``rerank``:
    as in SearchEngine.search."""
    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}; valid: {', '.join(SORTS)}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise UsageError(f"offset must be a whole number, 0 or more, not {offset!r}")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise UsageError(f"limit must be a whole number, 0 or more, not {limit!r}")
    kw = dict(city=city, prefecture=prefecture, theme=theme, polarity=polarity)
    want = offset + limit if sort == "score" else max(SORT_WINDOW, offset + limit)
    result = engine.search(query, limit=want, explain=explain, related=related and sort == "score", meaning=meaning,
                           rerank=rerank, **kw)
    hits = list(result.hits)
    if sort == "city":  # the cities in the document's order (as its readers meet them), best first in each
        place = _city_order(engine.searcher())
        hits.sort(key=lambda h: (place.get(h.city, (h.source, h.line)), -h.score, h.source, h.line))
    elif sort == "line":
        hits.sort(key=lambda h: (h.source, h.line, h.id))
    if sort == "score":  # (the related records go on where the matches end, or come ahead of weak ones)
        page = result.window(offset, limit)
    else:
        page = replace(result, hits=tuple(hits[offset: offset + limit]), related=())
    counts = engine.facets(query, **kw) if facets else None
    return Page(page, offset, sort, counts)


_MOVED = {"CityPair": "compare", "Comparison": "compare", "compare": "compare", "Similar": "compare",
          "similar": "compare", "COMPARE_WINDOW": "compare", "SIMILAR_TERMS": "compare",
          "SIMILAR_CANDIDATES": "compare", "Reply": "session", "Session": "session", "SESSION_HELP": "session",
          "SESSION_COMMANDS": "session", "session_completions": "session", "history_file": "session"}


def __getattr__(name: str):
    """The names that moved to compare.py and session.py, still importable from here
    (only those: the import system asks modules for ``__path__`` and the like)."""
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_MOVED[name]}", __package__), name)

