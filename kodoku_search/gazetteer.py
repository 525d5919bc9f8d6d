"""Which prefecture a municipality belongs to, for every municipality in Japan.

The table is generated from Japan Post's postal data by scripts/make_gazetteer.py
and shipped with the package. Names such as 府中市 exist in two prefectures, so a
lookup returns every candidate.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_PREFECTURE_SHAPE = re.compile(r"^(?:北海道|東京都|(?:京都|大阪)府|[^\s、。]{2,3}県)$")
_MUNICIPALITY_SHAPE = re.compile(r"^[^\s、。・「」()（）【】<>]{1,10}[市区町村]$")


@cache
def _table() -> dict[str, tuple[str, ...]]:
    text = resources.files("kodoku_search").joinpath("data/municipalities.tsv").read_text("utf-8")
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, pref = line.split("\t")
        table.setdefault(name, []).append(pref)
    return {k: tuple(v) for k, v in table.items()}


@cache
def prefectures() -> frozenset[str]:
    return frozenset(p for ps in _table().values() for p in ps)


def prefectures_of(city: str) -> tuple[str, ...]:
    """Every prefecture that has a municipality of this name (empty if unknown)."""
    return _table().get(city, ())


def is_prefecture(name: str) -> bool:
    return name in prefectures() or bool(_PREFECTURE_SHAPE.match(name))


def is_municipality(name: str) -> bool:
    """A known municipality, or a name shaped like one (so new documents parse too)."""
    return name in _table() or bool(_MUNICIPALITY_SHAPE.match(name))
