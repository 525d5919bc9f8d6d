"""The corpus directory → validated records.

Every ``*.txt`` in the directory is an advice document read by the parser;
every ``*.jsonl`` holds records users add, one JSON object a line. Whatever is
wrong is reported with file, line and field, and nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import labels, paths
from .paths import corpus_files
from .errors import CorpusError
from .parser import ParsedDocument, parse_document
from .records import REQUIRED_FIELDS, SNIPPET_FIELDS, Anomaly, CrossReference, DocumentInfo, Snippet


@dataclass(frozen=True)
class Corpus:
    directory: Path
    files: tuple[Path, ...]
    records: tuple[Snippet, ...]
    documents: tuple[DocumentInfo, ...]
    anomalies: tuple[Anomaly, ...]
    references: tuple[CrossReference, ...]

    def by_id(self) -> dict[str, Snippet]:
        return {r.id: r for r in self.records}

    def to_dict(self) -> dict[str, Any]:
        """All the parser made of the directory, as `kodoku-search corpus --json --full` prints it."""
        return {
            "directory": str(self.directory),
            "files": [p.name for p in self.files],
            "documents": [d.to_dict() for d in self.documents],
            "records": [r.to_dict() for r in self.records],
            "references": [r.to_dict() for r in self.references],
            "anomalies": [a.to_dict() for a in self.anomalies],
        }


MAX_LINE_CHARS = 100_000  # a record is a snippet, not a book: bounds the work one line can cause
MAX_LINE_NUMBER = 2**31 - 1  # what the index can store
_SURROGATE = re.compile("[\ud800-\udfff]")


def _cut(text: str, limit: int = 80) -> str:
    """A value quoted in a message, never longer than ``limit``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    return _cut(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)))


def _read_text(path: Path, problems: list[str]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(f"{path.name}: cannot read: {e.strerror or e}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(f"{path.name}:{line}: not valid UTF-8 (byte {e.start})")
        return None
    long = [(n, len(s)) for n, s in enumerate(text.split("\n"), start=1) if len(s) > MAX_LINE_CHARS]
    for n, size in long[:5]:
        problems.append(f"{path.name}:{n}: the line is {size:,} characters long; a line may hold at most {MAX_LINE_CHARS:,}")
    return None if long else text


@dataclass(frozen=True)
class FileRecords:
    """What one corpus file yields."""

    path: Path
    records: tuple[Snippet, ...]
    document: DocumentInfo | None
    anomalies: tuple[Anomaly, ...]
    references: tuple[CrossReference, ...]


def read_file(path: Path, problems: list[str]) -> FileRecords:
    """Records of one corpus file; what is wrong is added to ``problems``."""
    text = _read_text(path, problems)
    if text is None:
        return FileRecords(path, (), None, (), ())
    if path.suffix == ".txt":
        parsed: ParsedDocument = parse_document(text, path.name)
        if not parsed.records:
            problems.append(f"{path.name}: no advice records found (is it an advice document?)")
        return FileRecords(path, parsed.records, parsed.info, parsed.anomalies, parsed.references)
    records = tuple(parse_jsonl(text, path.name, problems))
    return FileRecords(path, records, None, place_anomalies(records), ())


def place_anomalies(records) -> tuple[Anomaly, ...]:
    """What a user's records say of places that Japan's gazetteer does not: a prefecture
    that is none (北海道県), a city under a prefecture that has no city of that name (福岡市
    under 北海道). Kept as given, as the advice parser keeps what it cannot correct, and
    said: `stats` listed 福岡市 twice, and 福岡県 found 「福岡市 (北海道)」."""
    from .gazetteer import prefectures, prefectures_of

    out: list[Anomaly] = []
    said: set[tuple[str, str]] = set()
    for r in records:
        if (r.city, r.prefecture) in said:
            continue
        said.add((r.city, r.prefecture))
        if r.prefecture not in prefectures():
            out.append(Anomaly(r.source, r.line, "unknown-prefecture",
                               f"{r.prefecture!r} is no prefecture of Japan (record {r.id}; kept as given)"))
        elif prefectures_of(r.city) and r.prefecture not in prefectures_of(r.city):
            out.append(Anomaly(r.source, r.line, "prefecture-conflict",
                               f"{r.city} is in {'、'.join(prefectures_of(r.city))}, not {r.prefecture} "
                               f"(record {r.id}; kept as given)"))
    return tuple(out)


def check_ids(records, problems: list[str], known: dict[str, str] | None = None) -> None:
    """Every id once across the corpus; ``known`` maps ids of files not re-read to their file."""
    seen: dict[str, Snippet] = {}
    for r in records:
        if r.id in seen:
            o = seen[r.id]
            problems.append(f"{r.source}:{r.line}: id {r.id!r} already used at {o.source}:{o.line}")
        elif known and r.id in known:
            problems.append(f"{r.source}:{r.line}: id {r.id!r} already used in {known[r.id]}")
        else:
            seen[r.id] = r


def load_corpus(directory: str | Path | None = None) -> Corpus:
    """Read and validate every corpus file; raise CorpusError listing every problem."""
    directory = Path(directory) if directory is not None else paths.default_corpus_dir()
    if not directory.is_dir():
        raise CorpusError([f"{directory}: {'a file, not a corpus directory' if directory.exists() else 'corpus directory not found'}"])
    files = corpus_files(directory)
    if not files:
        raise CorpusError([f"{directory}: no *.txt or *.jsonl files to index"])
    problems: list[str] = []
    parts = [read_file(path, problems) for path in files]
    records = [r for part in parts for r in part.records]
    check_ids(records, problems)
    if problems:
        raise CorpusError(problems)
    return Corpus(
        directory,
        tuple(files),
        tuple(records),
        tuple(p.document for p in parts if p.document),
        tuple(a for p in parts for a in p.anomalies) + dangling_references(records),
        tuple(r for p in parts for r in p.references),
    )


def dangling_references(records) -> tuple[Anomaly, ...]:
    """A record's repost_of or announced_by that names no record: a misspelt id loses
    the link silently (the repost is no repost, the list item no context), and `corpus`
    counted them as reposts and lists (the stop-42 review). Kept as given, and said."""
    ids = {r.id for r in records}
    return tuple(Anomaly(r.source, r.line, "dangling-reference",
                         f"{r.id}: {key} names " + ("itself" if ref == r.id else f"{ref!r}, which is no record's id")
                         + " (kept as given)")
                 for r in records for key, ref in (("repost_of", r.repost_of), ("announced_by", r.announced_by))
                 if ref and (ref not in ids or ref == r.id))


def parse_jsonl(text: str, source: str, problems: list[str]) -> list[Snippet]:
    """Records from a JSONL file; each bad line adds a FILE:LINE: reason to ``problems``."""
    out: list[Snippet] = []
    # Lines end at \n only: JSON allows U+2028, U+2029 and U+0085 raw inside strings,
    # and str.splitlines() would break a record there (and misnumber every later line).
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = f"{source}:{n}"
        if len(line) > MAX_LINE_CHARS:
            problems.append(f"{where}: the line is {len(line):,} characters long; a record may hold at most {MAX_LINE_CHARS:,}")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: invalid JSON ({e.msg} at column {e.colno})")
            continue
        except RecursionError:
            problems.append(f"{where}: invalid JSON (nested too deeply)")
            continue
        except ValueError as e:  # e.g. an integer of more than 4300 digits
            problems.append(f"{where}: invalid JSON ({_cut(str(e))})")
            continue
        rec = record_from_dict(obj, source, n, problems)
        if rec is not None:
            out.append(rec)
    return out


def record_from_dict(obj: Any, source: str, line: int, problems: list[str]) -> Snippet | None:
    where = f"{source}:{line}"
    if not isinstance(obj, dict):
        problems.append(f"{where}: a record must be a JSON object, got {type(obj).__name__}")
        return None
    bad = len(problems)
    for key in obj:
        if key not in SNIPPET_FIELDS:
            problems.append(f"{where}: field {_cut(repr(key))}: unknown field (known: {', '.join(SNIPPET_FIELDS)})")
        elif isinstance(obj[key], str) and _SURROGATE.search(obj[key]):
            problems.append(f"{where}: field {key!r}: contains a lone surrogate ({_show(_SURROGATE.search(obj[key]).group())}), "
                            "which is not text")
    for key in REQUIRED_FIELDS:
        v = obj.get(key)
        if key not in obj:
            problems.append(f"{where}: field {key!r}: missing")
        elif not isinstance(v, str) or not v.strip():
            problems.append(f"{where}: field {key!r}: must be a non-empty string, got {_show(v)}")
    for key in ("section", "repost_of", "source", "announced_by"):
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            problems.append(f"{where}: field {key!r}: must be a string or null")
    if "line" in obj and (not isinstance(obj["line"], int) or isinstance(obj["line"], bool)
                          or not 1 <= obj["line"] <= MAX_LINE_NUMBER):
        problems.append(f"{where}: field 'line': must be a positive integer (at most {MAX_LINE_NUMBER})")
    theme = polarity = None
    if isinstance(obj.get("theme"), str):
        theme = labels.resolve_theme(obj["theme"])
        if theme is None:
            problems.append(f"{where}: field 'theme': unknown value {_cut(repr(obj['theme']))} (valid: {', '.join(labels.THEMES)})")
    if isinstance(obj.get("polarity"), str):
        polarity = labels.resolve_polarity(obj["polarity"])
        if polarity is None:
            problems.append(
                f"{where}: field 'polarity': unknown value {_cut(repr(obj['polarity']))} (valid: {', '.join(labels.POLARITIES)})"
            )
    also = None
    if obj.get("also") is not None:
        also = labels.resolve_polarity(obj["also"]) if isinstance(obj["also"], str) else None
        if also not in ("good", "hard") or polarity not in ("good", "hard") or also == polarity:
            problems.append(f"{where}: field 'also': the other side a good or hard record states too: "
                            f"good or hard, not its own polarity, or null (got {_show(obj['also'])})")
    if len(problems) > bad:
        return None
    return Snippet(
        id=obj["id"],
        city=obj["city"].strip(),
        prefecture=obj["prefecture"].strip(),
        theme=theme or "",
        polarity=polarity or "",
        section=obj.get("section"),
        text=obj["text"].strip(),
        source=obj.get("source") or source,
        line=obj.get("line", line),
        repost_of=obj.get("repost_of"),
        also=also,
        announced_by=obj.get("announced_by"),
    )
