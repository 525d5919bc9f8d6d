"""Import Whoosh without the modules it loads at import time but a search never uses.

Three Whoosh modules import something for a feature this project does not use:

* ``whoosh.compat`` imports ``urllib.request`` for ``urlretrieve`` (nothing in
  Whoosh's search path calls it), which pulls in http.client, email, ssl, socket;
* ``whoosh.reading`` imports the ``cached_property`` package for one property,
  and that package imports asyncio;
* ``whoosh.query.terms`` imports ``whoosh.lang.morph_en`` (English stemming
  variations, hundreds of regular expressions) for the ``Variations`` query.

Together they are about a fifth of a cold query's time. While one of those Whoosh
modules executes, this finder lends it a stand-in: a function that imports the
real one when it is first called, or, for ``cached_property``,
``functools.cached_property`` (the same once-per-instance caching for a plain
method, which is all Whoosh decorates). Each stand-in is taken out of
``sys.modules`` as soon as the Whoosh module has run, so any later import gets
the real module; where the real one is already loaded, it is used as is. The
finder removes itself once all three are imported.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import sys
import types


def _deferred(module: str, name: str):
    """A function that imports ``module`` on its first call and calls its ``name``."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported on first call (see kodoku_search._lean_whoosh)."
    return call


def _standin(module: str, **attrs) -> types.ModuleType:
    m = types.ModuleType(module, "kodoku-search stand-in while a Whoosh module is imported")
    for name, value in attrs.items():
        setattr(m, name, value)
    return m


def _standins() -> dict[str, dict[str, types.ModuleType]]:
    """importer → {module it imports: stand-in lent to it}."""
    return {
        "whoosh.compat": {"urllib.request": _standin("urllib.request", urlretrieve=_deferred("urllib.request", "urlretrieve"))},
        "whoosh.reading": {"cached_property": _standin("cached_property", cached_property=functools.cached_property)},
        "whoosh.query.terms": {
            "whoosh.lang.morph_en": _standin("whoosh.lang.morph_en", variations=_deferred("whoosh.lang.morph_en", "variations"))
        },
    }


class _Loader:
    def __init__(self, real, lend: dict[str, types.ModuleType]):
        self.real, self.lend = real, lend

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module) -> None:
        lent = {name: mod for name, mod in self.lend.items() if name not in sys.modules}
        sys.modules.update(lent)
        try:
            self.real.exec_module(module)
        finally:
            for name, mod in lent.items():
                if sys.modules.get(name) is mod:
                    del sys.modules[name]
                parent, _, child = name.rpartition(".")
                if parent in sys.modules and getattr(sys.modules[parent], child, None) is mod:
                    delattr(sys.modules[parent], child)

    def __getattr__(self, name):  # get_code, get_source, is_package … for tools that ask
        return getattr(self.real, name)


class LeanWhooshFinder:
    """A meta path finder for the three Whoosh modules above, and nothing else."""

    def __init__(self):
        self.pending = _standins()

    def find_spec(self, fullname, path=None, target=None):
        lend = self.pending.pop(fullname, None)
        if lend is None:
            return None
        if not self.pending:
            uninstall()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader, lend)
        return spec


def install() -> None:
    """Put the finder in front, unless Whoosh is already imported (then it is too late, and harmless)."""
    if any(name in sys.modules for name in ("whoosh.compat", "whoosh.reading", "whoosh.query.terms")):
        return
    if not any(isinstance(f, LeanWhooshFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, LeanWhooshFinder())


def uninstall() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LeanWhooshFinder)]
