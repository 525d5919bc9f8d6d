"""The real document, parsed: every rule of the corpus issue checked against it."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from kodoku_search.cli import cli
from kodoku_search.corpus import load_corpus
from kodoku_search.errors import CorpusError
from kodoku_search.parser import parse_document, strip_bullet
from kodoku_search.records import SNIPPET_FIELDS

from .conftest import CORPUS, SOURCE


def by_city(corpus, theme):
    return Counter(r.city for r in corpus.records if r.theme == theme)


def test_counts_per_city_and_theme(corpus):
    assert len(corpus.records) == 90
    assert by_city(corpus, "general") == {
        "京都市": 6, "福岡市": 2, "熊本市": 3, "市原市": 2, "中野区": 4, "座間市": 3, "岡崎市": 6,
        "春日井市": 2, "豊田市": 2, "播磨町": 12, "鳥取市": 2, "呉市": 3, "福山市": 4, "宇和島市": 2,
    }
    assert by_city(corpus, "platform") == {
        "京都市": 3, "福岡市": 2, "熊本市": 3, "市原市": 2, "岡崎市": 6, "春日井市": 7, "豊田市": 1,
        "播磨町": 2, "鳥取市": 6, "福山市": 5,
    }
    assert len({r.city for r in corpus.records}) == 14


def test_every_line_of_advice_is_in_exactly_one_record(corpus):
    """Each content line is covered by the records citing it (split parts rejoin to
    the line); every line no record cites is document structure, never advice."""
    lines = SOURCE.read_text("utf-8").splitlines()
    cited: dict[int, list[str]] = {}
    for r in corpus.records:
        cited.setdefault(r.line, []).append(r.text)
    for n, texts in cited.items():
        assert "".join(texts) == strip_bullet(lines[n - 1])[1], n
    uncovered = {lines[n - 1].strip(" \u3000") for n in range(1, len(lines) + 1) if n not in cited and lines[n - 1].strip()}
    structure = {
        "【孤独・孤立対策全般】", "【地方版孤独・孤立対策官民連携プラットフォームの立上げ】", "【孤独・孤立対策全般】参照",
        "取り組もう", "とした", "理由・", "きっかけ", "まず始めた", "こと", "取り組んで良かったこと、苦労したこと 問合せ先",
        "<良かったこと>", "<苦労したこと>", "• 良かったと思ったこと", "• 苦労したこと", "• 良かったこと", "• 苦労した点",
        "【良かったと思ったこと】", "【苦労した(している)こと】", "≪良かった≫", "≪苦労≫", "良かったこと", "苦労したこと",
        "<良かったと思ったこと>", "〔良いこと〕", "〔苦労していること〕", "【良いこと】", "【苦労したこと】",
        "~庁内の例~", "~産学官の例~", "~教育部局の例~", "取り組み例", "(再掲)",
        "• つながりづくりを推進するイベントの開催",  # line 206, a word-for-word repeat of line 202
    }
    cities = {r.city for r in corpus.records} | {"宇和島市"}
    prefectures = {"千葉県", "東京都", "神奈川県", "愛知県", "兵庫県", "鳥取県", "広島県", "愛媛県"}
    title_and_preamble = {lines[0].strip(), lines[2].strip(" \u3000"), lines[3].strip(" \u3000")}
    assert uncovered - cities - prefectures - title_and_preamble == structure


def test_polarity_from_markers_of_every_style(corpus):
    def pols(city, theme):
        return [r.polarity for r in corpus.records if r.city == city and r.theme == theme]

    assert pols("京都市", "general") == ["good"] * 3 + ["hard"] * 3  # <良かったこと>
    assert pols("福岡市", "general") == ["good", "hard"]  # • 良かったと思ったこと + indented text
    assert pols("市原市", "general") == ["good", "hard"]  # 【苦労した(している)こと】
    assert pols("岡崎市", "general") == ["good"] * 4 + ["hard"] * 2  # ≪良かった≫ ≪苦労≫
    assert pols("豊田市", "general") == ["good", "hard"]  # bare 良かったこと line
    assert pols("福山市", "general") == ["good"] * 3 + ["hard"]  # 〔良いこと〕
    assert pols("熊本市", "platform") == ["good", "hard", "hard"]  # • 苦労した点, two children


def test_unmarked_paragraphs_take_their_wording(corpus):
    def pols(city, theme):
        return [r.polarity for r in corpus.records if r.city == city and r.theme == theme]

    assert pols("中野区", "general") == ["good", "good", "hard", "hard"]
    assert pols("座間市", "general") == ["good", "good", "good"]
    assert pols("鳥取市", "platform") == ["other"] * 6  # lessons learned
    fukuyama = [r for r in corpus.records if r.city == "福山市" and r.theme == "platform"]
    assert fukuyama[0].text == "本市では、地方版PFは未設置です。" and fukuyama[0].polarity == "other"


@pytest.mark.parametrize(
    "city, theme, line, first_end, second_start",
    [
        ("春日井市", "general", 80, "出来ました。", "一方で"),
        ("呉市", "general", 121, "進んだと感じています。", "しかし、"),
        ("春日井市", "platform", 198, "生み出せたことです。", "苦労したことは、"),
    ],
)
def test_paragraph_that_turns_is_split(corpus, city, theme, line, first_end, second_start):
    parts = [r for r in corpus.records if r.city == city and r.theme == theme and r.line == line]
    assert [r.polarity for r in parts] == ["good", "hard"]
    assert parts[0].text.endswith(first_end)
    assert parts[1].text.startswith(second_start)
    assert parts[0].id != parts[1].id


def test_a_sentence_that_states_both_sides_keeps_the_other_as_also(corpus):
    """「調整に苦労しましたが、…ができました」 is good by its last clause, and hard too:
    the record keeps its side and names the other in ``also``. Only a sentence joined
    at a concessive with cues on both sides counts; a paragraph whose sentences lean
    one way, with a stray cue (福山市's 弊害が生まれています), states one side."""
    from kodoku_search.parser import also_states

    zama = next(r for r in corpus.records if r.city == "座間市" and "調整に苦労しましたが" in r.text)
    assert (zama.polarity, zama.also) == ("good", "hard")
    uwajima = next(r for r in corpus.records if r.city == "宇和島市" and r.text.startswith("連携先が多くある"))
    assert (uwajima.polarity, uwajima.also) == ("hard", "good")
    fukuyama = next(r for r in corpus.records if r.city == "福山市" and "弊害が生まれています" in r.text)
    assert fukuyama.polarity == "hard" and fukuyama.also is None
    assert sorted(r.city for r in corpus.records if r.also) == ["宇和島市", "座間市"]
    assert also_states("調整に苦労しましたが、連携ができました。", "other") is None
    assert also_states("連携ができました。調整に苦労しました。", "good") is None  # two sentences, each one side
    assert also_states("できた反面、難しさもありました。", "hard") == "good"


def test_prefectures_filled_and_corrected(corpus):
    pref = {r.city: r.prefecture for r in corpus.records}
    assert pref["京都市"] == "京都府" and pref["福岡市"] == "福岡県" and pref["熊本市"] == "熊本県"
    assert pref["春日井市"] == "愛知県" and pref["豊田市"] == "愛知県"
    assert all(r.prefecture for r in corpus.records)
    conflicts = {(a.line, a.kind) for a in corpus.anomalies if a.kind == "prefecture-conflict"}
    assert conflicts == {(196, "prefecture-conflict"), (209, "prefecture-conflict")}


def test_repost_links_to_originals(corpus):
    ids = corpus.by_id()
    reposts = [r for r in corpus.records if r.repost_of]
    assert [(r.city, r.theme) for r in reposts] == [("市原市", "platform")] * 2
    for r in reposts:
        orig = ids[r.repost_of]
        assert (orig.city, orig.theme, orig.text, orig.polarity) == (r.city, "general", r.text, r.polarity)


def test_cross_reference_is_a_link_not_a_snippet(corpus):
    assert not any("参照" == r.text or r.text.endswith("】参照") for r in corpus.records)
    assert not any(r.city == "宇和島市" and r.theme == "platform" for r in corpus.records)
    (ref,) = corpus.references
    assert (ref.city, ref.theme, ref.target_theme, ref.line) == ("宇和島市", "platform", "general", 246)
    assert ref.target_ids == tuple(r.id for r in corpus.records if r.city == "宇和島市")


def test_no_header_debris_title_or_preamble_in_snippets(corpus):
    (doc,) = corpus.documents
    assert doc.title.startswith("地方公共団体担当者へのアドバイス")
    assert doc.as_of == "令和7年10月末日時点"
    assert "きっかけ" in doc.table_header
    for r in corpus.records:
        assert "問合せ先" not in r.text
        assert r.text not in doc.table_header
        assert r.text not in doc.preamble and r.text != doc.title


def test_duplicate_bullet_kept_once(corpus):
    texts = [r.text for r in corpus.records if r.city == "春日井市" and r.theme == "platform"]
    assert texts.count("つながりづくりを推進するイベントの開催") == 1
    assert any(a.kind == "duplicate-bullet" and a.line == 206 for a in corpus.anomalies)


def test_sections(corpus):
    sec = {r.line: r.section for r in corpus.records}
    assert sec[99] == "庁内の例" and sec[104] == "産学官の例" and sec[108] == "教育部局の例"
    assert sec[110] is None  # a marker ends the section
    assert sec[201] == "取り組み例"


def test_text_is_trimmed_and_unbulleted(corpus):
    for r in corpus.records:
        assert r.text == r.text.strip(" \u3000\t")
        assert not r.text.startswith(("•", "➡"))


def test_ids_are_stable_and_positional():
    a = parse_document(SOURCE.read_text("utf-8"), SOURCE.name).records
    b = parse_document(SOURCE.read_text("utf-8"), SOURCE.name).records
    assert [r.id for r in a] == [r.id for r in b]
    assert a[0].id == "advice-2025-10/general/京都市/1"
    assert len({r.id for r in a}) == len(a)


# --- a document in the same style, but not this one -------------------------------

OTHER_DOC = """\
別の自治体の声
 (令和8年3月末日時点)

【孤独・孤立対策全般】

問合せ先
北海道
架空町

《良かったこと》
  ・ 住民同士の見守りが生まれました。
［苦労した点］
  ・ 担当者が一人しかいないことです。
■苦労したこと
 予算の確保が大変でした。
よかったこと
 交流会を開くことができました。しかし、参加者の固定化が課題です。

【官民連携プラットフォームの立上げ】

札幌市

(再掲)
《良かったこと》
 住民同士の見守りが生まれました。
"""


def test_other_document_in_same_style():
    doc = parse_document(OTHER_DOC, "other.txt")
    got = [(r.city, r.prefecture, r.theme, r.polarity, r.text) for r in doc.records]
    assert got == [
        ("架空町", "北海道", "general", "good", "住民同士の見守りが生まれました。"),
        ("架空町", "北海道", "general", "hard", "担当者が一人しかいないことです。"),
        ("架空町", "北海道", "general", "hard", "予算の確保が大変でした。"),
        ("架空町", "北海道", "general", "good", "交流会を開くことができました。"),
        ("架空町", "北海道", "general", "hard", "しかし、参加者の固定化が課題です。"),
        ("札幌市", "北海道", "platform", "good", "住民同士の見守りが生まれました。"),
    ]
    assert doc.info.as_of == "令和8年3月末日時点"
    assert doc.info.table_header == ("問合せ先",)
    # 札幌市's (再掲) block has no original of its own city: reported, not invented.
    assert any(a.kind == "repost-unmatched" for a in doc.anomalies)


# --- user records in JSONL ---------------------------------------------------------

GOOD_RECORD = {
    "id": "extra/1", "city": "架空市", "prefecture": "北海道", "theme": "全般", "polarity": "苦労",
    "section": None, "text": "庁内の合意形成に時間がかかりました。",
}


def test_jsonl_records_are_loaded(corpus_copy):
    (corpus_copy / "extra.jsonl").write_text(json.dumps(GOOD_RECORD, ensure_ascii=False) + "\n\n", "utf-8")
    c = load_corpus(corpus_copy)
    assert len(c.records) == 91
    rec = c.by_id()["extra/1"]
    assert (rec.theme, rec.polarity, rec.source, rec.line, rec.also) == ("general", "hard", "extra.jsonl", 1, None)
    (corpus_copy / "extra.jsonl").write_text(json.dumps({**GOOD_RECORD, "also": "良かった"}, ensure_ascii=False), "utf-8")
    assert load_corpus(corpus_copy).by_id()["extra/1"].also == "good"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("{not json", "extra.jsonl:2: invalid JSON"),
        (json.dumps({**GOOD_RECORD, "polarity": "meh"}), "extra.jsonl:2: field 'polarity': unknown value 'meh'"),
        (json.dumps({**GOOD_RECORD, "also": "meh"}), "extra.jsonl:2: field 'also': the other side"),
        (json.dumps({**GOOD_RECORD, "also": GOOD_RECORD["polarity"]}), "extra.jsonl:2: field 'also': the other side"),
        (json.dumps({**GOOD_RECORD, "also": "other"}), "extra.jsonl:2: field 'also': the other side"),
        (json.dumps({**GOOD_RECORD, "polarity": "other", "also": "hard"}), "extra.jsonl:2: field 'also': the other side"),
        (json.dumps({k: v for k, v in GOOD_RECORD.items() if k != "city"}), "extra.jsonl:2: field 'city': missing"),
        (json.dumps({**GOOD_RECORD, "text": 42}), "extra.jsonl:2: field 'text': must be a non-empty string"),
        (json.dumps({**GOOD_RECORD, "polarty": "good"}), "extra.jsonl:2: field 'polarty': unknown field"),
        (json.dumps({**GOOD_RECORD, "line": "3"}), "extra.jsonl:2: field 'line': must be a positive integer"),
        (json.dumps([1, 2]), "extra.jsonl:2: a record must be a JSON object"),
        (json.dumps({**GOOD_RECORD, "id": "advice-2025-10/general/京都市/1"}), "already used at advice-2025-10.txt:18"),
    ],
)
def test_malformed_jsonl_is_rejected_with_file_line_field(corpus_copy, line, expected):
    ok = json.dumps({**GOOD_RECORD, "id": "extra/0"}, ensure_ascii=False)
    (corpus_copy / "extra.jsonl").write_text(ok + "\n" + line + "\n", "utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert expected in str(e.value)


def test_invalid_utf8_names_file_and_line(corpus_copy):
    (corpus_copy / "bad.jsonl").write_bytes(b'{"id": "x"}\n{"id": "\xff"}\n')
    with pytest.raises(CorpusError, match=r"bad\.jsonl:2: not valid UTF-8"):
        load_corpus(corpus_copy)


def test_missing_corpus_dir(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


# --- the corpus command ------------------------------------------------------------

def test_cli_corpus_table_and_anomalies():
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "corpus"])
    assert r.exit_code == 0, r.output
    assert "90 records" in r.output
    assert "春日井市" in r.output and "prefecture-conflict" in r.output and ":196" in r.output
    assert "宇和島市 [platform] → see [general]" in r.output
    assert "Announced lists: 5 record(s) in 1 list(s)" in r.output  # 鳥取市's 「次の3点を学びました。」


def test_cli_corpus_json_has_exactly_the_fields():
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "corpus", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert len(data) == 90
    assert all(tuple(d) == SNIPPET_FIELDS for d in data)


def test_cli_corpus_json_full_has_what_the_text_report_says():
    """corpus --json gave the records alone: the anomalies, the cross-reference and the
    document's title, which the text report prints, were nowhere in JSON (the stop-43 review)."""
    from kodoku_search.corpus import load_corpus

    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "corpus", "--json", "--full"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data == json.loads(json.dumps(load_corpus(CORPUS).to_dict()))
    assert len(data["records"]) == 90 and data["files"] == ["advice-2025-10.txt"]
    assert data["documents"][0]["title"] and data["anomalies"]
    ref = data["references"][0]
    assert ref["city"] == "宇和島市" and ref["target_theme"] == "general" and ref["target_ids"]
    text = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "corpus"]).output
    assert all(f"{a['source']}:{a['line']}  {a['kind']}: {a['message']}" in text for a in data["anomalies"])
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "corpus", "--full"])
    assert r.exit_code == 2 and "--json --full" in r.output


def test_cli_corpus_bad_record_exits_2_without_traceback(corpus_copy):
    (corpus_copy / "x.jsonl").write_text("{oops\n", "utf-8")
    r = CliRunner().invoke(cli, ["--corpus-dir", str(corpus_copy), "corpus"])
    assert r.exit_code == 2
    assert "x.jsonl:1: invalid JSON" in r.output
    assert "Traceback" not in r.output


def test_a_reference_to_no_record_is_an_anomaly(tmp_path):
    """repost_of and announced_by naming no record were counted as reposts and lists, and
    nothing was listed (the stop-42 review)."""
    rec = {"city": "架空市", "prefecture": "北海道", "theme": "general", "polarity": "hard"}
    rows = [{"id": "a/1", "text": "庁内の調整に苦労", "repost_of": "nope/1", **rec},
            {"id": "a/2", "text": "連絡会議", "announced_by": "nope/2", **rec},
            {"id": "a/3", "text": "次の二つ", **rec}, {"id": "a/4", "text": "会議", "announced_by": "a/3", **rec},
            {"id": "a/5", "text": "再掲", "repost_of": "a/5", **rec}]
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    got = [(a.line, a.kind, a.message) for a in load_corpus(tmp_path).anomalies]
    assert [(line, kind) for line, kind, _ in got] == [(1, "dangling-reference"), (2, "dangling-reference"),
                                                       (5, "dangling-reference")]
    assert "repost_of names 'nope/1'" in got[0][2] and "announced_by names 'nope/2'" in got[1][2]
    assert "a/5: repost_of names itself" in got[2][2]  # (the adversarial review)
    assert not [a for a in load_corpus().anomalies if a.kind == "dangling-reference"]
    out = CliRunner().invoke(cli, ["--corpus-dir", str(tmp_path), "--index-dir", str(tmp_path / "idx"), "corpus"]).output
    assert "Reposts" not in out and "Announced lists: 1 record(s) in 1 list(s)" in out  # (counted: the links that hold)


def test_show_gives_the_sentence_a_list_item_is_announced_by(tmp_path, engine):
    """show --json (engine.get) left out announced_by, which corpus --json gives (the stop-42 review)."""
    rec = engine.get("advice-2025-10/platform/鳥取市/3")
    assert rec.announced_by == "advice-2025-10/platform/鳥取市/1" and rec.to_dict()["announced_by"] == rec.announced_by
    assert engine.get("advice-2025-10/platform/鳥取市/1").announced_by is None
