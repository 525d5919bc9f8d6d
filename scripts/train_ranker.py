"""Train the learned re-ranker (kodoku_search/rerank.py) on the judgment sets.

    pip install lightgbm numpy        # needed here only, never to search
    python scripts/train_ranker.py                    # train on every set, write kodoku_search/data/ranker.bin
    python scripts/train_ranker.py --folds            # also: fit on even sets, score odd ones, and back
    python scripts/train_ranker.py --exclude blind74,blind75 --out /tmp/r.bin

Each judged query is searched with the re-ranker off; its first RERANK_DEPTH
matches become training rows (rerank.features), labelled with the grade the
judgments give them (0 where none). LightGBM's LambdaMART fits trees that order
each query's rows by grade (nDCG@10). The trees are written as flat node lists
that rerank.Ranker walks without LightGBM.

``--held SETS`` measures a model as a new batch of judgments is measured on
arrival: it is fitted on every other set (less ``--exclude``), and the engine,
with that model in place of the shipped one, answers the held sets' queries as a
user would see them (related records included); it prints their nDCG@10, Recall@10
and MRR@10 next to the first stage's, and writes the model to ``--out``.

    python scripts/train_ranker.py --held blind126,blind127,blind128,blind129 \
        --out /tmp/held.bin      # stop 22's batch, by a model of the 126 sets before it

Name the newest sets: a model fitted on sets written after the held ones has seen
more than the model that met them (``--exclude`` those later sets to rebuild it).

``--folds`` is how to tell whether the model generalises: the sets are split by
number (even / odd; dev goes with even), a model is fitted on one half and
scored on the other, where none of its queries were seen; the report gives
nDCG@10 there with the re-ranker off and on, also for the queries whose text
no training query had.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAMS = {  # chosen by --folds (benchmarks/README.md, stop 16)
    "objective": "lambdarank",
    "metric": "ndcg",
    "ndcg_eval_at": [10],
    "lambdarank_truncation_level": 20,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "seed": 1,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 200


def set_number(name: str) -> int:
    m = re.search(r"(\d+)$", name)
    return int(m.group(1)) if m else 0


def collect(engine, files: list[Path]):
    """Per set: [(judgment, first-stage hits, feature rows, grades)]."""
    from kodoku_search.evaluate import load_judgments, passage_matches
    from kodoku_search.rerank import features
    from kodoku_search.search import RERANK_DEPTH

    out = {}
    for f in files:
        rows = []
        for j in load_judgments(f):
            r = engine.search(j.query, limit=RERANK_DEPTH, explain=True, rerank=False, related=False, **j.filters())
            hits = list(r.hits)
            # (matched_at: where the words matched, as the search's ranker reads them; the page marks fewer)
            cands = [(h.score, h.explanation, h.polarity, h.theme, h.section, h.city, len(h.text),
                      h.explanation.matched_at) for h in hits]
            rd = r.reading
            x = features(cands, None if r.filters.polarity else rd.polarity, None if r.filters.theme else rd.theme,
                         len(rd.words))
            y = [max([p.grade for p in j.relevant if p.city == h.city and passage_matches(h.text, p.text)] or [0])
                 for h in hits]
            rows.append((j, hits, x, y))
        out[f.stem.removeprefix("queries_")] = rows
    return out


def fit(data: dict, names: list[str]):
    import lightgbm as lgb
    import numpy as np

    from kodoku_search.rerank import FEATURES, MONOTONE

    params = {**PARAMS, "monotone_constraints": [1 if f in MONOTONE else 0 for f in FEATURES]}

    X, y, groups = [], [], []
    for n in names:
        for _, _, x, g in data[n]:
            if x:
                X += x
                y += g
                groups.append(len(x))
    return lgb.train(params, lgb.Dataset(np.array(X, float), np.array(y), group=groups), num_boost_round=ROUNDS)


def export(booster):
    """LightGBM's trees as rerank.Ranker's flat arrays (node: feature, threshold, left, right;
    a child < 0 is leaf ~child)."""
    from array import array

    from kodoku_search.rerank import FEATURES, Ranker

    feature, threshold, left, right = array("H"), array("d"), array("i"), array("i")
    leaf, roots, value = array("d"), array("i"), array("d")

    def walk(t) -> int:
        if "leaf_value" in t:
            leaf.append(t["leaf_value"])
            return ~(len(leaf) - 1)
        if t.get("decision_type", "<=") != "<=":
            raise SystemExit(f"unexpected split {t.get('decision_type')!r}: only numeric <= splits are read")
        i = len(feature)
        feature.append(t["split_feature"])
        threshold.append(t["threshold"])
        value.append(t["internal_value"])
        left.append(0)
        right.append(0)
        left[i] = walk(t["left_child"])
        right[i] = walk(t["right_child"])
        return i

    for info in booster.dump_model()["tree_info"]:
        roots.append(walk(info["tree_structure"]))
    return Ranker({"features": list(FEATURES)}, feature, threshold, left, right, leaf, roots, value)


def score_with(ranker, data: dict, names: list[str], seen_queries: set[str]):
    """Mean nDCG@10 over the named sets: first stage, re-ranked; and the same over novel queries only."""
    from kodoku_search.evaluate import score_ranking
    from kodoku_search.rerank import order

    res = {"all": [], "novel": []}
    for n in names:
        for j, hits, x, _ in data[n]:
            before = score_ranking(j, hits[:10]).ndcg
            after = before
            if ranker and hits:
                after = score_ranking(j, [hits[i] for i, _ in order(ranker, x)][:10]).ndcg
            res["all"].append((before, after))
            if j.query not in seen_queries:
                res["novel"].append((before, after))
    return {k: (len(v), sum(a for a, _ in v) / max(1, len(v)), sum(b for _, b in v) / max(1, len(v)))
            for k, v in res.items()}


def score_held(engine, model, files: list[Path]) -> None:
    """The held sets as a user meets them: the engine's pages with ``model`` ranking them,
    and the first stage's (``rerank=False``), per set and over all their queries."""
    from kodoku_search import rerank
    from kodoku_search.evaluate import evaluate, load_judgments

    shipped = rerank.ranker
    rerank.ranker = lambda: model  # (search.py looks the model up here on every search)
    try:
        totals: dict[str, list] = {"engine": [], "first stage": []}
        for f in files:
            js = load_judgments(f)
            line = [f"{f.stem.removeprefix('queries_'):10s}"]
            for label, kw in (("engine", {}), ("first stage", {"rerank": False})):
                rep = evaluate(js, lambda j: engine.search(j.query, limit=10, **kw, **j.filters()).ranked)
                totals[label] += rep.per_query
                line.append(f"{label} {rep.ndcg:.3f} / {rep.recall:.3f} / {rep.mrr:.3f}")
            print("  ".join(line), flush=True)
        for label, qs in totals.items():
            n = max(1, len(qs))
            print(f"{label}, all {len(qs)} held queries: nDCG@10 {sum(q.ndcg for q in qs) / n:.4f}  "
                  f"Recall@10 {sum(q.recall for q in qs) / n:.4f}  MRR@10 {sum(q.mrr for q in qs) / n:.4f}")
    finally:
        rerank.ranker = shipped


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=str(ROOT / "benchmarks"), help="directory of queries_*.jsonl judgment sets")
    ap.add_argument("--exclude", default="", help="comma-separated set names to leave out (e.g. blind74,blind75)")
    ap.add_argument("--out", help="where to write the model (default: the shipped kodoku_search/data/ranker.bin)")
    ap.add_argument("--folds", action="store_true", help="report even→odd and odd→even held-out figures")
    ap.add_argument("--held", help="comma-separated sets to fit without and then score, as on arrival")
    args = ap.parse_args(argv)

    from kodoku_search import SearchEngine
    from kodoku_search.rerank import MONOTONE

    skip = {s.strip() for s in args.exclude.split(",") if s.strip()}
    shipped = ROOT / "kodoku_search" / "data" / "ranker.bin"
    out = Path(args.out) if args.out else shipped
    held = {s.strip() for s in (args.held or "").split(",") if s.strip()}
    if args.held is not None:
        if not held:
            raise SystemExit("--held names no set: give the sets to score, e.g. --held blind116,blind117")
        if not args.out or out.resolve() == shipped.resolve():
            raise SystemExit("--held fits a model without those sets: name where it goes with --out, "
                             "not the shipped model's file (it stays as it is)")
    every = {p.stem.removeprefix("queries_"): p for p in Path(args.sets).glob("queries_*.jsonl")}
    if held - every.keys():
        raise SystemExit(f"no such set in {args.sets}: {', '.join(sorted(held - every.keys()))}")
    files = sorted(p for n, p in every.items() if n not in skip | held)
    engine = SearchEngine.open(ROOT / "corpus")
    data = collect(engine, files)
    names = sorted(data)
    print(f"{len(names)} sets, {sum(len(v) for v in data.values())} queries, "
          f"{sum(len(x) for v in data.values() for _, _, x, _ in v)} rows", flush=True)
    if args.folds:
        even = [n for n in names if set_number(n) % 2 == 0]
        odd = [n for n in names if set_number(n) % 2 == 1]
        for train, test, label in ((even, odd, "even → odd"), (odd, even, "odd → even")):
            model = export(fit(data, train))
            seen = {j.query for n in train for j, *_ in data[n]}
            r = score_with(model, data, test, seen)
            for k, (count, before, after) in r.items():
                print(f"{label} {k:5s} {count:4d} queries: nDCG@10 {before:.4f} → {after:.4f} ({after - before:+.4f})")
    model = export(fit(data, names))
    header = {"trained_on": f"{len(names)} judgment sets, {sum(len(v) for v in data.values())} queries",
              "params": PARAMS, "rounds": ROUNDS,
              "monotone": sorted(MONOTONE)}
    out.write_bytes(model.to_bytes(header))
    print(f"wrote {out}: {len(model.roots)} trees, {len(model.feature)} nodes, {len(model.leaf)} leaves")
    if held:
        score_held(engine, model, [every[n] for n in sorted(held, key=set_number)])


if __name__ == "__main__":
    main()
