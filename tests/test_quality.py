"""Search quality: each gap a single-analyzer engine has, pinned with a real
example from the corpus (a query in one spelling finds the snippet in the other)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kodoku_search.analysis import fold
from kodoku_search.cli import cli
from kodoku_search.search import NO_WORDS

from .conftest import CORPUS, ROOT

JUDGMENTS = ROOT / "benchmarks" / "queries_dev.jsonl"


def ids(result):
    return [h.id for h in result]


def finds(engine, query, needle, within=5, **kw):
    """Some hit in the first ``within`` contains ``needle`` (and the query's own spelling need not)."""
    r = engine.search(query, limit=within, **kw)
    return [h for h in r if needle in h.text]


# --- orthographic variants (表記ゆれ) ------------------------------------------------

@pytest.mark.parametrize(
    "query, needle, absent",
    [
        ("繋がり", "出会いとつながりができました", "繋がり"),  # kanji query, kana text
        ("取り組み", "試行的な取組にも", "取り組み"),  # okurigana: 取り組み → 取組
        ("取組", "民間団体の取り組みを", "取組"),  # and back
        ("呼び掛けることができた", "参画を呼び掛けることが出来ました", "できた"),  # 出来る / できる
        ("サポータ", "つながりサポーター養成講座", None),  # prolonged sound mark
        ("ポッドキャスト", "ポットキャスト「こどくのあわい」", "ポッドキャスト"),  # voicing slip
        ("ポットキャスト", "ポッドキャストとは別に", None),
        ("ＰＦ", "PFに参画いただく団体の選定方法", "ＰＦ"),  # full width
        ("ﾎﾟｯﾄﾞｷｬｽﾄ", "ポットキャスト「こどくのあわい」", None),  # half width
        ("プラットホーム", "プラットフォームを設置して良かったことは", "プラットホーム"),  # フォ written ホ
    ],
)
def test_spelling_variants_find_each_other(engine, query, needle, absent):
    hits = finds(engine, query, needle, within=100)
    assert hits, f"{query} should find 「{needle}」"
    if absent:
        assert absent not in hits[0].text  # found through another spelling, not the same one
    assert hits[0].matches  # and the other spelling is highlighted


@pytest.mark.parametrize("half, full", [("ｺﾄﾞｸ", "コドク"), ("ﾀﾃﾜﾘ", "タテワリ"), ("ｲﾊﾞｼｮ", "イバショ"), ("ﾚﾝｹｲ", "レンケイ")])
def test_half_width_katakana_is_read_as_the_full_width_word(engine, half, full):
    """Half-width kana pasted from an older system reads as its full-width form:
    respelled into the corpus's word (ﾀﾃﾜﾘ → 縦割り), not one stray match."""
    got, want = engine.search(half, limit=100), engine.search(full, limit=100)
    assert want.total >= 4 and ids(got) == ids(want) and got.total == want.total
    assert got.query == half  # shown as typed


def test_okurigana_and_long_vowel_folding():
    assert fold("立ち上げ")[0] == fold("立上げ")[0]
    assert fold("取り組み")[0] == fold("取組み")[0]
    assert fold("サポーター")[0] == fold("サポータ")[0]
    assert fold("ポッドキャスト")[0] == fold("ポットキャスト")[0] == fold("ﾎﾟｯﾄﾞｷｬｽﾄ")[0]
    assert fold("庁内での連携")[0] != fold("庁内連携")[0]  # particles are not okurigana
    assert fold("プラットフォーム")[0] == fold("プラットホーム")[0]  # loanword フォ, written ホ
    assert fold("ヴァイオリン")[0] == fold("バイオリン")[0]
    assert fold("フ")[0] == "フ" and fold("フア")[0] != fold("ハ")[0]  # only a small vowel makes the ハ row


def test_okurigana_variant_in_a_users_record(corpus_copy, tmp_path):
    """立上げ appears in the document only as a theme heading, so a user's record carries it."""
    from kodoku_search import SearchEngine

    rec = {"id": "u/1", "city": "架空市", "prefecture": "北海道", "theme": "platform", "polarity": "hard",
           "text": "PFの立上げに半年かかりました。"}
    (corpus_copy / "mine.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    with SearchEngine.open(corpus_copy, tmp_path / "idx") as e:
        assert e.search("立ち上げ").hits[0].id == "u/1"


# --- abbreviations and near-synonyms (corpus/synonyms.csv) ---------------------------

@pytest.mark.parametrize(
    "query, needle",
    [
        ("プラットフォーム", "PFに参画いただく団体の選定方法に苦労しました。"),
        ("スケジュール", "日程調整が大変なことです"),
        ("日程", "既存の会議体等とスケジュールを合わせ"),
        ("市町村", "自治体によって取組事例が様々ある中"),
        ("補助金", "補助メニューを拡充"),
        ("事業者", "企業等との連携を図った"),
        ("企業", "民間事業者等との連携の機会が増え"),
        ("小さい団体", "小規模な団体等との連携"),
        ("大事にしたい考え方", "価値観とビジョンの共有"),
        ("住民の反応", "多数いただきました"),
        ("外部の専門家", "シンクタンクによる伴走支援"),
        ("行政だけでは限界", "行政としてできることには限りがあり"),
        ("行政だけでは限界", "アプローチだけでは難しく"),  # an entry ending in an adjective, found inflected
        ("PFをまだ作っていない自治体", "地方版PFは未設置です"),
        ("参加団体を活かしきれない", "どのように活用すればよいのか分からず"),
        ("自分の市に合ったやり方", "本市の特性に合わせた"),
        ("形だけの会議", "PFが形骸化せず"),
        ("お願いするだけの場", "行政が民間に何か依頼する場ではなく"),
        ("首長", "転入者の声をまとめ、町長に届けました"),
    ],
)
def test_synonyms_find_the_other_word(engine, query, needle):
    hits = finds(engine, query, needle, within=100)
    assert hits, f"{query} should find 「{needle}」"
    assert hits[0].matches


def test_a_vision_asked_for_in_other_words_comes_first(engine):
    """目指す姿 is the plain word for ビジョン (synonyms.csv): without the entry the
    heading 「価値観とビジョンの共有」 shared only 共有 with the query and ranked tenth,
    below long snippets that say 目指して and 共有 about something else."""
    r = engine.search("目指す姿を共有する", limit=3)
    top = r.hits[0]
    assert top.text == "価値観とビジョンの共有"
    assert "ビジョン" in {top.text[a:b] for a, b in top.matches}


def test_synonyms_are_read_at_query_time(engine, tmp_path, monkeypatch):
    """Editing synonyms.csv takes effect without a rebuild."""
    import shutil

    from kodoku_search import SearchEngine

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    with SearchEngine.open(corpus, tmp_path / "idx") as e:
        gen = e.generation.path
        assert not finds(e, "架け橋", "つなぎめ", within=20)
        with open(corpus / "synonyms.csv", "a", encoding="utf-8") as f:
            f.write("架け橋,つなぎめ\n")
        assert finds(e, "架け橋", "「つなぎめ」を通して", within=3)
        assert e.generation.path == gen


@pytest.mark.parametrize("query, needle", [
    ("ふえない", "参加が思うように増えない"),  # (フエ, two kana, was no reading term at all)
    ("わかってもらえない", "どのように活用すればよいのか分からず"),  # (ワカッ / ワカラ: one word, ワカル)
    ("ひろがった", "活動の幅が広がる"),
])
def test_a_verb_typed_in_kana_meets_the_corpus_verb_however_inflected(engine, query, needle):
    """A verb or adjective is read in the reading field by its dictionary form's reading
    (増え, ふえ: フエル): typed in kana and inflected otherwise, it still finds the word
    (the stop-26 review: ふえない put 京都市 first and 市原市's 「増えない」 21st)."""
    assert finds(engine, query, needle, within=5), [h.text[:30] for h in engine.search(query, limit=5)]


def test_a_verb_typed_in_kana_is_marked_where_the_corpus_inflects_it(engine):
    """In its dictionary form too (ふえる, わかる): the hits it finds by 増え and 分から had
    nothing marked (the stop-26 code review)."""
    for query, marked in (("ふえる", "増え"), ("わかる", "分から"), ("ふえない", "増え")):
        hits = engine.search(query, limit=5, related=False).hits
        said = [h.text[a:b] for h in hits for a, b in h.matches]
        assert any(m.startswith(marked) for m in said), (query, said)
        assert all(h.matches for h in hits if marked in h.text), query


def test_a_prefixed_word_typed_in_kana_is_read_as_the_corpus_spells_it(engine):
    """他 + 部署 is one word to the person typing たぶしょ: the index's spellings have it
    (Janome cut たぶしょのりかい into たぶ, し and ょのりかい, and nothing was found)."""
    r = engine.search("たぶしょのりかい", limit=3)
    assert dict(r.reading.respellings).get("たぶしょ") == "他部署"
    assert "他部署の理解" in r.hits[0].text
    assert "他部署の理解" in engine.search("たぶしょのりかいをえるのがむずかしい", limit=3).hits[0].text


def test_a_respelling_is_said_with_the_kanji_typed_around_it(engine):
    """「read as」 said 内れんけい → 内連携 and わりそしき → 割り組織 (the stop-26 review):
    Janome cut 庁 from 内; the word as typed is 庁内れんけい, and it is still marked whole."""
    r = engine.search("庁内れんけい", limit=1)
    assert dict(r.reading.also).get("庁内れんけい") == ("庁内連携",) and "内れんけい" not in dict(r.reading.also)
    assert "庁内連携" in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]
    assert dict(engine.search("縦わりそしき", limit=1).reading.also).get("縦わりそしき") == ("縦割り組織",)


def test_a_synonym_row_typed_with_japanese_commas_is_read(tmp_path):
    """「合意形成、意思決定」 (the IME on) was one word, silently: 、 and ， separate words."""
    from kodoku_search.vocab import load_vocabulary

    (tmp_path / "synonyms.csv").write_text("合意形成、意思決定\n架け橋，つなぎめ,結び目\n", "utf-8")
    v = load_vocabulary(tmp_path)
    assert v.alternatives("合意形成") == ("意思決定",)
    assert set(v.alternatives("架け橋")) == {"つなぎめ", "結び目"}
    # Quoted whole, as a spreadsheet may save it; saved as Shift_JIS, said so with the path
    # and what to do (it was "'utf-8' codec can't decode byte 0x8c": the stop-41 review).
    (tmp_path / "synonyms.csv").write_text('"縦割り,セクショナリズム"\n', "utf-8")
    assert load_vocabulary(tmp_path).alternatives("縦割り") == ("セクショナリズム",)
    # A stray quote is one row's: it took the next line into its row, silently (協力 found
    # 「連携\nハブ」 and ハブ had no group: the stop-43 review).
    (tmp_path / "synonyms.csv").write_text('"協力,連携\nハブ,拠点\n協定",連携協定\n', "utf-8")
    v = load_vocabulary(tmp_path)
    assert v.alternatives("協力") == ("連携",) and v.alternatives("ハブ") == ("拠点",)
    assert v.alternatives("協定") == ("連携協定",)
    (tmp_path / "synonyms.csv").write_bytes("縦割り,セクショナリズム\n".encode("shift_jis"))
    from kodoku_search.errors import CorpusError

    with pytest.raises(CorpusError, match="save it as UTF-8") as info:
        load_vocabulary(tmp_path)
    assert str(tmp_path / "synonyms.csv") in str(info.value)


# --- compounds and unknown words -------------------------------------------------------

def test_word_inside_a_longer_compound(engine):
    assert finds(engine, "孤立", "孤立死防止のための企業等との連携", within=50)  # (孤立 matches 43 snippets)
    assert finds(engine, "サポーター", "つながりサポーター養成講座")


def test_compound_query_finds_the_compound_first_and_its_parts_apart(engine):
    r = engine.search("孤立死", limit=3)
    assert "孤立死" in r.hits[0].text
    r = engine.search("庁内連携", limit=10)
    assert "庁内連携" in r.hits[0].text
    assert any("庁内での理解" in h.text and "連携" in h.text for h in r)  # 庁内での…連携


@pytest.mark.parametrize("query, needle", [("たてわり", "縦割り"), ("いばしょ", "居場所"), ("けいがいか", "形骸化")])
def test_a_word_typed_in_kana_finds_the_corpus_spelling(engine, query, needle):
    """Janome cuts kana it does not know into nonsense (いばしょ → いばる + しょ); the
    corpus's own spelling of that reading is looked for as well."""
    r = engine.search(query, limit=3)
    assert needle in r.hits[0].text


def test_a_kana_word_read_as_the_corpus_spells_it_is_also_found_as_typed(engine):
    """こどく is read as 孤独, and 岡崎市's 「こどくのあわい」 says こどく: it is found, and
    marked, as typed (stop 27: not among 50 results; only こどくのあわい whole found it)."""
    r = engine.search("こどく", limit=100)
    assert "孤独" in r.hits[0].text
    hit = next(h for h in r.hits if "こどくのあわい" in h.text)
    assert "こどく" in [hit.text[a:b] for a, b in hit.matches]
    both = engine.search("こどく あわい", limit=1).hits[0]
    assert [both.text[a:b] for a, b in both.matches] == ["こどく", "あわい"]
    # Not by its pairs of kana alone (りかい: no piece of it is a word), found inside other words.
    assert all("りかい" not in w.synonyms for w in engine.search("りかい", limit=1).reading.words)


@pytest.mark.parametrize("query, needle", [("りかい", "理解"), ("いべんと", "イベント"), ("ほうかつ", "包括")])
def test_a_kana_word_janome_reads_as_particles_alone_is_still_a_word(engine, query, needle):
    """りかい is り + かい to Janome, particles both: the query had no word, said so and
    found nothing. The corpus spells the reading 理解: that is the word."""
    r = engine.search(query, limit=3)
    assert r.hits and needle in r.hits[0].text and needle in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]
    assert r.suggestion == needle and r.reading.respellings == ((query, needle),)
    # Kana right after kanji end that word: 困惑しないか is not 困惑 + 市内.
    assert "市内" not in [w.term for w in engine.search("困惑しないか", limit=1).reading.words]


def test_a_function_word_or_a_words_kana_ending_is_not_respelled(engine):
    """From the stop-24 review: ばかり (one particle) was read as 図り (はかり, its first
    kana unvoiced as in rendaku) and 名ばかり offered 「名図り」, highlighting 図っ."""
    alone = engine.search("ばかり", limit=3)  # only a particle: nothing to search for, as 「の」
    assert alone.total == 0 and alone.reading.words == () and NO_WORDS in alone.notes
    r = engine.search("名ばかり", limit=3)
    assert r.reading.respellings == () and r.suggestion is None
    assert all("図" not in h.text[a:b] for h in r.hits for a, b in h.matches)
    assert engine.search("りかい", limit=1).reading.respellings == (("りかい", "理解"),)  # (two particles: a word)


@pytest.mark.parametrize("query, never", [("調整がたいへん", "課題"), ("きょう 取り組んだこと", "協"), ("トーク", "どく"),
                                          ("フラットな場", "ぷらっと"), ("さんがくかん", "参画")])
def test_kana_is_not_respelled_as_another_word(engine, query, never):
    """From the second stop-24 review: がたい (が + たい) was 課題 and さんがく 参画, differing
    only in voicing (now only a run of five kana or more may: ぽっときゃすと); きょう was 協
    (one kanji for a whole run); トーク was the どく of こどく and フラット 「ぷらっと」
    (katakana is no slip for hiragana)."""
    r = engine.search(query, limit=3)
    assert all(never not in spelled for _, spelled in r.reading.respellings), r.reading.respellings
    assert not r.suggestion or never not in r.suggestion


@pytest.mark.parametrize("query", ["こまったこと", "むずかしかったこと", "しっぱい", "なやんでいること"])
def test_a_side_asked_for_in_kana_is_read(engine, query):
    """From the second stop-24 review: 「こまったこと」 had no results; 「困ったこと」 lists the
    hard side. corpus/intents.csv holds the kana cues the corpus never spells in kanji."""
    r = engine.search(query, limit=5)
    assert r.reading.polarity == "hard" and r.total > 20 and r.hits[0].polarity == "hard"


def test_a_kana_run_after_a_particle_is_respelled(engine):
    """豊田市のこどく: the kana run is のこどく, and の ends the word before it."""
    r = engine.search("豊田市のこどく", limit=3)
    assert ("こどく", "孤独") in r.reading.respellings
    assert r.hits[0].city == "豊田市" and "孤独" in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]
    # Only hiragana, and never a word of its own: 会議にしない is not 会議 + 市内.
    words = engine.search("形だけの会議にしない", limit=1).reading
    assert "市内" not in [w.term for w in words.words] and not words.respellings
    # Only after a word: にちよう (日曜) at the start is not に + 庁, nor suggested as such.
    first = engine.search("にちよう", limit=1)  # (read whole, as 日曜: DICTIONARY_KANJI)
    assert all(alt == "日曜" for _, alt in first.reading.respellings) and first.suggestion is None
    assert not engine.search("行政と民間がフラットな関係", limit=1).reading.respellings  # not ぷらっと


@pytest.mark.parametrize("query, never", [("メリット", {"ット", "ッド", "っと"}), ("こどく", {"こと"}),
                                           ("良かった点", {"かっ"}), ("たてわり", {"わり"})])
def test_kana_pieces_that_say_nothing_of_the_word_are_not_marked(engine, query, never):
    """A word's kana bigrams still match and score, but are not marked where they
    say nothing of it: ネ【ット】ワーク for メリット, every 【こと】 for こどく, 関わりの
    な【かっ】た for 良かった, 関【わり】 for たてわり (whose 縦割り is marked)."""
    r = engine.search(query, limit=20)
    marked = {h.text[a:b] for h in r for a, b in h.matches}
    assert marked and not marked & never, marked & never


def test_a_synonym_is_not_marked_inside_a_longer_word(engine):
    """課 is in the 他部署 group: 総務【課】, but not the 課 of 社会課題."""
    r = engine.search("他部署", limit=20)
    marks = [(h.text[a:b], h.text[b:b + 1]) for h in r for a, b in h.matches]
    assert ("課", "が") in marks and not any(m == "課" and after == "題" for m, after in marks)


def test_the_spellings_are_read_only_for_a_query_with_kana_runs(tmp_path):
    from kodoku_search import SearchEngine

    with SearchEngine.open(CORPUS, tmp_path / "idx") as e:
        assert e.search("縦割り").hits and "_spellings_map" not in e.__dict__
        assert e.search("たてわり").suggestion == "縦割り" and "_spellings_map" in e.__dict__


def test_kana_respelling_makes_no_half_word():
    from kodoku_search.analysis import spelling_key
    from kodoku_search.search import _respell_pieces

    spellings = {spelling_key("タテワリ", ""): "縦割り", spelling_key("ヘイガイ", ""): "弊害"}
    assert [p[2] for p in _respell_pieces("たてわりのへいがい", spellings)] == ["縦割り", "弊害"]
    # After a case particle the rest may stay as typed (しらべる has no other spelling);
    # never a word cut in half: without the particle, nothing.
    assert _respell_pieces("たてわりをしらべる", spellings) == [(0, 4, "縦割り")]
    assert _respell_pieces("たてわりしらべる", spellings) is None


@pytest.mark.parametrize("query, needle", [("つなぎめ", "「つなぎめ」を通して"), ("こどくのあわい", "「こどくのあわい」の公開収録")])
def test_words_janome_does_not_know(engine, query, needle):
    assert needle in engine.search(query, limit=1).hits[0].text


def test_a_word_in_latin_letters_is_a_word_whatever_janome_calls_it(engine):
    # Before まだ Janome reads an unknown "PF" as an interjection.
    from kodoku_search.analysis import is_function_word, morphs

    assert morphs("PFまだ作ってない")[0].pos.startswith("感動詞")
    assert not is_function_word("感動詞,*,*,*", "pf")
    r = engine.search("PFまだ作ってないんだけど", limit=5)
    assert r.reading.words[0].term == "pf"
    assert "本市では、地方版PFは未設置です。" in [h.text for h in r.hits[:3]]
    assert all("PF" in h.text or "プラットフォーム" in h.text or h.theme == "platform" for h in r.hits)


# --- queries typed the way people speak ------------------------------------------------

def test_a_spoken_sentence_is_read_into_its_words(engine):
    """Janome alone made 「ぎてどこまでやればいいかわからない」 one unknown noun; a word
    of the sentence in the corpus's other wording (広い → 広範, via synonyms.csv) finds it."""
    r = engine.search("テーマが広すぎてどこまでやればいいかわからない", limit=10)
    assert [w.term for w in r.reading.words] == ["テーマ", "広い", "わかる"]
    assert any("非常に広範なため" in h.text for h in r)


def test_empty_words_of_a_question_are_not_searched_for(engine):
    """他, できる, やる, 思う say nothing about a snippet: 他 used to rank 「他事業」 first."""
    r = engine.search("他の課が協力してくれた", polarity="good", limit=3)
    assert [w.term for w in r.reading.words] == ["課", "協力", "くれる"]
    # 課, or 部署 (read as: 課 → 部署 via 他の課/他部署), or one of 播磨町's 「庁内の例」 (会計室 …くれました)
    assert any(w in h.text for h in r.hits[:2] for w in ("課", "部署"))
    assert not any("他事業" in h.text for h in r)


def test_a_way_of_doing_noun_also_looks_for_its_verb(engine):
    """選び方 is one word to Janome; the snippet says 選定 (synonyms.csv: 選ぶ,選定)."""
    r = engine.search("参加団体の選び方", limit=5)
    assert "選ぶ" in r.reading.words[-1].synonyms
    assert any("団体の選定方法に苦労しました" in h.text for h in r)
    r = engine.search("PFの進め方", limit=1)
    assert "進める" in r.reading.words[-1].synonyms


def test_empty_adverbs_are_not_searched_for(engine):
    r = engine.search("PFの立ち上げがなかなか進まない", limit=1)
    assert "なかなか" not in [w.term for w in r.reading.words]
    assert r.reading.polarity == "hard"


@pytest.mark.parametrize("query, alternative", [("他の課との連携", "関係部署"), ("他部署の理解", "関係課"), ("事業者との連携", "企業")])
def test_synonym_entries_are_found_as_typed_across_particles(engine, query, alternative):
    r = engine.search(query, limit=1)
    assert any(alternative in w.synonyms for w in r.reading.words)


def test_a_synonym_entry_ending_in_a_verb_is_found_typed_inflected(engine):
    """声をかける is an entry (with 赴く, 個別訪問: reaching out to groups in person); typed
    声をかけた or 声をかければ it was not found, and 市原市's 「各NPOや企業等に赴いて…」 was
    missed by the very queries whose judges list it (stop 36)."""
    for query in ("団体に声をかけた", "PFにはどんな団体に声をかければいいの?", "団体への声かけ"):
        r = engine.search(query, limit=5)
        assert any("赴く" in w.synonyms for w in r.reading.words), query
        assert any("各NPOや企業等に赴いて" in h.text for h in r.hits), query
    # A one-word entry typed inflected (誘った) is met by its base form, as before.
    assert any("赴く" in w.synonyms for w in engine.search("団体を誘った", limit=1).reading.words)
    # Not a home visit (訪問看護: the stop-36 review), nor people who do not turn up.
    assert not engine.search("訪問看護", limit=3).hits
    assert all("赴く" not in w.synonyms for w in engine.search("足を運ばない", limit=1).reading.words)
    assert finds(engine, "団体への個別訪問", "各NPOや企業等に赴いて")


def test_a_stretchs_synonym_stands_for_each_of_its_words(engine):
    """検証 is in the file for 効果測定 as a whole: a record that says 効果の検証 has both words
    (it was credited to 効果 alone, said 「not found: 測定」, and 鳥取市's 「…成果…」, a synonym
    of 効果 only, came first)."""
    r = engine.search("効果測定", limit=3)
    assert all("検証" in w.synonyms for w in r.reading.words)
    assert r.unmatched == ()
    assert r.hits[0].id == "advice-2025-10/general/京都市/6" and "検証" in r.hits[0].text


def test_synonym_entries_are_found_only_between_word_boundaries():
    from kodoku_search.search import _phrase_synonyms
    from kodoku_search.vocab import load_vocabulary

    vocab = load_vocabulary(CORPUS)
    assert any((a, b) == (0, 2) for a, b, _ in _phrase_synonyms("広報の工夫", vocab))
    assert not any(alts for *_, alts in _phrase_synonyms("情報報告", vocab) if "周知" in alts)  # 報報 is no 広報


def test_bigrams_across_particles_carry_what_the_words_miss(engine):
    """「協力してくれた」: the て between 協力し and くれ is in no content word; the
    bigram across it is, and lifts the snippets that say 「動いてくれる」."""
    r = engine.search("庁内の他部署が協力してくれた", limit=20, explain=True)
    grams = {g for g, _ in r.reading.phrase_grams}
    # (クレ was くれる's own pair; since stop 34 くれた, a side's cue, is matched by the side, and its
    # pair only across the particles, as テク.)
    assert "テク" in grams and "クレ" in grams
    helped = [h for h in r if any(c.field == "phrase" and c.term == "テク" for c in h.explanation.contributions)]
    assert any("動いてくれる" in h.text for h in helped)
    for h in r:  # counted in the base score, never as a matched word
        assert h.explanation.words_matched <= h.explanation.words_total


def test_rare_words_count_more_for_coordination(engine):
    """Matching 孤独 and 孤立, which most snippets have, says less than matching 範囲."""
    r = engine.search("孤独・孤立の範囲", limit=200, explain=True)
    rare_only = [h for h in r if "範囲" in h.text and "孤独" not in h.text and "孤立" not in h.text]
    common_only = [h for h in r if "範囲" not in h.text and "孤独" in h.text and "孤立" in h.text]
    assert rare_only and common_only  # one word of three against two of three
    assert min(h.explanation.coordination for h in rare_only) > max(h.explanation.coordination for h in common_only)


def test_a_query_naming_a_section_finds_the_snippets_listed_under_it(engine):
    """The 播磨町 list under 「産学官の例」 has the word in its heading, not its text."""
    r = engine.search("産学官の事例", limit=5, explain=True)
    under = [h for h in r if h.section == "産学官の例"]
    assert len(under) >= 2
    assert any(c.field == "heading" for h in under for c in h.explanation.contributions)


def test_headings_match_in_any_spelling(engine):
    """取組例 (no okurigana) finds the list headed 「取り組み例」."""
    r = engine.search("取組例", limit=10, explain=True)
    under = [h for h in r if h.section == "取り組み例"]
    assert len(under) >= 4
    assert any(c.field == "heading" and c.term == "トリクミ" for c in under[0].explanation.contributions)


def test_a_query_that_only_asks_for_a_side_gets_that_side(engine):
    r = engine.search("やってみて良かったこと", limit=200)
    assert r.reading.words == () and r.reading.polarity == "good"
    totals = engine.stats()["totals"]
    also = sum(1 for h in r if h.polarity != "good")  # 宇和島市's 「…できる反面、…難しく」 states both
    assert r.total == totals["general/good"] + totals["platform/good"] + also  # every snippet of that side
    assert r.hits and all("good" in (h.polarity, h.also) for h in r) and also == 1
    assert not engine.search("やってみて良かったこと", polarity="hard").hits  # the filter wins


def test_a_side_only_query_within_filters_lists_that_side(engine, corpus):
    """「苦労した点」 with one city's hard side: that side is the answer, though
    none of its snippets says 苦労 (it found nothing)."""
    r = engine.search("苦労した点", city="岡崎市", polarity="hard", limit=100)
    okazaki_hard = [rec for rec in corpus.records if rec.city == "岡崎市" and rec.polarity == "hard"]
    assert r.total == len(okazaki_hard) > 0
    assert {h.id for h in r} == {h.id for h in okazaki_hard}


@pytest.mark.parametrize("query, side", [
    ("うまくいかなかったこと", "hard"),  # the cue うまくいかない, in the past
    ("うまくいきませんでした", "hard"),  # and polite
    ("NPOの参加が増えませんでした", "hard"),
    ("連携できなかった", "hard"),
    ("連携できた", "good"),
    ("効果がありました", "good"),
    ("他の課が協力してくれた", "good"),  # a favour received: something went well
    ("メンバーが主体的に動いてくれない", "hard"),  # and one not received
    ("PFの活用方法が分からない", "hard"),  # a query that ends in a negated verb is a complaint
    ("次の段階に進めない", "hard"),
    ("ノウハウがない", "hard"),
    ("周知はできたがその先に進めない", "hard"),  # the last cue wins: the sentence ends in its point
    ("苦労しましたが連携できました", "good"),
    ("孤立させない地域づくり", None),  # the negation is not the query's last word
    ("まだPFを設置していない", None),  # "not yet" says where things stand, not what went wrong
    ("行政がお願いするだけの場にしたくない", None),  # …したくない is a wish, not a complaint
    ("形だけの会議にしない", None),  # …にしない says what it is not to become: an aim
    ("困っている人に早く気づく仕組み", None),  # the people this work is for, not a complaint
    ("困った", "hard"),
    ("うまくいかない人間関係", "hard"),  # 人間 is not a person the cue describes
    ("他部署が相手にしない", "hard"),  # an idiom, not an aim
    ("縦割り", None),
])
def test_intent_cues_are_found_inflected(engine, query, side):
    assert engine.search(query, limit=1).reading.polarity == side


def test_reading_intent_reuses_the_querys_tokens(engine):
    """Intent by base forms costs no second Janome pass over the query (the cues'
    own analysis is kept per vocabulary)."""
    from kodoku_search.analysis import morphs
    from kodoku_search.search import read_query
    from kodoku_search.vocab import vocabulary

    vocab = vocabulary(CORPUS)
    query = "ＰＦの運用がうまくいきませんでした"
    read_query(query, vocab)  # analyses the cues it could hold, once per vocabulary
    morphs.cache_clear()
    r = read_query(query, vocab)
    assert r.polarity == "hard" and morphs.cache_info().misses == 1  # the query, once


def test_intent_only_query_in_the_past_gets_that_side(engine):
    r = engine.search("うまくいかなかったこと", limit=200)
    assert r.reading.polarity == "hard"
    totals = engine.stats()["totals"]
    assert r.total >= totals["general/hard"] + totals["platform/hard"]
    assert sum("hard" in (h.polarity, h.also) for h in r.hits[:20]) >= 18  # (うまく alone also finds うまく使い分け)


def test_a_word_the_filter_already_asks_for_is_met_by_every_record_it_lets_through(engine):
    """「PFを作ってよかったこと」 on the platform theme's good side: every record of that
    side is an answer, though most never write PF. The formula puts those with the
    query's words first; the learned ranker orders them all by how they matched
    (judges count such records as answers: rerank.order)."""
    reranked = engine.search("PFを作ってよかったこと", theme="platform", polarity="good", limit=100)
    r = engine.search("PFを作ってよかったこと", theme="platform", polarity="good", limit=100, explain=True, rerank=False)
    assert {h.id for h in reranked.hits} == {h.id for h in r.hits}  # the same records, nothing dropped
    side = [h for h in engine.search("PF", theme="platform", limit=200) if h.polarity == "good"]
    without_pf = [h for h in r if "PF" not in h.text and "プラットフォーム" not in h.text]
    assert without_pf and r.total >= len(side)
    def by_label_only(h):  # phrase bigrams only add to a record something else matched
        return {c.field for c in h.explanation.contributions} - {"phrase"} == {"label"}

    def has_a_word(h):
        return bool({c.field for c in h.explanation.contributions} & {"text", "reading", "ngram", "synonym", "heading"})

    labelled = [r.hits.index(h) for h in r if by_label_only(h)]
    worded = [r.hits.index(h) for h in r if has_a_word(h)]
    assert labelled and worded and max(worded) < min(labelled)  # after every record with a word of the query
    from kodoku_search import search as S

    assert r.hits[-1].explanation.base == pytest.approx(S.W_LABEL)  # the label alone
    # without the filters, the word PF is looked for in the text only
    plain = engine.search("PFを作ってよかったこと", limit=100, explain=True)
    assert all(c.field != "label" for h in plain for c in h.explanation.contributions)


# --- intent in the query ---------------------------------------------------------------

def test_intent_ranks_the_asked_side_first_but_hides_nothing(engine):
    r = engine.search("PFの立ち上げで苦労したこと", limit=200)
    assert (r.reading.polarity, r.reading.theme) == ("hard", "platform")
    # The asked side heads the page, and the asked theme holds most of its top: a 全般
    # snippet that speaks of planning a platform (呉市: プラットフォームの設置を検討…
    # 苦労している) may stand among them, as a person would want it to.
    assert [h.polarity for h in r.hits[:5]] == ["hard"] * 5
    assert sum(h.theme == "platform" for h in r.hits[:5]) >= 4
    assert all(h.theme == "platform" or "プラットフォーム" in h.text for h in r.hits[:5])
    assert any(h.polarity == "good" for h in r.hits)  # nothing hidden
    plain = engine.search("PF 立ち上げ 苦労", limit=200)
    assert r.total == plain.total


def test_a_city_named_in_the_query_ranks_its_snippets_first_and_hides_nothing(engine):
    """A snippet seldom says its own city's name: as words, 福岡市 found nothing and
    "did you mean" offered 福祉市. Named, the city is what the query is about."""
    from kodoku_search import search as S

    alone = engine.search("福岡市", limit=10)
    assert alone.reading.cities == ("福岡市",) and alone.reading.words == ()
    assert alone.total == 4 and {h.city for h in alone.hits} == {"福岡市"} and not alone.related
    assert [h.line for h in alone.hits] == sorted(h.line for h in alone.hits)  # the document's order
    assert alone.suggestion is None
    # A snippet that says the name comes first (熊本市's 「…熊本市内のNPO…」), the others after
    # it in the document's order (the README said "in the document's order" alone: stop 41).
    kumamoto = engine.search("熊本市", limit=10).hits
    assert "熊本市内" in kumamoto[0].text and [h.line for h in kumamoto[1:]] == sorted(h.line for h in kumamoto[1:])
    # Without 市 too, where Janome's words begin and end: 東京都 does not name 京都市
    # (it names the prefecture, and so 中野区).
    assert engine.search("宇和島", limit=1).reading.cities == ("宇和島市",)
    assert engine.search("東京都", limit=1).reading.cities == ("中野区",)
    # A suffix after the name goes with it: 熊本県's 県 found 鳥取市's 「兵庫県2町」.
    # (And a word the name's own 市/区 begins: 熊本 + 市長, 中野 + 区役所.)
    for q, city in (("熊本県", "熊本市"), ("岡崎さん", "岡崎市"), ("熊本市長", "熊本市"), ("中野区役所", "中野区")):
        named = engine.search(q, limit=20)
        assert named.reading.words == () and {h.city for h in named.hits} == {city} and named.suggestion is None
    # With other words: the named city's matches first, then everyone else's (nothing hidden).
    r = engine.search("豊田市の苦労", limit=50)
    assert r.reading.cities == ("豊田市",) and [w.term for w in r.reading.words] == ["苦労"]
    assert r.hits[0].city == "豊田市" and "他部署の理解を得るのに苦労しました" in r.hits[0].text
    assert {h.city for h in r.hits} > {"豊田市"}
    both = engine.search("福岡市の苦労したこと", limit=2)
    assert [h.city for h in both.hits] == ["福岡市", "福岡市"]
    good = engine.search("福岡市で良かったこと", limit=3)  # of the city's snippets, the side asked for first
    assert [(h.city, h.polarity) for h in good.hits[:2]] == [("福岡市", "good")] * 2
    assert engine.search("縦割り 福山", limit=1).hits[0].city == "福山市"
    # Its matches first: where a query word matched whole, not by a kana pair (こどく's コト).
    weak = engine.search("豊田市のこどく", limit=10, explain=True)
    for h in weak.hits:
        if h.city != "豊田市":
            break
        assert h.matches, h.id
    # A word that names a theme or side is met by the city's records of it, as by a filter's
    # label: 京都市's platform records never say PF (「京都市のPF」 found none of them).
    pf = engine.search("京都市のPF", limit=10)
    assert [(h.city, h.theme) for h in pf.hits[:3]] == [("京都市", "platform")] * 3
    assert {h.city for h in pf.hits} > {"京都市"}  # the other cities' PF records follow
    hard = engine.search("京都市のPFの苦労", limit=3)
    assert [(h.city, h.theme, h.polarity) for h in hard.hits[:2]] == [("京都市", "platform", "hard")] * 2
    # --city naming the same city meets the word the same way (it found nothing), and
    # finds what the query alone finds of the city: its PF records first, then its others.
    same = engine.search("京都市のPF", limit=10, city="京都市")
    assert {h.id for h in same.hits[:3]} == {h.id for h in pf.hits[:3]} and same.total == 9
    tate = engine.search("豊田市の縦割り", limit=10, city="豊田市")
    assert tate.total == 3 and not tate.notes  # (it said "No results", and "7 results without --city")
    # Only a word that is the cue itself: 足り of 足りない does not match 京都市's hard side.
    short = engine.search("京都市で予算が足りない", limit=10, explain=True)
    assert not any(c.field == "label" for h in short.hits for c in h.explanation.contributions)
    # The city's other snippets are found too, after every match: the query is about it.
    kyoto = {h.id for h in engine.search("京都市", limit=50).hits}
    assert [h.theme for h in pf.hits[:3]] == ["platform"] * 3
    assert engine.search("京都市のPF", limit=50).total == len(kyoto | {h.id for h in engine.search("PF", limit=90).hits})
    rest = engine.search("京都市のPF", limit=50).hits
    assert [h.city for h in rest[-6:]] == ["京都市"] * 6 and {h.theme for h in rest[-6:]} == {"general"}
    # Where its words find nothing of the city's, the city's snippets come first.
    differ = engine.search("京都市と福岡市の違い", limit=20)
    assert {h.city for h in differ.hits[:13]} == {"京都市", "福岡市"} and differ.hits[13].city == "宇和島市"
    # Facets count what the search finds.
    assert engine.facets("福岡市")["city"] == {"福岡市": 4}
    assert engine.facets("京都市のPF")["city"]["京都市"] == 9
    # --city wins, and says so.
    other = engine.search("福岡市", limit=5, city="豊田市")
    assert other.total == 0 and any("--city 豊田市 wins" in n for n in other.notes)
    # Off, the name is words again: nothing.
    S.NAMED_CITY_FIRST = False
    try:
        assert engine.search("福岡市", limit=5).total == 0
    finally:
        S.NAMED_CITY_FIRST = True


def test_filters_that_leave_nothing_say_how_many_they_hid(engine):
    r = engine.search("縦割り", limit=5, city="豊田市")
    assert r.total == 0 and r.suggestion is None  # not 「割り」: the word is there, the filter hid it
    assert f"{engine.search('縦割り', limit=1).total} results without --city 豊田市" in r.notes
    # Counted as the query alone matches, not with what the filters add (PF's label).
    pf = engine.search("PF", limit=5, theme="PF", city="中野区", polarity="other")
    assert f"{engine.search('PF', limit=1).total} results without --city 中野区 --theme platform --polarity other" in pf.notes
    assert engine.search("xyzzy", limit=5, city="豊田市").notes == ()


@pytest.mark.parametrize("query, side", [("連携が難しい", "hard"), ("連携の課題", "hard"), ("連携で良かったこと", "good"), ("連携の成果", "good"),
                                         # (stop 21: these found nothing, or the other side first)
                                         ("失敗談", "hard"), ("よくなかった点", "hard"), ("PFで失敗したこと", "hard"),
                                         ("いいところ", "good"), ("プラットフォームのいいところ", "good")])
# (The good points only as a phrase of their own: not かわいいところ, nor 改善した方が良い点.)
def test_intent_words(engine, query, side):
    r = engine.search(query, limit=5)
    assert r.reading.polarity == side
    assert sum(h.polarity == side for h in r) >= 3


def test_public_private_work_is_no_theme_of_its_own(engine):
    """官民連携 is what both themes are about (three sets' judges, blind154, 156 and 117, listed
    全般 records for 「官民連携」); the platform is named by プラットフォーム or PF."""
    assert engine.search("官民連携", limit=1).reading.theme is None
    assert engine.search("官民連携プラットフォームの立ち上げ", limit=1).reading.theme == "platform"


@pytest.mark.parametrize("query", ["成果指標", "成功体験", "課題意識", "課題共有", "課題解決",
                                   "苦労話題", "課題例外", "成果報告会"])
def test_a_cue_that_heads_a_compound_asks_for_no_side(engine, query):
    """成果指標 is an indicator, 課題意識 an awareness: the compound's thing, not how it went
    (nor 苦労話題, 成果報告会: the cases' words must end the compound; the stop-29 review)."""
    assert engine.search(query, limit=1).reading.polarity is None


@pytest.mark.parametrize("query, side", [("連携の失敗事例", "hard"), ("成功事例", "good"), ("成功要因", "good"),
                                         ("苦労事項", "hard"), ("困難事例", "hard"), ("成果報告", "good"),
                                         ("失敗経験", "hard"), ("苦労経験", "hard"), ("成功事例集", "good"),
                                         ("失敗事例集", "hard"), ("成功事例等", "good"), ("成果報告書", "good"),
                                         ("成功要因分析", "good"), ("苦労話集", "hard")])
def test_a_cue_followed_by_its_cases_still_asks_for_its_side(engine, query, side):
    """失敗事例 are the failures themselves (stop 27 read them as no side, and said 「not found: 失敗」)."""
    r = engine.search(query, limit=5)
    assert r.reading.polarity == side
    assert not any("not found" in n for n in r.notes)


@pytest.mark.parametrize("query", ["かわいいところ", "ちょうどいいところ", "改善した方が良い点", "ダメージ", "駄目元"])
def test_a_cue_inside_another_phrase_asks_for_no_side(engine, query):
    assert engine.search(query, limit=1).reading.polarity is None


def test_a_synonym_adds_nothing_where_the_word_itself_is_there(engine):
    """ネットワーク is in the つながり group: a snippet that says ネットワーク scores for the
    word, not again for つながり (dis_max per query word, as Elasticsearch does)."""
    r = engine.search("ネットワーク型のPF", limit=10, explain=True)
    for h in r:
        fields = {(c.word, c.field) for c in h.explanation.contributions}
        has_word = any(f in ("text", "reading") and w == "ネットワーク" for w, f in fields)
        assert not (has_word and ("ネットワーク", "synonym") in fields), h.text
        words = [c for c in h.explanation.contributions if c.field != "meaning"]
        assert sum(c.score for c in words) == pytest.approx(h.explanation.base, rel=1e-6)
    assert r.hits[0].text.startswith("特定の会議体ではなく、ネットワークであるため")


def test_a_word_naming_the_records_theme_counts_as_matched(engine, monkeypatch):
    """「ネットワークであるため…」 is a platform record without the letters PF: its
    theme says PF for it, so the word counts for coordination (and only there)."""
    from kodoku_search import search as S

    def matched(**kw):
        r = engine.search("ネットワーク型のPF", limit=50, explain=True, **kw)
        return {h.id: h.explanation.words_matched for h in r if "PF" not in h.text and "プラットフォーム" not in h.text}

    with_label = matched()
    monkeypatch.setattr(S, "LABEL_CREDIT", False)
    without = matched()
    net = next(h for h in engine.search("ネットワーク", limit=5) if h.text.startswith("特定の会議体ではなく"))
    assert net.theme == "platform" and with_label[net.id] > without[net.id]
    monkeypatch.setattr(S, "LABEL_CREDIT", True)
    general = matched(theme="general")  # the query says platform; a general record gets no credit for PF
    monkeypatch.setattr(S, "LABEL_CREDIT", False)
    assert general == matched(theme="general")


def test_how_much_of_a_word_the_label_stands_for_is_a_knob(engine, monkeypatch):
    """「連携の負担」: 負担 asks for the hard side and names a topic. A hard record's
    label stands for LABEL_CREDIT_SHARE of the word (0.6: a text that says 負担 counts
    more, and 「連携の課題」 still lifts the hard side); at 1 it stands for the whole
    word, at 0.5 for half, and a text saying 負担 counts it whole either way."""
    from kodoku_search import search as S

    def matched():
        r = engine.search("連携の負担", limit=50, explain=True)
        return {h.id: (h.explanation.words_matched, h) for h in r}

    # At the shipped value, 課題 still asks for the hard side: the first page holds at least
    # twice the share of it that the matches do (the ranker weighs the side with the rest, so
    # 京都市's good 「…連携等のきっかけ」 may lead).
    def share(q: str, side: str, limit: int) -> float:
        hits = engine.search(q, limit=limit, related=False).hits
        return sum(side in (h.polarity, h.also) for h in hits) / len(hits)

    for q in ("連携の課題", "庁内連携の苦労", "PF運営の悩み"):
        assert share(q, "hard", 10) >= 2 * share(q, "hard", 1000), q
    assert share("連携の成果", "good", 10) > share("連携の成果", "good", 1000)
    monkeypatch.setattr(S, "LABEL_CREDIT_SHARE", 1.0)
    whole = matched()
    monkeypatch.setattr(S, "LABEL_CREDIT_SHARE", 0.5)
    half = matched()
    unsaid = [i for i, (_, h) in whole.items() if "hard" in (h.polarity, h.also)
              and "連携" in h.text and "負担" not in h.text and i in half]
    said = [i for i, (_, h) in whole.items() if "負担" in h.text and "連携" not in h.text and i in half]
    assert unsaid and said
    for i in unsaid:
        assert whole[i][0] == pytest.approx(whole[i][1].explanation.words_total)
        assert half[i][0] < whole[i][0]
    for i in said:
        assert half[i][0] == pytest.approx(whole[i][0])


def test_a_snippet_with_the_whole_query_as_typed_ranks_first(engine, monkeypatch):
    """「地域のために何かしたい」: every word but 地域 is a stop word, yet one snippet
    quotes exactly that; the phrase lifts it (proximity × 1 + W_EXACT)."""
    from kodoku_search import search as S

    r = engine.search("地域のために何かしたい", limit=5, explain=True)
    assert "「地域のために何かしたい」" in r.hits[0].text
    assert "地域のために何かしたい" in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]  # highlighted whole
    assert r.hits[0].explanation.proximity == pytest.approx(1 + S.W_EXACT)
    monkeypatch.setattr(S, "W_EXACT", 0)  # (the formula's order: the learned ranker has learned the lift too)
    assert "「地域のために何かしたい」" not in engine.search("地域のために何かしたい", limit=5, rerank=False).hits[0].text
    assert S._query_phrase("縦割り") is None and S._query_phrase("地域 のため") == "地域のため"
    text = "「地域の ために」と ＰＦ会議"
    assert [text[a:b] for a, b in S._phrase_spans(text, S._as_typed("PF会議"))] == ["ＰＦ会議"]
    assert [text[a:b] for a, b in S._phrase_spans(text, "地域のために")] == ["地域の ために"]


def test_a_suffix_is_looked_for_only_after_its_stem(engine):
    """形骸化 is 形骸 + 化 to Janome (名詞,接尾). On its own 化 is in 強化, 活性化 and
    具体化: 形骸化 found ten snippets, nine of them for their 化. Bound to its stem it
    is looked for as the phrase 形骸 化, and the stem stays a word of its own."""
    r = engine.search("形骸化", limit=10, explain=True)
    assert [(w.term, w.parts) for w in r.reading.words] == [("形骸", ()), ("形骸化", ("形骸", "化"))]
    # The rest of the page is related records, marked as such. (Five matches since stop 34:
    # 希薄 joined 形骸化's synonyms, and 岡崎市's snippet that says it and the one it continues match.)
    assert r.hits and len(r.hits) <= 5 and r.related
    for h in r.hits:
        assert all(c.term != "化" for c in h.explanation.contributions), h.text
    assert "形骸化" in r.hits[0].text and [r.hits[0].text[a:b] for a, b in r.hits[0].matches] == ["形骸化"]
    # The stem stays a word of its own: a snippet on 孤立 answers 孤立死 in part.
    assert [w.term for w in engine.search("孤立死", limit=1).reading.words] == ["孤立", "孤立死"]
    # Two suffixes in a row both belong to the stem (参加 + 者 + 等), where two single
    # kanji would otherwise join (協 + 働, which Janome also files as a suffix + a noun).
    assert [w.term for w in engine.search("参加者等", limit=1).reading.words] == ["参加", "参加者", "参加者等"]
    assert [w.term for w in engine.search("庁内等の連携", limit=1).reading.words] == ["庁内", "庁内等", "連携"]
    assert "孤立死" in engine.search("孤立死", limit=1).hits[0].text


def test_a_number_is_looked_for_with_the_word_it_counts(engine):
    """No field keeps 3 or 11 as a word (Janome: 名詞,数), so 「3回」 was 回 and
    ranked 週2回 first, 「11月」 was 月 and ranked 1月 first, 「3者」 was 者 and
    listed twenty snippets for 関係者 and 事業者. Bound to what it counts, the
    number is looked for by its characters, and highlighted with them."""
    from kodoku_search import search as S

    assert [w.term for w in S.read_query("3回").words] == ["3回"]  # never 回 alone
    assert [w.term for w in S.read_query("第３者").words] == ["第3者"]  # the prefix 第, and NFKC
    assert [w.term for w in S.read_query("令和6年度").words] == ["令和6年度"]  # the era's year with it (stop 34)
    assert [w.term for w in S.read_query("2か月間").words] == ["2か月間"]  # a suffix after the counter goes too
    # A noun after digits stays a word of its own, before the number's (as a suffix's stem).
    assert [w.term for w in S.read_query("34団体").words] == ["団体", "34団体"]
    assert [w.term for w in S.read_query("18").words] == ["18"]  # a number alone is a word
    assert [w.term for w in S.read_query("3つの課題").words] == ["課題"]  # a lone digit is in no field: not a word
    # 何 and the ひと of ひととおり are 名詞,数 to Janome, and stay as they were.
    assert "何" not in [w.term for w in S.read_query("つなぎめって何").words]
    assert "とおり" in [w.term for w in S.read_query("ひととおりやった").words]

    def top(query):
        hit = engine.search(query, limit=1).hits[0]
        return hit.text, [hit.text[a:b] for a, b in hit.matches]

    text, marked = top("3回")
    assert "「転入者カフェ」を3回実施" in text and "3回" in marked
    text, marked = top("11月")
    assert "11月に実施するイベント" in text and "11月" in marked
    text, marked = top("3者")
    assert "の3者で実施" in text and "3者" in marked
    assert engine.search("3者", limit=10).total == 1  # not every 関係者 and 事業者
    # A number the text never says finds nothing, and is no misspelling (not 回, not 2民間).
    for q in ("5回", "五回", "2週間"):
        none = engine.search(q, limit=5)
        assert none.total == 0 and none.suggestion is None, q
    text, marked = top("34団体")
    assert "計34団体に加入" in text and "34団体" in marked
    assert "(18団体)" in top("18")[0]
    # A number in kanji is also looked for in digits, as the corpus writes them.
    assert [w.synonyms for w in S.read_query("三回").words] == [("3回",)]
    assert S._in_digits("十一月") == "11月" and S._in_digits("第十二回") == "第12回" and S._in_digits("34団体") is None
    # Not where the kanji make a word of their own (十分: enough; 一度: once), nor in 万.
    assert S._in_digits("十分") is None and S._in_digits("一度") is None and S._in_digits("二万五千人") is None
    text, marked = top("三回")
    assert "3回実施" in text and "3回" in marked
    assert "11月に実施" in top("十一月")[0]
    # ヶ is read か: 2ヶ月 finds 2か月間.
    text, marked = top("2ヶ月")
    assert "2か月間" in text and "2か月" in marked
    # In part only by its number (11月 by 1月): 宇和島市's 「担当者が月に1回」 (が月 folds to
    # か月) was a second result for 2か月, marked 【が月】 (the stop-25 review).
    for q in ("2か月", "2ヶ月", "２か月", "二ヶ月"):
        assert engine.search(q, limit=5, related=False).total == 1, q
    assert engine.search("三か月", limit=5, related=False).total == 0  # (in kanji too: 3か月 is said nowhere)
    # Switched off, the number is lost again: 回 alone ranks 週2回 first.
    S.BIND_NUMBERS = False
    try:
        assert "3回実施" not in top("3回")[0]
    finally:
        S.BIND_NUMBERS = True


def test_a_bound_suffix_meets_another_spelling_through_the_readings(engine):
    """繋がり作り: the compound is looked for by its pieces' readings too, so the
    text's つながりづくり is found as the whole compound and highlighted whole."""
    r = engine.search("繋がり作り", limit=3, explain=True)
    top = r.hits[0]
    assert "つながりづくり" in top.text
    assert any(c.word == "繋がり作り" and c.field == "reading" for c in top.explanation.contributions)
    assert "つながりづくり" in [top.text[a:b] for a, b in top.matches]


def test_a_word_in_pieces_is_there_only_where_its_pieces_stand_side_by_side(engine):
    """関係づくり: the reading field has no positions, so 関係 … まちづくり matches both
    readings; only a record that says 関係づくり gets the whole word (reading,
    highlight, meaning), and a stem next to its own bound word counts as close."""
    from kodoku_search import search as S

    spans = [("関係", "カンケイ", 0, 2), ("づくり", "ツクリ", 2, 5), ("まち", "マチ", 6, 8), ("作り", "ツクリ", 8, 10)]
    assert S._side_by_side(spans, ("関係", "づくり"), 0) == [(0, 5)]
    assert S._side_by_side(spans, ("カンケイ", "ツクリ"), 1) == [(0, 5)]
    assert S._side_by_side(spans, ("まち", "づくり"), 0) == []  # apart, and in the other order
    r = engine.search("関係づくり", limit=10, explain=True)
    assert r.reading.words[1].term == "関係づくり" and r.reading.words[1].reading == "カンケイ ツクリ"
    said = [h for h in r if "関係づくり" in h.text]
    apart = [h for h in r if "関係づくり" not in h.text and "関係" in h.text and "づくり" in h.text]
    assert said and apart
    for h in said:
        assert h.explanation.words_matched == pytest.approx(2.0)
        assert "関係づくり" in [h.text[a:b] for a, b in h.matches]
    for h in apart:
        assert h.explanation.words_matched < 2.0
        assert all(not (c.word == "関係づくり" and c.field == "reading") for c in h.explanation.contributions)
    # In meaning, a record that says 縦割り has the word itself (it has a vector; 関係づくり has none).
    top = engine.search("縦割り", limit=1, explain=True).hits[0]
    assert ("縦割り", "meaning", "縦割り") in {(c.word, c.field, c.term) for c in top.explanation.contributions}
    # Proximity: 関係 inside 関係づくり is close to it; a span is not close to itself.
    words = S.read_query("関係づくり")
    assert S._close_pairs([[(0, 2)], [(0, 5)]], words, [1.0, 1.0]) == 1
    assert S._close_pairs([[(0, 2)], [(0, 2)]], words, [1.0, 1.0]) == 0


def test_a_word_janome_cuts_into_single_kanji_is_one_query_word(engine):
    """Janome reads 協働 as 協 + 働 (and 庁内 as 庁 + 内), in queries as in the
    index. As one word it weighs as one in coordination, is looked up as the phrase
    of its pieces, and its synonyms apply (庁内 → 行政内部, 全庁)."""
    r = engine.search("ＮＰＯ法人との協働", limit=5)
    assert [w.term for w in r.reading.words] == ["npo", "法人", "協働"]
    assert r.reading.words[2].parts == ("協", "働")
    assert "NPO" in r.hits[0].text  # 協働 alone (「連携・協働のきっかけ」) no longer matches half the query
    one = engine.search("協働", limit=20)
    assert any("協働" in h.text and "協働" in [h.text[a:b] for a, b in h.matches] for h in one)
    assert [w.term for w in engine.search("庁内連携", limit=1).reading.words] == ["庁内", "連携"]
    chonai = engine.search("庁内", limit=20)
    assert chonai.reading.words[0].parts == ("庁", "内") and "行政内部" in chonai.reading.words[0].synonyms
    assert any("行政内部" in h.text for h in chonai)


def test_a_synonym_with_particles_matches_as_far_apart_as_it_is_written(engine):
    """The text field leaves particles out but counts them in positions: the entry
    意識したことのない層 is 意識 … ない 層, five apart, and must match so."""
    from kodoku_search import search as S

    assert S._as_phrase("意識したことのない層") == ("意識 ない 層", 5)
    assert S._as_phrase("官民連携プラットフォーム") == ("官民 連携 プラットフォーム", 1)
    r = engine.search("無関心層", limit=3, explain=True)
    assert "意識したことのない層" in r.hits[0].text
    assert any(c.field == "synonym" and c.term == "意識 ない 層" for c in r.hits[0].explanation.contributions)


def test_a_word_read_as_a_verb_alone_finds_it_as_the_text_says_it(engine):
    """春日井市's 「参加者同士の有機的な結びつきを生み出せた」: typed alone, 結びつき was the
    verb 結びつく to Janome, so neither the query nor the synonym entry of ネットワーク met
    the text's 結び + つき (the query ranked it 8th, marking 【結び】; ネットワーク not at all)."""
    r = engine.search("結びつき", limit=1)
    hit = r.hits[0]
    assert "有機的な結びつき" in hit.text and "結びつき" in [hit.text[a:b] for a, b in hit.matches]
    assert finds(engine, "ネットワーク", "有機的な結びつき", within=5)


def test_a_favour_done_is_a_word(engine):
    """くれる (someone did it for us) is kept as a word, in the index and the query:
    「他部署が協力してくれた」 finds the list of what other sections did for the
    welfare side (「…作成してくれました」, 「…設置してくれました」)."""
    from kodoku_search.analysis import words

    assert "くれる" in [w.term for w in words("封筒を作成してくれました")]
    assert "いただく" not in [w.term for w in words("参画いただく")]  # politeness stays out
    r = engine.search("他部署が協力してくれた", limit=5)
    assert sum(h.section == "庁内の例" for h in r) >= 2


def test_after_is_a_word(engine):
    """後 (after), which Janome files as a dependent noun, is kept: 「設置した後に何を
    すれば」 asks about what came after setting one up."""
    from kodoku_search.analysis import words

    assert "後" in [w.term for w in words("設置した後")]
    r = engine.search("PFを設置した後に何をすればいいか", theme="platform", limit=3)
    assert r.hits[0].text.startswith("設置後の具体取組")


def test_explicit_filter_wins_over_intent(engine):
    r = engine.search("連携で苦労したこと", polarity="good", limit=100)
    assert r.hits and all("good" in (h.polarity, h.also) for h in r)
    assert any("wins" in n for n in r.notes)


# --- explain, eval, did you mean ------------------------------------------------------

def test_explain_adds_up(engine):
    from kodoku_search.rerank import to_display

    r = engine.search("他部署の理解を得るのが難しい", limit=5, explain=True)
    for h in r:
        e = h.explanation
        assert e is not None and e.contributions
        words = [c for c in e.contributions if c.field != "meaning"]
        alike = [c for c in e.contributions if c.field == "meaning"]
        assert sum(c.score for c in words) == pytest.approx(e.base, rel=1e-6)
        assert sum(c.score for c in alike) == pytest.approx(e.meaning, rel=1e-6, abs=1e-9)
        assert e.first_stage == pytest.approx(e.base * e.coordination * e.proximity * e.intent + e.meaning, rel=1e-6)
        assert h.score == pytest.approx(to_display(e.ranker), rel=1e-9)  # the page's order is the ranker's
        assert {c.field for c in e.contributions} <= {"text", "reading", "ngram", "synonym", "context", "sequel", "heading",
                                                      "phrase", "label", "meaning"}
    assert any(h.explanation.meaning > 0 for h in r)
    assert engine.search("縦割り").hits[0].explanation is None


def test_explain_in_the_cli_and_json():
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "縦割り", "--explain", "-n", "1"])
    assert r.exit_code == 0 and "BM25F" in r.output and "text:縦" in r.output
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "縦割り", "--explain", "--json"])
    assert json.loads(r.output)["results"][0]["explanation"]["contributions"]


def test_development_judgments_meet_the_bar(engine):
    """The quality bar of the search-quality issue, on the development set."""
    report = engine.evaluate(JUDGMENTS)
    assert report.ndcg >= 0.95 and report.recall >= 0.95 and report.mrr >= 0.98
    assert report.zero_rate == 0


def test_eval_command():
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "eval", str(JUDGMENTS)])
    assert r.exit_code == 0 and "MEAN" in r.output and "d20" in r.output
    data = json.loads(CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "eval", str(JUDGMENTS), "--json"]).output)
    assert len(data["per_query"]) == 20


def test_eval_bad_file(tmp_path):
    bad = tmp_path / "j.jsonl"
    bad.write_text('{"qid": "x"}\n')
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "eval", str(bad)])
    assert r.exit_code == 2 and "j.jsonl:1" in r.output and "Traceback" not in r.output


def test_did_you_mean(engine):
    r = engine.search("たてわりのへいがい")
    assert r.suggestion == "縦割りの弊害"
    assert engine.search(r.suggestion).hits[0].matches
    assert engine.search("縦割り").suggestion is None
    assert engine.search("xyzzy").total == 0
    assert engine.search("施作").suggestion == "施策"  # a slip the vectors do not know: one edit away
    # A word respelled is not corrected again: 「サポーターー養成」 (the stop-38 user review), nor
    # a second one met by the first one's correction (the review after it).
    assert engine.search("サポータ養成").suggestion == "サポーター養成"
    assert engine.search("サポータ サポータ養成").suggestion == "サポーター サポーター養成"


@pytest.mark.parametrize("query", ["きょういくいいんかい", "さいけんかんりか", "ちいききょうぎかい"])
def test_no_did_you_mean_of_half_a_word(engine, query):
    """(The stop-30 user review.) The corpus spells 教育委員会, 債権管理課 and 地域協議会 in
    pieces; the kana's last sound (かい, か), which Janome reads as a particle, was left as
    typed: "Did you mean: 教育委員かい". The search still reads the pieces it knows."""
    r = engine.search(query, limit=3)
    assert r.suggestion is None or not r.suggestion.endswith(("か", "かい")), r.suggestion
    assert r.reading.respellings and r.hits  # (the pieces it knows are still read and found)
    assert engine.search("くろうした").suggestion == "苦労した"  # (a verb's ending stays as typed)


@pytest.mark.parametrize("query", ["引きこもり", "ひきこもり", "各課化"])  # (ぴーえふ is PF now: test_letters_said_in_kana_are_the_letters)
def test_no_did_you_mean_that_would_find_nothing(engine, query):
    """引きこもり's 引き is one edit from the indexed 引, but 「引こもり」 finds nothing
    either: a suggestion is offered only if it has a word the index holds. Whole:
    各課 is one edit from 課, and 課化 has 課 and 化, never side by side."""
    r = engine.search(query)
    assert r.total == 0 and r.suggestion is None


def test_everyday_spellings_of_kyodo_find_the_formal_one(engine):
    """The corpus writes 協働 only; 「協同」 found nothing and "did you mean" offered 協議."""
    for q in ("協同", "共同"):
        r = engine.search(q, limit=3)
        assert r.hits and "協働" in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]


def test_a_synonym_looked_up_by_its_characters_weighs_as_one_word():
    from kodoku_search import search as S

    reading = S.Reading(words=(S.QueryWord("住民", "住民", "ジユウミン", (), synonyms=("地域の方", "市民")),))
    leaves = {lf.term: lf for lf in S._leaves(reading) if lf.kind == "synonym"}
    chars = next(lf for t, lf in leaves.items() if lf.field == "ngram")
    assert len(chars.term.split()) == 3 and chars.boost == pytest.approx(S.W_SYNONYM / 3)  # 地域 域の の方
    assert leaves["市民"].field == "text" and leaves["市民"].boost == S.W_SYNONYM


def test_a_synonym_that_denies_is_not_read_as_what_it_denies():
    from kodoku_search.search import _as_phrase

    assert _as_phrase("まだ設置していない")[0] is None  # not 設置: looked up by its characters
    assert _as_phrase("関心のなかった人")[0] == "関心 ない 人"  # ない as a word of its own stays
    assert _as_phrase("主体的な参画")[0] is not None  # な, an ending, loses nothing


def test_a_synonym_is_looked_for_in_the_context_too(engine):
    """教訓 is not in the corpus; its synonym 学び is, in 鳥取市's 「次の3点を学びました」,
    which every item of that list has as its context: the lessons themselves come
    back, not only the sentence announcing them."""
    res = engine.search("教訓", city="鳥取市", related=False)
    texts = [h.text for h in res.hits]
    assert any(t.startswith("振り返って見て") for t in texts)
    for item in ("縦割り・分野を超える", "強み、知見、経験の共有", "価値観とビジョンの共有"):
        assert item in texts


def test_a_match_by_the_snippets_around_it_says_so(engine):
    """A record can match through the snippet it continues, or through those that continue
    it (index.context_sources): 中野区's 「PFの前身である…」 for アニメ, said on the line
    before; 春日井市's lead-ins for シンポジウム, said in the list after. Nothing was marked
    and nothing said why (the stop-31 review)."""
    anime = engine.search("アニメ", related=False)
    assert [(h.id, h.through) for h in anime.hits] == [
        ("advice-2025-10/general/中野区/1", None), ("advice-2025-10/general/中野区/2", "context")]
    sym = engine.search("シンポジウム", related=False)
    assert sym.hits[0].through is None and sym.hits[0].matches
    # (After it, the other events (イベント, フォーラム: synonyms since stop 34), then the lead-ins.)
    leads = [h for h in sym.hits[1:] if not h.matches]
    assert leads and all(h.through for h in leads) and leads[0].to_dict()["through"] == "sequel"
    # Neither: a match by its side (「苦労したこと」) or by the heading it is listed under.
    assert {h.through for h in engine.search("苦労したこと", limit=5).hits} == {None}
    assert {h.through for h in engine.search("庁内の例", limit=5).hits} == {None}


@pytest.mark.parametrize("query", ["ルート", "メール", "ホール", "ケアー"])
def test_a_katakana_word_of_one_pair_is_not_found_in_other_words(engine, query):
    """The n-gram field folds hiragana to katakana and drops ー: ルート was ルト, in every
    「…になると」 (11 results), メール 見極【める】, ホール ステーク【ホル】ダー (the stop-31
    review). The corpus has none of them."""
    assert engine.search(query, related=False).total == 0


def test_a_katakana_word_of_one_pair_still_finds_itself(engine):
    r = engine.search("ノート", related=False)
    assert r.hits[0].text.startswith("つながるノート") and all(h.city == "春日井市" for h in r.hits)


def test_a_word_the_vectors_know_spelled_otherwise_still_has_related_records(engine):
    """子ども, which no snippet says, had no vector (chiVe has 子供) and got a bare "No results";
    it is near what 子供 is near."""
    r = engine.search("子ども", limit=5)
    assert r.total == 0 and r.related and all(h.related_by == "meaning" for h in r.related)
    assert {h.id for h in r.related} <= {h.id for h in engine.search("子供", limit=10).related}


@pytest.mark.parametrize("katakana, hiragana", [("フタン", "ふたん"), ("キョウドウ", "きょうどう"), ("クロウ", "くろう"),
                                               ("ジョウホウキョウユウ", "じょうほうきょうゆう"), ("フタンが大きい", "ふたんが大きい")])
def test_a_japanese_word_typed_in_katakana_is_read_as_in_hiragana(engine, katakana, hiragana):
    """フタン kept 負担's spelling but lost its synonyms and the side it asks for (8 results, ふたん
    36, hardships first); キョウドウ found nothing (the stop-31 review)."""
    k, h = engine.search(katakana, limit=50), engine.search(hiragana, limit=50)
    assert k.total == h.total > 0 and [x.id for x in k.hits] == [x.id for x in h.hits]
    assert k.reading.polarity == h.reading.polarity
    assert any(typed.startswith(katakana[:3]) for typed, _ in k.reading.also)  # (said as typed)
    assert not any(typed.startswith(hiragana[:3]) for typed, _ in k.reading.also)


@pytest.mark.parametrize("query", ["メリット", "サポーター", "ナッジ", "ケア"])
def test_a_loanword_in_katakana_stays_katakana(engine, query):
    from kodoku_search.search import _katakana_said

    assert _katakana_said(query, engine._spellings) == (query, ())


@pytest.mark.parametrize("typed, spelled", [("まちずくり", "まちづくり"), ("関係ずくり", "関係づくり"), ("きずき", "気づき")])
def test_zu_typed_for_du_is_read_as_the_corpus_spells_it(engine, typed, spelled):
    """ず and づ sound alike and are typed for each other: まちずくり marked only 【まち】 and
    offered nothing (the stop-31 review)."""
    r = engine.search(typed, limit=3)
    assert any(spelled in alts for _, alts in r.reading.also) and r.suggestion == spelled
    assert any(spelled in h.text for h in r.hits)


def test_a_word_in_pieces_the_index_has_is_not_corrected(engine):
    """まちづくり is まち + づくり to the index: it was "corrected" to づくり."""
    assert engine.search("まちずくり", limit=1).suggestion == "まちづくり"


def test_a_word_of_three_kana_read_in_kanji_is_not_found_by_one_of_its_pairs(engine):
    """りかい is 理解 (Janome makes particles of it); by one of its pairs it also found 熊本市's
    「…人がいないか」 (カイ) and 「…により、かかわり」 (リカ): 18 results, 理解 10 (the stop-31
    review)."""
    kana, kanji = engine.search("りかい", limit=30, related=False), engine.search("理解", limit=30, related=False)
    assert {h.id for h in kana.hits} == {h.id for h in kanji.hits} and kana.total == kanji.total


@pytest.mark.parametrize("query", ["民間団体に参加してもらうには、どうしたらいい？", "どうして連携が進まないのか",
                                   "連携、どうしてる？", "どうしても予算が足りない"])
def test_a_question_word_in_kana_is_not_respelled_into_a_noun(engine, query):
    """どうしたら was どうし (同士) + たら: 「…、どうしたらいい？」 put 「参画団体同士」 first and
    offered 「同士たらいい？」 (the stop-31 review). そうだん (そう + だ + ん) is still 相談."""
    r = engine.search(query, limit=3)
    assert not any("同士" in alts for _, alts in r.reading.also) and "同士" not in (r.suggestion or "")
    assert not any("同士" in h.text for h in r.hits)
    assert any("相談窓口" in alts for _, alts in engine.search("そうだん窓口", limit=1).reading.also)


def test_a_side_asked_for_with_words_no_snippet_has_lists_that_side(engine):
    """「最近困っていること」 was "No results" and ten related snippets of the good side, though
    「困っていること」 lists 31 hardships: no snippet says 最近 (the stop-31 review)."""
    r, alone = engine.search("最近困っていること", limit=50), engine.search("困っていること", limit=50)
    assert r.total == alone.total > 20 and all("hard" in (h.polarity, h.also) for h in r.hits)
    assert r.unmatched == ("最近",) and any("its side, 苦労したこと, is listed" in n for n in r.notes)
    assert sum(engine.facets("最近困っていること")["theme"].values()) == r.total  # (facets count what it lists)
    # The filter wins: asked for the other side, nothing.
    assert engine.search("最近困っていること", polarity="good").total == 0


@pytest.mark.parametrize("query", ["いま", "まず", "ふとうこう"])
def test_a_word_of_two_hiragana_no_snippet_says_is_not_found_inside_endings(engine, query):
    """いま marked 「なって【いま】す」 (18 results), まず every 〜ます (30): the second stop-31
    review. ない, which many snippets say, keeps its pair. ふとうこう (不登校, which no snippet
    says), which Janome cuts into ふと + うこ, marked 「…しま【うこ】と」 and 「ハ【ブと】」 (stop 32)."""
    assert engine.search(query, related=False).total == 0
    top = engine.search("いま困っていること", limit=3).hits
    assert all(h.polarity == "hard" for h in top)


def test_a_prefecture_named_in_the_query_stands_for_its_cities(engine):
    """「愛知県」 found nothing and offered 周知県; 「愛知県の自治体の苦労」 showed no
    愛知県 city in its top 5. A prefecture is read as its cities, as a filter would be."""
    alone = engine.search("愛知県", limit=30)
    assert alone.reading.regions == (("愛知県", ("岡崎市", "春日井市", "豊田市")),)
    assert {h.city for h in alone.hits} == {"岡崎市", "春日井市", "豊田市"} and alone.suggestion is None
    hard = engine.search("愛知県の自治体の苦労", limit=5)
    assert all(h.prefecture == "愛知県" and h.polarity == "hard" for h in hard.hits[:3])
    # Without its 県/都, where no noun follows: 東京, 千葉 name it; 兵庫ヤクルト names a firm.
    assert engine.search("東京", limit=1).reading.cities == ("中野区",)
    assert engine.search("千葉", limit=1).reading.cities == ("市原市",)
    firm = engine.search("兵庫ヤクルト", limit=3)
    assert firm.reading.cities == () and "ヤクルト" in firm.hits[0].text
    # A city's own name wins over its prefecture's bare one (京都 is 京都市).
    assert engine.search("京都", limit=1).reading.cities == ("京都市",)


def test_a_place_not_in_the_collection_is_said_not_searched_for_as_its_parts(engine):
    """「大阪市の苦労」 showed 熊本市 first (大阪 found nothing, 市 found 「本市」) with no
    word that 大阪市 is not one of the 14; 「札幌市」 alone is no result, not 20."""
    osaka = engine.search("大阪市の苦労", limit=5)
    assert any(n.startswith("大阪市: not in this collection") and "rest of the query" in n for n in osaka.notes)
    assert osaka.reading.polarity == "hard" and {w.term for w in osaka.reading.words} == {"苦労"}
    assert engine.search("横浜市 縦割り", limit=10).total == engine.search("縦割り", limit=10).total
    alone = engine.search("札幌市", limit=5)
    assert alone.total == 0 and not alone.related and any(n.startswith("札幌市: not in") for n in alone.notes)
    assert not any("rest of the query" in n for n in alone.notes)
    # The index's own places are what the query asks about, with another suffix too (宇和島町
    # is 宇和島市, as 宇和島 is); a place a snippet says is a word to find.
    for q in ("豊田市の苦労", "愛知県の取組", "兵庫県立大学", "熊本県熊本市", "宇和島町", "播磨市の連携", "福岡区"):
        assert not any("not in this collection" in n for n in engine.search(q, limit=1).notes), q
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "--index-dir", str(engine.index_dir), "search", "札幌市"])
    assert r.exit_code == 0 and "No results" in r.output and "札幌市: not in this collection" in r.output, r.output
    # Without its suffix too (the stop-24 review: 「大阪」 gave "No results" and no note).
    bare = engine.search("大阪の苦労", limit=5)
    assert any(n.startswith("大阪: not in this collection") for n in bare.notes)
    assert {w.term for w in bare.reading.words} == {"苦労"}
    assert any(n.startswith("北海道: not in") for n in engine.search("北海道", limit=1).notes)  # (no suffix to strip)
    # A city the collection lacks in a prefecture it has is not that prefecture (the stop-26
    # review: 広島市 was read as 広島 and gave no note; 広島市の苦労 found 22, not 40); the
    # note names the prefecture's cities that are here.
    hiroshima = engine.search("広島市の苦労", limit=10)
    osaka_10 = engine.search("大阪市の苦労", limit=10)
    assert [h.id for h in hiroshima.hits] == [h.id for h in osaka_10.hits] and hiroshima.total == osaka_10.total
    note = next(n for n in hiroshima.notes if n.startswith("広島市: not in this collection"))
    assert "of 広島県: 呉市、福山市" in note
    assert "of 千葉県: 市原市" in next(n for n in engine.search("千葉市", limit=1).notes if "not in" in n)
    assert engine.search("広島県の苦労", limit=5).reading.regions  # (the prefecture itself is still read)
    # A ward of one of the index's cities is that city (stop 23 noted 博多区 as not in the
    # collection); not one that several cities have (中央区), nor another city's (大阪市中央区).
    for q, city in (("福岡市博多区", "福岡市"), ("博多区の取組", "福岡市"), ("福岡県博多区", "福岡市"),
                    ("京都府伏見区", "京都市"), ("熊本県中央区", "熊本市")):
        ward = engine.search(q, limit=3)
        assert ward.reading.cities == (city,) and not any("not in this collection" in n for n in ward.notes), q
    # A name several cities' wards have is none of them, and not "not in this collection" (the
    # final stop-24 review): the note says to name the city.
    shared = engine.search("中央区", limit=1)
    assert shared.reading.cities == () and not any("not in this collection" in n for n in shared.notes)
    assert any(n.startswith("中央区: a ward's name several cities have") and "熊本市" in n and "福岡市" in n
               for n in shared.notes), shared.notes
    assert engine.search("大阪市中央区", limit=1).reading.cities == ()
    for q in ("福岡市の中央区", "福岡 中央区"):  # (the city it is a ward of, named before it: no question)
        named = engine.search(q, limit=1)
        assert named.reading.cities == ("福岡市",) and not any("ward" in n for n in named.notes), q
    assert any("中央区" in n and "not in this collection" in n for n in engine.search("大阪市中央区", limit=1).notes)
    for q in ("福岡", "東京", "兵庫", "宇和島", "日本"):  # (the index's, a snippet's, no place's)
        assert not any("not in this collection" in n for n in engine.search(q, limit=1).notes), q


def test_intent_is_read_in_the_corpus_spelling_of_kana(engine):
    """Kana Janome cuts into nonsense were read as cues: ちょうない (庁内) as the
    negation ない, ふたん (負担) as ん, とよた as よかった's よい + た."""
    assert engine.search("ちょうない", limit=1).reading.polarity is None
    fu = engine.search("ふたん", limit=1).reading
    assert fu.polarity == "hard" and fu.polarity_cues == ("負担",)  # as 負担 would be
    assert engine.search("とよた", limit=1).reading.polarity is None
    assert engine.search("よかったこと", limit=1).reading.polarity == "good"
    assert engine.search("良くなかった", limit=1).reading.polarity == "hard"


def test_the_reading_field_keeps_voicing_past_a_words_first_kana(engine):
    """The reading field folded all voicing, so 検証 (ケンショウ) met 現状 (ゲンジョウ):
    「検証」 ranked 呉市's 「現状では…」 second, and けんしょう was respelled 現状."""
    r = engine.search("検証", limit=10, related=False)
    said = [h for h in r.hits if h.matches]  # (and the snippet before it, by what continues it: the sequel field)
    assert all("検証" in h.text for h in said) and len(said) == 1
    assert engine.search("けんしょう", limit=1).reading.respellings == (("けんしょう", "検証"),)
    assert engine.search("げんじょう", limit=1).reading.respellings == (("げんじょう", "現状"),)
    # A slip of voicing in katakana still meets (the corpus writes both).
    both = [h for h in engine.search("ポットキャスト", limit=5).hits if h.matches][:2]
    assert {("ポッドキャスト" in h.text, "ポットキャスト" in h.text) for h in both} == {(True, False), (False, True)}


@pytest.mark.parametrize("query, word", [("めりっと", "メリット"), ("たてわり", "縦割り"), ("けんしょう", "検証")])
def test_kana_janome_cuts_into_no_words_is_read_as_the_corpus_word(engine, query, word):
    """めりっと was め + りっと, with メリット as め's synonym: め matched 「つなぎめ」 and
    ranked it first. A run cut into pieces of no word is now that word, whole."""
    r = engine.search(query, limit=20, related=False)
    direct = engine.search(word, limit=20, related=False)
    assert [w.term for w in r.reading.words] == [w.term for w in direct.reading.words] and word in r.reading.words[-1].term
    assert r.reading.respellings[0] == (query, word) and [h.id for h in r.hits] == [h.id for h in direct.hits]
    assert word in r.hits[0].text and not any(len(h.text[a:b]) == 1 for h in r.hits for a, b in h.matches)
    assert r.suggestion == word  # (the spelling it was read as; never another word: 検証 offered 検討)
    assert engine.search("つながり", limit=1).reading.words[0].term == "つながり"  # one word as typed: kept


@pytest.mark.parametrize("query, typed, word", [("めりっとがない", "めりっと", "メリット"),
                                                ("たてわりをなくしたい", "たてわり", "縦割り"),
                                                ("くろうした", "くろう", "苦労"),
                                                ("くろうしている", "くろう", "苦労")])
def test_kana_in_a_phrase_is_read_as_the_corpus_word(engine, query, typed, word):
    """「めりっとがない」 put 「際限が【ない】」 and 「つなぎ【め】」 first: the run was respelled
    only whole. It may now end in words after a case particle (が, を), or in function
    words alone after a noun (くろう + した; くろう + している, whose してい was read as 指定
    and the side it asks for lost: the second stop-30 review)."""
    r = engine.search(query, limit=3)
    assert (typed, word) in r.reading.respellings and word in r.hits[0].text
    assert len(r.reading.respellings) == 1 and (word != "苦労" or r.reading.polarity == "hard")
    assert engine.search("わからない", limit=1).reading.respellings == ()  # (な is no particle; 分から no noun)


@pytest.mark.parametrize("query, word", [("たて割り", "縦割り"), ("縦わり", "縦割り"), ("団体どうし", "団体同士"),
                                         ("孤どく", "孤独")])  # (孤 + どく: コ + ドク, voiced; stop-24 review)
def test_a_word_typed_half_in_kana_is_read_as_the_corpus_word(engine, query, word):
    """「たて割り」 found 2 of the 縦割り snippets and marked only 割り: Janome makes two
    words of it, whose readings together are the corpus's 縦割り."""
    r = engine.search(query, limit=20, related=False)
    assert r.reading.respellings == ((query, word),)
    assert r.total == engine.search(word, limit=20, related=False).total
    h = next(h for h in r.hits if word in h.text)  # the word is marked whole where a snippet says it
    at = h.text.index(word)
    assert all(any(a <= i < b for a, b in h.matches) for i in range(at, at + len(word))), (h.text, h.matches)
    # Not where the corpus spells it with fewer kanji than typed: 繋がりづくり keeps its 繋がり.
    assert engine.search("繋がりづくり", limit=1).reading.respellings == ()


def test_a_word_in_kanji_does_not_meet_another_word_of_the_same_sound(engine):
    """The reading field joined homophones: 「厚生労働省」 found 福山市's 「構成員」 as its
    one result (コウセイ), 「機関」 found 播磨町's 「期間」 (キカン, in 26 judged queries).
    A word in kanji alone is keyed by itself there; kana still meets every spelling."""
    assert engine.search("厚生労働省", limit=5).total == 0
    kikan = engine.search("機関", limit=50, related=False)
    assert kikan.total >= 5 and not any("期間" in h.text and "機関" not in h.text for h in kikan.hits)
    # 「機関」 and 「期間」 in one query: each finds its own, and 期間 is marked only as itself.
    both = engine.search("機関 期間", limit=50, related=False)
    assert {h.id for h in both.hits} == {h.id for h in kikan.hits} | {h.id for h in engine.search("期間", limit=50, related=False).hits}
    for h in engine.search("機関", limit=50, related=False, explain=True).hits:
        assert all(h.text[a:b] == "機関" for a, b in h.matches), (h.text, h.matches)
    # Typed in kana, the sound meets every spelling of it, read as the corpus word or not.
    assert "構成" in engine.search("こうせい", limit=1).hits[0].text
    for typed in ("きかん", "キカン", "ｷｶﾝ"):
        marked = {h.text[a:b] for h in engine.search(typed, limit=50, related=False).hits for a, b in h.matches}
        assert {"期間", "機関"} <= marked, (typed, marked)
    # A word in kanji no snippet says meets the words of its sound that share a kanji with
    # it: what the IME offered (連係 for 連携), not another word (厚生 for 構成).
    slip = engine.search("連係", limit=5)
    assert slip.total >= 10 and "連携" in slip.hits[0].text and ("連係", ("連携",)) in slip.reading.also
    assert engine.search("連携", limit=1).reading.also == ()  # (a word the snippets say: itself)
    assert engine.search("議会", limit=1).reading.also == ()  # ギカイ is not キカイ (機会), voiced


def test_a_word_with_kana_does_not_meet_another_word_of_the_same_sound(engine):
    """「測る」 (to measure) found, marked and ranked first 宇和島市's 「…支援強化を図る…」
    and 福岡市's 「…連携を図った…」 (図る, to plan: ハカル too): only words in kanji alone
    were keyed by themselves in the reading field. Now every word written with kanji is;
    another spelling of it is met where it has a kanji in common or is kana."""
    hakaru = engine.search("測る", limit=20, related=False)
    # (Since stop 43 測る is a synonym of 検証 and 評価: it finds 京都市's 「効果の検証」, not 図る.)
    assert not any("図" in h.text[a:b] for h in hakaru.hits for a, b in h.matches)
    assert {h.text[a:b] for h in hakaru.hits for a, b in h.matches} <= {"検証", "評価", "効果測定"}
    r = engine.search("効果を測る", limit=20, related=False)
    assert r.total >= 2 and "検証" in {r.hits[0].text[a:b] for a, b in r.hits[0].matches}
    assert not any("図" in h.text[a:b] for h in r.hits for a, b in h.matches)
    # Typed in kana, the sound still meets every spelling: はかる finds and marks 図る, 図っ.
    kana = engine.search("はかる", limit=20, related=False)
    assert kana.total >= 3 and any("図" in h.text[a:b] for h in kana.hits for a, b in h.matches)
    # A katakana word is a loanword, not a word with kanji: 持てる (モテル) found 【モデル】事業
    # (モデル folds to モテル) until katakana words were keyed by themselves too.
    motel = engine.search("持てる", limit=20, related=False)
    assert motel.total >= 1 and not any("モデル" in h.text[a:b] for h in motel.hits for a, b in h.matches)
    # Other kanji for one word are the synonym file's: 拡がる finds and marks the corpus's 広がる.
    wider = engine.search("拡がる", limit=20, related=False)
    assert any(h.text[a:b] == "広がる" for h in wider.hits for a, b in h.matches), wider.reading.also
    # The noun too (the corpus's 広がり is the verb's), and お奨め finds おススメ (the second stop-37 review);
    # not 勧める, encouraging someone (参加を勧める led with 「私のおススメ…」: the third).
    assert engine.search("拡がり", limit=20, related=False).total >= 1
    assert any("おススメ" in h.text for h in engine.search("お奨め", limit=20, related=False).hits)
    assert "おススメ" not in engine.search("参加を勧める", limit=1, related=False).hits[0].text
    # Spellings of one word still meet: 取組 / 取り組み each way; 繋がり, which the corpus
    # does not say, finds its つながり.
    for typed, other in (("取組", "取り組み"), ("取り組み", "取組"), ("繋がり", "つながり")):
        hits = engine.search(typed, limit=100, related=False).hits
        h = next((h for h in hits if other in h.text and typed not in h.text), None)
        assert h is not None, (typed, other)
        assert other in {h.text[x:y] for x, y in h.matches}, (typed, other, h.matches)  # and marked


def _marks_inside(hit, word: str) -> list[str]:
    """The marks of ``hit`` that overlap a place its text says ``word`` (【ラット】フォーム too)."""
    at = [(i, i + len(word)) for i in range(len(hit.text)) if hit.text.startswith(word, i)]
    return [hit.text[a:b] for a, b in hit.matches if any(a < y and x < b for x, y in at)]


def test_a_katakana_word_is_not_another_by_its_pairs(engine):
    """(Stop 27's user review.) デメリット matched メリット by メリ リッ ット, all its pairs but
    one, and said nothing: no result now. フラット matched プラットフォーム (the n-grams folded
    プ to フ): a semi-voiced kana keeps its mark. Slips still match: ポドキャスト (its first
    pair is not the record's, its first kana is), ポットキャスト, サポータ."""
    assert engine.search("デメリット", limit=5, related=False).total == 0
    flat = engine.search("フラット", limit=10, related=False)
    assert flat.hits and not any(_marks_inside(h, "プラットフォーム") for h in flat.hits)
    assert "フラット" in flat.hits[0].text
    for slip in ("ポドキャスト", "ポットキャスト"):
        hit = engine.search(slip, limit=1, related=False).hits[0]
        assert {hit.text[a:b] for a, b in hit.matches} & {"ポッドキャスト", "ポットキャスト"}, slip
    # Marked whole where the mark leaves a slip's worth out, not as 【シンポジ】ウム; a word
    # inside a longer one stays itself (コミュニティ of コミュニティーナース).
    sym = engine.search("シンポジューム", limit=1, related=False).hits[0]
    assert [sym.text[a:b] for a, b in sym.matches] == ["シンポジウム"]
    nurse = engine.search("コミュニティ", limit=10, related=False)
    assert all(h.text[a:b] != "コミュニティーナース" for h in nurse.hits for a, b in h.matches)


@pytest.mark.parametrize("typed, word", [("ブラットフォーム", "プラットフォーム"), ("ボッドキャスト", "ポッドキャスト"),
                                         ("ホッドキャスト", "ポッドキャスト"), ("プース", "ブース"),
                                         ("フラットフォーム", "プラットフォーム")])
def test_a_slip_of_the_marks_finds_the_word(engine, typed, word):
    """(The stop-28 review.) ゛ and ゜ are typed for each other, and ゜ left off: with プ kept
    apart from フ (format 15) ブラットフォーム found 鳥取市's フラット, and ピジョン, パラパラ,
    プース, ボッドキャスト nothing. The corpus's word is read for it, and found as it is."""
    r = engine.search(typed, limit=10, related=False)
    assert (typed, word) in r.reading.respellings
    same = engine.search(word, limit=10, related=False)
    assert [h.id for h in r.hits] == [h.id for h in same.hits]
    assert word in {r.hits[0].text[a:b] for a, b in r.hits[0].matches}


@pytest.mark.parametrize("typed", ["ほっと", "ホット", "ほっとできる居場所", "パイプ役を担う", "ハープ", "せんぷ",
                                   "ぱっくり", "ぼーっと", "ピジョン", "パラパラ"])
def test_a_word_is_not_read_as_another_by_its_marks(engine, typed):
    """(The stop-29 review.) Words of Janome's dictionary are words: ほっと was read as ポット,
    パイプ as 配布, ハープ as ハブ; and a swap gives only a word in katakana (せんぷ: 全部)."""
    from kodoku_search.analysis import usual_kanji

    r = engine.search(typed, limit=3)  # (せんぷ may be read whole as 宣布, as Janome has it, never as 全部)
    assert all(alt in (typed, usual_kanji(typed)) for _, alt in r.reading.respellings), r.reading.respellings
    assert r.suggestion is None or not any(w in r.suggestion for w in ("ポット", "配布", "ハブ", "全部", "場づくり"))


def test_a_plain_kana_stays_plain_where_the_corpus_has_the_word(engine):
    """フラット is a word here: it is not read as プラット (nor ぷらっと as プラット)."""
    for typed in ("フラット", "ふらっと"):
        r = engine.search(typed, limit=10, related=False)
        assert not any("プラット" in alt for _, alt in r.reading.respellings)
        assert r.hits and not any(_marks_inside(h, "プラットフォーム") for h in r.hits), typed


@pytest.mark.parametrize("typed, whole", [("ふらっと", "フラット"), ("ぽどきゃすと", "ポッドキャスト"),
                                          ("しんぽじゅーむ", "シンポジウム"), ("すぴーでぃー", "スピーディー")])
def test_a_loanword_typed_in_hiragana_is_found_and_marked_as_katakana_is(engine, typed, whole):
    """(The stop-28 review.) Typed in hiragana, the katakana rules did not hold: ふらっと marked
    プ【ラット】フォーム, ぽどきゃすと ポッ【ドキャス】ト, しんぽじゅーむ 【シンポ】ジウム."""
    r = engine.search(typed, limit=10, related=False)
    marks = [h.text[a:b] for h in r.hits for a, b in h.matches]
    assert whole in marks, marks
    assert not any(_marks_inside(h, "プラットフォーム") for h in r.hits)
    for h in r.hits:
        for a, b in h.matches:  # (no mark ends or starts inside a katakana word)
            assert not (0 < a and _is_kata(h.text[a - 1]) and _is_kata(h.text[a])), (typed, h.text[a - 1:b])
            assert not (b < len(h.text) and _is_kata(h.text[b]) and _is_kata(h.text[b - 1])), (typed, h.text[a:b + 1])


@pytest.mark.parametrize("query, typed, word", [("ぽどきゃすとで苦労したこと", "ぽどきゃすと", "ポッドキャスト"),
                                                ("岡崎市のぽどきゃすと", "ぽどきゃすと", "ポッドキャスト"),
                                                ("さーびすの提供", "さーびす", "サービス"),
                                                ("しんぽじゅーむ", "しんぽじゅーむ", "シンポジウム")])
def test_a_hiragana_loanword_is_read_alone_as_the_corpus_word(engine, query, typed, word):
    """(The stop-29 review.) The whole hiragana run was read in katakana, particles and verbs
    with it: ぽどきゃすとで苦労 → ポドキャストデ苦労, ふぃーどばっくをもらう found nothing. Only
    the loanword is read, as the corpus's word a slip from it."""
    from kodoku_search.analysis import fold

    r = engine.search(query, limit=10)
    assert r.reading.respellings == ((typed, word),)
    assert any(fold(h.text[a:b])[0] == fold(word)[0] for h in r.hits for a, b in h.matches)  # (ポットキャスト too)


@pytest.mark.parametrize("query", ["ふぃーどばっくをもらう", "あのーつながり", "ぼーっとする時間", "ぷらっと",
                                   "ぷろじぇくとのぴーあーるとぱんふれっとのはいふ", "市のほーむぺーじ",
                                   # (the stop-29 second review: each was read as a corpus word a
                                   # kana or two away, ポット, ステーク, ワーク, ナース, リーフレット)
                                   "ぽつんと", "すごーく大変だった", "居場所のまーくを作る", "地域のすてーじで活動",
                                   "かわいー", "にゅーす", "こーす", "ぱんふれっと", "さぽーと", "ぶーむ"])
def test_hiragana_that_is_no_corpus_loanword_stays_as_typed(engine, query):
    r = engine.search(query, limit=5)
    assert not any(_is_kata(alt[0]) and len(alt) > 2 and not alt.isascii() for _, alt in r.reading.respellings), \
        r.reading.respellings
    assert r.total > 0 or query.startswith("ぷろじぇくと") or len(query) <= 5


def test_hiragana_after_a_katakana_word_is_not_a_loanword(engine):
    """The ー of メンバー does not start a hiragana loanword (ーがいつも → ーガイツモ cost the
    judged 「会議に来るメンバーがいつも同じ顔ぶれ…」 its first answer); ぴよぴよ is mimetic."""
    for q in ("会議に来るメンバーがいつも同じ顔ぶれになってしまう", "ぴよぴよぴよ", "たぶしょのりかい"):
        assert not any(alt.isascii() or _is_kata(alt[0]) for _, alt in engine.search(q, limit=1).reading.respellings), q


def _is_kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "ー"


def test_a_katakana_word_janome_cuts_in_two_is_marked_whole(engine):
    """(The stop-30 user review.) Janome cuts ポトキャスト into ポト + キャスト: the marks were
    ポッ【トキャスト】, though a one-kana slip is marked whole (ポドキャスト: 【ポッドキャスト】)."""
    for q in ("ポトキャスト", "ポドキャスト"):
        r = engine.search(q, limit=3, related=False)
        marked = {h.text[a:b] for h in r.hits for a, b in h.matches}
        assert {"ポットキャスト", "ポッドキャスト"} <= marked and not marked & {"トキャスト", "ドキャスト"}, (q, marked)
    nurse = engine.search("コミュニティナース", limit=1, related=False).hits[0]
    assert "コミュニティーナース" in {nurse.text[a:b] for a, b in nurse.matches}


def test_a_short_katakana_word_is_not_grown_into_another(engine):
    """(The stop-28 review.) ニュース matched メニュー by ニユ alone and marked 【メニュー】."""
    r = engine.search("ニュース", limit=10, related=False)
    assert not [h.text[a:b] for h in r.hits for a, b in h.matches if "ニュ" in h.text[a:b]]
    from kodoku_search.search import _whole_katakana

    text = "補助メニューを拡充"
    assert _whole_katakana(text, [(3, 5)], "ニュース") == [(3, 5)]
    assert _whole_katakana(text, [(3, 5)], "メニュ") == [(2, 6)]


def test_a_kana_words_pairs_match_in_one_place(engine):
    """(Stop 29's notes.) A kana word's pairs matched wherever they were in a snippet:
    さびしい found and marked 中野区's 「【サービ】ス」 by サビ there and シイ elsewhere; ばらつき
    found 春日井市's snippet by the ラツ of プラットフォーム and the ツキ of 結びつき."""
    lonely = engine.search("さびしい", limit=5, related=False)
    assert lonely.total == 0, [h.text for h in lonely.hits]
    uneven = engine.search("対応のばらつき", limit=20, related=False)
    assert not [h for h in uneven.hits if "結びつき" in h.text]
    # Pairs in a row still match by half: a kana verb finds its noun (つながっ: つながり), and
    # a katakana word with a slip finds the word (シンポジューム: シンポジウム).
    assert any("つながり" in h.text for h in engine.search("つながった", limit=10, related=False).hits)
    assert any("シンポジウム" in h.text for h in engine.search("シンポジューム", limit=5, related=False).hits)
    # A word typed in hiragana is no piece of a longer katakana word: はやく (早く) was one
    # result, 播磨町's 「兵庫ヤクルト…」, by ヤク, nothing marked (the stop-41 review).
    assert engine.search("はやく", limit=5, related=False).total == 0
    assert "ヤクルト" in engine.search("やくると", limit=1, related=False).hits[0].text  # (a loanword in hiragana: as before)


@pytest.mark.parametrize("query, side", [("うまくいかなかったこと", "hard"), ("うまくいったこと", "good")])
def test_a_query_that_only_asks_for_a_side_lists_that_side_first(engine, query, side):
    """(The stop-30 user review.) 「うまくいかなかったこと」 is all intent, and its うまく matched
    京都市's good-side 「…うまく使い分け…」, ranked second above thirty hardships; 「うまく
    いったこと」 had the hardship 「うまく工夫しないと…」 second. The other side still follows
    (nothing is hidden), below, with scores that keep falling down the page."""
    r = engine.search(query, limit=60, related=False)
    sides = [side in (h.polarity, h.also) for h in r.hits]
    assert sides[0] and False in sides and sides == sorted(sides, reverse=True)
    assert all(a.score >= b.score for a, b in zip(r.hits, r.hits[1:]))
    # With other words, the intent only ranks: 「連携がうまくいかない」 shows both sides' 連携.
    mixed = engine.search("連携がうまくいかない", limit=60, related=False)
    assert {h.polarity for h in mixed.hits if "連携" in h.text} >= {"good", "hard"}


def test_a_word_typed_in_hiragana_that_the_corpus_lacks_is_read_in_its_usual_kanji(engine):
    """(The stop-30 user review.) よさん was cut into よさ + ん, a negated verb: "asking for
    苦労したこと" and 31 hardships, none marked; ひょうか found 11 unrelated snippets. Read as
    予算 and 評価, they go where those words go: their synonyms (カネ, 検証)."""
    budget = engine.search("よさん", limit=5, related=False)
    assert budget.reading.respellings == (("よさん", "予算"),) and budget.reading.polarity is None
    assert "カネ" in budget.hits[0].text and budget.total < 5
    rating = engine.search("ひょうか", limit=5, related=False)
    assert dict(rating.reading.respellings) == {"ひょうか": "評価"} and "検証" in rating.hits[0].text
    # Up to a particle: 「よさんがたりない」.
    assert dict(engine.search("よさんがたりない", limit=1).reading.respellings).get("よさん") == "予算"
    # The word people mean, not the dictionary's least-cost entry (the second stop-30 review:
    # いりょう was 衣料, しせつ 使節, かんそう 乾燥, さいご 最期), and none where that is a rare
    # word (ふとうこう: 不凍港, IPADIC having no 不登校; いきがい: 域外).
    for typed, meant in (("いりょうとのれんけい", "医療"), ("しせつ", "施設"), ("かんそう", "感想"), ("さいご", "最後")):
        assert meant in dict(engine.search(typed, limit=1).reading.respellings).values(), typed
    for typed in ("ふとうこう", "いきがい"):
        assert not engine.search(typed, limit=1).reading.respellings, typed
    # Never a word's okurigana (分かって: not 勝手), grammar where it stands (したい: not 肢体;
    # 他のところ), a word the corpus says (つながり), an adjective (ほしい), or what follows
    # のみ ("only": 地域のみまもり is not 地域 + 守り).
    for q in ("分かってもらえる", "地域のために活動したい", "他のところはどうしてる", "共有できない", "つながり",
              "場がほしい", "地域のみまもり"):
        assert not engine.search(q, limit=1).reading.respellings, q


def test_an_adjective_typed_in_hiragana_has_the_meaning_of_its_kanji(engine):
    """(The stop-30 user review.) 寂しい finds no snippet, but the related ones near it in
    meaning (孤独); さびしい showed a bare "No results": the vectors know 寂しい, not さびしい.
    It stays as typed (read as 欲しい, 「…場がほしい」 lost on three judged queries)."""
    r = engine.search("さびしい", limit=5)
    assert r.total == 0 and not r.reading.respellings
    assert r.related and any("孤独" in h.text for h in r.related)
    assert [h.id for h in r.related] == [h.id for h in engine.search("寂しい", limit=5).related]


def test_the_usual_kanji_are_off_without_their_table(engine, monkeypatch, tmp_path):
    from kodoku_search import analysis

    monkeypatch.setattr(analysis, "KANA_KANJI", tmp_path / "missing.tsv")
    analysis._kana_kanji.cache_clear()
    try:
        # (こども: 子供 is no entry of the synonym file, whose entries are read by sound without
        # the table: よさん is 予算 all the same.)
        r = engine.search("こども", limit=1)
        assert not r.reading.respellings
        assert engine.search("よさん", limit=1).reading.respellings == (("よさん", "予算"),)
        for name, data in (("empty.tsv", b""), ("noise.tsv", bytes(range(256)) * 4), ("old.tsv", b"\x1f\x8b\x08")):
            (tmp_path / name).write_bytes(data)  # (mmap refuses an empty file; gzip is an older format)
            monkeypatch.setattr(analysis, "KANA_KANJI", tmp_path / name)
            analysis._kana_kanji.cache_clear()
            assert not engine.search("こども", limit=1).reading.respellings
    finally:
        analysis._kana_kanji.cache_clear()


@pytest.mark.parametrize("kana, kanji", [("みまもり", "見守り"), ("はなしあい", "話し合い"), ("たすけあい", "助け合い")])
def test_a_verbs_stem_typed_in_hiragana_is_read_in_its_kanji(engine, kana, kanji):
    """Janome reads みまもり as a verb in kana, which no snippet says: it found nothing, where
    見守り finds what its synonyms do (the stop-31 review). A stem is in the table at any
    frequency where its reading is that one word (not あやめ: 殺め or 菖蒲)."""
    from kodoku_search.analysis import usual_kanji

    assert usual_kanji(kana) == kanji and usual_kanji("あやめ") is None
    k, h = engine.search(kanji, limit=20), engine.search(kana, limit=20)
    assert h.total == k.total > 0 and [x.id for x in h.hits] == [x.id for x in k.hits]


def test_the_kana_kanji_table_is_the_one_its_script_makes():
    """(scripts/make_kana_kanji.py, from Janome's dictionary: the shipped file is not edited by hand.)"""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_kana_kanji", ROOT / "scripts" / "make_kana_kanji.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    shipped = make.OUT.read_bytes()
    table = make.table()
    assert shipped == b"".join(sorted(f"{k}\t{v}\n".encode("utf-8") for k, v in table.items()))
    from kodoku_search.analysis import usual_kanji

    for k, v in table.items():  # (found by the search in place; an adjective only on request)
        word, _, kind = v.partition("\t")
        assert usual_kanji(k, adjectives=True) == word and usual_kanji(k) == (None if kind == "a" else word), k
    assert usual_kanji("ぁ") is None and usual_kanji("ゖゖゖ") is None and usual_kanji("") is None


def test_a_two_kanji_word_does_not_match_astride_two_words(engine):
    """(The stop-30 user review.) 民生委員 found and marked 座間市's 「市【民生】活」: 民生 is the
    end of 市民 and the start of 生活 there. Inside a compound it still matches (庁内 in 京都市's
    「庁内外」: 庁 + 内外), as does a compound's part (孤立 in 孤立死)."""
    for q in ("民生委員", "民生"):
        r = engine.search(q, limit=20, related=False)
        assert not [h for h in r.hits if "市民生活" in h.text], q
    assert any("庁内外" in h.text for h in engine.search("庁内", limit=50, related=False).hits)
    assert any("孤立死" in h.text for h in engine.search("孤立", limit=50, related=False).hits)


def test_one_character_pair_of_a_long_word_is_no_match(engine):
    """A word's bigrams match only half of its telling ones together: コミュニティナース's
    イナ is in every いない, ポッドキャスト's スト in every ストーリー, 寂しい's シイ in 難しい.
    Those made 35, 21 and 2 "results" (and as many in facets and compare) for words
    one city says, or none."""
    nurse = engine.search("コミュニティナース", limit=50, related=False)
    assert nurse.hits[0].city == "播磨町" and "コミュニティーナース" in nurse.hits[0].text
    # (The others: the snippet that continues it, and those it continues, by context and sequel.)
    assert nurse.total <= 4 and nurse.hits[0].matches and sum(1 for h in nurse.hits if h.matches) == 1
    pod = engine.search("ポッドキャスト", limit=50, related=False)
    assert {h.city for h in pod.hits} == {"岡崎市"}
    # Facets count what the search finds, the same records.
    assert engine.facets("ポッドキャスト")["city"] == {"岡崎市": pod.total}
    # A word none says finds none, and "did you mean" offers no other word for it:
    # the records nearest in meaning fill the page instead.
    lonely = engine.search("寂しい", limit=5)
    assert lonely.total == 0 and lonely.suggestion is None
    assert lonely.related and all(h.related_by == "meaning" for h in lonely.related)
    assert any("孤独" in h.text for h in lonely.related)
    # A shorter word still matches by its one pair, and a long one by half of its own:
    # 中学生 finds 中学3年生 (中学 of 中学 + 学生), 地域資源の活用 finds 地域資源.
    assert "中学3年生" in engine.search("中学生", limit=1).hits[0].text
    # A katakana word of one kana pair in a longer one: ゲートキーパー (ゲート + キーパー) had 2
    # "results" by ゲート's ケト, in 京都市's 「きっかけとなりました」 (the stop-24 review).
    gate = engine.search("ゲートキーパー", limit=5, related=False)
    assert gate.total == 0, [h.text for h in gate.hits]
    # A katakana word matches by its pairs all but two together (one kana's slip), not half:
    # ポッドキャスト found 岡崎市's 「…動【きやす】いです」 by キヤ + ヤス (the stop-26 review);
    # a slip still finds the word (シンポジューム, ポドキャスト).
    assert not [h.text for h in engine.search("ポッドキャスト", limit=50, related=False).hits if "動きやす" in h.text]
    assert any("シンポジウム" in h.text for h in engine.search("シンポジューム", limit=5, related=False).hits)
    assert any("ポッドキャスト" in h.text for h in engine.search("ポドキャスト", limit=5, related=False).hits)
    # ... but by all its pairs together it is there: コドク (コト, トク) in 「こどくのあわい」
    # (the code review: the first version of the rule lost it).
    # Marked as they match: where 孤独 is, and 「【こどく】のあわい」, never a lone こと (the
    # final stop-24 review: the assertion was any() over a page 孤独 already filled, and the
    # record was found but nothing in it marked).
    kodoku = engine.search("コドク", limit=90, related=False).hits
    kanji = engine.search("孤独", limit=90, related=False).hits
    assert {h.id for h in kodoku if h.matches} == {h.id for h in kanji if h.matches} | {"advice-2025-10/general/岡崎市/5"}
    awai = next(h for h in kodoku if h.id.endswith("general/岡崎市/5"))
    assert [awai.text[a:b] for a, b in awai.matches] == ["こどく"]
    # Only where the word stands whole: not 「もの【でした】が」 for デジタル, nor 「つながっ【ていな】い」
    # for コミュニティナース (the stop-25 code review: the first version of this marked them).
    for q, stray in (("デジタル", "でした"), ("コミュニティナースと連携", "ていな"), ("コトバ", "ことは")):
        for h in engine.search(q, limit=20, related=False).hits:
            assert stray not in [h.text[a:b] for a, b in h.matches], (q, h.text)
    # With the gate off, the stray pairs are matches again (what the stop-21 engine did).
    from kodoku_search import search as S

    S.PIECES_MATCH_TOGETHER = False
    try:
        assert engine.search("コミュニティナース", limit=50, related=False).total > 20
    finally:
        S.PIECES_MATCH_TOGETHER = True


def test_did_you_mean_keeps_the_kanji(engine):
    """An edit that drops a kanji or changes a word's only one is another word: 若者
    offered 者, 寂しい offered 難しい."""
    assert engine.search("若者").suggestion is None
    assert engine.search("寂しい").suggestion is None


@pytest.mark.parametrize("query", ["自殺", "子供", "孤食", "ゲートキーパー", "一本化", "たにんのりかい", "不登校", "デメリット",
                                   "以降"])
def test_did_you_mean_offers_no_word_that_only_looks_alike(engine, query):
    """A word the vectors know is a real word, not a slip: 自殺 was offered 自身, 子供
    提供, 孤食 孤立, ゲートキーパー ノートキーパー, たにんのりかい たにん割りかい (のり → 割り),
    不登校 不学校 (登校, a piece of the word typed, was offered its neighbour 学校); デメリット
    メリット and 以降 以前, neighbours in meaning and opposites (corpus/opposites.csv).
    Those are other words; the page shows what is near in meaning instead."""
    r = engine.search(query, limit=3)
    assert r.suggestion is None
    assert engine.search(query, limit=3, meaning=False).suggestion is None  # (nothing to tell near words by)
    assert engine.search("登校 不登校", limit=3).suggestion is None  # (every place of the word is looked at)


@pytest.mark.parametrize("query", ["参加のめりっと", "顔のみえる", "かお", "ひと", "しょうがっこう", "はりまちょう"])
def test_did_you_mean_makes_no_word_of_kana_by_an_edit(engine, query):
    """Kana became kanji by one edit: 参加のめりっと → 参加含めるっと, 顔のみえる → 顔の増える,
    かお → か月, ひと → もと; and a kana run was spelled in one-kanji pieces: しょうがっこう
    → 省学校, はりまちょう → ハリマ庁."""
    assert engine.search(query, limit=3).suggestion is None


@pytest.mark.parametrize("query, meant", [("啓蒙", "啓発"), ("居場処", "居場所")])
def test_did_you_mean_offers_a_word_of_the_same_meaning_or_a_slip(engine, query, meant):
    """A word of the same meaning the corpus uses (啓蒙: 啓発), or a slip no dictionary
    knows (居場処). (A slip of the IME, 連係 for 連携, is searched as the other word.)"""
    r = engine.search(query, limit=3)
    assert r.suggestion == meant
    # A word the vectors know gets the page of records near it in meaning as well (the
    # stop-27 review: 啓蒙 had none, 寂しい a page); a slip only the suggestion.
    if query == "啓蒙":
        assert r.total == 0 and r.related and all(h.related_by == "meaning" for h in r.related)
        assert any("啓発" in h.text for h in r.related)
    else:
        assert not r.related


def test_a_query_no_snippet_says_shows_what_is_near_it_in_meaning():
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "寂しい", "-n", "3"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("No results for 「寂しい」, but 3 related") and "near in meaning: 孤独" in r.output
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "寂しい", "-n", "3", "--no-related"])
    assert r.output.startswith("No results for 「寂しい」.")


def test_short_and_oddly_typed_queries(engine):
    """From the stop-22 review: 孤 and 呉 found nothing, プラットフォ－ム (a full-width
    hyphen-minus for ー) found ぷらっと first, and platform nothing."""
    lone = engine.search("孤", limit=5, related=False)
    assert lone.total > 10 and all("孤独" in h.text or "孤立" in h.text for h in lone.hits)
    assert engine.search("呉", limit=1).reading.cities == ("呉市",)
    dash = engine.search("プラットフォ－ム", limit=3)
    assert all("プラットフォーム" in h.text or "PF" in h.text for h in dash.hits[:3])
    assert engine.search("platform", limit=1).total > 0



def test_places_read_as_the_index_has_them():
    """From the stop-22 review, on the reading alone (an index of other cities)."""
    from kodoku_search.search import _named_cities

    cities = ("福岡市", "北九州市", "森町", "呉市")
    regions = (("福岡県", ("福岡市", "北九州市")), ("北海道", ("森町",)))
    out: list = []
    # The prefecture's whole name first: 福岡県 is the prefecture, not 福岡 + 県.
    assert {c for c, _, _ in _named_cities("福岡県の連携", cities, regions, out)} == {"福岡市", "北九州市"}
    assert [r for r, _, _ in out] == ["福岡県"]
    # A one-character name only as a word of its own, at the start or after a space, before
    # a particle or the end: 呉, 呉 縦割り, 呉で…; not the 森 of 大森の中 or 森林.
    assert _named_cities("大森の中", cities, regions) == () and _named_cities("森林", cities, regions) == ()
    assert [c for c, _, _ in _named_cities("呉 縦割り", cities, regions)] == ["呉市"]
    # Said many times, a prefecture's cities are listed once each (not 300 × its cities).
    assert len(_named_cities("福岡県" * 300, cities, regions)) == 2 + 299


@pytest.mark.parametrize("query, city", [("うわじま", "宇和島市"), ("とよた", "豊田市"), ("かすがい", "春日井市"),
                                         ("ふくおかしの取組", "福岡市"), ("はりまちょう", "播磨町"), ("くれし", "呉市"),
                                         ("とよたしのくろう", "豊田市"), ("なかの 連携", "中野区"),
                                         ("はりま", "播磨町"), ("くれ", "呉市"), (" ざま ", "座間市")])
def test_a_city_typed_in_kana_is_the_city(engine, query, city):
    """From the stop-24 review: うわじま had "no words to search for", とよた and ふくおか no
    results, かすがい found 「サービ【スが】」 (a name Janome reads as no word)."""
    r = engine.search(query, limit=3)
    assert r.reading.cities == (city,) and r.hits and r.hits[0].city == city


@pytest.mark.parametrize("query", ["くれ 連携", "してくれた", "くれる"])
def test_a_city_of_two_kana_is_the_city_only_as_the_whole_query(engine, query):
    """くれ alone is 呉市, as --city くれ is (the README said so, and it found くれる: the stop-31
    review); beside other words it may be the verb's, as in 「…してくれました」."""
    assert engine.search(query, limit=3).reading.cities == ()


@pytest.mark.parametrize("query, region, cities", [("ひろしま", "広島県", ("呉市", "福山市")),
                                                   ("とうきょう", "東京都", ("中野区",)),
                                                   ("あいち 苦労", "愛知県", ("岡崎市", "春日井市", "豊田市")),
                                                   ("ひょうご", "兵庫県", ("播磨町",))])
def test_a_prefecture_typed_in_kana_is_the_prefecture(engine, query, region, cities):
    """The stop-25 review: ひろしま had no results and no note while 広島 found 呉市 and
    福山市; とうきょう found 15 records by the 協 of 協働 and 京都市's."""
    r = engine.search(query, limit=5)
    assert r.reading.regions == ((region, cities),) and r.hits and r.hits[0].city in cities


@pytest.mark.parametrize("query, typed, letters", [("ぴーえふ", "ぴーえふ", "PF"), ("えぬぴーおーとの連携", "えぬぴーおー", "NPO"),
                                                   ("ぴーえふの立ち上げ", "ぴーえふ", "PF")])
def test_letters_said_in_kana_are_the_letters(engine, query, typed, letters):
    """From the stop-24 review: ぴーえふ was ぴ + ー + え + ふ to Janome, and marked 【こ】 and
    【とり】; えぬぴーおー 「私の【お】ススメ」."""
    r = engine.search(query, limit=3)
    assert (typed, letters) in r.reading.respellings
    # (About PF: it says PF or プラットフォーム, PF's synonym, or is on the platform theme.
    # NPO has neither: each hit marks NPO.)
    if letters == "PF":
        assert r.hits and all(letters in h.text or "プラットフォーム" in h.text or h.theme == "platform" for h in r.hits)
    else:
        assert r.hits and all(any(letters in h.text[a:b] for a, b in h.matches) for h in r.hits)
    from kodoku_search.search import _as_letters

    assert _as_letters("えーびーしー") == "ABC" and _as_letters("えふ") is None and _as_letters("こどく") is None
    # Only letters the index has as a word: けーぴーあい (no snippet says KPI) is left as typed.
    assert engine.search("けーぴーあい", limit=1).reading.respellings == ()


@pytest.mark.parametrize("query", ["地域のなかの居場所", "くれ 連携", "ざまの", "かすがいになる", "かすがい役", "なかの人",
                                   "トヨタ自動車", "トヨタ"])
def test_kana_that_only_sounds_like_a_city_is_not_the_city(engine, query):
    """Only hiragana that starts the query or follows a space: with its 市 (とよたし), whole
    or before a particle; without it, only standing alone (the second review: かすがい is
    also a word, なかの also 中の, トヨタ a company); under three kana only with its 市
    (くれし), or as the whole query (くれ: stop 31, whose review found くれ alone listing
    くれる, which no one searches for alone)."""
    assert engine.search(query, limit=3).reading.cities == ()


def test_a_named_citys_snippets_are_candidates_whatever_their_score(engine):
    """They were counted, but fell below the candidates' cut before they could be put
    first: at 100 times this corpus, no page of 「豊田市の連携」 showed 豊田市."""
    from kodoku_search import search as S

    S.CANDIDATES, was = 5, S.CANDIDATES
    try:
        r = engine.search("豊田市の連携", limit=5)
        assert r.total > 5 and [h.city for h in r.hits[:3]] == ["豊田市"] * 3
    finally:
        S.CANDIDATES = was


def test_odd_input_from_the_second_review(engine):
    # A dash between words stays a dash (it became ー: ネットワークー).
    r = engine.search("ネットワーク-連携", limit=3)
    assert [w.term for w in r.reading.words][:2] == ["ネットワーク", "連携"]
    # Hiragana with ー is read in the corpus's spelling for intent too.
    assert engine.search("ぷらっとふぉーむ", limit=1).reading.theme == "platform"
    # A synonym said inflected is highlighted (気にかける in 気にかけて).
    h = next(h for h in engine.search("見守り役", limit=5).hits if h.city == "熊本市")
    assert any(h.text[a:b].startswith("気にかけ") for a, b in h.matches)
    # A lone kanji is highlighted where the text says it; a lone ー finds nothing related.
    assert all(h.matches for h in engine.search("孤", limit=5, related=False).hits)
    assert engine.search("ー", limit=5).related == ()


def test_a_query_nothing_matches_counts_as_zero_results_in_eval(engine, tmp_path):
    f = tmp_path / "j.jsonl"
    f.write_text(json.dumps({"qid": "s", "query": "寂しい", "relevant": [
        {"city": "福岡市", "grade": 2, "text": "縦割り組織において横連携が困難であることです。"}]}), encoding="utf-8")
    report = engine.evaluate(f)
    assert report.zero_rate == 1.0 and report.per_query[0].returned > 0  # related records, no match


def test_places_third_review(engine):
    """An address (熊本県熊本市) is the city; 呉 before a particle is 呉市 (「呉で良かった
    こと」 found nothing); a dash before hiragana is ー (サポ-タ-の養成); a one-kanji word
    nothing says (絆) still shows what is near it; --city's note names the prefecture."""
    assert engine.search("熊本県熊本市の苦労", limit=1).reading.cities == ("熊本市",)
    assert engine.search("熊本県熊本市の苦労", limit=1).reading.regions == ()
    assert engine.search("愛知県豊田市", limit=5).reading.cities == ("豊田市",)
    kure = engine.search("呉で良かったこと", limit=3)
    assert kure.reading.cities == ("呉市",) and kure.hits[0].city == "呉市"
    assert engine.search("サポ-タ-の養成", limit=1).reading.also  # read as サポーター: its synonyms
    assert engine.search("絆", limit=3).related
    r = engine.search("愛知県の連携", limit=1, city="呉市")
    assert any(n.startswith("the query names 愛知県, but --city 呉市 wins") for n in r.notes)
    # --prefecture too (the stop-26 review: 「愛知県の苦労」 --prefecture 広島県 said nothing).
    for q, named in (("愛知県の苦労", "愛知県"), ("熊本市の苦労", "熊本市")):
        r = engine.search(q, limit=1, prefecture="広島県")
        assert f"the query names {named}, but --prefecture 広島県 wins" in r.notes and r.hits[0].prefecture == "広島県"
    for q in ("豊田市の苦労", "愛知県の苦労"):  # (inside the prefecture asked for: nothing to say)
        assert not any("wins" in n for n in engine.search(q, limit=1, prefecture="愛知県").notes)


def test_corpus_order_survives_an_update(tmp_path):
    """After a per-file update a changed file's records sit in a new segment, at the
    end of the index's numbering: the related records of a query with no match and
    --sort city keep the corpus's order (they followed the numbering)."""
    import shutil

    from kodoku_search import SearchEngine

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "more.txt").write_text((CORPUS / "advice-2025-10.txt").read_text("utf-8"), "utf-8")
    with SearchEngine.open(corpus, tmp_path / "idx") as e:
        before = ([h.id for h in e.search("寂しい", limit=4).related],
                  [h.city for h in e.find("連携", sort="city", limit=200).hits])
    with open(corpus / "advice-2025-10.txt", "a", encoding="utf-8") as f:
        f.write("\n")
    with SearchEngine.open(corpus, tmp_path / "idx") as e:
        after = ([h.id for h in e.search("寂しい", limit=4).related],
                 [h.city for h in e.find("連携", sort="city", limit=200).hits])
    assert after == before and before[0][0].startswith("advice-2025-10/")


def test_the_page_says_which_query_words_no_match_has(engine):
    """From the stop-24 review: 「自殺対策」 showed 27 results, all by 対策, and nothing said
    that no snippet says 自殺 (「自殺」 alone: no results)."""
    r = engine.search("自殺対策", limit=3)
    assert r.total > 10 and r.unmatched == ("自殺",) and r.to_dict()["unmatched"] == ["自殺"]
    assert engine.search("前例がない", limit=3).unmatched == ("前例",)
    # Named with the kanji that ends it, met alone elsewhere: 温度差 was "not found: 温度" (stop 40).
    assert engine.search("部署間の温度差", limit=3).unmatched == ("温度差",)
    assert engine.search("単身高齢者の孤立", limit=3).unmatched == ("単身高齢者",)  # (was 単身高齢: the review)
    assert engine.search("縦割り 連携", polarity="good", limit=3).unmatched == ("縦割り",)  # (was 縦)
    # A word typed in hiragana, cut into pieces nothing matched, is named as typed (it was not
    # named at all: ひへい read as ひ; the stop-40 review); not one that is found, nor particles.
    for typed in ("ひへい", "ぼらんてぃあ", "こうみんかん"):
        assert engine.search(f"{typed} 連携", limit=3).unmatched == (typed,), typed
    for found in ("たてわり 連携", "くろう 連携", "みまもり 連携", "連携 について"):
        assert engine.search(found, limit=3).unmatched == (), found
    # Nor a run that says a side (the stop-43 review: the whole of it was "not found", the
    # よかった it read as the side included).
    r = engine.search("もっとこうすればよかった", limit=3)
    assert r.reading.polarity == "hard" and r.unmatched == ()
    # A word some result has in part is not named: the page marks where (居場 of 居場しょ,
    # 上げ of 立ち上げ時; 形がい化 is 形骸化: the second stop-24 review).
    for part in ("居場しょ", "形がい化", "立ち上げ時の苦労"):
        assert engine.search(part, limit=3).unmatched == (), part
    assert engine.search("形がい化", limit=1).reading.respellings == (("形がい", "形骸"),)  # (one word, half in kana)
    # A word met by another spelling or a synonym is found; a side's cue is met by the label.
    for found in ("縦割り", "たてわり", "孤独死", "苦労したこと", "他部署の理解を得るのが難しい", "PFの立ち上げ"):
        assert engine.search(found, limit=3).unmatched == (), found
    out = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "自殺対策", "-n", "1"]).output
    assert "not found: 自殺 (the results match the rest of the query)" in out
    # With no match at all, every such word (the code review: "unmatched" was empty exactly then).
    assert engine.search("自殺したあと", limit=3).unmatched == ("自殺",)
    # But not where a filter hid every match: 縦割り under --polarity good said "unmatched: 縦"
    # (the stop-30 user review); the note says what the filter hid.
    hidden = engine.search("縦割り", polarity="good", limit=3)
    assert hidden.total == 0 and hidden.unmatched == () and any("without --polarity good" in n for n in hidden.notes)
    # A city named is "the rest" too (it said "only some of its characters").
    out = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "豊田市の自殺", "-n", "1"]).output
    assert "not found: 自殺 (the results match the rest of the query)" in out


def test_a_polite_prefix_is_no_word_of_the_query(engine):
    """「お年寄り」 found four snippets by the お of 「私のおススメ」 (お ≈ meaning:お), and said
    not found: 年寄り (the second stop-37 review). お and ご are no words now, in a query or a snippet."""
    r = engine.search("お年寄り", limit=5)
    assert r.total == 0 and r.unmatched == ("年寄り",)
    assert engine.search("ご意見", limit=5).total == engine.search("意見", limit=5).total > 0
    # A word Janome reads as the prefix and nothing (おやつ: お + やつ) is still a query, not
    # "no words to search for" (the third stop-37 review), and not the お of おススメ (the fourth):
    # the prefix with its kana is the word.
    snack = engine.search("おやつ", limit=5, related=False)
    assert snack.total == 0 and snack.unmatched == ("おやつ",)
    assert any("おススメ" in h.text for h in engine.search("お勧め", limit=5, related=False).hits)


def test_how_well_is_no_word_of_the_query(engine):
    # 「企業とうまく連携するにはどうしたらいい？」 looked for うまい: 京都市's 「うまく工夫しないと」 came
    # sixth and 福岡市's 「企業等との連携」 fell from first to fourth (the stop-38 user review).
    asked = engine.search("企業とうまく連携するにはどうしたらいい？", limit=6, related=False)
    plain = engine.search("企業と連携するにはどうしたらいい？", limit=6, related=False)
    assert [h.id for h in asked.hits] == [h.id for h in plain.hits]
    assert all("うまく" not in h.text for h in asked.hits)
    # Alone it is the word, and a cue it is part of still says the side.
    assert engine.search("うまく", limit=1).total > 0
    assert engine.search("連携がうまくいかない", limit=1).reading.polarity == "hard"
    # 上手に too (Janome reads 上手 + に); but not where the rest is only a verb: うまくやれたこと is
    # about doing it well, and found nothing without it (the review of 331e0cf).
    assert "上手" not in engine.search("上手に連携するには", limit=1).terms
    assert engine.search("うまくやれたこと", limit=1).total > 0
    # Said of a verb it is what is asked (うまく巻き込むコツ found nothing without it: the review of
    # c5775b8), and 行政 after it is no いく.
    for query in ("うまく巻き込むコツ", "うまく伝えるコツ"):
        assert "うまい" in engine.search(query, limit=1).terms and engine.search(query, limit=1).total > 0, query
    assert "うまい" not in engine.search("うまく行政と連携", limit=1).terms
    # How it went, said of a thing, is the side, no word to find, however it is written (京都市's
    # 「うまく工夫しないと」 came first: the stop-41 reviews).
    for query in ("連携がうまくいかない", "連携がうまく行かない", "連携がうまくいっていない", "連携がうまく進まない"):
        r = engine.search(query, limit=3)
        assert "うまい" not in r.terms and r.reading.polarity == "hard" and "うまく工夫" not in r.hits[0].text, query
    went = engine.search("連携がうまく行った", limit=3)  # (行 in kanji read no side: corpus/intents.csv)
    assert went.reading.polarity == "good" and "うまい" not in went.terms


def test_a_filter_said_in_words_in_the_library(engine):
    # As the CLI's --polarity/--theme (the stop-38 user review): read as a query's words are.
    from kodoku_search.errors import UsageError

    r = engine.search("連携", polarity="大変だった", theme="地方版官民連携プラットフォーム", limit=50)
    assert r.total and all(h.theme == "platform" and "hard" in (h.polarity, h.also) for h in r.hits)
    from kodoku_search.vocab import vocabulary

    said = vocabulary(engine.corpus_dir).side_named
    assert (said("polarity", "うまくいったこと"), said("theme", "PFの立ち上げ"), said("polarity", "連携")) == ("good", "platform", None)
    for value in ("課題無し", "苦労したこと以外", "良かったこと、苦労したこと"):
        with pytest.raises(UsageError):
            engine.search("連携", polarity=value)


def _is_hiragana_only(word: str) -> bool:
    return all("\u3041" <= ch <= "\u309f" for ch in word)


def test_a_word_of_hiragana_no_match_has_is_named(engine):
    """「いじめ対策」 listed the 33 snippets on 対策 and said nothing of いじめ, which none has:
    a word of hiragana alone was never named (for the あと of 作ったあと). A noun of three kana
    or more is, and a verb's stem used as one where typed on its own (ひきこもり), as typed."""
    assert engine.search("いじめ対策", limit=5).unmatched == ("いじめ",)
    assert engine.search("ひきこもり支援", limit=5).unmatched == ("ひきこもり",)
    assert engine.search("対応のばらつき", limit=5).unmatched == ("ばらつき",)
    # Not a piece Janome cut from a longer run (うちみ of うちみたいな; ゃのこえ of とうじしゃのこえ,
    # いおう of ちょうやくばのたいおう), a word's okurigana (まもり of 見まもり) or a polite word
    # (おねがい), nor a word found: the second stop-37 review.
    assert engine.search("うちみたいな小さい団体", limit=5).unmatched == ()
    for typed in ("とうじしゃのこえ", "ちょうやくばのたいおう", "ぷらっとふぉーむのたちあげ", "見まもり",
                  "連携 よろしくおねがいします"):
        assert not any(_is_hiragana_only(m) for m in engine.search(typed, limit=5).unmatched), typed
    assert engine.search("団体とのやりとり", limit=5).unmatched == ("やりとり",)
    # Nor too strict (the third stop-37 review): after katakana, a sign or particles, before
    # a copula or particle, a word of its own is named.
    for typed, word in (("ネットいじめ", "いじめ"), ("ネットでのいじめ", "いじめ"), ("おせっかいな人", "おせっかい"),
                        ("いじめ・ひきこもり", "ひきこもり"), ("近所からのおせっかい", "おせっかい")):
        assert word in engine.search(typed, limit=5).unmatched, typed
    assert "おねがい" not in "".join(engine.search("連携のヒントおねがい", limit=5).unmatched)
    assert engine.search("つながりづくり", limit=5).unmatched == ()
    assert engine.search("PF作ったあと何したらいいかわからない", limit=5).unmatched == ()


def test_a_number_or_latin_word_inside_a_compound_no_match_has_is_named(engine):
    """From the stop-35 notes: 「8050問題」 listed 21 snippets on 問題 and said nothing of
    8050, which no snippet has (the compound counted as found by its pair 問題); a year
    read by its era is named as typed (2040年問題 said "not found: 令和22年")."""
    r = engine.search("8050問題", limit=3)
    assert r.total > 10 and r.unmatched == ("8050",)
    assert engine.search("COVID19対策", limit=3).unmatched == ("COVID19",)
    assert engine.search("2040年問題", limit=3).unmatched == ("2040年",)
    # One the matches do have is not named: 令和6年度, 2024年度 (its era), NPO法人, 3年目.
    for found in ("令和6年度", "2024年度", "NPO法人", "ＮＰＯ法人", "3年目"):
        r = engine.search(found, limit=3)
        assert r.total and r.unmatched == (), found
    out = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "8050問題", "-n", "1"]).output
    assert "not found: 8050 (the results match the rest of the query)" in out
    # From the stop-36 review: named as typed, in its width, with its hyphen, once.
    assert engine.search("８０５０問題", limit=1).unmatched == ("８０５０",)
    assert engine.search("ＣＯＶＩＤ１９対策", limit=1).unmatched == ("ＣＯＶＩＤ１９",)
    assert engine.search("COVID-19対策", limit=1).unmatched == ("COVID-19",)
    assert engine.search("8050問題 8050世帯", limit=1).unmatched.count("8050") == 0
    # Not a year after its era, nor one the query was rewritten to (R5 → 令和5 said "not
    # found: 5"), nor a short number any digit of a snippet would meet (令和3 said "not found:
    # 3", 令和2 nothing, by 2か月).
    for year in ("令和5年度", "R5年度", "Ｒ５年度", "２０２３年度", "令和3年度の取組", "令和2年度の取組"):
        assert not any(c.isdigit() for u in engine.search(year, limit=1).unmatched for c in u), year


def test_a_snippet_that_says_the_word_comes_before_one_with_only_a_synonym(engine):
    """From the stop-24 review: 「横串」 put a 横断 snippet above 福山市's 「横串での取組」, and
    「企業」 three snippets of 事業者 and 株式会社 above the three that say 企業."""
    assert "横串" in engine.search("横串", limit=1).hits[0].text
    top = engine.search("企業", limit=4).hits
    assert sum("企業" in h.text for h in top) >= 3
    from kodoku_search import rerank

    # A record no query word reaches but through a synonym in the snippet before comes after
    # those that say the word (the 142-set model put 京都市's 「…補助メニュー…」 first for 「連係」,
    # whose snippet before says 連携; INDIRECT_PENALTY).
    slip = engine.search("連係", limit=3).hits
    assert all("連携" in h.text for h in slip), [h.text[:20] for h in slip]
    def lead() -> float:  # how far the best snippet that says 横串 is ahead of the best that does not
        hits = engine.search("横串", limit=20, related=False).hits
        return (max(h.score for h in hits if "横串" in h.text)
                - max(h.score for h in hits if "横串" not in h.text))

    with_bonus = lead()
    before = rerank.LITERAL_BONUS, rerank.INDIRECT_PENALTY
    rerank.LITERAL_BONUS = rerank.INDIRECT_PENALTY = 0.0
    try:  # (the model alone: the 142-set one put a synonym first; the 154-set one, closer)
        assert lead() < with_bonus
    finally:
        rerank.LITERAL_BONUS, rerank.INDIRECT_PENALTY = before
    # (The 146-set model puts 京都市's 「…補助メニュー…」 lower by itself; the penalty still
    # lowers it, and --explain says so.)
    def rank_of_menu() -> int:
        hits = engine.search("連係", limit=90, explain=True).hits
        return next(k for k, h in enumerate(hits) if "補助メニュー" in h.text)

    with_penalty = rank_of_menu()
    rerank.INDIRECT_PENALTY = 0.0
    try:
        assert rank_of_menu() < with_penalty
    finally:
        rerank.INDIRECT_PENALTY = before[1]
    menu = next(h for h in engine.search("連係", limit=90, explain=True).hits if "補助メニュー" in h.text)
    assert ("indirect_penalty", 1.0, -rerank.INDIRECT_PENALTY) in menu.explanation.ranker_parts


def test_a_snippet_is_found_by_what_continues_it(engine):
    """The sequel field (context turned round): the judges of «庁内連携» and «イベント»
    list snippets that never say the words but lead into ones that do. 播磨町's
    「福祉分野でない部署が…動いてくれる」 leads into its 「~庁内の例~」 list; its 「…フィールド
    ワーク演習を実施しました」 goes on in 「➡ その報告をもとに…イベントで」."""
    lead = engine.search("庁内連携", limit=5, polarity="good")
    assert any(h.text.startswith("福祉分野でない部署が") for h in lead.hits[:3]), [h.text[:12] for h in lead.hits]
    event = engine.search("イベント", limit=5)
    assert any("フィールドワーク演習" in h.text for h in event.hits[:5])  # (under シンポジウム and フォーラム: stop 34)
    # Matched there only: no word of the snippet is marked, and --explain says where.
    h = next(h for h in engine.search("イベント", limit=5, explain=True).hits if "フィールドワーク演習" in h.text)
    assert not h.matches and any(c.field == "sequel" for c in h.explanation.contributions)
    from kodoku_search import search as S

    S.W_SEQUEL, was = 0.0, S.W_SEQUEL
    try:
        assert not any("フィールドワーク演習" in h.text for h in engine.search("イベント", limit=5).hits[:5])
    finally:
        S.W_SEQUEL = was


def test_a_words_pairs_add_nothing_where_they_do_not_hold_together(engine):
    # 「PFのデメリット」: no snippet says デメリット. 岡崎市's 「…事業メリットにつながる…」 is a
    # match of PF, and it has デメリット's メリ, リッ and ット but not デメ: half a word. Those pairs
    # once added to its score, marked 事業【メリット】 and kept デメリット off the "not found" line.
    r = engine.search("PFのデメリット", limit=40, explain=True, related=False)
    assert r.total > 10 and r.unmatched == ("デメリット",)
    merit = [h for h in r.hits if "事業メリット" in h.text]
    assert merit, "the snippet is still a match of PF"
    for h in merit:
        assert "メリット" not in {h.text[a:b] for a, b in h.matches}
        assert not [c for c in h.explanation.contributions if c.word == "デメリット" and c.field == "ngram"]
    # Where the word's pairs hold together, they add and mark as before: メリット, and ポトキャスト,
    # whose ト + キ joins the two words Janome cut it into.
    r = engine.search("PFのメリット", limit=40, related=False)
    assert any("メリット" in {h.text[a:b] for a, b in h.matches} for h in r.hits if "事業メリット" in h.text)
    assert "ポットキャスト" in {h.text[a:b] for h in engine.search("ポトキャスト", limit=3, related=False).hits
                               for a, b in h.matches}


def test_a_word_typed_in_kana_that_janome_reads_as_particles_alone(engine):
    # 「はば」 (幅) is は + ば to Janome: "no words to search for" and exit 2. The corpus says 幅
    # (「活動の幅が制限されず」): read so, as any kana word the corpus spells in kanji.
    r = engine.search("はば", limit=10, related=False)
    assert r.total >= 3 and ("はば", "幅") in r.reading.respellings
    said = [h for h in r.hits if not h.through]  # (the rest continue, or are continued by, one that says it)
    assert len(said) >= 3 and all("幅" in {h.text[a:b] for a, b in h.matches} for h in said)
    assert engine.search("はば？", related=False).total == r.total  # (with its punctuation, the same)
    # Particles alone are still no words, and so are two kana Janome reads as grammar of
    # another kind, or that the corpus says only voiced otherwise (the stop-32 review: でき
    # was 的, しや 者, だた 多々, でま テーマ).
    for q in ("の", "が", "は", "でき", "しや", "だた", "でま", "ぜる"):
        assert engine.search(q).total == 0 and any("no words" in n for n in engine.search(q).notes), q


def test_a_theme_asked_for_in_words_no_snippet_has_lists_the_theme(engine):
    # 「たちあげ」 (立上げ typed in kana; Janome reads たち + あげ, which no snippet says) was "No
    # results". It names the platform theme (corpus/intents.csv). Since stop 33 it is read as
    # the synonym file's 立ち上げ, and finds what 立ち上げ finds, platform snippets first.
    r, kanji = engine.search("たちあげ", limit=50, related=False), engine.search("立ち上げ", limit=50, related=False)
    assert r.reading.theme == "platform" and r.unmatched == ()
    assert [h.id for h in r.hits] == [h.id for h in kanji.hits] and r.total > 10
    assert sum(h.theme == "platform" for h in r.hits[:10]) >= 7
    # A theme cue no snippet says in any spelling lists the theme (as 「最近困っていること」 lists
    # the hard side); a filter for the other theme still wins.
    from kodoku_search.search import Filters, _side_instead
    from dataclasses import replace as _replace
    plat = _replace(r.reading, polarity=None)
    s = engine.searcher()  # (the engine's own: not closed here)
    assert _side_instead(plat, [], Filters(), s) and not _side_instead(plat, [], Filters(theme="general"), s)
    # Not where a filter, not the corpus, left its words nothing: six snippets say 幅, none of
    # 京都市's (the stop-32 review).
    r = engine.search("幅", city="京都市", related=False)
    assert r.total == 0 and "6 results without --city 京都市" in r.notes
    r = engine.search("たちあげの幅", city="京都市", related=False)  # (京都市's 立ち上げ, and 幅 not found)
    assert r.total > 0 and r.unmatched == ("幅",)
    hard = engine.search("たちあげで苦労したこと", limit=5)
    assert [h.id for h in hard.hits] == [h.id for h in engine.search("立ち上げで苦労したこと", limit=5).hits]
    assert all("hard" in (h.polarity, h.also) for h in hard.hits)  # (呉市's 全般 one plans a PF: it answers)
    assert sum(h.theme == "platform" for h in hard.hits) >= 3  # (4 until the 182-set model: 春日井市's 全般 one is 4th)


@pytest.mark.parametrize("query, joint, never", [("さびしい相談", "イ相", "い相談"), ("やさしい支え", "イ支", "い支え"),
                                                 ("ふとうこうの支援", "ウコ", "うこ")])
def test_a_pair_that_joins_two_words_adds_only_where_both_hold(engine, query, joint, never):
    # The pair that joins two query words (イ相 of さびしい + 相談) is no word's own: it added and
    # was marked where only the second word stands, 「取りこぼしのな【い相談】」 (the stop-32 review).
    r = engine.search(query, limit=20, explain=True, related=False)
    assert r.total > 0
    for h in r.hits:
        assert never not in {h.text[a:b] for a, b in h.matches}, h.text
        assert not [c for c in h.explanation.contributions if c.field == "ngram" and c.term == joint], h.text


def test_explain_shows_a_listed_themes_match_as_a_match(engine):
    # 「たちあげ」 --explain printed its theme's records as if related by meaning ("meaning 0.12
    # = closeness …"), with no line of the ranker that put them there (the stop-32 review).
    r = CliRunner().invoke(cli, ["--corpus-dir", str(CORPUS), "search", "たちあげ", "--explain", "-n", "1"])
    assert r.exit_code == 0 and "by the learned ranker" in r.output and "score " in r.output
    assert "(the best match's score)" not in r.output


@pytest.mark.parametrize("typed, spaced, spelled", [
    ("しみんだんたい", "しみん だんたい", ("市民", "団体")), ("みんかんきぎょう", "みんかん きぎょう", ("民間", "企業")),
    ("じゅうそうてきしえん", "じゅうそうてき しえん", ("重層的", "支援"))])
def test_kana_typed_without_a_break_is_every_word_it_spells(engine, typed, spaced, spelled):
    # しみんだんたい was 市民 alone (9 results, 「市民だんたい」 offered): Janome reads だんたい as
    # だ + ん + たい, grammar, and 団体 was never searched (the stop-32 review). Typed with a space
    # it was 25 results. Each word the run spells is searched, as with the space.
    r, s = engine.search(typed, related=False), engine.search(spaced, related=False)
    assert tuple(sp for _, sp in r.reading.respellings) == spelled and r.total >= s.total  # (市民団体: NPO too)
    # Kana after them that is grammar stays as typed: くろうしている is 苦労 + している, not 指定.
    assert engine.search("くろうしている", limit=1).reading.respellings == (("くろう", "苦労"),)


def test_a_compound_typed_in_kana_with_its_second_word_voiced(engine):
    # よこぐし was "No results": the corpus's 横串 reads 横 + クシ to Janome, and a run of four kana
    # matches no spelling loosely (the stop-32 review). The voicing of a compound's second word
    # (rendaku) is read so; one word's inner kana is not (さんがく is no 参画).
    r = engine.search("よこぐし", related=False)
    assert r.total > 0 and ("よこぐし", "横串") in r.reading.respellings
    assert any("横串" in {h.text[a:b] for a, b in h.matches} for h in r.hits)
    assert all("参画" not in sp for _, sp in engine.search("さんがくかん").reading.respellings)


def test_a_long_katakana_words_slip_near_its_start_is_marked_whole(engine):
    # コミニティーナース (a slip of コミュニティーナース) marked 「コミュ【ニティーナース】」: its コミ
    # is a lone pair, and the mark could grow two kana, not the three to the word's start (the
    # stop-32 review). A long word's mark grows by a third of its length.
    marks = {h.text[a:b] for h in engine.search("コミニティーナース", limit=3, related=False).hits for a, b in h.matches}
    assert "コミュニティーナース" in marks and "ニティーナース" not in marks


@pytest.mark.parametrize("typed, spelled", [("たいへん", "大変"), ("くろう", "苦労"), ("むずかしい", "難しい")])
def test_a_side_word_typed_in_kana_finds_what_its_spelling_finds(engine, typed, spelled):
    # たいへん found 3 snippets (大変 finds 39), くろう 14 (苦労: 40), むずかしい 8 (難しい: 33):
    # intent was read in the corpus spelling, but the word did not name the side it asked
    # for, so the side's snippets were no matches (the stop-33 review). In katakana too.
    kana, kanji = engine.search(typed, limit=100, related=False), engine.search(spelled, limit=100, related=False)
    assert kana.reading.polarity == kanji.reading.polarity == "hard"
    hard = {h.id for h in kanji.hits if "hard" in (h.polarity, h.also)}
    assert hard <= {h.id for h in kana.hits}  # (not the kanji's synonyms' good-side snippets: 宇和島市's
    assert all(h.polarity == "hard" or h.also == "hard" for h in kana.hits[:5])  # 【難しさ】 led くろうした)
    assert spelled[:2] in {kana.hits[0].text[a:b][:2] for a, b in kana.hits[0].matches}  # (the word, first)
    katakana = engine.search("".join(chr(ord(c) + 0x60) for c in typed), limit=10, related=False)
    assert katakana.total == kana.total


def test_a_place_named_alone_finds_the_snippets_that_say_it(engine):
    # 「兵庫」 listed 播磨町's 14 snippets and said nothing was hidden, but 鳥取市's 「…兵庫県2町…」
    # was missing, and 播磨町's 「兵庫ヤクルト…」 was not first (the stop-33 review). Scores fall
    # down the page, city first or not, so a script that sorts by them keeps the order.
    r = engine.search("兵庫", limit=20, related=False)
    assert "兵庫" in r.hits[0].text and r.hits[0].city == "播磨町"
    assert any(h.city == "鳥取市" and "兵庫県2町" in h.text for h in r.hits)
    assert all(h.city == "播磨町" for h in r.hits[:r.total - 1])  # (its snippets first)
    assert all(a.score >= b.score for a, b in zip(r.hits, r.hits[1:]))


@pytest.mark.parametrize("short, written", [("R7", "令和7"), ("R6年度", "令和6年度"), ("Ｒ７年度の取組", "令和7年度の取組")])
def test_a_reiwa_year_written_short_is_the_year(engine, short, written):
    # R7 (令和7, as offices write it in short) was "No results", R6年度 "not found: R" (the stop-33
    # review). Letters that merely start with R stay themselves (PR, RPG).
    a, b = engine.search(short, limit=10, related=False), engine.search(written, limit=10, related=False)
    assert [h.id for h in a.hits] == [h.id for h in b.hits] and a.total == b.total > 0
    assert dict(a.reading.also)[short.split("年")[0]] == (written.split("年")[0],)
    assert "令和" not in "".join(alt for _, alts in engine.search("PR", limit=1).reading.also for alt in alts)


def test_a_synonym_entry_is_found_with_its_okurigana_written_otherwise(engine):
    # 話合い (the official style, without okurigana) found 1 snippet, by the 合い of 支え合い;
    # 話し合い finds 9 by its synonyms (意見交換, 対話, 協議) (the stop-33 review).
    short, full = engine.search("話合い", limit=10, related=False), engine.search("話し合い", limit=10, related=False)
    assert short.total == full.total and [h.id for h in short.hits] == [h.id for h in full.hits]
    assert "意見交換" in dict(short.reading.also)["話合い"]
    # (One kanji is not enough to say two words are one: 生きる is no 生かす.)
    from kodoku_search.vocab import _okurigana_free
    assert _okurigana_free("話し合い") == _okurigana_free("話合い") == "話合" and _okurigana_free("生かす") == ""


@pytest.mark.parametrize("typed, slip, meant, said", [("関係期間", "期間", "機関", "関係機関"),
                                                     ("サポーター要請講座", "要請", "養成", "養成講座")])
def test_a_compound_typed_with_the_imes_wrong_homophone(engine, typed, slip, meant, said):
    # 関係期間 put 「一定【期間】」 first and 「関係機関」 (three snippets) nowhere near; 要請講座 found
    # 依頼 by 要請's synonym (the stop-33 review). Each word is a word of the corpus, so the
    # word alone tells nothing; the compound no snippet says, and its homophone one does.
    r = engine.search(typed, limit=5, related=False)
    assert meant in dict(r.reading.also)[slip]
    assert said in r.hits[0].text
    # The evidence is a snippet that says the homophone compound, and none the typed one.
    from kodoku_search.search import _said_together
    assert _said_together(engine.searcher(), "関係", "機関") and not _said_together(engine.searcher(), "関係", "期間")
    assert not dict(engine.search("関係機関", limit=1).reading.also).get("機関")  # (said as typed: no slip)


@pytest.mark.parametrize("query", ["図りづらい", "成果が見えにくい", "連携がとりにくい"])
def test_hard_to_do_asks_for_the_hard_side(engine, query):
    # 〜にくい and 〜づらい were no cue: 「図りづらい」 put 福岡市's 「…図りやすくなった」 first and
    # its 「共有が図りづらかった」 second; 「成果が見えにくい」 was read as asking for 良かったこと
    # by its 成果 (the stop-33 review). The last cue wins: these ask for the hard side.
    r = engine.search(query, limit=3, related=False)
    assert r.reading.polarity == "hard"
    assert sum("hard" in (h.polarity, h.also) for h in r.hits) >= 2


def test_a_named_citys_snippets_matched_through_the_line_before_come_first(engine):
    # 「鳥取市の学び」 said its snippets come first, but 鳥取市's three lessons (announced by 「次の
    # 3点を学びました」, which alone says 学ぶ) came after 播磨町's and 熊本市's 学ぶ (the stop-33
    # review): a city's snippet matched through the line before it counted as none of its matches.
    r = engine.search("鳥取市の学び", limit=8, related=False)
    assert all(h.city == "鳥取市" for h in r.hits[:6])
    assert any(h.through == "context" for h in r.hits[:6])


def test_inside_the_city_office_is_庁内(engine):
    # 役所 and 市役所 are 行政 (government, beside the private sector); 「役所の中の協力」 and
    # 「市役所内の連携」 found 行政とNPO and 市域を越えた行政, none of the 庁内 snippets (the stop-33
    # ranking review). Inside the office is 庁内 (corpus/synonyms.csv).
    for q in ("役所の中の協力", "市役所内の連携"):
        r = engine.search(q, limit=3, related=False)
        assert sum("庁内" in h.text for h in r.hits) >= 2, q


def test_what_was_devised_asks_for_the_good_side(engine):
    # 「住民向けの啓発で工夫したこと」 put 京都市's 「うまく工夫しないと…抽象的」 (a hardship) first,
    # and 市原市's 「…市民、関係者等に広く周知し…」 tenth (the stop-33 ranking review).
    r = engine.search("住民向けの啓発で工夫したこと", limit=5, related=False)
    assert r.reading.polarity == "good" and all("good" in (h.polarity, h.also) for h in r.hits)
    assert any(h.city == "市原市" and "広く周知" in h.text for h in r.hits)
    assert engine.search("運用で工夫が必要", limit=1).reading.polarity != "good"  # (a need, not what was done)


@pytest.mark.parametrize("typed, spaced", [("みまもりかつどう", "みまもり かつどう"), ("れんけいきょうか", "れんけい きょうか")])
def test_two_words_typed_in_kana_without_a_break(engine, typed, spaced):
    # みまもりかつどう found nothing (with a space, 16): Janome reads みまもり + かつ + どう, a
    # conjunction and an adverb, and みまもり (見守り, which no snippet says) is no corpus word, so
    # the run was not the corpus's words either (the stop-33 review). One cut that reads as two
    # words, the corpus's or in their usual kanji, is read so.
    r, s = engine.search(typed, limit=10, related=False), engine.search(spaced, limit=10, related=False)
    assert [sp for _, sp in r.reading.respellings][:2] == [sp for _, sp in s.reading.respellings][:2]
    assert r.total >= s.total > 0 and r.hits[0].id == s.hits[0].id


@pytest.mark.parametrize("typed, entry, said", [("しゃきょう", "社協", "社会福祉協議会"), ("こどくし", "孤独死", "孤立死")])
def test_a_synonym_entry_typed_in_kana(engine, typed, entry, said):
    # しゃきょう put 京都市's 連携・【協】働 first and 播磨町's 社会福祉協議会 nowhere near; こどくし was
    # 孤独 + し, "Did you mean: 孤独し", without 孤立死 (the stop-33 review). Neither word is the
    # corpus's, so it had no spelling of them; the synonym file's entries are read by sound too.
    r = engine.search(typed, limit=5, related=False)
    assert (typed, entry) in r.reading.respellings
    assert said in r.hits[0].text
    assert r.suggestion in (None, entry)


@pytest.mark.parametrize("query", ["企業と組んだ", "大学と組んで", "小さい団体とも組める？"])
def test_a_verb_is_not_the_tail_of_a_compound_verb(engine, query):
    # 「企業と組んだ」 marked 取り【組ん】で first: 組ん's one pair is in every 取り組んで (the stop-33
    # review). Said only as 取り組む, 組む is not found, and no mark falls inside 取り組.
    r = engine.search(query, limit=10, related=False)
    assert "組む" in r.unmatched or "組める" in r.unmatched
    assert not any(h.text[a:b].startswith("組") and h.text[max(0, a - 2):a].endswith(("取り", "取"))
                   for h in r.hits for a, b in h.matches)


def test_a_mark_takes_in_the_okurigana_of_the_word_it_ends_in(engine):
    # 「縦割」 (typed without its okurigana) marked 【縦割】り (the stop-33 review): the mark ends on a
    # kanji inside the record's word 割り; it grows over the word's kana to 【縦割り】.
    r = engine.search("縦割", limit=5, related=False)
    marks = {h.text[a:b] for h in r.hits for a, b in h.matches}
    assert "縦割り" in marks and "縦割" not in marks


@pytest.mark.parametrize("query", ["しんどかったこと", "きつかった", "めんどくさい", "ムズい", "手こずったこと", "骨が折れた"])
def test_hard_said_casually_asks_for_the_hard_side(engine, query):
    # しんどかったこと, めんどくさい and ムズい found nothing, and きつかった marked the 【きっか】け
    # of two good snippets first (the stop-34 review).
    r = engine.search(query, limit=10, related=False)
    assert r.reading.polarity == "hard"
    assert r.total > 20 and all(h.polarity == "hard" or h.also == "hard" for h in r.hits)


@pytest.mark.parametrize("query", ["嬉しかったこと", "うれしかったこと", "助かったこと", "ありがたかった", "好評だった", "嬉しい"])
def test_good_said_casually_asks_for_the_good_side(engine, query):
    # Each found nothing, and 嬉しかったこと's first related snippet was a 苦労したこと one
    # (the stop-37 user review).
    r = engine.search(query, limit=10, related=False)
    assert r.reading.polarity == "good"
    assert r.total > 20 and all(h.polarity == "good" or h.also == "good" for h in r.hits)
    assert r.unmatched == ()  # (嬉しい said "not found: 嬉しい": the second stop-37 review)


@pytest.mark.parametrize("query", ["喜ばれない取組", "喜ばれず", "好評ではなかった", "好評じゃなかった", "助かっていない人",
                                   "成果ではなかった", "成功せず", "成功しなかった事例", "成功しませんでした", "成果はありません",
                                   "うまくいかなかったこと", "成功していない事例", "成功してない取組", "成果が出なかった事業",
                                   "好評を得られなかった取組", "成果のない取組", "サロンは…成功せず", "㈱の協力は好評ではなかった"])
def test_a_good_word_negated_asks_for_the_hard_side(engine, query):
    # Each read as asking for 良かったこと (the second stop-37 review; 成功せず and
    # 成功しなかった事例, past する, until stop 38): a cue negated right after it says the
    # opposite, and a good thing that did not happen is a complaint.
    r = engine.search(query, limit=1)
    assert r.reading.polarity == "hard"
    assert r.total > 0
    # (… and ㈱ lengthen under NFKC: the words' offsets are the query's, not the folded
    # text's, or 成功せず read as good and the cue shown was 「ではなかった」: the stop-38 review.)
    if "…" in query or "㈱" in query:
        said = query.split("…")[-1].split("は", 1)[-1]  # 成功せず, 好評ではなかった
        assert r.reading.polarity_cues == (said,), r.reading.polarity_cues


@pytest.mark.parametrize("query", ["難しくなかった", "大変ではなかった", "苦労はなかった", "困っていない", "負担ではなかった",
                                   "苦労しなかったこと", "苦労しませんでした", "問題なかった", "問題はありませんでした",
                                   "難航しなかった", "手間はない", "課題はありませんでした", "課題は特にありませんでした",
                                   "苦労はほとんどなかった", "苦労していない", "苦労のない進め方", "課題はございませんでした",
                                   "立ち上げ時…苦労しなかった"])
def test_a_complaint_negated_is_no_complaint(engine, query):
    # "It was not hard" read as asking for 苦労したこと: a negated predicate at the end is a
    # complaint (分からない, 進まない), but not where what it negates is one itself (stop 37),
    # nor in the past past する (苦労しなかった), nor where it is a synonym of one (問題, 難航,
    # 手間: stop 38).
    assert engine.search(query, limit=1).reading.polarity != "hard"
    for complaint in ("分からない", "進まない", "ノウハウがない", "参加が増えない", "分からない？", "進め方が分からない?"):
        assert engine.search(complaint, limit=1).reading.polarity == "hard", complaint


@pytest.mark.parametrize("query", ["立ち上げで苦労しませんでしたか", "課題はありませんでしたか？", "問題はなかったですか",
                                   "苦労しなかったのか", "大変じゃなかったですか", "他自治体で苦労しなかったか知りたい",
                                   "苦労しなかった？", "成功しなかった？"])
def test_a_complaint_negated_and_asked_asks_for_the_hard_side(engine, query):
    # Asking whether it was hard is asking for what was: each read as no side once 苦労しなかった
    # and 課題はありませんでした stopped reading as complaints (the stop-38 review).
    assert engine.search(query, limit=1).reading.polarity == "hard"


@pytest.mark.parametrize("query, side", [
    ("手間がかからなかった", None), ("問題は起きなかった", None), ("問題は発生しませんでした", None),
    ("大きな問題は生じなかった", None), ("困ることはなかった", None), ("苦労したことはなかった", None),
    ("難しいことはありませんでした", None), ("負担が増えなかった", None), ("負担を減らすには", None),
    ("負担が減った", "good"), ("苦労が少なかった", "good"), ("負担が軽減された", "good"),
    ("職員の負担が軽くなった", "good"), ("課題が解消された", "good"), ("負担を減らせた", "good"),
    ("負担が増えた", "hard"), ("手間が増えた", "hard"), ("成功したことがない", "hard"),
    ("負担が減らなかった", "hard"), ("課題が解決しなかった", "hard"), ("苦労したことはありませんか", "hard"),
    ("参加者が増えた", "good"), ("職員の負担が大きい", "hard"),
    # (The review of the first version: what may be, and what goes on into another clause,
    # says neither; asked whether it is, it is as it was; how much between is nothing.)
    ("負担を軽減できる方法", None), ("負担が減ったら参加したい", None), ("負担を減らした方がいい", None),
    ("負担を減らしたら参加者が減った", "hard"), ("負担が減った事例を知りたい", "good"),  # (参加者が減った: stop 40)
    ("負担が減った自治体はありますか", "good"), ("負担を減らせるか不安", "hard"), ("課題を解決できるのか不安", "hard"),
    ("負担が大幅に増えた", "hard"), ("手間がさらに増えました", "hard"), ("負担増えた", "hard"),
    ("負担がかなり減った", "good"), ("負担が大きく減った", "good"), ("負担は確実に減った", "good"),
    ("負担が減っている", "good"), ("負担が和らいだ", "good"), ("負担が減ったと感じた", "good"),
    ("苦労したことはない", None), ("困ったことは一度もなかった", None), ("難しいことは何もなかった", None),
    ("苦労した点は特にない", None), ("負担を感じなかった", None), ("負担に感じることはなかった", None),
    ("問題が起きたことはない", None), ("負担は大きくなかった", None),
    ("もっと早く始めればよかった", "hard"), ("もっと負担を減らせばよかった", "hard"), ("相談できたらよかった", "hard"),
    ("課題がくれた気づき", "good"),
    # (A word that names a hard thing only as a synonym of a cue: 手間 of 負担, 問題 of 課題.)
    ("手間が減った", "good"), ("手間が省けた", "good"), ("問題が解決しました", "good"), ("手間がかかった", "hard"),
    ("問題が起きた", "hard"), ("手間がかかる", None), ("問題が起きたら", None),
    # (The second review: what it read worse, and what it found close by.)
    ("苦労なくできた", "good"), ("問題もなくできた", "good"), ("参加者が大変増えた", "good"),
    ("負担が減ったのに", "hard"), ("負担は減ったけど不満もある", "hard"), ("負担が減ったのは最初だけ", "hard"),
    ("負担が減った反面、不満の声もある", "hard"), ("負担は減った。だが不満がある", "hard"),
    ("負担が減ったと思っていた", "hard"), ("負担は減るはずだった", "hard"), ("負担を減らすべきだった", "hard"),
    ("負担が減ったので参加しやすくなった", "good"), ("負担が減った事例を教えてください", "good"),
    ("負担が減った事例を知りたいのですが", "good"), ("負担が減ったはずだ", None), ("負担が減ればいいのに", None),
    ("使ってみたら良かった", "good"), ("早めに始めたほうがよかった", "hard"), ("人手が十分ならよかった", "hard"),
    ("もっと早く頼んだらよかった", "hard"), ("もっと周知しないといけなかった", "hard"),
    # (なければ said short, the stop-41 review: read good.)
    ("やらなきゃよかった", "hard"), ("やらなけりゃよかったこと", "hard"), ("やらなくてよかった", "good"),
    ("苦労を聞かせてください", "hard"), ("先輩自治体の苦労を聞いてみたい", "hard"), ("課題を共有してほしい", "hard"),
    ("悩みを吐き出せる場がほしい", None), ("課題を共有したい", None),
    ("困った事は一度もなかった", None), ("困った経験はない", None), ("大変なことはなかった", None),
    ("費用がかからなかった", None), ("負担にならなかった", None), ("反省点は特にない", None),
    ("分からない？？", "hard"), ("分からない!?", "hard"), ("どう進めたらいいのか分からない…", "hard")])
def test_what_is_said_of_a_hard_thing(engine, query, side):
    # A hard thing lessened went well, one that did not come about is no complaint, and
    # a thing that grows said of a hard one is a complaint: 負担が減った and 苦労が少なかった
    # read hard, 手間がかからなかった and 困ることはなかった hard (by their negation), 負担が増えた
    # and 手間が増えた good (by 増えた): the stop-39 review. A regret (…ればよかった) read good.
    assert engine.search(query, limit=1).reading.polarity == side


_OUTCOMES = [
    # Grown or come about: it went well (the stop-40 review's 475 outcome statements: 185 misread).
    ("関係者の理解が深まった", "good"), ("連携が進んだ", "good"), ("連携が進みました", "good"),
    ("賛同が得られた", "good"), ("信頼関係が築けた", "good"), ("意識が高まった", "good"),
    ("参加者が定着した", "good"), ("連携が強化された", "good"), ("情報共有がしやすくなった", "good"),
    ("多くの団体に賛同いただけた", "good"), ("相談につながった", "good"), ("理解が深まってきた", "good"),
    # … said of an ill, it did not: 孤立が深まった read as 良かったこと.
    ("孤立が深まった", "hard"), ("孤独感が強まった", "hard"), ("担い手の高齢化が進みました", "hard"),
    ("不安が広がった", "hard"), ("温度差が広がった", "hard"), ("孤立死が増えた", "hard"), ("孤立につながった", "hard"),
    ("参加が増えず負担ばかり増えた", "hard"),
    # An ill come about, as a verb: PFが形骸化した.
    ("PFが形骸化した", "hard"), ("会議が形骸化している", "hard"), ("職員が疲弊した", "hard"),
    ("関係が悪化した", "hard"), ("参加者は増えたが固定化してきた", "hard"),
    ("形骸化しないために", None), ("形骸化", None), ("孤立した人への支援", None),
    # What went well, lessened, is a complaint; an ill lessened went well.
    ("参加者が減った", "hard"), ("関心が薄れた", "hard"), ("認知度が低い", "hard"), ("参加意識が低い", "hard"),
    ("前例が少ない", "hard"), ("つながりが途切れた", "hard"),
    ("孤独感が和らいだ", "good"), ("縦割りが解消された", "good"), ("抵抗感が薄れた", "good"),
    ("相談のハードルが下がった", "good"), ("トラブルが減った", "good"), ("費用が減った", None),
    # Supposed, wished for, asked how: neither.
    ("連携が進んだら", None), ("関係が築けたら", None), ("もし連携が強化されたら", None),
    ("理解が広がってほしい", None), ("理解を深めるには", None), ("連携を進める方法", None), ("理解促進", None),
    ("認知度が低ければ", None),
    # Negated, or undercut by what follows: a complaint.
    ("理解が深まらない", "hard"), ("協力を得られない", "hard"), ("理解は深まったが参加は増えない", "hard"),
    # Both sides listed: neither first (the stop-40 user review: 良かったことと苦労したこと read hard).
    ("良かったことと苦労したこと", None), ("取り組んで良かったこと、苦労したこと", None),
    ("苦労した点と工夫した点", None), ("成果と課題", None),
    ("周知はできたがその先に進めない", "hard"), ("苦労したことは多いが良かった", "good"),
    # The adversarial review of the first version (2,170 queries, 1,823 → 1,966 read as meant):
    # what did not lessen or come about is no complaint (they read hard) …
    ("参加者が減らなかった", None), ("関心は薄れていない", None), ("形骸化しなかった", None),
    ("職員が疲弊していない", None), ("孤立が深まらなかった", None), ("孤立を生まない", None),
    # … easier or harder, said of an ill, turns round …
    ("孤立しやすくなった", "hard"), ("誤解されやすくなった", "hard"), ("相談しやすくなった", "good"),
    ("孤立しにくくなった", "good"), ("孤立しにくい地域づくり", None),
    # … more ills, the people an ill is said of, and what an ill leads to …
    ("孤独を感じる人が増えた", "hard"), ("孤立する人が減った", "good"), ("過疎化が進んだ", "hard"),
    ("業務が増えた", "hard"), ("孤独につながった", "hard"), ("不安につながった", "hard"), ("敷居が下がった", "good"),
    # … asked about, or said with しまった, it is as said …
    ("PFが形骸化した？", "hard"), ("参加者が減ったのはなぜ", "hard"), ("PFが形骸化してしまった", "hard"),
    ("参加者が減ってしまった", "hard"),
    # … supposed in other words, hearsay, an affirmation asked, a denial, both sides in other words.
    ("連携が進んでいれば", None), ("連携が進んだとしても", None), ("理解が深まったかどうか", None),
    ("連携が進んだらしい", "good"), ("理解が深まったのではないか", "good"), ("連携が進んだとは言い難い", "hard"),
    ("成功例と失敗例", None), ("良かったことも苦労したことも", None), ("良かったこと並びに苦労したこと", None),
    # 良い点と悪い点 was the good side alone (the stop-43 review): 悪い点 is the hard side's.
    ("良い点と悪い点", None), ("PFの悪い点", "hard"), ("悪いところ", "hard"),
    # Said with のではないか, as what comes before it: it did, or it is a complaint (意味がない).
    ("意味がないのではないか", "hard"), ("連携が進まないのではないか", "hard"),
    # An ill feared (〜てしまう) is a complaint; one to be kept off (〜ないように) none.
    ("当事者が困惑してしまう", "hard"), ("PFが形骸化してしまう", "hard"), ("形骸化してしまわないように", None),
]


@pytest.mark.parametrize("query, side", _OUTCOMES)
def test_what_is_said_to_have_come_of_a_thing(query, side):
    from kodoku_search.vocab import load_vocabulary

    read = load_vocabulary(CORPUS).read_intent(query).get("polarity")
    assert (read[0] if read else None) == side


def test_an_outcome_read_ranks_its_side_first(engine):
    # 「関係者の理解が深まった」 ranked 豊田市's 「他部署の理解を得るのに苦労しました」 4th, ahead of
    # 福山市's good one (the stop-40 user review).
    r = engine.search("関係者の理解が深まった", limit=5, related=False)
    assert r.reading.polarity == "good" and all(h.polarity == "good" for h in r.hits)


@pytest.mark.parametrize("query, needle, within", [
    ("関係者の理解が深まった", "理解を深める", 3), ("理解を深める", "理解が深まり", 3),
    ("横のつながり", "横断的なつながり", 3), ("大学との連携", "兵庫県立大学", 1)])
def test_what_the_user_review_of_stop_40_did_not_find_first(engine, query, needle, within):
    # 深まる and 深める are one verb (each found only its own city, 7th and 3rd); 播磨町's 横断的な
    # つながり ranked 16th for 横のつながり; 大学との連携 ranked 中学3年生 first by 年生, a counter
    # in 大学's synonym group.
    hits = engine.search(query, limit=within, related=False).hits
    assert any(needle in h.text for h in hits), [h.text[:30] for h in hits]


@pytest.mark.parametrize("query, kana", [("負担が減った取組を探しています", "してい"), ("他市の苦労を聞きたい", "きたい")])
def test_a_verbs_kana_ending_is_not_respelled(engine, query, kana):
    # 探しています's してい was looked for as 指定 and 聞きたい's きたい as 期待 (「also as してい → 指定」),
    # and the side was read on the text they made: none, where 負担が減った asks for 良かったこと
    # and 苦労 for 苦労したこと (the second stop-39 review).
    r = engine.search(query, limit=1)
    assert not any(typed == kana for typed, _ in r.reading.also), r.reading.also
    assert r.reading.polarity == ("good" if "減った" in query else "hard")


@pytest.mark.parametrize("query, side", [("悩みを共有できる場", None), ("支援者同士で悩みを話せる場", None),
                                         ("悩みを打ち明けられる場がほしい", None), ("連携しないといけない", None),
                                         ("企業とも組まなきゃいけないの？", None), ("組まなければならない", None),
                                         ("悩みを抱えている", "hard"), ("連携できない", "hard")])
def test_worries_shared_and_what_must_be_done_are_no_complaint(engine, query, side):
    # 「悩みを共有できる場」 read as asking for 苦労したこと by its 悩み, and its judge graded three good
    # snippets (blind203-27, behind whoosh-bigram); 連携しないといけない is an obligation, not a
    # complaint (stop 39).
    assert engine.search(query, limit=1).reading.polarity == side


@pytest.mark.parametrize("query, side", [("参考になる事例はありませんか", None), ("良い方法はないでしょうか", None),
                                         ("参考資料はないか", None), ("住民にも関わってもらう方法ってない？", None),
                                         ("課題はありませんか", "hard"), ("課題ってない？", "hard"),
                                         ("なぜ参加者が集まらないのか", "hard"), ("協力者はいませんか", None),
                                         ("使える補助金はありませんか", None), ("解決策はありませんか", None),
                                         # (of anything else, or why there is none: the review)
                                         ("トラブルはありませんか", "hard"), ("デメリットはありませんか", "hard"),
                                         ("成果はないのか", "hard"), ("なぜ予算がないのか", "hard"),
                                         ("なぜ予算がないんですか", "hard"), ("方法はないものか", None),
                                         ("事例などはありませんか", None), ("講師はいませんか", None)])
def test_asking_whether_there_is_a_thing_asks_for_it(engine, query, side):
    # 「参考になる事例はありませんか」 read as a complaint, by its ありません: asked, whether
    # there is any of a thing asks for the thing (of a hard one, for the hard side).
    assert engine.search(query, limit=1).reading.polarity == side


@pytest.mark.parametrize("query, side", [("お金をかけずに", None), ("手間をかけずに進める", None),
                                         ("参加者が集まらず", "hard"), ("住民から好評を得られず", "hard")])
def test_a_negation_in_zu(engine, query, side):
    # ず ends a complaint (集まらず), but ずに says how (かけずに: without spending; it read hard).
    assert engine.search(query, limit=1).reading.polarity == side


@pytest.mark.parametrize("query", ["財源が難しいなかで", "大変なさなか", "困難なかたへの支援", "苦労ずくめ", "悩みぬいた",
                                   "失敗ずくめ", "失敗しないコツ", "苦労しないで進める方法", "課題がないか確認したい"])
def test_a_cue_followed_by_kana_that_are_no_negation_still_counts(engine, query):
    # The なか of 難しいなかで is 中, the ず of 苦労ずくめ and the ぬ of 悩みぬいた no negation: read
    # by the kana, each lost its side, and 失敗ずくめ found nothing (the third stop-37 review).
    # Nor how to avoid it (失敗しないコツ found nothing), nor whether there is any (課題がないか):
    # the fourth.
    assert engine.search(query, limit=1).reading.polarity == "hard"


@pytest.mark.parametrize("query, side", [("統計的な調査ではなく", None), ("行政が依頼する場ではない", None),
                                         ("十分ではない", "hard"), ("ノウハウがない", "hard")])
def test_what_a_thing_is_not_is_no_complaint(engine, query, side):
    # 「統計的な調査ではなく」 and 「行政が依頼する場ではない」 were read as asking for 苦労したこと (the
    # stop-34 review): a noun + ではない says what a thing is not. A lack (がない) and an adjective
    # negated (十分ではない) are still complaints.
    assert engine.search(query, limit=1).reading.polarity == side


def test_an_english_word_finds_the_katakana_one(engine):
    r = engine.search("Podcast", limit=5, related=False)
    assert r.total and all("ポッドキャスト" in h.text for h in r.hits[:1])



@pytest.mark.parametrize("query", ["令和7", "R7", "2025"])
def test_an_eras_year_is_looked_for_with_its_number(engine, query):
    # 令和7 and R7 found 座間市's 令和6年度 and 熊本市's 令和4年度 first: the 7 was dropped as a lone
    # digit, and only 令和 was marked; 2025 found nothing (the stop-34 reviews). The era and its
    # year are one word now, and a Western year is written by era, as the corpus writes it.
    r = engine.search(query, limit=10, related=False)
    said = [h for h in r.hits if "令和7" in h.text]
    assert said and list(r.hits[:len(said)]) == said
    assert any(h.text[a:b].startswith("令和7") for h in said for a, b in h.matches)


def test_a_western_year_is_the_eras_but_a_count_is_not():
    from kodoku_search.search import _era_years

    assert _era_years("2024年度の取組") == ("令和6年度の取組", (("2024", "令和6"),))
    assert _era_years("２０１９年") == ("令和元年", (("２０１９", "令和元"),))
    assert _era_years("2000人") == ("2000人", ())  # (a count, not a year)


@pytest.mark.parametrize("region, cities", [("九州", {"福岡市", "熊本市"}), ("東海地方", {"岡崎市", "春日井市", "豊田市"}),
                                            ("中国地方", {"鳥取市", "呉市", "福山市"}), ("関西", {"京都市", "播磨町"})])
def test_a_region_of_japan_stands_for_its_cities(engine, region, cities):
    # 九州, 関西 and 四国 found nothing, 東海 was said to be "not in this collection", and 中国地方
    # matched 地方版PF (the stop-34 review). A region named is its cities, as a prefecture is.
    r = engine.search(f"{region}の苦労", limit=30, related=False)
    assert set(r.reading.cities) == cities
    assert not any("not in this collection" in n for n in r.notes)
    assert r.hits[0].city in cities and r.hits[0].polarity == "hard"
    assert "中国" not in {c for _, of in engine.search("中国", limit=1).reading.regions for c in of}  # (China)


def test_a_kanji_slip_janome_splits_is_read_as_the_word_of_its_sound(engine):
    # 連系 (an IME's 連携) found nothing: Janome reads 連 + 系, a stem and its suffix, so the word had
    # no reading to find its homophone by (the stop-34 review).
    r = engine.search("連系", limit=5, related=False)
    assert "連携" in dict(r.reading.also)["連系"]
    assert r.total >= 20 and all("連携" in h.text for h in r.hits)


@pytest.mark.parametrize("typed, meant", [("孤立氏", "孤立死"), ("広報師", "広報誌")])
def test_a_single_kanji_slip_at_the_end_of_a_compound_is_read_as_the_kanji_of_its_sound(engine, typed, meant):
    # 孤立氏 (こりつし, the IME's 氏 for 死) found 51 snippets by 孤立 and put 孤立死 nowhere in
    # particular: the reading field holds words of two or more characters, so no homophone of
    # the whole sound was there. The last kanji's sound, among the kanji the snippets put
    # after 立, gives 死.
    r = engine.search(typed, limit=3, related=False)
    assert meant in dict(r.reading.also)[typed]
    assert meant in r.hits[0].text
    # Not a compound whose pairs the snippets all have (a word of its own), nor one no
    # kanji of the same sound repairs.
    assert typed not in dict(engine.search(meant, limit=1).reading.also)
    assert "孤独間" not in dict(engine.search("孤独間", limit=1).reading.also)
    # The kanji's sound in the compound, not alone: 物 and 者 are both モノ alone, but 関係物
    # is カンケイブツ and 関係者 カンケイシャ; 生活堂 is not 生活動, which Janome reads 生 + 活動
    # (the stop-35 review: 関係物 was read as 関係者).
    for typed in ("関係物", "支援物", "生活堂"):
        assert typed not in dict(engine.search(typed, limit=1).reading.also), typed


def test_romaji_typed_with_the_ime_off_is_read_as_its_kana(engine):
    # tatewari, kodoku and renkei found nothing and offered nothing (the stop-35 review).
    from kodoku_search.analysis import romaji_to_kana

    assert [romaji_to_kana(w) for w in ("tatewari", "hanni", "gakkou", "chounai", "platform")] == [
        "たてわり", "はんい", "がっこう", "ちょうない", None]
    # nn before a vowel read both ways, Hepburn's first (konnan read こんあん and found nothing:
    # stop 39), and Hepburn's m for ん.
    from kodoku_search.analysis import romaji_readings

    assert romaji_readings("konnan") == ("こんなん", "こんあん") and romaji_readings("hanni") == ("はんに", "はんい")
    assert [romaji_to_kana(w) for w in ("kannri", "konnnichiha", "shimbun", "semmon")] == [
        "かんり", "こんにちは", "しんぶん", "せんもん"]
    for typed, word in (("tatewari", "縦割り"), ("renkei", "連携"), ("chounairenkei", "連携"),
                        ("tatewari no heigai", "縦割り"), ("kinnen", "近年"), ("hanni", "範囲"), ("semmon", "専門"),
                        ("tennyuu", "転入")):
        r = engine.search(typed, limit=3, related=False)
        assert r.total and word in r.hits[0].text, typed
        assert any(t == typed.split()[0] for t, _ in r.reading.respellings), typed
    # A word of the synonyms file the corpus never says, as its kana is usually written (yosan
    # found nothing where よさん finds 予算's: the stop-39 user review).
    for typed, word in (("yosan", "予算"),):
        said = dict(engine.search(typed, limit=1).reading.also)
        assert any(word in alts for alts in said.values()), (typed, said)
    # konnan finds what 困難 does (its synonyms too: 難しさ's snippet comes first).
    assert {h.id for h in engine.search("konnan", limit=5).hits} == {h.id for h in engine.search("困難", limit=5).hits}
    # Not a word the index has (npo: NPO), nor one whose sound the corpus does not spell.
    assert not any(t == "npo" for t, _ in engine.search("npo", limit=1).reading.respellings)
    assert engine.search("make", limit=1).total == 0
    # The second stop-35 review: two kana are an English word as often (data was だた, and
    # mono もの: "no words to search for"); an address is no romaji (tatewari.jp); a city in
    # romaji is the city, as in hiragana (kure: 呉市, not the くれ of くれる); Capitalized too.
    for english in ("data", "mono", "nasu", "tatewari.jp"):
        r = engine.search(english, limit=1)
        assert not r.reading.respellings and not r.notes, english
    kure = engine.search("kure", limit=3, related=False)
    assert kure.reading.cities == ("呉市",) and kure.hits[0].city == "呉市"
    assert "縦割り" in engine.search("Tatewari", limit=1, related=False).hits[0].text
    # In capitals (the caps lock on) or full width (the IME's width), as typed lower case: RENKEI,
    # TATEWARI and ｔａｔｅｗａｒｉ found nothing (the stop-37 user review). Acronyms are shorter.
    for typed, word in (("RENKEI", "連携"), ("TATEWARI", "縦割り"), ("ｔａｔｅｗａｒｉ", "縦割り"), ("ｋｏｄｏｋｕ", "孤独")):
        r = engine.search(typed, limit=3, related=False)
        assert r.total and word in r.hits[0].text, typed
    assert not engine.search("KPI", limit=1).reading.respellings
    caps = engine.search("TATEWARI NO HEIGAI", limit=3, related=False)  # (its particle too: NO was "not found")
    assert "縦割り" in caps.hits[0].text and caps.unmatched == ()
    # Not the English beside lower-case romaji (renkei HOW TO was 連携 HOW と): the third stop-37 review.
    english = engine.search("renkei HOW TO", limit=1)
    assert "と" not in (english.suggestion or "") and "TO" in english.query, english.suggestion
    # But one before a word read as kana is a particle (NPO TO renkei: the fourth review).
    assert "TO" not in engine.search("NPO TO renkei", limit=1).unmatched


def test_romaji_without_its_long_vowels(engine):
    # kyoto found nothing (the stop-38 user review): Hepburn, as names are written, leaves the
    # long vowels out (kyoto is きょうと, chonai ちょうない, hyogo ひょうご).
    from kodoku_search.search import _long_vowels

    assert _long_vowels("きょと")[:3] == ["きょうとう", "きょうとお", "きょおとう"] and "きょうと" in _long_vowels("きょと")
    for typed, city in (("kyoto", "京都市"), ("tokyo", "中野区"), ("hyogo", "播磨町"), ("kyoto renkei", "京都市")):
        r = engine.search(typed, limit=3, related=False)
        assert r.hits and r.hits[0].city == city, typed
    for typed, word in (("chonai renkei", "庁内"), ("hokatsu", "包括"), ("kyoyu", "共有"), ("koho", "広報")):
        r = engine.search(typed, limit=3, related=False)
        assert r.total and word in r.hits[0].text, typed
    # Not a place by its sound less its voicing: kyodo (協働) is not 京都 (きょうと).
    assert not engine.search("kyodo", limit=1).reading.cities
    # Written as the place, which Janome cannot split again: kyoto市 and kyoto連携 were 今日 + と
    # (【市】 and 【協】 marked); with the suffix typed too (kyotoshi, tokyoto). The review of 274cf56.
    for typed, city in (("kyoto市", "京都市"), ("kyoto連携", "京都市"), ("kyoto、連携", "京都市"), ("kyotoshi", "京都市"),
                        ("tokyoto", "中野区")):
        r = engine.search(typed, limit=3, related=False)
        assert r.reading.cities == (city,) and r.hits[0].city == city, typed
    # A word only by its own reading, voicing and all: shogai is not 紹介, chonaikai not 庁内外, kyosei
    # not 行政 (each a "did you mean"); and not given up on as particles (tayo: 多様, doshi: 同士).
    for typed, wrong in (("shogai", "紹介"), ("chonaikai", "庁内外"), ("kyosei", "行政"), ("bunkyo", "分業"),
                         ("shougai", "紹介"), ("chounaikai", "庁内外"), ("kyousei", "行政")):
        r = engine.search(typed, limit=1)
        assert wrong not in (r.suggestion or "") and not any(wrong in sp for _, sp in r.reading.respellings), typed
    for typed, word in (("tayo", "多様"), ("doshi", "同士"), ("tayo na sedai", "世代")):
        r = engine.search(typed, limit=3, related=False)
        assert r.total and word in r.hits[0].text and not r.unmatched, typed
    # Words side by side, spaced (連携庁内 was read again as 連携 + 庁 + 内, and matched 全庁 by
    # the synonym 連携庁), and a compound whole where its first part alone was enough (地域 +
    # ほかつ): the review of 78b9478.
    assert dict(engine.search("renkeichonai", limit=1).reading.respellings).get("renkeichonai") == "連携 庁内"
    assert dict(engine.search("chiikihokatsu", limit=1).reading.respellings).get("chiikihokatsu") == "地域 包括"
    # As romaji types them: no ー, づ as ず, ぢ as じ (sapota, purattofomu, ibashozukuri, mijika found
    # nothing once a word had to read exactly as typed: the review of c5775b8), and a word Janome
    # gives no reading (ポッドキャスト).
    for typed, word in (("sapota", "サポーター"), ("purattofomu", "プラットフォーム"), ("nettowaku", "ネットワーク"),
                        ("poddokyasuto", "ポッドキャスト"), ("ibashozukuri", "居場所"), ("mijika", "身近"), ("kizuki", "気づき")):
        r = engine.search(typed, limit=3, related=False)
        assert r.total and word in r.hits[0].text, typed
    # A word typed many times is read once (「sorosoro」 × 200 took 364 ms): the same as once.
    many = engine.search(" ".join(["sorosoro"] * 200), limit=1)
    assert many.total == engine.search("sorosoro", limit=1).total


@pytest.mark.parametrize("query, word", [("連携 AI", "AI"), ("庁内連携 DX", "DX"), ("居場所 メタバース", "メタバース")])
def test_a_word_no_snippet_has_does_not_reorder_the_rest(engine, query, word):
    # 「連携 AI」 put 中野区's snippet that says neither word first (matched through the snippet it
    # continues, and by meaning), above 28 that say 連携 (the stop-34 review): the word no snippet
    # has weighed most in coordination (its idf), so every match matched under a fifth of the
    # query and the ranker read them so. It counts for nothing now.
    # (The order still differs a little: the ranker reads how many words the query has, and
    # the word's meaning still counts.)
    r, without = engine.search(query, limit=10, related=False), engine.search(query.replace(word, ""), limit=10, related=False)
    assert word in r.unmatched and r.total == without.total
    assert r.hits[0].id in {h.id for h in without.hits[:2]}
    assert len({h.id for h in r.hits[:5]} & {h.id for h in without.hits[:5]}) >= 4
    assert not any(h.through for h in r.hits[:3])


@pytest.mark.parametrize("query, aside", [("京都市以外の苦労", {"京都市"}), ("福岡市じゃなくて熊本市の取り組み", {"福岡市"}),
                                          ("愛知県以外で企業と連携した例", {"岡崎市", "春日井市", "豊田市"}),
                                          ("呉市を除く広島県", {"呉市"})])
def test_a_place_set_aside_comes_last_not_first(engine, query, aside):
    # 「京都市以外の苦労」 listed 京都市's five first and said "about 京都市"; 「愛知県以外で企業と
    # 連携した例」 put four of 春日井市's first (the stop-34 review). Set aside, a place's snippets
    # come last; nothing is hidden, and a place named beside it still comes first.
    r = engine.search(query, limit=100, related=False)
    assert set(r.reading.not_cities) == aside and not aside & set(r.reading.cities)
    firsts = [h.city in aside for h in r.hits]
    assert not firsts[0] and firsts == sorted(firsts)  # (theirs only after every other)
    assert all(a.score >= b.score for a, b in zip(r.hits, r.hits[1:]))
    if "熊本市" in query:
        assert r.hits[0].city == "熊本市"
    assert "以外" not in [w.term for w in r.reading.words]


def test_a_theme_set_aside_asks_for_the_other(engine):
    r = engine.search("PF以外の取り組み", limit=10, related=False)
    assert r.reading.theme == "general" and "PF" not in [w.term for w in r.reading.words]
    assert r.hits[0].theme == "general"
    assert engine.search("PFの取り組み", limit=1).reading.theme == "platform"
    # Named and set aside both, it is not set aside (this raised StopIteration: the final read).
    assert engine.search("PFの話とPF以外の取り組み", limit=1).reading.theme == "platform"


@pytest.mark.parametrize("query, aside", [("京都市と福岡市以外の苦労", {"京都市", "福岡市"}),
                                          ("京都市・福岡市以外の苦労", {"京都市", "福岡市"}),
                                          ("九州と関西以外の苦労", {"福岡市", "熊本市", "京都市", "播磨町"})])
def test_a_list_of_places_set_aside_goes_last_whole(engine, query, aside):
    # 「京都市と福岡市以外の苦労」 set aside 福岡市 only and put 京都市 first (the second stop-34
    # review): a list joined by と, ・, や or 、 is set aside with the 以外 after its last place.
    r = engine.search(query, limit=100, related=False)
    assert set(r.reading.not_cities) == aside and not r.reading.cities
    firsts = [h.city in aside for h in r.hits]
    assert not firsts[0] and firsts == sorted(firsts)
    assert engine.search("京都市と福岡市の違い", limit=1).reading.cities == ("京都市", "福岡市")  # (no 以外)


def test_more_region_names_and_a_region_with_no_city_here(engine):
    assert set(engine.search("中四国の苦労", limit=1).reading.cities) == {"鳥取市", "呉市", "福山市", "宇和島市"}
    assert set(engine.search("中国・四国の苦労", limit=1).reading.cities) == {"鳥取市", "呉市", "福山市", "宇和島市"}
    # 北陸 said "not found: 北陸"; 東北 said "not in this collection": both are the latter now.
    assert any(n.startswith("北陸: not in this collection") for n in engine.search("北陸の事例", limit=1).notes)


def test_a_range_of_western_years():
    from kodoku_search.search import _era_years

    assert _era_years("2024～2025年度")[0] == "令和6～令和7年度" and _era_years("2024-2025")[0] == "令和6-令和7"


@pytest.mark.parametrize("query", ["きつかったこと教えて", "キツかった", "キツい", "メンドクサイ"])
def test_casual_hard_words_in_any_script_list_the_hardships(engine, query):
    # 「きつかったこと教えて」 found 2 snippets, both good: きつかった's pairs met 「きっかけ」 (small
    # っ folds to つ); キツい and メンドクサイ found nothing (the second stop-34 review). A side's cue
    # typed in kana is matched by the side, not by its pairs.
    r = engine.search(query, limit=10, related=False)
    assert r.reading.polarity == "hard" and r.total >= 30
    assert all(h.polarity == "hard" or h.also == "hard" for h in r.hits)


def test_a_platform_hollowing_out_finds_commitment_thinning(engine):
    # 形骸化 listed 福山市's one snippet that says it and then related records; 岡崎市's 「…PFへの
    # 参加意識そのものが希薄になりやすい」, which 58 of 67 judges give it, came 11th (stop 34).
    r = engine.search("形骸化", limit=5)
    assert "形骸化" in r.hits[0].text
    assert any("希薄" in h.text for h in r.ranked[:3])


def test_equal_footing_finds_give_and_take(engine):
    # 「行政と民間の対等な関係」: 26 of its 34 judges list 岡崎市's 「…「お互い様」なつながり…」,
    # which none of the query's words reached (stop 34).
    r = engine.search("行政と民間の対等な関係", limit=10)
    assert any("お互い様" in h.text for h in r.ranked)
    assert "お互い様" in dict(r.reading.also)["対等"]


def test_a_word_is_not_read_as_itself(engine):
    """おススメ (read as おすすめ, whose corpus spelling is おススメ) said "also as おススメ → おススメ"
    (the stop-35 review)."""
    r = engine.search("おススメ", limit=1)
    assert all(t not in alts for t, alts in r.reading.also)
    assert all(t != sp for t, sp in r.reading.respellings)
    assert r.total == 1 and "おススメ" in r.hits[0].text


def test_a_katakana_word_is_not_found_by_its_first_half(engine):
    """プラットフォーム's first three pairs are 春日井市's booklet 「ぷらっと」 (folded プラツト):
    「プラットフォーム作成」 put its two list items first, ぷらっと marked (the stop-35 review).
    A slip of one kana still finds the word (ポットキャスト, ポドキャスト)."""
    r = engine.search("プラットフォーム", limit=40, related=False)
    for h in r.hits:
        if "ぷらっと" in h.text:
            assert not any("ぷらっと".startswith(h.text[a:b]) for a, b in h.matches), h.text
    # Nor a word the corpus writes in hiragana, or a name split by ☆ (the second stop-35
    # review: ツナグ and ニューハリマ found nothing).
    for typed, said in (("ツナグ", "つなぐ"), ("マチヅクリ", "まちづくり"), ("ニューハリマ", "ニュー☆ハリマ")):
        found = engine.search(typed, limit=5, related=False)
        assert any(said in h.text for h in found.hits), typed
    for slip in ("ポットキャスト", "ポドキャスト"):
        found = engine.search(slip, limit=3, related=False)
        assert found.total >= 2 and "キャスト" in found.hits[0].text, slip  # (a snippet spells it ポット…)


@pytest.mark.parametrize("said, wrote", [("見つける", "発見"), ("寂しい人を早く見つけるには", "発見")])
def test_an_everyday_verb_finds_the_noun_the_cities_wrote(engine, said, wrote):
    # 見つける found nothing (the stop-35 review): corpus/synonyms.csv pairs it with 発見.
    r = engine.search(said, limit=3, related=False)
    assert r.total and wrote in r.hits[0].text


def test_a_city_typed_a_character_wrong_is_offered_the_city(engine):
    """「岡埼市の苦労」 said only "not found: 岡埼市" (an IME's 埼 for 崎; the stop-41 review).
    Not a municipality of Japan that is not here (府中市), nor a city's name inside a word."""
    assert engine.search("岡埼市の苦労", limit=1).suggestion == "岡崎市の苦労"
    assert engine.search("豊多市", limit=1).suggestion == "豊田市"
    for q in ("府中市", "熊本市内", "市区町村", "春日井市の取組"):
        assert engine.search(q, limit=1).suggestion is None, q


@pytest.mark.parametrize("query, word", [("れんけー", "連携"), ("ちょうないれんけー", "庁内"), ("ちょーない", "庁内"),
                                         ("れんけーがむずかしー", "連携")])
def test_a_long_vowel_typed_as_a_bar_in_hiragana_is_read_as_said(engine, query, word):
    """れんけー found nothing and ちょうないれんけー marked 【庁】 alone (the stop-41 review):
    the bar after an e-row kana is said い, after an o-row kana う."""
    r = engine.search(query, limit=5)
    assert any(word in h.text[a:b] for h in r.hits for a, b in h.matches), [h.text[:20] for h in r.hits]


def test_a_bar_that_makes_no_corpus_word_stays_as_typed(engine):
    from kodoku_search.search import _bar_as_said

    assert _bar_as_said("れんけー") == "れんけい" and _bar_as_said("ちょーない") == "ちょうない"
    assert _bar_as_said("らーめん") == "らあめん" and _bar_as_said("ラーメン") == "ラーメン"  # (katakana's own)
    assert engine.search("すごーく大変だった", limit=1).reading.respellings == ()


def test_the_adversarial_reviews_findings_of_stop_41(engine):
    """What the review of this stop's rules found: 結びつき before a space (35th) and spelled
    結び付き (nothing); a regret said short of a verb no snippet says (始めなきゃよかった) listed
    two good snippets by よかった under "asking for 苦労したこと"; むずかしー was the stem 難し,
    no side; 宇和嶋市 (嶋 for 島) was "not in this collection" and nothing more."""
    for q in ("結びつき 連携", "結び付き"):
        assert "有機的な結びつき" in engine.search(q, limit=1).hits[0].text, q
    regret = engine.search("始めなきゃよかった", limit=5)
    assert regret.reading.polarity == "hard" and regret.total > 5 and all(h.polarity == "hard" for h in regret.hits)
    hard = engine.search("むずかしー", limit=1)
    assert hard.reading.polarity == "hard" and hard.total == engine.search("むずかしい", limit=1).total
    assert engine.search("宇和嶋市", limit=1).suggestion == "宇和島市"


def test_a_light_verb_typed_in_kana_is_no_corpus_word(engine):
    """しない (し + ない) was read as 市内 and したい as 肢体 (「しない方がよかった」: "Did you mean:
    市内方がよかった"; the stop-41 review). だんたい, which Janome reads as だ + ん + たい, is 団体."""
    for q in ("しない方がよかった", "れんけいしたい"):
        r = engine.search(q, limit=1)
        assert not any(sp in ("市内", "肢体") for _, sp in r.reading.respellings), (q, r.reading.respellings)
    assert ("だんたい", "団体") in engine.search("だんたい", limit=1).reading.respellings


def test_another_municipality_of_a_citys_stem_is_not_that_city(engine):
    """中野市 (長野県) was read as 中野区, silently (the stop-41 review); 宇和島町, which Japan has
    not, is still 宇和島市, and 中野 alone 中野区."""
    r = engine.search("中野市", limit=1)
    assert r.reading.cities == () and any("中野市: not in this collection" in n for n in r.notes)
    assert engine.search("宇和島町", limit=1).reading.cities == ("宇和島市",)
    assert engine.search("中野", limit=1).reading.cities == ("中野区",)


@pytest.mark.parametrize("query, word, found", [("さろん", "サロン", "居場所"), ("まっぷ", "マップ", "MAP"),
                                                ("みーてぃんぐ", "ミーティング", "会議"), ("ちらし", "チラシ", "リーフレット")])
def test_a_katakana_entry_typed_in_hiragana_is_the_entry(engine, query, word, found):
    """さろん (サロン, in 居場所's group) read as a negated verb and listed the hard side; まっぷ
    found nothing; ちらし was the verb 散らす (the stop-41 review)."""
    r = engine.search(query, limit=3)
    assert r.reading.polarity is None and any(found in h.text[a:b] for h in r.hits for a, b in h.matches), word


def test_a_word_with_a_number_is_marked_where_it_stands_whole(engine):
    """R6年度 marked 熊本市's 【令和】4【年度】 as well as its 【令和6年度】 (the stop-41 review)."""
    hit = next(h for h in engine.search("R6年度", limit=5).hits if h.city == "熊本市")
    assert [hit.text[a:b] for a, b in hit.matches] == ["令和6年度"]


@pytest.mark.parametrize("katakana, hiragana", [("ヨカッタコト", "よかったこと"), ("クロウシタ", "くろうした"),
                                               ("ウマクイッタコト", "うまくいったこと"), ("タイヘンダッタ", "たいへんだった"),
                                               ("ｸﾛｳｼﾀｺﾄ", "くろうしたこと"), ("ヨカッタ", "よかった"),
                                               ("レンケイガムズカシイ", "れんけいがむずかしい")])
def test_words_with_their_endings_typed_in_katakana_are_read_as_in_hiragana(engine, katakana, hiragana):
    """ヨカッタコト, クロウシタ and the rest found nothing, with no suggestion, where the hiragana
    read the side and listed it (the stop-42 review)."""
    k, h = engine.search(katakana, limit=20), engine.search(hiragana, limit=20)
    assert k.total == h.total > 0 and [x.id for x in k.hits] == [x.id for x in h.hits]
    assert k.reading.polarity == h.reading.polarity is not None


@pytest.mark.parametrize("query", ["ナッジ", "シンクタンク", "ポッドキャスト", "マスタ", "メリットダッタ", "チャレンジシタ",
                                   "バラバラダッタ", "シンポジウムシタ", "シンクタク", "シンンクタンク", "アイデデア", "スダンド"])
def test_a_katakana_word_is_not_read_as_a_sentence_in_kana(engine, query):
    """Nor a corpus loanword with an ending, nor a slip of one: the adversarial review of the
    first rule found シンクタク (しん + く + たく) and メリットダッタ (め + り + っと + だっ + た) read
    in hiragana, and 「つなぎ【め】」 first."""
    from kodoku_search.search import _katakana_said

    assert _katakana_said(query, engine._spellings) == (query, ())
    assert engine.search("シンクタク", limit=1).suggestion == "シンクタンク"
    assert "メリット" in engine.search("メリットダッタ", limit=1).hits[0].text


def test_a_synonym_is_marked_where_the_text_inflects_it(engine):
    """広すぎる matched 福岡市's 「幅広く」 by the synonym 幅広い and marked nothing: the page
    showed a match with no word marked and no line saying why (the stop-42 review)."""
    r = engine.search("広すぎる", limit=10, related=False)
    hit = next(h for h in r.hits if "幅広く" in h.text)
    assert "幅広く" in {hit.text[a:b] for a, b in hit.matches}


def test_a_mark_inside_an_inflected_word_takes_in_its_kana(engine):
    """「設置して良かったこと」's 良かっ is an auxiliary there, no word of the index, and 良かった点
    marked it 【良か】ったこと by its pair; where the index has it, 【良かっ】た (the stop-42 review)."""
    r = engine.search("良かった点", limit=10, related=False)
    marks = {h.text[a:b] for h in r.hits for a, b in h.matches}
    assert "良かっ" in marks and "良か" not in marks


def test_a_pasted_list_on_one_synonym_row_is_read_and_cut(tmp_path):
    """A row of 6,000 words (a list pasted on one line) took minutes a query: each word's
    group-mates were made at load, one list each (the stop-42 review). They are made when
    asked, at most MAX_ALTERNATIVES, the smaller rows' first."""
    from kodoku_search.vocab import MAX_ALTERNATIVES, load_vocabulary

    words = [f"語{i}" for i in range(6000)]
    (tmp_path / "synonyms.csv").write_text(",".join(["縦割り", *words]) + "\n縦割り,セクショナリズム\n", "utf-8")
    v = load_vocabulary(tmp_path)
    assert len(v.synonyms) == 6002 and "語5999" in v.synonyms
    got = v.alternatives("縦割り")
    assert len(got) == MAX_ALTERNATIVES and got[:3] == ("セクショナリズム", "語0", "語1")
    assert v.alternatives("語5999")[0] == "縦割り" and v.alternatives("セクショナリズム") == ("縦割り",)


def test_a_verb_typed_whole_meets_the_synonym_entry_of_its_noun(engine):
    """「PFを立ち上げる」 read 立つ and nothing of 立ち上げ's row (Janome: 立ち + 上げる; the entry
    ended inside a word), while 「PFを立ち上げた」 found 設置/設立/発足 (the stop-43 user review)."""
    for q in ("PFを立ち上げる", "立ち上げる"):
        r = engine.search(q, limit=5, related=False)
        assert {"設置", "設立", "発足"} <= set(dict(r.reading.also).get("立ち上げ", ())) | {
            s for w in r.reading.words for s in w.synonyms}, q
        assert any("設置" in h.text[a:b] for h in r.hits for a, b in h.matches), q
    assert [h.id for h in engine.search("PFを立ち上げる", limit=5).hits] == \
        [h.id for h in engine.search("PFを立ち上げた", limit=5).hits]


def test_a_word_typed_in_kana_finds_its_spellings_synonyms_after_the_word(engine):
    """たいへんだったこと found 31 where 大変だったこと finds 39; れんけいがむずかしい left 福岡市's
    「横連携が困難」 seventh with 困難 unmarked (the stop-43 user review): the spelling's synonyms,
    at second hand (QueryWord.farther), after the word itself."""
    kana, kanji = engine.search("たいへんだったこと", limit=100, related=False), engine.search("大変だったこと", limit=100, related=False)
    assert kana.total == kanji.total and {h.id for h in kana.hits} == {h.id for h in kanji.hits}
    assert kana.hits[0].text[slice(*kana.hits[0].matches[0])] == "大変"
    w = kana.reading.words[0]
    assert "大変" in w.synonyms and "大変" not in w.farther and {"困難", "苦労"} <= w.farther
    r = engine.search("れんけいがむずかしい", limit=3, related=False)
    assert r.hits[0].city == "福岡市" and "困難" in [r.hits[0].text[a:b] for a, b in r.hits[0].matches]
    # Respelled after two particles too: 住民への + しゅうち (its しゅうち was read as a word's start).
    r = engine.search("住民へのしゅうち", limit=5)
    assert ("しゅうち", "周知") in r.reading.respellings and r.total == engine.search("住民への周知", limit=1).total


def test_a_katakana_slip_is_not_met_by_hiragana_of_other_small_kana(engine):
    """ポットキャスト (the corpus's own spelling, typed as Janome cuts it: ポット + キャスト) listed
    岡崎市's 「…動きやすいです」: folded, キャスト's キヤ and ヤス are きやす (the stop-43 review)."""
    r = engine.search("ポットキャスト", limit=10, related=False)
    assert not any("動きやすい" in h.text for h in r.hits)
    assert {"ポットキャスト", "ポッドキャスト"} <= {h.text[a:b] for h in r.hits for a, b in h.matches}
    # A word of the corpus spelled in the other script is still met: ツナグ is つなぐ.
    assert any(h.text[a:b] == "つなぐ" for h in engine.search("ツナグ", limit=10).hits for a, b in h.matches)


def test_matched_terms_name_every_word_the_page_marks(engine):
    """庁内連携 under --city 京都市 marks 庁内 (of 「庁内外」, met by its characters) and 連携, and
    matched_terms (the CSV's terms) said 連携 alone (the stop-43 scripting review)."""
    r = engine.search("庁内連携", city="京都市", limit=5, related=False)
    for h in r.hits:
        marked = {h.text[a:b] for a, b in h.matches}
        assert all(any(t in m or m in t for t in h.matched_terms) for m in marked if m in ("庁内", "連携")), (h.id, marked)
    assert any("庁内" in h.matched_terms for h in r.hits)
    assert engine.search("十一月", limit=1).hits[0].matched_terms == ("11月",)  # (a synonym's word: as before)


def test_a_city_named_does_not_give_the_others_matches_places_to_related_records(engine):
    """「岡崎市の居場所」: 岡崎市's snippets first, then four related records sharing no word of the
    query, and only then 福山市's 「多様な居場所へつながる」, 3rd for 居場所 alone: the others' matches
    were weak beside the city's (the second stop-43 user review)."""
    r = engine.search("岡崎市の居場所", limit=10)
    kinds = [k for k, block in r.blocks() for _ in block]
    cities = [h.city for _, block in r.blocks() for h in block]
    assert cities[0] == "岡崎市"
    first_other = next(i for i, c in enumerate(cities) if c != "岡崎市")
    assert kinds[first_other] == "match"
    assert any(h.city == "福山市" and "居場所" in h.text for h in r.hits)
