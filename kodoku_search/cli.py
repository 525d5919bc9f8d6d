"""The kodoku-search command: a thin shell over the library.

Each command parses options, makes one library call and renders the result.
Heavy modules (Whoosh, Janome) are imported inside commands, never at import
time, so ``--help`` stays instant.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__, labels
from .errors import KodokuError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Failure(click.ClickException):
    """A library error shown as a one-line message with exit status 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KodokuError as e:
            raise _Failure(str(e)) from None
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            # `kodoku-search … | head`: the reader went away; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None


@click.group(cls=_Group, context_settings=CONTEXT)
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False, path_type=str),
    envvar="KODOKU_SEARCH_CORPUS",
    help="Directory of corpus files (*.txt documents, *.jsonl records). Default: the bundled corpus.",
)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=str),
    envvar="KODOKU_SEARCH_INDEX",
    help="Where the search index lives. Default: index/ in a checkout, else a per-user cache.",
)
@click.version_option(__version__, "-V", "--version", prog_name="kodoku-search")
@click.pass_context
def cli(ctx: click.Context, corpus_dir: str | None, index_dir: str | None) -> None:
    """Search what Japanese municipalities learned about loneliness and isolation policy.

    \b
    Examples:
      kodoku-search search 縦割り
      kodoku-search search 他部署の理解を得るのが難しい --polarity hard
      kodoku-search search 庁内連携 --city 福岡市 --json
      kodoku-search corpus            # what the corpus holds, and what was odd in it
    """
    ctx.obj = {"corpus_dir": corpus_dir, "index_dir": index_dir}


def _echo_json(obj: Any) -> None:
    from .render import to_json

    click.echo(to_json(obj))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print every record as a JSON array.")
@click.pass_obj
def corpus(obj: dict[str, Any], as_json: bool) -> None:
    """Show what the parser made of the corpus: counts per city × theme × polarity,
    the documents' own metadata, cross-references and every anomaly found."""
    from .corpus import load_corpus
    from .stats import counts, format_counts

    c = load_corpus(obj["corpus_dir"])
    if as_json:
        _echo_json([r.to_dict() for r in c.records])
        return
    for d in c.documents:
        click.echo(f"{d.source}: {d.title}" + (f"  ({d.as_of})" if d.as_of else ""))
    click.echo(f"{len(c.records)} records from {len(c.files)} file(s) in {c.directory}\n")
    click.echo(format_counts(counts(c.records)))
    if c.references:
        click.echo("\nCross-references (not indexed as text):")
        for r in c.references:
            click.echo(
                f"  {r.source}:{r.line}  {r.city} [{r.theme}] → see [{r.target_theme}]: {', '.join(r.target_ids) or '(nothing)'}"
            )
    reposts = [r for r in c.records if r.repost_of]
    if reposts:
        click.echo(f"\nReposts (再掲): {len(reposts)} record(s) repeat another theme's records, linked by repost_of.")
    if c.anomalies:
        click.echo(f"\nAnomalies ({len(c.anomalies)}):")
        for a in c.anomalies:
            click.echo(f"  {a.source}:{a.line}  {a.kind}: {a.message}")


# ---------------------------------------------------------------------------
# search, index, show, stats

THEME_HELP = "general (全般) or platform (PF, プラットフォーム)."
POLARITY_HELP = "good (良かった), hard (苦労) or other."


def _use_color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _engine(obj: dict[str, Any], rebuild: str = "auto"):
    from .engine import SearchEngine

    progress = _progress_printer() if sys.stderr.isatty() else None
    engine = SearchEngine.open(obj["corpus_dir"], obj["index_dir"], rebuild=rebuild, progress=progress)
    for note in engine.notes:
        click.echo(f"note: {note}", err=True)
    return engine


def _progress_printer():
    def show(done: int, total: int) -> None:
        click.echo(f"\rindexing {done}/{total} records", err=True, nl=(done == total))

    return show


def _label(theme: str, polarity: str) -> str:
    return f"{labels.THEME_SHORT.get(theme, theme)} · {labels.POLARITIES.get(polarity, polarity)}"


def _safe(text: str) -> str:
    """Text that any terminal encoding can print (lone surrogates become U+FFFD)."""
    return text.encode("utf-8", "replace").decode("utf-8")


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--city", help="Only this municipality (e.g. 福岡市).")
@click.option("--prefecture", help="Only this prefecture (e.g. 愛知県).")
@click.option("--theme", help=THEME_HELP)
@click.option("--polarity", help=POLARITY_HELP)
@click.option("-n", "--limit", type=click.IntRange(0, 10000), default=10, show_default=True, help="How many results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--color/--no-color", default=None, help="Highlight with colour (default: on a terminal, unless NO_COLOR is set).")
@click.option("--explain", is_flag=True, help="Show which query words matched in which field, and what each added to the score.")
@click.pass_obj
def search(obj, query, city, prefecture, theme, polarity, limit, as_json, color, explain) -> None:
    """Search the advice for QUERY: a word, several words, or a whole phrase.

    \b
    Examples:
      kodoku-search search 縦割り
      kodoku-search search 他部署の理解を得るのが難しい
      kodoku-search search 企業 連携 --theme PF --polarity 良かった
      kodoku-search search 予防 --city 豊田市 --json

    Matched words are highlighted, and each result ends with the file and line to cite.
    """
    from .render import highlight

    text = " ".join(query)
    engine = _engine(obj)
    result = engine.search(text, city=city, prefecture=prefecture, theme=theme, polarity=polarity, limit=limit, explain=explain)
    if as_json:
        _echo_json(result.to_dict())
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    shown = len(result.hits)
    if not result.total:
        click.echo(f"No results for 「{_safe(text)}」.")
        if result.suggestion:
            click.echo(f"Did you mean: {_safe(result.suggestion)}")
        return
    click.echo(f"{result.total} result{'s' if result.total != 1 else ''} for 「{_safe(text)}」" + (f", showing {shown}" if shown < result.total else ""))
    read = _describe_reading(result)
    if read:
        click.echo(read)
    if result.suggestion:
        click.echo(f"Did you mean: {_safe(result.suggestion)}  (nothing matched a whole word of your query)")
    click.echo()
    use_color = _use_color(color)
    for rank, h in enumerate(result.hits, start=1):
        click.echo(f"{rank}. {h.city} ({h.prefecture}) · {_label(h.theme, h.polarity)}" + (f" · {h.section}" if h.section else "") + f"  [{h.score:.2f}]")
        click.echo("   " + highlight(h.text, h.matches, use_color))
        click.echo(f"   {h.source}:{h.line}  {h.id}")
        if h.explanation:
            click.echo(_describe_explanation(h.explanation))
        click.echo()


def _describe_reading(result) -> str:
    """One line on how the query was read, when there is more to it than its words."""
    r = result.reading
    parts = []
    syn = {w.surface: w.synonyms for w in r.words if w.synonyms}
    if syn:
        parts.append("also as " + ", ".join(f"{k} → {'/'.join(v)}" for k, v in syn.items()))
    if r.polarity:
        parts.append(f"asking for {labels.POLARITIES[r.polarity]} ({'、'.join(r.polarity_cues)})")
    if r.theme:
        parts.append(f"about {labels.THEME_SHORT[r.theme]} ({'、'.join(r.theme_cues)})")
    if r.polarity or r.theme:
        parts.append("those rank first, nothing is hidden")
    if not parts:
        return ""
    return "read as: " + "; ".join(parts)


def _describe_explanation(e) -> str:
    lines = [
        f"   score {e.base * e.coordination * e.proximity * e.intent:.2f} = BM25F {e.base:.2f} × words {e.coordination:.2f}"
        f" ({e.words_matched:.1f}/{e.words_total} matched) × proximity {e.proximity:.2f} × intent {e.intent:.2f}"
    ]
    for c in e.contributions:
        lines.append(f"     {c.score:6.2f}  {c.word} → {c.field}:{c.term}")
    return "\n".join(lines)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print what was built as JSON.")
@click.pass_obj
def index(obj, as_json) -> None:
    """Rebuild the search index from the corpus now.

    Searching builds the index on first use and rebuilds it whenever the corpus
    or the analysis changes, so you rarely need this. The new index is built
    beside the old one and swapped in; a failed rebuild leaves the old one.
    """
    import time

    t0 = time.perf_counter()
    engine = _engine(obj, rebuild="always")
    gen = engine.generation
    took = time.perf_counter() - t0
    if as_json:
        _echo_json({"records": gen.records, "index": str(gen.path), "seconds": round(took, 3), "fingerprint": gen.fingerprint})
    else:
        click.echo(f"Indexed {gen.records} records from {engine.corpus_dir} into {gen.path} in {took:.2f} s.")


@cli.command()
@click.argument("record_id")
@click.option("--around", type=click.IntRange(0, 50), default=2, show_default=True, help="Neighbours to show on each side.")
@click.option("--json", "as_json", is_flag=True, help="Print the record and its neighbours as JSON.")
@click.pass_obj
def show(obj, record_id, around, as_json) -> None:
    """Print one record in full, with its neighbours in the source.

    RECORD_ID is the id a search prints, e.g. advice-2025-10/general/福岡市/2.
    """
    engine = _engine(obj)
    before, rec, after = engine.neighbours(record_id, around)
    if as_json:
        _echo_json({"record": rec.to_dict(), "before": [h.to_dict() for h in before], "after": [h.to_dict() for h in after]})
        return
    for h in before:
        click.echo(f"  {h.source}:{h.line}  {h.city} · {_label(h.theme, h.polarity)}  {h.text}")
    click.echo(f"> {rec.source}:{rec.line}  {rec.id}")
    click.echo(f"  city:      {rec.city} ({rec.prefecture})")
    click.echo(f"  theme:     {labels.THEMES.get(rec.theme, rec.theme)} [{rec.theme}]")
    click.echo(f"  polarity:  {labels.POLARITIES.get(rec.polarity, rec.polarity)} [{rec.polarity}]")
    if rec.section:
        click.echo(f"  section:   {rec.section}")
    if rec.repost_of:
        click.echo(f"  repost of: {rec.repost_of}")
    click.echo(f"  {rec.text}")
    for h in after:
        click.echo(f"  {h.source}:{h.line}  {h.city} · {_label(h.theme, h.polarity)}  {h.text}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
def stats(obj, as_json) -> None:
    """Counts of indexed records per city × theme × polarity."""
    from .stats import format_counts

    data = _engine(obj).stats()
    if as_json:
        _echo_json(data)
    else:
        click.echo(format_counts(data))


@cli.command("eval")
@click.argument("judgments", type=click.Path(dir_okay=False, path_type=str))
@click.option("-k", type=click.IntRange(1, 100), default=10, show_default=True, help="Cut-off rank for the metrics.")
@click.option("--json", "as_json", is_flag=True, help="Print per-query and mean figures as JSON.")
@click.pass_obj
def eval_(obj, judgments, k, as_json) -> None:
    """Score the search on a judgments file: nDCG@k, Recall@k, MRR@k, zero-result rate.

    JUDGMENTS is JSON lines, one query each, in the format of
    benchmarks/queries_dev.jsonl: {"qid", "query", optional "city"/"theme"/"polarity"
    filters, "relevant": [{"city", "grade", "text"}]}. Use it to check what an
    edit to corpus/synonyms.csv does:

    \b
      kodoku-search eval benchmarks/queries_dev.jsonl
    """
    from .evaluate import format_report

    report = _engine(obj).evaluate(judgments, k=k)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(format_report(report))


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="kodoku-search")
