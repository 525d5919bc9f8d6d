"""Synthetic corpora N× the size of the real one, for measuring how kodoku-search scales.

    python benchmarks/synth.py --scale 100 --out /tmp/corpus-100   # 9,000 records
    python benchmarks/synth.py --records 25000 --out /tmp/c --seed 1

The output directory holds a copy of the real ``advice-2025-10.txt`` (so every
scale includes the real document, and scale 1 *is* the real corpus) plus
``synth-0001.jsonl`` … files of at most 10,000 records each, so the corpus
totals N × 90 records.

Synthetic snippets are made from the real ones, so Janome sees the same kind of
text and the index the same kind of vocabulary: the real texts are split into
sentences at 。, and each snippet recombines 1–4 sentences drawn from real
records of the same theme and polarity, now and then splicing two sentences at
a 、. Cities are a deterministic sample of real municipalities from the
gazetteer (with their prefectures); themes, polarities and sections follow the
real corpus's proportions. The same ``--seed`` always gives the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script from anywhere: use this checkout's package, not an installed copy.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REAL_DOCUMENT = ROOT / "corpus" / "advice-2025-10.txt"
GAZETTEER = ROOT / "kodoku_search" / "data" / "municipalities.tsv"
RECORDS_PER_FILE = 10_000
MANIFEST = "synth.json"
#: Bump when the generator's output changes, so a reused --workdir is regenerated.
GENERATOR_VERSION = 1

#: How many sentences a synthetic snippet joins (the real corpus: mostly one).
SENTENCE_COUNTS = (1, 2, 3, 4)
SENTENCE_WEIGHTS = (0.62, 0.24, 0.09, 0.05)
SPLICE_RATE = 0.12  # share of sentences made of two real ones joined at a 、
RECORDS_PER_CITY = 6.4  # the real corpus: 90 records over 14 municipalities


@dataclass(frozen=True)
class Source:
    """What the generator learns from the real corpus."""

    count: int  # records the real document parses into
    sentences: dict[tuple[str, str], tuple[str, ...]]  # (theme, polarity) → sentences
    mix: tuple[tuple[tuple[str, str], int], ...]  # (theme, polarity) → record count
    sections: tuple[str, ...]  # section names, one entry per real record that has one
    section_rate: float


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。 (a trailing fragment without one is a sentence too)."""
    parts = [p.strip() for p in text.split("。")]
    out = [p + "。" for p in parts[:-1] if p]
    if parts[-1]:
        out.append(parts[-1])
    return out


def learn(document: Path = REAL_DOCUMENT) -> Source:
    """Sentences, label proportions and sections of the real document's records."""
    from kodoku_search.parser import parse_document

    records = parse_document(document.read_text("utf-8-sig"), document.name).records
    pools: dict[tuple[str, str], list[str]] = {}
    for r in records:
        pools.setdefault((r.theme, r.polarity), []).extend(split_sentences(r.text))
    mix = Counter((r.theme, r.polarity) for r in records)
    sections = tuple(r.section for r in records if r.section)
    return Source(
        count=len(records),
        sentences={k: tuple(v) for k, v in sorted(pools.items())},
        mix=tuple(sorted(mix.items())),
        sections=sections,
        section_rate=len(sections) / len(records),
    )


def municipalities(path: Path = GAZETTEER) -> list[tuple[str, str]]:
    """(name, prefecture) for every municipality in the gazetteer, in file order."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, prefecture = line.split("\t")[:2]
        out.append((name.strip(), prefecture.strip()))
    return out


def _splice(rng: random.Random, a: str, b: str) -> str:
    """The head of ``a`` up to one of its 、 followed by the tail of ``b`` after one of its 、."""
    heads = [i for i, c in enumerate(a) if c == "、"]
    tails = [i for i, c in enumerate(b) if c == "、"]
    if not heads or not tails:
        return a
    return a[: rng.choice(heads) + 1] + b[rng.choice(tails) + 1 :]


def _snippet(rng: random.Random, pool: Sequence[str]) -> str:
    n = rng.choices(SENTENCE_COUNTS, SENTENCE_WEIGHTS)[0]
    parts = []
    for _ in range(n):
        s = rng.choice(pool)
        if rng.random() < SPLICE_RATE:
            s = _splice(rng, s, rng.choice(pool))
        parts.append(s)
    return "".join(parts)


def generate(count: int, seed: int = 0, source: Source | None = None) -> Iterator[dict]:
    """``count`` synthetic records, grouped by city like the real document."""
    src = source or learn()
    rng = random.Random(seed)
    places = municipalities()
    n_cities = min(len(places), max(1, round(count / RECORDS_PER_CITY)))
    cities = sorted(rng.sample(places, n_cities), key=lambda p: (p[1], p[0]))
    labels = [k for k, _ in src.mix]
    weights = [w for _, w in src.mix]
    order = {k: i for i, k in enumerate(labels)}
    n = 0
    for c, (city, prefecture) in enumerate(cities):
        block = count * (c + 1) // n_cities - count * c // n_cities
        for theme, polarity in sorted(rng.choices(labels, weights, k=block), key=order.__getitem__):
            n += 1
            section = rng.choice(src.sections) if src.sections and rng.random() < src.section_rate else None
            yield {
                "id": f"synth/{n}",
                "city": city,
                "prefecture": prefecture,
                "theme": theme,
                "polarity": polarity,
                "section": section,
                "text": _snippet(rng, src.sentences[(theme, polarity)]),
            }


def _manifest(total: int, seed: int) -> dict:
    return {"generator": GENERATOR_VERSION, "records": total, "seed": seed, "document": REAL_DOCUMENT.name}


def write_corpus(out_dir: str | Path, total: int, seed: int = 0) -> Path:
    """Write a corpus of ``total`` records (the real document + synthetic JSONL) to ``out_dir``.

    An ``out_dir`` already holding this very corpus (same size, seed and
    generator) is left as it is, so benchmarks can reuse a work directory.
    """
    out = Path(out_dir)
    want = _manifest(total, seed)
    try:
        if json.loads((out / MANIFEST).read_text("utf-8")) == want:
            return out
    except (OSError, ValueError):
        pass
    src = learn()
    if total < src.count:
        raise ValueError(f"a corpus holds at least the real document's {src.count} records, not {total}")
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("synth-*.jsonl"), out / MANIFEST]:
        old.unlink(missing_ok=True)
    shutil.copyfile(REAL_DOCUMENT, out / REAL_DOCUMENT.name)
    f = None
    try:
        for i, rec in enumerate(generate(total - src.count, seed, src)):
            if i % RECORDS_PER_FILE == 0:
                if f:
                    f.close()
                f = open(out / f"synth-{i // RECORDS_PER_FILE + 1:04d}.jsonl", "w", encoding="utf-8")
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        if f:
            f.close()
    (out / MANIFEST).write_text(json.dumps(want) + "\n", "utf-8")  # written last: marks the corpus complete
    return out


def make_corpus(out_dir: str | Path, scale: int, seed: int = 0) -> Path:
    """A corpus of ``scale`` × the real corpus's records in ``out_dir``; returns ``out_dir``."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}")
    return write_corpus(out_dir, scale * learn().count, seed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--scale", type=int, help="N: the corpus holds N × the real corpus's records (1, 10, 100, 1000)")
    size.add_argument("--records", type=int, help="total records instead (at least the real document's 90)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write (created if missing)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same files")
    args = parser.parse_args(argv)
    try:
        if args.scale is not None:
            out = make_corpus(args.out, args.scale, args.seed)
        else:
            out = write_corpus(args.out, args.records, args.seed)
    except ValueError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    files = sorted(p.name for p in out.iterdir() if p.suffix in (".txt", ".jsonl"))
    total = json.loads((out / MANIFEST).read_text("utf-8"))["records"]
    print(f"{total} records in {out}: {', '.join(files[:4])}{' …' if len(files) > 4 else ''} ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
