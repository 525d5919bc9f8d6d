"""How far apart two people judging the same queries are: the ceiling for any engine.

    python benchmarks/agreement.py                 # every set in benchmarks/second_judge/
    python benchmarks/agreement.py --json

Each file in ``second_judge/`` holds the queries of a ``queries_blindNN.jsonl``
set judged again, from the source alone, by a second person who never saw the
first judgments. For each query the second judge's passages become a ranking
(grade 2 first, then grade 1, in the order listed, each mapped to the records it
matches) and that ranking is scored against the first judge's grades with the
same metrics as ``relevance.py`` (and the other way round). A perfect engine
can only agree with a judge as well as another judge does, so this is the
figure to read the engine's unseen nDCG@10 against. kodoku-search's own scores
under each judge are printed alongside.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from kodoku_search.corpus import load_corpus  # noqa: E402
from kodoku_search.evaluate import (  # noqa: E402
    Judgment,
    evaluate,
    load_judgments,
    normalize_for_match,
    passage_matches,
)
from kodoku_search.records import Snippet  # noqa: E402

K = 10


def judge_ranking(judgment: Judgment, records: list[Snippet]) -> list[Snippet]:
    """The records a judge listed, as a ranking: grade 2 first, in the judge's order."""
    out: list[Snippet] = []
    for grade in (2, 1):
        for p in judgment.relevant:
            if p.grade != grade:
                continue
            for r in records:
                if r in out or normalize_for_match(r.city) != normalize_for_match(p.city):
                    continue
                theme = p.theme or judgment.theme
                if theme is not None and r.theme != theme:
                    continue
                if passage_matches(r.text, p.text):
                    out.append(r)
    return out


def _means(report) -> dict[str, float]:
    return {"ndcg": report.ndcg, "recall": report.recall, "mrr": report.mrr}


def compare(first: list[Judgment], second: list[Judgment], records: list[Snippet], search) -> dict:
    by_qid = {j.qid: j for j in second}
    missing = [j.qid for j in first if j.qid not in by_qid]
    if missing:
        raise SystemExit(f"second judge has no judgment for {', '.join(missing)}")
    pairs = [(j, by_qid[j.qid]) for j in first]
    a_judges_b = evaluate([a for a, _ in pairs], lambda j: judge_ranking(by_qid[j.qid], records), k=K)
    first_by_qid = {j.qid: j for j in first}
    b_judges_a = evaluate([b for _, b in pairs], lambda j: judge_ranking(first_by_qid[j.qid], records), k=K)
    engine_a = evaluate([a for a, _ in pairs], search, k=K)
    engine_b = evaluate([b for _, b in pairs], search, k=K)
    return {
        "queries": len(pairs),
        "second_judge_under_first": _means(a_judges_b),
        "first_judge_under_second": _means(b_judges_a),
        "engine_under_first": _means(engine_a),
        "engine_under_second": _means(engine_b),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per set")
    ap.add_argument("--no-rerank", action="store_true", help="the engine's first stage alone (no learned ranker)")
    args = ap.parse_args(argv)
    from kodoku_search import SearchEngine

    records = list(load_corpus().records)
    engine = SearchEngine.open()

    def search(j: Judgment):
        return list(engine.search(j.query, limit=K, rerank=not args.no_rerank, **j.filters()).ranked)

    rows = []
    for path in sorted((HERE / "second_judge").glob("*.jsonl")):
        first = load_judgments(HERE / f"queries_{path.stem}.jsonl")
        row = {"set": path.stem, **compare(first, load_judgments(path), records, search)}
        rows.append(row)
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
    if not args.json:
        print("nDCG@10 / Recall@10 / MRR@10; 'judge 2 | 1' = judge 2's passages ranked, scored by judge 1")
        print(f"{'set':10s} {'judge 2 | 1':>20s} {'judge 1 | 2':>20s} {'engine | 1':>20s} {'engine | 2':>20s}")
        fmt = lambda m: f"{m['ndcg']:.3f}/{m['recall']:.3f}/{m['mrr']:.3f}"  # noqa: E731
        for r in rows:
            print(f"{r['set']:10s} {fmt(r['second_judge_under_first']):>20s} {fmt(r['first_judge_under_second']):>20s}"
                  f" {fmt(r['engine_under_first']):>20s} {fmt(r['engine_under_second']):>20s}")
        n = len(rows)
        if n:
            keys = ("second_judge_under_first", "first_judge_under_second", "engine_under_first", "engine_under_second")
            mean = {k: {m: sum(r[k][m] for r in rows) / n for m in ("ndcg", "recall", "mrr")} for k in keys}
            print(f"{'mean':10s}" + "".join(f" {fmt(mean[k]):>20s}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
