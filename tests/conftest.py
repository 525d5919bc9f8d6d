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
