"""The learned re-ranker: its file, its walk, its guarantees, and how search uses it."""

from __future__ import annotations

import json
from array import array

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kodoku_search import rerank
from kodoku_search.cli import cli
from kodoku_search.rerank import FEATURES, MONOTONE, Ranker, RankerError, features, ranker, to_display
from kodoku_search.search import RERANK_DEPTH

from .conftest import CORPUS


def tiny(split_feature: int = 0, threshold: float = 0.5, low: float = -1.0, high: float = 2.0) -> Ranker:
    """One tree: feature ≤ threshold → low, else high."""
    return Ranker({"features": list(FEATURES)}, array("H", [split_feature]), array("d", [threshold]),
                  array("i", [~0]), array("i", [~1]), array("d", [low, high]), array("i", [0]))


def row(**values: float) -> list[float]:
    r = [0.0] * len(FEATURES)
    for k, v in values.items():
        r[FEATURES.index(k)] = v
    return r


def test_a_tree_is_walked_as_lightgbm_splits_less_or_equal_left():
    t = tiny(FEATURES.index("relative"), 0.5)
    assert t.trees(row(relative=0.5)) == -1.0  # ≤ goes left
    assert t.trees(row(relative=0.51)) == 2.0
    assert t.score(row(relative=0.51, on_asked_side=1.0)) == 2.0 + rerank.INTENT_BONUS
    assert t.score(row(relative=0.51, on_asked_theme=1.0)) == 2.0 + rerank.THEME_BONUS


def test_the_file_round_trips_and_a_damaged_or_foreign_one_is_refused():
    t = tiny()
    blob = t.to_bytes({"trained_on": "test"})
    back = Ranker.from_bytes(blob)
    assert back.trees(row()) == t.trees(row()) and json.loads(blob.split(b"\n", 1)[0])["trained_on"] == "test"
    with pytest.raises(RankerError, match="damaged"):
        Ranker.from_bytes(blob[:-3])
    header, rest = blob.split(b"\n", 1)
    other = json.loads(header)
    other["features"] = other["features"][:-1]
    with pytest.raises(RankerError, match="train it again"):
        Ranker.from_bytes(json.dumps(other).encode() + b"\n" + rest)
    with pytest.raises(RankerError, match="damaged"):
        Ranker.from_bytes(b"not a model")


def damaged_variants() -> dict[str, bytes]:
    good = rerank.MODEL.read_bytes()
    cut = good.index(b"\n") + 1
    flipped = bytearray(good)
    flipped[cut + 100] ^= 0x40  # one bit of a node array
    header = json.loads(good[:cut])
    return {
        "a header only": b'{"nodes": 3}\n\x00',
        "one bit flipped": bytes(flipped),
        "cut short": good[:-8],
        "features not a list": json.dumps({**header, "features": 5}).encode() + b"\n" + good[cut:],
        "not a model": b"\x89PNG\r\n",
    }


@pytest.mark.parametrize("kind", sorted(damaged_variants()))
def test_a_damaged_model_file_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch, kind):
    bad = tmp_path / "ranker.bin"
    bad.write_bytes(damaged_variants()[kind])
    monkeypatch.setattr(rerank, "MODEL", bad)
    rerank.ranker.cache_clear()
    try:
        r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(tmp_path / "idx"),
                                     "search", "他部署の理解を得るのが難しい"])
        assert r.exit_code != 0 and ("damaged" in r.output or "train it again" in r.output), r.output
        assert "Traceback" not in r.output
    finally:
        rerank.ranker.cache_clear()


def test_an_unreadable_model_path_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(rerank, "MODEL", tmp_path)  # a directory
    rerank.ranker.cache_clear()
    try:
        with pytest.raises(RankerError, match="cannot read"):
            rerank.ranker()
    finally:
        rerank.ranker.cache_clear()


def test_a_tree_that_could_loop_or_read_past_its_arrays_is_never_written():
    looping = Ranker({"features": list(FEATURES)}, array("H", [0, 0]), array("d", [0.5, 0.5]),
                     array("i", [1, 0]), array("i", [~0, ~1]), array("d", [1.0, 2.0]), array("i", [0]))
    with pytest.raises(RankerError, match="node 1 points to 0"):
        looping.to_bytes({})
    unknown = tiny(split_feature=len(FEATURES))
    with pytest.raises(RankerError, match="feature"):
        unknown.to_bytes({})
    past = Ranker({"features": list(FEATURES)}, array("H", [0]), array("d", [0.5]), array("i", [~5]),
                  array("i", [~0]), array("d", [1.0]), array("i", [0]))
    with pytest.raises(RankerError, match="points to"):
        past.to_bytes({})


def test_the_shipped_model_fits_this_code():
    model = ranker()
    assert model is not None and len(model.roots) > 0
    assert all(0 <= f < len(FEATURES) for f in model.feature)
    assert all(~c < len(model.leaf) for c in (*model.left, *model.right) if c < 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 50, allow_nan=False), min_size=len(FEATURES), max_size=len(FEATURES)),
       st.sampled_from(sorted(MONOTONE)), st.floats(0, 20, allow_nan=False))
def test_more_evidence_never_ranks_a_record_lower(values, name, more):
    """Trained with monotone constraints: raising a monotone feature never lowers the score."""
    model = ranker()
    i = FEATURES.index(name)
    higher = list(values)
    higher[i] += more
    assert model.score(higher) >= model.score(values) - 1e-9


def test_display_scores_keep_the_order_and_read_0_to_100():
    xs = [-80.0, -3.0, -0.1, 0.0, 0.2, 4.0, 90.0]
    ys = [to_display(x) for x in xs]
    assert ys == sorted(ys) and 0.0 <= ys[0] and ys[-1] <= 100.0


def test_features_describe_evidence_never_a_record():
    """No feature names a record, city or line: the same evidence gives the same row."""
    from kodoku_search.search import Contribution, Explanation

    ex = Explanation(4.0, 1.0, 1.2, 1.0, (Contribution("縦割り", "text", "縦割り", 3.0),
                                          Contribution("縦割り", "reading", "タテワリ", 1.0)), 1.0, 1)
    a = features([(10.0, ex, "hard", "general", None, "福岡市", 40, ((10, 13),))], None, None, 1)
    b = features([(10.0, ex, "hard", "general", None, "鳥取市", 40, ((10, 13),))], None, None, 1)
    assert a == b and len(a[0]) == len(FEATURES)
    assert a[0][FEATURES.index("share_text")] == pytest.approx(0.75)
    assert a[0][FEATURES.index("words_reading")] == 1.0


def test_where_the_matches_sit_in_the_text():
    """The first highlighted match's place (share of the text, and characters before it)
    and the share of the text highlighted; a record matched by no span of its text
    reads as matched at its very end, by nothing."""
    from kodoku_search.search import Explanation

    ex = Explanation(4.0, 1.0, 1.0, 1.0, (), 1.0, 1)
    early, late, none = features([(10.0, ex, "hard", "general", None, "福岡市", 40, ((0, 3), (20, 22))),
                                  (9.0, ex, "hard", "general", None, "福岡市", 400, ((300, 303),)),
                                  (8.0, ex, "hard", "general", None, "福岡市", 40, ())], None, None, 1)
    at, chars, density = (FEATURES.index(f) for f in ("first_match_at", "first_match_chars", "match_density"))
    assert (early[at], early[chars], early[density]) == (0.0, 0.0, pytest.approx(5 / 40))
    assert (late[at], late[chars], late[density]) == (0.75, rerank.FIRST_MATCH_CAP, pytest.approx(3 / 400))
    assert (none[at], none[chars], none[density]) == (1.0, rerank.FIRST_MATCH_CAP, 0.0)


def _train_script():
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("train_ranker", ROOT / "scripts" / "train_ranker.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    return train


def test_the_training_rows_are_the_rows_the_search_ranks(engine, monkeypatch):
    """scripts/train_ranker.py builds each judged query's rows from a first-stage search;
    the search builds its own inside: value for value the same, and ordered by the
    shipped model they give the page."""
    from kodoku_search.rerank import order

    from .conftest import ROOT

    train = _train_script()
    data = train.collect(engine, [ROOT / "benchmarks" / "queries_dev.jsonl"])
    model = ranker()
    seen: list[list[list[float]]] = []

    def recording(*args, **kwargs):
        rows = features(*args, **kwargs)
        seen.append(rows)
        return rows

    monkeypatch.setattr(rerank, "features", recording)
    for j, hits, x, _ in data["dev"]:
        want = [hits[i].id for i, _ in order(model, x)]
        seen.clear()
        assert [h.id for h in engine.search(j.query, limit=10, related=False, **j.filters()).hits] == want[:10]
        assert seen == [x], j.query


def test_held_sets_are_scored_with_the_model_given_then_the_shipped_one_is_back(engine, capsys):
    """train_ranker.py --held: the engine answers the held sets with the fitted model in
    place of the shipped one, and the shipped one is back afterwards."""
    from kodoku_search.evaluate import evaluate, load_judgments

    from .conftest import ROOT

    train = _train_script()
    dev = ROOT / "benchmarks" / "queries_dev.jsonl"
    js = load_judgments(dev)
    shipped = rerank.ranker
    other = tiny(FEATURES.index("first_match_at"), 0.3, 1.0, -1.0)  # a model unlike the shipped one
    train.score_held(engine, other, [dev])
    line = capsys.readouterr().out.splitlines()[0]
    assert rerank.ranker is shipped
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rerank, "ranker", lambda: other)
        want = evaluate(js, lambda j: engine.search(j.query, limit=10, **j.filters()).ranked)
    now = evaluate(js, lambda j: engine.search(j.query, limit=10, **j.filters()).ranked)
    first = evaluate(js, lambda j: engine.search(j.query, limit=10, rerank=False, **j.filters()).ranked)
    assert (want.ndcg, want.recall) != (now.ndcg, now.recall)  # (the two models differ on dev)
    assert line.startswith("dev") and f"engine {want.ndcg:.3f} / {want.recall:.3f} / {want.mrr:.3f}" in line
    assert f"first stage {first.ndcg:.3f} / {first.recall:.3f} / {first.mrr:.3f}" in line


def test_held_sets_are_left_out_of_training_and_never_overwrite_the_shipped_model(engine, monkeypatch, tmp_path):
    import kodoku_search

    train = _train_script()
    before = rerank.MODEL.read_bytes()
    for argv, says in ((["--held", "dev"], "--out"), (["--held", ","], "names no set"),
                       (["--held", "dev", "--out", str(rerank.MODEL)], "--out"),
                       (["--held", "nosuchset", "--out", str(tmp_path / "m.bin")], "no such set")):
        with pytest.raises(SystemExit, match=says):
            train.main(argv)
    assert rerank.MODEL.read_bytes() == before

    class Stop(Exception):
        pass

    given = []

    def collect(eng, files):
        given.extend(f.stem for f in files)
        raise Stop

    monkeypatch.setattr(train, "collect", collect)
    monkeypatch.setattr(kodoku_search.SearchEngine, "open", classmethod(lambda cls, *a, **k: engine))
    with pytest.raises(Stop):
        train.main(["--held", "dev,blind2", "--exclude", "blind3", "--out", str(tmp_path / "m.bin")])
    assert given and "queries_blind4" in given
    assert not {"queries_dev", "queries_blind2", "queries_blind3"} & set(given)


def test_a_page_is_the_start_of_a_longer_page(engine):
    """The ranker reads the first stage's best RERANK_DEPTH whatever the page's size."""
    q = "団体との連携の難しさ"  # (53 matches)
    ids = lambda n: [h.id for h in engine.search(q, limit=n, related=False).hits]
    long = ids(100)
    assert len(long) > RERANK_DEPTH
    for n in (1, 5, 10, RERANK_DEPTH, RERANK_DEPTH + 5):
        assert ids(n) == long[:n]
    scores = [h.score for h in engine.search(q, limit=100, related=False).hits]
    assert scores == sorted(scores, reverse=True)  # those past the depth sit below, in their order


def test_rerank_off_is_the_first_stage(engine):
    q = "他部署の理解を得るのが難しい"
    on = engine.search(q, limit=RERANK_DEPTH, explain=True, related=False)
    off = engine.search(q, limit=RERANK_DEPTH, explain=True, related=False, rerank=False)
    assert {h.id for h in on.hits} == {h.id for h in off.hits}  # the same candidates, re-ordered
    assert [h.id for h in on.hits] != [h.id for h in off.hits]
    first = {h.id: h.score for h in off.hits}
    for h in on.hits:
        assert h.explanation.first_stage == pytest.approx(first[h.id], rel=1e-9)
        assert h.score == pytest.approx(to_display(h.explanation.ranker))
    assert all(h.explanation.ranker is None and h.explanation.first_stage is None for h in off.hits)
    d = on.hits[0].to_dict()["explanation"]
    assert {"first_stage", "ranker"} <= set(d)


def test_without_the_model_search_keeps_the_first_stage_and_says_so(engine, monkeypatch, tmp_path):
    monkeypatch.setattr(rerank, "MODEL", tmp_path / "absent.bin")
    rerank.ranker.cache_clear()
    try:
        q = "他部署の理解を得るのが難しい"
        r = engine.search(q, limit=10)
        assert [h.id for h in r.hits] == [h.id for h in engine.search(q, limit=10, rerank=False).hits]
        assert any("absent.bin" in n and "missing" in n for n in r.notes)
    finally:
        rerank.ranker.cache_clear()


def test_the_cli_and_eval_can_turn_it_off(tmp_path):
    args = ["--corpus-dir", str(CORPUS), "--index-dir", str(tmp_path / "idx")]
    on = CliRunner().invoke(cli, [*args, "search", "他部署の理解を得るのが難しい", "--explain", "-n", "1"])
    assert on.exit_code == 0 and "by the learned ranker" in on.output
    off = CliRunner().invoke(cli, [*args, "search", "他部署の理解を得るのが難しい", "--no-rerank", "--json"])
    assert off.exit_code == 0 and "ranker" not in json.dumps(json.loads(off.output)["results"][0])
    dev = str(CORPUS.parent / "benchmarks" / "queries_dev.jsonl")
    a = CliRunner().invoke(cli, [*args, "eval", dev, "--json"])
    b = CliRunner().invoke(cli, [*args, "eval", dev, "--json", "--no-rerank"])
    assert a.exit_code == 0 and b.exit_code == 0
    assert json.loads(a.output)["ndcg"] != json.loads(b.output)["ndcg"]


def test_did_you_mean_follows_the_formulas_best_match_not_the_reranked_first(engine):
    """The review found 「住民に自分ごととして考えてもらうには」 offered a nonsense respelling once
    the ranker put a record matched only in meaning first; the formula's best match (市民,
    考える) decides whether the query was weak."""
    for q in ("住民に自分ごととして考えてもらうには", "教訓"):
        assert engine.search(q).suggestion is None
        assert engine.search(q).suggestion == engine.search(q, rerank=False).suggestion
    assert engine.search("たてわり").suggestion == "縦割り"


def test_explain_splits_the_rankers_score_into_its_features(engine):
    """--explain gives the ranker's score as a base plus each feature's part (Saabas):
    they add up to the score, and the CLI and JSON show the largest."""
    model = ranker()
    r = engine.search("他部署の理解を得るのが難しい", limit=5, explain=True)
    for h in r.hits:
        e = h.explanation
        # (parts below 0.005 are left out of the list: at most one per feature)
        assert e.ranker_base + sum(c for _, _, c in e.ranker_parts) == pytest.approx(e.ranker, abs=0.005 * 40)
        parts = [abs(c) for _, _, c in e.ranker_parts]
        assert parts == sorted(parts, reverse=True) and all(p >= 0.005 for p in parts)
    row = [0.5] * len(FEATURES)
    base, parts = model.explain(row)
    assert base + sum(parts.values()) == pytest.approx(model.score(row), abs=1e-9)  # exact before rounding
    d = r.hits[0].to_dict()["explanation"]
    assert {p["feature"] for p in d["ranker_parts"]} <= set(FEATURES) | {"asked_side_bonus", "asked_theme_bonus", "literal_bonus"}
    assert engine.search("他部署の理解を得るのが難しい", limit=1).hits[0].explanation is None  # only when asked
