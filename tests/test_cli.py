"""The command line, through click's test runner and as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kodoku_search.cli import cli

from .conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    idx = tmp_path_factory.mktemp("cli-index")

    def invoke(*args: str, **kw):
        result = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(idx), *args], **kw)
        assert "Traceback" not in result.output
        return result

    invoke("index")
    return invoke


def test_search_says_when_a_match_has_none_of_the_words_itself(run):
    out = run("search", "アニメ", "--no-related").output
    said = out.index("none of your words here: the snippet before it (or the lines leading into its list) says them")
    assert out.index("中野区/1") < said < out.index("中野区/2")  # (under the second, above its citation)
    assert out.count("none of your words here") == 1


def test_the_side_asked_for_is_said_as_ranked_up_with_the_filter_that_lists_only_it(run):
    # It said "those rank higher", and the review (stop 31) found the other side above it in 8
    # of 11 queries: the ranker weighs the side, it does not put it all first.
    out = run("search", "住民への周知が難しい", "-n", "0").output
    assert "asking for 苦労したこと (難しい): those are ranked up (--polarity hard lists only them)" in out


def test_search_prints_rank_place_labels_highlight_and_citation(run):
    r = run("search", "縦割り")
    assert r.exit_code == 0
    out = r.output
    assert re.search(r"^\d+\. 福岡市 \(福岡県\) · 全般 · 苦労したこと  \[\d+\.\d\d\]$", out, re.M)
    assert out.splitlines()[2].startswith("1. ")
    assert "【縦割り】組織" in out
    assert "advice-2025-10.txt:31" in out
    assert "\x1b[" not in out  # not a terminal: plain marks, no colour


def test_color_on_request(run):
    out = run("search", "縦割り", "--color", color=True).output
    assert "\x1b[1;33m縦割り\x1b[0m" in out


@pytest.mark.parametrize("args", [("search", "縦割り"), ("compare", "縦割り"), ("similar", "advice-2025-10/general/福岡市/2")])
def test_color_asked_for_survives_a_pipe(run, args):
    """--color | less -R: the runner's output is not a terminal, and click strips
    colour there unless the command says it was asked for."""
    out = run(*args, "--color").output
    assert "\x1b[1;33m" in out and "【" not in out, out[:300]


def test_several_words(run):
    r = run("search", "広報", "啓発", "--json")
    data = json.loads(r.output)
    assert data["query"] == "広報 啓発" and data["total"] > 0


def test_json_shape(run):
    r = run("search", "庁内連携", "--polarity", "hard", "--limit", "3", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert set(data) >= {"query", "total", "results"}
    assert data["total"] > 3 and len(data["results"]) == 3
    for h in data["results"]:
        assert set(h) >= {"id", "city", "prefecture", "theme", "polarity", "section", "text", "source", "line", "score", "matches"}
        assert h["polarity"] == "hard"
        for s, e in h["matches"]:
            assert 0 <= s < e <= len(h["text"])


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["search", ""], 2, "empty"),
        (["search", "   "], 2, "empty"),
        (["search", "\udcff\udcfe"], 2, "not readable text"),  # (bytes that are not UTF-8, as Python passes them on)
        (["search", "\udc8fc\udc8a"], 0, "not UTF-8 text"),  # (Shift-JIS 縦割り: some bytes read as ASCII)
        (["search", "の"], 2, "no words"),  # as the empty query: nothing to search for
        (["search", "。、！？"], 2, "no words"),
        (["search", "AND"], 0, "No results"),
        (["search", '"庁内'], 0, "庁内"),
        (["search", "(連携"], 0, "連携"),
        (["search", "x" * 10000], 0, "No results"),
        (["search", "庁内\x00\x07連携"], 0, "連携"),
        # (Invisible characters pasted inside a word are gone, not a break: 連\u200b携 had no results.)
        (["search", "連\u200b携"], 0, " results for 「連携」"),
        (["search", "連\u2060携\u202e"], 0, " results for 「連携」"),
        # (The note says bytes that are not UTF-8 are shown as U+FFFD; the heading showed ?.)
        (["search", "連携\udcff"], 0, "for 「連携\ufffd」"),
        (["search", "縦割り", "--city", "大阪市"], 2, "valid: 中野区"),
        (["search", "縦割り", "--theme", "money"], 2, "valid: general"),
        (["search", "縦割り", "--polarity", "so-so"], 2, "valid: good"),
        # (A value that is not UTF-8 is no side said in words: UnicodeEncodeError, exit 1.)
        (["search", "縦割り", "--theme", "\ud800P"], 2, "valid: general"),
        (["search", "縦割り", "--limit", "-1"], 2, "limit"),
        # (Click keeps the last of a repeated option: 熊本市 was silently left out.)
        (["search", "連携", "--city", "熊本市", "--city", "福岡市"], 2, "given 2 times (熊本市, 福岡市)"),
        (["compare", "連携", "--theme", "PF", "--theme", "全般"], 2, "given 2 times"),
        (["search"], 2, "Missing argument"),
        (["show", "no/such/id"], 2, "no record"),
        (["frobnicate"], 2, "No such command"),
        # (A search without its command: say how to search; the stop-38 user review.)
        (["縦割り", "--city", "福岡市"], 2, "To search for it: kodoku-search search 縦割り --city 福岡市"),
        (["PF 立ち上げ"], 2, "kodoku-search search 'PF 立ち上げ'"),
        (["serach", "縦割り"], 2, "Did you mean 'search'"),
    ],
)
def test_bad_input_gets_a_message_and_a_defined_status(run, args, code, says):
    r = run(*args)
    assert r.exit_code == code, r.output
    assert says in r.output


def test_show_prints_the_record_and_neighbours(run):
    r = run("show", "advice-2025-10/general/福岡市/2")
    assert r.exit_code == 0
    assert "> advice-2025-10.txt:31" in r.output and "福岡市 (福岡県)" in r.output
    assert "advice-2025-10.txt:29" in r.output and "advice-2025-10.txt:36" in r.output
    data = json.loads(run("show", "advice-2025-10/general/福岡市/2", "--json").stdout)
    assert data["record"]["line"] == 31 and len(data["before"]) == 2


def test_show_takes_the_citation_a_search_prints(run):
    """The line under each hit (advice-2025-10.txt:31) was refused: "no record with id"
    (the stop-41 review). A line holding two records shows the first and names the other."""
    r = run("show", "advice-2025-10.txt:31", "--around", "0")
    assert r.exit_code == 0 and "> advice-2025-10.txt:31  advice-2025-10/general/福岡市/2" in r.output
    two = run("show", "advice-2025-10.txt:198", "--around", "0")
    assert "春日井市/1" in two.stdout and "also holds advice-2025-10/platform/春日井市/2" in two.stderr
    none = run("show", "advice-2025-10.txt:2")
    assert none.exit_code == 2 and "advice-2025-10.txt:31" in none.output and "is a blank line" in none.output
    # A line that holds no record says what it is (it said only "no record": the stop-43 review).
    for line, said in ((206, "holds no record of its own (duplicate-bullet): 春日井市: repeats line 202"),
                       (246, "is not a snippet: 宇和島市's platform block points to its general records"),
                       (1, "is not a snippet (a heading or the document's own text): 「地方公共団体担当者へのアドバイス"),
                       (9999, "advice-2025-10.txt has 246 lines, not 9999")):
        r = run("show", f"advice-2025-10.txt:{line}")
        assert r.exit_code == 2 and said in r.output, (line, r.output)
    assert "ids look like" in run("show", "nosuch.txt:2").output
    # Typed with the IME on: a full-width colon (digits were read already).
    assert "> advice-2025-10.txt:31  advice-2025-10/general/福岡市/2" in run("show", "advice-2025-10.txt：３１").output


def test_options_after_the_double_dash_are_said_to_be_query_words(run):
    """Everything after '--' is the query's: -n 2 there searched for 'n' (the stop-41 review)."""
    late = run("search", "--", "連携 -企業", "-n", "2", "--no-related")
    assert "note: -n, --no-related after '--' read as words of the query" in late.stderr
    assert "after '--'" not in run("search", "-n", "2", "--", "連携 -企業").stderr


def test_a_city_typed_wrong_is_offered_with_why(run):
    assert "Did you mean: 岡崎市の苦労  (no city 岡埼市 here)" in run("search", "岡埼市の苦労", "-n", "1").output


def test_stats(run):
    r = run("stats")
    assert r.exit_code == 0 and "春日井市" in r.output and "90" in r.output
    assert json.loads(run("stats", "--json").stdout)["total"] == 90


def test_stats_say_which_records_state_both_sides(run):
    """座間市 has no 全般:hard record in the table, yet --polarity hard finds its
    「調整に苦労しましたが、…」: the table says so under it."""
    data = json.loads(run("stats", "--json").stdout)
    zama = next(c for c in data["cities"] if c["city"] == "座間市")
    assert zama["counts"]["general/hard"] == 0 and zama["also"] == {"general/hard": 1}
    assert "座間市 全般:hard 1" in run("stats").output.splitlines()[-1]
    hard = json.loads(run("search", "調整", "--city", "座間市", "--polarity", "hard", "--json").stdout)
    assert hard["total"] == 1 and hard["results"][0]["polarity"] == "good"


def test_index_command(run):
    r = run("index", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["records"] == 90


def test_index_dir_from_environment(tmp_path):
    env = {"KODOKU_SEARCH_INDEX": str(tmp_path / "envidx")}
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "縦割り"], env=env)
    assert r.exit_code == 0 and (tmp_path / "envidx" / "CURRENT").exists()


def test_python_dash_m_works_like_the_command(tmp_path):
    env = {**os.environ, "KODOKU_SEARCH_INDEX": str(tmp_path / "idx")}
    p = subprocess.run([sys.executable, "-m", "kodoku_search", "search", "縦割り", "-n", "1"],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "【縦割り】" in p.stdout and "advice-2025-10.txt:" in p.stdout
    p = subprocess.run([sys.executable, "-m", "kodoku_search", "search", ""], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "empty" in p.stderr


CLI_MODULES = r"""
import json, sys
from kodoku_search.cli import main
try:
    main()  # as the console script runs it
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("kodoku_search"))))
"""


def test_a_cli_search_loads_only_the_stages_it_needs(tmp_path):
    """Every module a search imports costs every cold search its time: compare, similar
    and the interactive session (compare.py, session.py) are not among them."""
    p = subprocess.run([sys.executable, "-c", CLI_MODULES, "--corpus-dir", str(CORPUS), "--index-dir",
                        str(tmp_path / "idx"), "search", "他部署の理解を得るのが難しい", "-n", "1"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    loaded = json.loads(p.stdout.splitlines()[-1])
    assert {"kodoku_search.explore", "kodoku_search.search", "kodoku_search.rerank"} <= set(loaded)
    assert not {"kodoku_search.compare", "kodoku_search.session", "kodoku_search.evaluate"} & set(loaded)


def test_a_respelled_run_is_shown_whole_and_not_suggested_where_the_text_says_it(run):
    out = run("search", "たてわり", "-n", "1").output
    assert "also as たてわり → 縦割り" in out and "たて →" not in out
    assert "also as いべんと → イベント/催し/行事" in run("search", "いべんと", "-n", "1").output
    # A synonym of a stretch of the query is shown by that stretch, as typed.
    out = run("search", "PFの立ち上げ", "-n", "1").output
    assert "立ち上げ → 立上げ/設置" in out and "立ち →" not in out
    # 「こどくのあわい」 is a podcast's name, said as typed: no "did you mean 孤独のあわい".
    podcast = run("search", "こどくのあわい", "-n", "1").output
    assert "Did you mean" not in podcast and "【こどくのあわい】" in podcast
    assert "Did you mean: 孤独" in run("search", "こどく", "-n", "1").output


def test_what_scripts_read_is_whole_and_plain(run, tmp_path):
    """From a review of the JSON, CSV and library outputs (stop 22)."""
    # Every row has the same keys: related_by is null on a match.
    rows = [json.loads(x) for x in run("search", "見守り役", "-n", "10", "--format", "jsonl").stdout.splitlines()]
    assert {r["kind"] for r in rows} == {"match", "related"} and all("related_by" in r for r in rows)
    # Matched terms are words, not the index's phrase tokens (庁 内, 気 かける); CSV joins them with 、.
    d = json.loads(run("search", "庁内連携", "-n", "5", "--json").stdout)
    assert all(" " not in t for h in d["results"] for t in h["matched_terms"])
    # A synonym looked for by its characters is named as its entry says it: 十一月's 11月
    # was its bigrams run together, 「111月」 (the stop-25 review).
    d = json.loads(run("search", "十一月", "-n", "1", "--json").stdout)
    assert d["results"][0]["matched_terms"] == ["11月"]
    # The labels results show are accepted back as filters.
    assert run("search", "設置", "--theme", "PF立上げ", "--polarity", "苦労したこと", "-n", "1").exit_code == 0
    # And as people write them: PF立ち上げ, 困難, くろう were rejected (the stop-37 user review).
    for theme, polarity in (("PF立ち上げ", "困難"), ("PFの立ち上げ", "くろう"), ("全般", "よかったこと"),
                            ("PF 立ち上げ", "苦労していること"), ("プラットフォームの立ち上げ", "良いこと"),
                            # (In katakana or half-width as in hiragana: the stop-41 review.)
                            ("ぷらっとふぉーむ", "クロウ"), ("ﾌﾟﾗｯﾄﾌｫｰﾑ", "ｸﾛｳ")):
        assert run("search", "設置", "--theme", theme, "--polarity", polarity, "-n", "1").exit_code == 0, (theme, polarity)
    # 全体 and bad were refused (the stop-43 review).
    d = json.loads(run("search", "設置", "--theme", "全体", "--polarity", "bad", "--json").stdout)
    assert d["filters"] == {"theme": "general", "polarity": "hard"} and d["results"]
    # Said in words, as a query says them (corpus/intents.csv): each was "unknown" (the stop-38 review).
    for theme, polarity, side in (("地方版官民連携プラットフォーム", "大変だった", "hard"), ("PF", "困ったこと", "hard"),
                                  ("地方版孤独・孤立対策官民連携プラットフォーム", "うまくいったこと", "good")):
        d = json.loads(run("search", "連携", "--theme", theme, "--polarity", polarity, "--json").stdout)
        assert d["filters"]["theme"] == "platform" and d["filters"]["polarity"] == side, (theme, polarity)
        assert d["results"] and all(h["polarity"] == side and h["theme"] == "platform" for h in d["results"])
    assert run("search", "連携", "--polarity", "連携").exit_code == 2  # (a word that says no side is still unknown)
    # A filter hides what it does not name: not a value that sets its side aside, asks, negates
    # or names both (each was read as the side it names: the review after the user review).
    for option, value in (("--theme", "プラットフォーム以外"), ("--theme", "プラットフォームを立ち上げていない"),
                          ("--polarity", "苦労したこと以外"), ("--polarity", "成功事例はありませんか"), ("--polarity", "ない"),
                          ("--polarity", "良かったこと、苦労したこと"), ("--polarity", "難しかった?"),
                          # (and written otherwise: 無い, 無し, 未, 非, ゼロ, か before a full stop; the review of 78b9478)
                          ("--polarity", "苦労は無かった"), ("--polarity", "課題無し"), ("--polarity", "成果ゼロ"),
                          ("--polarity", "大変でしたか。"), ("--theme", "PF未設置"), ("--theme", "非PF"),
                          # (負担増えた is a burden that grew: only 大変 is "very" before a cue; the review of c5775b8)
                          ("--polarity", "負担増えた"), ("--polarity", "苦労良かった"),
                          # (無い in kanji, 皆無, 不 on a word after the cue: the review of 5393e9a)
                          ("--polarity", "苦労は全く無かった"), ("--polarity", "成果は皆無"), ("--polarity", "成果が不十分"),
                          ("--polarity", "困ったことは無い"), ("--theme", "PFへの不参加"), ("--theme", "PFの無い自治体")):
        r = run("search", "連携", option, value)
        assert r.exit_code == 2 and "unknown" in r.output, (option, value)
    assert run("search", "連携", "--polarity", "うまくいかなかったこと", "-n", "1").exit_code == 0
    for very_good in ("大変良かったこと", "大変好評だったこと"):  # (大変 as "very": the side that follows it)
        d = json.loads(run("search", "連携", "--polarity", very_good, "--json").stdout)
        assert d["filters"]["polarity"] == "good", very_good
    # Only the cue words, "very" before them and an ending after: anything more may turn them
    # round, and did, one way after another (the review of dac2703: 成果ナシ, 成果が乏しい, 負担が
    # 減った, もっと早く始めればよかった, 大変良い, not PF and helpful were each read as a side).
    for option, value in (("--polarity", "成果ナシ"), ("--polarity", "成果が乏しい"), ("--polarity", "負担が減った"),
                          ("--polarity", "もっと早く始めればよかった"), ("--polarity", "大変良い"), ("--polarity", "!良かった"),
                          ("--theme", "not PF"), ("--theme", "helpful"), ("--theme", "全般、PF"),
                          ("--polarity", "人手不足で苦労した")):  # (more than the cue: refused, though hard)
        r = run("search", "連携", option, value)
        assert r.exit_code == 2 and "unknown" in r.output, (option, value)
    for option, value, key in (("--polarity", "非常に良かった", "good"), ("--polarity", "とても大変だった", "hard"),
                               ("--polarity", "苦労した点", "hard"), ("--polarity", "成功!", "good"),
                               ("--theme", "地方版孤独・孤立対策官民連携プラットフォーム", "platform"), ("--theme", "PFの立ち上げ", "platform")):
        d = json.loads(run("search", "連携", option, value, "--json").stdout)
        assert d["filters"][option[2:]] == key, value
    # A pasted id with a space after it.
    assert "福岡市/2" in run("show", "advice-2025-10/general/福岡市/2 ").output
    # compare says "1 city"; every city has more_good / more_hard, empty or not.
    out = run("compare", "ポッドキャスト").output
    assert "in 1 city:" in out
    d = json.loads(run("compare", "庁内連携", "--json").stdout)
    assert all(c["more_good"] == [] and c["more_hard"] == [] for c in d["cities"])
    # Synonyms and cues are shown as written (NPO法人, PF), not folded (npo法人, pf).
    out = run("search", "ＮＰＯ", "-n", "1").output
    assert "NPO法人" in out and "npo法人" not in out
    assert "(PF" in run("search", "PFの立ち上げ", "-n", "1").output


def test_eval_says_what_it_cannot_score_as_meant(run, tmp_path):
    f = tmp_path / "j.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"qid": "ok", "query": "縦割り", "relevant": [{"city": "福岡市", "grade": 2, "text": "縦割り組織において横連携が困難であることです。"}]},
        {"qid": "city", "query": "縦割り", "relevant": [{"city": "大阪市", "grade": 2, "text": "なにか"}]},
        {"qid": "typo", "query": "縦割り", "relevant": [{"city": "福岡市", "grade": 2, "text": "ありえない文章です"}]},
        {"qid": "none", "query": "縦割り", "relevant": []},
        # (search says 「の」 has no words and stops; eval scored it silently: the stop-25 review)
        {"qid": "particle", "query": "の", "relevant": [{"city": "福岡市", "grade": 2, "text": "縦割り組織において横連携が困難であることです。"}]},
    ]), encoding="utf-8")
    r = run("eval", str(f), "--json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["k"] == 10 and len(d["warnings"]) == 4
    assert any(":5: 'particle': the query has no words" in w for w in d["warnings"])
    assert any(":2: 'city': no record of city '大阪市'" in w for w in d["warnings"])
    assert any(":3: 'typo': no record of 福岡市 matches" in w for w in d["warnings"])
    assert any(":4: 'none' lists no relevant passage" in w for w in d["warnings"])
    assert "warning:" in r.stderr
    assert json.loads(run("eval", str(ROOT / "benchmarks" / "queries_dev.jsonl"), "--json").stdout)["warnings"] == []
    # A filter the index has no value for names the judgment.
    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"qid": "y1", "query": "縦割り", "city": "大阪市", "relevant": []}), encoding="utf-8")
    r = run("eval", str(g))
    assert r.exit_code == 2 and f"{g}:1: 'y1': unknown city" in r.output


def test_the_library_refuses_a_filter_that_is_no_string(tmp_path):
    from kodoku_search import SearchEngine
    from kodoku_search.errors import UsageError

    with SearchEngine.open(CORPUS, tmp_path / "idx") as e:
        with pytest.raises(UsageError, match="theme must be a string"):
            e.search("連携", theme=5)
        with pytest.raises(UsageError, match="fields with values: also, city, id, polarity, prefecture, section"):
            e.values("ngram")
        assert e.get(" advice-2025-10/general/福岡市/2\n").city == "福岡市"


def test_read_as_says_nothing_a_filter_overrules(run):
    """From the stop-24 review: 「苦労 --polarity good」 said "asking for 苦労したこと: those
    rank higher; nothing is hidden" while the filter hid every hardship."""
    r = run("search", "苦労", "--polarity", "good", "-n", "1")
    assert r.exit_code == 0 and "but --polarity good wins" in r.output
    assert "asking for" not in r.output and "nothing is hidden" not in r.output
    r = run("search", "福岡市の苦労", "--city", "熊本市", "-n", "1")
    assert "nothing else is hidden" in r.output and "nothing is hidden" not in r.output
    assert "nothing is hidden" in run("search", "福岡市の苦労", "-n", "1").output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "markdown"])
def test_notes_reach_stderr_in_every_format(run, fmt):
    """A script reading csv, jsonl or markdown still learns what the filter hid and
    which place the collection lacks: on stderr, as in text; stdout stays parseable."""
    r = run("search", "連携", "--city", "豊田", "--format", fmt)
    assert r.exit_code == 0 and "note: " in r.stderr and "results without --city 豊田市" in r.stderr
    assert "note:" not in r.stdout
    r = run("search", "大阪市の連携", "--format", fmt)
    assert "大阪市" in r.stderr and "note:" not in r.stdout
    r = run("compare", "大阪市の連携", "--format", fmt)  # (compare's too)
    assert "大阪市: not in this collection" in r.stderr and "note:" not in r.stdout


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "markdown"])
def test_how_the_query_was_read_reaches_stderr_in_every_format(run, fmt):
    """(The second stop-31 review.) csv, jsonl and markdown said nothing of a word not found,
    a respelling or a suggestion, which text prints above its results."""
    r = run("search", "自殺対策", "--format", fmt, "-n", "1")
    assert "not found: 自殺" in r.stderr and "not found" not in r.stdout
    r = run("search", "たてわり", "--format", fmt, "-n", "1")
    assert "read as: also as たてわり → 縦割り" in r.stderr and "Did you mean: 縦割り" in r.stderr
    assert "read as" not in r.stdout


def test_eval_counts_a_pages_related_records_apart_from_its_matches(run, tmp_path):
    """A query no snippet matches is a zero-result query; the related records that fill its
    page were shown as its "hits" (the stop-26 review: hits 3, zero true)."""
    f = tmp_path / "j.jsonl"
    f.write_text(json.dumps({"qid": "q1", "query": "老老介護", "relevant": [
        {"city": "福岡市", "grade": 2, "text": "縦割り組織において横連携が困難であることです。"}]}, ensure_ascii=False), "utf-8")
    d = json.loads(run("eval", str(f), "--json").stdout)
    q = d["per_query"][0]
    assert q["zero"] and q["related"] == q["returned"] > 0  # (no snippet says it; some are near in meaning)
    out = run("eval", str(f)).stdout
    row = next(line for line in out.splitlines() if line.startswith("q1"))
    assert f" 0+{q['related']} " in row and "matches+related" in out


def test_small_things_from_the_stop_26_review(run):
    """The help's printf example can be copied (its \\n were line breaks); a control
    character in the query is not echoed raw (a BEL rang the bell); an option typed with
    the IME on, inside the query, is named, not silently searched as words."""
    assert "printf '縦割り\\n:polarity hard\\n連携\\n' | kodoku-search interactive" in run("interactive", "--help").output
    r = run("search", "縦割り\x07", "-n", "1")
    assert r.exit_code == 0 and "\x07" not in r.output and "「縦割り」" in r.output
    r = run("search", "連携\u3000--city\u3000福岡市", "-n", "1")
    assert r.exit_code == 0 and "--city was read as part of the query" in r.stderr
    assert "read as part" not in run("search", "連携\u3000縦割り", "-n", "1").stderr


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_explain_in_a_table_format_is_refused_not_dropped(run, fmt):
    """(The stop-27 review: --explain with --format csv printed the table without it.)"""
    r = run("search", "縦割り", "--explain", "--format", fmt)
    assert r.exit_code == 2 and "--explain works with --format text, json or jsonl" in r.output
    assert run("search", "縦割り", "-n", "1", "--explain", "--format", "jsonl").stdout.count('"explanation"') == 1


def test_compare_narrower_than_its_table_says_so(run):
    """(The stop-27 review: --width 20 printed 40 columns, unsaid.)"""
    narrow = run("compare", "連携", "--width", "20")
    assert narrow.exit_code == 0 and "note: the table needs 40 columns, more than --width 20" in narrow.stderr
    assert "note: the table needs" not in run("compare", "連携", "--width", "80").stderr


def test_a_query_that_begins_with_a_hyphen_is_told_how_to_search_for_it(run):
    # 「-孤独 連携」 said only "No such option '-孤'" (the stop-33 review): the message shows
    # how to pass it, and the query passed so is searched.
    r = run("search", "-孤独 連携")
    assert r.exit_code == 2 and "No such option '-孤'" in r.output
    assert "kodoku-search search [OPTIONS] -- '-孤独 連携'" in r.output
    assert "(Did you mean" not in r.output
    ok = run("search", "-n", "1", "--", "-孤独 連携")
    assert ok.exit_code == 0 and "results for" in ok.output
    near = run("search", "連携", "--limt", "3")  # (a misspelt option keeps click's own suggestion)
    assert near.exit_code == 2 and "--limit" in near.output and "goes after '--'" not in near.output


def test_a_repost_is_said_where_it_is_cited(run):
    # 市原市's snippets are printed under both themes (再掲): two identical results on a page, and
    # nothing said why, in text or CSV (the stop-33 review).
    out = run("search", "民間の参加が増えない", "-n", "2", "--no-related").output
    assert out.count("各NPOや企業等に赴いて") == 2
    assert "advice-2025-10/platform/市原市/2  (再掲: repeats advice-2025-10/general/市原市/2)" in out
    rows = list(csv.reader(io.StringIO(run("search", "民間の参加が増えない", "-n", "2", "--no-related",
                                          "--format", "csv").stdout.lstrip("\ufeff"))))
    at = rows[0].index("repost_of")
    assert {r[at] for r in rows[1:]} == {"", "advice-2025-10/general/市原市/2"}


def test_json_says_when_the_last_good_index_is_used(tmp_path, corpus_copy):
    # A corpus the index could not be rebuilt from: the note went to stderr only, and a script
    # reading --json saw "notes": [] over results from the stale index (the stop-39 review).
    idx = tmp_path / "idx"
    base = ["--corpus-dir", str(corpus_copy), "--index-dir", str(idx)]
    assert CliRunner().invoke(cli, [*base, "index"]).exit_code == 0
    (corpus_copy / "bad.jsonl").write_text("{not json\n", "utf-8")
    for args in (["search", "縦割り", "--json"], ["compare", "縦割り", "--json"]):
        r = CliRunner().invoke(cli, [*base, *args])
        assert r.exit_code == 0, r.output
        notes = json.loads(r.stdout)["notes"]
        assert any("last good index" in n and "bad.jsonl:1" in n for n in notes), (args, notes)


def test_a_word_the_filters_snippets_lack_is_said_so(run):
    # 「部署間の連携 --prefecture 兵庫県 --polarity hard」 said "not found: 連携", which 29 snippets
    # say: the filters hid them (the stop-39 review).
    out = run("search", "部署間の連携", "--prefecture", "兵庫県", "--polarity", "hard").output
    assert "not found in the snippets --prefecture 兵庫県 --polarity hard keeps: 連携" in out
    assert "not found: 自殺 (" in run("search", "自殺対策").output  # (no filter: as it was)
    # A word no snippet has is not one the filters hid: "not found in the snippets --polarity
    # hard keeps: 自殺" said so of it (stop 40); both kinds at once are told apart.
    assert "not found: 自殺 (" in run("search", "縦割り 自殺", "--polarity", "hard").output
    out = run("search", "部署間の連携 自殺", "--prefecture", "兵庫県", "--polarity", "hard").output
    assert "not found: 自殺; not in the snippets --prefecture 兵庫県 --polarity hard keeps: 連携 (" in out
    r = run("search", "縦割り 自殺", "--polarity", "hard", "--format", "csv")
    assert "not found: 自殺\n" in r.stderr and "keeps" not in r.stderr


def test_a_filter_value_given_in_words_says_how_it_was_read(run):
    # `--polarity 大変だった` listed the hard side and said nothing of how the value was read
    # (the stop-40 user review); a canonical value says nothing.
    for option, value, read in (("--polarity", "大変だった", "hard"), ("--theme", "プラットフォーム立ち上げ", "platform"),
                                ("--city", "くれ", "呉市")):
        r = run("search", "連携", option, value, "-n", "1")
        assert r.exit_code == 0 and f"note: {option} {value} read as {read}" in r.stderr, r.output
    assert "read as" not in run("search", "連携", "--polarity", "hard", "-n", "1").stderr


def test_a_city_whose_theme_block_points_elsewhere_says_so(run, engine):
    # 宇和島市's platform block says 【孤独・孤立対策全般】参照: `--city 宇和島市 --theme PF` said
    # "No results" as if it had said nothing of its platform (the stop-40 user review).
    r = engine.search("協議会", city="宇和島市", theme="platform")
    assert r.total == 0 and any("宇和島市's PF立上げ block says to see its 全般 snippets" in n
                                and "--theme general" in n for n in r.notes), r.notes
    assert engine.search("協議会", city="宇和島市", theme="general").total  # (where it points has them)
    assert not any("block says" in n for n in engine.search("協議会", city="福山市", theme="platform").notes)
    assert "try --city 宇和島市 --theme general" in run("search", "協議会", "--city", "宇和島市", "--theme", "PF").stderr
    # Named in the query, as --city is (the adversarial review); not where the other theme has
    # nothing either (--polarity other), nor where another filter rules everything out.
    assert any("block says" in n for n in engine.search("宇和島市 協議会", theme="platform").notes)
    for kw in ({"polarity": "other"}, {"prefecture": "愛知県"}):
        assert not any("block says" in n for n in engine.search("協議会", city="宇和島市", theme="platform", **kw).notes)
    # A canonical value however typed says nothing of how it was read.
    for value in ("GOOD", "ｇｏｏｄ", " good"):
        assert "read as" not in run("search", "連携", "--polarity", value, "-n", "1").stderr


def test_two_blocks_pointing_at_each_other_end(engine, monkeypatch):
    # (The final read of stop 40: the check of the other theme went through search(), which
    # checks again; two blocks pointing at each other would have sent it back and forth.)
    import json

    real = json.loads

    def both_ways(text, *a, **k):
        d = real(text, *a, **k)
        if isinstance(d, dict) and d and all(isinstance(v, dict) and "references" in v for v in d.values()):
            for info in d.values():
                info["references"] += [dict(r, theme=r["target_theme"], target_theme=r["theme"])
                                       for r in info["references"]]
        return d

    monkeypatch.setattr(json, "loads", both_ways)
    r = engine.search("ポッドキャスト", city="宇和島市", theme="platform")
    assert r.total == 0 and not any("block says" in n for n in r.notes)


def test_a_minus_word_typed_as_an_option_says_how_to_type_it(run):
    r = run("search", "連携", "-企業")
    assert r.exit_code != 0 and "put the query after '--', quoted: kodoku-search search [OPTIONS] -- '連携 -企業'" in r.output


def test_a_query_that_only_sets_a_word_aside_says_what_to_do(run):
    r = run("search", "--", "-企業")
    assert r.exit_code != 0 and "the query only sets 企業 aside: say what to look for too" in r.output
    out = run("search", "連携 -企業").output
    assert "set aside by a minus: 企業" in out.splitlines()[1]


def test_eval_names_its_cutoff_in_the_columns(run, tmp_path):
    # eval -k 3 printed "nDCG@10 R@10" over figures at 3 (the stop-39 user review).
    out = run("eval", str(ROOT / "benchmarks" / "queries_dev.jsonl"), "-k", "3").output
    assert "nDCG@3" in out.splitlines()[0] and "R@3" in out.splitlines()[0] and "@10" not in out.splitlines()[0]


def test_show_of_a_number_the_city_has_not_says_which_it_has(run):
    # show …/福岡市/9 said only what ids look like (the stop-39 user review).
    out = run("show", "advice-2025-10/general/福岡市/9").output
    assert "advice-2025-10/general/福岡市/… has 1–" in out and "e.g. advice-2025-10/general/福岡市/1" in out


def test_an_empty_directory_option_is_the_default_as_the_empty_variable_is(tmp_path, engine, monkeypatch):
    """--corpus-dir "" (a variable unset in a script) read the working directory, and
    --index-dir "" wrote an index there; KODOKU_SEARCH_CORPUS= was the bundled corpus
    (the stop-42 review). An empty option is the default too."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.jsonl").write_text('{"oops": 1}\n', "utf-8")
    r = CliRunner().invoke(cli, ["--corpus-dir", "", "--index-dir", str(engine.index_dir), "search", "縦割り", "-n", "1"])
    assert r.exit_code == 0 and "縦割り" in r.output and "mine.jsonl" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.jsonl"]


def test_a_directory_variable_naming_a_file_is_said_so_in_json(tmp_path):
    """KODOKU_SEARCH_CORPUS naming a file got Click's 「Invalid value for '--corpus-dir'」, an
    option never given, and no JSON under --json (the stop-42 review)."""
    afile = tmp_path / "afile"
    afile.write_text("", "utf-8")
    for var, said in (("KODOKU_SEARCH_CORPUS", "no corpus directory at"), ("KODOKU_SEARCH_INDEX", "is a file")):
        r = CliRunner().invoke(cli, ["search", "縦割り", "--json"], env={var: str(afile)})
        assert r.exit_code == 2 and "Traceback" not in r.output
        out = json.loads(r.stdout)
        assert out["ok"] is False and said in out["error"] and "a file, not a directory" in out["error"]


def test_the_library_refuses_a_directory_that_is_no_path():
    from kodoku_search import SearchEngine, UsageError

    for kw in ({"index_dir": 123}, {"corpus_dir": 4.5}, {"corpus_dir": ""}, {"index_dir": " "}):
        with pytest.raises(UsageError):
            SearchEngine.open(**kw)
        with pytest.raises(UsageError):  # (check let a TypeError out: the stop-43 review)
            SearchEngine.check(**kw)


def test_values_are_the_callers_to_change(engine):
    """values() gave its own cached list: a caller's clear() made every city unknown to the
    filters (the stop-43 adversarial review)."""
    v = engine.values("city")
    v.clear()
    v.append("大阪市")
    assert "福岡市" in engine.values("city") and engine.search("連携", city="福岡市", limit=1).total
    from kodoku_search import UsageError

    with pytest.raises(UsageError):
        engine.search("連携", city="大阪市")


@pytest.mark.parametrize("option, value, place", [("--city", "fukuoka", "福岡市"), ("--city", "kyoto", "京都市"),
                                                  ("--city", "Kumamoto", "熊本市"), ("--prefecture", "hyogo", "兵庫県"),
                                                  ("--city", "ｆｕｋｕｏｋａ", "福岡市"), ("--city", "KURE", "呉市"),
                                                  ("--prefecture", "fukuoka", "福岡県"), ("--prefecture", "kyoto", "京都府")])
def test_a_place_filter_in_romaji_is_read_as_a_query_reads_it(run, option, value, place):
    """search fukuoka read 福岡市, --city fukuoka was "unknown city" (the stop-42 review)."""
    r = run("search", "連携", option, value, "-n", "0")
    assert r.exit_code == 0 and f"{option} {value} read as {place}" in r.output


def test_a_prefecture_in_romaji_given_as_a_city_names_its_option(run):
    r = run("search", "連携", "--city", "hyogo")
    assert r.exit_code == 2 and "--prefecture 兵庫県" in r.output


def test_an_index_directory_that_is_a_file_or_a_link_to_one_is_said_so(tmp_path):
    """check said 「no index in …; build one with: kodoku-search index」, which then failed;
    a link to a file was "a link to …, which is not there" (the stop-42 adversarial review)."""
    afile = tmp_path / "afile"
    afile.write_text("", "utf-8")
    link = tmp_path / "link"
    link.symlink_to(afile)
    r = CliRunner().invoke(cli, ["--index-dir", str(afile), "check"])
    assert r.exit_code == 2 and "is a file, not a directory" in r.output
    r = CliRunner().invoke(cli, ["--index-dir", str(link), "search", "縦割り"])
    assert r.exit_code == 2 and "a file, not a directory" in r.output and "not there" not in r.output
    r = CliRunner().invoke(cli, ["--corpus-dir", str(afile), "corpus"])
    assert r.exit_code == 2 and "a file" in r.output


def test_compare_polarity_suggests_the_search_of_the_query_typed(run):
    r = run("compare", "連携", "--city", "熊本", "--polarity=good", "庁内")
    assert r.exit_code == 2 and "kodoku-search search 連携 庁内 --polarity good" in r.output
    assert "Did you mean '--polarity'" not in run("compare", "連携", "--polarity-x").output


def test_eval_refuses_a_bad_judgments_file_before_it_builds_an_index(tmp_path):
    # (It built the whole index, two seconds, and then said the file was not JSON: the stop-43 review.)
    idx = tmp_path / "never"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    for f in (bad, tmp_path / "missing.jsonl"):
        r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(idx), "eval", str(f)])
        assert r.exit_code == 2 and "Traceback" not in r.output and str(f) in r.output
        assert not idx.exists()
