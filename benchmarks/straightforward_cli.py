"""The straightforward Whoosh + Janome search CLI that kodoku-search's cold start is compared with.

    python benchmarks/straightforward_cli.py build RECORDS.jsonl INDEX_DIR
    python benchmarks/straightforward_cli.py search INDEX_DIR 縦割り [more words …]

What anyone would write first: import Whoosh and Janome at the top, make a
Janome ``Tokenizer``, open the index, run the query through the same analyzer
as the text (Janome base forms of content words), OR the terms, search with
BM25F, highlight with Whoosh's own highlighter (which re-analyzes each hit's
stored text) and print. Nothing is lazy and nothing is cached between runs
except the index: that is the point of comparison, not a straw man.

Whoosh pickles the analyzer into the index's schema, so the analyzer class must
be importable under a stable name: when run as a script this module re-imports
itself as ``straightforward_cli`` (the benchmarks directory is on sys.path).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator, Sequence

from janome.tokenizer import Tokenizer as JanomeTokenizer
from whoosh import highlight, index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.query import Or, Term

#: Parts of speech kept as index terms; the rest (particles, auxiliaries, symbols) carry no meaning alone.
CONTENT_POS = ("名詞", "動詞", "形容詞", "副詞")
#: Dependent or numeric sub-types of those that are noise as search terms.
SKIP_POS = ("非自立", "代名詞", "数", "接尾")

_janome: JanomeTokenizer | None = None


def janome() -> JanomeTokenizer:
    """The process's Janome tokenizer (loading its dictionary is the expensive part)."""
    global _janome
    if _janome is None:
        _janome = JanomeTokenizer()
    return _janome


class JanomeContentTokenizer(Tokenizer):
    """Whoosh tokenizer: Janome base forms of content words, with character offsets."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        cursor, pos = 0, start_pos
        for m in janome().tokenize(value):
            at = value.find(m.surface, cursor)
            if at < 0:
                continue
            cursor = at + len(m.surface)
            kind = m.part_of_speech.split(",")
            if kind[0] not in CONTENT_POS or kind[1] in SKIP_POS:
                continue
            base = m.base_form if m.base_form and m.base_form != "*" else m.surface
            t.text = base.lower()
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = m.surface
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar, t.endchar = start_char + at, start_char + cursor
            yield t


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        city=ID(stored=True),
        prefecture=ID(stored=True),
        theme=ID(stored=True),
        polarity=ID(stored=True),
        source=ID(stored=True),
        line=NUMERIC(stored=True),
        text=TEXT(analyzer=JanomeContentTokenizer(), stored=True),
    )


def build(records: Sequence[dict], index_dir: str | Path) -> None:
    """Index records (dicts with the kodoku-search record fields) into ``index_dir``."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(index_dir), make_schema())
    with ix.writer() as w:
        for r in records:
            w.add_document(
                id=r["id"], city=r["city"], prefecture=r["prefecture"], theme=r["theme"],
                polarity=r["polarity"], source=r.get("source") or "", line=int(r.get("line") or 0), text=r["text"],
            )


class BracketFormatter(highlight.Formatter):
    """Marks matched words with 【】, as kodoku-search does when piped."""

    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        return f"【{highlight.get_text(text, token, replace)}】"


def search(index_dir: str | Path, query: str, limit: int = 10) -> int:
    """Search and print like ``kodoku-search search``; returns the number of results."""
    janome()  # made up front, as a straightforward program does
    ix = index.open_dir(str(index_dir))
    terms = list(dict.fromkeys(t.text for t in ix.schema["text"].analyzer(query)))
    if not terms:
        print(f"No results for 「{query}」.")
        return 0
    with ix.searcher() as s:
        results = s.search(Or([Term("text", t) for t in terms]), limit=limit)
        results.fragmenter = highlight.WholeFragmenter()
        results.formatter = BracketFormatter()
        total = len(results)
        print(f"{total} results for 「{query}」\n")
        for rank, hit in enumerate(results, start=1):
            print(f"{rank}. {hit['city']} ({hit['prefecture']}) · {hit['theme']} · {hit['polarity']}  [{hit.score:.2f}]")
            print("   " + (hit.highlights("text") or hit["text"]))
            print(f"   {hit['source']}:{hit['line']}  {hit['id']}\n")
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="index a JSONL file of records")
    b.add_argument("records", type=Path)
    b.add_argument("index_dir", type=Path)
    s = sub.add_parser("search", help="search and print highlighted results")
    s.add_argument("index_dir", type=Path)
    s.add_argument("query", nargs="+")
    s.add_argument("-n", "--limit", type=int, default=10)
    args = parser.parse_args(argv)
    if args.command == "build":
        lines = args.records.read_text("utf-8").splitlines()
        build([json.loads(line) for line in lines if line.strip()], args.index_dir)
    else:
        search(args.index_dir, " ".join(args.query), args.limit)
    return 0


if __name__ == "__main__":
    # Run the copy imported under its own name, so the pickled analyzer is
    # straightforward_cli.JanomeContentTokenizer, not __main__.JanomeContentTokenizer.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import straightforward_cli

    sys.exit(straightforward_cli.main())
