"""Counts of records per city × theme × polarity: the shape of the corpus at a glance."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable

from . import labels

if TYPE_CHECKING:  # `stats` reads counts kept with the index and never makes a record
    from .records import Snippet

COLUMNS: tuple[tuple[str, str], ...] = tuple((t, p) for t in labels.THEMES for p in labels.POLARITIES)


def counts(records: Iterable[Snippet]) -> dict[str, Any]:
    """{"cities": [{"city", "prefecture", "counts": {"general/good": n, …}, "total"}], "totals": {...}}."""
    per: dict[tuple[str, str], Counter] = {}
    also: dict[tuple[str, str], Counter] = {}  # records that state the other side too (Snippet.also)
    order: list[tuple[str, str]] = []
    for r in records:
        key = (r.city, r.prefecture)
        if key not in per:
            per[key] = Counter()
            also[key] = Counter()
            order.append(key)
        per[key][f"{r.theme}/{r.polarity}"] += 1
        if getattr(r, "also", None):
            also[key][f"{r.theme}/{r.also}"] += 1
    cities = []
    totals: Counter = Counter()
    for city, pref in order:
        c = per[(city, pref)]
        row = {f"{t}/{p}": c.get(f"{t}/{p}", 0) for t, p in COLUMNS}
        totals.update(row)
        cities.append({"city": city, "prefecture": pref, "counts": row, "total": sum(row.values()),
                       "also": dict(also[(city, pref)])})
    tot = {f"{t}/{p}": totals.get(f"{t}/{p}", 0) for t, p in COLUMNS}
    return {"cities": cities, "totals": tot, "total": sum(tot.values())}


def format_counts(data: dict[str, Any]) -> str:
    from .render import table

    headers = ["city", "prefecture"] + [f"{labels.THEME_SHORT[t]}:{p}" for t, p in COLUMNS] + ["total"]
    rows = [[c["city"], c["prefecture"], *c["counts"].values(), c["total"]] for c in data["cities"]]
    rows.append(["total", "", *data["totals"].values(), data["total"]])
    out = table(headers, rows, [False, False] + [True] * (len(COLUMNS) + 1))
    # A record that states both sides counts once, under its own; a --polarity filter finds it
    # under either (座間市 has no 全般:hard record, yet --polarity hard finds its 「…苦労しましたが」).
    both = [f"{c['city']} {labels.THEME_SHORT[k.split('/')[0]]}:{k.split('/')[1]} {n}"
            for c in data["cities"] for k, n in (c.get("also") or {}).items()]
    if both:
        out += ("\nalso stating the other side (counted above under their own; --polarity finds them under both): "
                + ", ".join(both))
    return out
