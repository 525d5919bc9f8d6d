"""Records → a Whoosh index on disk, built beside the live one and swapped in atomically.

Layout of an index directory::

    CURRENT          name of the live generation (replaced atomically)
    gen-<stamp>/     one complete Whoosh index + fingerprint.json
    .lock            held (flock) by whoever builds; the kernel frees it if the builder dies
    .lock-queue      held by whoever waits for .lock, so that waiters take turns
    .build-<…>/      a generation being built (removed if the build fails)

Readers read CURRENT and open that generation, so they see the old index or the
new one, never a half-built one. Only names of these shapes are ever created or
deleted, so a foreign directory given as --index-dir is never harmed.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import CorpusError, IndexError_, KodokuError

FORMAT_VERSION = 18  # 4: per-file digests in the fingerprint, with a stat memo; 5: meaning table; 6: sides;
# 7: every item of an announced list has the announcement as context; 8: the list as the parser reads it;
# 9: the reading field keys a word in kanji alone by the word (analysis.kanji_keyed); 10: stats count the
# records that state the other side too; 11: the sequel field (what continues a record);
# 12: a sequel says a list's heading once, and a record its context once; 13: invisible characters
# (U+200B inside 連\u200b携) are no characters in a record, as in a query; 14: a verb's or an adjective's
# reading is its dictionary form's (analysis.lemma_reading), and the spellings know a word with its kanji
# prefix (他部署, for たぶしょ); 15: semi-voiced kana keep their mark in the n-grams (フラット is no プラット); 16: kanji outside
# the common block (𠮷) are letters of words, not symbols; 17: the reading field keys every word written with
# kanji by the word (図る: ハカル|図る), not only those in kanji alone; 18: and every word in katakana alone
# (モデル: モテル|モデル, not 持てる's bare モテル)
CURRENT = "CURRENT"
LOCK = ".lock"
LOCK_QUEUE = ".lock-queue"  # waiters for .lock take turns through this one
FINGERPRINT = "fingerprint.json"
SPELLINGS = "spellings.json"
FILES = "files.json"  # per corpus file: sha, record ids, spellings, counts (for updates)
STATS = "stats.json"  # counts per city × theme × polarity, for `stats` without opening Whoosh
JANOME_CACHE = "janome"  # fastjanome's copy of Janome's dictionary, for quick query analysis
# Modules whose code decides what goes into the index: a change to any rebuilds it.
_SHAPING_MODULES = ("analysis.py", "fastjanome.py", "index.py", "parser.py", "markers.py", "corpus.py", "labels.py",
                    "records.py", "gazetteer.py", "data/municipalities.tsv", "meaning.py", "stats.py",
                    "data/meaning/MANIFEST")  # the vectors' sha256 (8.5 MB: not hashed on every search)
_PACKAGE = Path(__file__).resolve().parent
# The vectors themselves (MANIFEST stands for their contents): whether they are there,
# and their sizes, shape the index too, so an index built without them (missing, or
# damaged: a Git LFS pointer in their place) is rebuilt when they return.
_VECTOR_FILES = (_PACKAGE / "data" / "meaning" / "keys.bin", _PACKAGE / "data" / "meaning" / "vectors.i8")

LOCK_TIMEOUT = 120.0  # seconds a builder waits for another to finish

Progress = Callable[[int, int], None]


def schema():
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

    from .analysis import heading_analyzer, morph_analyzer, ngram_analyzer, reading_analyzer

    return Schema(
        id=ID(stored=True, unique=True),
        city=ID(stored=True),
        prefecture=ID(stored=True),
        theme=ID(stored=True),
        polarity=ID(stored=True),
        also=ID(stored=True),  # the other side a sentence of it states too (parser.also_states)
        sides=KEYWORD(),  # polarity and also: what a --polarity filter looks at
        section=ID(stored=True),
        source=ID(stored=True),
        line=NUMERIC(stored=True, sortable=True),
        text=TEXT(analyzer=morph_analyzer(), stored=True, phrase=True),
        reading=TEXT(analyzer=reading_analyzer(), phrase=False),
        ngram=TEXT(analyzer=ngram_analyzer(), phrase=False),
        context=TEXT(analyzer=morph_analyzer(), phrase=False),  # the snippet this one continues
        sequel=TEXT(analyzer=morph_analyzer(), phrase=False),  # the snippets that continue this one
        heading=TEXT(analyzer=heading_analyzer(), phrase=False),  # its section heading (取り組み例): base forms + readings
        repost_of=STORED,
        announced_by=STORED,  # (for show: the sentence announcing the list it is an item of)
        spans=STORED,  # [[term, reading, start, end], …]: highlighting without re-analysis
    )


# ---------------------------------------------------------------------------
# Fingerprints


RACY_NS = 2_000_000_000  # a file changed this close to when it was hashed is hashed again


def _digest(path: Path) -> str:
    import hashlib  # here: a search whose fingerprint memo holds needs no hashing at all

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _digests(paths: list[Path], root: Path, memo: dict | None = None) -> dict[str, list]:
    """name → [size, mtime_ns, sha256 prefix] of each file.

    A file whose size and mtime are those in ``memo`` is not read again, unless it
    changed within RACY_NS of when the memo was taken (a coarse clock could then
    hide a second change): the check ``git status`` makes of its index, so a
    search over a large corpus does not hash the whole corpus first.
    """
    known = (memo or {}).get("files") or {}
    at = (memo or {}).get("at") or 0
    out = {}
    for p in paths:
        name = p.relative_to(root).as_posix()
        st = p.stat()
        k = known.get(name)
        if (isinstance(k, list) and len(k) == 3 and k[0] == st.st_size and k[1] == st.st_mtime_ns
                and st.st_mtime_ns < at - RACY_NS):
            out[name] = k
        else:
            out[name] = [st.st_size, st.st_mtime_ns, _digest(p)]
    return out


def _combine(digests: dict[str, list], salt: str = "") -> str:
    import hashlib

    h = hashlib.sha256(salt.encode())
    for name, (_, _, sha) in digests.items():
        h.update(f"{name}\0{sha}\0".encode())
    return h.hexdigest()[:16]


def _vector_file_state(path: Path) -> str:
    """Size and magic bytes of a vector file (two small reads), or "no": what decides
    whether meaning.vectors() can load it."""
    try:
        with open(path, "rb") as f:
            return f"{os.fstat(f.fileno()).st_size}:{f.read(4).hex()}"
    except OSError:
        return "no"


def _versions() -> str:
    import whoosh
    from janome.version import JANOME_VERSION

    vectors = ",".join(_vector_file_state(p) for p in _VECTOR_FILES)
    return f"format={FORMAT_VERSION};janome={JANOME_VERSION};whoosh={whoosh.versionstring()};vectors={vectors}"


def fingerprint_and_memo(corpus_dir: Path, memo: dict | None = None) -> tuple[dict[str, str], dict]:
    """What an index is built from (the corpus files' contents; the code, data and
    versions that shape the index: a change to any rebuilds it), and the memo of
    sizes and mtimes that lets the next check skip reading unchanged files."""
    from .paths import corpus_files

    at = time.time_ns()
    memo = memo or {}
    root = str(corpus_dir.resolve())
    # (The memo's sizes and mtimes speak for the directory they were taken in: another
    # directory's files of the same names are read. The fingerprint itself is the
    # contents alone: a copy of the corpus elsewhere, or a second install sharing the
    # cache's index, is the same index, not a rebuild each time they take turns.)
    was = memo.get("corpus") if (memo.get("corpus") or {}).get("root") == root else None
    try:
        corpus = _digests(corpus_files(corpus_dir), corpus_dir, was)
    except OSError as e:
        raise CorpusError([f"{e.filename or corpus_dir}: cannot read the corpus: {e.strerror or e}"]) from None
    try:
        code = _digests([_PACKAGE / m for m in _SHAPING_MODULES], _PACKAGE, memo.get("analysis"))
    except OSError as e:  # a damaged install, not a damaged index: say so
        raise KodokuError(f"kodoku-search's installation is incomplete ({e.filename or e}: {e.strerror or e}); "
                          "reinstall it (pip install --force-reinstall kodoku-search, or pip install . from a checkout)") from None
    versions = _versions()
    was_c, was_a = was or {}, memo.get("analysis") or {}
    # Every file as the memo has it: the combined digests are the memo's too.
    fc = was_c["combined"] if corpus == was_c.get("files") and "combined" in was_c else _combine(corpus)
    fa = (was_a["combined"] if code == was_a.get("files") and was_a.get("versions") == versions and "combined" in was_a
          else _combine(code, versions))
    fp = {"corpus": fc, "analysis": fa}
    return fp, {"corpus": {"at": at, "files": corpus, "combined": fc, "root": root},
                "analysis": {"at": at, "files": code, "combined": fa, "versions": versions}}


def fingerprint(corpus_dir: Path, memo: dict | None = None) -> dict[str, str]:
    """The fingerprint alone; given a generation's ``memo``, unchanged files are not read."""
    return fingerprint_and_memo(corpus_dir, memo)[0]


# ---------------------------------------------------------------------------
# Generations


@dataclass(frozen=True)
class Generation:
    path: Path
    fingerprint: dict[str, str]
    records: int
    built_at: float
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # sizes and mtimes behind the fingerprint


def current_generation(index_dir: Path) -> Generation | None:
    """The live generation, or None if there is none (or it is unreadable)."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):  # (not UTF-8: as garbage, no generation)
        return None
    except OSError as e:
        raise IndexError_(f"cannot read {index_dir / CURRENT}: {e.strerror or e}") from None
    if not name.startswith("gen-") or "/" in name:
        return None
    path = index_dir / name
    try:
        meta = json.loads((path / FINGERPRINT).read_text("utf-8"))
        memo = meta.get("memo") if isinstance(meta.get("memo"), dict) else {}
        return Generation(path, meta["fingerprint"], int(meta["records"]), float(meta["built_at"]), memo)
    except (OSError, ValueError, KeyError, TypeError):
        return None


class BuildLock:
    """An exclusive flock on index_dir/.lock; released by the kernel if we die.

    Waiters queue through a second lock (.lock-queue, held while waiting for
    .lock) so that a process rebuilding in a loop cannot take .lock again ahead
    of one that was already waiting: turns alternate instead of one waiter
    starving.
    """

    def __init__(self, index_dir: Path, timeout: float | None = None):
        self.path = index_dir / LOCK
        self.queue = index_dir / LOCK_QUEUE
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.fd: int | None = None

    def __enter__(self) -> "BuildLock":
        deadline = time.monotonic() + self.timeout
        qfd = os.open(self.queue, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._take(qfd, deadline)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._take(fd, deadline)
            except BaseException:
                os.close(fd)
                raise
            self.fd = fd
            _HELD.add(fd)
            return self
        finally:
            os.close(qfd)  # releases our place in the queue: the next waiter goes on to .lock

    def _take(self, fd: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise IndexError_(
                        f"another process is rebuilding the index in {self.path.parent} (waited "
                        f"{self.timeout:.0f} s for it and any rebuild queued before this one); try again when it finishes"
                    ) from None
                time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            _HELD.discard(self.fd)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


_HELD: set[int] = set()  # this process's build-lock descriptors (a forked worker closes its copies)


def _worker_start(parent: int) -> None:
    """In each build worker, first: let go of the build lock the fork copied, and go when
    the builder goes. A flock belongs to the open file, so a worker holding a copy kept
    .lock taken after the builder was killed, and every later build waited 120 s and
    failed, until someone found the idle workers (the stop-43 adversarial review)."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()
    try:  # (Linux: a signal when the parent dies; elsewhere the closed copy is what matters)
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # (it died before the signal was asked for)
        os._exit(1)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


LEAD_IN = 2  # records before a headed list that count as what the list illustrates


def contexts(records) -> list[tuple[str, str]]:
    """For each record, (the text of what it continues, the texts of what continues it):
    ``context_sources`` read one way and the other. The second is the first turned
    round: 播磨町's 「福祉分野でない部署が…動いてくれることが増えた」 never says 庁内, but the
    list it leads into is 「~庁内の例~」; its 「…フィールドワーク演習を実施しました」 never
    says イベント, but the line that goes on from it (「➡ その報告をもとに…イベントで」) does."""
    records = list(records)
    sources = context_sources(records)
    sequel: dict[int, list[str]] = {}
    heading: dict[int, str | None] = {}  # the heading each record's sequel said last
    at = {id(r): i for i, r in enumerate(records)}
    for r, srcs in zip(records, sources):
        for p in srcs:  # (with the heading it is listed under, once a list: 庁内の例)
            i = at[id(p)]
            said = r.section and (not SEQUEL_HEADING_ONCE or heading.get(i) != r.section)
            sequel.setdefault(i, []).append(f"{r.section} {r.text}" if said else r.text)
            heading[i] = r.section
    return [(" ".join(p.text for p in srcs), " ".join(sequel.get(i, ())))
            for i, srcs in enumerate(sources)]


SEQUEL_HEADING_ONCE = True  # a lead-in's sequel says each list's heading once, not once an item


def context_sources(records) -> list[list]:
    """For each record, the records it continues: the one just before it in the same
    source, city, theme, polarity and section. A follow-on line
    (「講座受講者から…」) often leaves its subject to the line before it. A record
    listed under a heading (~庁内の例~) also gets the lead-in: the last ``LEAD_IN``
    records of its city and theme before the headed lists began (「福祉分野でない
    部署が…動いてくれる」, 「以下に…記載しています」), which its list illustrates.
    Every item of a list a sentence announces (「次の3点を学びました。」, the
    parser's ``announced_by``) gets that sentence too: each is one of the 3 things
    learned, not only the first."""
    out = []
    prev = None
    plain: list = []  # this city and theme's records outside any heading so far
    block = None
    records = list(records)
    by_id = {r.id: r for r in records}  # for announced_by
    for r in records:
        key = (r.source, r.city, r.theme)
        if key != block:
            block, plain = key, []
        same = prev is not None and (prev.source, prev.city, prev.theme, prev.polarity, prev.section) == (
            r.source, r.city, r.theme, r.polarity, r.section)
        srcs = [prev] if same else []
        announcer = by_id.get(r.announced_by) if r.announced_by else None
        if announcer is not None and announcer is not prev and announcer is not r:
            srcs.insert(0, announcer)
        if r.section:
            srcs[:0] = plain[-LEAD_IN:]
        else:
            plain.append(r)
        # (Once each: an announcer may be a lead-in too, and its words were counted twice.)
        out.append(list({id(s): s for s in srcs}.values()))
        prev = r
    return out


def _spelling_counts(records, seen: dict | None = None, analysed=None) -> dict[str, dict[str, int]]:
    """Folded reading → {spelling: count}, for "did you mean" when a word typed in
    kana (たてわり) finds nothing. Adjacent words count as one too: to the person
    typing, 縦 + 割り is one word. ``analysed``: the records' words, if known."""
    from .analysis import LOOSE, all_kanji, fold, morphs, words

    seen = {} if seen is None else seen
    for k, r in enumerate(records):
        ws = analysed[k] if analysed is not None else words(r.text)
        # A prefix in kanji is no word, but 他 + 部署 is one to the person typing たぶしょ.
        prefixed = {m.end: m for m in morphs(r.text)
                    if m.pos.startswith("接頭詞") and m.reading and all_kanji(r.text[m.start:m.end])}
        for i, w in enumerate(ws):
            keys = [(w.kana, w.surface)]
            if i + 1 < len(ws) and ws[i + 1].start == w.end:
                keys.append((w.kana + ws[i + 1].kana, r.text[w.start:ws[i + 1].end]))
            p = prefixed.get(w.start)
            if p is not None and w.voiced:
                keys.append((fold(p.reading + w.voiced, voicing=False)[0], r.text[p.start:w.end]))
            for kana, spelled in keys:
                if len(kana) >= 2:
                    for key in (kana, LOOSE + fold(kana)[0]):
                        c = seen.setdefault(key, {})
                        c[spelled] = c.get(spelled, 0) + 1
    return seen


def _merge_counts(parts) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for part in parts:
        for kana, c in part.items():
            o = out.setdefault(kana, {})
            for spelled, n in c.items():
                o[spelled] = o.get(spelled, 0) + n
    return out


def _document(r, context: tuple[str, str], ws) -> dict:
    return {
        "id": r.id,
        "city": r.city,
        "prefecture": r.prefecture,
        "theme": r.theme,
        "polarity": r.polarity,
        "also": r.also,
        "sides": " ".join(filter(None, (r.polarity, r.also))),
        "section": r.section or "",
        "source": r.source,
        "line": r.line,
        "text": r.text,
        "reading": r.text,
        "ngram": r.text,
        "context": context[0],
        "sequel": context[1],
        "heading": r.section or "",
        "repost_of": r.repost_of,
        "announced_by": r.announced_by,
        "spans": [[w.term, w.reading, w.start, w.end] for w in ws],
    }


# ---------------------------------------------------------------------------
# Writing segments: one per worker process, so analysis uses every core.
# Whoosh's own multiprocessing writer (procs=) can drop documents silently; here
# each worker writes a whole segment into the shared directory, as Whoosh's
# multisegment mode does, and the parent lists them in one table of contents.

PARALLEL_MIN = 2000  # records below which starting worker processes costs more than it saves


def _write_segment(index_path: str, janome_cache: str | None, records, contexts):
    """Index ``records`` as one new segment of the index at ``index_path``
    (run in a worker process, or inline). Returns the segment and its spellings."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from . import analysis

    if janome_cache:
        analysis.use_janome_cache(Path(janome_cache))
    ix = whoosh_index.open_dir(index_path)
    writer = SegmentWriter(ix, _lk=False, limitmb=128)
    spell: dict = {}
    try:
        for r, ctx in zip(records, contexts):
            ws = analysis.words(r.text)  # once; the fields' analyzers reuse Janome's cached tokens
            _spelling_counts([r], spell, [ws])
            writer.add_document(**_document(r, ctx, ws))
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    # The writers share one temporary directory; the parent removes it when all are done.
    return segment, spell


def _jobs(fresh: dict, procs: int) -> list[tuple[str, list, list]]:
    """(file name, records, contexts) per segment to write, in corpus order.

    With one process: one segment per file. With several, the stream of records
    (weighted by text length, which is what analysis costs) is also cut into
    2 × procs equal shares, so that no worker is left with one more whole file
    than the others (nine files of 10,000 records on two cores would otherwise
    be 5 : 4). Segments never mix files, so an update replaces a file's segments
    whole, and the index's statistics (so every score) equal a full build's.
    """
    if procs <= 1:
        return [(name, list(fr.records), contexts(list(fr.records))) for name, fr in fresh.items()]
    weight = lambda r: len(r.text) + 16  # noqa: E731 - per-record overhead besides the text
    total = sum(weight(r) for fr in fresh.values() for r in fr.records)
    step = total / (2 * procs)
    jobs, acc, cut = [], 0.0, step
    for name, fr in fresh.items():
        recs = list(fr.records)
        ctx = contexts(recs)
        start = 0
        for i, r in enumerate(recs):
            acc += weight(r)
            if acc >= cut:
                if i + 1 < len(recs):
                    jobs.append((name, recs[start:i + 1], ctx[start:i + 1]))
                    start = i + 1
                while cut <= acc:
                    cut += step
        if start < len(recs):
            jobs.append((name, recs[start:], ctx[start:]))
    return jobs


def _write_segments(path: Path, jobs, procs: int, progress: Progress | None) -> list:
    """Write one segment per job, inline or across ``procs`` worker processes;
    results in the order of ``jobs``. Workers take the largest jobs first, so they
    finish together."""
    cache = str(path / JANOME_CACHE) if (path / JANOME_CACHE / "meta.marshal").exists() else None
    total = sum(len(j[1]) for j in jobs)
    done = 0
    if procs <= 1 or len(jobs) < 2:
        out = []
        for name, recs, ctxs in jobs:
            out.append(_write_segment(str(path), cache, recs, ctxs))
            done += len(recs)
            if progress:
                progress(done, total)
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    order = sorted(range(len(jobs)), key=lambda k: -sum(len(r.text) for r in jobs[k][1]))
    results: list = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=procs, mp_context=ctx, initializer=_worker_start,
                             initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_write_segment, str(path), cache, jobs[k][1], jobs[k][2]): k for k in order}
        for fut in as_completed(futures):
            k = futures[fut]
            results[k] = fut.result()
            done += len(jobs[k][1])
            if progress:
                progress(done, total)
    return results


def _commit_segments(path: Path, keep: set[str], segments) -> None:
    """Make the index's content the kept segments plus the new ones."""
    import shutil

    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(path))
    toc = ix._read_toc()
    gen = toc.generation + 1
    final = [s for s in toc.segments if s.segment_id() in keep] + list(segments)
    whoosh_index.TOC(toc.schema, final, gen).write(ix.storage, ix.indexname)
    ix.close()
    whoosh_index.clean_files(ix.storage, ix.indexname, gen, final)
    shutil.rmtree(path / f"{ix.indexname}.tmp", ignore_errors=True)


def default_procs(records: int) -> int:
    return min(2, os.cpu_count() or 1) if records >= PARALLEL_MIN else 1


def _write_generation(path: Path, files, fp: dict[str, str], progress: Progress | None,
                      base: Generation | None = None, procs: int | None = None, memo: dict | None = None) -> Generation:
    """Write a complete generation at ``path``.

    ``files`` maps each corpus file name to (sha, FileRecords or None); None means
    the file is unchanged since ``base``, whose segments, spellings and counts are
    reused: only changed files are analysed, and the segments of changed or
    removed files are dropped whole.
    """
    import shutil

    from whoosh import index as whoosh_index

    from .stats import counts

    if base is None:
        path.mkdir()
        whoosh_index.create_in(str(path), schema())
        try:
            from .fastjanome import build_cache

            build_cache(path / JANOME_CACHE)
        except OSError:
            raise  # a full disk or an I/O error fails the build, as anywhere else
        except Exception:  # optional (e.g. a Janome whose internals moved): queries then load Janome itself
            shutil.rmtree(path / JANOME_CACHE, ignore_errors=True)
        old: dict = {}
    else:
        _copy_generation(base.path, path)
        old = json.loads((base.path / FILES).read_text("utf-8"))
    fresh = {name: fr for name, (_, fr) in files.items() if fr is not None}
    nrec = sum(len(fr.records) for fr in fresh.values())
    n = procs if procs is not None else default_procs(nrec)
    jobs = _jobs(fresh, n)
    results = _write_segments(path, jobs, n, progress) if nrec else []
    keep = {sid for name, (_, fr) in files.items() if fr is None for sid in old[name]["segments"]}
    _commit_segments(path, keep, [seg for seg, _ in results])
    info = {name: old[name] for name, (_, fr) in files.items() if fr is None}
    for name, (sha, fr) in files.items():
        if fr is not None:
            mine = [res for (job_name, _, _), res in zip(jobs, results) if job_name == name]
            info[name] = {
                "sha": sha,
                "records": len(fr.records),
                "ids": [r.id for r in fr.records],
                "segments": [seg.segment_id() for seg, _ in mine],
                "spellings": _merge_counts(sp for _, sp in mine),
                "counts": counts(fr.records),
                # (Blocks that only point elsewhere, 【孤独・孤立対策全般】参照: a filter that finds
                # nothing there says where the city's answer is; engine.py.)
                "references": [r.to_dict() for r in fr.references],
            }
    info = {name: info[name] for name in files}  # corpus order
    total = sum(v["records"] for v in info.values())
    _write_meaning(path)
    _write_json(path / FILES, info)
    all_spell = _merge_counts(v["spellings"] for v in info.values())
    _write_json(path / SPELLINGS, {k: max(c.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, c in all_spell.items()})
    _write_json(path / STATS, _merge_stats([v["counts"] for v in info.values()]))
    built_at = time.time()
    _write_json(path / FINGERPRINT, {"fingerprint": fp, "records": total, "built_at": built_at, "format": FORMAT_VERSION,
                                     "checksums": _checksums(path, base), "memo": memo or {}})
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(path)
    return Generation(path, fp, total, built_at, memo or {})


def _write_meaning(path: Path) -> None:
    """The index's words with their vectors and nearest neighbours (meaning.py),
    from the new generation's own vocabulary: remade whole on every build."""
    from whoosh import index as whoosh_index

    from .meaning import TABLE, TABLE_NEIGHBOURS, TABLE_VECTORS, MeaningTable

    for name in (TABLE, TABLE_NEIGHBOURS, TABLE_VECTORS):
        (path / name).unlink(missing_ok=True)
    with whoosh_index.open_dir(str(path)).reader() as reader:
        words = [t.decode("utf-8") for t in reader.lexicon("text")]
    table = MeaningTable.build(words)
    if table is not None:
        table.write(path)


def _checksums(path: Path, base: Generation | None = None) -> dict[str, dict]:
    """Size, mtime and sha256 of every file of a generation (fingerprint.json aside),
    so that damage is found when the index is opened, not as a crash mid-search or
    as silently wrong scores. A file copied or linked unchanged from ``base`` (same
    name, size and mtime) keeps the digest computed for it then."""
    known = read_checksums(base.path) if base is not None else {}
    out = {}
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.name != FINGERPRINT:
            name = p.relative_to(path).as_posix()
            st = p.stat()
            old = known.get(name)
            if isinstance(old, dict) and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns:
                digest = old["sha256"]
            else:
                digest = _sha256(p)
            out[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    return out


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_verified_json(gen: Generation, name: str):
    """A small file of the generation, parsed, after its sha256 is checked: a file read
    whole on a later search is not covered by the cheap check at open (damage in place
    keeps size and time), and JSON damaged into other valid JSON is silently wrong.
    OSError if it is missing (older generations); IndexError_ if it is damaged."""
    import hashlib

    data = (gen.path / name).read_bytes()
    want = read_checksums(gen.path).get(name)
    digest = want.get("sha256") if isinstance(want, dict) else want
    if digest and hashlib.sha256(data).hexdigest() != digest:
        raise IndexError_(f"the index in {gen.path} is damaged ({name} changed since it was written); "
                          "rebuild it with: kodoku-search index")
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as e:
        raise IndexError_(f"the index in {gen.path} is damaged ({name}: {e}); rebuild it with: kodoku-search index") from None


def read_checksums(path: Path) -> dict:
    try:
        sums = json.loads((path / FINGERPRINT).read_text("utf-8")).get("checksums") or {}
        return sums if isinstance(sums, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def _merge_stats(parts: list[dict]) -> dict:
    """Sum per-file city × theme × polarity counts (the shape of stats.counts)."""
    cities: dict[tuple[str, str], dict] = {}
    for part in parts:
        for c in part["cities"]:
            key = (c["city"], c["prefecture"])
            row = cities.setdefault(key, {"city": c["city"], "prefecture": c["prefecture"], "counts": {}, "total": 0,
                                          "also": {}})
            for k, v in c["counts"].items():
                row["counts"][k] = row["counts"].get(k, 0) + v
            for k, v in (c.get("also") or {}).items():
                row["also"][k] = row["also"].get(k, 0) + v
            row["total"] += c["total"]
    totals: dict[str, int] = {}
    for row in cities.values():
        for k, v in row["counts"].items():
            totals[k] = totals.get(k, 0) + v
    return {"cities": list(cities.values()), "totals": totals, "total": sum(totals.values())}


def _copy_generation(src: Path, dst: Path) -> None:
    """A private copy of a generation to update: Whoosh files are copied (a
    commit rewrites some), the Janome cache is hard-linked (never written again)."""
    import shutil

    dst.mkdir()
    for p in src.iterdir():
        if p.is_dir():
            if p.name == JANOME_CACHE:
                (dst / p.name).mkdir()
                for f in p.iterdir():
                    try:
                        os.link(f, dst / p.name / f.name)
                    except OSError:
                        shutil.copy2(f, dst / p.name / f.name)
        elif p.is_file() and p.name not in (LOCK, LOCK_QUEUE):
            shutil.copy2(p, dst / p.name)


def build(corpus_dir: Path, index_dir: Path, progress: Progress | None = None, *, force: bool = True,
          procs: int | None = None) -> Generation:
    """Build a new generation from the corpus and make it live.

    Holds the build lock throughout; a second builder waits, and then (unless
    ``force``) finds the index already current and returns it. Without
    ``force``, only corpus files that changed since the live generation are
    re-analysed. ``procs``: worker processes (default: both cores for large
    builds). Any failure leaves the previous generation live and removes the
    partial one.
    """
    import shutil

    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # (mkdir's "File exists" for a file in the way, /dev/null, or a dangling link)
        what = (f"a link to {os.readlink(index_dir)}, which is not there"
                if index_dir.is_symlink() and not index_dir.exists()
                else f"a link to {os.readlink(index_dir)}, a file, not a directory" if index_dir.is_symlink()
                else "a file, not a directory")
        raise IndexError_(f"the index directory {index_dir} is {what}: "
                          "give --index-dir (or KODOKU_SEARCH_INDEX) a directory") from None
    except OSError as e:
        raise IndexError_(f"cannot create the index directory {index_dir}: {e.strerror or e}") from None
    try:
        lock = BuildLock(index_dir).__enter__()
    except PermissionError:
        raise IndexError_(f"cannot write to the index directory {index_dir} (permission denied); "
                          "choose another with --index-dir or KODOKU_SEARCH_INDEX") from None
    except OSError as e:
        raise IndexError_(f"cannot lock the index directory {index_dir}: {e.strerror or e}; the index there, "
                          "if any, is as it was: choose another with --index-dir or KODOKU_SEARCH_INDEX") from None
    try:
        from .paths import corpus_files

        try:
            listed = [p.name for p in corpus_files(corpus_dir)] if corpus_dir.is_dir() else []
        except OSError:
            listed = []
        fp, memo = fingerprint_and_memo(corpus_dir)
        live = current_generation(index_dir)
        if not force and live is not None and live.fingerprint == fp:
            # A builder killed between its swap and its clean-up (or before its swap) leaves
            # a third generation behind; the next build that finds the index current tidies
            # up, keeping the live one and the one before it (a reader may still be on it).
            names = [p.name for p in index_dir.glob("gen-*") if _GEN_NAME.fullmatch(p.name)]
            if len(names) > 2 and _GEN_NAME.fullmatch(live.path.name):
                older = [n for n in names if int(n[4:]) < int(live.path.name[4:])]
                _remove_old_generations(index_dir, keep={live.path.name, max(older, key=lambda n: int(n[4:]), default="")})
            return live
        _remove_stale_builds(index_dir)
        files, base = _plan(corpus_dir, live, fp, force, memo["corpus"]["files"])  # a CorpusError here changes nothing
        tmp = index_dir / f".build-{os.getpid()}-{time.time_ns()}"
        swapped = False
        try:
            gen = _write_generation(tmp, files, fp, progress, base=base, procs=procs, memo=memo)
            # The fingerprint must describe what was indexed: a file that went away (or
            # came back) while the records were read would otherwise be missing from an
            # index that claims to be current, and no later open would rebuild it.
            after = fingerprint(corpus_dir)
            if list(files) != listed or after != fp:
                moved = sorted(set(files) ^ set(listed))
                what = ("kodoku-search itself (its analysis code) changed" if after["analysis"] != fp["analysis"]
                        else "the corpus changed")
                raise CorpusError([f"{corpus_dir}: {what} while the index was being built"
                                   + (f" ({', '.join(moved)} came or went)" if moved else "")
                                   + "; the previous index (if any) is still in place: run kodoku-search index again"])
            final = index_dir / f"gen-{time.time_ns()}"
            os.rename(tmp, final)
            pointer = index_dir / f"{CURRENT}.tmp"
            with open(pointer, "w", encoding="utf-8") as f:
                f.write(final.name + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(pointer, index_dir / CURRENT)
            swapped = True
            _fsync_dir(index_dir)
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, KodokuError) or not isinstance(e, Exception):
                raise  # a message of our own; or KeyboardInterrupt, SystemExit
            reason = e.strerror if isinstance(e, OSError) and e.strerror else f"{type(e).__name__}: {e}"
            if swapped:
                raise IndexError_(f"the new index in {index_dir} is in place, but saving it to disk failed: "
                                  f"{reason}; if the machine stops now, run kodoku-search index again") from None
            raise IndexError_(f"building the index in {index_dir} failed: {reason}; "
                              "the previous index (if any) is still in place") from None
        _remove_old_generations(index_dir, keep={final.name, live.path.name if live else ""})
        return Generation(final, gen.fingerprint, gen.records, gen.built_at, gen.memo)
    finally:
        lock.__exit__(None, None, None)


def _plan(corpus_dir: Path, live: Generation | None, fp: dict[str, str], force: bool, digests: dict | None = None):
    """Which corpus files to (re)read: all for a full build; for an update, only
    those whose bytes changed since the live generation (same analysis code).
    ``digests`` are the fingerprint's (a file changed since is caught when the
    build compares the fingerprint again at the end)."""
    from .corpus import check_ids, read_file
    from .errors import CorpusError
    from .paths import corpus_files

    if not corpus_dir.is_dir():
        raise CorpusError([f"{corpus_dir}: corpus directory not found"])
    paths_ = corpus_files(corpus_dir)
    if not paths_:
        raise CorpusError([f"{corpus_dir}: no *.txt or *.jsonl files to index"])
    old: dict = {}
    base = None
    if not force and live is not None and live.fingerprint.get("analysis") == fp["analysis"]:
        try:
            old = json.loads((live.path / FILES).read_text("utf-8"))
            base = live
        except (OSError, ValueError):
            old, base = {}, None
    problems: list[str] = []
    files: dict = {}
    for path in paths_:
        try:
            sha = (digests or {}).get(path.name, [None, None, None])[2] or _digest(path)
        except OSError:
            sha = None
        if base is not None and sha is not None and old.get(path.name, {}).get("sha") == sha:
            files[path.name] = (sha, None)
        else:
            files[path.name] = (sha, read_file(path, problems))
    known = {i: name for name, (sha, fr) in files.items() if fr is None for i in old[name]["ids"]}
    check_ids([r for _, fr in files.values() if fr is not None for r in fr.records], problems, known)
    if problems:
        raise CorpusError(problems)
    return files, base


# Only names this module makes are ever deleted: a foreign directory's gen-photos/,
# gen-2023/ or .build-cache/ is not ours, whatever its name starts with.
_BUILD_NAME = re.compile(r"\.build-\d+-\d+")
_GEN_NAME = re.compile(r"gen-\d+")


def _remove_stale_builds(index_dir: Path) -> None:
    """Partial builds left by a killed builder (we hold the lock, so none is live)."""
    import shutil

    for p in index_dir.glob(".build-*"):
        if _BUILD_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


_TRASH_NAME = re.compile(r"\.trash-gen-\d+")


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    """Keep the live generation and the one before it (a reader may still be on it).

    A generation is first renamed to ``.trash-gen-…`` and then deleted, so a builder
    killed half-way through a deletion leaves a name that is unmistakably ours (a
    half-deleted ``gen-…`` without its fingerprint would look like someone else's
    directory and stay for ever); the next clean-up finishes the job."""
    import shutil

    for t in index_dir.glob(".trash-gen-*"):
        if _TRASH_NAME.fullmatch(t.name) and t.is_dir() and not t.is_symlink():
            shutil.rmtree(t, ignore_errors=True)
    for p in index_dir.glob("gen-*"):
        if (p.name not in keep and _GEN_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
                and (p / FINGERPRINT).is_file()):
            trash = index_dir / f".trash-{p.name}"
            try:
                os.rename(p, trash)
            except OSError:
                continue
            shutil.rmtree(trash, ignore_errors=True)


def verify_generation(gen: Generation, full: bool = False) -> None:
    """IndexError_ unless every file of the generation is as it was written.

    Cheap by default, so every open can afford it at any index size: a file whose
    size changed is damaged; one whose mtime changed is hashed and compared (that is
    how a rewrite in place is caught). ``full`` hashes every file, as ``kodoku-search
    check`` does. Generations written before checksums were kept are not checked.
    """
    try:
        sums = json.loads((gen.path / FINGERPRINT).read_text("utf-8")).get("checksums") or {}
        for name, want in sums.items():
            if isinstance(want, str):  # digest only (early format)
                want = {"sha256": want}
            target = gen.path / name
            st = target.stat()
            if "size" in want and st.st_size != want["size"]:
                raise IndexError_(f"the index in {gen.path} is damaged ({name} is {st.st_size:,} bytes, "
                                  f"written as {want['size']:,})")
            if (full or st.st_mtime_ns != want.get("mtime_ns")) and _sha256(target) != want["sha256"]:
                raise IndexError_(f"the index in {gen.path} is damaged ({name} changed since it was written)")
    except OSError as e:
        raise IndexError_(f"the index in {gen.path} is damaged ({e.filename or gen.path}: {e.strerror or e})") from None
    except (ValueError, AttributeError, KeyError, TypeError) as e:
        raise IndexError_(f"the index in {gen.path} is damaged ({FINGERPRINT}: {type(e).__name__}: {e})") from None


def open_generation(gen: Generation):
    """Open a generation's Whoosh index; IndexError_ if it is damaged. The files are
    checked against their checksums and the table of contents against the record
    count, so damage shows here, where the engine can rebuild, and not in the middle
    of a search."""
    from whoosh import index as whoosh_index

    verify_generation(gen)
    try:
        wix = whoosh_index.open_dir(str(gen.path))
        n = sum(seg.doc_count_all() for seg in wix._segments())  # from the TOC: no segment opened twice
    except Exception as e:  # whoosh raises many kinds on damaged files
        raise IndexError_(f"the index in {gen.path} is damaged ({type(e).__name__}: {e})") from None
    if n != gen.records:
        wix.close()
        raise IndexError_(f"the index in {gen.path} is damaged (it holds {n} records, not {gen.records})")
    return wix
