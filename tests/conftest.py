from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SOURCE = CORPUS / "advice-2025-10.txt"


@pytest.fixture(scope="session")
def corpus():
    from kodoku_search.corpus import load_corpus

    return load_corpus(CORPUS)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the real corpus that a test may add files to."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(SOURCE, d / SOURCE.name)
    return d


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    """One engine over the real corpus, its index in a private directory."""
    from kodoku_search import SearchEngine

    eng = SearchEngine.open(CORPUS, tmp_path_factory.mktemp("index"))
    yield eng
    eng.close()
