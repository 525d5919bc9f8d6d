"""Cold start of the kodoku-search command, against a straightforward Whoosh + Janome CLI.

    .venv/bin/python benchmarks/coldstart.py [--runs 15] [--json] [--importtime] [--check]

A person types ``kodoku-search search 縦割り`` and waits for a whole new
process: interpreter, imports, Janome's dictionary, opening the index, the
search, printing. That is what is timed here, from the terminal's point of
view: each measurement is a fresh process, and its peak resident memory is that
one process's own high-water mark (read through ``/usr/bin/time``: see run_once).

Commands, interleaved run by run (A B C D E, A B C D E, …) so that a noisy
neighbour slows all of them alike, each preceded by one untimed warm-up:

* ``kodoku-search search 縦割り`` over an index built beforehand in a temp dir
* ``straightforward_cli.py search`` over its own index of the same 90 records
* ``kodoku-search --help``, ``kodoku-search stats``
* ``python -c pass``: the interpreter's floor, which nothing can go below

Prints median and p90 wall time, peak RSS, the ratio to the straightforward
CLI, and PASS/FAIL against the targets. ``--importtime`` adds the 15 modules
with the largest cumulative ``-X importtime`` for the search command.
Exit status 0 when everything ran (1 with ``--check`` if a target fails), 2
when a command failed.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

QUERY = "縦割り"
CORPUS = ROOT / "corpus"
STRAIGHTFORWARD = "straightforward CLI"

#: (what, limit): the targets the speed work aims at.
SEARCH_RATIO_TARGET = 0.35  # kodoku-search search ≤ this × the straightforward CLI
SEARCH_PEAK_MB_TARGET = 80.0
INSTANT_MS_TARGET = 60.0  # --help and stats


class CommandFailed(RuntimeError):
    pass


# ---------------------------------------------------------------------------
# Measuring one process (shared with scale.py)


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall time and the child's own peak RSS."""

    seconds: float
    peak_mb: float
    returncode: int


#: GNU time, used only as a launcher that reports its child's peak RSS (see run_once).
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
_rss_fd, _RSS_FILE = tempfile.mkstemp(prefix="kodoku-bench-rss-")
os.close(_rss_fd)
atexit.register(lambda: os.path.exists(_RSS_FILE) and os.unlink(_RSS_FILE))


def run_once(argv: Sequence[str], env: dict[str, str] | None = None, *, stdout: Any = subprocess.DEVNULL) -> Sample:
    """Run ``argv`` to completion in a fresh process; its wall time and peak RSS.

    Peak RSS comes from ``/usr/bin/time -f %M``, not from our own ``os.wait4``:
    Linux folds the memory of the process that forked into the child's
    ru_maxrss (the pre-exec image is the parent's), so a child of this harness
    would report at least the harness's size. GNU time is a 1 MB process, and
    it costs about 1 ms, the same for every command. Without it, ``os.wait4``
    is used and ``PEAK_RSS_NOTE`` says the figures are upper bounds.
    """
    cmd = [GNU_TIME, "-f", "%M", "-o", _RSS_FILE, *argv] if GNU_TIME else list(argv)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if GNU_TIME:
        with open(_RSS_FILE, encoding="utf-8") as f:
            peak_kib = int(f.read().split()[-1])  # a failed command adds a line before the number
    else:
        peak_kib = usage.ru_maxrss  # Linux: KiB
    return Sample(seconds, peak_kib / 1024, proc.returncode)


PEAK_RSS_NOTE = None if GNU_TIME else (
    "/usr/bin/time not found: peak RSS read with os.wait4 includes this harness's own memory, so it is an upper bound"
)


def check_runs(name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    """Run once untimed (warm-up) and make sure it works; returns its stdout."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandFailed(f"{name}: {' '.join(map(str, argv))} exited {done.returncode}\n{done.stderr.strip()}")
    return done.stdout


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), interpolating between closest ranks like numpy's default."""
    xs = sorted(values)
    if not xs:
        raise ValueError("no values")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def code_version() -> str:
    """Which kodoku_search the children run, as "<commit>[+dirty] <dir>": what was measured.

    Asked of a child with this environment, so PYTHONPATH pointing at another
    checkout (e.g. a clean clone of HEAD) is reported as such.
    """
    try:
        where = subprocess.run([sys.executable, "-c", "import kodoku_search, os; print(os.path.dirname(kodoku_search.__file__))"],
                               capture_output=True, text=True, check=True).stdout.strip()
        root = str(Path(where).parent)
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{'+dirty' if dirty else ''} {root}"


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two, so tables with 縦割り still line up."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def kodoku_cli() -> str:
    """The installed kodoku-search script beside this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "kodoku-search"
    if beside.is_file():
        return str(beside)
    found = shutil.which("kodoku-search")
    if not found:
        raise CommandFailed("kodoku-search is not installed: pip install -e . in the venv")
    return found


def live_generation(index_dir: Path) -> str | None:
    """The name of the index generation in use (to notice a rebuild during timing)."""
    try:
        return (index_dir / "CURRENT").read_text("utf-8").strip()
    except OSError:
        return None


# ---------------------------------------------------------------------------
# The benchmark


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    samples: list[Sample] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(s.seconds for s in self.samples) * 1000

    @property
    def p90_ms(self) -> float:
        return percentile([s.seconds for s in self.samples], 90) * 1000

    @property
    def peak_mb(self) -> float:
        """The median over runs of each process's peak RSS."""
        return statistics.median(s.peak_mb for s in self.samples)

    def to_dict(self, baseline_ms: float) -> dict[str, Any]:
        return {
            "command": self.name,
            "argv": self.argv,
            "median_ms": round(self.median_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "peak_mb": round(self.peak_mb, 2),
            "ratio": round(self.median_ms / baseline_ms, 3),
            "samples_ms": [round(s.seconds * 1000, 2) for s in self.samples],
        }


@dataclass(frozen=True)
class Target:
    what: str
    value: float
    limit: float
    unit: str

    @property
    def ok(self) -> bool:
        return self.value <= self.limit

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pass": self.ok}


def prepare(work: Path, cli: str) -> tuple[list[Command], Path]:
    """Build both indexes over the real corpus and list the commands to time.

    Both builds run in subprocesses, so this harness never loads Whoosh or Janome.
    """
    from kodoku_search.corpus import load_corpus

    env = {**os.environ, "KODOKU_SEARCH_CORPUS": str(CORPUS), "KODOKU_SEARCH_INDEX": str(work / "index")}
    check_runs("kodoku-search index", [cli, "index"], env)
    records = work / "records.jsonl"
    with open(records, "w", encoding="utf-8") as f:
        for r in load_corpus(CORPUS).records:
            f.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    py = sys.executable
    sf_index = work / "straightforward-index"
    check_runs("straightforward_cli.py build", [py, str(HERE / "straightforward_cli.py"), "build", str(records), str(sf_index)])
    commands = [
        Command(f"kodoku-search search {QUERY}", [cli, "search", QUERY], env),
        Command(STRAIGHTFORWARD, [py, str(HERE / "straightforward_cli.py"), "search", str(sf_index), QUERY]),
        Command("kodoku-search --help", [cli, "--help"], env),
        Command("kodoku-search stats", [cli, "stats"], env),
        Command("python -c pass", [py, "-c", "pass"]),
    ]
    return commands, work / "index"


def measure(commands: list[Command], runs: int) -> None:
    """Warm each command up once, then time them interleaved, ``runs`` rounds."""
    for c in commands:
        if not check_runs(c.name, c.argv, c.env).strip() and "pass" not in c.argv:
            raise CommandFailed(f"{c.name}: printed nothing")
    for _ in range(runs):
        for c in commands:
            s = run_once(c.argv, c.env)
            if s.returncode != 0:
                raise CommandFailed(f"{c.name}: exited {s.returncode} during timing")
            c.samples.append(s)


def targets(commands: list[Command]) -> list[Target]:
    by = {c.name: c for c in commands}
    search = by[f"kodoku-search search {QUERY}"]
    base = by[STRAIGHTFORWARD]
    return [
        Target("search time / straightforward", search.median_ms / base.median_ms, SEARCH_RATIO_TARGET, "×"),
        Target("search peak RSS", search.peak_mb, SEARCH_PEAK_MB_TARGET, "MB"),
        Target("--help time", by["kodoku-search --help"].median_ms, INSTANT_MS_TARGET, "ms"),
        Target("stats time", by["kodoku-search stats"].median_ms, INSTANT_MS_TARGET, "ms"),
    ]


@dataclass(frozen=True)
class ImportRow:
    module: str
    depth: int  # nesting in the import tree (0: imported by the program itself)
    self_ms: float
    cumulative_ms: float


def import_times(argv: Sequence[str], env: dict[str, str] | None, runs: int = 3) -> tuple[list[ImportRow], float]:
    """Per-module ``-X importtime``, median over ``runs`` processes; and the median
    total time spent importing (the sum of the top-level entries)."""
    per: dict[tuple[str, int], list[tuple[float, float]]] = {}
    totals: list[float] = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, capture_output=True, text=True)
        total = 0.0
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            self_us, cum_us, name = line[len("import time:"):].split("|", 2)
            depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
            per.setdefault((name.strip(), depth), []).append((int(self_us) / 1000, int(cum_us) / 1000))
            if depth == 0:
                total += int(cum_us) / 1000
        totals.append(total)
    rows = [
        ImportRow(m, d, statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals))
        for (m, d), vals in per.items()
    ]
    rows.sort(key=lambda r: -r.cumulative_ms)
    return rows, statistics.median(totals)


def format_table(commands: list[Command], baseline_ms: float) -> str:
    width = max(len("command"), *(display_width(c.name) for c in commands))
    head = f"{'command':<{width}}  median ms  p90 ms  peak RSS MB  × straightforward"
    lines = [head, "-" * len(head)]
    for c in commands:
        lines.append(
            f"{ljust(c.name, width)}  {c.median_ms:9.1f}  {c.p90_ms:6.1f}  {c.peak_mb:11.1f}  {c.median_ms / baseline_ms:17.2f}"
        )
    return "\n".join(lines)


def format_targets(ts: list[Target]) -> str:
    width = max(len(t.what) for t in ts)
    fmt = {"×": "{:.2f}×", "MB": "{:.1f} MB", "ms": "{:.1f} ms"}
    return "\n".join(
        f"{t.what:<{width}}  {fmt[t.unit].format(t.value):>9}  ≤ {fmt[t.unit].format(t.limit):>8}  {'PASS' if t.ok else 'FAIL'}"
        for t in ts
    )


def format_imports(rows: list[ImportRow], total_ms: float, top: int = 15) -> str:
    width = max(len("module"), *(len("  " * r.depth + r.module) for r in rows[:top]))
    head = f"{'module':<{width}}  cumulative ms  self ms"
    lines = [f"-X importtime, kodoku-search search {QUERY}: {total_ms:.0f} ms importing in all", head, "-" * len(head)]
    for r in rows[:top]:
        lines.append(f"{'  ' * r.depth + r.module:<{width}}  {r.cumulative_ms:13.1f}  {r.self_ms:7.1f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    parser.add_argument("--importtime", action="store_true", help="also show the slowest imports of the search command")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target fails")
    parser.add_argument("--cli", help="the kodoku-search script to time (default: the one beside this python)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kodoku-coldstart-") as tmp:
        try:
            cli = args.cli or kodoku_cli()
            commands, index_dir = prepare(Path(tmp), cli)
            gen_before = live_generation(index_dir)
            measure(commands, max(1, args.runs))
            # argv[0] is the kodoku-search script: run it with this interpreter and -X importtime.
            imports = import_times(commands[0].argv, commands[0].env) if args.importtime else None
        except CommandFailed as exc:
            print(f"coldstart: {exc}", file=sys.stderr)
            return 2
        rebuilt = live_generation(index_dir) != gen_before

    baseline = next(c for c in commands if c.name == STRAIGHTFORWARD).median_ms
    ts = targets(commands)
    notes = [n for n in (PEAK_RSS_NOTE,) if n]
    if rebuilt:
        notes.append("the index was rebuilt while timing (the package or corpus changed mid-run): "
                     "the search figures include a rebuild; run again")
    if args.json:
        out: dict[str, Any] = {
            "runs": args.runs,
            "query": QUERY,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "code": code_version(),
            "commands": [c.to_dict(baseline) for c in commands],
            "targets": [t.to_dict() for t in ts],
            "notes": notes,
        }
        if imports:
            rows, total = imports
            out["importtime"] = {"total_ms": round(total, 1), "top": [asdict(r) for r in rows[:15]]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"Cold start, {args.runs} interleaved runs each (medians; peak RSS of each child process); "
              f"code {code_version()}, {os.cpu_count()} CPUs\n")
        print(format_table(commands, baseline))
        print()
        print(format_targets(ts))
        if imports:
            print()
            print(format_imports(*imports))
        for n in notes:
            print(f"\nWARNING: {n}")
    failed = not all(t.ok for t in ts)
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
