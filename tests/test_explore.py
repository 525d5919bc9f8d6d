"""Exploring the corpus (issue 7): facets, paging and order, compare, similar,
output formats, wrapping and alignment, the interactive session, completion.

Each feature is checked through the library and through the CLI. The CLI runs
against the session's ``engine`` index, so no second index is built.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import re
from collections import Counter

import click
import pytest
from click.testing import CliRunner

from kodoku_search import cli as cli_module
from kodoku_search.cli import cli
from kodoku_search.errors import UsageError
from kodoku_search.render import display_width, grid, md_cell, to_csv, to_markdown, wrap, wrap_indented

from .conftest import CORPUS

QUERIES = ("庁内連携", "縦割り", "企業", "つながり", "他部署の理解を得るのが難しい", "苦労したこと", "いばしょ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def run(engine):
    def invoke(*args: str, **kw):
        result = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(engine.index_dir), *args], **kw)
        assert "Traceback" not in result.output, result.output
        return result

    return invoke


def _all_hits(engine, query, **filters):
    return engine.search(query, limit=1000, **filters).hits


def _count(hits, name) -> Counter:
    """What a facet counts: the hits per value; a polarity counts each side a record
    states (its own, and ``also``), the hits --polarity that side finds."""
    if name == "polarity":
        return Counter(side for h in hits for side in (h.polarity, h.also) if side)
    return Counter(getattr(h, name) for h in hits)


# ---------------------------------------------------------------------------
# Facets


@pytest.mark.parametrize("query", QUERIES)
def test_facets_equal_the_counts_of_all_hits(engine, query):
    hits = _all_hits(engine, query)
    assert hits
    f = engine.facets(query)
    assert set(f) == {"city", "prefecture", "theme", "polarity"}
    for name in f:
        assert f[name] == dict(_count(hits, name)), name
        assert list(f[name].values()) == sorted(f[name].values(), reverse=True)  # largest first


@pytest.mark.parametrize("query, filters", [
    ("苦労した点", {"city": "岡崎市", "polarity": "hard"}),  # the side itself is asked for
    ("PFを作ってよかったこと", {"theme": "platform", "polarity": "good"}),  # a word the filter names
])
def test_facets_equal_the_hits_under_filters(engine, query, filters):
    hits = _all_hits(engine, query, **filters)
    assert hits
    f = engine.facets(query, **filters)
    for name in f:
        assert f[name] == dict(_count(hits, name)), name


def test_facets_respect_filters(engine):
    f = engine.facets("連携", polarity="hard", theme="全般")
    hits = _all_hits(engine, "連携", polarity="hard", theme="全般")
    assert f["polarity"] == dict(_count(hits, "polarity")) and f["polarity"]["hard"] == len(hits)
    assert f["theme"] == {"general": len(hits)}
    assert any(h.also == "hard" for h in hits)  # 座間市's 「調整に苦労しましたが、…できました」
    assert f["city"] == dict(Counter(h.city for h in hits))
    with pytest.raises(UsageError, match="valid"):
        engine.facets("連携", city="大阪市")


def test_facets_of_a_query_without_words_are_empty(engine):
    assert engine.facets("の") == {"city": {}, "prefecture": {}, "theme": {}, "polarity": {}}


def test_search_facets_through_the_cli(run, engine):
    data = json.loads(run("search", "庁内連携", "--facets", "--json").output)
    assert data["facets"] == engine.facets("庁内連携")
    hits = _all_hits(engine, "庁内連携")
    assert sum(data["facets"]["polarity"].values()) == data["total"] + sum(bool(h.also) for h in hits)
    text = run("search", "庁内連携", "--facets", "-n", "1").output
    assert "Matches per field" in text and re.search(r"polarity\s+良かったこと \d+ · 苦労したこと \d+", text)
    assert "facets" not in json.loads(run("search", "庁内連携", "--json").output)
    r = run("search", "庁内連携", "--facets", "--format", "csv")
    assert r.exit_code == 2 and "--facets" in r.output


# ---------------------------------------------------------------------------
# Paging and order


def test_find_pages_through_the_ranking(engine):
    full = engine.search("連携", limit=20).hits
    assert len(full) == 20
    pages = [engine.find("連携", limit=5, offset=k) for k in (0, 5, 10, 15)]
    assert [h.id for p in pages for h in p.hits] == [h.id for h in full]
    assert all(p.total == pages[0].total for p in pages)
    beyond = engine.find("連携", offset=10000)
    assert beyond.hits == () and beyond.total == pages[0].total
    d = pages[1].to_dict()
    assert d["offset"] == 5 and d["sort"] == "score" and len(d["results"]) == 5


def test_find_sorts_by_city_and_by_line(engine):
    all_hits = _all_hits(engine, "連携")
    by_city = engine.find("連携", sort="city", limit=1000).hits
    assert sorted(h.id for h in by_city) == sorted(h.id for h in all_hits)
    # In the document's order of cities (京都市 first, as it opens), not by code point (中野区 first).
    order = list(dict.fromkeys(h.city for h in engine.records()))
    assert order[:3] == ["京都市", "福岡市", "熊本市"]
    assert [h.city for h in by_city] == sorted((h.city for h in by_city), key=order.index)
    by_line = engine.find("連携", sort="line", limit=5, offset=3).hits
    everything = engine.find("連携", sort="line", limit=1000).hits
    assert [(h.source, h.line) for h in everything] == sorted((h.source, h.line) for h in everything)
    assert by_line == everything[3:8]
    with pytest.raises(UsageError, match="sort"):
        engine.find("連携", sort="random")
    with pytest.raises(UsageError, match="offset"):
        engine.find("連携", offset=-1)


def test_find_with_facets(engine):
    page = engine.find("企業", limit=2, facets=True)
    assert page.facets == engine.facets("企業") and page.to_dict()["facets"] == page.facets


def test_offset_and_sort_through_the_cli(run):
    first = json.loads(run("search", "連携", "-n", "4", "--json").output)["results"]
    second = json.loads(run("search", "連携", "-n", "2", "--offset", "2", "--json").output)["results"]
    assert [h["id"] for h in second] == [h["id"] for h in first[2:4]]
    out = run("search", "連携", "-n", "2", "--offset", "2").output
    assert re.search(r"results for 「連携」, showing 3–4$", out, re.M)
    assert re.search(r"^3\. ", out, re.M) and re.search(r"^4\. ", out, re.M) and not re.search(r"^1\. ", out, re.M)
    cities = [h["city"] for h in json.loads(run("search", "連携", "--sort", "city", "-n", "50", "--json").output)["results"]]
    order = ["京都市", "福岡市", "熊本市", "市原市", "中野区", "座間市", "岡崎市", "春日井市", "豊田市", "播磨町", "鳥取市",
             "呉市", "福山市", "宇和島市"]  # as the document lists them
    assert cities == sorted(cities, key=order.index)
    assert run("search", "連携", "--sort", "nonsense").exit_code == 2


# ---------------------------------------------------------------------------
# Compare


def test_compare_picks_each_citys_best_good_and_hard(engine):
    """What each cell shows, said as properties of the two --polarity searches rather
    than compare's own sort again (the final stop-24 review)."""
    c = engine.compare("庁内連携")
    hits = {side: _all_hits(engine, "庁内連携", polarity=side) for side in ("good", "hard")}
    assert {p.city for p in c} == {h.city for hs in hits.values() for h in hs}
    both = 0
    for p in c:
        shown = {"good": p.best_good, "hard": p.best_hard}
        for side, other in (("good", "hard"), ("hard", "good")):
            mine = [h for h in hits[side] if h.city == p.city]  # in rank order
            best, there = shown[side], shown[other]
            assert (best is None) == (not mine), (p.city, side)
            if best is None:
                continue
            assert best.id in {h.id for h in mine}
            if there is not None and there.id == best.id and best.polarity == other:
                # A two-sided record shown again only where this side has nothing of its own.
                both += 1
                assert best.also == side and not any(h.polarity == side for h in mine), (p.city, side)
                continue
            # Not a two-sided record the other side shows as its own; one that says the
            # words before one matched without them; of those, the best ranked.
            rest = [h for h in mine if not (there is not None and h.id == there.id and there.polarity == other)]
            says = [h for h in rest if h.matches]
            assert best.id == (says or rest)[0].id, (p.city, side)
    assert both  # (宇和島市's 「…」 states both sides and is its only good one)
    scores = [p.best_score for p in c]
    assert scores == sorted(scores, reverse=True)
    d = c.to_dict()
    assert d["query"] == "庁内連携" and set(d["cities"][0]) == {"city", "prefecture", "good", "hard", "more_good", "more_hard"}


@pytest.mark.parametrize("query", ["調整", "連携", "庁内連携"])
def test_compare_shows_a_two_sided_record_once_unless_a_side_would_be_empty(engine, query):
    """座間市's 「…調整に苦労しましたが、…できました」 is on both sides of --polarity;
    compare shows it once, on its own side when it is that side's best, else on
    the other; and again on the other side only where the city has nothing else
    there (for 調整 it is 座間市's one hardship)."""
    c = engine.compare(query, limit_per_side=2)
    for p in c:
        both = {h.id for h in p.good} & {h.id for h in p.hard}
        for side, hits in (("good", p.good), ("hard", p.hard)):
            assert all(side in (h.polarity, h.also) for h in hits)
            if both & {h.id for h in hits} and side not in {h.polarity for h in hits if h.id in both}:
                assert [h.id for h in hits] == sorted(both), p.city  # repeated only to fill an empty side
    if query == "調整":
        zama = next(p for p in c if p.city == "座間市")
        assert "調整に苦労しましたが" in zama.good[0].text
        assert [h.id for h in zama.hard] == [zama.good[0].id]
    if query == "連携":  # 宇和島市's two-sided record is its best hard, and its one good word on 連携
        uwa = next(p for p in c if p.city == "宇和島市")
        assert uwa.best_hard.also == "good" and [h.id for h in uwa.good] == [uwa.best_hard.id]


def test_compare_options(engine):
    c = engine.compare("連携", theme="PF", limit_per_side=2)
    assert all(h.theme == "platform" for p in c for h in (*p.good, *p.hard))
    assert any(len(p.good) == 2 for p in c) and all(len(p.good) <= 2 and len(p.hard) <= 2 for p in c)
    two = next(p for p in c if len(p.good) == 2)
    assert [h["id"] for h in two.to_dict()["more_good"]] == [two.good[1].id]
    assert len(engine.compare("ぴよぴよぴよ")) == 0
    with pytest.raises(UsageError):
        engine.compare("連携", limit_per_side=0)
    # One city's two sides (the stop-24 review: `compare --city` was "Did you mean --width?").
    one = engine.compare("連携", city="熊本", limit_per_side=3)
    assert [p.city for p in one] == ["熊本市"] and one.filters == {"city": "熊本市"}
    assert len(one.cities[0].hard) >= 2
    # Its good side found nothing; the table is not empty, so nothing was "hidden" (the
    # stop-25 review: "29 results without --city 熊本市" under 熊本市's row).
    assert not one.cities[0].good and not any("without" in n for n in one.notes), one.notes
    with pytest.raises(UsageError):
        engine.compare("連携", city="大阪市")
    # Filters that leave nothing say so, as search does (compare dropped every note naming --polarity).
    none = engine.compare("連携", city="熊本市", prefecture="愛知県")
    every = engine.search("連携", limit=1).total
    assert len(none) == 0 and none.notes == (
        "--city 熊本市 is in 熊本県, not in --prefecture 愛知県: no snippet can pass both; drop one of them",
        f"{every} results without --city 熊本市 --prefecture 愛知県")


def test_compare_puts_the_cities_the_query_names_first(engine):
    """As search puts a named city's snippets first (the stop-26 review: 座間市 led
    「豊田市の苦労」); a prefecture named puts its cities first."""
    assert [p.city for p in engine.compare("豊田市の苦労")][:1] == ["豊田市"]
    assert engine.search("豊田市の苦労", limit=1).hits[0].city == "豊田市"
    cities = [p.city for p in engine.compare("愛知県の苦労")]
    assert set(cities[:3]) == {"岡崎市", "春日井市", "豊田市"} and len(cities) > 3
    assert [p.city for p in engine.compare("苦労")][0] not in ("岡崎市", "春日井市", "豊田市")  # (the names' doing)


def test_compare_says_which_cities_say_the_words(engine, run):
    """「負担」 is a hard cue, so every city's hardest snippet matches it: the header said
    "in 13 cities" where 2 say 負担. It now says which do."""
    c = engine.compare("負担")
    assert len(c) >= 10 and set(c.said_in) == {"福山市", "春日井市"} and c.to_dict()["said_in"] == list(c.said_in)
    out = run("compare", "負担").output
    assert "its words are in the snippets of 2 of them (福山市、春日井市)" in out.splitlines()[1]
    assert len(engine.compare("連携").said_in) == len(engine.compare("連携"))  # a topic word: no such line
    assert "its words are in" not in run("compare", "連携").output
    assert "its words are in" not in run("compare", "豊田市").output  # (no words: it names a city)
    # A compound whose part is a word of the query too: only the cities that say it whole (孤立死
    # was "in the snippets of" all 12 by 孤立, said by nearly every snippet: the stop-39 review).
    assert engine.compare("孤立死").said_in == ("福岡市",) and engine.compare("連携先").said_in == ("宇和島市",)
    # Said as marked, another spelling, or with a list's 等 (つながり作り's 【つながりづくり】, 事業者等:
    # none, and one, said them at 4012461: the review of it).
    assert engine.compare("つながり作り").said_in and len(engine.compare("事業者等").said_in) >= 3


def test_compare_names_the_words_no_snippet_has(engine, run):
    # 「自殺対策」 compared ten cities on 対策 and never said that no snippet has 自殺, as search
    # does (the stop-38 user review): a false comparison to cite.
    c = engine.compare("自殺対策")
    assert len(c) >= 5 and c.unmatched == ("自殺",) and c.to_dict()["unmatched"] == ["自殺"]
    assert c.unmatched == engine.search("自殺対策").unmatched
    # So where no city has a match at all (it said [], the stop-41 review).
    assert engine.compare("自殺").unmatched == engine.search("自殺").unmatched == ("自殺",)
    for fmt in ("text", "markdown", "csv"):
        assert "not found: 自殺" in run("compare", "自殺対策", "--format", fmt).output, fmt
    assert engine.compare("縦割り").unmatched == () and engine.compare("連携 縦割り").unmatched == ()


def test_compare_says_where_the_snippets_of_neither_side_match(engine, run):
    """(The stop-30 user review.) compare has a column for each side, and dropped the
    matches that state neither: 「縦割り」 said "in 2 cities" and left out 鳥取市, whose
    lesson 「縦割り・分野を超える…」 search ranks first; 「シンポジウム」 hid 春日井市's
    「…シンポジウムの開催」, the one snippet that says it."""
    c = engine.compare("縦割り")
    assert "鳥取市" not in {p.city for p in c} and [h.city for h in c.neither] == ["鳥取市"]
    assert all(h.polarity == "other" and h.matches for h in c.neither)
    assert c.to_dict()["neither"][0]["city"] == "鳥取市"
    out = run("compare", "縦割り").output
    assert "also matched, stating neither side: 鳥取市 (1); list it with: kodoku-search search 縦割り --polarity other" in out
    assert any("シンポジウムの開催" in h.text for h in engine.compare("シンポジウム").neither)
    assert not engine.compare("縦割り", city="福岡市").neither  # (filters apply to them too)
    # ...and to the command it suggests (the second stop-30 review: --city was left out).
    out = run("compare", "つながり", "--city", "鳥取市").output
    assert "kodoku-search search つながり --city 鳥取市 --polarity other" in out
    md = run("compare", "縦割り", "--format", "markdown")
    assert "note: also matched, stating neither side: 鳥取市 (1)" in md.stderr


def _columns(line: str) -> list[int]:
    """Display columns at which each ' | ' separator of a table line starts."""
    plain = ANSI.sub("", line)
    cols, at = [], 0
    for k, ch in enumerate(plain):
        if plain.startswith(" | ", k) or plain.startswith("-+-", k):
            cols.append(at)
        at += display_width(ch)
    return cols


@pytest.mark.parametrize("width", [60, 80, 123])
def test_compare_table_lines_up_with_mixed_width_text(run, width):
    out = run("compare", "庁内連携", "--width", str(width)).output
    lines = out.splitlines()
    table = lines[lines.index("") + 1:]
    assert table[0].startswith("city") and "良かったこと (good)" in table[0]
    assert "PF" in out and "advice-2025-10.txt:" in out  # narrow and wide characters mixed
    widths = {display_width(ln) for ln in table}
    assert widths == {display_width(table[0])} and display_width(table[0]) <= width
    bounds = {tuple(_columns(ln)) for ln in table}
    assert len(bounds) == 1 and len(next(iter(bounds))) == 2


def test_compare_keeps_alignment_in_colour(run):
    out = run("compare", "庁内連携", "--width", "70", "--color", color=True).output
    assert "\x1b[1;33m" in out
    table = out.splitlines()[2:]
    assert {display_width(ln) for ln in table} == {display_width(table[0])}
    assert len({tuple(_columns(ln)) for ln in table}) == 1
    assert "\x1b[" not in run("compare", "庁内連携", "--no-color").output


def test_compare_json_and_formats(run, engine):
    data = json.loads(run("compare", "庁内連携", "--json").output)
    assert data["query"] == "庁内連携"
    assert data == json.loads(run("compare", "庁内連携", "--format", "json").output)
    assert [c["city"] for c in data["cities"]] == [p.city for p in engine.compare("庁内連携")]
    for c in data["cities"]:
        assert set(c) == {"city", "prefecture", "good", "hard", "more_good", "more_hard"}
        assert c["good"] is None or "good" in (c["good"]["polarity"], c["good"]["also"])
        assert c["hard"] is None or "hard" in (c["hard"]["polarity"], c["hard"]["also"])
    lines = run("compare", "庁内連携", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(ln)["city"] for ln in lines] == [c["city"] for c in data["cities"]]
    rows = _read_csv(run("compare", "庁内連携", "--format", "csv").stdout_bytes)
    assert rows[0][:3] == ["city", "prefecture", "rank"]
    for row, c in zip(rows[1:], data["cities"]):
        rec = dict(zip(rows[0], row))
        assert rec["city"] == c["city"]
        assert rec["good_id"] == (c["good"]["id"] if c["good"] else "")
        assert rec["hard_text"] == (c["hard"]["text"] if c["hard"] else "")
    md = run("compare", "庁内連携", "--format", "markdown").stdout
    _check_markdown(md, 4)
    assert "No city has a match" in run("compare", "ぴよぴよぴよ").output


def test_compare_says_in_every_format_which_cities_say_the_words(run, engine):
    """負担 asks for the hard side, so every city's hardest snippet matches it, and two say it:
    the text said so, and a markdown table for a report, or a CSV, left it out (the stop-43 review)."""
    c = engine.compare("負担", theme="platform")
    said = set(c.said_in)
    assert said and len(said) < len(c.cities)
    text = run("compare", "負担", "--theme", "platform").output
    assert f"its words are in the snippets of {len(said)} of them" in text
    md = run("compare", "負担", "--theme", "platform", "--format", "markdown").stdout
    _check_markdown(md, 4)
    assert md.strip().split("\n\n")[-1].startswith(f"Its words are in the snippets of {len(said)} of them")
    rows = _read_csv(run("compare", "負担", "--theme", "platform", "--format", "csv").stdout_bytes)
    assert rows[0][-1] == "says_query"
    assert {r[0]: r[-1] for r in rows[1:]} == {p.city: "true" if p.city in said else "false" for p in c.cities}
    lines = run("compare", "負担", "--theme", "platform", "--format", "jsonl").stdout.splitlines()
    assert {d["city"]: d["says_query"] for d in map(json.loads, lines)} == {p.city: p.city in said for p in c.cities}
    # Where every city says them, the table stands alone.
    assert set(engine.compare("居場所").said_in) == {p.city for p in engine.compare("居場所")}
    md = run("compare", "居場所", "--format", "markdown").stdout
    assert "Its words are in" not in md and md.strip().splitlines()[-1].startswith("| ")


# ---------------------------------------------------------------------------
# Similar


def test_similar_ranks_other_cities_first_and_reports_shared_terms(engine):
    rid = "advice-2025-10/general/福岡市/2"
    sim = engine.similar(rid, limit=90)
    assert sim.record.id == rid and sim.terms
    assert rid not in [h.id for h in sim]
    cities = [h.city == "福岡市" for h in sim]
    assert cities == sorted(cities)  # every other city's snippet before 福岡市's own
    assert any(cities) and not cities[0]
    others = [h for h in sim if h.city != "福岡市"]
    assert [h.score for h in others] == sorted((h.score for h in others), reverse=True)
    stored = {d["id"]: d for d in engine.searcher().all_stored_fields()}
    for h in sim:
        own = {s[0] for s in stored[h.id]["spans"]}
        assert h.matched_terms and set(h.matched_terms) <= set(sim.terms) & own
        assert h.matches and all(0 <= a < b <= len(h.text) for a, b in h.matches)
    assert "縦" in sim.hits[0].matched_terms or "割り" in sim.hits[0].matched_terms
    assert len(engine.similar(rid, limit=3)) == 3
    d = sim.to_dict()
    assert d["id"] == rid and d["results"][0]["shared_terms"] == list(sim.hits[0].matched_terms)
    with pytest.raises(UsageError, match="no record"):
        engine.similar("no/such/id")


def test_similar_picks_words_that_tell_records_apart(engine):
    """(The stop-27 review.) 豊田市's 「他部署の理解を得るのに苦労」 found 呉市's good news about
    周知啓発 first, by 孤独 and 孤立 (in more than a third of the records) with 庁 and 的."""
    sim = engine.similar("advice-2025-10/general/豊田市/2", limit=5)
    assert not {"孤独", "孤立"} & set(sim.terms)
    assert {"理解", "部署"} <= set(sim.terms)
    assert sim.hits[0].id != "advice-2025-10/general/呉市/1"
    assert any(h.id == "advice-2025-10/general/中野区/3" for h in sim.hits)  # 庁内での理解…関係部署


def test_a_session_reads_commands_typed_with_the_ime_on(engine):
    """(The second stop-31 review.) ：city　福岡市 (full-width colon and space) was searched for,
    :city　福岡市 an unknown command; a piped file's byte order mark made :limit a query; exit
    was searched for."""
    s = engine.session()
    assert s.execute("：city　福岡市").kind == "message" and s.filters == {"city": "福岡市"}
    assert s.execute(":city　福山市").kind == "message" and s.filters == {"city": "福山市"}
    assert s.execute("\ufeff:limit 1").kind == "message" and s.limit == 1
    assert s.execute("exit").kind == "quit" and s.execute("help").kind == "message"
    # The command line's habit: 「連携 --city 福岡市」 searched for the word city (the stop-37
    # user review). It says what to type here instead, and changes nothing.
    r = s.execute("連携 --city 福岡市")
    assert r.kind == "error" and ":city 福岡市" in r.message and s.filters == {"city": "福山市"}
    assert s.execute("連携 --polarity=hard").kind == "error"
    assert s.execute("ネットワーク-city").kind == "results"  # (a word's hyphen is no option)
    # The second stop-37 review: not a longer word (--cityscape); the IME's dashes (ーーcity) too;
    # every option named.
    assert s.execute("連携 --cityscape").kind == "results"
    assert s.execute("連携 ーーcity 福岡市").kind == "error"
    both = s.execute("--polarity hard --city 福岡市")
    assert both.kind == "error" and ":polarity hard" in both.message and ":city 福岡市" in both.message
    # The third and fourth stop-37 reviews: a value with ー in it whole (it said :theme
    # プラットフォ); one dash of any kind before the option's name (ーcity, the IME's -city;
    # —city, a word processor's --city).
    assert ":theme プラットフォーム " in s.execute("連携 --theme プラットフォーム").message
    for typed in ("居場所 ーcity 北九州市", "連携 —city 福岡市", "連携 –city 福岡市"):
        assert s.execute(typed).kind == "error", typed


def test_similar_leaves_out_a_suffix_of_one_character(engine):
    """(The stop-31 review.) 市原市's 「NPOや企業等…民間等…」 had 等 among its key terms, and
    福山市's record came second by 継続, 増える and 等. 縦 of 縦割り, a word's first piece, stays."""
    sim = engine.similar("advice-2025-10/general/市原市/2", limit=5)
    assert "等" not in sim.terms and {"企業", "民間"} <= set(sim.terms)
    assert all("等" not in h.matched_terms for h in sim.hits)
    assert "縦" in engine.similar("advice-2025-10/general/福岡市/2", limit=1).terms


def test_similar_leaves_out_the_record_posted_again_under_the_other_theme(engine):
    """市原市's snippet is in both themes, word for word: its twin is the record itself,
    not a snippet like it (the stop-26 review: it came last, 17th of 17, scored 46.6)."""
    rid = "advice-2025-10/platform/市原市/1"
    rec = engine.get(rid)
    twins = [r.id for r in engine.records() if r.city == rec.city and r.text == rec.text and r.id != rid]
    assert twins  # (the corpus posts it twice)
    sim = engine.similar(rid, limit=100)
    assert not set(twins) & {h.id for h in sim}
    # (Nor are its words picked for being in the twin: each is shared by some result.)
    assert set(sim.terms) == {t for h in sim for t in h.matched_terms}


def test_similar_on_a_corpus_of_a_few_records(tmp_path):
    """(The stop-28 review.) On five records no word is in under 30 % of them and in
    another besides (0.3 × 5 < 2): similar found no key terms, and the CLI said there
    were none in other records. Then the common shared words are what there is."""
    from kodoku_search import SearchEngine

    d = tmp_path / "corpus"
    d.mkdir()
    texts = ["雪かきの担い手が足りません。", "雪かきボランティアを募集しました。", "除雪の担い手が高齢化しています。",
             "公民館の講座を開きました。", "図書館でつどいを開きました。"]
    d.joinpath("snow.jsonl").write_text("".join(json.dumps(
        {"id": f"s/{i}", "city": "架空市", "prefecture": "北海道", "theme": "general", "polarity": "hard",
         "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)), "utf-8")
    with SearchEngine.open(d, tmp_path / "idx") as e:
        sim = e.similar("s/0", limit=5)
        assert "雪かき" in sim.terms and "担い手" in sim.terms
        assert {h.id for h in sim} == {"s/1", "s/2"}
    r = CliRunner().invoke(cli, ["--corpus-dir", str(d), "--index-dir", str(tmp_path / "idx"), "similar", "s/3"])
    assert r.exit_code == 0 and "開き" in r.output and "s/4" in r.output, r.output


def test_similar_through_the_cli(run):
    rid = "advice-2025-10/general/福岡市/2"
    out = run("similar", rid, "-n", "3").output
    assert out.startswith(f"Like {rid}: 福岡市 (福岡県)")
    assert "key terms:" in out and out.count("shares: ") == 3 and "【縦割り】" in out
    data = json.loads(run("similar", rid, "--json", "-n", "3").output)
    assert len(data["results"]) == 3 and data["results"][0]["shared_terms"]
    assert [h["rank"] for h in data["results"]] == [1, 2, 3]  # (as search --json and similar's jsonl have it)
    jl = [json.loads(x) for x in run("similar", rid, "--format", "jsonl", "-n", "3").output.splitlines()]
    assert [(h["rank"], h["id"]) for h in jl] == [(h["rank"], h["id"]) for h in data["results"]]
    rows = _read_csv(run("similar", rid, "--format", "csv", "-n", "3").stdout_bytes)
    assert [r[10] for r in rows[1:]] == [h["id"] for h in data["results"]]
    assert rows[1][11] == "、".join(data["results"][0]["shared_terms"])
    _check_markdown(run("similar", rid, "--format", "markdown", "-n", "3").stdout, 7)
    r = run("similar", "no/such/id")
    assert r.exit_code == 2 and "no record" in r.output
    assert run("similar", rid, "-n", "0").output.rstrip().endswith("(none listed: -n 0)")  # not "No similar snippets"


# ---------------------------------------------------------------------------
# Formats


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV for Excel starts with a UTF-8 BOM"
    assert data.endswith(b"\r\n")
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_round_trip_equals_the_hits(run):
    hits = json.loads(run("search", "連携", "-n", "15", "--json").output)["results"]
    r = run("search", "連携", "-n", "15", "--format", "csv")
    assert r.exit_code == 0
    raw = r.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")  # every line ends \r\n
    rows = _read_csv(raw)
    header, body = rows[0], rows[1:]
    assert header == ["rank", "score", "city", "prefecture", "theme", "polarity", "section", "text", "source", "line", "id", "terms",
                      "kind", "related_by", "also", "repost_of", "through"]
    assert len(body) == len(hits) == 15
    assert {row[-5] for row in body} == {"match"} and {row[-4] for row in body} == {""}
    for k, (row, h) in enumerate(zip(body, hits), start=1):
        rec = dict(zip(header, row))
        assert rec["rank"] == str(k)
        for f in ("id", "city", "prefecture", "theme", "polarity", "text", "source"):
            assert rec[f] == h[f], f
        assert rec["section"] == (h["section"] or "") and int(rec["line"]) == h["line"]
        assert float(rec["score"]) == pytest.approx(h["score"], abs=1e-4)
        assert rec["terms"].split() == h["matched_terms"]
        assert rec["also"] == (h["also"] or "") and rec["repost_of"] == (h["repost_of"] or "")
        assert rec["through"] == (h["through"] or "") and (rec["through"] == "") == bool(rec["terms"])
    assert any(row[header.index("also")] for row in body)  # 座間市's 「…苦労しましたが、…できました」


def test_csv_quotes_awkward_text():
    rows = [[1, 'a,b "quoted"\nnext line', "福岡市"]]
    data = to_csv(["n", "text", "city"], rows)
    assert data.startswith("\ufeff".encode()) and b'"a,b ""quoted""\nnext line"' in data
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [["n", "text", "city"], ["1", 'a,b "quoted"\nnext line', "福岡市"]]


def test_csv_never_holds_a_cell_excel_would_run_as_a_formula():
    """Text from a user's own record that starts as a formula does is shown as text;
    scores and other numbers stay numbers."""
    rows = [[1, "-0.2500", '=HYPERLINK("http://x","y")', "+81", "@SUM(A1)", "-あ", "\t=1", "a=b", "-inf", "+1_000", "-1e5"]]
    heads = ["n", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i"]
    got = list(csv.reader(io.StringIO(to_csv(heads, rows).decode("utf-8-sig"), newline="")))
    assert got[1] == ["1", "-0.2500", "'=HYPERLINK(\"http://x\",\"y\")", "+81", "'@SUM(A1)", "'-あ", "'\t=1", "a=b",
                      "'-inf", "'+1_000", "-1e5"]  # (Excel reads -inf as a formula: #NAME?)


def _cells(line: str) -> list[str]:
    assert line.startswith("| ") or line.startswith("|-") or line.startswith("|:"), line
    return re.split(r"(?<!\\)\|", line)[1:-1]


def _check_markdown(md: str, columns: int) -> None:
    lines = md.strip().split("\n\n")[0].splitlines()
    assert len(lines) >= 3
    assert all(len(_cells(ln)) == columns for ln in lines), md
    assert re.fullmatch(r"\|(-{3}|-{3}:|:?-{3}:?)(\|(-{3}|-{3}:|:?-{3}:?))*\|", lines[1])


def test_markdown_table_shape(run):
    md = run("search", "連携", "-n", "5", "--format", "markdown").stdout
    _check_markdown(md, 7)
    lines = md.splitlines()
    assert lines[0] == "| # | city | prefecture | theme | polarity | text | source |"
    assert len(lines) == 2 + 5 and lines[2].startswith("| 1 | ")
    with_facets = run("search", "連携", "-n", "2", "--format", "markdown", "--facets").stdout
    blocks = with_facets.strip().split("\n\n")
    assert len(blocks) == 5 and blocks[1].startswith("| city | matches |")
    hard = run("search", "調整", "--polarity", "hard", "--format", "markdown").stdout
    zama = next(ln for ln in hard.splitlines() if "座間市" in ln)  # shown under a hard filter: say why
    assert "| 良かったこと (+苦労したこと) |" in zama


def test_markdown_escapes_pipes_and_line_breaks():
    assert md_cell("a|b\nc") == "a\\|b<br>c"
    md = to_markdown(["x", "y"], [["1|2", "改行\nあり"], ["", None]])
    assert [len(_cells(ln)) for ln in md.splitlines()] == [2, 2, 2, 2]
    assert "1\\|2" in md and "改行<br>あり" in md


def test_jsonl_is_one_hit_a_line(run):
    lines = run("search", "連携", "-n", "4", "--offset", "1", "--format", "jsonl").stdout.splitlines()
    objs = [json.loads(ln) for ln in lines]
    assert [o["rank"] for o in objs] == [2, 3, 4, 5] and all("text" in o for o in objs)
    assert run("search", "ぴよぴよぴよ", "--format", "jsonl").stdout == ""


def test_json_flag_is_format_json(run):
    assert run("search", "縦割り", "--json").output == run("search", "縦割り", "--format", "json").output
    r = run("search", "縦割り", "--json", "--format", "csv")
    assert r.exit_code == 2 and "--json" in r.output


# ---------------------------------------------------------------------------
# Width, wrapping and colour


MIXED = "孤独・孤立に関する施策は関係領域が幅広く、縦割り組織においてPF (platform) と横連携が困難であることです。https://example.jp/a"


@pytest.mark.parametrize("width", [7, 10, 17, 24, 41])
def test_wrap_fits_the_width_and_keeps_every_character(width):
    lines = wrap(MIXED, width)
    assert all(display_width(ln) <= width for ln in lines)
    assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")
    assert not any(ln[:1] in "、。" for ln in lines)  # kinsoku: no line starts with 、 or 。


def test_wrap_ignores_colour_codes_and_reopens_them():
    text = "あ" * 8 + "\x1b[1;33m" + "い" * 8 + "\x1b[0m" + "う" * 3
    lines = wrap(text, 10)
    assert [display_width(ln) for ln in lines] == [10, 10, 10, 8]
    assert lines[1].endswith("\x1b[0m")  # closed at the line's end …
    assert lines[2].startswith("\x1b[1;33m") and lines[2].endswith("\x1b[0m")  # … and reopened on the next
    assert ANSI.sub("", "".join(lines)) == ANSI.sub("", text)
    assert display_width("\x1b[1;33m福岡\x1b[0m") == 4


def test_wrap_keeps_a_short_highlight_on_one_line():
    lines = wrap("あいうえおかきく【庁内連携】です", 12)
    assert any("【庁内連携】" in ln for ln in lines)


def test_a_line_break_in_a_record_is_a_space_where_it_is_shown():
    """A user's record with a line break printed as two lines, the second without its
    indent, so piped text was no longer one line a snippet (the stop-25 review)."""
    from kodoku_search.render import highlight

    text = "雪かきの\n担い手が\r\n足りない"
    assert highlight(text, [(0, 3), (5, 8)], False) == "【雪かき】の 【担い手】が  足りない"
    assert highlight(text, [], False) == "雪かきの 担い手が  足りない"


def test_wrap_indented_has_a_continuation_indent():
    out = wrap_indented(MIXED, 30).splitlines()
    assert len(out) > 2 and all(ln.startswith("   ") and display_width(ln) <= 30 for ln in out)
    assert wrap_indented(MIXED, None) == "   " + MIXED


def test_grid_pads_every_line_to_the_same_width():
    rows = [[["福岡市", "(福岡県)"], MIXED, "(none)"], [["呉市", "(広島県)"], "ｶﾀｶﾅ half-width", MIXED[:20]]]
    out = grid(["city", "良かったこと", "苦労したこと"], rows, [8, 20, 15])
    lines = out.splitlines()
    assert {display_width(ln) for ln in lines} == {8 + 3 + 20 + 3 + 15}
    assert len({tuple(_columns(ln)) for ln in lines}) == 1


def test_search_wraps_long_snippets_to_the_width(run):
    out = run("search", "縦割り", "--width", "40").output
    body = [ln for ln in out.splitlines() if ln.startswith("   ") and ".txt:" not in ln]  # snippet text, not citations
    assert body and all(display_width(ln) <= 40 for ln in body)
    assert len(body) > 2 * len(re.findall(r"^\d+\. ", out, re.M))  # some snippet took several lines
    piped = run("search", "縦割り").output  # piped, no --width: one line per snippet
    assert "【縦割り】組織において横連携が困難であることです。" in piped


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(cli_module.sys, "stdout", io.StringIO())
    assert cli_module._use_color(None) is False
    monkeypatch.setattr(cli_module.sys, "stdout", Tty())
    assert cli_module._use_color(None) is True
    assert cli_module._use_color(False) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_module._use_color(None) is False


def test_similar_colour_flags(run):
    rid = "advice-2025-10/general/福岡市/2"
    assert "\x1b[1;33m" in run("similar", rid, "-n", "1", "--color", color=True).output
    assert "\x1b[" not in run("similar", rid, "-n", "1", "--no-color").output


# ---------------------------------------------------------------------------
# Interactive


def test_session_keeps_filters_between_queries(engine):
    s = engine.session(limit=3)
    r = s.execute("連携")
    assert r.kind == "results" and len(r.page.hits) == 3
    assert s.execute(":polarity 苦労").kind == "message" and s.filters == {"polarity": "hard"}
    assert all("hard" in (h.polarity, h.also) for h in s.execute("連携").page.hits)
    more = s.execute(":more")
    assert more.page.offset == 3 and all("hard" in (h.polarity, h.also) for h in more.page.hits)
    assert s.execute(":city 福岡").message.startswith("filters: polarity=hard, city=福岡市")
    assert {h.city for h in s.execute("連携").page.hits} == {"福岡市"}
    assert s.execute(":city").kind == "message" and "city" not in s.filters
    bad = s.execute(":theme money")
    assert bad.kind == "error" and "valid" in bad.message and s.filters == {"polarity": "hard"}
    assert s.execute(":limit 1").kind == "message" and len(s.execute("連携").page.hits) == 1
    assert s.execute(":limit zero").kind == "error" and s.execute(":limit 1001").kind == "error"
    # (0 counts without listing, as search --limit 0 does: it was refused, the stop-30 review.)
    assert s.execute(":limit 0").kind == "message"
    counted = s.execute("連携").page
    assert counted.hits == () and counted.result.total > 0
    assert s.execute(":limit 1").kind == "message"
    assert s.execute(":clear").kind == "message" and s.filters == {}
    # Other filters, other results: :more starts the last query over (it went on at the old
    # offset, past results never shown: the stop-25 review).
    again = s.execute(":more")
    assert again.page.offset == 0 and [h.id for h in again.page.hits] == [h.id for h in engine.search("連携", limit=1).hits]
    assert s.execute(":more").page.offset == 1
    assert s.execute(":compare 庁内連携").comparison.cities
    # A ward several cities share: the example is the command, not the option (stop-26 review).
    ward = s.execute(":city 中央区")
    assert ward.kind == "error" and ":city 熊本市" in ward.message and "--city" not in ward.message
    # :compare reads every filter that applies to both sides, :city too (the stop-26 review).
    s.execute(":city 福岡市")
    assert [p.city for p in s.execute(":compare 企業").comparison] == ["福岡市"]
    assert s.execute(":similar advice-2025-10/general/福岡市/2").similar.hits
    assert s.execute(":frobnicate").kind == "error" and s.execute("").kind == "message"
    assert s.execute("   ").message == ""
    assert s.execute(":help").message.startswith("Type a query")
    assert s.execute(":quit").kind == "quit" and s.execute(":q").kind == "quit"


def test_interactive_through_piped_input(run):
    script = "縦割り\n:polarity hard\n連携\n:theme money\n:city 福岡\n連携\n:clear\n:limit 1\n庁内連携\n:quit\n縦割り\n"
    r = run("interactive", input=script)
    assert r.exit_code == 0
    out = r.stdout
    assert "kodoku>" not in out  # piped: no prompts in the output
    heads = re.findall(r"^(\d+) results? for 「(.+?)」", out, re.M)
    assert [q for _, q in heads] == ["縦割り", "連携", "連携", "庁内連携"]  # nothing after :quit
    assert "filters: polarity=hard; limit 10" in out and "filters: polarity=hard, city=福岡市; limit 10" in out
    assert "unknown theme 'money'" in r.stderr
    hard_block = out.split("filters: polarity=hard; limit 10")[1].split("filters:")[0]
    assert "苦労したこと" in hard_block
    # 座間市's record is good and hard too; 宇和島市's hard and good too: none is good alone
    assert "良かったこと" not in hard_block.replace("良かったこと (+苦労したこと)", "").replace("(+良かったこと)", "")
    last = out.split("limit 1\n")[-1]
    assert len(re.findall(r"^\d+\. ", last, re.M)) == 1


def test_interactive_more_heads_its_page_with_the_query(run):
    out = run("interactive", input=":limit 2\n連携\n:more\n").stdout
    heads = re.findall(r"^(\d+) results? for 「(.+?)」(.*)$", out, re.M)
    assert [q for _, q, _ in heads] == ["連携", "連携"]  # not 「:more」
    assert "showing 3–4" in heads[1][2]


def test_interactive_says_a_query_of_no_words_is_an_error_as_the_cli_does(run):
    r = run("interactive", input="。\n縦割り\n")
    assert "error: the query has no words" in r.stderr and "No results for 「。」" not in r.stdout
    assert "results for 「縦割り」" in r.stdout


def test_interactive_ends_cleanly_at_end_of_input(run):
    r = run("interactive", input="縦割り\n")
    assert r.exit_code == 0 and "縦割り" in r.stdout
    assert run("interactive", input="").exit_code == 0
    r = run("interactive", input=":compare 庁内連携\n:similar advice-2025-10/general/福岡市/2\n\n")
    assert r.exit_code == 0 and "良かったこと (good)" in r.stdout and "shares:" in r.stdout


def test_session_completions(engine):
    from kodoku_search.explore import session_completions

    s = engine.session()
    assert session_completions(s, ":p", ":p") == [":prefecture", ":polarity"]
    assert "福岡市" in session_completions(s, ":city 福", "福")
    assert session_completions(s, ":theme ", "") == ["general", "platform"]
    assert session_completions(s, "縦割り", "縦割り") == []


def test_history_file_lives_in_the_cache_dir(monkeypatch, tmp_path):
    from kodoku_search.explore import history_file

    monkeypatch.delenv("KODOKU_SEARCH_HISTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert history_file() == tmp_path / "kodoku-search" / "history"


# ---------------------------------------------------------------------------
# Shell completion


def _ctx(engine, index_dir=None):
    root = click.Context(cli, info_name="kodoku-search")
    root.params = {"corpus_dir": str(CORPUS), "index_dir": str(index_dir or engine.index_dir)}
    return click.Context(cli.commands["search"], parent=root, info_name="search")


def test_completion_callbacks(engine, tmp_path):
    ctx = _ctx(engine)
    values = lambda fn, word: [c.value for c in fn(ctx, None, word)]  # noqa: E731
    assert values(cli_module.complete_city, "") == engine.values("city")
    assert values(cli_module.complete_city, "福") == [c for c in engine.values("city") if c.startswith("福")]
    assert values(cli_module.complete_prefecture, "愛") == ["愛媛県", "愛知県"]
    assert values(cli_module.complete_theme, "") == ["general", "platform"]
    assert values(cli_module.complete_polarity, "h") == ["hard"]
    assert "苦労" in values(cli_module.complete_polarity, "苦")
    assert values(cli_module.complete_id, "advice-2025-10/general/福岡市/")[:1] == ["advice-2025-10/general/福岡市/1"]
    # No index there: no suggestions, no error, and no index built.
    empty = _ctx(engine, tmp_path / "none")
    assert cli_module.complete_city(empty, None, "") == []
    assert not (tmp_path / "none").exists()


def test_shell_completion_end_to_end(engine):
    env = {
        "_KODOKU_SEARCH_COMPLETE": "bash_complete",
        "COMP_WORDS": f"kodoku-search --index-dir {engine.index_dir} search 連携 --city 福",
        "COMP_CWORD": "6",
    }
    r = CliRunner().invoke(cli, [], prog_name="kodoku-search", env=env)
    assert r.exit_code == 0
    got = [ln.split(",", 1)[1] for ln in r.output.splitlines()]
    assert got and set(got) == {c for c in engine.values("city") if c.startswith("福")}
    env.update(COMP_WORDS="kodoku-search search 連携 --theme ", COMP_CWORD="4")
    r = CliRunner().invoke(cli, [], prog_name="kodoku-search", env=env)
    assert [ln.split(",", 1)[1] for ln in r.output.splitlines()] == ["general", "platform"]
    env.update(COMP_WORDS="kodoku-search com", COMP_CWORD="1")
    r = CliRunner().invoke(cli, [], prog_name="kodoku-search", env=env)
    assert "plain,compare" in r.output


def test_a_filter_reads_a_place_as_the_query_does(engine):
    """The stop-25 review: --city ふくおか and --city 博多区 were errors, though 「ふくおか」
    and 「博多区の取組」 in the query name 福岡市."""
    assert engine.filters(city="ふくおか").city == "福岡市"
    assert engine.filters(city="とよたし").city == "豊田市"
    # However short its sound (the stop-30 user review: ざま and くれ were "unknown city",
    # ふくやま was not); an option's value is a place, where a query's くれ may be くれた's.
    assert engine.filters(city="ざま").city == "座間市" and engine.filters(city="くれ").city == "呉市"
    assert engine.filters(city="ザマ").city == "座間市"  # (and in katakana: the second stop-30 review)
    assert engine.filters(city="博多区").city == "福岡市"
    assert engine.filters(prefecture="ひろしま").prefecture == "広島県"
    assert engine.filters(prefecture="ひょうご").prefecture == "兵庫県"  # (the corpus spells 兵庫)
    for ward in ("福岡市博多区", "福岡県博多区", "京都府伏見区"):
        assert engine.filters(city=ward).city == ward[:2] + "市"
    with pytest.raises(UsageError, match="中央区 is a ward of 熊本市, 福岡市"):
        engine.filters(city="中央区")
    assert engine.filters(city="熊本県中央区").city == "熊本市"
    for bad in ("おおさか", "大阪市", "大阪市中央区", "の" * 8000):  # (places not here; a pasted run, cut)
        with pytest.raises(UsageError, match="unknown city"):
            engine.filters(city=bad)
    # The other kind of place says which option takes it (the stop-27 review: --city 福岡県
    # said only "unknown city").
    with pytest.raises(UsageError, match="愛知県 is a prefecture, not a city .*岡崎市、春日井市、豊田市.*--prefecture 愛知県"):
        engine.filters(city="愛知県")
    # 広島 (or ひろしま) is 広島市 as well as 広島県: not "a prefecture, not a city" (the stop-28 review).
    for typed in ("広島", "ひろしま"):
        with pytest.raises(UsageError, match=f"no city here is called {typed}; 広島県 is a prefecture .*呉市、福山市.*"
                                             "--prefecture 広島県") as err:
            engine.filters(city=typed)
        assert "not a city" not in str(err.value)
    with pytest.raises(UsageError, match="広島県 is a prefecture, not a city"):  # (named whole, in kana)
        engine.filters(city="ひろしまけん")
    with pytest.raises(UsageError, match="呉市 is a city, not a prefecture: filter by it with --city 呉市"):
        engine.filters(prefecture="呉市")
    with pytest.raises(UsageError, match="unknown prefecture"):
        engine.filters(prefecture="大阪府")


def test_library_calls_reject_bad_arguments_with_a_usage_error(engine):
    # Each raised a plain ValueError, TypeError or AttributeError, or blamed the judgments file
    # for a bad k (the stop-34 review); the README says only KodokuError escapes.
    from .conftest import ROOT

    rid = "advice-2025-10/general/福岡市/2"
    for call, said in [(lambda: engine.evaluate(ROOT / "benchmarks" / "queries_dev.jsonl", k=0), "k must be"),
                       (lambda: engine.evaluate(None), "judgments must be"),
                       (lambda: engine.session().execute(None), "must be text"),
                       (lambda: engine.neighbours(rid, around="x"), "around must be"),
                       (lambda: engine.neighbours(rid, around=-1), "around must be"),
                       (lambda: engine.similar(rid, limit="x"), "whole number"),
                       (lambda: engine.compare("連携", limit_per_side="2"), "whole number")]:
        with pytest.raises(UsageError, match=said):
            call()


def test_city_and_prefecture_filters_that_contradict_each_other_say_so(engine):
    r = engine.search("連携", city="福岡市", prefecture="愛知県")
    assert r.total == 0 and any("福岡市 is in 福岡県, not in --prefecture 愛知県" in n for n in r.notes)


def test_interactive_similar_with_limit_zero_says_none_were_asked_for(run):
    out = run("interactive", input=":limit 0\n:similar advice-2025-10/general/福岡市/2\n").output
    assert "(none listed: :limit 0)" in out and "No similar snippets" not in out


def test_every_command_asked_for_json_says_why_it_failed_on_stdout(run):
    # search/show/similar/compare/eval --json printed nothing on stdout when they failed, so a
    # script piping into jq got empty input; only check --json said why (the stop-34 review).
    for args in (["search", "連携", "--city", "大阪市", "--json"], ["search", "連携", "--city", "大阪市", "--format", "json"],
                 ["show", "nope/1", "--json"], ["similar", "nope", "--json"], ["compare", "連携", "--city", "大阪市", "--json"]):
        r = run(*args)
        assert r.exit_code == 2, args
        assert json.loads(r.stdout)["ok"] is False and json.loads(r.stdout)["error"], args
    assert run("search", "連携", "--city", "大阪市").stdout == ""  # (text: the message on stderr only)
    # JSON Lines too, as one line (it printed nothing: the stop-43 review); CSV has no place for it.
    for args in (["search", "連携", "--facets", "--format", "jsonl"], ["search", "連携", "--city", "大阪市", "--format", "jsonl"]):
        r = run(*args)
        assert r.exit_code == 2 and len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["ok"] is False, args
    assert run("search", "連携", "--city", "大阪市", "--format", "csv").stdout == ""


def test_a_word_typed_whole_is_named_whole_when_not_found(engine):
    # 「縦割り 不登校」 said "not found: 不、登校", Janome's prefix and its word (the stop-34 review).
    assert engine.search("縦割り 不登校", limit=1).unmatched == ("不登校",)


def test_eval_reads_a_passages_city_as_city_does_and_says_when_a_filter_hides_it(engine, tmp_path):
    # A passage of "おかざき" scored 0 with "no record of city"; a query whose own filter hid its
    # every passage scored 0 and nothing said why (the stop-34 review).
    text = "ポットキャスト「こどくのあわい」の公開収録"
    lines = [{"qid": "c1", "query": "ポッドキャスト", "relevant": [{"city": "おかざき", "grade": 2, "text": text}]},
             {"qid": "c2", "query": "ポッドキャスト", "city": "福岡市", "relevant": [{"city": "岡崎市", "grade": 2, "text": text}]},
             {"qid": "c3", "query": "ポッドキャスト", "polarity": "good", "relevant": [{"city": "岡崎", "grade": 2, "text": text}]}]
    f = tmp_path / "j.jsonl"
    f.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    report = engine.evaluate(f)
    by = {q.qid: q for q in report.per_query}
    assert by["c1"].recall == 1.0 and not any("'c1'" in w for w in report.warnings)
    assert any("'c2'" in w and "city filter (福岡市)" in w for w in report.warnings)
    assert any("'c3'" in w and "polarity filter" in w for w in report.warnings)


def test_a_usage_error_asked_for_json_is_json_too(run):
    # -n -1 --json, --bogus --json, --city twice: click's own errors printed nothing on stdout
    # (the second stop-34 review).
    for args in (["search", "縦割り", "-n", "-1", "--json"], ["search", "縦割り", "--bogus", "--json"],
                 ["search", "縦割り", "--city", "京都市", "--city", "福岡市", "--format", "json"]):
        r = run(*args)
        assert r.exit_code == 2 and json.loads(r.stdout)["ok"] is False, args


def test_a_place_set_aside_that_a_filter_overrules_says_so(run):
    # 「京都市以外の苦労」 --city 京都市 listed 京都市 with no word on it; 「九州の苦労」 --prefecture
    # 京都府 said 九州's snippets came first above a page of 京都市's (the second stop-34 review).
    out = run("search", "京都市以外の苦労", "--city", "京都市", "-n", "1")
    assert "sets 京都市 aside, but --city 京都市 decides" in out.stderr and "not about" not in out.stdout + out.stderr
    out = run("search", "九州の苦労", "--prefecture", "京都府", "-n", "1")
    assert "--prefecture 京都府 wins" in out.stderr and "about 九州" not in out.stdout + out.stderr


def test_a_session_reads_a_command_typed_in_full_width_letters(engine):
    """With the IME in full-width mode, ：ｃｉｔｙ　熊本市 and ：ｑｕｉｔ were unknown commands
    (the stop-42 review); the colon and space were read already."""
    s = engine.session()
    assert s.execute("：ｃｉｔｙ　熊本市").kind == "message" and s.filters == {"city": "熊本市"}
    assert s.execute("：ＬＩＭＩＴ　２").kind == "message" and s.limit == 2
    assert s.execute("：ｑｕｉｔ").kind == "quit"
    assert s.execute("ｅｘｉｔ").kind == "quit" and s.execute("ＨＥＬＰ").kind == "message"


def test_a_session_prints_filters_as_its_commands(run):
    """The read-as line said 「--polarity hard lists only them」, compare 「list it with:
    kodoku-search search 縦割り --polarity other」 and the related header 「--no-related leaves
    these out」, all refused in a session (the stop-42 adversarial review)."""
    out = run("interactive", "-n", "1", input=":compare 縦割り\n難しい\n寂しい\n").output
    assert "(:polarity hard lists only them)" in out and "list it with: :polarity other, then 縦割り" in out
    assert "--polarity" not in out and "--no-related" not in out
    out = run("interactive", "-n", "1", input=":city 宇和島市\n:theme PF\n連携\n").output
    assert "without :city 宇和島市 and :theme platform" in out and "try :city 宇和島市, then :theme general" in out
    assert "--polarity hard lists only them" in run("search", "難しい", "-n", "1").output  # (the command line's own)

def test_a_sessions_notes_name_its_commands_not_the_command_lines_options(engine):
    """「5 results without --city 熊本市」 and 「try --city 宇和島市 --theme general」 told a session
    to type what it refuses (the stop-42 review)."""
    s = engine.session()
    s.execute(":city 熊本市")
    notes = s.execute("縦割り").page.result.notes
    assert any(":city 熊本市" in n for n in notes) and not any("--" in n for n in notes)
    s.execute(":city 宇和島市")
    s.execute(":theme PF")
    notes = s.execute("連携").page.result.notes
    assert any(":theme general" in n for n in notes) and not any("--" in n for n in notes)
    # (the command line's own notes keep their options)
    assert any("--city 熊本市" in n for n in engine.search("縦割り", city="熊本市").notes)


def test_compare_says_it_has_no_polarity_option(run):
    """Click guessed "Did you mean '--city'?" for compare --polarity (the stop-42 review)."""
    r = run("compare", "連携", "--polarity", "hard")
    assert r.exit_code == 2 and "both sides" in r.output and "--polarity hard" in r.output
    assert "Did you mean" not in r.output and "Traceback" not in r.output


def test_compare_json_keeps_the_notes_the_text_prints(run, engine):
    """compare --json dropped 「3 results without --city 豊田市」 and 「大阪市: not in this
    collection」, which the text printed and search --json keeps (the stop-42 review)."""
    r = run("compare", "ポッドキャスト", "--city", "豊田市", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["notes"] == ["3 results without --city 豊田市"]
    assert any("大阪市" in n for n in engine.compare("大阪市の連携").to_dict()["notes"])
    assert json.loads(run("index", "--json").output)["ok"] is True


def test_compare_keeps_two_municipalities_of_one_name_apart(tmp_path):
    """府中市 of 東京都 and 府中市 of 広島県 were one row, 東京都's, with 広島県's hardship in
    it (the stop-43 adversarial review)."""
    from kodoku_search import SearchEngine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "advice-2025-10.txt", corpus)
    rows = [{"id": "f/1", "city": "府中市", "prefecture": "東京都", "theme": "general", "polarity": "good",
             "text": "ズンドコ体操で連携が進んだ。"},
            {"id": "f/2", "city": "府中市", "prefecture": "広島県", "theme": "general", "polarity": "hard",
             "text": "ズンドコ体操の連携が難しい。"},
            {"id": "f/3", "city": "府中市", "prefecture": "東京都", "theme": "platform", "polarity": "hard",
             "text": "ズンドコ会議の運営の負担が大きい。"},
            {"id": "f/4", "city": "府中市", "prefecture": "広島県", "theme": "platform", "polarity": "hard",
             "text": "ズンドコ会議の担い手が見つからなかった。"}]
    (corpus / "fuchu.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    with SearchEngine.open(corpus, tmp_path / "idx") as e:
        c = e.compare("ズンドコ", theme="general")
        burden = e.compare("負担", city="府中市")
    got = {(p.city, p.prefecture): ([h.id for h in p.good], [h.id for h in p.hard]) for p in c}
    assert got == {("府中市", "東京都"): (["f/1"], []), ("府中市", "広島県"): ([], ["f/2"])}
    # Whose snippets say the words, per row too (both rows were "true" by the name they share).
    assert {(p.prefecture, burden.says(p)) for p in burden} == {("東京都", True), ("広島県", False)}
    assert burden.said_in == ("府中市 (東京都)",)


def test_a_session_refuses_a_limit_search_would_refuse(engine):
    """engine.session(limit=-1) (or "x", None) was taken, and every query then failed (the
    stop-43 adversarial review)."""
    from kodoku_search import UsageError

    for bad in (-1, "x", None, 2.5, True):
        with pytest.raises(UsageError, match="limit must be a whole number"):
            engine.session(limit=bad)
    assert engine.session(limit=0).limit == 0


def test_a_session_compare_says_the_side_filter_is_not_applied(engine):
    s = engine.session(limit=3)
    assert s.execute(":compare 連携").message == ""
    s.execute(":polarity hard")
    r = s.execute(":compare 連携")
    assert r.kind == "compare" and r.message == "compare shows both sides: :polarity hard is not applied to it"
    assert any(p.good for p in r.comparison)  # (both sides, as said)


def test_an_export_says_when_it_holds_part_of_the_matches(run):
    """search 連携 --format csv wrote 10 of 29 matches and said nothing (the second stop-43 user
    review): stderr says which and how to get them all; JSON has total and offset."""
    total = json.loads(run("search", "連携", "--json").stdout)["total"]
    assert total > 10
    for fmt in ("csv", "markdown", "jsonl"):
        r = run("search", "連携", "--format", fmt)
        assert f"note: matches 1–10 of {total}; -n {total} for all of them" in r.stderr, fmt
        assert "note: matches" not in run("search", "連携", "--format", fmt, "-n", str(total)).stderr
