"""Verify an index on disk, byte for byte: what ``kodoku-search check`` runs.

Opening an index checks only sizes and times (cheap at any size); this reads
every file against the sha256 written when it was built, and every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import index as ix
from .errors import CorpusError, IndexError_


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: the live generation, its files and records verified,
    and whether it still matches the corpus."""

    index: str
    records: int
    files: int
    bytes: int
    up_to_date: bool | None  # None: the corpus could not be read
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        # (ok: as `check --json` prints it; a report is made only of an intact index.)
        return {"ok": True, "index": self.index, "records": self.records, "files": self.files, "bytes": self.bytes,
                "up_to_date": self.up_to_date, "notes": list(self.notes)}


def check(index_dir: Path, corpus_dir: Path) -> CheckReport:
    """Verify the live index in full: every file against its sha256, the record
    count, and every segment read once. IndexError_ saying what is wrong and what
    to do; a report (up to date or not) when the index is intact."""
    gen = ix.current_generation(index_dir)
    if gen is None:
        if (index_dir / ix.CURRENT).exists():  # (there is one, and what names its generation cannot be read)
            raise IndexError_(f"the index in {index_dir} is damaged (its {ix.CURRENT} or {ix.FINGERPRINT} cannot be "
                              "read); rebuild it with: kodoku-search index")
        if index_dir.exists() and not index_dir.is_dir():  # (then `index` failed on it: the stop-42 review)
            raise IndexError_(f"the index directory {index_dir} is a file, not a directory: "
                              "give --index-dir (or KODOKU_SEARCH_INDEX) a directory")
        raise IndexError_(f"no index in {index_dir}; build one with: kodoku-search index")
    try:
        ix.verify_generation(gen, full=True)
        wix = ix.open_generation(gen)
        try:
            with wix.reader() as reader:
                n = 0
                for _ in reader.all_stored_fields():
                    n += 1
        finally:
            wix.close()
        if n != gen.records:
            raise IndexError_(f"the index in {gen.path} is damaged (it holds {n} records, not {gen.records})")
    except IndexError_ as e:
        raise IndexError_(f"{e}; rebuild it with: kodoku-search index") from None
    except Exception as e:  # whoosh raises many kinds on damaged files
        raise IndexError_(f"the index in {gen.path} is damaged ({type(e).__name__}: {e}); "
                          "rebuild it with: kodoku-search index") from None
    sums = ix.read_checksums(gen.path)
    notes: list[str] = []
    if not sums:
        notes.append("this index was written before checksums were kept: only its records were checked")
    try:
        up_to_date: bool | None = ix.fingerprint(corpus_dir) == gen.fingerprint
    except CorpusError as e:
        up_to_date = None
        notes.append(f"the corpus cannot be read: {e}")
    if up_to_date is False:
        from .corpus import load_corpus

        try:  # (the next search can rebuild only from a corpus that reads: say which it is)
            load_corpus(corpus_dir)
        except CorpusError as e:
            notes.append(f"the corpus changed since this index was built, and cannot be indexed as it is ({e}); "
                         "searches use this index until it is fixed")
        else:
            notes.append("the corpus (or the analysis) changed since this index was built; the next search rebuilds it")
    size = sum(v.get("size", 0) for v in sums.values() if isinstance(v, dict))
    return CheckReport(str(gen.path), gen.records, len(sums), size, up_to_date, tuple(notes))
