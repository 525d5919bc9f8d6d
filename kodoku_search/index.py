"""Records → a Whoosh index on disk, built beside the live one and swapped in atomically.

Layout of an index directory::

    CURRENT          name of the live generation (replaced atomically)
    gen-<stamp>/     one complete Whoosh index + fingerprint.json
    .lock            held (flock) by whoever builds; the kernel frees it if the builder dies
    .build-<…>/      a generation being built (removed if the build fails)

Readers read CURRENT and open that generation, so they see the old index or the
new one, never a half-built one. Only names of these shapes are ever created or
deleted, so a foreign directory given as --index-dir is never harmed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .errors import CorpusError, IndexError_

FORMAT_VERSION = 2
CURRENT = "CURRENT"
LOCK = ".lock"
FINGERPRINT = "fingerprint.json"
SPELLINGS = "spellings.json"
JANOME_CACHE = "janome"  # fastjanome's copy of Janome's dictionary, for quick query analysis
# Modules whose code decides what goes into the index: a change to any rebuilds it.
_SHAPING_MODULES = ("analysis.py", "fastjanome.py", "index.py", "parser.py", "corpus.py", "labels.py", "records.py", "gazetteer.py", "data/municipalities.tsv")
_PACKAGE = Path(__file__).resolve().parent

LOCK_TIMEOUT = 120.0  # seconds a builder waits for another to finish

Progress = Callable[[int, int], None]


def schema():
    from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

    from .analysis import morph_analyzer, ngram_analyzer, reading_analyzer

    return Schema(
        id=ID(stored=True, unique=True),
        city=ID(stored=True),
        prefecture=ID(stored=True),
        theme=ID(stored=True),
        polarity=ID(stored=True),
        section=ID(stored=True),
        source=ID(stored=True),
        line=NUMERIC(stored=True, sortable=True),
        text=TEXT(analyzer=morph_analyzer(), stored=True, phrase=True),
        reading=TEXT(analyzer=reading_analyzer(), phrase=False),
        ngram=TEXT(analyzer=ngram_analyzer(), phrase=False),
        context=TEXT(analyzer=morph_analyzer(), phrase=False),  # the snippet this one continues
        repost_of=STORED,
        spans=STORED,  # [[term, reading, start, end], …]: highlighting without re-analysis
    )


# ---------------------------------------------------------------------------
# Fingerprints


def _hash_files(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def analysis_fingerprint() -> str:
    """Changes whenever the code or data that shape the index change."""
    import whoosh
    from janome.version import JANOME_VERSION

    h = hashlib.sha256(f"format={FORMAT_VERSION}".encode())
    h.update(_hash_files([_PACKAGE / m for m in _SHAPING_MODULES], _PACKAGE).encode())
    h.update(f"janome={JANOME_VERSION};whoosh={whoosh.versionstring()}".encode())
    return h.hexdigest()[:16]


def corpus_fingerprint(corpus_dir: Path) -> str:
    from .paths import corpus_files

    try:
        return _hash_files(corpus_files(corpus_dir), corpus_dir)
    except OSError as e:
        raise CorpusError([f"{corpus_dir}: cannot read the corpus: {e.strerror or e}"]) from None


def fingerprint(corpus_dir: Path) -> dict[str, str]:
    return {"corpus": corpus_fingerprint(corpus_dir), "analysis": analysis_fingerprint(), "corpus_dir": str(corpus_dir.resolve())}


# ---------------------------------------------------------------------------
# Generations


@dataclass(frozen=True)
class Generation:
    path: Path
    fingerprint: dict[str, str]
    records: int
    built_at: float


def current_generation(index_dir: Path) -> Generation | None:
    """The live generation, or None if there is none (or it is unreadable)."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise IndexError_(f"cannot read {index_dir / CURRENT}: {e.strerror or e}") from None
    if not name.startswith("gen-") or "/" in name:
        return None
    path = index_dir / name
    try:
        meta = json.loads((path / FINGERPRINT).read_text("utf-8"))
        return Generation(path, meta["fingerprint"], int(meta["records"]), float(meta["built_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class BuildLock:
    """An exclusive flock on index_dir/.lock; released by the kernel if we die."""

    def __init__(self, index_dir: Path, timeout: float | None = None):
        self.path = index_dir / LOCK
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.fd: int | None = None

    def __enter__(self) -> "BuildLock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    raise IndexError_(
                        f"another process has been rebuilding the index in {self.path.parent} for over "
                        f"{self.timeout:.0f} s; try again when it finishes"
                    ) from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def contexts(records) -> list[str]:
    """For each record, its section heading and the text of the snippet it
    continues (the one just before it in the same source, city, theme, polarity
    and section). A follow-on line (「講座受講者から…」) often leaves its subject to
    the line before it, and a list item (「…の作成」) to its heading (取り組み例)."""
    out = []
    prev = None
    for r in records:
        same = prev is not None and (prev.source, prev.city, prev.theme, prev.polarity, prev.section) == (
            r.source, r.city, r.theme, r.polarity, r.section)
        out.append(" ".join(filter(None, (r.section, prev.text if same else ""))))
        prev = r
    return out


def spellings(records) -> dict[str, str]:
    """Folded reading → the spelling the corpus uses most, for "did you mean"
    when a word typed in kana (たてわり) finds nothing. Adjacent words count as
    one too: to the person typing, 縦 + 割り is one word."""
    from collections import Counter

    from .analysis import words

    seen: dict[str, Counter] = {}
    for r in records:
        ws = words(r.text)
        for i, w in enumerate(ws):
            seen.setdefault(w.kana, Counter())[w.surface] += 1
            if i + 1 < len(ws) and ws[i + 1].start == w.end:
                seen.setdefault(w.kana + ws[i + 1].kana, Counter())[r.text[w.start:ws[i + 1].end]] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items() if len(k) >= 2}


def _documents(records, progress: Progress | None) -> Iterator[dict]:
    from .analysis import words

    total = len(records)
    ctx = contexts(records)
    for n, r in enumerate(records, start=1):
        yield {
            "id": r.id,
            "city": r.city,
            "prefecture": r.prefecture,
            "theme": r.theme,
            "polarity": r.polarity,
            "section": r.section or "",
            "source": r.source,
            "line": r.line,
            "text": r.text,
            "reading": r.text,
            "ngram": r.text,
            "context": ctx[n - 1],
            "repost_of": r.repost_of,
            "spans": [[w.term, w.reading, w.start, w.end] for w in words(r.text)],
        }
        if progress and (n % 50 == 0 or n == total):
            progress(n, total)


def build(corpus_dir: Path, index_dir: Path, progress: Progress | None = None, *, force: bool = True) -> Generation:
    """Build a new generation from the corpus and make it live.

    Holds the build lock throughout; a second builder waits, and then (unless
    ``force``) finds the index already current and returns it. Any failure
    leaves the previous generation live and removes the partial one.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexError_(f"cannot create the index directory {index_dir}: {e.strerror or e}") from None
    try:
        lock = BuildLock(index_dir).__enter__()
    except PermissionError:
        raise IndexError_(f"cannot write to the index directory {index_dir} (permission denied); "
                          "choose another with --index-dir or KODOKU_SEARCH_INDEX") from None
    except OSError as e:
        raise IndexError_(f"cannot lock the index directory {index_dir}: {e.strerror or e}") from None
    try:
        fp = fingerprint(corpus_dir)
        live = current_generation(index_dir)
        if not force and live is not None and live.fingerprint == fp:
            return live
        _remove_stale_builds(index_dir)
        from .corpus import load_corpus

        corpus = load_corpus(corpus_dir)  # a CorpusError here changes nothing
        tmp = index_dir / f".build-{os.getpid()}-{time.time_ns()}"
        try:
            gen = _write_generation(tmp, corpus.records, fp, progress)
            final = index_dir / f"gen-{time.time_ns()}"
            os.rename(tmp, final)
            pointer = index_dir / f"{CURRENT}.tmp"
            with open(pointer, "w", encoding="utf-8") as f:
                f.write(final.name + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(pointer, index_dir / CURRENT)
            _fsync_dir(index_dir)
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, OSError):
                raise IndexError_(f"building the index in {index_dir} failed: {e.strerror or e}; "
                                  "the previous index (if any) is still in place") from None
            raise
        _remove_old_generations(index_dir, keep={final.name, live.path.name if live else ""})
        return Generation(final, gen.fingerprint, gen.records, gen.built_at)
    finally:
        lock.__exit__(None, None, None)


def _write_generation(path: Path, records, fp: dict[str, str], progress: Progress | None) -> Generation:
    from whoosh import index as whoosh_index

    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema())
    writer = ix.writer(limitmb=128)
    try:
        for doc in _documents(records, progress):
            writer.add_document(**doc)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    try:
        from .fastjanome import build_cache

        build_cache(path / JANOME_CACHE)
    except Exception:  # optional: queries then load Janome itself
        shutil.rmtree(path / JANOME_CACHE, ignore_errors=True)
    with open(path / SPELLINGS, "w", encoding="utf-8") as f:
        json.dump(spellings(records), f, ensure_ascii=False)
    built_at = time.time()
    meta = {"fingerprint": fp, "records": len(records), "built_at": built_at, "format": FORMAT_VERSION}
    with open(path / FINGERPRINT, "w", encoding="utf-8") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    for p in path.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(path)
    return Generation(path, fp, len(records), built_at)


def _remove_stale_builds(index_dir: Path) -> None:
    """Partial builds left by a killed builder (we hold the lock, so none is live)."""
    for p in index_dir.glob(".build-*"):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    """Keep the live generation and the one before it (a reader may still be on it)."""
    for p in index_dir.glob("gen-*"):
        if p.name not in keep and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def open_generation(gen: Generation):
    """Open a generation's Whoosh index; IndexError_ if it is damaged."""
    from whoosh import index as whoosh_index

    try:
        return whoosh_index.open_dir(str(gen.path))
    except Exception as e:  # whoosh raises many kinds on damaged files
        raise IndexError_(f"the index in {gen.path} is damaged ({type(e).__name__}: {e})") from None
