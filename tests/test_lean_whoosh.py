"""Whoosh imported without urllib.request and asyncio (kodoku_search/_lean_whoosh.py).

Each case runs in a fresh interpreter, since what matters is what an import
leaves behind in sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import CORPUS, ROOT

SEARCH = r"""
import json, sys
%(before)s
from kodoku_search import SearchEngine
with SearchEngine.open(sys.argv[1], sys.argv[2]) as e:
    r = e.search("縦割り 連携", limit=100)
    reader = next(iter(e.searcher().reader().leaf_readers()))[0]
    deleted = reader.deleted_docs_set
    again = reader.deleted_docs_set
import whoosh.compat, whoosh.reading
out = {
    "ids": [h.id for h in r.hits],
    "loaded": sorted(m for m in ("urllib.request", "asyncio", "cached_property", "whoosh.lang.morph_en") if m in sys.modules),
    "finders": [type(f).__name__ for f in sys.meta_path if "Lean" in type(f).__name__],
    "deleted": [type(deleted).__name__, deleted is again],
    "compat_urlretrieve": whoosh.compat.urlretrieve.__module__,
}
import whoosh.query.terms
out["variations"] = sorted(whoosh.query.terms.variations("rendered"))  # imports the real morph_en on call
import urllib.request, cached_property, whoosh.lang.morph_en  # later imports get the real modules
out["real"] = [urllib.request.urlretrieve.__module__, hasattr(urllib.request, "Request"),
               cached_property.cached_property.__module__, hasattr(cached_property, "threaded_cached_property"),
               whoosh.lang.morph_en.variations.__module__]
out["variations_real"] = sorted(whoosh.lang.morph_en.variations("rendered"))
print(json.dumps(out))
"""


def run(idx, before: str = "") -> dict:
    p = subprocess.run([sys.executable, "-c", SEARCH % {"before": before}, str(CORPUS), str(idx)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    return tmp_path_factory.mktemp("lean") / "idx"


@pytest.fixture(scope="module")
def plain(idx):
    return run(idx)


def test_a_search_loads_neither_urllib_request_nor_asyncio_nor_english_stemming(plain):
    assert plain["loaded"] == [] and plain["finders"] == []
    assert plain["ids"], "the search found nothing"


def test_whoosh_gets_working_stand_ins_and_later_imports_get_the_real_modules(plain):
    assert plain["deleted"] == ["frozenset", True]  # computed once, as cached_property did
    assert plain["compat_urlretrieve"] == "kodoku_search._lean_whoosh"  # imports the real one when called
    assert plain["real"] == ["urllib.request", True, "cached_property", True, "whoosh.lang.morph_en"]
    assert "renders" in plain["variations"] and plain["variations"] == plain["variations_real"]


def test_results_are_the_same_when_the_real_modules_were_loaded_first(idx, plain):
    real = run(idx, before="import urllib.request, cached_property")
    assert real["ids"] == plain["ids"]
    assert real["compat_urlretrieve"] == "urllib.request"  # already loaded: used as is
    assert real["loaded"] == ["asyncio", "cached_property", "urllib.request"]
