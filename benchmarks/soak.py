"""Soak: reader processes search in a loop while writer processes rebuild the index.

    python benchmarks/soak.py --minutes 1 [--readers 4] [--writers 1] [--modes fresh,long]

Two versions of the corpus are made in a scratch directory: A (the bundled
corpus) and B (A plus two JSONL records that match the soak queries). Writer
processes rebuild one shared index directory over and over, alternating A and
B. Reader processes search it in a loop, each in one of these modes:

* ``fresh``: open the index afresh for every round of searches, as each
  ``kodoku-search search`` does;
* ``long``: one engine opened at the start and kept, as a server would;
* ``lazy``: open an engine, wait a random moment (up to a second), then search:
  a long-lived engine whose first search comes after some rebuilds.

Every search must succeed and return exactly the (total, ids) that version A or
version B gives: a complete result set from the old or the new index. With
``--same-corpus`` the writers rebuild A only, readers open with rebuild="auto"
and every result must equal A's.

Prints searches done, failures (with the first few), rebuilds done; exit
status 1 if anything failed. Nothing is written outside the scratch directory,
which is removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUERIES = ("縦割り", "雪かき 除雪", "庁内連携", "他部署の理解を得るのが難しい")
EXTRA_RECORDS = [
    {"id": "soak/1", "city": "架空市", "prefecture": "北海道", "theme": "general", "polarity": "hard",
     "text": "雪かきボランティアの確保と縦割りの解消に苦労しました。"},
    {"id": "soak/2", "city": "架空市", "prefecture": "北海道", "theme": "platform", "polarity": "good",
     "text": "除雪を通じて庁内連携が進みました。"},
]
MODES = ("fresh", "long", "lazy")

READER = r"""
import json, random, sys, time
from pathlib import Path
cfg = json.loads(sys.argv[1])
from kodoku_search import SearchEngine
expected = cfg["expected"]            # query -> {version: [total, ids]}
deadline = time.monotonic() + cfg["seconds"]
rnd = random.Random(cfg["seed"])
searches = 0
failures = []
versions = {}
engine = None

def check(eng):
    global searches
    possible = None  # the versions every query of this round is consistent with
    for q in cfg["queries"]:
        r = eng.search(q, limit=1000)
        got = [r.total, [h.id for h in r.hits]]
        match = {v for v, want in expected[q].items() if got == want}
        searches += 1
        if not match:
            failures.append(f"{q!r}: total {r.total}, expected one of "
                            f"{ {v: w[0] for v, w in expected[q].items()} }")
            return
        possible = match if possible is None else possible & match
        if not possible:  # one engine, one generation: never a mix of two versions
            failures.append(f"{q!r}: one engine gave results of two corpus versions")
            return
    key = "|".join(sorted(possible))
    versions[key] = versions.get(key, 0) + 1

hard_deadline = deadline + cfg["grace"]
done_files = [Path(f) for f in cfg["writers_done"]]

def writers_busy():  # keep reading while a writer still owes its minimum of rebuilds
    return not all(f.exists() for f in done_files)

while ((time.monotonic() < deadline or writers_busy()) and time.monotonic() < hard_deadline
       and searches < cfg["max_searches"]):
    try:
        if cfg["mode"] == "long":
            if engine is None:
                engine = SearchEngine.open(cfg["corpus"], cfg["index"], rebuild=cfg["rebuild"])
            check(engine)
        else:
            eng = SearchEngine.open(cfg["corpus"], cfg["index"], rebuild=cfg["rebuild"])
            try:
                if cfg["mode"] == "lazy":
                    time.sleep(rnd.uniform(0, 1.0))
                check(eng)
                notes = [n for n in eng.notes if "damaged" in n or "rebuilt" in n]
                if notes:
                    failures.append("reader had to rebuild: " + notes[0])
            finally:
                eng.close()
    except Exception as e:  # anything at all is a failure, KodokuError included
        failures.append(f"{type(e).__module__}.{type(e).__name__}: {e}")
        time.sleep(0.05)
if engine is not None:
    engine.close()
print(json.dumps({"searches": searches, "failures": failures[:20], "nfailures": len(failures),
                  "versions": versions}), flush=True)
"""

WRITER = r"""
import json, sys, time
from pathlib import Path
cfg = json.loads(sys.argv[1])
from kodoku_search import index as ix
deadline = time.monotonic() + cfg["seconds"]
rebuilds = 0
failures = []
k = cfg["offset"]
hard_deadline = deadline + cfg["grace"]
# A slow machine still does its minimum of rebuilds (the readers wait for it), up to the grace time.
while ((time.monotonic() < deadline or rebuilds < cfg["min_rebuilds"]) and time.monotonic() < hard_deadline
       and rebuilds < cfg["max_rebuilds"]):
    corpus = cfg["corpora"][k % len(cfg["corpora"])]
    k += 1
    try:
        gen = ix.build(Path(corpus), Path(cfg["index"]), force=True)
        if gen.records != cfg["records"][corpus]:
            failures.append(f"built {gen.records} records from {corpus}, expected {cfg['records'][corpus]}")
        rebuilds += 1
    except Exception as e:
        failures.append(f"{type(e).__module__}.{type(e).__name__}: {e}")
        time.sleep(0.05)
    if cfg["pause"]:
        time.sleep(cfg["pause"])
Path(cfg["done"]).touch()
print(json.dumps({"rebuilds": rebuilds, "failures": failures[:20], "nfailures": len(failures)}), flush=True)
"""


def make_corpora(work: Path) -> tuple[Path, Path]:
    """A: a copy of the bundled corpus; B: A plus EXTRA_RECORDS."""
    a, b = work / "corpus-A", work / "corpus-B"
    for d in (a, b):
        d.mkdir()
        for p in (ROOT / "corpus").iterdir():
            if p.is_file():
                shutil.copy(p, d / p.name)
    (b / "soak-extra.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in EXTRA_RECORDS), "utf-8")
    return a, b


def expected_results(corpora: dict[str, Path], work: Path, queries=QUERIES) -> tuple[dict, dict]:
    """For each query and version: [total, ids] with limit=1000; and records per corpus."""
    from kodoku_search import SearchEngine

    expected: dict[str, dict[str, list]] = {q: {} for q in queries}
    records: dict[str, int] = {}
    for version, corpus in corpora.items():
        with SearchEngine.open(corpus, work / f"expected-{version}", rebuild="always") as e:
            records[str(corpus)] = e.generation.records
            for q in queries:
                r = e.search(q, limit=1000)
                expected[q][version] = [r.total, [h.id for h in r.hits]]
    return expected, records


def _spawn(code: str, cfg: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(cfg, ensure_ascii=False)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def _collect(p: subprocess.Popen, timeout: float) -> dict[str, Any]:
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return {"crashed": f"did not finish within {timeout:.0f} s", "stderr": err[-2000:]}
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"crashed": f"exit status {p.returncode}", "stderr": err[-2000:]}
    return json.loads(lines[-1])


def run(seconds: float = 60, readers: int = 4, writers: int = 1, modes=("fresh", "long"),
        same_corpus: bool = False, workdir: str | Path | None = None, keep: bool = False,
        max_searches: int = 10_000_000, max_rebuilds: int = 1_000_000, pause: float = 0.0,
        seed: int = 0, min_rebuilds: int = 0, grace: float = 60.0) -> dict[str, Any]:
    """Run the scenario for ``seconds``; return counts and the first failures.

    Each writer goes on past ``seconds`` until it has rebuilt ``min_rebuilds`` times
    (at most ``grace`` seconds more) and the readers read until the writers are done,
    so a loaded machine lengthens the run instead of proving less.
    """
    for m in modes:
        if m not in MODES:
            raise ValueError(f"unknown reader mode {m!r}; modes: {', '.join(MODES)}")
    work = Path(tempfile.mkdtemp(prefix="kodoku-soak-", dir=workdir))
    procs: list[tuple[str, subprocess.Popen]] = []
    try:
        a, b = make_corpora(work)
        corpora = {"A": a} if same_corpus else {"A": a, "B": b}
        t0 = time.perf_counter()
        expected, records = expected_results(corpora, work)
        if not same_corpus and all(v["A"] == v["B"] for v in expected.values()):
            raise RuntimeError("versions A and B give the same results: the soak would prove nothing")
        index = work / "index"
        from kodoku_search import index as ix

        ix.build(a, index)  # readers start on a complete index
        setup = time.perf_counter() - t0
        done = [work / f"writer-{w}.done" for w in range(writers)]
        for w in range(writers):
            cfg = {"corpora": [str(c) for c in corpora.values()], "index": str(index), "seconds": seconds,
                   "records": records, "offset": w + 1, "max_rebuilds": max_rebuilds, "pause": pause,
                   "min_rebuilds": min_rebuilds, "grace": grace, "done": str(done[w])}
            procs.append(("writer", _spawn(WRITER, cfg)))
        for r in range(readers):
            mode = modes[r % len(modes)]
            cfg = {"corpus": str(a), "index": str(index), "seconds": seconds, "mode": mode,
                   "rebuild": "auto" if same_corpus else "never", "expected": expected,
                   "queries": list(QUERIES), "max_searches": max_searches, "seed": seed * 1000 + r,
                   "grace": grace, "writers_done": [str(f) for f in done]}
            procs.append((f"reader-{mode}", _spawn(READER, cfg)))
        results = [(kind, _collect(p, timeout=seconds + grace + 120)) for kind, p in procs]
        searches = sum(r.get("searches", 0) for k, r in results if k.startswith("reader"))
        rebuilds = sum(r.get("rebuilds", 0) for k, r in results if k == "writer")
        failures: list[str] = []
        nfail = 0
        versions: dict[str, int] = {}
        per_mode: dict[str, dict[str, int]] = {}
        for kind, r in results:
            if "crashed" in r:
                nfail += 1
                failures.append(f"{kind} crashed ({r['crashed']}): {r['stderr'][-500:]}")
                continue
            nfail += r["nfailures"]
            failures += [f"{kind}: {f}" for f in r["failures"]]
            for v, n in r.get("versions", {}).items():
                versions[str(v)] = versions.get(str(v), 0) + n
            if kind.startswith("reader"):
                m = per_mode.setdefault(kind[len("reader-"):], {"searches": 0, "failures": 0})
                m["searches"] += r["searches"]
                m["failures"] += r["nfailures"]
        # The index the writers leave must be complete.
        final = ix.current_generation(index)
        final_ok = final is not None and final.records in records.values()
        leftovers = sorted(p.name for p in index.iterdir() if p.name.startswith(".build-"))
        return {
            "seconds": seconds, "setup_seconds": round(setup, 2), "readers": readers, "writers": writers,
            "modes": list(modes), "same_corpus": same_corpus,
            "searches": searches, "failures": nfail, "failure_examples": failures[:10],
            "rebuilds": rebuilds, "versions_seen": versions, "per_mode": per_mode,
            "final_index_complete": final_ok, "leftover_builds": leftovers,
            "workdir": str(work) if keep else None,
        }
    finally:
        for _, p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0, help="how long to run (default 1)")
    ap.add_argument("--seconds", type=float, help="how long to run, in seconds (overrides --minutes)")
    ap.add_argument("--readers", type=int, default=4, help="reader processes (default 4)")
    ap.add_argument("--writers", type=int, default=1, help="rebuilding processes (default 1)")
    ap.add_argument("--modes", default="fresh,long", help=f"reader modes, comma-separated: {', '.join(MODES)}")
    ap.add_argument("--same-corpus", action="store_true", help="rebuild one corpus version only (readers use rebuild=auto)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if seconds <= 0 or args.readers < 0 or args.writers < 0:
        ap.error("--minutes/--seconds must be positive, --readers and --writers 0 or more")
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    try:
        s = run(seconds, args.readers, args.writers, modes, args.same_corpus, keep=args.keep, seed=args.seed)
    except ValueError as e:
        ap.error(str(e))
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
    else:
        print(f"soak: {s['seconds']:.0f} s, {s['readers']} readers ({', '.join(s['modes'])}), "
              f"{s['writers']} writer(s), {'one corpus' if s['same_corpus'] else 'corpus A/B alternating'}")
        print(f"searches done:  {s['searches']}")
        for m, c in s["per_mode"].items():
            print(f"  {m:<6} {c['searches']} searches, {c['failures']} failures")
        print(f"failures:       {s['failures']}")
        for f in s["failure_examples"]:
            print(f"  {f}")
        print(f"rebuilds done:  {s['rebuilds']}")
        print(f"result sets by version: {s['versions_seen']}")
        print(f"final index complete: {s['final_index_complete']}; leftover partial builds: {len(s['leftover_builds'])}")
        if s["workdir"]:
            print(f"kept: {s['workdir']}")
    ok = s["failures"] == 0 and s["final_index_complete"] and not s["leftover_builds"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
