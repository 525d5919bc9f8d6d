"""The records every stage passes along: snippets, anomalies, cross-references.

Frozen dataclasses, so a record read from the corpus cannot drift on its way to
the index; JSON is produced here and only here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Snippet:
    """One bullet or paragraph of advice: the unit indexed and returned."""

    id: str
    city: str
    prefecture: str
    theme: str  # labels.THEMES key: "general" | "platform"
    polarity: str  # labels.POLARITIES key: "good" | "hard" | "other"
    section: str | None
    text: str
    source: str  # corpus file name
    line: int  # 1-based line the snippet starts on
    repost_of: str | None = None  # id of the record a (再掲) block repeats
    also: str | None = None  # the other side one of its sentences states too (「…に苦労しましたが、…できました」)
    announced_by: str | None = None  # id of the sentence announcing the list it is an item of (「次の3点を学びました。」)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SNIPPET_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Snippet))
REQUIRED_FIELDS: tuple[str, ...] = ("id", "city", "prefecture", "theme", "polarity", "text")


@dataclass(frozen=True)
class Anomaly:
    """Something in a source document that the parser corrected or could not use."""

    source: str
    line: int
    kind: str  # e.g. "prefecture-conflict", "duplicate-bullet"
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CrossReference:
    """A block that only points elsewhere (【…】参照): kept as a link, never as a snippet."""

    city: str
    theme: str  # the theme the block sits in
    target_theme: str  # the theme it points to
    target_ids: tuple[str, ...]  # the records of that city in the target theme
    source: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_ids"] = list(self.target_ids)
        return d


@dataclass(frozen=True)
class DocumentInfo:
    """What a source document says about itself: never indexed as advice."""

    source: str
    title: str
    preamble: tuple[str, ...]
    as_of: str | None  # the date the document states, as printed
    table_header: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["preamble"] = list(self.preamble)
        d["table_header"] = list(self.table_header)
        return d
