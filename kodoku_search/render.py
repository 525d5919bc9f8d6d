"""Turning records, hits and tables into text people read: widths, tables, highlights.

Knows nothing of Whoosh or Janome. CJK characters take two terminal columns, so
every table here pads by display width, not by len().
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Iterable, Sequence


def display_width(text: str) -> int:
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[bool] | None = None) -> str:
    """A plain-text table aligned by display width."""
    rows = [[str(c) for c in r] for r in rows]
    numeric = numeric or [False] * len(headers)
    widths = [display_width(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], display_width(c))
    out = ["  ".join(pad(h, widths[i], numeric[i]) for i, h in enumerate(headers)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(pad(c, widths[i], numeric[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(out)


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def highlight(text: str, spans: Sequence[Sequence[int]], color: bool) -> str:
    """Mark each [start, end) span: ANSI bold yellow on a terminal, 【…】 otherwise."""
    if not spans:
        return text
    out, pos = [], 0
    open_, close = ("\x1b[1;33m", "\x1b[0m") if color else ("【", "】")
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(open_ + text[start:end] + close)
        pos = end
    out.append(text[pos:])
    return "".join(out)
