"""Where the corpus and the index live, for a source checkout and an installed package."""

from __future__ import annotations

import os
from pathlib import Path

ENV_INDEX = "KODOKU_SEARCH_INDEX"
ENV_CORPUS = "KODOKU_SEARCH_CORPUS"

_PACKAGE = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The source checkout this package runs from, if it does (not when installed)."""
    root = _PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / "corpus").is_dir():
        return root
    return None


def default_corpus_dir() -> Path:
    env = os.environ.get(ENV_CORPUS)
    if env:
        return Path(env)
    root = checkout_root()
    if root is not None:
        return root / "corpus"
    return _PACKAGE / "corpus"  # installed: the corpus ships inside the package


def default_index_dir() -> Path:
    env = os.environ.get(ENV_INDEX)
    if env:
        return Path(env)
    root = checkout_root()
    if root is not None:
        return root / "index"
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "kodoku-search" / "index"


def corpus_files(directory: Path) -> list[Path]:
    """The files that make up a corpus, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.suffix in (".txt", ".jsonl") and p.is_file())
