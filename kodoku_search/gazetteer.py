"""Which prefecture a municipality belongs to, for every municipality in Japan.

The table is generated from Japan Post's postal data by scripts/make_gazetteer.py
and shipped with the package. Names such as 府中市 exist in two prefectures, so a
lookup returns every candidate.
"""

from __future__ import annotations

import re
from functools import cache

_PREFECTURE_SHAPE = re.compile(r"^(?:北海道|東京都|(?:京都|大阪)府|[^\s、。]{2,3}県)$")
_MUNICIPALITY_SHAPE = re.compile(r"^[^\s、。・「」()（）【】<>]{1,10}[市区町村]$")


@cache
def _table() -> dict[str, tuple[str, ...]]:
    from importlib import resources  # (here: importing it cost a cold search 3 ms for 九州 and 関西)

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


# The regions people name a part of Japan by (九州の取組, 関西の自治体), each with its
# prefectures. 中国 and 中部 only with 地方: alone they are China and "the middle".
_EIGHT = {  # (and 北海道, a prefecture's own name)
    "東北": ("青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県"),
    "関東": ("茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県"),
    "中部": ("新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県"),
    "近畿": ("三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    "中国": ("鳥取県", "島根県", "岡山県", "広島県", "山口県"),
    "四国": ("徳島県", "香川県", "愛媛県", "高知県"),
    "九州": ("福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"),
}
_OTHERS = {
    "首都圏": ("東京都", "神奈川県", "千葉県", "埼玉県"),
    "北陸": ("新潟県", "富山県", "石川県", "福井県"),
    "甲信越": ("山梨県", "長野県", "新潟県"),
    "東海": ("愛知県", "岐阜県", "静岡県", "三重県"),
    "関西": ("滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    "山陰": ("鳥取県", "島根県"),
    "山陽": ("岡山県", "広島県", "山口県"),
}


@cache
def regions() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, its prefectures) for every region name, longest first (九州地方 before 九州)."""
    out: dict[str, tuple[str, ...]] = {}
    for name, prefs in (*_EIGHT.items(), *_OTHERS.items()):
        if name != "首都圏":
            out[name + "地方"] = prefs
        if name not in ("中国", "中部"):
            out[name] = prefs
    out["九州・沖縄"] = _EIGHT["九州"]
    for name in ("中国・四国", "中国四国", "中四国"):  # (one region in official usage: 中国四国農政局)
        out[name] = _EIGHT["中国"] + _EIGHT["四国"]
    return tuple(sorted(out.items(), key=lambda kv: -len(kv[0])))
