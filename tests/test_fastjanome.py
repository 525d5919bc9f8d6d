"""The fast tokenizer must give exactly Janome's tokens: same surfaces, parts of
speech, base forms and readings, for any text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodoku_search.fastjanome import LiteTokenizer, build_cache

from .conftest import SOURCE


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    from janome.tokenizer import Tokenizer

    d = tmp_path_factory.mktemp("janome-cache")
    build_cache(d)
    return Tokenizer(), LiteTokenizer(d)


def same(both, text):
    full, lite = both
    a = [(t.surface, t.part_of_speech, t.base_form, t.reading) for t in full.tokenize(text)]
    b = [tuple(t) for t in lite.tokenize(text)]
    assert a == b, text


def test_every_line_of_the_corpus(both):
    for line in SOURCE.read_text("utf-8").splitlines():
        same(both, line)


def test_the_whole_document_at_once_exercises_chunking(both):
    text = SOURCE.read_text("utf-8")
    assert len(text) > 1024  # longer than one Janome chunk
    same(both, text)


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
