"""How kodoku-search scales with the corpus: build time, index size, query latency, memory.

    .venv/bin/python benchmarks/scale.py                        # scales 1, 10, 100
    .venv/bin/python benchmarks/scale.py --scales 1,10,100,1000 --workdir /tmp/kodoku-scale
    .venv/bin/python benchmarks/scale.py --scales 10 --json

For each scale N, a synthetic corpus of N × 90 records (``synth.make_corpus``:
the real document plus recombined real sentences) is indexed and measured:

* build: ``SearchEngine.open(corpus, index, rebuild="always")`` in a fresh
  process, timed inside that process (interpreter start and imports excluded),
  median of ``--build-runs``; and that process's peak RSS
* index: size on disk of the live index generation
* warm queries: one long-lived process opens the engine and runs a fixed mix
  of 50 queries (the 20 dev queries + 30 below) ``--repeat`` times each after
  one untimed pass; p50/p95 over the 50 per-query medians, and that process's
  peak RSS
* cold CLI: ``kodoku-search search 縦割り`` with KODOKU_SEARCH_CORPUS and
  KODOKU_SEARCH_INDEX pointing at this scale, median of ``--cold-runs``, and
  its peak RSS

Every measurement runs in its own subprocess, so each scale starts clean and
the code measured is the package as it is on disk now. Scale 1000 (90,000
records) takes about ten minutes to build single-process, so it runs only
when asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from coldstart import (  # noqa: E402
    PEAK_RSS_NOTE,
    CommandFailed,
    check_runs,
    code_version,
    kodoku_cli,
    live_generation,
    percentile,
    run_once,
)
from synth import make_corpus  # noqa: E402

DEV_QUERIES = HERE / "queries_dev.jsonl"
COLD_QUERY = "縦割り"

#: 30 more queries of the kind people type: keywords and whole phrases about
#: loneliness and isolation policy (fixed, so runs compare).
EXTRA_QUERIES: tuple[str, ...] = (
    "居場所",
    "見守り 体制",
    "担当者が少ない",
    "予算の確保が難しい",
    "庁内連携",
    "民間団体との協力",
    "NPO 連携",
    "相談窓口の周知",
    "ひきこもり",
    "高齢者の孤立",
    "若者 孤独",
    "子ども食堂",
    "社会福祉協議会",
    "地域住民の理解",
    "ボランティア 不足",
    "プラットフォームの立ち上げ",
    "参加者が集まらない",
    "会議の運営",
    "情報共有の仕組み",
    "SNS 発信",
    "普及啓発 イベント",
    "実態調査 アンケート",
    "孤立死 予防",
    "多世代交流",
    "人事異動で引き継ぎが難しい",
    "成果が見えにくい",
    "補助金 交付金",
    "関係機関 ネットワーク",
    "官民連携の進め方",
    "支援が届かない人",
)

# Run in child processes: each prints one JSON object to the file named last on its command line.
_BUILD_CHILD = """
import json, sys, time
corpus, index, out = sys.argv[1:4]
t0 = time.perf_counter()
from kodoku_search import SearchEngine
t1 = time.perf_counter()
engine = SearchEngine.open(corpus, index, rebuild="always")
t2 = time.perf_counter()
gen = engine.generation
engine.close()
json.dump({"import_s": t1 - t0, "build_s": t2 - t1, "records": gen.records, "generation": str(gen.path)}, open(out, "w"))
"""

_BUILD_PROCS_CHILD = """
import json, sys, time
from pathlib import Path
corpus, index, procs, out = sys.argv[1:5]
from kodoku_search import index as ix
t0 = time.perf_counter()
gen = ix.build(Path(corpus), Path(index), procs=int(procs))
json.dump({"build_s": time.perf_counter() - t0, "records": gen.records}, open(out, "w"))
"""

_SAME_CHILD = """
import hashlib, json, sys
corpus, index_a, index_b, queries_file, out = sys.argv[1:6]
queries = json.load(open(queries_file, encoding="utf-8"))
from kodoku_search import SearchEngine
def answers(index):
    e = SearchEngine.open(corpus, index, rebuild="never")
    res = [(q, r.total, [(h.id, round(h.score, 9), h.matches) for h in r])
           for q in queries for r in [e.search(q, limit=10)]]
    e.close()
    return res
a, b = answers(index_a), answers(index_b)
json.dump({"same": a == b, "digest": hashlib.sha256(repr(a).encode()).hexdigest()[:12]}, open(out, "w"))
"""

_WARM_CHILD = """
import json, sys, time
corpus, index, queries_file, repeat, out = sys.argv[1:6]
queries = json.load(open(queries_file, encoding="utf-8"))
from kodoku_search import SearchEngine
engine = SearchEngine.open(corpus, index, rebuild="never")
for q in queries:  # untimed: loads Janome, opens the searcher, warms caches
    engine.search(q, limit=10)
times = {q: [] for q in queries}
for _ in range(int(repeat)):
    for q in queries:
        t0 = time.perf_counter()
        engine.search(q, limit=10)
        times[q].append(time.perf_counter() - t0)
json.dump(times, open(out, "w", encoding="utf-8"), ensure_ascii=False)
"""


def query_mix() -> list[str]:
    """The 20 dev queries, then the 30 above."""
    dev = [json.loads(line)["query"] for line in DEV_QUERIES.read_text("utf-8").splitlines() if line.strip()]
    return dev + list(EXTRA_QUERIES)


@dataclass
class ScaleResult:
    scale: int
    records: int
    corpus_mb: float
    build_s: float
    build_runs: int
    records_per_s: float
    index_mb: float
    query_p50_ms: float
    query_p95_ms: float
    query_max_ms: float
    cold_ms: float
    build_peak_mb: float
    warm_peak_mb: float
    cold_peak_mb: float
    rebuilt_during_cold: bool = False


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _child(script: str, args: Sequence[str], out: Path) -> tuple[dict[str, Any], float]:
    """Run a child script; its JSON result and its peak RSS (MB)."""
    argv = [sys.executable, "-c", script, *args, str(out)]
    sample = run_once(argv)
    if sample.returncode != 0:
        done = subprocess.run(argv, capture_output=True, text=True)  # again, to show why
        raise CommandFailed(f"{argv[2:-1]} exited {sample.returncode}\n{done.stderr.strip()[-2000:]}")
    return json.loads(out.read_text("utf-8")), sample.peak_mb


def measure_scale(scale: int, work: Path, *, seed: int, build_runs: int, repeat: int, cold_runs: int,
                  cli: str, log) -> ScaleResult:
    corpus = work / f"corpus-{scale}"
    index = work / f"index-{scale}"
    log(f"scale {scale}: corpus")
    make_corpus(corpus, scale, seed)

    builds: list[dict[str, Any]] = []
    build_peaks: list[float] = []
    for i in range(build_runs):
        log(f"scale {scale}: build {i + 1}/{build_runs}")
        shutil.rmtree(index, ignore_errors=True)  # a fresh directory: no old generation to keep
        result, peak = _child(_BUILD_CHILD, [str(corpus), str(index)], work / "build.json")
        builds.append(result)
        build_peaks.append(peak)
    build_s = statistics.median(b["build_s"] for b in builds)
    records = builds[-1]["records"]
    index_mb = dir_mb(Path(builds[-1]["generation"]))

    log(f"scale {scale}: warm queries")
    queries = query_mix()
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
    times, warm_peak = _child(_WARM_CHILD, [str(corpus), str(index), str(qfile), str(repeat)], work / "warm.json")
    per_query = [statistics.median(ts) * 1000 for ts in times.values()]

    log(f"scale {scale}: cold CLI")
    env = {**os.environ, "KODOKU_SEARCH_CORPUS": str(corpus), "KODOKU_SEARCH_INDEX": str(index)}
    argv = [cli, "search", COLD_QUERY]
    before = live_generation(index)
    check_runs("kodoku-search search", argv, env)  # warm-up; also proves the CLI sees this index
    cold = [run_once(argv, env) for _ in range(cold_runs)]
    if any(s.returncode for s in cold):
        raise CommandFailed(f"kodoku-search search {COLD_QUERY} failed at scale {scale}")

    return ScaleResult(
        scale=scale,
        records=records,
        corpus_mb=round(dir_mb(corpus), 2),
        build_s=round(build_s, 3),
        build_runs=build_runs,
        records_per_s=round(records / build_s, 1),
        index_mb=round(index_mb, 2),
        query_p50_ms=round(percentile(per_query, 50), 2),
        query_p95_ms=round(percentile(per_query, 95), 2),
        query_max_ms=round(max(per_query), 2),
        cold_ms=round(statistics.median(s.seconds for s in cold) * 1000, 1),
        build_peak_mb=round(statistics.median(build_peaks), 1),
        warm_peak_mb=round(warm_peak, 1),
        cold_peak_mb=round(statistics.median(s.peak_mb for s in cold), 1),
        rebuilt_during_cold=live_generation(index) != before,
    )


def compare_single(args) -> int:
    """Build each scale's corpus with one process and with two, alternating
    (median of --build-runs), check that both indexes answer the query mix
    identically, and print throughput and speedup."""
    work_ctx = tempfile.TemporaryDirectory(prefix="kodoku-par-") if args.workdir is None else None
    work = Path(work_ctx.name) if work_ctx else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(query_mix(), ensure_ascii=False), "utf-8")
    lines = ["| scale | records | 1 process s | 2 processes s | speedup | identical results |",
             "|---:|---:|---:|---:|---:|:---:|"]
    out = []
    try:
        for scale in args.scales:
            corpus = work / f"corpus-{scale}"
            make_corpus(corpus, scale, args.seed)
            runs = args.build_runs or (3 if scale <= 10 else 1)
            times: dict[int, list[float]] = {1: [], 2: []}
            records = 0
            for i in range(runs):
                for procs in (1, 2):
                    print(f"scale: {scale}× build {i + 1}/{runs} with {procs} process(es)", file=sys.stderr, flush=True)
                    index = work / f"index-{scale}-{procs}"
                    shutil.rmtree(index, ignore_errors=True)
                    res, _ = _child(_BUILD_PROCS_CHILD, [str(corpus), str(index), str(procs)], work / "b.json")
                    times[procs].append(res["build_s"])
                    records = res["records"]
            same, _ = _child(_SAME_CHILD, [str(corpus), str(work / f"index-{scale}-1"), str(work / f"index-{scale}-2"),
                                           str(qfile)], work / "same.json")
            one, two = statistics.median(times[1]), statistics.median(times[2])
            out.append({"scale": scale, "records": records, "single_s": one, "parallel_s": two,
                        "speedup": one / two, "same": same["same"], "runs": runs})
            lines.append(f"| {scale}× | {records:,} | {one:.1f} | {two:.1f} | {one / two:.2f}× | "
                         f"{'yes' if same['same'] else 'NO'} |")
    except CommandFailed as exc:
        print(f"scale: {exc}", file=sys.stderr)
        return 2
    finally:
        if work_ctx:
            work_ctx.cleanup()
    print(json.dumps(out, indent=2) if args.json else "\n".join(lines))
    return 0


def format_markdown(rows: Sequence[ScaleResult]) -> str:
    head = ("| scale | records | corpus MB | build s | records/s | index MB | query p50 ms | query p95 ms "
            "| cold CLI ms | build peak MB | warm peak MB | cold peak MB |")
    lines = [head, "|" + "---:|" * head.count(" | ") + "---:|"]
    for r in rows:
        flag = " (rebuilt!)" if r.rebuilt_during_cold else ""
        lines.append(
            f"| {r.scale}× | {r.records:,} | {r.corpus_mb:.2f} | {r.build_s:.2f} | {r.records_per_s:,.0f} "
            f"| {r.index_mb:.1f} | {r.query_p50_ms:.1f} | {r.query_p95_ms:.1f} | {r.cold_ms:.0f}{flag} "
            f"| {r.build_peak_mb:.0f} | {r.warm_peak_mb:.0f} | {r.cold_peak_mb:.0f} |"
        )
    return "\n".join(lines)


def parse_scales(text: str) -> list[int]:
    try:
        scales = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"scales are comma-separated integers, not {text!r}") from None
    if not scales or min(scales) < 1:
        raise argparse.ArgumentTypeError("scales must be 1 or more")
    return scales


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=parse_scales, default=[1, 10, 100],
                        help="comma-separated multiples of the real corpus (default 1,10,100; add 1000 for ~90k records)")
    parser.add_argument("--workdir", type=Path,
                        help="keep corpora and indexes here and reuse the corpora next time (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0, help="synthetic corpus seed (default 0)")
    parser.add_argument("--build-runs", type=int, default=None,
                        help="builds per scale, median taken (default 3 up to 10×, else 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each warm query (default 5)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold CLI runs per scale (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--compare-single", action="store_true",
                        help="only compare build throughput: one process vs. both cores, same index, same results")
    args = parser.parse_args(argv)
    if args.compare_single:
        return compare_single(args)

    def log(msg: str) -> None:
        print(f"scale: {msg}", file=sys.stderr, flush=True)

    work_ctx = tempfile.TemporaryDirectory(prefix="kodoku-scale-") if args.workdir is None else None
    work = Path(work_ctx.name) if work_ctx else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    rows: list[ScaleResult] = []
    try:
        cli = kodoku_cli()
        for scale in args.scales:
            build_runs = args.build_runs or (3 if scale <= 10 else 1)
            rows.append(measure_scale(scale, work, seed=args.seed, build_runs=build_runs, repeat=args.repeat,
                                      cold_runs=args.cold_runs, cli=cli, log=log))
    except CommandFailed as exc:
        print(f"scale: {exc}", file=sys.stderr)
        return 2
    finally:
        if work_ctx:
            work_ctx.cleanup()

    notes = [n for n in (PEAK_RSS_NOTE,) if n]
    if any(r.rebuilt_during_cold for r in rows):
        notes.append("an index was rebuilt during the cold runs (the package changed mid-run): rerun")
    if args.json:
        out = {
            "cpus": os.cpu_count(),
            "code": code_version(),
            "python": sys.version.split()[0],
            "seed": args.seed,
            "queries": len(query_mix()),
            "repeat": args.repeat,
            "cold_query": COLD_QUERY,
            "scales": [asdict(r) for r in rows],
            "notes": notes,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_markdown(rows))
        print(f"\nbuild s: inside a fresh process, imports excluded (median of the build runs); query: "
              f"{len(query_mix())} queries × {args.repeat}, p50/p95 of per-query medians; cold CLI: "
              f"`kodoku-search search {COLD_QUERY}`, median of {args.cold_runs}; peaks: per-process peak RSS. "
              f"Code {code_version()}, {os.cpu_count()} CPUs.")
        for n in notes:
            print(f"WARNING: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
