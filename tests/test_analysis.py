"""The analysis chain: normalization, Janome, filters, offsets, pickling."""

from __future__ import annotations

import pickle
import threading

from kodoku_search import analysis
from kodoku_search.analysis import morph_analyzer, normalize, terms


def test_offsets_point_at_the_original_characters():
    text = "　 他部署の理解を得るのが難しい"  # 他 is a stop word (STOP_BASES): it says nothing alone
    got = terms(text)
    assert [t for t, _, _ in got] == ["部署", "理解", "得る", "難しい"]
    assert [text[s:e] for _, s, e in got] == ["部署", "理解", "得る", "難しい"]
    assert [s for _, s, _ in got] == [3, 6, 9, 13]


def test_leading_ideographic_space_does_not_shift_offsets():
    for prefix in ("", " ", "\u3000", "\u3000\u3000 ", "\t"):
        text = prefix + "縦割り組織"
        assert [text[s:e] for _, s, e in terms(text)] == ["縦", "割り", "組織"]


def test_nfkc_width_folding_and_lowercase_keep_offsets():
    text = "ﾎﾟｯﾄﾞｷｬｽﾄとＰＦとNPO"
    got = terms(text)
    assert [t for t, _, _ in got] == ["ポッドキャスト", "pf", "npo"]
    assert [text[s:e] for _, s, e in got] == ["ﾎﾟｯﾄﾞｷｬｽﾄ", "ＰＦ", "NPO"]


def test_normalize_maps_every_character_back():
    norm, where = normalize("ｶﾞＡ")
    assert norm == "がa"[0:0] + "ガa"
    assert where == [0, 2, 3]


def test_base_forms_and_function_words():
    assert [t for t, _, _ in terms("得られる")] == ["得る"]
    assert terms("の") == [] and terms("、。「」()") == []
    assert [t for t, _, _ in terms("参加が増えない")] == ["参加", "増える"]


def test_a_word_janome_reads_as_a_verb_alone_is_read_as_a_sentence_holds_it():
    """Alone, Janome reads 結びつき as the verb 結びつく; in 「…結びつきを生み出せた」 it is
    結び + つき, as the index holds it. Only a last word a particle turns into nouns moves."""
    from kodoku_search.analysis import as_said

    assert [t for t, _, _ in terms(as_said("結びつき"))] == ["結び", "つき"]
    assert as_said("団体の結びつき") == "団体の結びつきを"
    assert as_said("結びつきが生まれた") == "結びつきが生まれた"  # already in a sentence
    assert as_said("巻き込み") == "巻き込み"  # 巻き + 込み: still a verb before を
    assert as_said("聞き取り") == "聞き取り" and as_said("苦労した") == "苦労した" and as_said("") == ""


def test_analyzer_pickles_without_janome_and_still_works():
    a = morph_analyzer()
    list(a("使ってから"))  # a Janome tokenizer now exists in this thread…
    blob = pickle.dumps(a)  # …but is not part of the analyzer
    assert b"janome" not in blob
    b = pickle.loads(blob)
    assert [t.text for t in b("理解を得る")] == ["理解", "得る"]


def test_one_janome_tokenizer_per_thread():
    seen = []

    def grab():
        seen.append(analysis.janome_tokenizer())  # keep it alive, so ids are not reused

    threads = [threading.Thread(target=grab) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(t) for t in seen}) == 3
    assert analysis.janome_tokenizer() is analysis.janome_tokenizer()


def test_heading_analyzer_gives_base_forms_and_readings():
    from kodoku_search.analysis import heading_analyzer

    assert [t.text for t in heading_analyzer()("取り組み例")] == ["取り組み", "トリクミ", "例"]  # レイ: under 3 kana
    assert [t.text for t in heading_analyzer()("産学官の例")] == ["産学", "サンガク", "官", "例"]


def test_the_reading_field_keys_a_word_written_with_kanji_by_the_word():
    from kodoku_search.analysis import kanji_keyed, reading_analyzer

    got = [t.text for t in reading_analyzer()("関係機関との期間、つながりと繋がり")]
    assert "キカン|機関" in got and "キカン|期間" in got and "カンケイ|関係" in got
    assert got.count("ツナガリ") == 1  # written in kana: the sound alone
    assert "ツナガリ|繋がり" in got  # with kanji and kana: keyed by the word too, as 図る is (ハカル|図る)
    assert kanji_keyed("キカン", "機関") == "キカン|機関" and kanji_keyed("ツナガリ", "つながり") == "ツナガリ"
    # keyed by the dictionary form: 図っ (ハカッ) is ハカッ|図る
    assert kanji_keyed("ハカッ", "図っ", "図る") == "ハカッ|図る"
    assert kanji_keyed("モテル", "モデル") == "モテル|モデル"  # katakana alone: keyed too (not 持てる's bare sound)


def test_another_spelling_is_the_same_word_only_with_a_kanji_in_common_or_kana():
    from kodoku_search.analysis import same_word

    assert same_word("繋がり", "つながり") and same_word("つながり", "繋がり")  # kana: any spelling
    assert same_word("子供", "子ども") and same_word("取組", "取り組み")  # a kanji in common
    assert not same_word("測る", "図る")  # the same sound, another word
    assert not same_word("機関", "期間") and not same_word("市長", "市町")  # in kanji alone: only itself
    assert not same_word("持てる", "モデル") and same_word("もてる", "モデル")  # katakana: a loanword (kana typed: any)
    assert same_word("機関", "機関")
