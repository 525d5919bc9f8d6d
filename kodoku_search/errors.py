"""The one error family the library raises; the CLI turns each into a message and exit 2."""

from __future__ import annotations


class KodokuError(Exception):
    """Base of every error kodoku-search raises on purpose."""


class CorpusError(KodokuError):
    """A corpus file is missing, unreadable or malformed; ``problems`` lists each as FILE:LINE: reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems in the corpus:"
        body = "" if len(problems) == 1 else "\n  " + "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(head + body + more)


class UsageError(KodokuError):
    """A request the library cannot serve as asked (an unknown filter value, a bad query)."""


class IndexError_(KodokuError):
    """The index cannot be opened, built or swapped in."""
