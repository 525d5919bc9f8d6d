"""Exact top-k by BM25F from cached posting arrays: the candidate stage of a search.

Whoosh scores an OR of leaves with a tree of Python matchers that visits every
posting of every leaf once per search, and then visits them all again to count
the total; and its top-N collector prunes with per-matcher quality bounds that
can drop a document whose summed score belongs in the top N (measured at
90,000 records: a document scoring 29.16 left out of a top 200 whose last
score was 27.43). Here each leaf's postings are read once per searcher, through
Whoosh's own matcher, as (document number, score) arrays, Whoosh's BM25F score
and the leaf's boost included; a search adds them up per document. The top k
and the total are exact, the scores are Whoosh's to the last bits of the sum,
and a word read once costs nothing the next time (90,000 synthetic records:
35 ms p50 for a whole search once its words are cached, 363 ms through the
matcher tree; even the first search of new words is faster, since one leaf's
matcher is cheaper to walk than the tree).

The cache belongs to one searcher (one generation of the index) and is bounded
by a number of postings, least recently used first out.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import OrderedDict

STRAY_PAIRS_ADD_NOTHING = True  # a word's pairs add to a record only where they match together (accumulate)
MAX_CACHED_POSTINGS = 4_000_000  # ≈ 48 MB of arrays (4-byte ids, 8-byte scores)


class PostingCache:
    """Per-searcher cache: query key → (sorted document numbers, scores)."""

    def __init__(self, searcher, limit: int = MAX_CACHED_POSTINGS):
        self.searcher = searcher
        self.limit = limit
        self.size = 0
        self.lists: OrderedDict = OrderedDict()
        self.filters: dict = {}

    @classmethod
    def of(cls, searcher) -> "PostingCache":
        cache = getattr(searcher, "_kodoku_postings", None)
        if cache is None:
            cache = cls(searcher)
            searcher._kodoku_postings = cache
        return cache

    def postings(self, key, query) -> tuple[array, array]:
        """Every matching document of ``query`` with its (boosted) score."""
        hit = self.lists.get(key)
        if hit is not None:
            self.lists.move_to_end(key)
            return hit
        docs, scores = array("i"), array("d")
        m = query.matcher(self.searcher)
        add_doc, add_score = docs.append, scores.append
        while m.is_active():
            add_doc(m.id())
            add_score(m.score())
            m.next()
        self.lists[key] = (docs, scores)
        self.size += _weight(docs)
        self._evict()
        return docs, scores

    def _evict(self) -> None:
        while self.size > self.limit and len(self.lists) > 1:
            _, (d, _) = self.lists.popitem(last=False)
            self.size -= _weight(d)

    def ids(self, fieldname: str, text: str):
        """The document numbers that have ``text`` in ``fieldname``, unscored (cheaper
        than ``postings``: no scorer is made); a scored list already read serves too."""
        key = ("ids", fieldname, text)
        for k in (key, ("related", fieldname, text)):
            hit = self.lists.get(k)
            if hit is not None:
                self.lists.move_to_end(k)
                return hit[0]
        from whoosh.reading import TermNotFound

        docs = array("i")
        try:
            docs.extend(self.searcher.reader().postings(fieldname, text).all_ids())
        except TermNotFound:
            pass
        self.lists[key] = (docs, array("d"))
        self.size += _weight(docs)
        self._evict()
        return docs

    def terms(self, fieldname: str) -> frozenset[str]:
        """Every word of a field (for a small field, such as the headings)."""
        key = ("terms", fieldname)
        if key not in self.filters:
            self.filters[key] = frozenset(t.decode("utf-8") for t in self.searcher.reader().lexicon(fieldname))
        return self.filters[key]

    def allowed(self, filter_query) -> set[int] | None:
        """The document numbers a filter lets through (None: no filter)."""
        if filter_query is None:
            return None
        key = repr(filter_query)
        if key not in self.filters:
            self.filters[key] = set(self.searcher.docs_for_query(filter_query))
        return self.filters[key]


def top(searcher, queries: list[tuple[object, object]], filter_query, k: int, only_add: frozenset = frozenset(),
        pieces: tuple[tuple, ...] | None = None):
    """(total, [(docnum, score)] best first, per-key lookup) for the OR of ``queries``
    (pairs of cache key and Whoosh query), restricted by ``filter_query``. Ties go to
    the lower document number, as in Whoosh's collector. Queries whose key is in
    ``only_add`` add to the scores of documents the others match, and match none
    of their own. ``pieces``: groups of keys (a word's character bigrams) that match
    only together (keys, need, required, rescue, together, own, whole, every): ``need`` of a group at
    least, and every ``required`` key unless ``rescue(docnum)`` says the document may do without, and
    where ``together`` is set, ``together(docnum)`` (a document they alone match with fewer adds
    nothing); or any document a key of ``whole`` matches (the word itself). Keys in no group match
    alone. A key in ``own`` (the word's own pairs) adds nothing to a document another key matches
    unless a group of it holds there; any other key of ``every`` (the word's pairs, with those that
    join it to the next word) only where every group with it holds."""
    acc, lists, _ = accumulate(searcher, queries, filter_query, only_add, pieces)
    best = heapq.nlargest(k, acc.items(), key=lambda kv: (kv[1], -kv[0]))
    return len(acc), best, dict(zip((key for key, _ in queries), lists))


def accumulate(searcher, queries: list[tuple[object, object]], filter_query, only_add: frozenset = frozenset(),
               pieces: tuple[tuple, ...] | None = None):
    """({docnum: summed score} of every match, the posting lists, {docnum: the keys of
    a group of ``pieces`` it has only loose, which add nothing to it}): ``top`` before the cut."""
    cache = PostingCache.of(searcher)
    lists = [cache.postings(key, q) for key, q in queries]
    acc: dict[int, float] = {}
    get = acc.get
    later = []
    grouped = {key for keys, *_ in pieces for key in keys} if pieces else frozenset()
    alone: set[int] = set()
    for (key, _), (docs, scores) in zip(queries, lists):
        if key in only_add:
            later.append((docs, scores))
            continue
        if key not in grouped:
            alone.update(docs)
        for d, s in zip(docs, scores):
            acc[d] = get(d, 0.0) + s
    stray: dict[int, frozenset] = {}
    allowed = cache.allowed(filter_query)
    if pieces:
        lookup = dict(zip((key for key, _ in queries), lists))
        enough = set(alone)
        holds: list[set[int]] = []  # each group's: the documents it holds together in
        mine: dict[object, list[int]] = {}  # a word's own pair: its groups
        joins: dict[object, list[int]] = {}  # any other pair of a word (one that joins two): every group with it
        for keys, need, required, rescue, together, own, whole, every in pieces:
            holds.append(set())
            if need > len(keys):  # (a pair no group tells by: the groups with it say where it adds)
                continue
            for key in own:
                mine.setdefault(key, []).append(len(holds) - 1)
            for key in every - own:
                joins.setdefault(key, []).append(len(holds) - 1)
            count: dict[int, int] = {}
            for key in keys:
                for d in lookup[key][0]:
                    count[d] = count.get(d, 0) + 1
            has = [set(lookup[key][0]) for key in required]
            sure = {d for key in whole if key in lookup for d in lookup[key][0]}
            # (Not a record the filters drop: no check reads it.)
            held = [d for d, c in count.items()
                    if (allowed is None or d in allowed)
                    and (d in sure or (c >= need and (all(d in h for h in has) or (rescue is not None and rescue(d)))
                                       and (together is None or together(d))))]
            enough.update(held)
            holds[-1].update(held)
        acc = {d: s for d, s in acc.items() if d in enough}
        if STRAY_PAIRS_ADD_NOTHING:
            # A record another word matched has a word's own pairs only where a group of them
            # holds together: the メリ and リッ of 「事業メリット」 are no デメリット (the stop-31
            # review). A pair that joins two words (the い相 of さびしい + 相談), or one no group
            # tells by (the しい of 難しい), only where every word with it holds: 「…のな【い相談】」
            # is no さびしい (the stop-32 review).
            loose: dict[int, set] = {}
            for key in set(mine) | set(joins):
                for d in lookup[key][0]:
                    if d in acc and not (any(d in holds[g] for g in mine[key]) if key in mine
                                         else all(d in holds[g] for g in joins[key])):
                        loose.setdefault(d, set()).add(key)
            for d, keys in loose.items():
                for key in keys:
                    s = score_in(lookup[key], d)
                    if s is not None:
                        acc[d] -= s
                stray[d] = frozenset(keys)
    for docs, scores in later:
        for d, s in zip(docs, scores):
            if d in acc:
                acc[d] += s
    if allowed is not None:
        acc = {d: s for d, s in acc.items() if d in allowed}
    return acc, lists, stray


def score_in(postings: tuple[array, array], docnum: int) -> float | None:
    """The score a cached posting list gives ``docnum`` (None if it has none)."""
    docs, scores = postings
    i = bisect_left(docs, docnum)
    if i < len(docs) and docs[i] == docnum:
        return scores[i]
    return None


def _weight(docs) -> int:
    """What an entry counts against the limit: its postings, and at least one, so that lists of
    none (a query's words no record has) are bounded too. Counted as nothing, 6,000 random queries
    kept 48,783 empty entries, and memory grew without end (the stop-43 library review)."""
    return max(1, len(docs))
