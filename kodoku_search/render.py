"""Turning records, hits and tables into text people read: widths, tables, highlights.

Knows nothing of Whoosh or Janome. CJK characters take two terminal columns, so
every table here pads by display width, not by len().
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Iterable, Sequence


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters 2, combining marks and
    ANSI colour codes 0."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return sum(_char_width(ch) for ch in text)


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


_LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def highlight(text: str, spans: Sequence[Sequence[int]], color: bool) -> str:
    """Mark each [start, end) span: ANSI bold yellow on a terminal, 【…】 otherwise. A
    line break in the text (a record of the user's own) is a space, one for one so the
    spans stay put: a snippet is one line, as grep reads it."""
    text = _LINE_BREAK.sub(" ", text)
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


# ---------------------------------------------------------------------------
# Wrapping by display width (ANSI colour codes take no room)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RESET = "\x1b[0m"
# Kinsoku: characters a line may not start with, and ones it may not end with.
_NO_START = set("、。，．,.:;!?！？)]}）］｝〕〉》」』】〙〗ー–…‥・ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々")
_NO_END = set("([{（［｛〔〈《「『【〘〖")
_WORD = re.compile(r"[A-Za-z0-9_./:@%+\-]")
_KEEP = 12  # a highlighted word up to this many characters is kept on one line
_MARKED = re.compile(rf"【[^【】\n]{{1,{_KEEP}}}】|\x1b\[[0-9;]*[1-9][0-9;]*m[^\x1b\n]{{1,{_KEEP}}}\x1b\[0?m")


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _atoms(text: str, group: bool = True) -> list[tuple[str, int]]:
    """Units wrapping keeps whole: an ANSI code (width 0), a run of ASCII word
    characters (so URLs and numbers stay together), a short highlighted word
    (【庁内】 or its coloured form), or one other character. ``group=False``
    gives ANSI codes and single characters only (for splitting an overlong unit)."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        if group:
            m = _MARKED.match(text, i)
            if m and display_width(m.group()) <= 2 * _KEEP:
                out.append((m.group(), display_width(m.group())))
                i = m.end()
                continue
        m = _ANSI.match(text, i)
        if m:
            out.append((m.group(), 0))
            i = m.end()
            continue
        j = i
        while group and j < len(text) and _WORD.match(text[j]):
            j += 1
        if j > i:
            out.append((text[i:j], j - i))
            i = j
        else:
            out.append((text[i], _char_width(text[i])))
            i += 1
    return out


def _visible(atoms: list[tuple[str, int]]) -> list[int]:
    return [k for k, (a, w) in enumerate(atoms) if not _ANSI.fullmatch(a)]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns. Japanese breaks between any two
    characters, except before 、。」 and the like or after 「（ (kinsoku); ASCII words
    stay whole unless longer than a line. Colour codes are closed at each line's
    end and reopened on the next, so a wrapped highlight stays highlighted."""
    width = max(1, width)
    lines: list[list[tuple[str, int]]] = []
    for para in text.split("\n"):
        line: list[tuple[str, int]] = []
        used = 0
        pending = _atoms(para)
        while pending:
            atom, w = pending.pop(0)
            if w > width:  # a unit longer than a line: split it
                pending[:0] = _atoms(atom, group=False)
                continue
            if used + w > width and used > 0:
                carry: list[tuple[str, int]] = []
                vis = _visible(line)
                if len(vis) > 1 and (atom[0] in _NO_START or line[vis[-1]][0][-1] in _NO_END):
                    tail = line[vis[-1]:]  # move the last character down with it
                    if sum(x[1] for x in tail) + w <= width:
                        carry = tail
                        del line[vis[-1]:]
                lines.append(line)
                line = carry
                used = sum(x[1] for x in line)
                if atom == " " and not line:
                    continue  # a space that falls on a break is dropped
            line.append((atom, w))
            used += w
        lines.append(line)
    out, active = [], ""
    for line in lines:
        body = "".join(a for a, _ in line)
        s = active + body
        for m in _ANSI.finditer(body):
            active = "" if m.group() in (_RESET, "\x1b[m") else active + m.group()
        out.append(s + _RESET if active else s.rstrip(" "))
    return out


def wrap_indented(text: str, width: int | None, indent: str = "   ", first: str | None = None) -> str:
    """``text`` wrapped to ``width`` columns with ``first`` before the first line and
    ``indent`` before the rest (the continuation indent). No wrapping when width is None."""
    first = indent if first is None else first
    if width is None:
        return first + text
    room = max(10, width - max(display_width(first), display_width(indent)))
    lines = wrap(text, room)
    return "\n".join((first if k == 0 else indent) + ln for k, ln in enumerate(lines))


def grid(headers: Sequence[str], rows: Iterable[Sequence[str | Sequence[str]]], widths: Sequence[int]) -> str:
    """A table whose cells may hold long text: each cell is wrapped to its column's
    display width and every line is padded to the full width, so the ``|``
    boundaries line up whatever mix of wide and narrow characters the text holds.
    A cell is a string or a list of paragraphs (each wrapped on its own)."""

    def lines_of(cell, w: int) -> list[str]:
        paras = [cell] if isinstance(cell, str) else list(cell)
        return [ln for p in paras for ln in (wrap(p, w) if p else [""])]

    def emit(cells: list[list[str]]) -> list[str]:
        height = max(len(c) for c in cells)
        return [
            " | ".join(pad(c[k] if k < len(c) else "", widths[i]) for i, c in enumerate(cells))
            for k in range(height)
        ]

    rule = "-+-".join("-" * w for w in widths)
    out = emit([lines_of(h, widths[i]) for i, h in enumerate(headers)])
    out.append(rule)
    for n, row in enumerate(rows):
        if n:
            out.append(rule)
        out.extend(emit([lines_of(c, widths[i]) for i, c in enumerate(row)]))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Machine and report formats: CSV for spreadsheets, Markdown for reports, JSON lines

HIT_COLUMNS: tuple[str, ...] = (
    "rank", "score", "city", "prefecture", "theme", "polarity", "section", "text", "source", "line", "id", "terms",
)
# Added after the first release: written after every other column (search's kind and
# related_by too), so a reader that picks columns by position still finds them.
HIT_COLUMNS_LATER: tuple[str, ...] = ("also", "repost_of", "through")


def hit_row(rank: int, hit: Any) -> list[Any]:
    """One hit as a row of ``HIT_COLUMNS``; ``terms`` are its matched (or shared) terms, separated by 、."""
    return [
        rank, f"{hit.score:.4f}", hit.city, hit.prefecture, hit.theme, hit.polarity, hit.section or "",
        hit.text, hit.source, hit.line, hit.id, "、".join(hit.matched_terms),
    ]


def hit_row_later(hit: Any) -> list[Any]:
    """The ``HIT_COLUMNS_LATER`` of one hit."""
    return [hit.also or "", hit.repost_of or "", getattr(hit, "through", None) or ""]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # (not -inf, nan, 1_000: float() reads those)


def csv_cell(value: Any) -> Any:
    """A cell Excel shows as the text it is: text starting as a formula does (=, +, -, @;
    a user's own record could say 「=HYPERLINK(…)」) gets a leading ' (OWASP's advice).
    Numbers, negative ones included, are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV that Excel opens correctly on a Japanese Windows machine: UTF-8 with a
    BOM (without it Excel assumes Shift_JIS), \\r\\n line ends, quoted as needed,
    and no cell that Excel would run as a formula."""
    import csv
    import io

    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in headers])
    for r in rows:
        w.writerow([csv_cell(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def md_cell(value: Any) -> str:
    """A value safe inside a Markdown table cell: | escaped, line breaks as <br>."""
    s = "" if value is None else str(value)
    s = s.replace("\\", "\\\\").replace("|", "\\|")
    return s.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>").strip()


def to_markdown(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[bool] | None = None) -> str:
    """A GitHub-flavoured Markdown table that pastes into a report."""
    numeric = numeric or [False] * len(headers)
    out = ["| " + " | ".join(md_cell(h) for h in headers) + " |"]
    out.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    for r in rows:
        out.append("| " + " | ".join(md_cell(c) for c in r) + " |")
    return "\n".join(out)


def to_jsonl(items: Iterable[Any]) -> str:
    """One JSON object per line (no trailing newline)."""
    return "\n".join(json.dumps(i, ensure_ascii=False) for i in items)
