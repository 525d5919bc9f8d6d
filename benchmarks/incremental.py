"""Incremental updates: adding or changing one corpus file re-indexes that file only.

    .venv/bin/python benchmarks/incremental.py [--scale 100] [--workdir DIR] [--runs 3] [--json]

On a synthetic corpus of N × the real records (synth.make_corpus: the real
document plus synth-0001.jsonl … of up to 10,000 records each), in a scratch
copy, each step timed in a fresh process as `SearchEngine.open()` (rebuild
"auto", what every search does first) and compared with the full build of the
same corpus, measured in the same run:

1. **full build** (`rebuild="always"`): the baseline;
2. **no change**: open an index that is up to date (the fingerprint check);
3. **add a file** of 90 records (`extra.jsonl`);
4. **change that small file** (one record edited);
5. **change one large file** (one record edited in synth-0001.jsonl);
6. **remove the small file**.

After the last step the updated index is compared with a full build of the
final corpus: the 50-query mix of scale.py must give the same ids and scores.
Prints, per step, the median seconds, records re-read, and the share of the
full build's time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from scale import query_mix  # noqa: E402
from synth import make_corpus  # noqa: E402

_OPEN = r"""
import json, sys, time
from pathlib import Path
from kodoku_search import SearchEngine
from kodoku_search import index as ix
corpus, index, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
reread = []
real = ix._plan
def plan(*a, **k):
    files, base = real(*a, **k)
    reread.extend(len(fr.records) for _, fr in files.values() if fr is not None)
    return files, base
ix._plan = plan
t = time.perf_counter()
e = SearchEngine.open(corpus, index, rebuild=mode)
took = time.perf_counter() - t
print(json.dumps({"s": took, "records": e.generation.records, "reread": sum(reread), "notes": e.notes}))
"""

_RESULTS = r"""
import json, sys
from kodoku_search import SearchEngine
corpus, index, queries = sys.argv[1], sys.argv[2], json.loads(open(sys.argv[3], encoding="utf-8").read())
with SearchEngine.open(corpus, index, rebuild="never") as e:
    out = [[(h.id, round(h.score, 6)) for h in e.search(q, limit=50).hits] for q in queries]
print(json.dumps(out, ensure_ascii=False))
"""


def run(code: str, *args: str) -> dict | list:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"incremental: a step failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def edit_one_record(path: Path) -> None:
    """Change the text of the file's first record (same id): a real edit."""
    lines = path.read_text("utf-8").split("\n")
    rec = json.loads(lines[0])
    rec["text"] = rec["text"] + "（更新）"
    lines[0] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines), "utf-8")


def extra_records(n: int = 90) -> str:
    from kodoku_search.corpus import load_corpus

    real = load_corpus(ROOT / "corpus").records
    out = []
    for i in range(n):
        r = real[i % len(real)]
        out.append(json.dumps({"id": f"extra/{i + 1}", "city": r.city, "prefecture": r.prefecture, "theme": r.theme,
                               "polarity": r.polarity, "text": r.text + f"（追加{i + 1}）"}, ensure_ascii=False))
    return "\n".join(out) + "\n"


def one_run(src: Path, work: Path) -> dict[str, dict]:
    corpus, index = work / "corpus", work / "index"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(src, corpus)
    big = sorted(corpus.glob("synth-*.jsonl"))[0]
    steps: dict[str, dict] = {}
    steps["full build"] = run(_OPEN, str(corpus), str(index), "always")
    steps["no change"] = run(_OPEN, str(corpus), str(index), "auto")
    (corpus / "extra.jsonl").write_text(extra_records(), "utf-8")
    steps["add a file (90 records)"] = run(_OPEN, str(corpus), str(index), "auto")
    edit_one_record(corpus / "extra.jsonl")
    steps["change the small file"] = run(_OPEN, str(corpus), str(index), "auto")
    edit_one_record(big)
    steps[f"change one large file ({big.name})"] = run(_OPEN, str(corpus), str(index), "auto")
    (corpus / "extra.jsonl").unlink()
    steps["remove the small file"] = run(_OPEN, str(corpus), str(index), "auto")
    return steps


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=100, help="N × the real corpus (default 100: 9,000 records)")
    ap.add_argument("--workdir", type=Path, help="keep the synthetic corpus here and reuse it (default: a temp dir)")
    ap.add_argument("--runs", type=int, default=3, help="runs, median taken (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="kodoku-inc-") if args.workdir is None else None
    base = Path(tmp.name) if tmp else args.workdir
    try:
        src = make_corpus(base / f"corpus-{args.scale}", args.scale, args.seed)
        runs = []
        for i in range(args.runs):
            print(f"incremental: run {i + 1}/{args.runs}", file=sys.stderr, flush=True)
            runs.append(one_run(src, base / "inc"))
        # The updated index must answer exactly as a full build of the final corpus.
        final = base / "inc"
        qfile = base / "queries.json"
        qfile.write_text(json.dumps(query_mix(), ensure_ascii=False), "utf-8")
        updated = run(_RESULTS, str(final / "corpus"), str(final / "index"), str(qfile))
        run(_OPEN, str(final / "corpus"), str(final / "full"), "always")
        full = run(_RESULTS, str(final / "corpus"), str(final / "full"), str(qfile))
        same = updated == full
    finally:
        if tmp:
            tmp.cleanup()
    names = list(runs[0])
    table = []
    full_s = statistics.median(r["full build"]["s"] for r in runs)
    for name in names:
        s = statistics.median(r[name]["s"] for r in runs)
        table.append({"step": name, "s": s, "reread": runs[0][name]["reread"], "records": runs[0][name]["records"],
                      "share": s / full_s})
    if args.json:
        print(json.dumps({"scale": args.scale, "runs": args.runs, "steps": table, "same_as_full_build": same},
                         ensure_ascii=False, indent=2))
    else:
        print(f"Incremental updates at {args.scale}× ({table[0]['records']:,} records), median of {args.runs} runs\n")
        print("| step | s | records re-read | × full build |")
        print("|---|---:|---:|---:|")
        for row in table:
            print(f"| {row['step']} | {row['s']:.2f} | {row['reread']:,} | {row['share']:.3f} |")
        print(f"\nupdated index answers the 50-query mix exactly as a full build: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
