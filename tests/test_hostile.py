"""Hostile input: any query, filter, id or argument; bad corpus records.

* The library raises nothing but KodokuError subclasses, whatever it is given.
* The CLI never prints a traceback and exits 0 or 2.
* The work one query causes is bounded (time and memory), even at 100,000 characters.
* A bad corpus record is rejected with file, line and reason, and the last good
  index keeps serving.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kodoku_search import SearchEngine
from kodoku_search import index as ix
from kodoku_search.cli import cli
from kodoku_search.corpus import load_corpus
from kodoku_search.errors import CorpusError, KodokuError, UsageError
from kodoku_search.cli import ECHO_MAX
from kodoku_search.search import MAX_QUERY_CHARS, SearchResult

from .conftest import CORPUS, ROOT

# ---------------------------------------------------------------------------
# Strategies: what a hostile person (or a broken pipe) can type.

SYNTAX = [
    "AND", "OR", "NOT", "and", "or", "TO", "&&", "||", '"', "'", "(", ")", "[", "]", "{", "}",
    "field:", "text:", "city:", "id:", ":", "*", "?", "~", "~2", "^", "^3", "+", "-", "!", "\\", "/",
    "<", ">", "=", "<=", "*:*", '"""', "((", "))", "AND OR", "OR AND NOT",
]
JAPANESE = ["縦割り", "連携", "庁内", "孤独", "孤立", "支援", "の", "を", "が", "　", "。", "、", "ｶﾞ", "ＰＦ"]
COMBINING = [chr(c) for c in range(0x300, 0x370, 7)] + ["\u3099", "\u309a", "\uff9e", "\uff9f", "\u20dd"]
EMOJI = ["😀", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇯🇵", "\u200d", "\ufe0f", "🏻", "𠮷", "\U0010ffff"]
RTL = ["مرحبا", "שלום", "\u200f", "\u200e", "\u202e", "\u202b", "\u2067", "\u2069", "\u061c"]
CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ufffd"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"]

any_char = st.characters(exclude_categories=())  # every code point, lone surrogates included
piece = st.sampled_from(SYNTAX + JAPANESE + COMBINING + EMOJI + RTL + CONTROL + SURROGATES) | st.text(any_char, max_size=6)
hostile_text = st.one_of(
    st.lists(piece, max_size=30).map("".join),
    st.lists(piece, max_size=12).map(" ".join),
    st.text(any_char, max_size=200),
)

HYP = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_result(r: SearchResult, limit: int) -> None:
    assert isinstance(r, SearchResult)
    assert 0 <= len(r.hits) <= limit and r.total >= len(r.hits)
    # Related records only take places the matches leave: none left (all matched are shown), or
    # a weak match's (README "Weak matches make way": 「AND庁内AND」 shows 2 of its 10 matches,
    # the other 8 under 5 % of the best, and 3 related records; hypothesis found it at stop 38).
    assert len(r.ranked) <= limit and (not r.related or r.total == len(r.hits) or len(r.hits) < limit)
    assert not {h.id for h in r.related} & {h.id for h in r.hits}
    for h in r.ranked:
        for s, e in h.matches:
            assert 0 <= s < e <= len(h.text)
    json.dumps(r.to_dict(), ensure_ascii=False)  # always serializable


# ---------------------------------------------------------------------------
# The library: queries, filters, ids, argument types


@HYP
@given(q=hostile_text, limit=st.sampled_from([0, 1, 5, 1000]))
@example(q="AND庁内AND", limit=5)  # (2 strong matches, 8 weak: related records in their places)
def test_any_query_gives_a_result_or_a_usage_error(engine, q, limit):
    try:
        r = engine.search(q, limit=limit)
    except UsageError as e:
        assert str(e)  # a message a person can read
        return
    check_result(r, limit)


SYMBOLS_ONLY = ['"', "(", ")", "[", "]", "{", "}", ":", "*", "?", "~", "^", "+", "-", "!", "\\", "/", "<", ">", "=", "&&", "||"]


_PLAIN: dict[int, object] = {}


def _plain(engine):
    """縦割り's result, searched once per engine (the fuzz tests compare against it)."""
    if id(engine) not in _PLAIN:
        _PLAIN[id(engine)] = engine.search("縦割り", limit=1000)
    return _PLAIN[id(engine)]


@settings(HYP, max_examples=100)
@given(noise=st.lists(st.sampled_from(SYMBOLS_ONLY), min_size=1, max_size=12), pos=st.integers(0, 12))
def test_query_syntax_symbols_are_just_characters(engine, noise, pos):
    """Whoosh operators in any broken combination change nothing: no syntax is parsed, but
    for a minus at a word's start after a space or at the query's start, which sets the
    word aside (連携 -企業: stop 39)."""
    from kodoku_search.search import _exclusions

    plain = _plain(engine)
    parts = list(noise)
    parts.insert(min(pos, len(parts)), "縦割り")
    for q in (" ".join(parts), "".join(parts)):
        r = engine.search(q, limit=1000)
        if _exclusions(q)[1]:  # (-縦割り: set aside, and nothing else to look for)
            assert not any("縦割り" in h.text for h in (*r.hits, *r.related)), q
            continue
        assert (r.total, [h.id for h in r.hits]) == (plain.total, [h.id for h in plain.hits]), q


@settings(HYP, max_examples=100)
@given(ops=st.lists(st.sampled_from(SYNTAX), min_size=1, max_size=10))
def test_query_syntax_words_only_add_optional_words(engine, ops):
    """`AND`, `field:` … are words like any other: every word is optional, so adding
    them never loses a result of the plain query."""
    plain = {h.id for h in _plain(engine).hits}
    r = engine.search("縦割り " + " ".join(ops), limit=1000)
    assert plain <= {h.id for h in r.hits}


@HYP
@given(field=st.sampled_from(["city", "prefecture", "theme", "polarity"]), value=hostile_text)
def test_any_filter_value_gives_a_result_or_a_usage_error(engine, field, value):
    try:
        r = engine.search("連携", limit=5, **{field: value})
    except UsageError as e:
        assert "valid" in str(e)  # the message lists the valid values
        return
    check_result(r, 5)


no_surrogates = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)


@HYP
@given(record_id=no_surrogates | st.sampled_from(["advice-2025-10/general/福岡市/2 ", "*", "id:*", "../../etc/passwd"]))
def test_any_record_id_gives_the_record_or_a_usage_error(engine, record_id):
    for call in (engine.get, engine.neighbours):
        try:
            call(record_id)
        except UsageError as e:
            assert "no record" in str(e)


@pytest.mark.parametrize("record_id", ["\ud800", "advice-2025-10/general/福岡市/2\udcff"])
def test_lone_surrogate_record_id_is_a_usage_error(engine, record_id):
    with pytest.raises(UsageError, match="no record"):
        engine.get(record_id)
    with pytest.raises(UsageError, match="no record"):
        engine.neighbours(record_id)


@pytest.mark.parametrize("query", [None, b"\xe7\xb8\xa6", 42, ["縦割り"], 3.5])
def test_a_query_that_is_not_text_is_a_usage_error(engine, query):
    with pytest.raises(UsageError, match="must be text"):
        engine.search(query)


@pytest.mark.parametrize("fieldname", ["nosuchfield", "", "\ud800", "spans", "repost_of", "line"])
def test_values_of_an_unknown_field_is_a_usage_error(engine, fieldname):
    """Unknown, stored only (spans, repost_of) or a number (line): no words to list."""
    with pytest.raises(UsageError, match="fields with values: .*city"):
        engine.values(fieldname)
    assert engine.values("also") == ["good", "hard"] and "福岡市" in engine.values("city")


@pytest.mark.parametrize("limit", [None, "5", 2.5])
def test_a_limit_that_is_not_an_integer_is_a_usage_error(engine, limit):
    with pytest.raises(UsageError, match="limit"):
        engine.search("縦割り", limit=limit)


# ---------------------------------------------------------------------------
# Bounded work: 100,000-character queries

BIG = 100_000
HUGE_QUERIES = {
    "ascii": "x" * BIG,
    "kanji-words": ("縦割り組織の連携" * BIG)[:BIG],
    "distinct-kanji": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(BIG)),
    "emoji-zwj": ("👨\u200d👩\u200d👧" * BIG)[:BIG],
    "rtl-bidi": ("\u202eمرحبا שלום\u2067" * BIG)[:BIG],
    "lone-surrogates": ("\ud800縦割り\udfff" * BIG)[:BIG],
    "nul-and-controls": ("\x00\x07\x1b[31m縦割り\x7f" * BIG)[:BIG],
    "whoosh-syntax": ('(縦割り AND "連携 OR field:* ~2 ^3 ' * BIG)[:BIG],
    "spaces-then-word": " " * (BIG - 3) + "縦割り",
    "combining-clustered": ("か\u3099" + "\u0301" * 8) * (BIG // 10),  # short clusters
}


class Overtime(Exception):
    pass


@contextmanager
def time_bound(seconds: float):
    """Interrupt Python code that runs past ``seconds`` (SIGALRM; main thread only)."""
    def expire(signum, frame):
        raise Overtime(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak_rss() -> int | None:
    """Reset the kernel's peak-RSS mark (VmHWM) and return the current RSS; None where
    that is not possible (not Linux). Unlike tracemalloc this counts C allocations
    too, and costs nothing while the query runs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except (OSError, KeyError, ValueError):
        return None


def peak_rss() -> int:
    return _status_kb("VmHWM")




@pytest.mark.parametrize("kind", [k
                                  for k in sorted(HUGE_QUERIES)])
def test_a_100k_character_query_is_bounded_in_time_and_memory(engine, kind, record_property):
    q = HUGE_QUERIES[kind]
    assert len(q) == BIG
    engine.search("縦割り")  # warm: the first search of a process loads Janome's dictionary
    rss0 = reset_peak_rss()
    t0 = time.perf_counter()
    with time_bound(5.0):
        try:
            r = engine.search(q, limit=10)
        except UsageError:
            r = None
    took = time.perf_counter() - t0
    grew = peak_rss() - rss0 if rss0 is not None else None
    record_property("seconds", round(took, 4))
    print(f"{kind}: {took:.3f} s" + (f", peak RSS +{grew / 2**20:.1f} MB" if grew is not None else ""))
    if grew is not None:
        record_property("peak_rss_growth_mb", round(grew / 2**20, 2))
        assert grew < 200 * 2**20, f"{kind}: resident memory grew by {grew / 2**20:.0f} MB"
    if r is not None and kind != "spaces-then-word":
        assert any(str(MAX_QUERY_CHARS) in n for n in r.notes)  # says it was cut


COMBINING_PROBE = r"""
import sys, time
from kodoku_search import SearchEngine
e = SearchEngine.open(sys.argv[1], sys.argv[2], rebuild="never")
e.search("縦割り")
# The worst case for canonical reordering: 50,000 marks of class 230, then 50,000 of class 220.
q = "a" + "\u0301" * 49_999 + "\u0316" * 50_000
print("start", flush=True)
t0 = time.perf_counter()
try:
    e.search(q)
except Exception as ex:
    print(type(ex).__name__, flush=True)
print(f"{time.perf_counter() - t0:.3f}", flush=True)
"""


def test_a_100k_run_of_combining_marks_is_bounded(engine):
    """The worst case for Unicode normalization, in a child process killed at the
    bound (C code cannot be interrupted in-process). Start-up is not counted."""
    p = subprocess.Popen([sys.executable, "-c", COMBINING_PROBE, str(engine.corpus_dir), str(engine.index_dir)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "start", p.stderr.read()
        try:
            p.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            pytest.fail("a 100,000-character query was still running after 5 s")
        out = p.stdout.read().split()
        assert p.returncode == 0 and float(out[-1]) < 5.0, out
    finally:
        if p.poll() is None:
            p.kill()
        p.communicate()


# ---------------------------------------------------------------------------
# The CLI: exit 0 or 2, never a traceback


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    idx = tmp_path_factory.mktemp("hostile-cli-index")
    ix.build(CORPUS, idx)
    return idx


def invoke(idx: Path, *args: str):
    return CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(idx), *args])


option_values = hostile_text.filter(lambda s: "\x00" not in s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(hostile_text, min_size=0, max_size=4),
    opts=st.lists(
        st.tuples(st.sampled_from(["--city", "--prefecture", "--theme", "--polarity", "--limit", "-n"]), option_values),
        max_size=2,
    ),
    flags=st.lists(st.sampled_from(["--no-color", "--color"]), max_size=1),
)
def test_cli_search_with_any_arguments_exits_0_or_2_without_traceback(cli_index, words, opts, flags):
    args = ["search", *flags]
    for name, value in opts:
        args += [name, value]
    args += ["--", *words]  # query words, even ones that look like options
    r = invoke(cli_index, *args)
    assert r.exit_code in (0, 2), (args, r.exception, r.output[-500:])
    assert "Traceback" not in r.output
    if r.exit_code == 2:
        assert r.output.strip()  # a message saying what was wrong


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(record_id=no_surrogates.filter(lambda s: "\x00" not in s))
def test_cli_show_with_any_id_exits_0_or_2_without_traceback(cli_index, record_id):
    r = invoke(cli_index, "show", "--", record_id)
    assert r.exit_code in (0, 2), (record_id, r.exception)
    assert "Traceback" not in r.output


def run_cli(idx: Path, *args: bytes | str, env: dict | None = None, timeout: float = 60):
    """The real command, with raw bytes in argv as a terminal would pass them."""
    argv = [sys.executable, "-m", "kodoku_search", "--corpus-dir", str(CORPUS), "--index-dir", str(idx), *args]
    return subprocess.run(argv, capture_output=True, cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})


SJIS_TATEWARI = "縦割り".encode("shift_jis")  # a legacy terminal's bytes: not UTF-8


@pytest.mark.parametrize(
    "args",
    [
        ["search", b"\xff"],
        ["search", SJIS_TATEWARI],
        ["search", b"\xed\xa0\x80" + "縦割り".encode()],  # an encoded lone surrogate
        ["search", "縦割り", "--city", b"\xff"],
        ["search", "縦割り", "--theme", SJIS_TATEWARI],
        ["search", b"\xe2\x80\xae" + "縦割り".encode(), "-n", "1"],  # RIGHT-TO-LEFT OVERRIDE
        ["search", "AND", "OR", "(", '"', "field:", "*", "~", "^"],
    ],
    ids=["xff", "sjis", "encoded-surrogate", "city-xff", "theme-sjis", "rlo", "syntax"],
)
def test_cli_raw_byte_arguments_exit_0_or_2_without_traceback(cli_index, args):
    p = run_cli(cli_index, *args)
    assert p.returncode in (0, 2), p.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in p.stderr


def test_cli_show_with_a_non_utf8_id_exits_2(cli_index):
    p = run_cli(cli_index, "show", b"\xff")
    assert p.returncode == 2 and b"Traceback" not in p.stderr, p.stderr.decode("utf-8", "replace")[-300:]


def test_cli_json_with_a_non_utf8_query_on_a_strict_utf8_stdout(cli_index):
    p = run_cli(cli_index, "search", SJIS_TATEWARI + b" " + "縦割り".encode(), "--json", env={"PYTHONIOENCODING": "utf-8"})
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")[-300:]
    json.loads(p.stdout.decode("utf-8"))  # valid UTF-8, valid JSON


def test_cli_100k_character_query_in_a_real_process(cli_index):
    words = [("縦割り組織の連携" * 4000)[:25_000] for _ in range(4)]  # one argument may hold at most 128 KiB
    t0 = time.perf_counter()
    p = run_cli(cli_index, "search", *words, "-n", "2")
    took = time.perf_counter() - t0
    print(f"100k-character query through the CLI: {took:.2f} s (process start included)")
    assert p.returncode == 0 and b"Traceback" not in p.stderr
    assert str(MAX_QUERY_CHARS).encode() in p.stderr  # the note says it was cut
    assert took < 10
    heading = p.stdout.decode("utf-8").splitlines()[0]  # repeats the query's start, not all of it
    assert "for 「" + words[0][:ECHO_MAX] + "…」," in heading, heading[:120]


def test_a_long_pasted_query_is_repeated_on_one_short_line_and_kept_whole_in_json(cli_index):
    q = "縦割り組織の\n連携について" + "とても" * 40
    shown = "縦割り組織の 連携について" + "とても" * 40
    for args in (("search", q, "-n", "1"), ("compare", q)):
        out = invoke(cli_index, *args).output
        assert "「" + shown[:ECHO_MAX] + "…」" in out.splitlines()[0], (args[0], out[:200])
    for args in (("search", q, "--json"), ("compare", q, "--json")):
        assert json.loads(invoke(cli_index, *args).output)["query"] == q, args[0]


# ---------------------------------------------------------------------------
# Bad corpus input: rejected with file, line and reason; the good index stays

GOOD_RECORD = {
    "id": "extra/1", "city": "架空市", "prefecture": "北海道", "theme": "general",
    "polarity": "hard", "text": "雪かきボランティアの確保に苦労しました。",
}


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


@pytest.fixture(scope="module")
def good_template(tmp_path_factory):
    """A corpus with one good JSONL record and an index built from it, made once."""
    base = tmp_path_factory.mktemp("good")
    (base / "corpus").mkdir()
    shutil.copy(CORPUS / "advice-2025-10.txt", base / "corpus")
    (base / "corpus" / "extra.jsonl").write_text(jsonl(GOOD_RECORD), "utf-8")
    ix.build(base / "corpus", base / "idx")
    return base


@pytest.fixture()
def good_index(tmp_path, good_template):
    """A private copy of the good corpus and its index: (corpus, index dir, generation, ids)."""
    shutil.copytree(good_template, tmp_path / "good", symlinks=True)
    corpus, idx = tmp_path / "good" / "corpus", tmp_path / "good" / "idx"
    gen = ix.current_generation(idx)
    with SearchEngine.open(corpus, idx, rebuild="never") as e:
        ids = [h.id for h in e.search("雪かき 縦割り", limit=1000)]
    assert "extra/1" in ids
    return corpus, idx, gen, ids


def assert_rejected_and_good_index_stays(good_index, where: str, reason: str | None = None) -> str:
    corpus, idx, gen, ids = good_index
    with pytest.raises(CorpusError) as e:
        ix.build(corpus, idx)
    msg = str(e.value)
    assert where in msg, msg[:500]
    if reason:
        assert reason in msg, msg[:500]
    assert (idx / "CURRENT").read_text().strip() == gen.path.name
    assert not list(idx.glob(".build-*"))
    # Searching goes on from the last good index, and says why it is stale.
    with SearchEngine.open(corpus, idx) as eng:
        assert eng.generation.path == gen.path
        assert [h.id for h in eng.search("雪かき 縦割り", limit=1000)] == ids
        assert any("last good index" in n for n in eng.notes)
    # The CLI: `index` fails with the file and line; `search` serves and notes.
    r = CliRunner().invoke(cli, ["--corpus-dir", str(corpus), "--index-dir", str(idx), "index"])
    assert r.exit_code == 2 and where in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["--corpus-dir", str(corpus), "--index-dir", str(idx), "search", "雪かき"])
    assert r.exit_code == 0 and "extra/1" in r.output
    return msg


BAD_LINES = {
    "truncated-object": ('{"id": "x", "city": ', "invalid JSON"),
    "trailing-comma": (json.dumps(GOOD_RECORD, ensure_ascii=False)[:-1] + ",}", "invalid JSON"),
    "single-quotes": ("{'id': 'x'}", "invalid JSON"),
    "bare-word": ("縦割り", "invalid JSON"),
    "nul-byte": ("\x00", "invalid JSON"),
    "array": ("[1, 2, 3]", "must be a JSON object"),
    "string": ('"a record"', "must be a JSON object"),
    "null": ("null", "must be a JSON object"),
    "id-int": (json.dumps({**GOOD_RECORD, "id": 7}), "field 'id'"),
    "city-null": (json.dumps({**GOOD_RECORD, "city": None}), "field 'city'"),
    "text-list": (json.dumps({**GOOD_RECORD, "text": ["縦割り"]}), "field 'text'"),
    "text-blank": (json.dumps({**GOOD_RECORD, "text": " \u3000 "}), "field 'text'"),
    "line-string": (json.dumps({**GOOD_RECORD, "line": "3"}), "field 'line'"),
    "line-zero": (json.dumps({**GOOD_RECORD, "line": 0}), "field 'line'"),
    "line-bool": (json.dumps({**GOOD_RECORD, "line": True}), "field 'line'"),
    "line-float": (json.dumps({**GOOD_RECORD, "line": 2.5}), "field 'line'"),
    "line-nan": (json.dumps({**GOOD_RECORD, "line": float("nan")}), "field 'line'"),
    "section-int": (json.dumps({**GOOD_RECORD, "section": 5}), "field 'section'"),
    "repost-object": (json.dumps({**GOOD_RECORD, "repost_of": {}}), "field 'repost_of'"),
    "announced-by-number": (json.dumps({**GOOD_RECORD, "announced_by": 3}), "field 'announced_by'"),
    "unknown-theme": (json.dumps({**GOOD_RECORD, "theme": "money"}), "field 'theme': unknown value 'money'"),
    "unknown-polarity": (json.dumps({**GOOD_RECORD, "polarity": "so-so"}), "field 'polarity': unknown value 'so-so'"),
    "theme-int": (json.dumps({**GOOD_RECORD, "theme": 1}), "field 'theme'"),
    "unknown-field": (json.dumps({**GOOD_RECORD, "score": 1}), "field 'score': unknown field"),
    "missing-id": (json.dumps({k: v for k, v in GOOD_RECORD.items() if k != "id"}), "field 'id': missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_jsonl_record_is_rejected_with_file_line_reason_and_the_good_index_stays(good_index, case):
    corpus = good_index[0]
    line, reason = BAD_LINES[case]
    if case not in ("missing-id", "id-int"):  # a bad record needs an id of its own not to clash
        line = line.replace('"extra/1"', '"extra/2"')
    (corpus / "extra.jsonl").write_text(jsonl(GOOD_RECORD, line), "utf-8")
    assert_rejected_and_good_index_stays(good_index, "extra.jsonl:2:", reason)


def test_duplicate_ids_across_jsonl_files_name_both_places(good_index):
    corpus = good_index[0]
    (corpus / "more.jsonl").write_text(jsonl({**GOOD_RECORD, "id": "extra/2"}, {**GOOD_RECORD, "text": "別の文"}), "utf-8")
    msg = assert_rejected_and_good_index_stays(good_index, "more.jsonl:2:", "already used")
    assert "extra.jsonl:1" in msg


def test_duplicate_id_of_a_document_record(good_index):
    corpus = good_index[0]
    (corpus / "more.jsonl").write_text(jsonl({**GOOD_RECORD, "id": "advice-2025-10/general/福岡市/2"}), "utf-8")
    msg = assert_rejected_and_good_index_stays(good_index, "more.jsonl:1:", "already used")
    assert "advice-2025-10.txt:31" in msg


@pytest.mark.parametrize("name", ["extra.jsonl", "second.txt"])
def test_invalid_utf8_is_rejected_with_file_and_line(good_index, name):
    corpus = good_index[0]
    data = jsonl(GOOD_RECORD).encode() + b'{"id": "extra/2", "text": "\x82\xa0\xff"}\n'
    (corpus / name).write_bytes(data if name.endswith(".jsonl") else "縦割り\n".encode() + b"\xff\xfe\n")
    assert_rejected_and_good_index_stays(good_index, f"{name}:2:", "not valid UTF-8")


def test_a_50mb_line_of_broken_json_is_rejected_with_file_and_line(good_index):
    corpus = good_index[0]
    big = json.dumps({**GOOD_RECORD, "id": "extra/2", "text": "あ" * (50 * 2**20 // 3)}, ensure_ascii=False)
    (corpus / "extra.jsonl").write_text(jsonl(GOOD_RECORD) + big[:-1] + "\n", "utf-8")  # no closing brace
    t0 = time.perf_counter()
    msg = assert_rejected_and_good_index_stays(good_index, "extra.jsonl:2:")  # invalid JSON, or too long
    assert time.perf_counter() - t0 < 30
    assert len(msg) < 2000  # the message does not repeat the line


def test_a_50mb_record_is_rejected_with_file_line_and_reason(tmp_path, corpus_copy):
    big = {**GOOD_RECORD, "id": "extra/2", "text": "縦割り" * (50 * 2**20 // 9)}
    (corpus_copy / "extra.jsonl").write_text(jsonl(GOOD_RECORD, big), "utf-8")
    # Checked on load, before any indexing: with the bug, a build would run for a very long time.
    with pytest.raises(CorpusError, match=r"extra\.jsonl:2:"):
        load_corpus(corpus_copy)


@pytest.mark.parametrize("field, value", [("theme", "x" * 2**20), ("city", ["x" * 2**20]), ("k" * 2**20, 1)])
def test_problem_messages_are_bounded(corpus_copy, field, value):
    (corpus_copy / "extra.jsonl").write_text(jsonl({**GOOD_RECORD, field: value}), "utf-8")
    with pytest.raises(CorpusError, match=r"extra\.jsonl:1:") as e:
        load_corpus(corpus_copy)
    assert len(str(e.value)) < 2000


@pytest.mark.parametrize("line", ["[" * 100_000, '{"a":' * 100_000, '{"line": ' + "9" * 5000 + "}"],
                         ids=["deep-array", "deep-object", "5000-digit-int"])
def test_json_the_parser_refuses_is_a_corpus_error(good_index, line):
    (good_index[0] / "extra.jsonl").write_text(jsonl(GOOD_RECORD, line), "utf-8")
    assert_rejected_and_good_index_stays(good_index, "extra.jsonl:2:")


@pytest.mark.parametrize("record", [
    {**GOOD_RECORD, "id": "extra/2", "text": "孤独\ud800"},
    {**GOOD_RECORD, "id": "extra/2", "city": "\udfff市"},
    {**GOOD_RECORD, "id": "extra/2\ud800"},
    {**GOOD_RECORD, "id": "extra/2", "line": 2**31},
], ids=["text", "city", "id", "line"])
def test_values_whoosh_cannot_store_are_a_corpus_error(good_index, record):
    (good_index[0] / "extra.jsonl").write_text(jsonl(GOOD_RECORD, json.dumps(record)), "utf-8")
    assert_rejected_and_good_index_stays(good_index, "extra.jsonl:2:")


def test_unicode_line_separators_inside_a_json_string(corpus_copy):
    rec = {**GOOD_RECORD, "text": "段落一\u2028段落二\u0085終わり"}
    (corpus_copy / "extra.jsonl").write_text(jsonl(rec, "{broken"), "utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert e.value.problems == [p for p in e.value.problems if p.startswith("extra.jsonl:2:")] and e.value.problems


# U+0085, U+2028 and U+2029 are left out: json.dumps writes them raw, and the
# splitlines() bug above (test_unicode_line_separators_inside_a_json_string) breaks such lines.
json_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x85\u2028\u2029"), max_size=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["id", "city", "prefecture", "theme", "polarity", "text", "section", "source", "line", "repost_of", "extra"]),
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats() | json_text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text, inner, max_size=3),
        max_leaves=8,
    ),
)
def test_any_json_value_in_any_field_loads_or_is_a_corpus_error(tmp_path, field, value):
    corpus = tmp_path / "jsonl-only"  # no document: loading stays fast
    corpus.mkdir(exist_ok=True)
    (corpus / "extra.jsonl").write_text(jsonl({**GOOD_RECORD, field: value}), "utf-8")
    try:
        c = load_corpus(corpus)
    except CorpusError as e:
        assert all(p.startswith("extra.jsonl:1:") for p in e.problems), e.problems
        return
    rec = c.by_id().get(value if field == "id" else "extra/1")
    assert rec is not None and isinstance(rec.text, str) and isinstance(rec.line, int)


def test_a_users_records_that_misplace_a_city_are_said_not_silently_kept(tmp_path):
    """The gazetteer knows where 福岡市 is: a user's record putting it under 北海道, or under a
    prefecture that is none (北海道県), is an anomaly `corpus` lists (the stop-26 review:
    accepted silently, then `stats` had 福岡市 twice). A city it does not know is no anomaly."""
    from kodoku_search.cli import cli
    from kodoku_search.corpus import load_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "extra.jsonl").write_text(jsonl(
        GOOD_RECORD,
        {**GOOD_RECORD, "id": "extra/2", "prefecture": "北海道県"},
        {**GOOD_RECORD, "id": "extra/3", "city": "福岡市"},
        {**GOOD_RECORD, "id": "extra/4", "city": "福岡市"},  # (said once per city and prefecture)
        {**GOOD_RECORD, "id": "extra/5", "city": "福岡市", "prefecture": "福岡県"},
    ), "utf-8")
    got = load_corpus(corpus).anomalies
    assert [(a.kind, a.line) for a in got] == [("unknown-prefecture", 2), ("prefecture-conflict", 3)]
    assert "福岡市 is in 福岡県, not 北海道" in got[1].message
    out = CliRunner().invoke(cli, ["--corpus-dir", str(corpus), "--index-dir", str(tmp_path / "idx"), "corpus"]).output
    assert "prefecture-conflict: 福岡市 is in 福岡県" in out and "unknown-prefecture" in out


@pytest.mark.parametrize("low, high", [(0x30A1, 0x30F3), (0x3041, 0x3093)])
def test_a_long_kana_query_costs_work_in_proportion_to_its_length(engine, monkeypatch, low, high):
    """A run of 1,000 random katakana took 27 s: each prefix, each rest of it and each of its
    pairs folded the whole run again (the stop-43 adversarial review). Counted, not timed:
    the characters folded grow about as the query does, not as its square."""
    import random

    from kodoku_search import analysis

    real, folded = analysis.fold, [0]

    def counting(text, *a, **k):
        folded[0] += len(text)
        return real(text, *a, **k)

    monkeypatch.setattr(analysis, "fold", counting)
    work = {}
    for n in (250, 1000):
        rng = random.Random(n)
        folded[0] = 0
        engine.search("".join(chr(rng.randint(low, high)) for _ in range(n)), limit=1)
        work[n] = folded[0]
    assert work[1000] < 3 * work[250] + 20_000 and work[1000] < 200 * 1000, work


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_said_in_a_line(cli_index):
    """> /dev/full, >&-, 2> /dev/full and a terminal COLUMNS too wide ended in tracebacks
    (OSError, AttributeError on isatty, MemoryError), or a note that could not be written
    lost the results (the stop-43 adversarial review)."""
    argv = [sys.executable, "-m", "kodoku_search", "--corpus-dir", str(CORPUS), "--index-dir", str(cli_index)]
    for extra in ([], ["--json"]):
        with open("/dev/full", "w") as full:
            r = subprocess.run([*argv, "search", "縦割り", "-n", "1", *extra], stdout=full, stderr=subprocess.PIPE,
                               cwd=ROOT, timeout=60, text=True)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert r.stderr.strip().endswith("Error: cannot write the output: No space left on device")
    r = subprocess.run([*argv, "search", "縦割り", "-n", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=ROOT, timeout=60, text=True, pass_fds=(), close_fds=True,
                       preexec_fn=lambda: os.close(1))
    assert r.returncode == 0 and "Traceback" not in r.stderr
    with open("/dev/full", "w") as full:
        r = subprocess.run([*argv, "search", "縦割り", "-n", "1", "--polarity", "大変だった"], stdout=subprocess.PIPE,
                           stderr=full, cwd=ROOT, timeout=60, text=True)
    assert r.returncode == 0 and r.stdout.startswith("2 results for 「縦割り」")


def test_a_terminal_wider_than_any_table_is_taken_as_the_widest(monkeypatch):
    import shutil

    from kodoku_search import cli as cli_module

    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((99_999_999_999, 24)))
    assert cli_module._terminal_columns() == 1000
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((3, 24)))
    assert cli_module._terminal_columns() == 20


def test_the_fixes_of_stop_43_hold_at_their_edges(tmp_path, cli_index):
    """The review of the stop-43 fixes: a citation whose file name NFKC would change; eval of a
    stream; a JSON error whose stdout fails; a JSONL error at parse time; a heading line and a
    JSONL line cited; an ASCII stderr that fails."""
    import unicodedata

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)  # (its synonyms and intents too: --polarity 大変だった is read by intents.csv)
    name = "報告①.jsonl"
    assert unicodedata.normalize("NFKC", name) != name
    (corpus / name).write_text(json.dumps({"id": "n/1", "city": "架空市", "prefecture": "北海道", "theme": "general",
                                           "polarity": "good", "text": "ズンドコ体操が広がった。"}, ensure_ascii=False) + "\n", "utf-8")
    argv = [sys.executable, "-m", "kodoku_search", "--corpus-dir", str(corpus), "--index-dir", str(tmp_path / "idx")]
    run = lambda *a, **k: subprocess.run([*argv, *a], capture_output=True, text=True, cwd=ROOT, timeout=120, **k)  # noqa: E731
    r = run("show", f"{name}:1", "--around", "0")
    assert r.returncode == 0 and "n/1" in r.stdout
    assert "ids look like" in run("show", f"{name}:2").stderr  # (a JSON Lines file has no headings)
    assert "is not a snippet (a heading or the document's own text): 「中野区」" in run("show", "advice-2025-10.txt:50").stderr
    judgment = {"qid": "q1", "query": "縦割り", "relevant": [{"city": "福山市", "grade": 2, "text": "縦割りの弊害"}]}
    r = run("eval", "/dev/stdin", "--json", input=json.dumps(judgment, ensure_ascii=False) + "\n")
    assert r.returncode == 0 and len(json.loads(r.stdout)["per_query"]) == 1
    with open("/dev/full", "w") as full:
        r = subprocess.run([*argv, "search", "縦割り", "--json", "--city", "大阪"], stdout=full, stderr=subprocess.PIPE,
                           text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "unknown city" in r.stderr and "Traceback" not in r.stderr
    r = run("search", "縦割り", "-n", "-1", "--format", "jsonl")
    assert r.returncode == 2 and json.loads(r.stdout)["ok"] is False and len(r.stdout.splitlines()) == 1
    with open("/dev/full", "w") as full:
        r = subprocess.run([*argv, "search", "縦割り", "-n", "1", "--polarity", "大変だった"], stdout=subprocess.PIPE,
                           stderr=full, text=True, cwd=ROOT, timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0 and "2 results for" in r.stdout


def test_odd_digits_and_nul_are_usage_errors_not_value_errors(engine):
    """isdigit() takes ① and ², which int() refuses: ValueError from get, cited, similar and a
    session's :limit, and a NUL in a path from open() (the stop-43 library review)."""
    for call in (lambda: engine.get("advice-2025-10.txt:²"), lambda: engine.similar("advice-2025-10.txt:²"),
                 lambda: engine.get("a:" + "1" * 5000), lambda: SearchEngine.open(index_dir="x\x00y"),
                 lambda: SearchEngine.check(corpus_dir="x\x00y")):
        with pytest.raises(UsageError):
            call()
    assert engine.cited("advice-2025-10.txt:²") == []  # (² read as 2: a blank line, no record)
    s = engine.session()
    for arg in ("⑤⑤⑤⑤⑤", "9" * 5000):
        assert s.execute(f":limit {arg}").kind == "error"
    assert s.execute(":limit ５").kind == "message" and s.limit == 5


def test_the_package_says_it_is_typed():
    from kodoku_search import __file__ as init

    assert (Path(init).parent / "py.typed").is_file()
