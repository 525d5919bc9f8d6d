"""Relevance of kodoku-search against the README baselines, on graded judgments.

    python benchmarks/relevance.py [--judgments PATH ...] [--json]
    python benchmarks/relevance.py --all      # every benchmarks/queries_*.jsonl, then a summary

Prints one table of mean nDCG@10 / Recall@10 / MRR@10 / zero-result rate per
system (the four baselines and kodoku-search, all over the project's own
records), then kodoku-search's nDCG per query next to the best baseline on that
query, flagging where it falls more than 0.05 behind. A mean can hide a query
that got worse; the per-query table is there so it cannot.

Exit status: 0 when everything ran, 1 when kodoku-search was unavailable or
failed (the baselines are still reported), 2 when the judgments or the corpus
cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script from anywhere: measure this checkout, not an installed copy.
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from baselines import BASELINES, DESCRIPTIONS, run_baselines  # noqa: E402

from kodoku_search.evaluate import (  # noqa: E402
    EvalError,
    EvalReport,
    Judgment,
    evaluate,
    load_judgments,
)

PROJECT = "kodoku-search"
K = 10
#: How far below the best baseline a query may score before it is flagged.
TOLERANCE = 0.05
DEFAULT_JUDGMENTS = HERE / "queries_dev.jsonl"


@dataclass(frozen=True)
class QueryComparison:
    """kodoku-search against the best baseline on one query."""

    qid: str
    query: str
    project_ndcg: float
    best_baseline: str
    best_baseline_ndcg: float

    @property
    def diff(self) -> float:
        return self.project_ndcg - self.best_baseline_ndcg

    @property
    def behind(self) -> bool:
        # Round first so a difference printed as -0.050 is not flagged by float noise.
        return round(self.diff, 9) < -TOLERANCE

    def to_dict(self) -> dict[str, Any]:
        return {
            "qid": self.qid,
            "query": self.query,
            "project_ndcg": self.project_ndcg,
            "best_baseline": self.best_baseline,
            "best_baseline_ndcg": self.best_baseline_ndcg,
            "diff": self.diff,
            "behind": self.behind,
        }


def evaluate_project(judgments: Sequence[Judgment], rerank: bool = True) -> tuple[EvalReport | None, str | None]:
    """Evaluate the engine, or say why it could not be: the baselines still matter."""
    try:
        from kodoku_search import SearchEngine

        engine = SearchEngine.open()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported, not fatal
        return None, f"{PROJECT} not evaluated: cannot open the engine ({type(exc).__name__}: {exc})"

    def search(j: Judgment) -> list[Any]:
        result = engine.search(j.query, limit=K, rerank=rerank, **j.filters())
        return list(getattr(result, "ranked", None) or getattr(result, "hits", result))  # the page: matches, then related

    try:
        return evaluate(judgments, search, k=K), None
    except Exception as exc:  # noqa: BLE001
        return None, f"{PROJECT} not evaluated: search failed ({type(exc).__name__}: {exc})"


def compare(project: EvalReport, baselines: dict[str, EvalReport]) -> list[QueryComparison]:
    """Per query, the project's nDCG next to the best baseline's (first listed wins ties)."""
    rows = []
    for i, mine in enumerate(project.per_query):
        name, best = max(
            ((n, r.per_query[i]) for n, r in baselines.items()), key=lambda nr: nr[1].ndcg
        )
        assert best.qid == mine.qid
        rows.append(QueryComparison(mine.qid, mine.query, mine.ndcg, name, best.ndcg))
    return rows


def format_systems(reports: dict[str, EvalReport]) -> str:
    width = max(len("system"), *(len(n) for n in reports))
    head = f"{'system':<{width}}  nDCG@10  Recall@10  MRR@10  zero-rate"
    lines = [head, "-" * len(head)]
    for name, r in reports.items():
        lines.append(
            f"{name:<{width}}  {r.ndcg:7.3f}  {r.recall:9.3f}  {r.mrr:6.3f}  {r.zero_rate:9.3f}"
        )
    return "\n".join(lines)


def format_comparison(rows: Sequence[QueryComparison]) -> str:
    width = max(len("best baseline"), *(len(r.best_baseline) for r in rows))
    head = f"qid  {PROJECT:>13}  {'best baseline':<{width}}  nDCG@10    diff  flag  query"
    lines = [head, "-" * len(head)]
    for r in rows:
        flag = "<<" if r.behind else ""
        lines.append(
            f"{r.qid:<3}  {r.project_ndcg:13.3f}  {r.best_baseline:<{width}}  "
            f"{r.best_baseline_ndcg:7.3f}  {r.diff:+6.3f}  {flag:<4}  {r.query}"
        )
    behind = sum(r.behind for r in rows)
    lines.append("-" * len(head))
    lines.append(
        f"{behind} of {len(rows)} queries more than {TOLERANCE:.2f} nDCG below the best baseline"
        + (" (flagged <<)" if behind else "")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--judgments",
        type=Path,
        default=DEFAULT_JUDGMENTS,
        help="graded judgments, JSONL (default: benchmarks/queries_dev.jsonl)",
    )
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    parser.add_argument("--all", action="store_true", help="every benchmarks/queries_*.jsonl in turn, then a summary")
    parser.add_argument("--no-rerank", action="store_true", help="score the first stage alone (no learned ranker)")
    args = parser.parse_args(argv)
    if args.all:
        return _run_all(sorted(HERE.glob("queries_*.jsonl")), args.json, ["--no-rerank"] if args.no_rerank else [])

    try:
        judgments = load_judgments(args.judgments)
        if not judgments:
            raise EvalError(f"{args.judgments}: no judgments")
    except EvalError as exc:
        print(f"relevance: {exc}", file=sys.stderr)
        return 2
    try:
        from kodoku_search.corpus import load_corpus

        records = load_corpus().records
    except Exception as exc:  # noqa: BLE001 - CorpusError lists every problem in its message
        print(f"relevance: cannot load the corpus ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2

    reports: dict[str, EvalReport] = dict(run_baselines(records, judgments, k=K))
    project, note = evaluate_project(judgments, rerank=not args.no_rerank)
    if project is not None:
        reports[PROJECT] = project
    rows = compare(project, {n: reports[n] for n in BASELINES}) if project else []

    if args.json:
        out = {
            "judgments": str(args.judgments),
            "queries": len(judgments),
            "records": len(records),
            "k": K,
            "tolerance": TOLERANCE,
            "systems": {
                name: {"description": DESCRIPTIONS.get(name, name), **r.to_dict()}
                for name, r in reports.items()
            },
            "project_available": project is not None,
            "note": note,
            "per_query": [r.to_dict() for r in rows],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(
            f"Relevance on {args.judgments} ({len(judgments)} queries, "
            f"{len(records)} records), first {K} results\n"
        )
        print(format_systems(reports))
        print()
        for name in BASELINES:
            print(f"  {name}: {DESCRIPTIONS[name]}")
        print()
        if project is None:
            print(f"NOTE: {note}")
        else:
            print(format_comparison(rows))
    return 0 if project is not None else 1


def _run_all(paths: Sequence[Path], as_json: bool, extra: Sequence[str] = ()) -> int:
    """Each judgment set as ``--judgments`` would show it, then one line per set."""
    import contextlib
    import io

    summary, status = [], 0
    for path in paths:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = main(["--judgments", str(path), "--json", *extra])
        status = max(status, rc)
        if rc == 2:
            continue
        data = json.loads(buf.getvalue())
        if not as_json:
            main(["--judgments", str(path), *extra])
            print()
        summary.append(data)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return status
    head = f"{'set':<24} {'queries':>7}  {PROJECT + ' nDCG/Recall/MRR/zero':<34} {'best baseline (nDCG)':<28} behind"
    print(head)
    print("-" * len(head))
    for d in summary:
        mine = d["systems"].get(PROJECT)
        best_name = max(BASELINES, key=lambda n: d["systems"][n]["ndcg"])
        mine_s = (f"{mine['ndcg']:.3f} / {mine['recall']:.3f} / {mine['mrr']:.3f} / {mine['zero_rate']:.3f}"
                  if mine else "n/a")
        behind = sum(r["behind"] for r in d["per_query"])
        print(f"{Path(d['judgments']).name:<24} {d['queries']:>7}  {mine_s:<34} "
              f"{best_name + ' ' + format(d['systems'][best_name]['ndcg'], '.3f'):<28} {behind}")
    return status


if __name__ == "__main__":
    sys.exit(main())
