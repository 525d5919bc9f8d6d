"""Nearness in meaning (meaning.py): word vectors as one more ranking signal, and
the first kind of related record. Everything here runs on the shipped vectors and
the real corpus."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from kodoku_search import meaning
from kodoku_search.cli import cli
from kodoku_search.meaning import MeaningTable, Vectors, closeness

from .conftest import CORPUS


@pytest.fixture(scope="module")
def vecs() -> Vectors:
    v = meaning.vectors()
    assert v is not None, "the shipped vectors (kodoku_search/data/meaning) are missing"
    return v


def _cos(a: bytes, b: bytes) -> float:
    x = [c - 128 for c in a]
    y = [c - 128 for c in b]
    dot = sum(p * q for p, q in zip(x, y))
    return dot / ((sum(p * p for p in x) ** 0.5) * (sum(q * q for q in y) ** 0.5))


def test_the_shipped_vectors_know_common_words_and_not_noise(vecs):
    for w in ("孤独", "寂しい", "連携", "協力", "自治体"):
        v = vecs.vector(w)
        assert v is not None and len(v) == vecs.dims == 300, w
    assert vecs.vector("ｘｙｚｚｙ孤独ほげ") is None
    assert vecs.vector("") is None
    # words of one meaning sit closer than words of none
    assert _cos(vecs.vector("孤独"), vecs.vector("寂しい")) > _cos(vecs.vector("孤独"), vecs.vector("予算")) + 0.1


def test_packed_dot_products_equal_the_plain_ones(vecs):
    """``nearest`` computes every cosine at once through one big-integer multiply
    per dimension; it must give what the plain formula gives."""
    words = ["孤独", "孤立", "連携", "予算", "寂しい", "企業", "居場所", "参加", "難しい", "支援"]
    table = MeaningTable.build(words, vecs)
    assert table.words == sorted(words)
    rng = random.Random(7)
    queries = [vecs.vector("不安"), vecs.vector("協力"), bytes(rng.randrange(256) for _ in range(vecs.dims))]
    old = meaning.MIN_SIMILARITY
    meaning.MIN_SIMILARITY = -1.0  # every word, to compare every cosine
    try:
        for q in queries:
            got = dict(table.nearest(q))
            for i, w in enumerate(table.words):
                want = _cos(q, table.raw[i * table.dims:(i + 1) * table.dims])
                assert got[w] == pytest.approx(want, abs=1e-9), w
    finally:
        meaning.MIN_SIMILARITY = old
    near = table.nearest(vecs.vector("孤独"), word="孤独")
    assert near[0] == ("孤独", pytest.approx(1.0))
    assert ("孤独", meaning.SHARED_SIMILARITY) in table.nearest(vecs.vector("孤独"))  # another word on its vector
    assert all(s >= meaning.MIN_SIMILARITY for _, s in near)
    assert [s for _, s in near] == sorted((s for _, s in near), reverse=True)


def test_the_index_keeps_its_words_table_and_reads_it_back(engine, vecs, tmp_path):
    gen = engine.generation.path
    table = MeaningTable.read(gen)
    assert table is not None
    words = {t.decode("utf-8") for t in engine.searcher().lexicon("text")}
    assert set(table.words) == {w for w in words if vecs.vector(w) is not None}
    assert len(table.words) > 400
    stored = table.neighbours_of("孤独")
    assert stored[0] == ("孤独", 1.0) and "孤立" in dict(stored)
    assert MeaningTable.read(tmp_path) is None  # an index without one: the signal is simply off


def test_a_word_the_corpus_lacks_finds_what_it_means(engine):
    """寂しい is in no snippet; 孤独 is in many. Nearness in meaning fills the page with them."""
    r = engine.search("寂しい", limit=10, explain=True)
    alike = [h for h in r.related if h.related_by == "meaning"]
    assert alike, [h.text for h in r.ranked]
    for h in alike:
        assert "孤独" in h.matched_terms
        marked = {h.text[a:b] for a, b in h.matches}
        assert "孤独" in marked
        parts = h.explanation.contributions
        assert {c.field for c in parts} == {"meaning"} and ("寂しい", "孤独") in {(c.word, c.term) for c in parts}
        assert h.score == pytest.approx(sum(c.score for c in parts)) == pytest.approx(h.explanation.meaning)
    off = engine.search("寂しい", limit=10, meaning=False)
    assert not any(h.related_by == "meaning" for h in off.related)


def test_meaning_reorders_matches_but_never_adds_or_hides_one(engine):
    for q in ("他部署の理解を得るのが難しい", "PFに誘っても誰も手を挙げてくれない", "縦割り"):
        on = engine.search(q, limit=1000, related=False)
        off = engine.search(q, limit=1000, related=False, meaning=False)
        assert on.total == off.total == len(on.hits)
        assert {h.id for h in on.hits} == {h.id for h in off.hits}
        assert [h.id for h in on.hits] != [h.id for h in off.hits] or q == "縦割り"


def test_meaning_adds_at_most_its_weight_of_the_best_score(engine):
    from kodoku_search.search import W_MEANING

    r = engine.search("PFに誘っても誰も手を挙げてくれない", limit=50, explain=True, related=False, rerank=False)
    lexical = [h.score - h.explanation.meaning for h in r.hits]
    most = W_MEANING * max(lexical)  # what a record with every query word itself would get
    assert all(0 <= h.explanation.meaning <= most * (1 + 1e-9) for h in r.hits)
    assert max(h.explanation.meaning for h in r.hits) > most / 3
    assert [h.score for h in r.hits] == sorted((h.score for h in r.hits), reverse=True)


def test_records_near_in_meaning_keep_to_the_filters(engine):
    r = engine.search("寂しい人", city="熊本市", limit=10)
    assert any(h.related_by == "meaning" for h in r.related) and {h.city for h in r.ranked} == {"熊本市"}
    r = engine.search("寂しい", polarity="hard", limit=10)
    assert any(h.related_by == "meaning" for h in r.related) and {h.polarity for h in r.ranked} == {"hard"}


def test_closeness_weighs_each_query_word_by_its_idf():
    class Table:
        def neighbours_of(self, w):
            return {"a": [("a", 1.0), ("b", 0.5)], "c": [("c", 1.0)], "x": []}[w]

    docs = {"a": [1], "b": [2], "c": [2, 3]}
    near = closeness(Table(), [("a", 3.0), ("c", 1.0), ("x", 9.0)], lambda w: docs.get(w, []))
    assert near[1].similarity == pytest.approx(3.0 / 4.0)  # x has no vector: it weighs nothing
    assert near[2].similarity == pytest.approx((3.0 * 0.5 + 1.0) / 4.0)
    assert near[3].similarity == pytest.approx(1.0 / 4.0)
    assert {(w, o) for w, o, _ in near[2].via} == {("a", "b"), ("c", "c")}
    assert closeness(Table(), [("x", 1.0)], lambda w: []) == {}


@pytest.mark.parametrize("query, near", [("まず始めたこと", "開始"), ("子ども", "学校"), ("若者", "世代")])
def test_records_filling_a_page_by_meaning_are_not_near_by_words_said_of_anything(engine, query, near):
    """「まず始めたこと」's related snippets were "near in meaning: 今, ない" and 若者's "人" (the
    stop-40 user review); 熊本市's 講座を開始 came third, 播磨町's 学校 for 子ども not at all."""
    from kodoku_search.meaning import GENERIC

    r = engine.search(query, limit=5)
    assert r.total == 0 and r.related
    assert not any(set(h.matched_terms) & GENERIC for h in r.related), [h.matched_terms for h in r.related]
    assert any(near in h.matched_terms for h in r.related[:2])


def test_a_lone_kana_is_never_near_in_meaning():
    """「メンバーが固定」's related snippets were explained "near in meaning: グループ, お", with
    the お of 「私のおススメ」 marked (the stop-37 user review): a lone kana is no word to be near."""
    class Table:
        def neighbours_of(self, w):
            return [("お", 0.6), ("グループ", 0.5), ("人", 0.45)]

    from kodoku_search.meaning import QueryMeaning

    q = QueryMeaning.of(Table(), [("メンバー", 1.0)])
    assert set(q.words[0][2]) == {"メンバー", "グループ", "人"}  # a lone kanji is a word (人, 場)
    assert q.of_record([("お", "オ")]) is None


def test_meaning_through_the_cli():
    def run(*args):
        r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), *args])
        assert r.exit_code == 0 and "Traceback" not in r.output, r.output
        return r.stdout  # (what a script reads: stderr has the notes and how the query was read)

    text = run("search", "寂しい", "--explain", "--no-color")
    assert "near them in meaning" in text and "near in meaning: 孤独" in text and "寂しい ≈ 孤独" in text
    plain = run("search", "寂しい", "--no-color", "--no-meaning")
    assert "near in meaning" not in plain and "≈" not in plain
    rows = [json.loads(x) for x in run("search", "寂しい", "--format", "jsonl").splitlines()]
    assert "meaning" in {row.get("related_by") for row in rows if row["kind"] == "related"}
    assert all(row["related_by"] is None for row in rows if row["kind"] == "match")
    data = json.loads(run("search", "他部署の理解を得るのが難しい", "--explain", "--json"))
    assert any(hit["explanation"]["meaning"] > 0 for hit in data["results"])
    assert "--no-meaning" in run("search", "--help")
    assert "--no-meaning" in run("eval", "--help")


def test_the_manifest_the_fingerprint_reads_matches_the_data():
    """The index's fingerprint reads MANIFEST instead of 8.5 MB of vectors on every
    search: it must say what the files hold, or a change to them would not rebuild."""
    import hashlib

    from kodoku_search import index as ix

    lines = dict(reversed(line.split("  ")) for line in (meaning.DATA / "MANIFEST").read_text("utf-8").splitlines())
    assert set(lines) == {"keys.bin", "vectors.i8"}
    for name, digest in lines.items():
        assert hashlib.sha256((meaning.DATA / name).read_bytes()).hexdigest() == digest, name
    assert "data/meaning/MANIFEST" in ix._SHAPING_MODULES


def test_another_spelling_of_a_query_word_counts_as_near(engine):
    """人との繋がりが生まれた: 岡崎市's 「出会いとつながりができました」 spells the word in
    kana; meaning counts it (SPELLING_SIMILARITY) rather than only its vector's
    neighbours (関わり), and a homophone without a shared character does not count."""
    from kodoku_search.meaning import SPELLING_SIMILARITY, QueryMeaning

    r = engine.search("人との繋がりが生まれた", limit=10, explain=True)
    hit = next(h for h in r if "出会いとつながりができました" in h.text)
    assert ("繋がり", "meaning", "つながり") in {(c.word, c.field, c.term) for c in hit.explanation.contributions}

    class Table:
        def neighbours_of(self, w):
            return [("関係", 0.5)]

    q = QueryMeaning.of(Table(), [("機関", 1.0, "キカン")])
    assert q.of_record([("期間", "キカン")]) is None  # same reading, nothing in common: not the word
    assert q.of_record([("機関", "キカン")]).similarity == 1.0
    q = QueryMeaning.of(Table(), [("繋がり", 1.0, "ツナカリ")])
    assert q.of_record([("つながり", "ツナカリ")]).similarity == SPELLING_SIMILARITY
    q = QueryMeaning.of(Table(), [("測る", 1.0, "ハカル")])
    assert q.of_record([("図る", "ハカル")]) is None  # the same sound and a kana in common: another word
    assert QueryMeaning.of(Table(), [("人", 1.0, "ヒト")]).words[0][3] == ""  # readings under 3 kana: not used


def test_an_incomplete_install_is_said_plainly(monkeypatch, tmp_path):
    """A file that shapes the index missing from the install (MANIFEST, say): a clear
    error and a non-zero exit, not a traceback; the vectors alone missing only turn
    the meaning signal off."""
    from kodoku_search import KodokuError, SearchEngine
    from kodoku_search import index as ix

    monkeypatch.setattr(ix, "_SHAPING_MODULES", ix._SHAPING_MODULES + ("data/meaning/NO-SUCH-FILE",))
    with pytest.raises(KodokuError, match="installation is incomplete"):
        SearchEngine.open(CORPUS, tmp_path / "idx")
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(tmp_path / "idx2"), "search", "孤独"])
    assert r.exit_code != 0 and "installation is incomplete" in r.output and "Traceback" not in r.output
    monkeypatch.undo()
    monkeypatch.setattr(meaning, "vectors", lambda: None)
    with SearchEngine.open(CORPUS, tmp_path / "idx3") as e:
        assert MeaningTable.read(e.generation.path) is None
        res = e.search("寂しい", limit=10, explain=True)
        assert all(h.related_by != "meaning" for h in res.related)
        assert all(not h.explanation.meaning for h in res.hits)


@pytest.mark.parametrize("damage", ["missing", "lfs-pointer"])
def test_an_index_built_without_the_vectors_is_rebuilt_when_they_return(monkeypatch, tmp_path, damage):
    """MANIFEST says what the vectors hold, not whether they load: an index built while
    they were missing (or a Git LFS pointer stood in their place) must not keep going
    without meaning once they are back, in the same process or the next."""
    import shutil

    from kodoku_search import SearchEngine
    from kodoku_search import index as ix

    data = tmp_path / "data"
    data.mkdir()
    for name in ("keys.bin", "vectors.i8"):
        shutil.copyfile(meaning.DATA / name, data / name)
    monkeypatch.setattr(ix, "_VECTOR_FILES", (data / "keys.bin", data / "vectors.i8"))
    monkeypatch.setattr(meaning.Vectors.__init__, "__defaults__", (data,))
    monkeypatch.setattr(meaning, "_VECTORS", [])  # nothing loaded yet in this process
    if damage == "missing":
        (data / "keys.bin").unlink()
    else:
        (data / "keys.bin").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 2499830\n")
    with SearchEngine.open(CORPUS, tmp_path / "idx") as e:
        before = e.generation.path
        assert MeaningTable.read(before) is None
        assert meaning.vectors() is None
    shutil.copyfile(meaning.DATA / "keys.bin", data / "keys.bin")
    with SearchEngine.open(CORPUS, tmp_path / "idx") as e:
        assert e.generation.path != before
        assert MeaningTable.read(e.generation.path) is not None
        assert any(h.related_by == "meaning" for h in e.search("寂しい", limit=10).related)


def test_words_on_one_vector_are_alike_not_the_same(engine, vecs):
    """ja-ginza maps a rare word to a kept word's vector (シンクタンク onto 経済's):
    their cosine is 1.0, but they are different words."""
    assert vecs.row("シンクタンク") == vecs.row("経済")
    table = MeaningTable.read(engine.generation.path)
    near = dict(table.neighbours_of("経済"))
    assert near["経済"] == 1.0 and near["シンクタンク"] == meaning.SHARED_SIMILARITY
    assert vecs.row("PF26399") is None and vecs.row("pf") is None  # only words the table can hold are looked up


def test_a_large_vocabulary_stores_no_neighbours_and_works_them_out(vecs, tmp_path, monkeypatch):
    words = ["孤独", "孤立", "連携", "予算", "企業", "居場所", "参加", "支援"]
    full = MeaningTable.build(words, vecs)
    monkeypatch.setattr(meaning, "PRECOMPUTE_MAX", 3)
    meaning._build.cache_clear()
    lazy = MeaningTable.build(words, vecs)
    assert lazy.neighbours == {}
    lazy.write(tmp_path)
    assert (tmp_path / meaning.TABLE_NEIGHBOURS).read_text("utf-8") == ""
    back = MeaningTable.read(tmp_path)
    for w in words:
        got, want = back.neighbours_of(w), full.neighbours_of(w)
        assert [n for n, _ in got] == [n for n, _ in want], w
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4), w
    back.close()
    meaning._build.cache_clear()


def test_two_threads_first_queries_both_see_the_table(engine):
    import threading

    for _ in range(5):
        table = MeaningTable.read(engine.generation.path)
        got = []
        threads = [threading.Thread(target=lambda: got.append(len(table.words))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(got)) == 1 and got[0] > 400
        table.close()


def test_opposites_are_never_near(engine, tmp_path):
    """Word vectors put デメリット next to メリット (0.88): corpus/opposites.csv says
    they mean the opposite, and meaning then leaves them apart, on the next query."""
    import shutil

    from kodoku_search import SearchEngine
    from kodoku_search.vocab import vocabulary

    table = MeaningTable.read(engine.generation.path)
    assert dict(table.neighbours_of("デメリット")).get("メリット", 0) > 0.8  # what the vectors say
    assert "メリット" in vocabulary(CORPUS).opposites["デメリット"]

    def alike(e, q):
        r = e.search(q, limit=10, explain=True)
        return {(c.word, c.term) for h in r.ranked for c in (h.explanation.contributions if h.explanation else ())
                if c.field == "meaning"}

    assert ("デメリット", "メリット") not in alike(engine, "PF参加のデメリット")
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "opposites.csv").write_text("# none\n", "utf-8")
    with SearchEngine.open(corpus, tmp_path / "idx") as e:
        assert ("デメリット", "メリット") in alike(e, "PF参加のデメリット")
