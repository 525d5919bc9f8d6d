"""Related records (pseudo-relevance feedback): they fill a page the matches do not,
after every match, within the filters, and never count as matches."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kodoku_search.cli import cli
from kodoku_search.feedback import feedback_terms
from kodoku_search.search import matched

from .conftest import CORPUS


@pytest.fixture(scope="module")
def run(engine):
    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(engine.index_dir), *args])
        assert "Traceback" not in result.output, result.output
        return result

    return invoke


def _matched_ids(engine, query: str, **filters) -> set[str]:
    """Every record the query matches, counted by the index (what facets count)."""
    from kodoku_search.vocab import vocabulary

    s = engine.searcher()
    return {s.stored_fields(d)["id"] for d in matched(s, query, vocabulary(engine.corpus_dir), engine.filters(**filters))}


def test_a_page_the_matches_do_not_fill_goes_on_with_related_records(engine):
    # 「見守り役」: the matches say 異変 and 気にかける; the records related by words
    # never say 見守り, but share words the matches' text has (企業, 早期, 発見).
    r = engine.search("見守り役", limit=10)
    assert 0 < len(r.hits) < 10 and r.total == len(r.hits)
    assert len(r.hits) + len(r.related) == 10
    by_words = [h for h in r.related if h.related_by == "words"]
    assert by_words
    for h in by_words:
        shared = {h.text[a:b] for a, b in h.matches}
        assert any(w in m.text for w in shared for m in r.hits), (h.id, shared)
    assert r.ranked == r.hits + r.related
    matched = _matched_ids(engine, "見守り役")
    assert {h.id for h in r.hits} == matched
    assert not {h.id for h in r.related} & matched  # none of them matches the query


def test_related_records_say_what_they_share_and_highlight_it(engine):
    r = engine.search("見守り役", limit=10)
    for h in r.related:
        assert h.matched_terms, h.id
        marked = {h.text[a:b] for a, b in h.matches}
        assert marked, h.id
        for a, b in h.matches:
            assert 0 <= a < b <= len(h.text)
    for kind in ("meaning", "words"):  # each kind best first (their scores are on their own scales)
        scores = [h.score for h in r.related if h.related_by == kind]
        assert scores == sorted(scores, reverse=True)
    assert {h.related_by for h in r.related} == {"meaning", "words"}


def test_related_records_keep_to_the_filters(engine):
    r = engine.search("見守り役", city="熊本市", limit=10)
    assert r.hits and r.related
    assert {h.city for h in r.ranked} == {"熊本市"}
    r = engine.search("見守り役", theme="platform", polarity="hard", limit=10)
    assert all((h.theme, h.polarity) == ("platform", "hard") for h in r.ranked)


def test_no_related_records_when_the_matches_fill_the_page_or_none_are_asked_for(engine):
    r = engine.search("連携", limit=10)
    assert len(r.hits) == 10 and r.related == ()
    assert engine.search("見守り役", limit=10, related=False).related == ()
    assert engine.search("見守り役", limit=0).ranked == ()
    nothing = engine.search("ｘｙｚｚｙ", limit=10)
    assert nothing.total == 0 and nothing.related == ()  # no best hits to relate to


def test_facets_and_total_count_matches_only(engine):
    r = engine.search("見守り役", limit=10)
    assert r.related
    counts = engine.facets("見守り役")
    assert sum(counts["city"].values()) == r.total == len(r.hits)


def test_pages_go_on_from_the_matches_into_the_related_records(engine):
    whole = engine.search("見守り役", limit=15)
    first = engine.find("見守り役", limit=5)
    second = engine.find("見守り役", limit=5, offset=5)
    third = engine.find("見守り役", limit=5, offset=10)
    assert [h.id for h in first.ranked + second.ranked + third.ranked] == [h.id for h in whole.ranked]
    assert engine.find("見守り役", limit=10, sort="city").related == ()  # an ordering of matches only


def test_feedback_words_leave_out_the_query_and_one_record_words(engine):
    s = engine.searcher()
    best = [(s.document(id="advice-2025-10/general/熊本市/2"), 4.0)]
    terms = feedback_terms(s, best, exclude=frozenset({"講座"}))
    words = [t for t, _ in terms]
    assert words and "講座" not in words
    assert all(len(w) >= 2 and s.doc_frequency("text", w) >= 2 for w in words)
    assert [w for w, _ in terms] == [w for w, _ in sorted(terms, key=lambda tw: (-tw[1], tw[0]))]
    assert feedback_terms(s, []) == []


def test_explain_names_each_shared_word(engine):
    r = engine.search("見守り役", limit=10, explain=True)
    for h in r.related:
        e = h.explanation
        field = {"words": "related", "meaning": "meaning"}[h.related_by]
        assert e is not None and {c.field for c in e.contributions} == {field}
        assert sum(c.score for c in e.contributions) == pytest.approx(h.score)


def test_related_through_the_cli(run, engine):
    r = engine.search("見守り役", limit=10)
    n, m = len(r.hits), len(r.related)
    assert n and m and n + m == 10
    text = run("search", "見守り役", "--no-color").output
    assert f"then {m} related" in text.splitlines()[0]
    assert "Related:" in text and "shares:" in text and "near in meaning:" in text and "[related " in text
    plain = run("search", "見守り役", "--no-color", "--no-related").output
    assert "Related:" not in plain and "related" not in plain.splitlines()[0]
    rows = [json.loads(ln) for ln in run("search", "見守り役", "--format", "jsonl").stdout.splitlines()]
    assert [row["rank"] for row in rows] == list(range(1, 11))
    assert [row["kind"] for row in rows] == ["match"] * n + ["related"] * m
    assert [row["id"] for row in rows] == [h.id for h in r.ranked]
    data = json.loads(run("search", "見守り役", "--json").output)
    assert len(data["results"]) == n and len(data["related"]) == m
    md = run("search", "見守り役", "--format", "markdown").stdout
    assert md.splitlines()[0].endswith("| kind |") and "| related |" in md


def test_eval_scores_the_page_with_and_without_related(run, engine, tmp_path):
    # The judged passage is a record the page shows only among the related ones.
    last = engine.search("見守り役", limit=10).related[-1]
    j = tmp_path / "j.jsonl"
    j.write_text(json.dumps({"qid": "q1", "query": "見守り役", "relevant": [
        {"city": last.city, "grade": 2, "text": last.text}]}, ensure_ascii=False) + "\n", "utf-8")
    on = json.loads(run("eval", str(j), "--json").output)
    off = json.loads(run("eval", str(j), "--json", "--no-related").output)
    assert on["recall"] == 1.0 and off["recall"] == 0.0


@pytest.mark.parametrize("query", ["見守り役", "縦割り", "分からない", "シンクタンク", "中学生"])
def test_related_records_of_equal_score_keep_corpus_order(engine, query):
    r = engine.search(query, limit=30)
    for a, b in zip(r.related, r.related[1:]):
        if f"{a.score:.12g}" == f"{b.score:.12g}":
            assert (a.source, a.line, a.id) < (b.source, b.line, b.id)
