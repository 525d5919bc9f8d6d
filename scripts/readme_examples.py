"""Keep the README's terminal examples true: run each ``$ kodoku-search …`` block
and compare what it prints with what the README shows.

    python scripts/readme_examples.py            # check (exit 1 and say where, if an example is stale)
    python scripts/readme_examples.py --update   # rewrite the scores in the README from a fresh run

A README block may leave lines out (a line of its own ``…``) or leave part of a
line out (``…`` inside it): the lines it keeps must appear in the output, in order. Scores
(numbers with a decimal point, and the padding their width sets) are not
compared, since every weight change moves them; ``--update`` prints the new ones. Ranks, texts, line numbers and ids are.
tests/test_readme.py runs the check against the real corpus.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_DECIMAL = re.compile(r"\d+\.\d+")
_SPACE = re.compile(r"[ \u3000]+$")
_RUN = re.compile(r" {2,}")  # a score's width moves the padding around it (「  3.92」, 「[6.45]   |」)


def blocks(text: str) -> list[tuple[int, list[str]]]:
    """(line number of the first line, lines) of every fenced block that starts
    with a ``$ kodoku-search`` or ``$ printf`` command (not the <TAB> example)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i] == "```" and i + 1 < len(lines) and lines[i + 1].startswith("$ ") and "<TAB>" not in lines[i + 1]:
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            out.append((i + 2, lines[i + 1:j]))
            i = j
        i += 1
    return out


def run(block: list[str], env: dict[str, str]) -> list[str]:
    """What the block's commands print, one list of lines, as a user's shell runs them."""
    me = f"{shlex.quote(sys.executable)} -m kodoku_search"
    printed: list[str] = []
    for line in block:
        if line.startswith("$ "):
            cmd = re.sub(r"(^|\| )kodoku-search ", lambda m: f"{m.group(1)}{me} ", line[2:])
            p = subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=ROOT, env=env)
            if p.returncode != 0:
                raise RuntimeError(f"{line[2:]}: exit {p.returncode}: {p.stderr.strip()}")
            out = p.stdout.lstrip("\ufeff").replace("\r\n", "\n")  # CSV: a BOM and CRLF, for spreadsheets
            printed.extend(_SPACE.sub("", x) for x in out.rstrip("\n").split("\n"))
    return printed


def _same(shown: str, printed: str) -> bool:
    """The printed line is the shown one, scores aside; where the shown line has
    「…」, the printed one may have anything."""
    shown, printed = (_RUN.sub(" ", _DECIMAL.sub("#", _SPACE.sub("", x))) for x in (shown, printed))
    if "…" not in shown:
        return shown == printed
    pieces = shown.split("…")
    if not printed.startswith(pieces[0]):
        return False
    at = len(pieces[0])
    for piece in pieces[1:]:
        found = printed.find(piece, at) if piece else at
        if found < 0:
            return False
        at = found + len(piece)
    return not pieces[-1] or printed.endswith(pieces[-1])


def _aligned(text: str, env: dict[str, str]):
    """(README line number, the line shown, the printed line it stands for or None)
    for each line an example keeps, matched in order against a fresh run."""
    for first, block in blocks(text):
        printed = run(block, env)
        at = 0
        for n, shown in enumerate(block, start=first):
            if shown.startswith("$ ") or shown.strip() in ("", "…"):
                continue
            k = next((k for k in range(at, len(printed)) if _same(shown, printed[k])), None)
            yield n, shown, None if k is None else printed[k]
            if k is not None:
                at = k + 1


def stale(text: str, env: dict[str, str]) -> list[str]:
    """Each README line that the fresh output no longer has (in order), with where it is."""
    return [f"README.md:{n}: the example no longer prints\n    {shown}"
            for n, shown, printed in _aligned(text, env) if printed is None]


def update(text: str, env: dict[str, str]) -> str:
    """The README with each example line's scores taken from a fresh run."""
    lines = text.split("\n")
    for n, shown, printed in list(_aligned(text, env)):
        if printed is not None and "…" not in shown:
            lines[n - 1] = printed
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    text = README.read_text("utf-8")
    if "--update" in argv:
        README.write_text(update(text, env), "utf-8")
        return 0
    problems = stale(text, env)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("run: python scripts/readme_examples.py --update, then read the diff", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
