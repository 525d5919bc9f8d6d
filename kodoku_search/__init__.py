"""kodoku-search: Japanese full-text search over advice on loneliness and isolation policy.

    from kodoku_search import SearchEngine
    engine = SearchEngine.open()
    for hit in engine.search("庁内連携", polarity="hard", limit=5):
        print(hit.city, hit.score, hit.text)

Names are imported on first use, so ``import kodoku_search`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _lean_whoosh

_lean_whoosh.install()  # Whoosh, when a search imports it, skips urllib.request and asyncio

__version__ = "0.1.0"
__all__ = ["SearchEngine", "Hit", "SearchResult", "Snippet", "Corpus", "load_corpus", "KodokuError", "UsageError", "CorpusError", "IndexError_"]

_WHERE = {
    "SearchEngine": "engine",
    "Hit": "search",
    "SearchResult": "search",
    "Snippet": "records",
    "Corpus": "corpus",
    "load_corpus": "corpus",
    "KodokuError": "errors",
    "UsageError": "errors",
    "CorpusError": "errors",
    "IndexError_": "errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus, load_corpus
    from .engine import SearchEngine
    from .errors import CorpusError, IndexError_, KodokuError, UsageError
    from .records import Snippet
    from .search import Hit, SearchResult


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kodoku_search' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names too, though they are imported on first use (tab completion, help())."""
    return sorted(set(globals()) | set(__all__))
