"""Across cities and records: each city's best good and hard snippet (compare),
and snippets that share a record's distinctive words (similar).

Exposed as ``engine.compare`` and ``engine.similar``; nothing here renders text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterator

from .errors import UsageError
from .search import Hit, SearchResult, _merge, hit_from_stored

_HIDDEN = re.compile(r"\d+ results? without ")  # search's note when the filters left nothing

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SearchEngine

# Compare reads up to this many matches per side to find each city's best.
COMPARE_WINDOW = 1000
# Similar: how many of the record's terms make the query, and how many candidates are ranked.
SIMILAR_TERMS = 12
SIMILAR_CANDIDATES = 500
SIMILAR_MAX_SHARE = 0.3  # a word in more of the records than this tells none apart (孤独: 35 of 90)

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
        d["more_good"] = [h.to_dict() for h in self.good[1:]]  # (empty unless limit_per_side > 1)
        d["more_hard"] = [h.to_dict() for h in self.hard[1:]]
        return d


@dataclass(frozen=True)
class Comparison:
    """Cities with a match for ``query``, the best-matching city first."""

    query: str
    cities: tuple[CityPair, ...]
    filters: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # the query's words as searched (none: it only names a city or a side)
    # Matches that state neither side (鳥取市's lessons, 春日井市's 取り組み例): no column
    # is theirs, but a reader of 「縦割り」 should know 鳥取市 speaks of it too.
    neither: tuple[Hit, ...] = ()
    # Query words no snippet of either side has (自殺 of 「自殺対策」): the table is the rest's.
    unmatched: tuple[str, ...] = ()
    # The query's compounds whose part is a word of the query too (孤立死: 孤立), each with the
    # forms that say it (itself, its synonyms): a snippet that says only the part does not say them.
    compounds: tuple[tuple[str, ...], ...] = ()

    def __iter__(self) -> Iterator[CityPair]:
        return iter(self.cities)

    def __len__(self) -> int:
        return len(self.cities)

    @property
    def said_in(self) -> tuple[str, ...]:
        """The cities whose shown snippets say the query's words (a highlight), as against
        those that match only through the side the query asks for (負担 is a hard cue:
        every city's hardest snippet matches it) or the snippets before and after."""
        # (孤立死 was "in the snippets of" 12 cities by 孤立 alone, and only 福岡市 says it: the
        # stop-39 review.)
        # (A name two municipalities share is said with its prefecture: 府中市 (広島県).)
        names = [p.city for p in self.cities]
        return tuple(p.city if names.count(p.city) == 1 else f"{p.city} ({p.prefecture})"
                     for p in self.cities if self.says(p))

    def says(self, pair: CityPair) -> bool:
        """Whether this row's snippets say the query's words (see said_in)."""
        return any(_says(h, self.compounds) for h in (*pair.good, *pair.hard))

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "filters": dict(self.filters), "cities": [c.to_dict() for c in self.cities],
                "said_in": list(self.said_in), "neither": [h.to_dict() for h in self.neither],
                "unmatched": list(self.unmatched), "notes": list(self.notes)}

    @property
    def neither_by_city(self) -> dict[str, int]:
        """How many of the matches that state neither side each city has, best city first."""
        out: dict[str, int] = {}
        for h in self.neither:
            out[h.city] = out.get(h.city, 0) + 1
        return out


def _says(h: Hit, compounds: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a hit says the query's words: one is marked, and each compound is there whole,
    as written or as marked (【つながりづくり】 says 繋がり作り; 【孤立】 does not say 孤立死)."""
    if not h.matches:
        return False
    text = unicodedata.normalize("NFKC", h.text)
    longest = max((b - a for a, b in h.matches), default=0)
    return all(any(f in text for f in forms) or longest >= len(forms[0]) for forms in compounds)


_ETC = ("等", "など", "ら")


def _compounds(reading) -> tuple[tuple[str, ...], ...]:
    """The query's words that have another of its words in them (孤立死: 孤立; not 連携先等's 等
    alone, a list's "and so on"), each with the forms that say it (itself, its synonyms)."""
    out = []
    for w in reading.words:
        forms = []
        for f in (w.surface, w.term, *w.synonyms):
            f = unicodedata.normalize("NFKC", f)
            while f.endswith(_ETC) and len(f) > 2:
                f = f[:-2] if f.endswith("など") else f[:-1]
            forms.append(f)
        if any(o is not w and o.term and o.term in forms[1] and len(o.term) < len(forms[1]) for o in reading.words):
            out.append(tuple(dict.fromkeys(forms)))
    return tuple(out)


def compare(engine: "SearchEngine", query: str, *, theme=None, prefecture=None, city=None,
            limit_per_side: int = 1) -> Comparison:
    """For each city with a match, its best good and best hard snippets, so the
    two sides of one topic can be read side by side (of a city's, one that says the
    query's words first). Cities are ordered by their best score on either side."""
    if not isinstance(limit_per_side, int) or isinstance(limit_per_side, bool) or limit_per_side < 1:
        raise UsageError(f"limit_per_side must be a whole number, 1 or more, not {limit_per_side!r}")
    sides: dict[str, SearchResult] = {}
    for side in ("good", "hard", "other"):
        sides[side] = engine.search(query, theme=theme, prefecture=prefecture, city=city, polarity=side,
                                     limit=COMPARE_WINDOW, related=False)  # compare reads matches only
    # (A word one side has is found: 「自殺対策」 listed ten cities and never said that no snippet
    # has 自殺, as search does; the stop-38 user review.)
    with_hits = [r for r in sides.values() if r.total]  # (a side with no match names nothing…)
    # (…unless none has one: 「自殺」 said "unmatched": [] where search says ["自殺"], the stop-41 review.)
    unmatched = tuple(w for w in (with_hits[0].unmatched if with_hits else sides["good"].unmatched)
                      if all(w in r.unmatched for r in with_hits))
    compounds = _compounds(sides["good"].reading)
    neither = tuple(h for h in sides.pop("other").hits if h.matches)  # (those that say the query's words)
    # (city, prefecture) → side → its matches, best first. Keyed by both: 府中市 of 東京都 and
    # 府中市 of 広島県 are two municipalities, and were one row, 東京都's, with 広島県's
    # hardship in it (the stop-43 adversarial review).
    found: dict[tuple[str, str], dict[str, list[Hit]]] = {}
    for side, result in sides.items():
        # A city's snippet that says the query's words before one that only matches
        # without them (the side a cue asks for, the snippets around): compare shows what
        # each city said of the topic (「負担」: 春日井市's 「…運営の負担が大きかった」).
        for h in sorted(result.hits, key=lambda h: (not h.matches, not _says(h, compounds))):
            found.setdefault((h.city, h.prefecture), {"good": [], "hard": []})[side].append(h)
    per: dict[tuple[str, str], dict[str, list[Hit]]] = {}
    for key, lists in found.items():
        # A record that states both sides (Hit.also) is shown once: on its own side
        # when it is among that side's best, else on the other. Only a side the city
        # would leave empty shows it again: 座間市's 「調整に苦労しましたが、…できました」
        # is its one hardship about 調整, and a reader of that column should see it.
        own = {side: {h.id for h in hits[:limit_per_side] if h.polarity == side} for side, hits in lists.items()}
        per[key] = {side: [h for h in hits if h.polarity == side or h.id not in own["hard" if side == "good" else "good"]]
                     [:limit_per_side] for side, hits in lists.items()}
        for side, hits in lists.items():
            if not per[key][side]:
                per[key][side] = [h for h in hits if h.also == side][:limit_per_side]
    pairs = [CityPair(c, p, tuple(s["good"]), tuple(s["hard"])) for (c, p), s in per.items()]
    # The cities the query names (豊田市の苦労), or its prefecture's, first: as search puts their
    # snippets first; then by the best score on either side.
    reading = sides["good"].reading
    named = set(reading.cities) | {c for _, of in reading.regions for c in of}
    pairs.sort(key=lambda p: (p.city not in named, -p.best_score, p.city))
    # (Each side is searched with --polarity: its notes say what the user's filters did, without
    # it; one that was only about it goes: 「負担」's good side has "36 results without --polarity good".)
    # What the filters hid is said only when the table is empty: with 熊本市's row there,
    # "29 results without --city 熊本市" (its good side found none) was untrue.
    said = (n.replace(f" --polarity {side}", "") for side, r in sides.items() for n in r.notes
            if not n.startswith("the query sounds like it asks for")
            and not (pairs and _HIDDEN.match(n)))
    notes = tuple(dict.fromkeys(n for n in said if not n.endswith(" without")))
    active = sides["good"].filters.active()
    active.pop("polarity", None)
    return Comparison(query, tuple(pairs), active, notes, sides["good"].terms, neither, unmatched, compounds)


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
        for rank, h in enumerate(self.hits, 1):
            d = h.to_dict()
            d["rank"] = rank  # (as search's results and similar's jsonl and csv rows have it)
            d["shared_terms"] = list(h.matched_terms)
            d["same_city"] = h.city == self.record.city
            results.append(d)
        return {"id": self.record.id, "record": self.record.to_dict(), "terms": list(self.terms), "results": results}


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
        raise UsageError(f"limit must be a whole number, 0 or more, not {limit!r}")
    rec = engine.get(record_id)
    s = engine.searcher()
    stored = s.document(id=rec.id) or {}
    # The record itself posted again under the other theme is not another record like it:
    # its words must be found elsewhere too (市原市's repost made 6 of its 12 terms ones no
    # result shared).
    twins = [d for d in s.document_numbers(city=rec.city) if s.stored_fields(d).get("text") == rec.text
             and s.stored_fields(d).get("id") != rec.id]
    shared_df: dict[str, int] = {}
    spans = _spans(stored)
    # A one-character word that only ever follows another, as its suffix (企業【等】, 多様【性】,
    # 事業【者】), says nothing of what the record is about: 市原市's 「NPOや企業等…」 was most
    # like 福山市's by 継続, 増える and 等 (the stop-31 review). (縦 of 縦割り comes first: it stays.)
    ends = {b for _, _, b in spans}
    bound = {t for t, _, _ in spans if len(t) == 1} - {t for t, a, _ in spans if len(t) == 1 and a not in ends}
    for term, _, _ in spans:
        if term in shared_df or term in bound:
            continue
        df = s.doc_frequency("text", term)
        if twins:
            df -= sum(1 for d in twins if any(t == term for t, _, _ in _spans(s.stored_fields(d))))
        if df >= 2:  # found in at least one other record
            shared_df[term] = df
    # And not in many: 孤独 and 孤立 (35 and 36 of 90) made 呉市's good news about 周知啓発
    # the snippet most like 豊田市's 「他部署の理解を得るのに苦労」 (the stop-27 review). One
    # character stays: 縦 of 縦割り (縦 + 割り). Where every shared word is common (a corpus
    # of a few records: 0.3 of 5 is under 2), the common ones are all there is to go by.
    telling = [t for t, df in shared_df.items() if df <= SIMILAR_MAX_SHARE * s.doc_count()] or list(shared_df)
    idf = {t: s.idf("text", t) for t in telling}
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
        if hit.city == rec.city and hit.text == rec.text:
            continue  # (the record itself, posted again under the other theme: not another snippet like it)
        (same if hit.city == rec.city else others).append(hit)
    return Similar(record, terms, tuple((others + same)[:limit]))
