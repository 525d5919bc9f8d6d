"""The interactive session: an engine kept open across queries, with filters a
person sets once. State only, no I/O: the CLI reads lines and prints replies.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import labels
from .compare import Comparison, Similar
from .errors import UsageError
from .explore import Page

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SearchEngine

# ---------------------------------------------------------------------------
# Interactive session: state between queries, no I/O


@dataclass(frozen=True)
class Reply:
    """What one line of input produced: a ``page`` of results, a ``comparison``,
    ``similar`` snippets, a ``message`` for the person, or ``quit``."""

    kind: str  # results | compare | similar | message | error | quit
    message: str = ""
    page: Page | None = None
    comparison: Comparison | None = None
    similar: Similar | None = None


# A command-line option typed at the prompt (--city 福岡市): not a query's words.
# (One or two of any dash, the IME's ー or the em dash a word processor makes of --, before
# the option's Latin name; its value may have ー inside: プラットフォーム.)
_CLI_OPTION = re.compile(r"(?:^|\s)[-－ー―—–ｰ]{1,2}(city|prefecture|theme|polarity|limit)(?![A-Za-z-])"
                         r"(?:[\s=　]+([^\s　\-－ー―—–ｰ][^\s　]*))?", re.I)

SESSION_HELP = """\
Type a query to search, or a command:
  :city 福岡市       only this city          (:city alone clears it)
  :prefecture 愛知県 only this prefecture
  :theme PF          general (全般) or platform (PF)
  :polarity hard     good (良かった), hard (苦労) or other
  :limit 5           results per query (0: only how many)
  :more              the next page of the last query
  :compare QUERY     each city's best good and hard snippet
  :similar ID        snippets like record ID
  :filters           show the filters in force
  :clear             clear every filter
  :help              this text
  :quit              leave (so does end of input, Ctrl-D)"""


class Session:
    """An engine kept open across queries, with filters a person sets once.

    ``execute(line)`` turns one line of input into a ``Reply``; the CLI reads
    lines, prints replies and keeps the history.
    """

    FILTERS = ("city", "prefecture", "theme", "polarity")

    def __init__(self, engine: "SearchEngine", limit: int = 10):
        self.engine = engine
        self.limit = limit
        self.filters: dict[str, str] = {}
        self._last: tuple[str, int] | None = None  # query, next offset

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.filters.items()) or "none"
        return f"filters: {shown}; limit {self.limit}"

    def execute(self, line: str) -> Reply:
        if not isinstance(line, str):
            raise UsageError(f"a session line must be text (str), not {type(line).__name__}")
        text = line.strip().lstrip("\ufeff").strip()  # (a piped file saved with a byte order mark)
        if not text:
            return Reply("message")
        # Typed with the IME on, a command's colon and space are full width (：city　福岡市).
        if text[0] in ":：":
            text = ":" + text[1:].replace("\u3000", " ")
        elif unicodedata.normalize("NFKC", text).lower() in ("exit", "quit", "help"):  # (no one searches the advice
            text = ":" + unicodedata.normalize("NFKC", text).lower()  # for these; ｅｘｉｔ is exit, as ：ｑｕｉｔ is)
        if not text.startswith(":"):
            # 「連携 --city 福岡市」, the command line's habit, searched for 連携 city 福岡市 and
            # said "not found: city" (the stop-37 user review): say what to type here.
            opts = list(_CLI_OPTION.finditer(text))
            if opts:
                typed = "; ".join(f":{o.group(1).lower()} {o.group(2) or 'VALUE'}" for o in opts)
                named = ", ".join(f"--{o.group(1).lower()}" for o in opts)
                several = len(opts) > 1
                return Reply("error", f"{named}: the command line's option{'s' if several else ''}; here type "
                                      f"{typed} first{', each on its own line' if several else ''}, then the query"
                                      f" (:help lists the commands)")
            return self._search(text, 0)
        cmd, _, arg = text[1:].partition(" ")
        # (and its letters, in full width mode: ：ｃｉｔｙ, the stop-42 review)
        cmd, arg = unicodedata.normalize("NFKC", cmd).strip().lower(), arg.strip()
        try:
            if cmd in ("q", "quit", "exit"):
                return Reply("quit")
            if cmd in ("h", "help", "?"):
                return Reply("message", SESSION_HELP)
            if cmd == "clear":
                self.filters.clear()
                self._restart()
                return Reply("message", self.describe())
            if cmd == "filters":
                return Reply("message", self.describe())
            if cmd in self.FILTERS:
                return self._set_filter(cmd, arg)
            if cmd == "limit":
                arg = unicodedata.normalize("NFKC", arg)  # (５ and ⑤ read as 5; a 5,000-digit number refused, not a ValueError)
                if not (arg.isascii() and arg.isdigit() and len(arg) <= 4) or not 0 <= int(arg) <= 1000:  # (0: the count only, as search --limit 0)
                    return Reply("error", ":limit takes a number from 0 to 1000")
                self.limit = int(arg)
                return Reply("message", self.describe())
            if cmd == "more":
                if self._last is None:
                    return Reply("error", "no query yet: type one first")
                return self._search(*self._last)
            if cmd == "compare":
                if not arg:
                    return Reply("error", ":compare takes a query, e.g. :compare 庁内連携")
                f = {k: v for k, v in self.filters.items() if k in ("theme", "prefecture", "city")}  # (both sides)
                # (Said so: after :polarity hard, :compare showed both sides silently; the stop-43 review.)
                side = self.filters.get("polarity")
                said = f"compare shows both sides: :polarity {side} is not applied to it" if side else ""
                return Reply("compare", said, comparison=self.engine.compare(arg, **f))
            if cmd == "similar":
                if not arg:
                    return Reply("error", ":similar takes a record id, e.g. :similar advice-2025-10/general/福岡市/2")
                return Reply("similar", similar=self.engine.similar(arg, limit=self.limit))
        except UsageError as e:
            return Reply("error", str(e))
        return Reply("error", f"unknown command :{cmd}; type :help for the list")

    def _set_filter(self, name: str, value: str) -> Reply:
        if not value:
            self.filters.pop(name, None)
            self._restart()
            return Reply("message", self.describe())
        try:
            checked = self.engine.filters(**{name: value})  # raises UsageError with the valid values
        except UsageError as e:  # (its example is the option's; here the command is typed)
            said = str(e)
            for option in ("city", "prefecture", "theme", "polarity"):  # (--city 福岡県: use :prefecture)
                said = said.replace(f"--{option} ", f":{option} ")
            raise UsageError(said) from None
        self.filters[name] = getattr(checked, name)
        self._restart()
        return Reply("message", self.describe())

    def _restart(self) -> None:
        """Other filters, other results: :more starts the last query over from its first
        page (it went on at the old offset, past results never shown: the stop-25 review)."""
        if self._last is not None:
            self._last = (self._last[0], 0)

    def _search(self, query: str, offset: int) -> Reply:
        from .search import NO_WORDS

        try:
            page = self.engine.find(query, limit=self.limit, offset=offset, **self.filters)
        except UsageError as e:
            return Reply("error", str(e))
        if NO_WORDS in page.result.notes:  # (「。」: an error, as on the command line, not "No results")
            return Reply("error", f"{NO_WORDS}: type a word or phrase")
        self._last = (query, offset + len(page.ranked))
        # The notes name filters as the command line's options ("5 results without --city
        # 熊本市", "try --city 宇和島市 --theme general"); here they are commands (the stop-42 review).
        said = tuple(_as_commands(n) for n in page.result.notes)
        if said != tuple(page.result.notes):
            page = replace(page, result=replace(page.result, notes=said))
        return Reply("results", page=page)


_AS_COMMAND = re.compile(r"--(city|prefecture|theme|polarity)\b")
_ONE_A_LINE = re.compile(r"(:(?:city|prefecture|theme|polarity) \S+) (?=:(?:city|prefecture|theme|polarity)\b)")


def _as_commands(note: str) -> str:
    """A note's filters as this session's commands: what to type one a line ("try :city
    宇和島市, then :theme general"), or what is set ("without :city 宇和島市 and :theme platform")."""
    said = _AS_COMMAND.sub(r":\1", note)
    return _ONE_A_LINE.sub(r"\1, then " if "try :" in said else r"\1 and ", said)


SESSION_COMMANDS: tuple[str, ...] = (
    ":city", ":prefecture", ":theme", ":polarity", ":limit", ":more", ":compare", ":similar",
    ":filters", ":clear", ":help", ":quit",
)


def session_completions(session: Session, line: str, word: str) -> list[str]:
    """What tab may complete ``word`` to, given the whole ``line`` typed so far:
    a command name, or a value for the filter command the line starts with."""
    if not line.startswith(":"):
        return []
    if " " not in line:
        return [c for c in SESSION_COMMANDS if c.startswith(word)]
    cmd = line.split(" ", 1)[0][1:].lower()
    if cmd in ("city", "prefecture"):
        values = session.engine.values(cmd)
    elif cmd == "similar":
        values = session.engine.values("id")
    elif cmd == "theme":
        values = list(labels.THEMES)
    elif cmd == "polarity":
        values = list(labels.POLARITIES)
    else:
        values = []
    return [v for v in values if v.startswith(word)]


def history_file() -> Path:
    """Where the interactive prompt keeps its history: $KODOKU_SEARCH_HISTORY, else
    the user's cache directory (beside the installed package's index)."""
    env = os.environ.get("KODOKU_SEARCH_HISTORY")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "kodoku-search" / "history"
