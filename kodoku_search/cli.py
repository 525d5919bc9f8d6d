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


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="kodoku-search")
