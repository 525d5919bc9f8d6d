"""Related records: pseudo-relevance feedback from the best hits.

When a query matches fewer records than the page holds, the rest of the page is
filled with records that share none of the query's words but share the most
distinctive words of its best hits (RM3's idea, Lavrenko & Croft 2001; Lucene's
MoreLikeThis does the same from one document). 「見守り役」 matches two
snippets (異変, 気にかける); they speak of 企業 and 異変の早期発見, of 講座受講者
and 身近な人, so the page goes on with 福岡市's 企業や団体との情報共有 and 福山市's
「孤立の問題が早期に発見され」, which never say 見守り. Related records
come after every match, labelled, never mixed in: ``total`` and the facets
count matches only.

Words are the base forms stored with each record at index time, so nothing is
analyzed here; a word's weight is its share of each feedback record (scaled by
that record's score against the best) times its idf, so a word every snippet
has (孤独, 連携) weighs little and a word few have weighs much.
"""

from __future__ import annotations

import math

FEEDBACK_DOCS = 3  # the best hits the related words are taken from
FEEDBACK_TERMS = 10  # how many words make the related query
MIN_LEN = 2  # one-character words (者, 人, 的) relate everything to everything
MIN_DF = 2  # a word only one record has cannot relate it to another


class Related:  # (a plain class: defining a dataclass costs a cold search ≈ 0.5 ms)
    """A record that shares the feedback words, with what it shares."""

    __slots__ = ("docnum", "score", "shared")

    def __init__(self, docnum: int, score: float, shared: tuple[tuple[str, float], ...]):
        self.docnum = docnum
        self.score = score
        self.shared = shared  # (word, what it added), largest first

    def __eq__(self, other) -> bool:
        return isinstance(other, Related) and (self.docnum, self.score, self.shared) == (
            other.docnum, other.score, other.shared)

    def __hash__(self) -> int:
        return hash((self.docnum, self.score, self.shared))

    def __repr__(self) -> str:
        return f"Related({self.docnum!r}, {self.score!r}, {self.shared!r})"


def feedback_terms(searcher, best: list[tuple[dict, float]], exclude: frozenset[str] = frozenset(),
                   n_docs: int = FEEDBACK_DOCS, n_terms: int = FEEDBACK_TERMS) -> list[tuple[str, float]]:
    """The words that most distinguish the best hits (stored fields, score), weighted."""
    top = best[:n_docs]
    if not top or top[0][1] <= 0:
        return []
    lead = top[0][1]
    share: dict[str, float] = {}
    for stored, score in top:
        words = [s[0] for s in stored.get("spans") or () if s and s[0]]
        for w in words:
            share[w] = share.get(w, 0.0) + (score / lead) / len(words)
    total = searcher.doc_count_all()
    weighted = []
    for w, v in share.items():
        if w in exclude or len(w) < MIN_LEN:
            continue
        df = searcher.doc_frequency("text", w)
        if df < MIN_DF:
            continue
        weighted.append((w, v * math.log(1 + (total - df + 0.5) / (df + 0.5))))
    weighted.sort(key=lambda tw: (-tw[1], tw[0]))
    return weighted[:n_terms]


def related(searcher, terms: list[tuple[str, float]], exclude: set[int], filter_query, k: int,
            order=None) -> list[Related]:
    """The ``k`` records (not in ``exclude``, within the filter) that best match the
    weighted words, each word's BM25 score times its weight. Equal scores go by
    ``order(docnum)`` (the search's own tie order: source, line, id), else by number."""
    from whoosh import query as Q

    from .postings import PostingCache

    if k <= 0 or not terms:
        return []
    cache = PostingCache.of(searcher)
    allowed = cache.allowed(filter_query)
    acc: dict[int, list[tuple[str, float]]] = {}
    for term, weight in terms:
        docs, scores = cache.postings(("related", "text", term), Q.Term("text", term))
        for d, s in zip(docs, scores):
            if d in exclude or (allowed is not None and d not in allowed):
                continue
            acc.setdefault(d, []).append((term, weight * s))
    out = [Related(d, sum(s for _, s in parts), tuple(sorted(parts, key=lambda p: -p[1]))) for d, parts in acc.items()]

    def rounded(r: Related) -> float:  # equal to 12 digits is a tie: the last bits depend on the order of a sum
        return float(f"{r.score:.12g}")

    out.sort(key=lambda r: (-rounded(r), r.docnum))
    if order is not None and len(out) > k > 0:
        last = rounded(out[k - 1])
        cut = k
        while cut < len(out) and rounded(out[cut]) == last:
            cut += 1  # every record tied with the last one kept decides by ``order``
        out = out[:cut]
    if order is not None:
        out.sort(key=lambda r: (-rounded(r), order(r.docnum)))
    return out[:k]
