"""SearchEngine: the one public entry point over corpus, analysis, index and search.

    engine = SearchEngine.open()              # builds the index on first use
    result = engine.search("庁内連携", polarity="hard", limit=5)

The index is kept in step with the corpus and the analysis code: ``open``
compares their fingerprint with the live index's and rebuilds when they differ.
"""

from __future__ import annotations

import _thread
import functools
import json
import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import index as ix
from . import labels, paths
from .errors import CorpusError, IndexError_, KodokuError, UsageError

if TYPE_CHECKING:  # the search module is imported when a search needs it
    from .search import Filters, Hit, SearchResult


def _reads_index(method):
    """A damaged index file met while reading, as the IndexError_ a caller expects.

    A file damaged in place keeps its size and time, so opening cannot tell, and
    whoosh reads its segments lazily: the first search to reach the damage fails
    with whatever the bytes made of it (zlib.error, struct.error, a bare Exception,
    a ValueError…). What failed is then checked against the index's checksums: damage
    is reported as such; anything else is a bug and goes on as it was raised."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        # One call at a time on one engine: whoosh reads a segment by a seek and a read on a file
        # the engine's threads share, and eight threads searching one engine met each other's
        # offsets (UnpicklingError, zlib.error, a hit lost: the stop-43 library review). An engine
        # per thread runs in parallel; one shared, its calls take turns.
        lock = self.__dict__.get("_lock") or self.__dict__.setdefault("_lock", _thread.RLock())
        try:
            with lock:
                return method(self, *args, **kwargs)
        except KodokuError:
            raise
        except Exception:
            try:
                ix.verify_generation(self.generation, full=True)
            except IndexError_ as damaged:
                raise IndexError_(f"{damaged}; see what else is wrong with: kodoku-search check, "
                                  "and rebuild it with: kodoku-search index") from None
            raise

    return wrapper


class SearchEngine:
    """A corpus, its index, and everything you can ask of them."""

    def __init__(self, corpus_dir: Path | None = None, index_dir: Path | None = None,
                 generation: ix.Generation | None = None, whoosh_index=None, notes=()):
        if generation is None:  # (whoosh_index is None for an engine opened lazily)
            # (SearchEngine() said "missing 4 required positional arguments": the stop-35 review.)
            raise TypeError("open one with SearchEngine.open() (the bundled corpus, its index built if "
                            "needed) or SearchEngine.open(corpus_dir, index_dir)")
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self.generation = generation
        self._ix = whoosh_index
        self._searcher = None
        self._values: dict[str, list[str]] = {}
        self.notes: list[str] = list(notes)  # things the caller may want to tell a person

    # -- opening and building -------------------------------------------------

    @classmethod
    def open(
        cls,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        rebuild: str = "auto",
        progress: Callable[[int, int], None] | None = None,
        lazy: bool = False,
    ) -> "SearchEngine":
        """Open the index for a corpus, building or rebuilding it when needed.

        ``rebuild``: "auto" (when missing, stale or damaged), "always", or "never"
        (use whatever index exists; raise if there is none). ``lazy``: open the
        Whoosh index only when a search needs it (``stats`` needs none).
        """
        _check_dirs(corpus_dir, index_dir)
        corpus = _corpus_path(corpus_dir)
        where = Path(index_dir) if index_dir is not None else paths.default_index_dir()
        if rebuild not in ("auto", "always", "never"):
            raise UsageError(f"rebuild must be auto, always or never, not {rebuild!r}")
        notes: list[str] = []
        gen = ix.current_generation(where)
        if rebuild == "never":
            if gen is None and where.exists() and not where.is_dir():  # (then `index` failed on it: the stop-42 review)
                raise UsageError(f"the index directory {where} is a file, not a directory: "
                                 "give --index-dir (or KODOKU_SEARCH_INDEX) a directory")
            if gen is None:
                raise IndexError_(f"no index in {where}; build one with: kodoku-search index")
        else:
            stale = rebuild == "always" or gen is None
            if gen is None and rebuild == "auto" and (where / ix.CURRENT).exists():
                notes.append(f"the index in {where} could not be read (its {ix.CURRENT} or {ix.FINGERPRINT}); rebuilt it")
            if not stale:
                try:
                    stale = gen.fingerprint != ix.fingerprint(corpus, gen.memo)  # unchanged files are not read
                except CorpusError as e:  # a corpus file cannot be read: as for any failed rebuild
                    notes.append(f"the corpus cannot be read, so the last good index is used: {e}")
            if stale:
                try:
                    gen = ix.build(corpus, where, progress, force=(rebuild == "always"))
                except KodokuError as e:
                    if gen is None or rebuild == "always":
                        raise
                    notes.append(f"the index is out of date and could not be rebuilt, so the last good index is used: {e}")
        whoosh_index = None
        for _ in range(0 if lazy else 5):
            try:
                whoosh_index = ix.open_generation(gen)
                break
            except IndexError_ as e:
                now = ix.current_generation(where)
                if now is not None and now.path != gen.path:
                    gen = now  # rebuilt, and the old one removed, while we opened it: open the new one
                    continue
                if rebuild == "never":
                    raise
                notes.append(f"{e}; rebuilt it")
                gen = ix.build(corpus, where, progress, force=True)
                whoosh_index = ix.open_generation(gen)
                break
        else:
            if not lazy:
                raise IndexError_(f"the index in {where} was rebuilt again and again while it was being opened; try again")
        from .fastjanome import use_janome_cache

        use_janome_cache(gen.path / ix.JANOME_CACHE)
        engine = cls(corpus, where, gen, whoosh_index, notes)
        if not lazy:
            engine.searcher()  # open the segment files now: later rebuilds cannot take them away
        return engine

    @staticmethod
    def check(corpus_dir: str | Path | None = None, index_dir: str | Path | None = None):
        """Verify the index on disk byte for byte without opening it for search
        (``kodoku-search check``): a CheckReport, or IndexError_ saying what to do."""
        from .check import check

        _check_dirs(corpus_dir, index_dir)  # (as open's: check(5) let a TypeError out; the stop-43 review)
        corpus = _corpus_path(corpus_dir)
        where = Path(index_dir) if index_dir is not None else paths.default_index_dir()
        return check(where, corpus)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> ix.Generation:
        """Rebuild the index from the corpus now and switch to it. A search running meanwhile
        in another thread ends on the index it began with: the old searcher is let go, not
        closed (its files close with its last reference; closed, that search failed with
        whoosh's ReaderClosed: the stop-39 review)."""
        gen = ix.build(self.corpus_dir, self.index_dir, progress, force=True)
        new_ix = ix.open_generation(gen)
        from .fastjanome import use_janome_cache

        use_janome_cache(gen.path / ix.JANOME_CACHE)
        self._ix, self._searcher, self.generation, self._values = new_ix, None, gen, {}
        # (The new index's own spellings, not the old one's: a corpus edited since spelled
        # "did you mean" from the words it had.)
        self.__dict__.pop("_spellings_map", None)
        self.__dict__.pop("_meaning", None)
        self.searcher()
        return gen

    def _follow(self) -> bool:
        """Go on to the index's current generation where this engine's was removed: an
        engine keeps the files it has open through two rebuilds, but reads some small ones
        on first need, and an engine open across two rebuilds lost its spellings (たてわり
        found nothing, silently: the stop-43 adversarial review). False where it was not
        removed, or there is nothing newer; IndexError_ where the current one was built from
        another corpus (or this one has changed since)."""
        if self.generation.path.exists():
            return False
        now = ix.current_generation(self.index_dir)
        if now is None or now.path == self.generation.path:
            return False
        # Only to an index of this engine's corpus: another corpus's, built into the same
        # directory, answered for it (架空市 for 縦割り: the review of the stop-43 fixes).
        try:
            same = now.fingerprint == ix.fingerprint(self.corpus_dir, now.memo)
        except KodokuError:
            same = False
        if not same:
            raise IndexError_(f"the index in {self.index_dir} was rebuilt since this engine opened it, from "
                              f"another corpus than {self.corpus_dir} (or that corpus has changed): open it again "
                              "(SearchEngine.open), which rebuilds it from this corpus")
        from .fastjanome import use_janome_cache

        self._ix, self._searcher, self.generation, self._values = ix.open_generation(now), None, now, {}
        use_janome_cache(now.path / ix.JANOME_CACHE)
        self.__dict__.pop("_spellings_map", None)
        self.__dict__.pop("_meaning", None)
        return True

    def close(self) -> None:
        cached = self.__dict__.pop("_meaning", None)
        if cached is not None and cached[1] is not None:
            cached[1].close()
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def __enter__(self) -> "SearchEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def searcher(self):
        if self._searcher is None:
            if self._ix is None:  # lazy: the generation may have been replaced since open()
                try:
                    self._ix = ix.open_generation(self.generation)
                except IndexError_:
                    now = ix.current_generation(self.index_dir)
                    if now is None or now.path == self.generation.path:
                        raise
                    self._ix = ix.open_generation(now)
                    self.generation, self._values = now, {}
                    self.__dict__.pop("_spellings_map", None)
                    from .fastjanome import use_janome_cache

                    use_janome_cache(now.path / ix.JANOME_CACHE)
            self._open_meaning()
            try:
                self._searcher = self._ix.searcher()
            except Exception as e:  # whoosh raises many kinds on missing or damaged files
                raise IndexError_(f"the index in {self.generation.path} cannot be read ({type(e).__name__}: {e}); "
                                  "open it again, or rebuild it with: kodoku-search index") from None
        return self._searcher

    # -- asking ---------------------------------------------------------------

    @_reads_index
    def search(
        self,
        query: str,
        *,
        city: str | None = None,
        prefecture: str | None = None,
        theme: str | None = None,
        polarity: str | None = None,
        limit: int = 10,
        explain: bool = False,
        related: bool = True,
        meaning: bool = True,
        rerank: bool = True,
    ) -> SearchResult:
        """Ranked hits for what a person typed. Filters accept the words people use
        (theme: general/全般, platform/PF/プラットフォーム; polarity: good/良かった, hard/苦労, other).
        ``explain`` attaches to each hit which words matched in which field, and what each added.
        ``related``: when fewer than ``limit`` records match, ``result.related`` holds
        records that share the best hits' most distinctive words, to fill the page
        (``result.ranked`` is the page: matches, then those; where the matches fill the
        first page, those scoring more than its weak matches come ahead of them). ``meaning``: add
        closeness in meaning (word vectors) to the ranking, and let the records
        nearest in meaning take turns with the related ones in filling the page
        (meaning.py). ``rerank``: let the learned ranker order the best 40 matches
        (rerank.py); off, the first stage's formula alone ranks them."""
        from .vocab import vocabulary

        filters = self.filters(city=city, prefecture=prefecture, theme=theme, polarity=polarity)
        from .search import KANA_RUN_AS_TYPED, run_search

        # The spellings serve only runs of kana (respelling, "did you mean"): read them then.
        spellings = self._spellings if isinstance(query, str) and KANA_RUN_AS_TYPED.search(query) else None
        searcher = self.searcher()
        result = run_search(searcher, query, filters, limit, vocabulary(self.corpus_dir), explain, spellings,
                            related, self._meaning_table() if meaning else None, rerank)
        if filters.theme and (filters.city or result.reading and result.reading.cities):
            result = self._pointed_elsewhere(result)
        return result

    def _pointed_elsewhere(self, result: SearchResult) -> SearchResult:
        """A city whose block in the filtered theme only points to another (宇和島市's platform
        block says 【孤独・孤立対策全般】参照), asked for by --city or by name, with nothing of its
        own there: say so, or "No results" reads as if the city had said nothing of it (the
        stop-40 user review); only where the other theme has something for the query."""
        import dataclasses

        f = result.filters
        asked = (f.city,) if f.city else result.reading.cities
        first = result.hits[0].city if result.hits else None  # (a named city's snippets come first)
        asked = tuple(c for c in asked if c != first)
        if not asked:
            return result
        try:
            files = json.loads((self.generation.path / ix.FILES).read_text("utf-8"))
        except OSError:
            if not self._follow():
                return result
            try:
                files = json.loads((self.generation.path / ix.FILES).read_text("utf-8"))
            except (OSError, ValueError):
                return result
        except ValueError:
            return result
        notes = list(result.notes)
        for info in files.values():
            for ref in info.get("references", ()):
                city, to = ref.get("city"), ref.get("target_theme")
                if city in asked and ref.get("theme") == f.theme and to:
                    # (The first stage alone, and not through search(): two blocks pointing at each
                    # other would send it back and forth.)
                    from .search import run_search
                    from .vocab import vocabulary

                    where = self.filters(city=city, prefecture=f.prefecture, theme=to, polarity=f.polarity)
                    there = run_search(self.searcher(), result.query, where, 1, vocabulary(self.corpus_dir), False,
                                       None, False, None, False)
                    if there.total:
                        here, label = labels.THEME_SHORT.get(f.theme, f.theme), labels.THEME_SHORT.get(to, to)
                        notes.append(f"{city}'s {here} block says to see its {label} snippets "
                                     f"({ref.get('source')}:{ref.get('line')}): try --city {city} --theme {to}")
        return dataclasses.replace(result, notes=tuple(notes)) if len(notes) > len(result.notes) else result

    def _open_meaning(self) -> None:
        """Read this generation's meaning table (meaning.py) as its index is opened."""
        from .meaning import MeaningTable

        cached = self.__dict__.get("_meaning")
        if cached is None or cached[0] != self.generation.path:
            if cached is not None and cached[1] is not None:
                cached[1].close()
            try:
                table = MeaningTable.read(self.generation.path)
            except (OSError, ValueError):  # unreadable: searches go on without the meaning signal
                table = None
            self.__dict__["_meaning"] = (self.generation.path, table)

    def _meaning_table(self):
        self._open_meaning()
        return self.__dict__["_meaning"][1]

    @property
    def _spellings(self) -> dict[str, str]:
        """Reading → spelling map of this index, for "did you mean" (loaded on first need)."""
        if self.__dict__.get("_spellings_map") is None:
            try:
                found = ix.read_verified_json(self.generation, ix.SPELLINGS)
            except OSError:
                if self._follow():  # (its generation removed by two rebuilds since it opened)
                    return self._spellings
                found = {}  # a generation written before spellings were kept
            except IndexError_ as damaged:  # not silently wrong suggestions
                said = str(damaged)  # (the advice once: it was said twice, the stop-43 review)
                raise IndexError_(said if "kodoku-search index" in said else f"{said}; rebuild it with: kodoku-search index") from None
            if not isinstance(found, dict):
                raise IndexError_(f"the index in {self.generation.path} is damaged ({ix.SPELLINGS} is not a table); "
                                  "rebuild it with: kodoku-search index")
            self.__dict__["_spellings_map"] = found
        return self.__dict__["_spellings_map"]

    @_reads_index
    def evaluate(self, judgments: str | Path, k: int = 10, related: bool = True, meaning: bool = True,
                 rerank: bool = True):
        """Run every query of a judgments file (the format of benchmarks/queries_dev.jsonl)
        and score the rankings: nDCG@k, Recall@k, MRR, zero-result rate. Scored is
        what a page shows: the matches, then (``related``) the related records."""
        from dataclasses import replace

        from .evaluate import check_judgments, evaluate, load_judgments

        # (Checked before any judgment is read: a bad k was blamed on the file's first line.)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise UsageError(f"k must be a whole number, 1 or more, not {k!r}")
        if not isinstance(judgments, (str, Path)):
            raise UsageError(f"judgments must be a file's path (str or Path), not {type(judgments).__name__}")
        js = load_judgments(judgments)
        # A passage's city as --city reads it (おかざき, 博多区, 岡崎): the README promises it, and
        # such a passage scored 0 with "no record of city 'おかざき'" (the stop-34 review).
        as_city: dict[str, str] = {}

        def city_of(name: str) -> str:
            if name not in as_city:
                try:
                    as_city[name] = self.filters(city=name).city or name
                except UsageError:
                    as_city[name] = name  # (check_judgments names it)
            return as_city[name]

        js = [replace(j, relevant=tuple(replace(p, city=city_of(p.city)) for p in j.relevant)) for j in js]

        from .search import NO_WORDS

        matched: dict[str, bool] = {}
        related_n: dict[str, int] = {}
        wordless: list[str] = []

        def run(j):
            try:
                r = self.search(j.query, limit=k, related=related, meaning=meaning, rerank=rerank, **j.filters())
            except UsageError as e:  # (a filter this index has no value for: say which judgment)
                raise UsageError(f"{j.where or j.qid}: {j.qid!r}: {e}") from None
            matched[j.qid] = r.total > 0
            related_n[j.qid] = len(r.related)
            if NO_WORDS in r.notes:  # (search says so and stops; scored, it is a zero-result query)
                wordless.append(f"{j.where or j.qid}: {j.qid!r}: {NO_WORDS}, so it scores as a zero-result query")
            return r.ranked

        report = evaluate(js, run, k=k)
        # A query no snippet matches is a zero-result query, even where related records
        # (near in meaning) fill its page.
        per_query = tuple(replace(q, zero=not matched[q.qid], related=min(related_n[q.qid], q.returned))
                          for q in report.per_query)
        return replace(report, per_query=per_query, zero_rate=sum(q.zero for q in per_query) / len(per_query),
                       warnings=tuple(wordless) + check_judgments(js, self.records()))

    def filters(self, *, city=None, prefecture=None, theme=None, polarity=None) -> Filters:
        """Validate filter values; UsageError lists the valid ones."""
        for name, value in (("city", city), ("prefecture", prefecture), ("theme", theme), ("polarity", polarity)):
            if value is not None and not isinstance(value, str):
                raise UsageError(f"{name} must be a string (or None), not {value!r}")
        if theme is not None:
            key = labels.resolve_theme(theme) or self._said("theme", theme)
            if key is None:
                raise UsageError(f"unknown theme {theme!r}; valid: general (全般), platform (PF, プラットフォーム)")
            theme = key
        if polarity is not None:
            key = labels.resolve_polarity(polarity) or self._said("polarity", polarity)
            if key is None:
                raise UsageError(f"unknown polarity {polarity!r}; valid: good (良かった), hard (苦労), other (その他)")
            polarity = key
        city = self._check("city", city)
        prefecture = self._check("prefecture", prefecture)
        from .search import Filters

        return Filters(city, prefecture, theme, polarity)

    def _said(self, kind: str, value: str) -> str | None:
        """A filter value said in words (大変だった, 地方版官民連携プラットフォーム), read as a
        query's are: as --polarity or --theme they were "unknown" (the stop-38 user review)."""
        from .vocab import vocabulary

        try:
            return vocabulary(self.corpus_dir).side_named(kind, value)
        except KodokuError:  # (a corpus whose intents file cannot be read: the aliases alone)
            return None

    def _check(self, fieldname: str, value: str | None, _other: bool = True) -> str | None:
        if value is None:
            return None
        v = value.strip()
        valid = self.values(fieldname)
        if v in valid:
            return v
        for cand in valid:  # 福岡 → 福岡市, 千葉 → 千葉県
            if cand[:-1] == v:
                return cand
        # As a query reads a place (the stop-25 review: --city ふくおか and --city 博多区 were
        # errors where 「ふくおか」 and 「博多区の取組」 name 福岡市): typed in hiragana, or a ward.
        from .search import _elsewhere, _kana_places, clean_query

        try:  # (as a query is cleaned: no lone surrogates or controls reach Janome)
            typed = clean_query(v)[0] if len(v) <= 40 else ""
        except UsageError:
            typed = ""
        written = _kana_places(typed, tuple(valid))[0]
        if typed and written in valid:
            return written
        romaji = unicodedata.normalize("NFKC", typed).strip().lower() if typed else ""
        if romaji.isascii() and romaji.isalpha():
            # In romaji, as a query reads it (fukuoka, kyoto: 福岡市, 京都市; hyogo: 兵庫県; the
            # stop-42 review): the place the query of that word names, where it names one; as
            # a prefecture, a city's too (--prefecture fukuoka: 福岡県).
            reading = self.search(romaji, limit=0, related=False, meaning=False, rerank=False).reading
            if fieldname == "city":
                named = reading.cities if not reading.regions else ()
            else:
                named = tuple(p for p, _ in reading.regions) or tuple(
                    dict.fromkeys(h.prefecture for h in self.records() if h.city in reading.cities))
            if len(named) == 1 and named[0] in valid:
                return named[0]
        if fieldname == "city" and typed:
            from .search import _city_by_sound

            said = _city_by_sound(typed.strip(), tuple(valid))
            if said:
                return said
        if fieldname == "city" and typed:
            # A ward, maybe after its city or prefecture (福岡市博多区, 福岡県博多区): the
            # query's own reader of places writes it as its city.
            read, _, shared = _elsewhere(self.searcher(), typed, tuple(valid))
            named = [c for c in valid if c in read]
            if len(named) == 1:
                return named[0]
            for ward, of in shared:
                raise UsageError(f"{ward} is a ward of {', '.join(of)}: give the city, e.g. --{fieldname} {of[0]}")
        other = {"city": "prefecture", "prefecture": "city"}.get(fieldname)
        if other and typed and _other:
            # The other kind of place (--city 福岡県): say which option takes it.
            try:
                as_other = self._check(other, v, _other=False)
            except UsageError:
                as_other = None
            if as_other:
                cities = sorted({h.city for h in self.records() if h.prefecture == as_other}) if other == "prefecture" else ()
                within = f" (its cities here: {'、'.join(cities)})" if cities else ""
                named = typed.strip()
                if named == as_other or named.endswith(("県", "都", "府", "道", "けん", "ふ", "どう", "と")):
                    raise UsageError(f"{as_other} is a {other}, not a {fieldname}{within}: "
                                     f"filter by it with --{other} {as_other}")
                # 広島 is 広島県 and 広島市 too: not told it is no city, only that no city here is called so.
                shown = typed.strip()[:40]
                raise UsageError(f"no {fieldname} here is called {shown}; {as_other} is a {other}{within}: "
                                 f"filter by it with --{other} {as_other}")
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise UsageError(f"unknown {fieldname} {shown!r}; valid: {', '.join(valid)}")

    @_reads_index
    def values(self, fieldname: str) -> list[str]:
        """Every value of a stored field (city, prefecture, theme, polarity …) in the index."""
        from whoosh.fields import ID

        schema = self.searcher().schema
        # Only a field indexed as words has values to list (not line, a number; not spans, only stored),
        # and only one a record has: not the analysis fields (text, reading, ngram …), nor sides.
        listable = [n for n in schema.names() if isinstance(schema[n], ID) and schema[n].stored]
        if not isinstance(fieldname, str) or fieldname not in listable:
            raise UsageError(f"unknown field {fieldname!r}; fields with values: {', '.join(listable)}")
        if fieldname not in self._values:
            self._values[fieldname] = sorted(
                t.decode("utf-8") if isinstance(t, bytes) else t for t in self.searcher().lexicon(fieldname)
            )
        # (A copy: the list itself is what filters are checked against, and a caller's v.clear()
        # made every city unknown; the stop-43 adversarial review.)
        return list(self._values[fieldname])

    @_reads_index
    def records(self) -> list[Hit]:
        """Every indexed record, in source order."""
        from .search import hit_from_stored

        s = self.searcher()
        docs = [hit_from_stored(f) for f in s.all_stored_fields()]
        return sorted(docs, key=lambda h: (h.source, h.line, h.id))

    @_reads_index
    def get(self, record_id: str) -> Hit:
        # Whoosh can look up only text it can encode: not lone surrogates, which is what
        # bytes that are not UTF-8 become on a command line (show $'\xff').
        valid = isinstance(record_id, str) and not any("\ud800" <= c <= "\udfff" for c in record_id)
        # (Pasted ids often bring a space or a newline along.)
        stored = self.searcher().document(id=record_id.strip()) if valid else None
        if stored is None and valid:
            cited = self.cited(record_id)
            if cited:
                return cited[0]
        if stored is None:
            # (The ids of its kind, where the id names a city and theme that have records: show
            # …/福岡市/9 did not say that 福岡市's general records are 1–4: the stop-39 user review.)
            stem = record_id.strip().rpartition("/")[0] + "/" if valid and "/" in record_id else ""
            near = sorted((f["id"] for f in self.searcher().all_stored_fields() if stem and f["id"].startswith(stem)),
                          key=lambda i: (len(i), i))
            if near:
                raise UsageError(f"no record with id {record_id!r}; {stem}… has "
                                 f"{near[0].rpartition('/')[2]}–{near[-1].rpartition('/')[2]}: e.g. {near[0]}")
            why = self._not_a_record(record_id) if valid else None
            if why:
                raise UsageError(why)
            raise UsageError(f"no record with id {record_id!r}; ids look like advice-2025-10/general/福岡市/2 "
                             "(or a citation: advice-2025-10.txt:31)")
        from .search import hit_from_stored

        return hit_from_stored(stored)

    def _not_a_record(self, citation: str) -> str | None:
        """What a line of a source is, where a citation names one that holds no record: a
        bullet the document repeats, a block that points to another theme, a heading (show
        …:206 said only "no record", of a line the corpus command lists: the stop-43 review)."""
        from .corpus import load_corpus

        source, _, line = unicodedata.normalize("NFKC", citation).strip().rpartition(":")
        if not source or not _a_line_number(line) or "/" in source or "\\" in source:
            return None
        try:
            c = load_corpus(self.corpus_dir)
        except KodokuError:
            return None
        n = int(line)
        if not any(p.name == source and p.suffix == ".txt" for p in c.files):
            return None  # (a JSON Lines file has no headings: its line is a record, cited by its own source)
        if n < 1:
            return f"{source}'s lines are numbered from 1; a citation names a snippet's line (advice-2025-10.txt:31)"
        where = f"{source}:{n}"
        for r in c.references:
            if r.source == source and r.line == n:
                to = ", ".join(r.target_ids) or "(nothing)"
                return (f"{where} is not a snippet: {r.city}'s {r.theme} block points to its {r.target_theme} "
                        f"records (【…】参照): {to}")
        for a in c.anomalies:  # (a line the parser set aside; not a city's heading it noted something of)
            if a.source == source and a.line == n and a.kind in _SET_ASIDE_KINDS:
                return f"{where} holds no record of its own ({a.kind}): {a.message}"
        try:
            lines = (c.directory / source).read_text("utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        if not 1 <= n <= len(lines):
            return f"{source} has {len(lines)} lines, not {n}"
        said = lines[n - 1].strip()
        hint = "; a citation names a snippet's line, as under each search result (advice-2025-10.txt:31)"
        if not said:
            return f"{where} is a blank line{hint}"
        return (f"{where} is not a snippet (a heading or the document's own text): "
                f"「{said[:60]}{'…' if len(said) > 60 else ''}」{hint}")

    @_reads_index
    def cited(self, citation: str) -> list[Hit]:
        """The records a search's citation names (advice-2025-10.txt:31: source and line), in
        id order: a user copies it from under a hit as readily as the id (the stop-41 review).
        A line may hold two (a sentence of each side); [] where it names none."""
        from whoosh import query as Q

        from .search import hit_from_stored

        if not isinstance(citation, str) or any("\ud800" <= c <= "\udfff" for c in citation):
            return []
        # As typed, then typed with the IME on (advice-2025-10.txt：31, its colon full width, was
        # no citation). Not the file's name normalised alone: 報告①.jsonl is its name as stored.
        for said in dict.fromkeys((citation.strip(), unicodedata.normalize("NFKC", citation).strip())):
            source, _, line = said.rpartition(":")
            if not source or not _a_line_number(line):
                continue
            found = [f.fields() for f in self.searcher().search(Q.Term("source", source), limit=None)]
            hits = [hit_from_stored(f) for f in sorted(found, key=lambda f: f["id"]) if f.get("line") == int(line)]
            if hits:
                return hits
        return []

    @_reads_index
    def neighbours(self, record_id: str, around: int = 2) -> tuple[list[Hit], Hit, list[Hit]]:
        """The record and the ``around`` records before and after it in its source."""
        from whoosh import query as Q

        if not isinstance(around, int) or isinstance(around, bool) or around < 0:
            raise UsageError(f"around must be a whole number, 0 or more, not {around!r}")
        rec = self.get(record_id)
        s = self.searcher()
        from .search import hit_from_stored

        same = [hit_from_stored(f) for f in s.search(Q.Term("source", rec.source), limit=None)
                for f in [f.fields()]]
        same.sort(key=lambda h: (h.line, h.id))
        i = next(k for k, h in enumerate(same) if h.id == rec.id)
        return same[max(0, i - around): i], rec, same[i + 1: i + 1 + around]

    @_reads_index
    def stats(self) -> dict[str, Any]:
        """Counts per city × theme × polarity, from the index (kept with it at build time)."""

        from .stats import counts

        # (Checked as the other small files are: a digit changed in place was served, and
        # valid JSON of another shape ended in a traceback; the stop-42 review. Damaged, the
        # counts are made from the records, as a search rebuilds past it; `check` reports it.)
        try:
            data = ix.read_verified_json(self.generation, ix.STATS)
        except (OSError, IndexError_):  # (missing: a generation from before it was kept; or damaged)
            return counts(self.records())
        if not (isinstance(data, dict) and isinstance(data.get("cities"), list)
                and all(isinstance(c, dict) and isinstance(c.get("counts"), dict) for c in data["cities"])
                and isinstance(data.get("totals"), dict)):
            return counts(self.records())
        return data

    # -- exploring (see explore.py, compare.py, session.py) ------------------

    @_reads_index
    def facets(self, query: str, *, city=None, prefecture=None, theme=None, polarity=None) -> dict[str, dict[str, int]]:
        """Counts of matching snippets per city, prefecture, theme and polarity, from the index."""
        from .explore import facets

        return facets(self, query, city=city, prefecture=prefecture, theme=theme, polarity=polarity)

    @_reads_index
    def find(self, query: str, *, city=None, prefecture=None, theme=None, polarity=None, limit: int = 10,
             offset: int = 0, sort: str = "score", explain: bool = False, facets: bool = False, related: bool = True,
             meaning: bool = True, rerank: bool = True):
        """A page of results (``offset``, ``limit``) in ``sort`` order (score, city, line), optionally with facets;
        by score, a page the matches do not fill goes on with related records."""
        from .explore import find

        return find(self, query, city=city, prefecture=prefecture, theme=theme, polarity=polarity, limit=limit,
                    offset=offset, sort=sort, explain=explain, facets=facets, related=related, meaning=meaning,
                    rerank=rerank)

    @_reads_index
    def compare(self, query: str, theme: str | None = None, limit_per_side: int = 1, *, prefecture: str | None = None,
                city: str | None = None):
        """Each matching city's best good and best hard snippets, side by side (``city``: that
        one city's, its best ``limit_per_side`` on each side)."""
        from .compare import compare

        return compare(self, query, theme=theme, prefecture=prefecture, city=city, limit_per_side=limit_per_side)

    @_reads_index
    def similar(self, record_id: str, limit: int = 10):
        """Snippets sharing a record's distinctive words, other cities' first."""
        from .compare import similar

        return similar(self, record_id, limit)

    def session(self, limit: int = 10):
        """An interactive session over this engine: queries and filter commands, line by line."""
        from .session import Session

        # (Checked here, as search checks its own: limit=-1 was taken, and each query then failed.)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise UsageError(f"limit must be a whole number, 0 or more, not {limit!r}")
        return Session(self, limit)


def warn(message: str) -> None:
    print(f"kodoku-search: {message}", file=sys.stderr)


def _a_line_number(text: str) -> bool:
    """Digits 0–9 that int() reads, not too many: isdigit() takes ① and ², which int() refuses
    (ValueError from get, cited and similar, a traceback from show: the stop-43 library review)."""
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


_SET_ASIDE_KINDS = frozenset({"duplicate-bullet"})  # anomalies of a line that holds no record (parser.py)


def _check_dirs(corpus_dir, index_dir) -> None:
    for name, value in (("corpus_dir", corpus_dir), ("index_dir", index_dir)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise UsageError(f"{name} must be a path (str or Path) or None, not {type(value).__name__}")
        if value is not None and "\x00" in str(os.fspath(value)):  # (ValueError from open(): the stop-43 review)
            raise UsageError(f"{name} has a NUL character in it: no path has")
        if isinstance(value, str) and not value.strip():
            # (Path("") is the working directory: a variable unset in a script indexed it)
            raise UsageError(f"{name} is empty: give a directory, or None for the default")


def _corpus_path(corpus_dir: str | Path | None) -> Path:
    """The corpus directory asked for; one given that is not there is a typo, not a
    corpus gone unreadable: the index of another corpus must not answer for it."""
    corpus = Path(corpus_dir) if corpus_dir is not None else paths.default_corpus_dir()
    if (corpus_dir is not None or os.environ.get(paths.ENV_CORPUS)) and not corpus.is_dir():
        what = "a file, not a directory" if corpus.exists() else "not there"
        raise UsageError(f"no corpus directory at {corpus} ({what}): give a directory of *.txt documents or *.jsonl "
                         f"records (--corpus-dir or {paths.ENV_CORPUS}), or leave it out for the bundled corpus")
    return corpus
