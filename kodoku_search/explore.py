"""Exploring the corpus beyond one ranked list: facets, pages, city-by-city
comparison, "more like this", and an interactive session.

Each function takes a ``SearchEngine`` and is exposed as an engine method
(``engine.facets``, ``engine.find``, ``engine.compare``, ``engine.similar``,
``engine.session``); the CLI only calls those. Nothing here renders text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import labels
from .errors import UsageError
from .search import Hit, SearchResult, hit_from_stored

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SearchEngine

FACET_FIELDS: tuple[str, ...] = ("city", "prefecture", "theme", "polarity")
SORTS: tuple[str, ...] = ("score", "city", "line")
# Sorting by city or line orders the best SORT_WINDOW matches (by score): more
# than any corpus of municipal advice holds, and a bound on the work per query.
SORT_WINDOW = 1000
# Compare reads up to this many matches per side to find each city's best.
COMPARE_WINDOW = 1000
# Similar: how many of the record's terms make the query, and how many candidates are ranked.
SIMILAR_TERMS = 12
SIMILAR_CANDIDATES = 500


# ---------------------------------------------------------------------------
# Facets


def facets(engine: "SearchEngine", query: str, *, city=None, prefecture=None, theme=None, polarity=None) -> dict[str, dict[str, int]]:
    """Counts of the matching snippets per city, prefecture, theme and polarity.

    Counted by the index (Whoosh grouping over the same query and filters the
    search uses), so the cost does not grow with the number of hits fetched.
    Each count maps value → number of matches, largest first. A polarity's count
    is what ``--polarity`` that side finds: a record whose sentence states both
    sides (``Hit.also``) counts on both.
    """
    from whoosh import sorting

    from .search import KANA_RUN_AS_TYPED, filter_query, match_query
    from .vocab import vocabulary

    filters = engine.filters(city=city, prefecture=prefecture, theme=theme, polarity=polarity)
    spellings = engine._spellings if isinstance(query, str) and KANA_RUN_AS_TYPED.search(query) else None
    q = match_query(query, vocabulary(engine.corpus_dir), filters, spellings)
    if q is None:
        return {name: {} for name in FACET_FIELDS}
    groupedby = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACET_FIELDS + ("also",)}
    results = engine.searcher().search(q, filter=filter_query(filters), groupedby=groupedby, limit=1, scored=False)
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
        d = self.result.to_dict()
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
        raise UsageError("--offset must be 0 or more")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise UsageError("--limit must be 0 or more")
    kw = dict(city=city, prefecture=prefecture, theme=theme, polarity=polarity)
    want = offset + limit if sort == "score" else max(SORT_WINDOW, offset + limit)
    result = engine.search(query, limit=want, explain=explain, related=related and sort == "score", meaning=meaning,
                           rerank=rerank, **kw)
    hits = list(result.hits)
    if sort == "city":
        hits.sort(key=lambda h: (h.city, -h.score, h.source, h.line))
    elif sort == "line":
        hits.sort(key=lambda h: (h.source, h.line, h.id))
    shown = tuple(hits[offset: offset + limit])
    first = max(0, offset - len(hits))  # the related records go on where the matches end
    page = replace(result, hits=shown, related=result.related[first: first + limit - len(shown)])
    counts = engine.facets(query, **kw) if facets else None
    return Page(page, offset, sort, counts)


# ---------------------------------------------------------------------------
# Compare: each city's best good and best hard snippet


@dataclass(frozen=True)
class CityPair:
    """A city's best matches on each side. ``good``/``hard`` hold up to
    ``limit_per_side`` hits, best first; ``best_good``/``best_hard`` the first or None."""

    city: str
    prefecture: str
    good: tuple[Hit, ...] = ()
    hard: tuple[Hit, ...] = ()

    @property
    def best_good(self) -> Hit | None:
        return self.good[0] if self.good else None

    @property
    def best_hard(self) -> Hit | None:
        return self.hard[0] if self.hard else None

    @property
    def best_score(self) -> float:
        return max((h.score for h in (*self.good[:1], *self.hard[:1])), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "city": self.city,
            "prefecture": self.prefecture,
            "good": self.best_good.to_dict() if self.best_good else None,
            "hard": self.best_hard.to_dict() if self.best_hard else None,
        }
        if len(self.good) > 1 or len(self.hard) > 1:
            d["more_good"] = [h.to_dict() for h in self.good[1:]]
            d["more_hard"] = [h.to_dict() for h in self.hard[1:]]
        return d


@dataclass(frozen=True)
class Comparison:
    """Cities with a match for ``query``, the best-matching city first."""

    query: str
    cities: tuple[CityPair, ...]
    filters: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[CityPair]:
        return iter(self.cities)

    def __len__(self) -> int:
        return len(self.cities)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "filters": dict(self.filters), "cities": [c.to_dict() for c in self.cities]}


def compare(engine: "SearchEngine", query: str, *, theme=None, prefecture=None, limit_per_side: int = 1) -> Comparison:
    """For each city with a match, its best good and best hard snippets, so the
    two sides of one topic can be read side by side. Cities are ordered by
    their best score on either side."""
    if not isinstance(limit_per_side, int) or isinstance(limit_per_side, bool) or limit_per_side < 1:
        raise UsageError("limit_per_side must be 1 or more")
    sides: dict[str, SearchResult] = {}
    for side in ("good", "hard"):
        sides[side] = engine.search(query, theme=theme, prefecture=prefecture, polarity=side, limit=COMPARE_WINDOW,
                                     related=False)  # compare reads matches only
    found: dict[str, dict[str, list[Hit]]] = {}  # city → side → its matches, best first
    pref: dict[str, str] = {}
    for side, result in sides.items():
        for h in result.hits:
            found.setdefault(h.city, {"good": [], "hard": []})[side].append(h)
            pref.setdefault(h.city, h.prefecture)
    per: dict[str, dict[str, list[Hit]]] = {}
    for city, lists in found.items():
        # A record that states both sides (Hit.also) is shown once: on its own side
        # when it is among that side's best, else on the other. Only a side the city
        # would leave empty shows it again: 座間市's 「調整に苦労しましたが、…できました」
        # is its one hardship about 調整, and a reader of that column should see it.
        own = {side: {h.id for h in hits[:limit_per_side] if h.polarity == side} for side, hits in lists.items()}
        per[city] = {side: [h for h in hits if h.polarity == side or h.id not in own["hard" if side == "good" else "good"]]
                     [:limit_per_side] for side, hits in lists.items()}
        for side, hits in lists.items():
            if not per[city][side]:
                per[city][side] = [h for h in hits if h.also == side][:limit_per_side]
    pairs = [CityPair(c, pref[c], tuple(s["good"]), tuple(s["hard"])) for c, s in per.items()]
    pairs.sort(key=lambda p: (-p.best_score, p.city))
    notes = tuple(dict.fromkeys(n for r in sides.values() for n in r.notes if "--polarity" not in n))
    active = sides["good"].filters.active()
    active.pop("polarity", None)
    return Comparison(query, tuple(pairs), active, notes)


# ---------------------------------------------------------------------------
# Similar: snippets that share a record's distinctive words


@dataclass(frozen=True)
class Similar:
    """Snippets most like ``record``: ``terms`` are the record's distinctive terms
    (rarest first) the search used; each hit's ``matched_terms`` are the ones it shares."""

    record: Hit
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def to_dict(self) -> dict[str, Any]:
        results = []
        for h in self.hits:
            d = h.to_dict()
            d["shared_terms"] = list(h.matched_terms)
            d["same_city"] = h.city == self.record.city
            results.append(d)
        return {"id": self.record.id, "record": self.record.to_dict(), "terms": list(self.terms), "results": results}


def _merge(spans) -> tuple[tuple[int, int], ...]:
    """Sorted spans with touching or overlapping ones joined (one highlight mark each)."""
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _spans(stored: dict) -> list[tuple[str, int, int]]:
    return [(s[0], int(s[2]), int(s[3])) for s in stored.get("spans") or () if s and s[0]]


def similar(engine: "SearchEngine", record_id: str, limit: int = 10) -> Similar:
    """Snippets that share the most distinctive words of one record: other cities'
    first (what did others say about the same thing?), then its own city's.

    Uses the base forms stored with the record at index time, weighed by how
    rare each is in the index, so no text is analyzed at query time.
    """
    from whoosh import query as Q

    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise UsageError("limit must be 0 or more")
    rec = engine.get(record_id)
    s = engine.searcher()
    stored = s.document(id=rec.id) or {}
    idf: dict[str, float] = {}
    for term, _, _ in _spans(stored):
        if term in idf:
            continue
        df = s.doc_frequency("text", term)
        if df >= 2:  # found in at least one other record
            idf[term] = s.idf("text", term)
    terms = tuple(sorted(idf, key=lambda t: (-idf[t], t))[:SIMILAR_TERMS])
    record = replace(rec, matched_terms=terms, matches=_merge((a, b) for t, a, b in _spans(stored) if t in terms))
    if not terms or limit == 0:
        return Similar(record, terms, ())
    q = Q.Or([Q.Term("text", t) for t in terms])
    results = s.search(q, limit=SIMILAR_CANDIDATES, mask=Q.Term("id", rec.id))
    others, same = [], []
    for r in results:
        f = r.fields()
        spans = [(t, a, b) for t, a, b in _spans(f) if t in idf]
        have = {t for t, _, _ in spans}
        shared = tuple(t for t in terms if t in have)
        hit = hit_from_stored(f, r.score, _merge((a, b) for t, a, b in spans if t in shared), shared)
        (same if hit.city == rec.city else others).append(hit)
    return Similar(record, terms, tuple((others + same)[:limit]))


# ---------------------------------------------------------------------------
# Interactive session: state between queries, no I/O


@dataclass(frozen=True)
class Reply:
    """What one line of input produced: a ``page`` of results, a ``comparison``,
    ``similar`` snippets, a ``message`` for the person, or ``quit``."""

    kind: str  # results | compare | similar | message | error | quit
    message: str = ""
    page: Page | None = None
    comparison: Comparison | None = None
    similar: Similar | None = None


SESSION_HELP = """\
Type a query to search, or a command:
  :city 福岡市       only this city          (:city alone clears it)
  :prefecture 愛知県 only this prefecture
  :theme PF          general (全般) or platform (PF)
  :polarity hard     good (良かった), hard (苦労) or other
  :limit 5           results per query
  :more              the next page of the last query
  :compare QUERY     each city's best good and hard snippet
  :similar ID        snippets like record ID
  :filters           show the filters in force
  :clear             clear every filter
  :help              this text
  :quit              leave (so does end of input, Ctrl-D)"""


class Session:
    """An engine kept open across queries, with filters a person sets once.

    ``execute(line)`` turns one line of input into a ``Reply``; the CLI reads
    lines, prints replies and keeps the history.
    """

    FILTERS = ("city", "prefecture", "theme", "polarity")

    def __init__(self, engine: "SearchEngine", limit: int = 10):
        self.engine = engine
        self.limit = limit
        self.filters: dict[str, str] = {}
        self._last: tuple[str, int] | None = None  # query, next offset

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.filters.items()) or "none"
        return f"filters: {shown}; limit {self.limit}"

    def execute(self, line: str) -> Reply:
        text = line.strip()
        if not text:
            return Reply("message")
        if not text.startswith(":"):
            return self._search(text, 0)
        cmd, _, arg = text[1:].partition(" ")
        cmd, arg = cmd.strip().lower(), arg.strip()
        try:
            if cmd in ("q", "quit", "exit"):
                return Reply("quit")
            if cmd in ("h", "help", "?"):
                return Reply("message", SESSION_HELP)
            if cmd == "clear":
                self.filters.clear()
                return Reply("message", self.describe())
            if cmd == "filters":
                return Reply("message", self.describe())
            if cmd in self.FILTERS:
                return self._set_filter(cmd, arg)
            if cmd == "limit":
                if not arg.isdigit() or not 0 < int(arg) <= 1000:
                    return Reply("error", ":limit takes a number from 1 to 1000")
                self.limit = int(arg)
                return Reply("message", self.describe())
            if cmd == "more":
                if self._last is None:
                    return Reply("error", "no query yet: type one first")
                return self._search(*self._last)
            if cmd == "compare":
                if not arg:
                    return Reply("error", ":compare takes a query, e.g. :compare 庁内連携")
                f = {k: v for k, v in self.filters.items() if k in ("theme", "prefecture")}
                return Reply("compare", comparison=self.engine.compare(arg, **f))
            if cmd == "similar":
                if not arg:
                    return Reply("error", ":similar takes a record id, e.g. :similar advice-2025-10/general/福岡市/2")
                return Reply("similar", similar=self.engine.similar(arg, limit=self.limit))
        except UsageError as e:
            return Reply("error", str(e))
        return Reply("error", f"unknown command :{cmd}; type :help for the list")

    def _set_filter(self, name: str, value: str) -> Reply:
        if not value:
            self.filters.pop(name, None)
            return Reply("message", self.describe())
        checked = self.engine.filters(**{name: value})  # raises UsageError with the valid values
        self.filters[name] = getattr(checked, name)
        return Reply("message", self.describe())

    def _search(self, query: str, offset: int) -> Reply:
        try:
            page = self.engine.find(query, limit=self.limit, offset=offset, **self.filters)
        except UsageError as e:
            return Reply("error", str(e))
        self._last = (query, offset + len(page.ranked))
        return Reply("results", page=page)


SESSION_COMMANDS: tuple[str, ...] = (
    ":city", ":prefecture", ":theme", ":polarity", ":limit", ":more", ":compare", ":similar",
    ":filters", ":clear", ":help", ":quit",
)


def session_completions(session: Session, line: str, word: str) -> list[str]:
    """What tab may complete ``word`` to, given the whole ``line`` typed so far:
    a command name, or a value for the filter command the line starts with."""
    if not line.startswith(":"):
        return []
    if " " not in line:
        return [c for c in SESSION_COMMANDS if c.startswith(word)]
    cmd = line.split(" ", 1)[0][1:].lower()
    if cmd in ("city", "prefecture"):
        values = session.engine.values(cmd)
    elif cmd == "similar":
        values = session.engine.values("id")
    elif cmd == "theme":
        values = list(labels.THEMES)
    elif cmd == "polarity":
        values = list(labels.POLARITIES)
    else:
        values = []
    return [v for v in values if v.startswith(word)]


def history_file() -> Path:
    """Where the interactive prompt keeps its history: $KODOKU_SEARCH_HISTORY, else
    the user's cache directory (beside the installed package's index)."""
    env = os.environ.get("KODOKU_SEARCH_HISTORY")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "kodoku-search" / "history"
