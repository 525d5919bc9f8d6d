"""The candidate stage (postings.py): exact top-k and totals, against Whoosh's own
matcher summed over every document, on the real corpus and a multi-segment index."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodoku_search import SearchEngine
from kodoku_search import index as ix
from kodoku_search import postings
from kodoku_search import search as S
from kodoku_search.vocab import vocabulary

from .conftest import CORPUS

QUERIES = ["縦割り", "他部署の理解を得るのが難しい", "庁内連携", "PF参加のメリット", "居場所づくり", "企業 連携", "こどくのあわい"]


def brute_force(searcher, queries):
    """Every document's score from Whoosh's OR matcher, visiting all of them."""
    from whoosh import query as Q

    m = Q.Or([q for _, q in queries]).matcher(searcher)
    out = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
    return out


def leaves_of(engine, text):
    reading = S.read_query(S.clean_query(text)[0], vocabulary(engine.corpus_dir))
    return [(lf.key(), lf.query()) for lf in S._leaves(reading)]


@pytest.fixture(scope="module")
def split_engine(tmp_path_factory):
    """The real corpus plus a second file, built with two processes: several segments."""
    d = tmp_path_factory.mktemp("split")
    corpus = d / "corpus"
    corpus.mkdir()
    (corpus / "advice-2025-10.txt").write_bytes((CORPUS / "advice-2025-10.txt").read_bytes())
    import json

    recs = [json.dumps({"id": f"x/{i}", "city": "架空市", "prefecture": "北海道", "theme": "general",
                        "polarity": "hard", "text": t}, ensure_ascii=False)
            for i, t in enumerate(["庁内連携が難しい", "縦割りの弊害", "居場所づくりの成果", "企業との連携"] * 8)]
    (corpus / "extra.jsonl").write_text("\n".join(recs) + "\n", "utf-8")
    ix.build(corpus, d / "idx", procs=2)
    e = SearchEngine.open(corpus, d / "idx", rebuild="never")
    yield e
    e.close()


@pytest.mark.parametrize("which", ["engine", "split_engine"])
def test_top_k_and_total_are_exact(request, which):
    engine = request.getfixturevalue(which)
    s = engine.searcher()
    for text in QUERIES:
        queries = leaves_of(engine, text)
        truth = brute_force(s, queries)
        total, best, _ = postings.top(s, queries, None, 10)
        assert total == len(truth)
        want = sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        assert [d for d, _ in best] == [d for d, _ in want]
        assert [round(v, 9) for _, v in best] == [round(v, 9) for _, v in want]


def test_a_filter_restricts_the_total_and_the_candidates(engine):
    s = engine.searcher()
    queries = leaves_of(engine, "庁内連携")
    fq = S.filter_query(engine.filters(polarity="hard"))
    total, best, _ = postings.top(s, queries, fq, 200)
    allowed = set(s.docs_for_query(fq))
    truth = {d: v for d, v in brute_force(s, queries).items() if d in allowed}
    assert total == len(truth) == engine.search("庁内連携", polarity="hard").total
    assert {d for d, _ in best} <= allowed


def test_the_cache_is_bounded_least_recently_used_first(engine):
    cache = postings.PostingCache(engine.searcher(), limit=50)
    queries = leaves_of(engine, "他部署の理解を得るのが難しい")
    for key, q in queries:
        cache.postings(key, q)
        assert cache.size <= 50 or len(cache.lists) == 1
    assert cache.size == sum(max(1, len(d)) for d, _ in cache.lists.values())  # (an empty list counts 1)
    last_key = queries[-1][0]
    assert last_key in cache.lists  # the most recent stays


def test_only_add_queries_raise_scores_but_match_nothing_alone(engine):
    s = engine.searcher()
    reading = S.read_query(S.clean_query("庁内の他部署が協力してくれた")[0], vocabulary(engine.corpus_dir))
    leaves = S._leaves(reading)
    queries = [(lf.key(), lf.query()) for lf in leaves]
    phrase = frozenset(lf.key() for lf in leaves if lf.kind == "phrase")
    assert phrase
    words_only = [q for q in queries if q[0] not in phrase]
    base = brute_force(s, words_only)
    total, best, lists = postings.top(s, queries, None, 500, phrase)
    assert total == len(base)  # no document matched by a phrase bigram alone
    for d, v in best:
        extra = sum(postings.score_in(lists[k], d) or 0.0 for k in phrase)
        assert v == pytest.approx(base[d] + extra, rel=1e-9)
    assert any(postings.score_in(lists[k], d) for k in phrase for d, _ in best)  # and they did add


def test_the_cache_is_bounded_by_entries_of_no_postings_too(engine):
    """A word no record has cached an empty list that counted for nothing against the limit:
    6,000 random queries kept 48,783 of them, and memory grew without end (the stop-43 library
    review)."""
    from kodoku_search.postings import PostingCache

    cache = PostingCache(engine.searcher(), limit=50)
    for i in range(500):
        cache.ids("text", f"存在しない語{i}")
    assert len(cache.lists) <= 51 and cache.size <= 51
