"""Parallel and incremental builds give exactly the index a plain full build gives."""

from __future__ import annotations

import json
import shutil

import pytest

from kodoku_search import SearchEngine
from kodoku_search import corpus as corpus_mod
from kodoku_search import index as ix
from kodoku_search.stats import counts

from .conftest import CORPUS, ROOT

QUERIES = [json.loads(line)["query"] for line in (ROOT / "benchmarks" / "queries_dev.jsonl").open(encoding="utf-8")]


def extra_records(n: int, prefix: str = "x", text: str = "雪かきボランティアの確保に苦労しました。") -> str:
    rows = []
    for i in range(n):
        rows.append(json.dumps({"id": f"{prefix}/{i}", "city": "架空市", "prefecture": "北海道", "theme": "general",
                                "polarity": "hard" if i % 2 else "good", "text": f"{text}その{i}回目です。"},
                               ensure_ascii=False))
    return "\n".join(rows) + "\n"


def answers(engine) -> list:
    """Everything a user sees for the development queries: ids, scores, marks, totals."""
    out = []
    for q in QUERIES + ["雪かき", "苦労", "PFの立ち上げで苦労したこと"]:
        r = engine.search(q, limit=20)
        out.append((q, r.total, [(h.id, round(h.score, 9), h.matches) for h in r]))
    return out


@pytest.fixture()
def corpus_dir(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    (d / "a.jsonl").write_text(extra_records(30, "a"), "utf-8")
    (d / "b.jsonl").write_text(extra_records(30, "b", "除雪の担い手が高齢化しています。"), "utf-8")
    return d


def test_parallel_build_equals_single_process_build(corpus_dir, tmp_path):
    one = ix.build(corpus_dir, tmp_path / "one", procs=1)
    two = ix.build(corpus_dir, tmp_path / "two", procs=2)
    assert one.records == two.records == 150
    with SearchEngine.open(corpus_dir, tmp_path / "one", rebuild="never") as a, \
            SearchEngine.open(corpus_dir, tmp_path / "two", rebuild="never") as b:
        assert answers(a) == answers(b)
        assert a.stats() == b.stats()
    assert json.loads((one.path / "spellings.json").read_text()) == json.loads((two.path / "spellings.json").read_text())


def test_changing_one_file_reanalyses_only_that_file(corpus_dir, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    ix.build(corpus_dir, idx)
    (corpus_dir / "b.jsonl").write_text(extra_records(40, "b", "冬の見守り訪問が難しい。"), "utf-8")
    read = []
    real = corpus_mod.read_file
    monkeypatch.setattr(corpus_mod, "read_file", lambda path, problems: read.append(path.name) or real(path, problems))
    gen = ix.build(corpus_dir, idx, force=False)
    assert read == ["b.jsonl"] and gen.records == 160
    with SearchEngine.open(corpus_dir, idx, rebuild="never") as inc:
        assert inc.search("見守り訪問").hits[0].id.startswith("b/")
        assert inc.search("除雪").total == 0  # the old b.jsonl is gone
        got, got_stats = answers(inc), inc.stats()
    full = ix.build(corpus_dir, tmp_path / "full")
    with SearchEngine.open(corpus_dir, tmp_path / "full", rebuild="never") as f:
        assert got == answers(f) and got_stats == f.stats()
    assert json.loads((gen.path / "stats.json").read_text()) == json.loads((full.path / "stats.json").read_text())


def test_removing_and_adding_files(corpus_dir, tmp_path):
    idx = tmp_path / "idx"
    ix.build(corpus_dir, idx)
    (corpus_dir / "a.jsonl").unlink()
    (corpus_dir / "c.jsonl").write_text(extra_records(5, "c", "移動販売車と連携しました。"), "utf-8")
    with SearchEngine.open(corpus_dir, idx) as e:  # the automatic update on open
        assert e.generation.records == 125
        assert e.search("移動販売車").hits[0].id.startswith("c/")
        assert not [h for h in e.search("雪かき", limit=100) if h.id.startswith("a/")]


def test_an_update_cannot_reuse_an_id_of_an_unchanged_file(corpus_dir, tmp_path):
    from kodoku_search.errors import CorpusError

    idx = tmp_path / "idx"
    ix.build(corpus_dir, idx)
    (corpus_dir / "b.jsonl").write_text(extra_records(1, "a"), "utf-8")  # a/0 already lives in a.jsonl
    with pytest.raises(CorpusError, match="a/0.*already used in a.jsonl"):
        ix.build(corpus_dir, idx, force=False)


def test_stats_are_kept_with_the_index(tmp_path):
    gen = ix.build(CORPUS, tmp_path / "idx")
    assert json.loads((gen.path / "stats.json").read_text()) == json.loads(json.dumps(counts(corpus_mod.load_corpus(CORPUS).records)))


def test_a_current_index_tidies_generations_a_killed_builder_left(tmp_path):
    """Killed after its swap but before its clean-up, a builder leaves three
    generations; the next build that finds the index current keeps the live one
    and the one before it, and removes the rest (a never-swapped one included)."""
    import shutil

    from kodoku_search import index as ix

    from .conftest import CORPUS

    idx = tmp_path / "idx"
    ix.build(CORPUS, idx)
    live = ix.build(CORPUS, idx, force=True)
    n = int(live.path.name[4:])
    shutil.copytree(live.path, idx / f"gen-{n - 10}")  # an older one, two back
    shutil.copytree(live.path, idx / f"gen-{n + 10}")  # finished, never swapped in
    before = sorted(p.name for p in idx.glob("gen-*"))
    assert len(before) == 4
    again = ix.build(CORPUS, idx, force=False)  # as a waiting builder or an open() finds it
    assert again.path == live.path
    after = sorted(p.name for p in idx.glob("gen-*"))
    previous = max((x for x in before if int(x[4:]) < n), key=lambda x: int(x[4:]))
    assert set(after) == {live.path.name, previous}


def test_a_deletion_cut_short_is_finished_by_the_next_clean_up(tmp_path):
    """Old generations are renamed to .trash-gen-… before deletion; one left by a
    builder killed mid-deletion is removed by the next build."""
    from kodoku_search import index as ix

    from .conftest import CORPUS

    idx = tmp_path / "idx"
    ix.build(CORPUS, idx)
    half = idx / ".trash-gen-123"
    (half / "sub").mkdir(parents=True)
    (half / "sub" / "seg").write_bytes(b"x")
    foreign = idx / "gen-2023"  # someone else's look-alike: no fingerprint, kept
    foreign.mkdir()
    ix.build(CORPUS, idx)
    ix.build(CORPUS, idx)
    assert not half.exists() and foreign.exists()
    assert len([p for p in idx.glob("gen-*") if (p / "fingerprint.json").exists()]) == 2
    assert not list(idx.glob(".trash-*"))
