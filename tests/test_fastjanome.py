"""The fast tokenizer must give exactly the tokens of the one over Janome's own
dictionary, and both exactly Janome's (surfaces, parts of speech, base forms,
readings) except where the cap on unknown hiragana words applies."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodoku_search.fastjanome import HIRAGANA_UNKNOWN_MAX, FullTokenizer, LiteTokenizer, build_cache

from .conftest import SOURCE


class _Uncapped(LiteTokenizer):
    unknown_caps: dict = {}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(Janome, ours over Janome's dictionary, ours over the cache, ours uncapped)."""
    from janome.tokenizer import Tokenizer

    d = tmp_path_factory.mktemp("janome-cache")
    build_cache(d)
    return Tokenizer(), FullTokenizer(), LiteTokenizer(d), _Uncapped(d)


def toks(tokenizer, text):
    return [(t.surface, t.part_of_speech, t.base_form, t.reading) for t in tokenizer.tokenize(text)]


def same(both, text):
    janome, full, lite, uncapped = both
    ours = toks(lite, text)
    assert toks(full, text) == ours, text
    # The lattice is Janome's: without the cap, exactly Janome's tokens.
    expected = toks(janome, text)
    assert toks(uncapped, text) == expected, text
    # With it, too, unless Janome made a longer unknown word of hiragana.
    if not any(t[3] == "*" and len(t[0]) > HIRAGANA_UNKNOWN_MAX and _hiragana(t[0]) for t in expected):
        assert ours == expected, text


def _hiragana(s):
    return all("\u3041" <= c <= "\u309f" for c in s)


def test_every_line_of_the_corpus(both):
    for line in SOURCE.read_text("utf-8").splitlines():
        same(both, line)


def test_the_whole_document_at_once_exercises_chunking(both):
    text = SOURCE.read_text("utf-8")
    assert len(text) > 1024  # longer than one Janome chunk
    same(both, text)


@pytest.mark.parametrize("text, words", [
    ("テーマが広すぎてどこまでやればいいかわからない", ["テーマ", "が", "広", "すぎ", "て", "どこ", "まで", "やれ", "ば", "いい", "か", "わから", "ない"]),
    ("ぷらっとMAPの作成", ["ぷらっと", "MAP", "の", "作成"]),  # a real unknown hiragana word stays whole
    ("ツナガリンピックを開いた", ["ツナガリンピック", "を", "開い", "た"]),  # unknown katakana still groups whole
])
def test_long_hiragana_runs_are_not_one_unknown_word(both, text, words):
    janome, full, lite, _ = both
    assert [t[0] for t in toks(lite, text)] == words
    assert [t[0] for t in toks(full, text)] == words


@pytest.mark.parametrize("q", ["他部署の理解を得るのが難しい", "ﾎﾟｯﾄﾞｷｬｽﾄ", "ＰＦ参加のメリット", "　 先頭に空白", "NPO・PF、AND (連携", "x" * 1500, "。" * 600])
def test_queries_and_odd_text(both, q):
    same(both, q)


japanese = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x3041, max_codepoint=0x30FF),  # kana
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),  # some kanji
        st.sampled_from(list("、。・「」()ー 　AZaz09１２ｶﾞ")),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(japanese)
def test_random_japanese(both, text):
    same(both, text)


def test_stale_cache_is_refused(tmp_path):
    import marshal

    build_cache(tmp_path)
    meta = marshal.loads((tmp_path / "meta.marshal").read_bytes())
    meta["janome"] = "0.0.0"
    (tmp_path / "meta.marshal").write_bytes(marshal.dumps(meta))
    with pytest.raises(ValueError):
        LiteTokenizer(tmp_path)


def test_queries_do_not_load_janome_once_an_index_exists(tmp_path):
    """A search in a fresh process analyses the query without importing Janome's dictionary."""
    import subprocess
    import sys

    from .conftest import CORPUS, ROOT

    code = (
        "import sys; from kodoku_search import SearchEngine\n"
        f"e = SearchEngine.open({str(CORPUS)!r}, {str(tmp_path / 'idx')!r})\n"
        "if sys.argv[1] == 'check':\n"
        "    r = e.search('他部署の理解を得るのが難しい')\n"
        "    assert r.hits and r.hits[0].city == '豊田市'\n"
        "    print('janome.sysdic' in sys.modules, 'janome.tokenizer' in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code, "build"], check=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-c", code, "check"], check=True, cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"]
