"""Query text + filters → ranked, highlighted, explainable hits.

The query is what a person types: a word, several words, or a whole sentence.
It is read into content words (no query syntax: AND, quotes and brackets are
just characters), and each word is looked for in the snippet's own three fields:

* ``text``: Janome base forms, the exact word (weight ``W_TEXT``);
* ``reading``: folded readings, other spellings of the word (繋がり / つながり);
* ``ngram``: folded character bigrams, words Janome splits or does not know,
  compounds (孤立死, 庁内連携) and spelling slips (ポットキャスト).

and in three around it: ``context`` (at a quarter weight: the snippet this one
continues, or the lead-in of its list), ``sequel`` (``W_SEQUEL``: the snippets
that continue this one, with the heading of a list it leads into) and
``heading`` (the section it is listed under, by base form and reading). Synonyms from the corpus's ``synonyms.csv`` (found in the
query as typed) and the corpus's own spelling of kana the query has
(いばしょ → 居場所) join as alternatives, in the text, heading and context
fields (教訓 finds 鳥取市's lessons by their 「次の3点を学びました」), counted only
for a word the snippet (in context: the snippet before) lacks, and in context
only the best one, at the share a synonym has against the word itself. Bigrams
of the query that cross its particles (…してくれた) add to snippets the words
found, never finding one alone. A word that names what a
filter asks for (PF with --theme platform) is also met by the record's label, at
a weight below any word's. BM25F over all of these gives the base score; it is
then multiplied by a coordination factor (how much of the query matched, each
word weighted by its idf), a proximity factor (query words found next to each
other, in order, and the whole query as typed) and an intent factor (the query
says 苦労 or 成果, or ends in 分からない: results of that side rise, none are
hidden). Closeness in meaning (word vectors: the snippet's words closest to
each query word) is then added, at most ``W_MEANING`` × the best match's score
(meaning.py). When fewer records match than the page holds, related records
follow the matches, two kinds taking turns: the nearest in meaning, and those
that share the best matches' most telling words (feedback.py); where the matches
fill the first page, a related record also comes ahead of a weak match (under
``WEAK_SHARE`` of the best) that scores less than it. Last, a learned
ranker re-orders the best RERANK_DEPTH matches by how their evidence looks
(rerank.py); ``rerank=False`` keeps the formula's order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache, partial
from itertools import zip_longest
from typing import Any, Iterator

from .errors import UsageError

MAX_QUERY_CHARS = 1000  # longer input is cut here: it bounds the work one query causes
JOIN_SPLIT_KANJI = True  # 協 + 働 in the query is one word, 協働 (see _join_split_kanji)
BIND_SUFFIXES = True  # 形骸 + 化: the 化 is looked for only as 形骸化 (see _bind_suffixes)
PREFIX_GRAMS = True  # 他 + 部署: the prefix's character pair with the word (他部) is looked for with it
BIND_MAX_PIECES = 4  # 関係 + 者 + 間; a longer chain of suffixes goes on as words of their own
BIND_NUMBERS = True  # 3 + 回: looked for as the characters 3回, never as 回 alone (see _bind_numbers)
NO_WORDS = "the query has no words to search for (particles, symbols and punctuation are ignored)"
PIECES_MATCH_TOGETHER = True  # a word's character bigrams match only half together (see _pieces)
COMPOUND_SLIPS = True  # two words typed as a compound no snippet says, read as the homophone one says (_slips)
CUE_KANA_NO_PAIRS = True  # a side's word from intents.csv typed in kana is not looked for by its character pairs (read_query)
SET_ASIDE = True  # a place named with 以外/じゃなくて (京都市以外) has its snippets last, not first (read_query)
UNMATCHED_UNCOUNTED = True  # a query word no candidate has counts for nothing in coordination (run_search)
CONTEXT_IS_THE_CITYS = True  # a named city's snippet matched through the snippets around it is one of its matches
TWO_WORDS_IN_KANA = True  # hiragana typed as two words without a break, one of them not the corpus's (_two_words_in_kana)
VERB_TAIL_APART = True  # a verb typed inflected is not the tail of a compound verb (組む in 取り組む: _pieces)
W_LEMMA = 1.0  # × W_READING: a verb typed in kana, as its dictionary form sounds (QueryWord.lemma)
KATAKANA_SLIPS = 2  # a katakana word's telling bigrams match all together but this many (None: half, as others)
KATAKANA_NOT_CUT_SHORT = True  # …and only as a katakana word of the record about as long (_kana_run_as_long)
KATAKANA_FIRST_KANA = True  # …and never without its first kana (デメリット is no メリット; _pieces)
SPELLED_AS_USUAL = True  # a query word the vectors lack is near what its usual spelling is near (子ども: 子供)
ADVERBS_KEPT = True  # an adverb in a kana run is not cut, nor joined to its verb, by a respelling (どうしたら)
SHORT_KANA_WHOLE = True  # a word of three kana read as the corpus spells it (りかい) matches by both pairs
HIRAGANA_PAIR_AS_WORD = True  # a word of two hiragana (いま) matches its pair only as a word of the record
WHOLE_KANA_AS_SPELLED = True  # a query of two kana that reads as particles (はば) is the corpus's word of that sound (幅)
KATAKANA_PAIR_IN_KATAKANA = True  # a katakana word of one folded pair (ルート: ルト) matches a katakana word of that pair only
IN_ONE_PLACE = True  # …and a kana word's pairs match in one place, not scattered over a snippet (_in_one_place)
WITHIN_WORDS = True  # a two-kanji word's one pair does not match astride two words (民生 in 市民生活; _within_words)
WEAK_SHARE = 0.05  # a match under this share of the best one's score is weak: related records come ahead of it
WEAK_PER_GROUP = True  # …of the best match of other cities than one the query names, for theirs
WEAK_PAGE = 10  # on the first this many places of a page (so the places do not depend on the page's size)
ASKED_SIDE_FIRST = True  # a query that only asks for a side (うまくいかなかったこと) lists that side first
KEEP_AS_TYPED = True  # a kana run respelled is also looked for as typed (こどく; _keep_as_typed)
NAMED_CITY_BOOST = 0.001  # what naming a city adds to its snippets' score: enough to be found, not to rank
NAMED_CITY_FIRST = True  # 「豊田市の苦労」: the snippets of a city the query names come first (see _named_cities)
STRETCH_EVERY_WORD = True  # a stretch's synonym (効果測定 → 検証) stands for each of its words, not the first only
MAX_WORDS = 64  # distinct content words used from one query
CANDIDATES = 200  # re-ranked after BM25F; more than any page anyone reads
RERANK_DEPTH = 40  # of those, the best the learned ranker re-orders (rerank.py)

# Field weights (boosts on each field's BM25F contribution); see "How ranking works" in README.md.
# W_NGRAM, W_SYNONYM and W_PHRASE_GRAM (stop 14) came out of a coordinate ascent over every
# weight below on half the judgment sets (the even-numbered ones and dev), with the dev bar as
# a constraint, and were then scored on the other half: +0.009 nDCG@10 there, +0.009 where found.
# W_TEXT 1.0 → 0.65 (stop 15): both folds' ascents took W_TEXT 0.7 first; 1.0 / 0.8 / 0.65 / 0.5 / 0.4
# → even 0.8785 / 0.8796 / 0.8800 / 0.8793 / 0.8796, odd 0.8546 / 0.8556 / 0.8577 / 0.8570 / 0.8575.
# The exact word still scores twice (text and reading); a synonym, another spelling and the
# word's characters now weigh more against it.
W_TEXT = 0.65
W_READING = 0.9  # another spelling of the same word is nearly as good as the word
W_CONTEXT = 0.25  # the word appears in the snippet this one continues
W_SEQUEL = 0.25  # the word appears in a snippet that continues this one (index.contexts)
LABEL_CREDIT = True  # a query word naming a record's theme or side (PF, 苦労) is matched by the label
# How much of such a word the label stands for (where the text does not say it). 負担,
# 課題 and PF are intent cues and topics at once: at 1, every hard record matched 負担 as
# fully as the three that say it, and d16 「PF運営の負担」 put 京都市's 「運用に工夫が必要」
# above 福山市's two 負担 records. At 0.5 (stop 20) 「連携の課題」 showed 2 hard records in
# its top 5, not 4: 課題 asks for the hard side before it names a topic. At 0.6 (stop 21)
# it shows 4, and over two folds of 126 sets and three seeds nDCG@10 goes 0.92555 →
# 0.92588 (new queries 0.85445 → 0.85568), dev held out 0.9649 → 0.9676 (benchmarks/README.md).
LABEL_CREDIT_SHARE = 0.6
W_LABEL = 0.1  # such a word, when a filter asks for that theme or side, matches every record it lets through
W_HEADING = 1.5  # the word names the section the snippet is listed under (取り組み例, 産学官の例)
W_NGRAM = 0.28  # per bigram (0.4 until stop 14)
# A synonym is looked for in the text, heading and context only, where the word itself also
# scores in the reading and n-gram fields: at 1.372 a snippet with the synonym got about 60% of
# what one with the word gets (0.7 gave 30%; 0.6 → 0.7 in stop 12, 0.7 → 1.372 in stop 14), and
# with W_TEXT 0.65 about three quarters (stop 15).
W_SYNONYM = 1.372
SYN_DISMAX = True  # a synonym counts only for a word the snippet lacks (Elasticsearch's dis_max, per word)
W_PHRASE_GRAM = 0.28  # per bigram of the query that crosses its particles (協力してくれた → てく); 0.2 until stop 14
PHRASE_GRAM_MAX_SHARE = 0.3  # such a bigram in more of the snippets than this share is not looked up
# A word's bigram of kana alone is not highlighted where it is the ending of a word written with
# kanji (カツ of 良かっ: 関わりのな【かっ】た) or in more of the snippets than this share (コト of
# こどく: every こと). It still matches and scores: dropping such bigrams from the matching cost
# 0.0008 nDCG@10 on the folds, the same on three seeds (benchmarks/README.md, stop 21).
SHOWN_KANA_GRAM_MAX_SHARE = 0.3
# Re-ranking factors.
COORD_WEIGHT = 0.5  # × (1 − w + w × share of query words matched)
PROXIMITY_WEIGHT = 0.2  # × (1 + w × share of adjacent query-word pairs found close, in order)
PROXIMITY_GAP = 8  # characters between two words that still count as close
W_EXACT = 0.5  # proximity × (1 + w) for a snippet that has the whole query as typed (地域のために何かしたい)
INTENT_WEIGHT = 0.5  # × (1 + w) for a result of the side (or theme) the query asks for
W_MEANING = 0.4  # + w × closeness in meaning (0–1) × the best match's score (meaning.py)
FILL_POSTINGS = 200_000  # postings read at most to find the records nearest in meaning, for a page to fill
FILL_WORDS = 16  # the nearest words per query word whose postings that reads (32 or all: no better on 36 sets)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Contribution:
    """One term's share of a hit's base score."""

    word: str  # the query word it stands for
    field: str  # the leaf's kind: text | reading | ngram | synonym | context | context-synonym | heading | …
    term: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "field": self.field, "term": self.term, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Explanation:
    """Why a hit scored what it did: final = base × coordination × proximity × intent + meaning."""

    base: float
    coordination: float
    proximity: float
    intent: float
    contributions: tuple[Contribution, ...]
    words_matched: float
    words_total: int
    meaning: float = 0.0  # added for closeness in meaning; its parts are the "meaning" contributions
    meaning_scale: float = 0.0  # W_MEANING × the best match's score: meaning = closeness × this
    first_stage: float | None = None  # the score above, before the learned re-ranking (None: not re-ranked)
    ranker: float | None = None  # the re-ranker's raw score (rerank.py); the hit's score is it on 0–100
    # With explain: the ranker's score as its base plus each feature's part: (feature, its value, part), largest first
    ranker_base: float | None = None
    ranker_parts: tuple[tuple[str, float, float], ...] = ()
    # Where the query's words matched, as the ranker reads them: the highlights, and the
    # kana pieces the page leaves unmarked (_shown). For scripts/train_ranker.py.
    matched_at: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = {
            "base": round(self.base, 4),
            "coordination": round(self.coordination, 4),
            "proximity": round(self.proximity, 4),
            "intent": round(self.intent, 4),
            "meaning": round(self.meaning, 4),
            "meaning_scale": round(self.meaning_scale, 4),
            "words_matched": round(self.words_matched, 3),
            "words_total": self.words_total,
            "contributions": [c.to_dict() for c in self.contributions],
        }
        if self.first_stage is not None:
            d["first_stage"] = round(self.first_stage, 4)
        if self.ranker is not None:
            d["ranker"] = round(self.ranker, 4)
        if self.ranker_base is not None:
            d["ranker_base"] = round(self.ranker_base, 4)
            d["ranker_parts"] = [{"feature": f, "value": round(v, 4), "part": round(c, 4)}
                                 for f, v, c in self.ranker_parts]
        return d


@dataclass(frozen=True)
class Hit:
    """One result: the record's fields, its score, and where the query's words are in ``text``."""

    id: str
    city: str
    prefecture: str
    theme: str
    polarity: str
    section: str | None
    text: str
    source: str
    line: int
    score: float
    matches: tuple[tuple[int, int], ...]
    repost_of: str | None = None
    matched_terms: tuple[str, ...] = ()
    explanation: Explanation | None = None
    related_by: str | None = None  # a related record's tie to the query: "meaning" or "words" (None: a match)
    also: str | None = None  # the other side one of its sentences states too: --polarity that side finds it
    # A match that says none of the query's words itself: "context" (the snippet it continues
    # says them: 「講座受講者から…」 after the line that names the course), "sequel" (the
    # snippets that continue it do: a lead-in, 「以下に…」); None for the rest.
    through: str | None = None
    announced_by: str | None = None  # the record whose sentence announces the list it is an item of

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)  # (related_by is null for a match: every row has the same keys)
        d["matches"] = [list(m) for m in self.matches]
        d["matched_terms"] = list(self.matched_terms)
        d["score"] = round(self.score, 4)
        if self.explanation is None:
            del d["explanation"]
        else:
            d["explanation"] = self.explanation.to_dict()
        return d


@dataclass(frozen=True)
class Filters:
    city: str | None = None
    prefecture: str | None = None
    theme: str | None = None
    polarity: str | None = None

    def active(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class QueryWord:
    """A content word of the query and what it is looked for as."""

    surface: str
    term: str
    reading: str
    bigrams: tuple[str, ...]
    synonyms: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # the index's words for it, when Janome cut it in pieces (協働 → 協, 働)
    sound: bool = False  # typed in kana and read as the corpus spells it (きかん → 機関): every spelling of its sound
    lemma: str = ""  # typed in kana, a verb's or adjective's dictionary form as it sounds (ふえ: フエル; analysis.lemma_reading)
    # Synonyms of its spelling, for a word typed in kana (くろう: 苦労's 困難, 大変 …): at second hand,
    # so they weigh less (W_FARTHER) than the spelling itself, a synonym of the word as typed
    farther: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reading:
    """How the query was read: its words, and what it seems to ask for."""

    words: tuple[QueryWord, ...] = ()
    polarity: str | None = None  # intent read from the wording
    theme: str | None = None
    polarity_cues: tuple[str, ...] = ()
    theme_cues: tuple[str, ...] = ()
    respelled: bool = False  # kana in the query were also looked for as the corpus spells them
    phrase_grams: tuple[tuple[str, int], ...] = ()  # bigrams across the query's particles, each with its nearest word
    cities: tuple[str, ...] = ()  # cities of the index the query names (their snippets come first)
    regions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # prefectures the query names, with their cities
    respellings: tuple[tuple[str, str], ...] = ()  # (kana run as typed, the corpus's spelling): たてわり → 縦割り
    # What the query's words, as typed, are also looked for as: spellings, synonyms (of a word or
    # of a stretch of the query: 立ち上げ → 設置), digits: for saying how the query was read
    also: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Cities the query names only to set aside (京都市以外, 福岡市じゃなくて): their snippets come last
    not_cities: tuple[str, ...] = ()
    # Words typed with a minus before them (連携 -企業): no snippet that says one is listed
    excluded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": [w.surface for w in self.words],
            "terms": [w.term for w in self.words],
            "synonyms": {w.surface: list(w.synonyms) for w in self.words if w.synonyms},
            "intent": {k: v for k, v in (("polarity", self.polarity), ("theme", self.theme)) if v},
            "cues": {"polarity": list(self.polarity_cues), "theme": list(self.theme_cues)},
            "cities": list(self.cities),
            "prefectures": {p: list(of) for p, of in self.regions},
            "respellings": {run: spelled for run, spelled in self.respellings},
            "also": {typed: list(alts) for typed, alts in self.also},
            "not_cities": list(self.not_cities),
            "excluded": list(self.excluded),
        }


@dataclass(frozen=True)
class SearchResult:
    """Hits for one query; iterates over the hits. ``total`` counts every match, before the limit."""

    query: str
    total: int
    hits: tuple[Hit, ...]
    terms: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    notes: tuple[str, ...] = ()
    reading: Reading = field(default_factory=Reading)
    suggestion: str | None = None
    # Records that match no word of the query, to fill the page when the matches do
    # not, two kinds taking turns: those nearest in meaning (meaning.py) and those
    # that share the most distinctive words of its best hits (feedback.py).
    related: tuple[Hit, ...] = ()
    # Query words (as typed) that no match has any of (itself, another spelling, a synonym or
    # a pair of its characters): the matches have the query's other words. With no match,
    # every such word of the query (not a side's or theme's cue, not a word of hiragana alone).
    unmatched: tuple[str, ...] = ()
    # The page's places in order, "m" for a match and "r" for a related record, where a
    # related record comes ahead of a match (matches under WEAK_SHARE of the best one's
    # score, run_search); "" is every match, then every related record.
    layout: str = ""

    @property
    def ranked(self) -> tuple[Hit, ...]:
        """What a page of this search shows, in order: the matches, then the related records
        (with weak matches, related records can come ahead of them)."""
        return tuple(h for _, block in self.blocks() for h in block)

    def blocks(self) -> list[tuple[str, tuple[Hit, ...]]]:
        """The page in order as runs of one kind: "match", "related", and "weaker" for
        matches that follow related records; none empty."""
        layout = self.layout
        if layout.count("m") != len(self.hits) or layout.count("r") != len(self.related):
            layout = "m" * len(self.hits) + "r" * len(self.related)  # (none, or hits/related replaced)
        out: list[tuple[str, list[Hit]]] = []
        taken = {"m": 0, "r": 0}
        for c in layout:
            pool = self.hits if c == "m" else self.related
            kind = "related" if c == "r" else "weaker" if "r" in layout[:sum(taken.values())] else "match"
            if not out or out[-1][0] != kind:
                out.append((kind, []))
            out[-1][1].append(pool[taken[c]])
            taken[c] += 1
        return [(kind, tuple(block)) for kind, block in out]

    def window(self, start: int, count: int) -> SearchResult:
        """The same search, showing ``count`` of its page's places from ``start`` on (a page further on)."""
        seq = [(kind, h) for kind, block in self.blocks() for h in block][start:start + count]
        layout = "".join("r" if kind == "related" else "m" for kind, _ in seq)
        hits = tuple(h for kind, h in seq if kind != "related")
        related = tuple(h for kind, h in seq if kind == "related")
        return replace(self, hits=hits, related=related, layout="" if "rm" not in layout else layout)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    def to_dict(self, start: int = 1) -> dict[str, Any]:
        """``start``: the rank of the page's first record (each row says its rank: the
        related records can come ahead of weak matches)."""
        rank = {id(h): r for r, h in enumerate(self.ranked, start=start)}
        return {
            "query": self.query,
            "total": self.total,
            "results": [{**h.to_dict(), "rank": rank[id(h)]} for h in self.hits],
            "related": [{**h.to_dict(), "rank": rank[id(h)]} for h in self.related],
            "terms": list(self.terms),
            "filters": self.filters.active(),
            "reading": self.reading.to_dict(),
            "suggestion": self.suggestion,
            "unmatched": list(self.unmatched),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------
# Reading the query


# A word with a minus before it, at the query's start or after a space (連携 -企業, 連携　－企業,
# 連携 ー企業: the minus key with the IME on), or a phrase so (-"地域 企業", -「地域 企業」): set
# aside. Not a hyphen inside a word (COVID-19), an option pasted into the query (--city, -n 3), or
# a particle (-の: in nearly every snippet).
_MINUS = "-－−‐–—―﹣ーｰ"
_EXCLUSION = re.compile(r"(?:^|(?<=[\s\u3000]))[" + re.escape(_MINUS) + r"]"
                        r"(?:\"([^\"]+)\"|「([^」]+)」|“([^”]+)”|([^\s\u3000" + re.escape(_MINUS) + r"\"「“][^\s\u3000]*))")
_OPTION_WORDS = frozenset(("n", "city", "prefecture", "theme", "polarity", "limit", "offset", "sort", "json", "format",
                           "explain", "facets", "width", "color", "related", "rerank", "meaning", "help", "h"))


def _exclusions(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without its words set aside with a minus, and those words (連携 -企業: 企業).
    The convention of web search and of Elasticsearch's simple_query_string: read as a word
    to look for, 「連携 -企業」 ranked the 企業 snippets first (the stop-39 review)."""
    if not any(c in text for c in _MINUS):
        return text, ()
    from .analysis import morphs

    found: list[str] = []

    def aside(m: re.Match) -> str:
        said = next(g for g in m.groups() if g is not None).strip()
        plain = m.group(4) is not None
        if not said or plain and said.lower() in _OPTION_WORDS:
            return m.group()
        if all(x.pos.startswith(("助詞", "助動詞", "記号")) for x in morphs(said)):
            return m.group()  # (-の, -です: no word; the reader drops it as it drops any particle)
        found.append(said)
        return " "

    rest = _EXCLUSION.sub(aside, text)
    if not found:
        return text, ()
    return re.sub(r"\s+", " ", rest).strip(), tuple(dict.fromkeys(found))


def _excluded_docs(searcher, reading: "Reading") -> set[int]:
    """The records a word set aside with a minus is in: a snippet that says it, as written
    (NFKC, any case: -他部署 is not every 部署, -良かった is 「取り組んで良かった」 too), or, a
    place, its snippets (-福山市, -福山, -広島県, -中国地方). Once per searcher and words."""
    if not reading.excluded:
        return set()
    cache = searcher.__dict__.setdefault("_kodoku_excluded", {})
    if reading.excluded in cache:
        return cache[reading.excluded]
    from whoosh import query as Q

    out: set[int] = set()
    cities = _index_cities(searcher)
    for said in reading.excluded:
        folded = unicodedata.normalize("NFKC", said).lower()
        place = [c for c in cities if folded in (c, _place_stem(c))]
        place += [c for p, of in _index_regions(searcher, cities, folded) if folded in (p, _place_stem(p)) or p == folded
                  for c in of]
        if place:  # (縦割り -福山市: not that city's snippets)
            for c in dict.fromkeys(place):
                out.update(searcher.docs_for_query(Q.Term("city", c)))
            continue
        out |= _docs_saying(searcher, said)
    if len(cache) > 64:
        cache.clear()
    cache[reading.excluded] = out
    return out


def _docs_saying(searcher, said: str) -> set[int]:
    """The records whose text says ``said`` as written (NFKC, any case, spaces aside): those
    with all its character pairs, read to see which say it."""
    from whoosh import query as Q

    from .analysis import ngram_analyzer

    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", said).lower())
    if not folded:
        return set()
    grams = list(dict.fromkeys(t.text for t in ngram_analyzer()(folded)))
    maybe = (searcher.docs_for_query(Q.And([Q.Term("ngram", g) for g in grams])) if grams
             else range(searcher.doc_count_all()))
    return {d for d in maybe
            if folded in re.sub(r"\s+", "", unicodedata.normalize("NFKC", searcher.stored_fields(d).get("text", "")).lower())}


def _set_aside(searcher, reading: "Reading", unmatched: tuple[str, ...], notes: list[str],
               suggestion: str | None) -> tuple[tuple[str, ...], str | None]:
    """A query word whose every snippet a minus set aside is no word "not found" (孤独 -孤立:
    every snippet that says 孤独 says 孤立; 連携 -連携), and "did you mean" keeps the minus."""
    if not reading.excluded:
        return unmatched, suggestion
    gone = _excluded_docs(searcher, reading)
    kept = []
    for w in unmatched:
        said = _docs_saying(searcher, w)
        if said and said <= gone:
            asked = [x for x in reading.excluded if x in w or w in x]
            notes.append(f"{w}: the query sets it aside too (-{asked[0]})" if asked else
                         f"{w}: every snippet that says it says what the query sets aside "
                         f"({'、'.join('-' + x for x in reading.excluded)})")
        else:
            kept.append(w)
    if suggestion:
        suggestion = suggestion + "".join(f" -{x}" if " " not in x else f' -"{x}"' for x in reading.excluded)
    return tuple(kept), suggestion


def clean_query(text: str) -> tuple[str, list[str]]:
    """Make arbitrary input safe to analyze: no control characters or lone
    surrogates, bounded length. Returns (clean text, notes for the user)."""
    if not isinstance(text, str):
        raise UsageError(f"the query must be text, not {type(text).__name__}")
    notes: list[str] = []
    cleaned = _SURROGATE.sub("\ufffd", text)
    from .analysis import INVISIBLE  # (gone, not a space between two words: as in a record)

    cleaned = _CONTROL.sub(" ", INVISIBLE.sub("", cleaned)).lstrip()
    # Cut before normalizing: NFC can cost time quadratic in a run of combining marks,
    # so it may only ever see a bounded piece (it never makes text longer than 3x).
    cut = len(cleaned) > 4 * MAX_QUERY_CHARS
    cleaned = unicodedata.normalize("NFC", cleaned[: 4 * MAX_QUERY_CHARS]).strip()
    # Half-width katakana (ｺﾄﾞｸ, pasted from older systems) is read as the full-width
    # word it is: the analysis folds it anyway, but kana respelling, intent and the
    # one-kanji rules read the query's own characters.
    cleaned = _HALF_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), cleaned)
    if not cleaned.strip(" \u3000\ufffd"):
        if _SURROGATE.search(text) or "\ufffd" in text:  # (bytes no text encoding made: a terminal set to another)
            raise UsageError("the query is not readable text (not UTF-8?): check the terminal's encoding "
                             "(e.g. LANG=ja_JP.UTF-8)")
        raise UsageError("the query is empty: type a word or phrase to search for, e.g. kodoku-search search 縦割り")
    if _SURROGATE.search(text):  # (some of it was readable: the rest is shown as �)
        notes.append("the query has bytes that are not UTF-8 text (shown as \ufffd): check the terminal's "
                     "encoding (e.g. LANG=ja_JP.UTF-8)")
    if cut or len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    return cleaned, notes


def _in_okurigana(text: str, at: int) -> bool:
    """Whether ``at`` falls inside a word Janome reads with kanji, in its kana ending (the し of
    探しています, the き of 聞きたい): a kana run from there is that word's inflection."""
    from .analysis import _is_kanji, morphs

    return any(m.start < at < m.end and any(_is_kanji(c) for c in m.surface) for m in morphs(text))


def _kana_respellings(text: str, spellings: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, the corpus's spelling) of each piece of the text's kana runs that the
    corpus spells otherwise (_respell_pieces); a run that fails whole is tried again
    without a particle that ends the word before it (豊田市の + こどく)."""
    out = []
    for m in _KANA_RUN.finditer(text):
        run, at = m.group(), m.start()
        pieces = _respell_pieces(run, spellings)
        if (pieces is None and at and not _KANA_RUN.match(text[at - 1]) and run[0] in _PARTICLE_HEAD
                and _HIRAGANA_RUN.fullmatch(run[1:])):
            run, at = run[1:], at + 1
            pieces = _respell_pieces(run, spellings)
            if pieces is None and len(run) > 2 and run[0] in _PARTICLE_HEAD:
                # (Two particles: 住民への + しゅうち, 企業との + れんけい; the second was read as a
                # word's first kana and nothing was respelled: the stop-43 review.)
                pieces = _respell_pieces(run[1:], spellings)
                run, at = (run[1:], at + 1) if pieces is not None else (run, at)
        out += [(a + at, b + at, sp) for a, b, sp in pieces or () if sp != text[a + at:b + at]
                and not _light_verb_form(text[a + at:b + at])]
    return out


def _katakana_entries(text: str, vocab, spellings: dict[str, str]) -> str:
    """``text`` with each run of hiragana (less a particle after it) that is, in katakana, a word
    of the synonym file written so (さろん: サロン, まっぷ: マップ, みーてぃんぐ: ミーティング) in
    katakana, one character for one. Janome read さろん as さろ + ん, a negated verb that asked
    for the hard side, まっぷ as まっ + ぷ (the stop-41 review). (Not a word the corpus spells:
    めりっと is respelled メリット, as typed, where the corpus's words are.)"""
    from .analysis import spelled as spelled_as

    out = text
    for m in _HIRAGANA_BAR_RUN.finditer(text):
        run, at = m.group(), m.start()
        for word in (run, run[:-1] if run[-1] in "のをがにでとはもや" else ""):
            if len(word) >= 3 and spelled_as(word, spellings, swaps=False) is None:
                kata = _katakana(word)
                if vocab.synonyms.get(kata.lower()) is not None:
                    out = out[:at] + kata + out[at + len(word):]
                    break
    return out


_HIRAGANA_BAR_RUN = re.compile(r"[\u3041-\u3096ー]+")


def _light_verb_form(kana: str) -> bool:
    """Whether Janome reads ``kana`` as a light verb and its endings only (しない: し + ない,
    したい, いない): grammar, not the corpus's word of that sound. 「しない方がよかった」 was read
    as 市内, 「れんけいしたい」's したい as 肢体 (the stop-41 review). (だんたい, だ + ん + たい,
    has no verb: it is 団体.)"""
    from .analysis import morphs

    ms = morphs(kana)
    return (len(ms) >= 2 and ms[0].pos.startswith("動詞") and ms[0].base in _LIGHT_VERBS
            and all(m.pos.startswith(("助動詞", "助詞")) for m in ms[1:]))


_LIGHT_VERBS = frozenset(("する", "いる", "なる", "ある", "できる", "くる", "いく"))


def _nearest_loanword(text: str, a: int, b: int, spellings: dict[str, str]) -> tuple[int, int, str] | None:
    """(start, end, spelling) of the corpus's katakana word that ``text[a:b]``, a run of
    hiragana, or the run less a particle at either end, spells with one slip at most,
    longest first; None if there is none. Only a word of five kana or more as folded,
    and only one that starts as the typed one does: short words are a kana from many
    others (ぽつんと is no ポット, まーく no ワーク), and a first kana is seldom the slip
    (ぱんふれっと is no リーフレット)."""
    from .analysis import _PARTICLE_KANA, fold, known_word
    from .analysis import spelled as spelled_as

    words = _katakana_spellings(spellings)
    starts = [a] + ([a + 1] if text[a] in _PARTICLE_KANA else [])
    ends = [b] + [b - k for k in (1, 2) if b - k > a and text[b - k] in _PARTICLE_KANA
                  and all(c in _PARTICLE_KANA for c in text[b - k:b])]
    spans = [(x, y) for x in starts for y in ends if y - x >= 3 and text[x] not in _NOT_A_FIRST_KANA]
    if any(spelled_as(text[x:y], spellings, swaps=False) for x, y in spans):
        return None  # (a word of the corpus's as typed, ぷらっと, or by its sound, さーびす: respelled as such)
    best = None
    for x, y in spans:
        if not _LOANWORD_MARKS.search(text[x:y]) or known_word(text[x:y]):
            continue
        key = fold(_katakana(text[x:y]))[0]
        if len(key) < LOANWORD_MIN:
            continue
        for folded, spelled in words:
            if folded[:1] != key[:1] or abs(len(folded) - len(key)) > 1:
                continue
            if _edits(key, folded) <= 1 and (best is None or x - y < best[0]):
                best = (x - y, (x, y, spelled))
    return best[1] if best else None


LOANWORD_MIN = 5  # kana, as folded, of a hiragana loanword read as the corpus's word a slip from it
_NOT_A_FIRST_KANA = set("ぁぃぅぇぉっゃゅょゎーゕゖ")


_KATAKANA_SPELLINGS: list = [None, []]  # (the spellings table, its katakana words): one index at a time


def _katakana_spellings(spellings: dict[str, str]) -> list[tuple[str, str]]:
    """The index's words spelled in katakana, folded, once per spellings table."""
    from .analysis import LOOSE, fold

    if _KATAKANA_SPELLINGS[0] is spellings:
        return _KATAKANA_SPELLINGS[1]
    # One spelling per sound, the corpus's commonest (the loose key's): ポッドキャスト,
    # not ポットキャスト.
    by_sound: dict[str, str] = {}
    for key, sp in sorted(spellings.items(), key=lambda kv: not kv[0].startswith(LOOSE)):
        if len(sp) >= 3 and _KATAKANA_RUN.fullmatch(sp):
            by_sound.setdefault(fold(sp)[0], sp)
    got = sorted(by_sound.items())
    _KATAKANA_SPELLINGS[:] = [spellings, got]
    return got


# The kana a bar after each is said as: an e-row kana's い (せんせー: せんせい), an o-row kana's う
# (ちょーない: ちょうない), else its own vowel.
_VOWEL_ROWS = {"い": "いきぎしじちぢにひびぴみりゐぃ" "えけげせぜてでねへべぺめれゑぇ",
               "う": "うくぐすずつづぬふぶぷむゆるぅゅ" "おこごそぞとどのほぼぽもよろぉょ",
               "あ": "あかがさざただなはばぱまやらわぁゃ"}


def _bar_as_said(text: str) -> str:
    """``text`` with each ー after a hiragana written as the vowel it lengthens is said
    (れんけー → れんけい, ちょーない → ちょうない, かー → かあ)."""
    out = list(text)
    for i, ch in enumerate(text):
        if ch == "ー" and i and "\u3041" <= text[i - 1] <= "\u3096":
            out[i] = next((v for v, row in _VOWEL_ROWS.items() if text[i - 1] in row), ch)
    return "".join(out)


def _respell_fragments(text: str, spellings: dict[str, str], vocab=None) -> tuple[str, list[tuple[str, str]], tuple]:
    """``text`` with each kana run that Janome cuts into pieces of no word (め + りっと,
    たて + わり) written as the corpus spells it, the (typed, spelled) pairs, and where
    the spellings stand in the new text. A run that is one word as typed (つながり)
    stays: it is a word, and its spelling is looked for beside it."""
    from .analysis import _is_kanji, morphs, words
    from .analysis import spelled as spelled_as

    ws = words(text)
    swaps: list[tuple[int, int, str]] = []
    pieces = _kana_respellings(text, spellings)
    runs = [m.span() for m in _KANA_RUN.finditer(text)]
    # (A piece that starts inside a word Janome read, in its okurigana, is that word's ending,
    # not a word typed in kana: the してい of 探しています is no 指定, the きたい of 聞きたい
    # no 期待; each was searched for, and the intent read on the text they made (stop 39).)
    pieces = [(a, b, sp) for a, b, sp in pieces if not _in_okurigana(text, a)]
    for a, b, spelled in pieces:
        over = [w for w in ws if w.start < b and a < w.end]
        whole = len(over) == 1 and over[0].start == a and over[0].end == b
        # A run read as two corpus words or more (しみんだんたい: 市民 + 団体) may hold words of
        # Janome's that cross from one piece into the next, or none in a piece it reads as
        # grammar (だんたい: だ + ん + たい): each piece is the corpus's all the same (the stop-32
        # review: 団体 was dropped, unsearched).
        x, y = next(((x, y) for x, y in runs if x <= a and b <= y), (a, b))
        several = sum(1 for p, q, _ in pieces if x <= p and q <= y) >= 2
        if not several:
            x, y = a, b
        if (over or several) and all(x <= w.start and w.end <= y for w in over) and not whole:
            swaps.append((a, b, spelled))
        elif whole and spelled_as(text[a:b], spellings, swaps=False) is None:
            # A word the corpus has only with ゛ for ゜ or back (ブラットフォーム, ボッドキャスト):
            # a slip of the hand, read as the corpus's word, not as typed beside it.
            swaps.append((a, b, spelled))
    if MIXED_RESPELL:
        # A word typed half in kana (たて割り, 縦わり, 団体どうし): Janome makes two words of it,
        # and their readings together are the corpus's word. Two or three adjacent words, one
        # of them in hiragana alone and one with a kanji; longest first.
        taken = [(a, b) for a, b, _ in swaps]
        nouns = {m.start for m in morphs(text) if m.pos.startswith("名詞")}
        i = 0
        while i < len(ws):
            for n in (3, 2, 1):
                win = ws[i:i + n]
                if len(win) < n or any(win[j].end != win[j + 1].start for j in range(n - 1)):
                    continue
                a, b = win[0].start, win[-1].end
                # (One word of its own: a noun of kanji and hiragana that Janome kept together,
                # 形がい; not a verb's okurigana, 呼びかける.)
                typed_half = (_HIRAGANA_RUN_2.search(win[0].surface) and a in nouns if n == 1
                              else any(_HIRAGANA_WORD.fullmatch(w.surface) for w in win))
                if (not typed_half
                        or not any(_is_kanji(c) for w in win for c in w.surface)
                        or any(x < b and a < y for x, y in taken)):
                    continue
                # (Each word's own reading, voiced: 孤 + どく is コドク, 孤独; each one's key drops
                # its first kana's voicing, for rendaku, and コ + トク is no word.)
                spelled = spelled_as("".join(w.voiced or w.kana for w in win), spellings)
                # (Only where the corpus writes in kanji what was typed in kana: 繋がりづくり is
                # not read as つながりづくり, which would drop the 繋がり it says.)
                if spelled and sum(map(_is_kanji, spelled)) > sum(map(_is_kanji, text[a:b])):
                    swaps.append((a, b, spelled))
                    i += n - 1
                    break
            i += 1
    if HIRAGANA_LOANWORDS:
        # A loanword typed in hiragana, which Janome shreds (しんぽじゅーむ → しんぽ + ゅ + ー + む,
        # ぽどきゃすと → ぽ + どきゃ + す + と), is read as the corpus's katakana word a slip
        # from it (シンポジウム, ポッドキャスト), then found and marked as that word is. Only the
        # loanword (a particle before or after it stays: ぽどきゃすとで), and only one with a
        # loanword's marks (_LOANWORD_MARKS: ー, ふぁ/てぃ, a first ぱ; not たぶしょ, 他部署);
        # a run that is no corpus word's slip (ふぃーどばっくをもらう) or a word of Janome's
        # dictionary (ぼーっと) stays as typed (_nearest_loanword).
        taken = [(a, b) for a, b, _ in swaps]
        for m in _HIRAGANA_LOANWORD.finditer(text):
            a, b = m.span()
            if (b - a < 3 or b - a > 24 or any(x < b and a < y for x, y in taken) or _MIMETIC.match(m.group())
                    or any(_as_letters(m.group()[:j]) for j in range(2, b - a + 1))):
                # (ぴーえふ is the letters PF, read so later; ぴよぴよ, doubled, is a mimetic
                # word, written in hiragana.)
                continue
            found = _nearest_loanword(text, a, b, spellings)
            if found:
                swaps.append(found)
    if DICTIONARY_KANJI:
        # A word typed in hiragana that the corpus never says in any spelling (よさん, こども,
        # いりょう) is read as it is usually written (予算, 子供, 医療: analysis.usual_kanji):
        # Janome cut よさん into よさ + ん, a negated verb that asked for hardships, and こども
        # was found by the pair トモ. As kanji it goes where a word the corpus lacks goes:
        # its synonyms, the records near it in meaning.
        taken = [(a, b) for a, b, _ in swaps]
        query_morphs = morphs(text)
        starts = {mo.start: mo for mo in query_morphs}
        for m in _HIRAGANA_WORD.finditer(text):
            a, b = m.span()
            if a and not unicodedata.category(text[a - 1]).startswith(("P", "Z", "S")):
                # After a word: its particles of one kana (地域のよさん, 人とのつながり) go with it,
                # and without one the kana are its okurigana (分かって's かって is not 勝手; 共有
                # できない's で is no particle, and きない no 畿内). Not のみ ("only"), which
                # Janome finds in 「地域のみまもり」: まもり alone is no 見守り (the stop-30 review).
                lead = a
                while (lead in starts and starts[lead].pos.startswith("助詞") and lead < b
                       and starts[lead].end - lead == 1):
                    lead = starts[lead].end
                if lead == a:
                    continue
                a = lead
            if any(x < b and a < y for x, y in taken):
                continue
            found = _usual_kanji_of(text[a:b], spellings, [mo for mo in query_morphs if a <= mo.start < b], vocab)
            if found:
                swaps.append((a, a + found[0], found[1]))
            elif TWO_WORDS_IN_KANA:
                swaps += [(a + x, a + y, kanji) for x, y, kanji in _two_words_in_kana(text[a:b], spellings)]
    swaps.sort()
    said = [(text[a:b], spelled) for a, b, spelled in swaps]
    out, last, shift, at = [], 0, 0, []
    for a, b, spelled in swaps:
        out += [text[last:a], spelled]
        at.append((a + shift, a + shift + len(spelled)))
        shift += len(spelled) - (b - a)
        last = b
    return "".join(out) + text[last:], said, tuple(at)


def _usual_kanji_of(run: str, spellings: dict[str, str], context: list, vocab=None) -> tuple[int, str] | None:
    """(kana read, its kanji) for a hiragana run the corpus does not spell, whole or up to a
    particle (よさんがたりない: 予算), where the kana is one content word of Janome's or
    pieces of none (よさ + ん), not words Janome reads as grammar where they stand (他の
    ところ, したい: ``context``, the query's morphs from the run's start)."""
    from .analysis import is_function_word, morphs, usual_kanji
    from .analysis import spelled as spelled_as

    at = context[0].start if context else 0
    # (A word is at most so long: every stretch of a 1,000-kana run up to a particle, each
    # folded whole, took seconds; the stop-43 adversarial review.)
    ends = [i for i in [len(run)] + [i for i in range(len(run) - 1, 2, -1) if run[i] in _PARTICLE_HEAD]
            if i <= KANA_WORD_MAX]
    for end in ends:
        kana = run[:end]
        if len(kana) < 3 or spelled_as(kana, spellings) is not None:
            continue
        ms = [m for m in context if m.start < at + end] or morphs(kana)
        if all(is_function_word(m.pos, m.base) or "非自立" in m.pos for m in ms):
            continue  # (したい is し + たい, not 死体)
        # (The table is read only here, for a run that may be a word; then the synonym file's
        # entries, words the person may know as the field says them: しゃきょう is 社協.)
        kanji = usual_kanji(kana) or (vocab.written_for_reading(kana) if vocab is not None else None)
        if kanji is not None:
            return end, kanji
    return None


def _two_words_in_kana(run: str, spellings: dict[str, str]) -> list[tuple[int, int, str]]:
    """A run of hiragana that is two words typed without a break, each of three kana or more
    and each the corpus's word or one of Janome's dictionary in its usual kanji (みまもり +
    かつどう: 見守り, 活動), as [(start, end, spelling)] for both; [] where the run is a
    word itself, or no one cut gives two such words. Janome read みまもりかつどう as
    みまもり + かつ + どう (a conjunction and an adverb), and it found nothing (the stop-33
    review); the corpus's words alone (しみんだんたい) are _respell_pieces'."""
    from .analysis import known_word, usual_kanji
    from .analysis import spelled as spelled_as

    if len(run) < 6 or len(run) > 16 or known_word(run) or usual_kanji(run):
        return []

    def word(kana: str) -> str | None:
        if _light_verb_form(kana):
            return None  # (れんけいしたい's したい is し + たい, no 肢体)
        found = spelled_as(kana, spellings)
        return found if found and found != kana else usual_kanji(kana)

    cuts = []
    for i in range(3, len(run) - 2):
        first, rest = word(run[:i]), word(run[i:])
        if first and rest:
            cuts.append([(0, i, first), (i, len(run), rest)])
    return cuts[0] if len(cuts) == 1 else []  # (two cuts that both read: a guess, left as typed)


def _keep_as_typed(words: tuple[QueryWord, ...], swaps: list[tuple[str, str]]) -> tuple[QueryWord, ...]:
    """The words a kana run was respelled into, with the run as typed among their synonyms:
    こどく is 孤独, and 岡崎市's 「こどくのあわい」 says こどく. Only a run whose pieces the
    text field holds in order (こ + どく) is kept so, found where they stand side by side;
    by its pairs of kana alone (りかい: no piece is a word) it would be found inside others."""
    typed_of = {spelled: typed for typed, spelled in swaps
                if _KANA_RUN.fullmatch(typed) and _as_phrase(typed)[0] is not None}
    return tuple(replace(w, synonyms=(*w.synonyms, typed_of[w.surface]))
                 if w.sound and w.surface in typed_of and typed_of[w.surface] not in w.synonyms else w
                 for w in words)


def _typed_with_kanji(text: str, swaps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Respellings to say, with the kanji typed around each: 庁内れんけい → 庁内連携, not
    内れんけい → 内連携 (Janome cut 庁 from 内 and respelled 内 + れんけい)."""
    from .analysis import _is_kanji

    out, at = [], 0
    for typed, spelled in swaps:
        a = text.find(typed, at)
        if a < 0:
            out.append((typed, spelled))
            continue
        b = a + len(typed)
        x, y = a, b
        while x > at and _is_kanji(text[x - 1]):
            x -= 1
        while y < len(text) and _is_kanji(text[y]):
            y += 1
        out.append((text[x:y], text[x:a] + spelled + text[b:y]))
        at = b
    return out


def read_query(text: str, vocab=None, spellings: dict[str, str] | None = None,
               cities: tuple[str, ...] = (), regions: tuple[tuple[str, tuple[str, ...]], ...] = (),
               slips=None, _kana_at: tuple[tuple[int, int], ...] | None = None) -> Reading:
    """Content words with their bigrams (taken within runs of adjacent content
    words, so 庁内連携 gives 内連 but 庁内の理解 gives no 内の), synonyms, intent.
    ``cities``: the index's; one the query names is read as what it asks about,
    not as words to find (see _named_cities); ``regions``: the index's prefectures
    with their cities, a prefecture named standing for its cities. ``slips``: (reading,
    word) → the index's words of that sound that share a kanji with a word in kanji
    that no snippet says (連係 → 連携: what the IME offered first), or None."""
    from .analysis import _is_kanji, all_kanji, as_said, bigrams, morphs, words

    if vocab is not None and _kana_at is None:
        text = _katakana_entries(text, vocab, spellings or {})
    if spellings and RESPELL_FRAGMENTS and _kana_at is None:
        swapped, swaps, kana_at = _respell_fragments(text, spellings, vocab)
        if LONG_VOWELS and "ー" in text:
            # A long vowel typed ー in hiragana, as said (れんけー, ちょーない: 連携, 庁内), where
            # read written out (れんけい) more of it is the corpus's: 「ちょうないれんけー」 found
            # 【庁】 alone, 「れんけー」 nothing (the stop-41 review). Read on as written out (one
            # character for one: what was typed stays where it was). (すごーく stays as typed.)
            said = _bar_as_said(text)
            if said != text:
                # (How much of each the corpus spells, as its words.)
                now, then = (sum(b - a for a, b, _ in _kana_respellings(t, spellings)) for t in (text, said))
                if then and then >= now:
                    text = said  # (read on as said)
                    swapped, swaps, kana_at = _respell_fragments(text, spellings, vocab)
        if swaps:
            # Read as the corpus spells it: めりっと is the word メリット, not め (つなぎめ's)
            # with メリット as its synonym; たてわり is 縦割り, not たて + わり. Typed in kana,
            # it still meets every spelling of its sound (きかん: 機関 and 期間).
            r = read_query(swapped, vocab, spellings, cities, regions, slips, kana_at)
            if KEEP_AS_TYPED:
                r = replace(r, words=_keep_as_typed(r.words, swaps))
            return replace(r, respelled=True, respellings=tuple(dict.fromkeys([*swaps, *r.respellings])),
                           also=_grouped(_typed_with_kanji(text, swaps) + [(t, a) for t, alts in r.also for a in alts]))
    # A polite prefix is no word to look for: 「お年寄り」 found four snippets by the お of
    # 「私のおススメ」 (お ≈ meaning:お) and said not found: 年寄り (the second stop-37 review).
    # (Not left out of the index: its statistics shape every record's score, as the ranker learned them.)
    typed_words = words(text)
    plain = [w for w in typed_words if w.term not in _POLITE_PREFIXES]
    # Nor how well, said of another word: the うまく of 「企業とうまく連携するには」 put 京都市's
    # 「うまく工夫しないと」 sixth and 福岡市's 「企業等との連携」 from first to fourth (the stop-38
    # user review). Alone, or all there is, it is the word (うまく: the query's only one).
    # (Not in うまくいく, how it went, a cue; nor said of a verb: うまくやれたこと, うまく巻き込むコツ
    # are about doing it well, and found nothing without うまく: the reviews.)
    def of_a_noun(w) -> bool:  # (連携する, 説明できない: a noun's verb; not 巻き込む, a verb of its own)
        after = [x for x in typed_words if x.start >= w.end]
        return bool(after) and not after[0].lemma

    # よかった after a condition said short (始めなきゃよかった) is what should have been, as after
    # ば, where Janome reads it as no word of its own (非自立); read as one, it found the good
    # side's 良かった while the page said it asked for the hard side (the stop-41 review).
    plain = [w for w in plain if not (w.term in ("よい", "良い", "いい") and text[:w.start].endswith(("なきゃ", "なけりゃ")))] or plain
    manner = [w for w in plain if w.term in _MANNER and (w.surface.endswith("く") or text[w.end:].startswith("に"))
              and not re.match(r"\s*(い|行)(く|か|き|っ|け)", text[w.end:]) and of_a_noun(w)]
    if manner and len(manner) < len(plain):
        plain = [w for w in plain if not any(w is m for m in manner)]
    if not plain and typed_words:
        # (Where nothing else is left, the prefix with the kana after it is the word: おやつ is
        # お + やつ to Janome, and it found 「私の【お】ススメ」; without it, no query at all.)
        plain = [_with_kana_after(text, w) for w in typed_words]
    ws = _bind_numbers(text, plain) if BIND_NUMBERS else plain
    counted = {w.term for w in ws if not any(w is p for p in plain)}  # the numbers bound to what they count
    if spellings:
        ws = _kana_words(text, ws, spellings)
    named_regions: list[tuple[str, int, int]] = []  # (prefecture, start, end)
    named = _named_cities(text, cities, regions, named_regions) if cities else ()
    set_aside: list[str] = []
    if named and SET_ASIDE:
        # 「京都市以外の苦労」, 「福岡市じゃなくて熊本市の取組」: a place named to be set aside. Read
        # as named, its snippets came first (the stop-34 review); they come last now, and the
        # marker (以外) is no word to look for.
        cut: list[tuple[int, int]] = []
        aside_spans: set[tuple[int, int]] = set()
        spans = sorted({(a, b) for _, a, b in named})
        for c, a, b in named:
            after = text[b:]
            rest = after.lstrip()
            mark = next((m for m in _SET_ASIDE if rest.startswith(m)), None)
            if mark:
                aside_spans.add((a, b))
                at = b + len(after) - len(rest)
                cut.append((at, at + len(mark)))
                # A list set aside as one (京都市と福岡市以外, 九州・関西を除く): each place
                # joined to the next by と, ・, や, 、 or も goes with it (the stop-34 review:
                # 京都市 came first). Back from this place, while only a joiner lies between.
                k = spans.index((a, b))
                while k > 0 and _LIST_JOINER.fullmatch(text[spans[k - 1][1]:spans[k][0]]):
                    k -= 1
                    aside_spans.add(spans[k])
        for c, a, b in named:
            if (a, b) in aside_spans:
                set_aside.append(c)
        if set_aside:
            regions_aside = {r for r, a, b in named_regions if (a, b) in aside_spans}
            named_regions[:] = [x for x in named_regions if x[0] not in regions_aside]
            ws = [w for w in ws if not any(a < w.end and w.start < b for a, b in cut)]
            keep = [x for x in named if x[0] not in set_aside]  # (呉市を除く広島県: 福山市)
            cities_kept = {x[0] for x in keep}
            set_aside = [c for c in dict.fromkeys(set_aside) if c not in cities_kept]
            ws = [w for w in ws if not any(a < w.end and w.start < b for _, a, b in named)]
            named = tuple(keep)
    if named_regions:
        # A prefecture with one of its own cities (熊本県熊本市, 愛知県豊田市) is an address:
        # the city, not the whole prefecture.
        spans = {(a, b) for _, a, b in named_regions}
        said = {c for c, a, b in named if (a, b) not in spans}
        of_region = {r: set(of) for r, of in regions}
        narrowed = {r for r, _, _ in named_regions if said & of_region[r]}
        if narrowed:  # (its span stays named, as the city, so its words are not looked for)
            as_city = {(a, b): min(said & of_region[r]) for r, a, b in named_regions if r in narrowed}
            named = tuple(dict.fromkeys((as_city.get((a, b), c), a, b) for c, a, b in named))
            named_regions[:] = [x for x in named_regions if x[0] not in narrowed]
    if named:
        ws = [w for w in ws if not any(a < w.end and w.start < b for _, a, b in named)]
    ws, parts_of = _join_split_kanji(ws) if JOIN_SPLIT_KANJI else (ws, {})
    if BIND_SUFFIXES:
        ws = _bind_suffixes(ws, parts_of)
    # Group adjacent content words into chunks; bigrams come from each chunk's text.
    chunks: list[list] = []
    for w in ws:
        if chunks and chunks[-1][-1].end == w.start:
            chunks[-1].append(w)
        else:
            chunks.append([w])
    grams_of: dict[int, list[str]] = {}
    first = 0  # index in ws of the chunk's first word
    # A prefix in kanji right before a chunk (他部署, 各部署, 未設置) is a function word, but it
    # makes another word of the noun: its pair with the noun is one of the chunk's bigrams.
    prefix_at = {m.end: m.start for m in morphs(text)
                 if m.pos.startswith("接頭詞") and all_kanji(text[m.start:m.end])} if PREFIX_GRAMS else {}
    for chunk in chunks:
        start = prefix_at.get(chunk[0].start, chunk[0].start)
        k = first
        for g, s, e in bigrams(text[start:chunk[-1].end]):  # in order of s: one pass over the words
            s, e = s + start, e + start
            while k < first + len(chunk) - 1 and ws[k].end <= s:
                k += 1
            j = k
            while j < first + len(chunk) and ws[j].start < e:
                if s < ws[j].end:
                    grams_of.setdefault(j, []).append(g)
                j += 1
        first += len(chunk)
    # Synonyms of a word, or of any stretch of the query that starts and ends at
    # word boundaries (事業 + 者 → 事業者 → 企業; 他の + 部署 → 他部署 → 関係部署),
    # particles and prefixes included: the entry is found as typed.
    phrase_syn: dict[int, list[str]] = {}
    said_as: list[tuple[str, str]] = []  # (the query's words as typed, what they are also looked for as)
    if vocab and ws:
        for s_at, e_at, alts in _phrase_synonyms(text, vocab):
            inside = [k for k, w in enumerate(ws) if s_at <= w.start and w.end <= e_at]
            if len(inside) >= 1 and not (len(inside) == 1 and ws[inside[0]].start == s_at and ws[inside[0]].end == e_at):
                for k in inside if STRETCH_EVERY_WORD else inside[:1]:
                    phrase_syn.setdefault(k, []).extend(alts)
                said_as += [(text[s_at:e_at], a) for a in alts]
    # A run of kana the corpus spells otherwise (たてわり → 縦割り, こどく → 孤独) also
    # looks for that spelling: Janome cuts kana it does not know into nonsense words.
    respelled = False
    respellings: list[tuple[str, str]] = []
    respelled_at: list[tuple[int, int, str]] = []
    farther: dict[int, set[str]] = {}  # the word's synonyms that are its spelling's (QueryWord.farther)
    if spellings and ws:
        for a, b, spelled in _kana_respellings(text, spellings):
            if _in_okurigana(text, a):
                continue  # (探しています's してい is no 指定: see _respell_fragments)
            inside = [k for k, w in enumerate(ws) if w.start < b and a < w.end]
            # (Not the kana ending of one word with kanji: 名ばかり's ばかり is no 図り.)
            if (len(inside) == 1 and any(_is_kanji(c) for c in ws[inside[0]].surface)
                    and ws[inside[0]].start <= a and b <= ws[inside[0]].end):
                continue
            if inside:
                phrase_syn.setdefault(inside[0], []).append(spelled)
                if KANA_SPELLED_SYNONYMS and vocab:
                    # And the spelling's own synonyms, at second hand: without them たいへんだったこと
                    # found 31 snippets where 大変だったこと finds 39, and れんけいがむずかしい left
                    # 福岡市's 「横連携が困難」 seventh and 困難 unmarked (the stop-43 review). (At a
                    # synonym's full weight they put 宇和島市's 【難しさ】, a rarer word by BM25, above
                    # every 苦労 for くろうした: the word, in the corpus spelling, comes first.)
                    seconds = [x for x in vocab.alternatives(spelled) if x != spelled]
                    phrase_syn[inside[0]].extend(seconds)
                    farther.setdefault(inside[0], set()).update(seconds)
                respelled = True
                respellings.append((text[a:b], spelled))
                respelled_at.append((a, b, spelled))
    for k, w in enumerate(ws):
        after = text[w.end:w.end + 1]
        # (Where a noun would stand: before a particle, a space, a kanji or nothing; not a verb
        # going on into its ending, いき of うまくいきません, which costs a reading for nothing.)
        noun_like = not after or after in "がをにはもでとやの" or not ("\u3041" <= after <= "\u3096")
        verb = w.term[-1:] in tuple("うくぐすずつぬぶむる") and w.surface != w.term  # (a verb's stem typed)
        if noun_like and verb and as_said(w.surface) != w.surface:
            # A word Janome reads as a verb alone and as nouns in a sentence (結びつき: 結びつく,
            # and 結び + つき in 「有機的な結びつきを」), typed last or before a space (「結びつき 連携」
            # ranked it 35th: the stop-41 review), is also looked for as the sentence holds it, as
            # a synonym is. (Not read so instead: a verb's meaning finds what no snippet says in
            # its words; 「参画団体の巻き込み」 read so lost 0.14.)
            phrase_syn.setdefault(k, []).append(w.surface)
    in_compound: dict[int, list[str]] = {}
    if slips is not None and getattr(slips, "in_compound", None):
        for k in range(len(ws) - 1):
            a, b = ws[k], ws[k + 1]
            if (a.end == b.start and a.reading and b.reading and all_kanji(a.surface) and all_kanji(b.surface)
                    and a.term not in parts_of and b.term not in parts_of):
                for j, alts in zip((k, k + 1), slips.in_compound(a, b)):
                    in_compound.setdefault(j, []).extend(alts)
    seen: dict[str, QueryWord] = {}
    own_alts: list[tuple[str, str]] = []  # each word's own alternatives, as said_as
    for k, w in enumerate(ws):
        if w.term in seen:
            continue
        syn = list(vocab.alternatives(w.term)) if vocab else []
        if vocab and not syn and w.surface != w.term:
            syn = list(vocab.alternatives(w.surface))
        verb = _verb_of_way_noun(w.term)
        if verb:  # 選び方 → 選ぶ (and 選ぶ's synonyms)
            syn += [verb, *(vocab.alternatives(verb) if vocab else ())]
        if (w.term in counted or _KANJI_DATE.fullmatch(w.term)) and _in_digits(w.term):  # 三回 → 3回, 十一月 → 11月
            syn.append(_in_digits(w.term))
        own_alts += [(w.surface, x) for x in dict.fromkeys(syn) if x != w.term]
        sound = bool(_kana_at) and any(a <= w.start and w.end <= b for a, b in _kana_at)
        if slips is not None and w.reading and w.term not in parts_of and not sound and all_kanji(w.surface):
            slipped = [x for x in (*slips(w.reading, w.term), *in_compound.get(k, ())) if x not in syn]
            own_alts += [(w.surface, x) for x in slipped]
            syn += slipped
        elif (slips is not None and w.term in parts_of and not sound and all_kanji(w.surface)
              and getattr(slips, "bound", None)):
            # A stem and suffix Janome split (連 + 系) that no snippet says: the word of their
            # sound it says (連携). 連系 found nothing (the stop-34 review).
            slipped = [x for x in slips.bound(w.surface) if x not in syn]
            own_alts += [(w.surface, x) for x in slipped]
            syn += slipped
        far_k = farther.get(k, set())
        direct = set(syn) | {x for x in phrase_syn.get(k, []) if x not in far_k}
        syn = tuple(x for x in dict.fromkeys(syn + phrase_syn.get(k, [])) if x != w.term)
        # (Typed in kana only: in kanji the text field's base form meets every inflection already.)
        lemma = w.lemma if w.lemma and not any(_is_kanji(c) for c in w.surface) and w.term not in parts_of else ""
        seen[w.term] = QueryWord(w.surface, w.term, w.reading, tuple(dict.fromkeys(grams_of.get(k, []))), tuple(syn),
                                 parts_of.get(w.term, ()), sound, lemma,
                                 frozenset(x for x in syn if x in far_k and x not in direct))
        if len(seen) >= MAX_WORDS:
            break
    # Intent is read in the words as the corpus spells them: ふたん is 負担 (a hard cue),
    # not ふた + ん (a negation), and ちょうない is 庁内, not ちょう + ない. (Hiragana only:
    # katakana is already the word, and a cue matches it as typed: プラットホーム.)
    said = text
    for a, b, spelled in sorted(respelled_at, reverse=True):
        if all("\u3041" <= c <= "\u3096" or c == "ー" for c in text[a:b]):  # (ぷらっとふぉーむ too)
            said = said[:a] + spelled + said[b:]
    intent = vocab.read_intent(said) if vocab else {}
    polarity, pcues = intent.get("polarity", (None, []))
    theme, tcues = intent.get("theme", (None, []))
    aside_cues: set[str] = set()
    if theme and SET_ASIDE and tcues:
        # 「PF以外の取り組み」 asked for PF (the stop-34 review): a theme named to be set aside
        # asks for the other one.
        folded = said.upper()
        def mark(at: int) -> str | None:
            return next((x for x in _SET_ASIDE if folded[at:].lstrip().startswith(x)), None)

        # (Every time it is named: 「PFの話とPF以外の…」 names it too, and is not set aside.)
        marked = {c: min((mark(m.end()) for m in re.finditer(re.escape(c.upper()), folded)),
                         key=lambda x: x is not None, default=None) for c in tcues}
        if all(marked.values()):
            aside_cues = {c.upper() for c in tcues}
            theme = "general" if theme == "platform" else "platform"
            tcues = [c + marked[c] for c in tcues]
    # A verb typed in kana that is itself a cue of the side asked for (なやん, in なやんでいること:
    # 悩む) is read as that side, not also looked for by its dictionary form: 熊本市's 「…悩む方
    # への支援…」 is good news. (Not a verb inside a longer cue, すすまない: the verb is the topic.)
    cues = (*pcues, *tcues)
    kept = tuple(replace(w, lemma="") if w.lemma and any(c in w.surface for c in cues) else w
                 for w in seen.values() if w.surface.upper() not in aside_cues)  # (PF of PF以外 is not looked for)
    def how_it_went(w: QueryWord) -> bool:  # (a side read, or いく / 行く after it, any form)
        at = text.find(w.surface)
        return bool(pcues) or at >= 0 and bool(re.match(r"\s*(い|行)(く|か|き|っ|け)", text[at + len(w.surface):]))

    went = [w for w in kept if w.term in _MANNER and how_it_went(w)]
    if went and any(w.term not in _MANNER and not (pcues and _names(w, pcues))
                    and w.term[-1:] not in tuple("うくぐすずつぬぶむる") for w in kept):
        # How well it went (うまくいかない, うまく行った, うまく進まない) is the side, no topic, where
        # the query names a thing: its うまく put 京都市's 「うまく工夫しないと」 first for
        # 連携がうまくいかない, 情報共有がうまくいかない, 連携がうまく行かない (the stop-41 reviews).
        # Alone, or with verbs only, it stays the word (うまくいかなかったこと: stop 40; うまく
        #巻き込むコツ: stop 38).
        kept = tuple(w for w in kept if not any(w is x for x in went))
    if CUE_KANA_NO_PAIRS and vocab and pcues:
        # A side's word from intents.csv typed in kana (きつかった, しんどい) is matched by the side's
        # label, not by its pairs: きつかった's きつ + つか met 「きっかけ」 (small っ folds to つ), two
        # good snippets, and the hardships were not listed (the stop-34 review). (Not a negation
        # read as a complaint, 〜がない: its pairs find what the judges count.)
        listed = [c for c in pcues if any(_fold_cue(c) in cs for cs in vocab.intents.values())]
        if listed:
            kept = tuple(replace(w, bigrams=()) if _KANA_WORD.fullmatch(w.surface) and _names(w, listed, tuple(respellings))
                         else w for w in kept)
    pgrams: list[tuple[str, int]] = []
    if kept and len(ws) > 1:
        index_of = {w.term: i for i, w in enumerate(kept)}
        own = {g for w in kept for g in w.bigrams}
        for g, s_at, e_at in bigrams(text):
            if g in own or len(g) < 2 or any(a < e_at and s_at < b for _, a, b in named):
                continue
            near = min(range(len(ws)), key=lambda i: (0 if ws[i].start < e_at and s_at < ws[i].end else 1, abs(ws[i].start - s_at)))
            k = index_of.get(ws[near].term)
            if k is not None:
                pgrams.append((g, k))
    return Reading(kept, polarity, theme, tuple(pcues), tuple(tcues), respelled, tuple(dict.fromkeys(pgrams)),
                   tuple(dict.fromkeys(c for c, _, _ in named)),
                   tuple((p, tuple(c for c in dict(regions)[p] if c not in set_aside))
                         for p in dict.fromkeys(r for r, _, _ in sorted(named_regions, key=lambda x: x[1]))),
                   tuple(dict.fromkeys(respellings)),
                   _grouped([(typed, vocab.as_written(alt) if vocab else alt)
                             for typed, alt in respellings + own_alts + said_as]),
                   tuple(set_aside))


def _fold_cue(cue: str) -> str:
    from .vocab import _fold

    return _fold(cue)


def _city_first(ranked: list, reading: Reading, filters: Filters) -> list:
    """``ranked`` with the matches of the city the query names first, each part in its
    order; of the city's, the side and theme the query asks for first (「福岡市で良かった
    こと」, 「京都市のPFの苦労」). A
    match counts unless only characters matched (bigrams, the snippets before or after):
    「豊田市のこどく」 does not put 豊田市's records matched by the
    コト of こと above 「こどくのあわい」."""
    if not reading.cities or filters.city:
        return ranked
    side = reading.polarity if not filters.polarity else None
    theme = reading.theme if not filters.theme else None
    # (Not the snippets around it: 「鳥取市の学び」's three lessons, 鳥取市:226–230, are matched by the
    # line that announces them, 「次の3点を学びました」, and came after other cities' 学ぶ (stop 33).)
    by_characters = ("ngram", "phrase") if CONTEXT_IS_THE_CITYS else ("ngram", "phrase", "context",
                                                                       "context-synonym", "sequel")

    asks_side = bool(_intent_only(reading, filters))  # 「福岡市で良かったこと」: its words only say which side

    def group(x) -> int:  # 0: the city's matches, 1: others' matches, 2: the city's other snippets
        said = [c for c in x[3].contributions if c.field != "meaning"]
        if x[2]["city"] not in reading.cities:
            return 1
        matched = (said and not all(c.field in by_characters for c in said)) or (
            asks_side and reading.polarity in _sides(x[2]))
        return 0 if matched else 2

    groups = [group(x) for x in ranked]
    # Where the query's words find nothing of the city's (「京都市と福岡市の違い」), its
    # snippets are what the query is about: they come first, then the others' matches.
    order = (0, 1, 2) if 0 in groups else (2, 1)

    def key(i: int) -> tuple[int, int]:
        x = ranked[i]
        # Of the city's, those of the asked side and theme first (「京都市のPFの苦労」).
        missed = (side is not None and side not in _sides(x[2])) + (theme is not None and x[2]["theme"] != theme)
        return order.index(groups[i]), missed if groups[i] != 1 else 0

    return [ranked[i] for i in sorted(range(len(ranked)), key=key)]


def _falling(ranked: list) -> list:
    """``ranked`` with each score no higher than the one above it (just under it where it was
    higher): an order decided by more than the score (the city first) still reads down."""
    out: list = []
    for x in ranked:
        if out and x[0] > out[-1][0]:
            x = (0.999 * out[-1][0], *x[1:])
        out.append(x)
    return out


def _grouped(pairs: list[tuple[str, str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(typed, alternative) pairs as (typed, its alternatives), in order, once each."""
    out: dict[str, list[str]] = {}
    for typed, alt in pairs:
        if alt != typed and alt not in out.setdefault(typed, []):
            out[typed].append(alt)
    return tuple((k, tuple(v)) for k, v in out.items())


_KANA_ONLY = re.compile(r"[\u30a1-\u30fa\u30fc]+")  # folded text has its kana as katakana
_KATAKANA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc\u30fd\u30fe]+")
# A word typed in kana, either script (see _kana_word).
_KANA_WORD = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc\u30fd\u30fe]+")


def _kana_word(w) -> bool:
    """A word in katakana, or a loanword typed in hiragana: one of four kana or more that
    the corpus spells in katakana (ふらっと, read also as フラット). Other hiragana words
    are Japanese (むすびつき: 結びつき; ない, なかっ: inflections), found by their readings;
    asked for by their pairs as strictly as katakana, they lost records that say them."""
    if _KATAKANA_RUN.fullmatch(w.surface):
        return True
    from .analysis import fold

    return (bool(_KANA_WORD.fullmatch(w.surface)) and len(fold(w.surface)[0]) >= 4
            and any(_KATAKANA_RUN.fullmatch(alt) for alt in w.synonyms))


def _kana_only(gram: str) -> bool:
    """A bigram of kana alone: in a word written with kanji, its ending (良かっ → カツ),
    which the text has wherever anything inflects (良かった, 分かった, 向かった)."""
    return _KANA_ONLY.fullmatch(gram) is not None


def _shown(reading: Reading, searcher) -> Reading:
    """The reading whose words' spans are highlighted: without the kana bigrams that
    say nothing of the word where they stand. こどく, which Janome does not know, is
    looked for by コト and トク, and コト is every こと; 良かった's カツ is in 関わりの
    なかった. They match and score (the ranker weighs them); marked, they put the
    word on the wrong characters."""
    from .analysis import _is_kanji

    most = SHOWN_KANA_GRAM_MAX_SHARE * searcher.doc_count_all()
    words = []
    pieces = {w.surface for w in reading.words for run, _ in reading.respellings if w.surface in run != w.surface}
    for w in reading.words:
        kanji = any(_is_kanji(c) for c in w.surface)
        if w.surface in pieces and not w.sound:  # a piece Janome cut from a run respelled beside it: the run is
            # marked, as spelled (縦割り) and as typed where the text has it (「こどくのあわい」)
            runs = tuple(run for run, _ in reading.respellings if w.surface in run)
            words.append(replace(w, term="", reading="", bigrams=(), parts=(), synonyms=w.synonyms + runs))
            continue
        kept = tuple(g for g in w.bigrams
                     if not (_kana_only(g) and (kanji or searcher.doc_frequency("ngram", g) > most)))
        words.append(w if kept == w.bigrams else replace(w, bigrams=kept))
    return replace(reading, words=tuple(words)) if any(a is not b for a, b in zip(words, reading.words)) else reading


def _shown_spans(stored: dict, shown: Reading, loose: frozenset = frozenset()) -> list[list[tuple[int, int]]]:
    """The spans a hit highlights: its words' (by the shown reading), less a lone
    two-kana piece of a longer kana word (the ット of メリット in ネットワーク, the ッド
    in ポッドキャスト), which is highlighted only where more of the word stands
    with it."""
    from .analysis import fold

    spans = _word_spans(stored, shown, whole=True, loose=loose)
    text = stored["text"]
    for k, w in enumerate(shown.words):
        if _kana_word(w):
            # A katakana word is marked where it stands whole, as folded, whatever its pairs: コドク
            # in 「【こどく】のあわい」, whose コト _shown leaves out (every こと has it); never
            # the でした of デジタル or the ていな of コミュニティナース (the stop-25 code review).
            spans[k] = sorted(set(spans[k]) | set(_whole_spans(text, w.surface)))
        if len(fold(w.surface)[0]) <= 2 or not spans[k]:
            continue
        ss = spans[k]
        if _counts(w.term):
            # A number with its counter is marked by its number: 「担当者【が月】に」 is no 3か月.
            ss = [sp for sp in ss if _NUMERAL.search(fold(text[sp[0]:sp[1]])[0])
                  or any(o != sp and o[0] < sp[1] and sp[0] < o[1] and _NUMERAL.search(fold(text[o[0]:o[1]])[0])
                         for o in ss)]
        spans[k] = [sp for sp in ss if not (sp[1] - sp[0] == 2 and _kana_only(fold(text[sp[0]:sp[1]])[0])
                                            and not any(o != sp and o[0] <= sp[1] and sp[0] <= o[1] for o in ss))]
        if _kana_word(w):
            # (With the katakana words beside it: Janome cut ポトキャスト into ポト + キャスト,
            # and キャスト's mark grows to 【ポットキャスト】 as a slip of the two.)
            before = [shown.words[j].surface for j in (k - 1,) if j >= 0 and _kana_word(shown.words[j])]
            after = [shown.words[j].surface for j in (k + 1,) if j < len(shown.words) and _kana_word(shown.words[j])]
            joined = [b + w.surface for b in before] + [w.surface + a for a in after]
            # (The mark may grow over the word beside it, as typed, less a slip: the ポト of
            # ポトキャスト over ポット, where キャスト is all that matched.)
            reach = (max(map(len, before), default=0), max(map(len, after), default=0))
            spans[k] = _whole_katakana(text, spans[k], w.surface, tuple(joined), reach)
    return spans


SLIP_EDGE = 2  # characters of a katakana word left out of a mark that is still the word, a slip apart


def _whole_katakana(text: str, spans: list[tuple[int, int]], word: str = "",
                    joined: tuple[str, ...] = (), reach: tuple[int, int] = (0, 0)) -> list[tuple[int, int]]:
    """A katakana word's marks grown to the record's katakana word they are in, where
    they leave out at most SLIP_EDGE characters of it at either end: シンポジューム marks
    【シンポジウム】, not 【シンポジ】ウム; コミュニティ stays コミュニティ in コミュニティーナース.
    Only to a word a slip from ``word`` (the query's), or from ``word`` with the query's
    katakana word beside it (``joined``: ポト + キャスト): ニュース is no 【メニュー】."""
    from .analysis import fold

    asked = fold(word)[0] if word else ""
    alike = [fold(j)[0] for j in joined]
    merged: list[list[int]] = []
    for a, b in sorted(spans):  # (a word's pairs, each its own span: ト キ, キ ャ, …)
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        x, y = a, b
        # (A long word's slip may fall further in: コミニティーナース's mark starts at its ニ, three
        # kana into 「コミュニティーナース」, its コミ a lone pair; the stop-32 review.)
        edge = max(SLIP_EDGE, len(word) // 3)
        left, right = edge + reach[0], edge + reach[1]
        while x > 0 and a - x < left + 1 and _KATAKANA_RUN.fullmatch(text[x - 1]):
            x -= 1
        while y < len(text) and y - b < right + 1 and _KATAKANA_RUN.fullmatch(text[y]):
            y += 1
        stops = (x == 0 or not _KATAKANA_RUN.fullmatch(text[x - 1])) and (
            y == len(text) or not _KATAKANA_RUN.fullmatch(text[y]))
        grown = fold(text[x:y])[0]
        near = not asked or (x, y) == (a, b) or any(_edits(grown, q) <= (1 if len(q) <= 5 else 2) for q in (asked, *alike))
        out.append((x, y) if stops and near and a - x <= left and y - b <= right else (a, b))
    return sorted(set(out))


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (words of a few kana: the plain table is fast enough)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _whole_spans(text: str, surface: str) -> list[tuple[int, int]]:
    """Where ``surface`` (kana, three or more as folded) stands whole in ``text``, folded alike
    but for voicing past the first kana (コトバ is no 「ことは」)."""
    from .analysis import fold

    word = fold(surface, voicing=False)[0]
    if len(word) < 3:
        return []
    folded, where = _voiced_short(text)
    out, i = [], folded.find(word[1:], 1)
    while i >= 1:  # (the first kana as folded, voicing and all: ボランティア mid-text)
        end = i + len(word) - 1
        if fold(folded[i - 1])[0] == word[0]:
            out.append((where[i - 1], where[end] if end < len(where) else len(text)))
        i = folded.find(word[1:], i + 1)
    return out


def _kana_words(text: str, ws: list, spellings: dict[str, str]) -> list:
    """A kana run the corpus spells otherwise, of which Janome makes particles and
    nothing else (りかい → り + かい, いべんと → い + べ + ん + と), is a word of its
    own, as the corpus spells it (理解, イベント): else the query had no word at all
    and found nothing. Runs with a word in them are respelled later, in read_query."""
    from .analysis import Word, _is_kanji, morphs, words

    out = list(ws)
    whole = None
    for m in _KANA_RUN.finditer(text):
        for a, b, spelled in _respell_pieces(m.group(), spellings) or ():
            a, b = a + m.start(), b + m.start()
            # (Kana right after kanji end that word: the しないか of 困惑しないか is not 市内.)
            if any(w.start < b and a < w.end for w in ws) or (a and _is_kanji(text[a - 1])):
                continue
            # (Nor is a run Janome reads as one word of its own: ばかり is a particle, not 図り.)
            whole = whole if whole is not None else {(x.start, x.end) for x in morphs(text)}
            if (a, b) in whole:
                continue
            found = words(spelled)
            if len(found) == 1 and found[0].surface == spelled:
                w = found[0]
                out.append(Word(w.term, w.reading, text[a:b], a, b, w.kana))
    return sorted(out, key=lambda w: w.start) if len(out) > len(ws) else ws


_REGION_SUFFIX = "都府県"  # (not 道: 北海 is no name)
_SUFFIX_SAID = {"町": "チョウ", "村": "ソン"}  # (Janome reads 播磨町 ハリママチ; the town says はりまちょう)
KANA_PLACE_MAX = 24  # kana at most in a name _kana_runs_as reads (くまもとけん 6, えぬぴーおー 6)
KANA_PLACE_MIN = 3  # a city's name typed in kana alone, without its 市/区/町, is read as the city from this many kana


@lru_cache(maxsize=8)
def _place_readings(cities: tuple[str, ...], prefectures: tuple[str, ...] = ()) -> tuple[dict[str, str], ...]:
    """Each city's name as kana (its reading without voicing, as ``fold`` makes it) → the
    city: with its suffix (宇和島市: ウワシマシ; 播磨町 also as said, ハリマチョウ), and, of
    KANA_PLACE_MIN kana or more, without it (ウワシマ), and the shorter stems (クレ) apart. Janome's readings: 豊田 is トヨダ,
    トヨタ without voicing. Then the index's prefectures the same way (ひろしま: 広島県,
    which stands for its cities), where no city has the sound (きょうと is 京都市)."""
    from .analysis import fold, morphs

    whole: dict[str, str] = {}
    stems: dict[str, str] = {}
    short: dict[str, str] = {}
    for city in (*cities, *prefectures):
        ms = morphs(city)
        if not ms or any(not m.reading for m in ms):
            continue
        stem = "".join(m.reading for m in ms if not m.pos.startswith("名詞,接尾"))
        for said in {"".join(m.reading for m in ms), stem + _SUFFIX_SAID.get(city[-1], ms[-1].reading)}:
            whole.setdefault(fold(said)[0], city)
        if len(stem) >= KANA_PLACE_MIN:
            stems.setdefault(fold(stem)[0], city)
        elif len(stem) >= 2:  # (くれ, ざま: only as the whole query)
            short.setdefault(fold(stem)[0], city)
    return whole, stems, short


def _city_by_sound(kana: str, cities: tuple[str, ...]) -> str | None:
    """The city a --city value typed in kana names by its name's sound without its suffix,
    however short (ざま: 座間市, くれ: 呉市). In a query such a run may be a word (くれ of
    してくれた); an option's value can only be a place."""
    from .analysis import fold, morphs

    key = fold(kana)[0]
    if not _KANA_WORD.fullmatch(kana) or len(key) < 2:  # (ざま or ザマ)
        return None
    for city in cities:
        ms = morphs(city)
        if ms and all(m.reading for m in ms):
            if fold("".join(m.reading for m in ms if not m.pos.startswith("名詞,接尾")))[0] == key:
                return city
    return None


def _kana_places(text: str, cities: tuple[str, ...], spellings: dict[str, str] | None = None,
                 prefectures: tuple[str, ...] = ()) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with a city of ``cities`` typed in hiragana written as the city, and the
    (typed, city) pairs. Janome reads うわじま as no word and とよた as nothing: the query
    had "no words", or found かすがい's 「サービ【スが】」. With its suffix (とよたしの苦労,
    はりまちょう) where the run starts the query or follows a space, whole or before a
    particle; without it only standing alone (うわじま, 「うわじま 連携」): かすがい is also
    a word (かすがいになる), なかの is 中の (なかの人), and トヨタ a company. A run the
    corpus spells as another word (くまもと: 熊本, which names the city anyway) is that
    word: the cities' readings, ~6 ms of Janome, are not needed. Spelled as itself in
    katakana (めりっと: メリット; はりま: ハリマ) the readings decide."""
    from .analysis import fold

    if not cities:
        return text, ()
    tables: list = []

    from .analysis import spelled

    def city(kana: str, alone: bool) -> str | None:
        if not _HIRAGANA_RUN.fullmatch(kana):
            return None
        # (A spelling that is the run in katakana may be the city's own name: はりま is 播磨町,
        # though the corpus also says ハリマ, in ニュー☆ハリマ. The readings below decide.)
        said = spellings and spelled(kana, spellings)
        if said and said != _katakana(kana):
            # As the corpus spells it: a place of the index's by that name is the place
            # (ひょうご: 兵庫, 兵庫県; くまもと: 熊本市), any other word that word.
            return next((p for p in (*cities, *prefectures) if said in (p, p[:-1])), None)
        if not tables:
            tables.extend(_place_readings(cities, prefectures))
        key = fold(kana)[0]
        return tables[0].get(key) or (tables[1].get(key) if alone else None)

    bare = text.strip()
    if len(bare) == 2 and _HIRAGANA_RUN_2.fullmatch(bare):
        # A name of two kana is the city only as the whole query (「くれ」: 呉市, as --city くれ;
        # in 「くれ 連携」 or 「してくれた」 it may be the verb's), too short a run for the rest.
        found = _place_readings(cities, prefectures)[2].get(fold(bare)[0])
        if found:
            return text.replace(bare, found), ((bare, found),)
    return _kana_runs_as(text, city, alone=True)


# Latin letters as said in kana (ぴーえふ: PF), each name as katakana; the first kana may be
# typed long or not (えー, えい; でぃー, でー).
_LETTER_NAMES = {
    "A": ("エー", "エイ"), "B": ("ビー",), "C": ("シー",), "D": ("ディー", "デー"), "E": ("イー",),
    "F": ("エフ",), "G": ("ジー",), "H": ("エイチ", "エッチ"), "I": ("アイ",), "J": ("ジェー", "ジェイ"),
    "K": ("ケー", "ケイ"), "L": ("エル",), "M": ("エム",), "N": ("エヌ",), "O": ("オー",), "P": ("ピー",),
    "Q": ("キュー",), "R": ("アール",), "S": ("エス",), "T": ("ティー", "テー"), "U": ("ユー",),
    "V": ("ブイ", "ヴィー"), "W": ("ダブリュー", "ダブル"), "X": ("エックス",), "Y": ("ワイ",), "Z": ("ゼット", "ゼッド"),
}
_BY_NAME = {name: letter for letter, names in _LETTER_NAMES.items() for name in names}


def _katakana(kana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in kana)


def _as_letters(kana: str) -> str | None:
    """The Latin letters a kana run spells out whole (ぴーえふ → PF, えぬぴーおー → NPO), or None."""
    kata = _katakana(kana)
    best: list[str | None] = [""] + [None] * len(kata)  # the letters of each prefix
    for i in range(len(kata)):
        if best[i] is None:
            continue
        for name, letter in _BY_NAME.items():
            if kata.startswith(name, i) and best[i + len(name)] is None:
                best[i + len(name)] = best[i] + letter
    return best[-1] if best[-1] and len(best[-1]) >= 2 else None


def _kana_letters(text: str, searcher) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with a run of kana that spells out letters the index has as a word (ぴーえふ:
    PF, えぬぴーおー: NPO) written in those letters, and the (typed, letters) pairs.
    Janome reads ぴーえふ as ぴ + ー + え + ふ: 【こ】 and 【とり】 were marked."""
    def letters(kana: str, alone: bool) -> str | None:
        latin = _as_letters(kana)
        return latin if latin and searcher.doc_frequency("text", latin.lower()) else None

    return _kana_runs_as(text, letters, alone=False)


ROMAJI_AS_KANA = True  # a word typed in romaji with the IME off (tatewari) is read as its kana (_romaji_words)
# A word of romaji: lowercase or Capitalized (not an acronym), long vowels with a macron
# too; not part of an address (tatewari.jp, example.com/…) or a hyphenated word.
# Or in capitals, five letters or more (RENKEI, TATEWARI: the caps lock on; NPO, KPI and
# other acronyms are shorter), and typed full width (ｔａｔｅｗａｒｉ: the IME's width).
_ROMAJI_WORD = re.compile(r"(?<![A-Za-z0-9\u00c0-\u024f./@:_\uff21-\uff3a\uff41-\uff5a-])"
                          r"(?:[A-Za-z\u00c0-\u024f][a-z'\u00c0-\u024f]{3,}|[A-Z]{5,}|[\uff21-\uff3a\uff41-\uff5a]{4,})"
                          r"(?![A-Za-z0-9\u00c0-\u024f./@:_\uff21-\uff3a\uff41-\uff5a-])")
_MACRONS = str.maketrans({"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ei", "ō": "ou", "â": "aa", "î": "ii", "û": "uu",
                          "ê": "ei", "ô": "ou"})


def _romaji_words(text: str, searcher, spellings: dict[str, str] | None, cities: tuple[str, ...] = (),
                  prefectures: tuple[str, ...] = (), vocab=None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with each word of romaji that the index does not have, and whose sound the
    corpus spells with kanji or katakana (tatewari: 縦割り, kodoku: 孤独) or that names one
    of its places (kure: 呉市), in hiragana, and the (typed, kana) pairs. Typed with the IME
    off, it found nothing and offered nothing (the stop-35 review). Not a word the index
    has (npo), nor letters no syllable takes (platform), nor kana of particles alone or of
    no such word (data: だた, mono: もの; the second stop-35 review)."""
    if not ROMAJI_AS_KANA or not spellings or not _ROMAJI_WORD.search(text):
        return text, ()
    from .analysis import _is_kanji, morphs, romaji_readings, spelled

    swaps: list[tuple[str, str]] = []

    def a_word(spelling: str | None) -> bool:
        return bool(spelling) and any(_is_kanji(c) or "\u30a1" <= c <= "\u30fa" for c in spelling)

    def written(said: str, whole: bool = True) -> str | None:
        """``said`` as the corpus's word or words (pieces side by side, spaced: 連携 庁内, which
        Janome would read again as 連携 + 庁 + 内), where they read exactly so, voicing and all
        (the spellings are found by their sound less it: kyosei is not 行政, shogai 紹介)."""
        word = spelled(said, spellings)
        pieces = [(0, len(said), word)] if a_word(word) else _respell_pieces(said, spellings)
        if not (pieces and all(a_word(sp) for _, _, sp in pieces)):
            return None
        if whole and not (pieces[0][0] == 0 and pieces[-1][1] == len(said)
                          and all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))):
            return None
        for a, b, sp in pieces:
            reads = _reading(sp)
            if reads and _as_romaji_types(reads) != _as_romaji_types(said[a:b]):
                return None  # (a piece Janome gives no reading, ポッドキャスト, is taken as found)
        return " ".join(sp for _, _, sp in pieces)

    def as_place(said: str) -> str | None:
        found = _kana_places(said, cities, spellings, prefectures)[1] if cities else ()
        if not found:
            return None
        place = found[0][1]
        # (A long vowel put back must make the place's own reading: the places are found by
        # their sound less its voicing, and kyodo is not 京都.)
        name, suffix = (place[:-1], place[-1]) if place[-1:] in _SUFFIX_READINGS and len(place) > 2 else (place, "")
        if _reading(name) == said:
            return name  # (kyoto: 京都; written so, kyoto市 is not 今日 + と)
        return place if said in (_reading(name) + r for r in _SUFFIX_READINGS.get(suffix, ())) else None

    tried = {"long": 0}
    done: dict[str, str | None] = {}  # (a word typed twice is read once: 「sorosoro …」 × 200)

    def as_kana(m: re.Match) -> str:
        typed = m.group()
        if typed not in done:
            done[typed] = read(typed)
        return done[typed] or typed

    def read(typed: str) -> str | None:
        word = unicodedata.normalize("NFKC", typed)  # (ｔａｔｅｗａｒｉ: tatewari)
        plain = word.lower().translate(_MACRONS)
        if (word != plain and word[1:] != word[1:].lower() and not (word.isupper() and len(word) >= 5)) or \
                searcher.doc_frequency("text", plain):
            return None
        for kana in romaji_readings(plain):  # (konnan: こんなん; hanni: はんい)
            got = read_kana(typed, kana)
            if got:
                return got
        return None

    def read_kana(typed: str, kana: str) -> str | None:
        particles = all(x.pos.startswith(("助詞", "助動詞")) for x in morphs(kana))
        if not particles:
            place = bool(cities and _kana_places(kana, cities, spellings, prefectures)[1])
            # (Or, as usually written, a word of the synonyms file the corpus never says: yosan is
            # よさん, 予算, as typed in kana it is: the stop-39 user review. By the kana-kanji table,
            # not Vocabulary.written_for_reading, which reads every entry: a romaji miss cost 90 ms.)
            if len(kana) >= 3 and (written(kana) or vocab is not None and _in_vocabulary(vocab, kana)) or place:
                swaps.append((typed, kana))
                return kana
        # Typed without its long vowels, as Hepburn writes names (kyoto, tokyo, chonai, tayo): those
        # too, where as typed it is nothing (the stop-38 user review: kyoto found nothing), as the
        # word or place that reads so, written as that word or place; the first few such words
        # of a query only (each costs Janome a few readings).
        if tried["long"] < _LONG_VOWEL_WORDS:
            tried["long"] += 1
            longer = _long_vowels(kana)
            for said in longer:
                got = written(said)
                if got:
                    swaps.append((typed, got))
                    return got
            for said in longer:
                got = as_place(said)
                if got:
                    swaps.append((typed, got))
                    return got
        # Else as before: kana whose pieces the corpus spells, though not all of it (chiikihokatsu:
        # 地域 + ほかつ, where ちいきほうかつ is tried first).
        if not particles and len(kana) >= 3 and written(kana, whole=False):
            swaps.append((typed, kana))
            return kana
        return None

    # (A particle in capitals is one where the query's letters all are, TATEWARI NO HEIGAI, or
    # before a word read as kana, NPO TO renkei; the NO of tatewari NO MORE and the TO of
    # renkei HOW TO are English.)
    caps = not any(ch.islower() for ch in unicodedata.normalize("NFKC", text) if ch.isascii())
    text = _ROMAJI_WORD.sub(as_kana, text)
    if swaps:  # (and the particles between such words: tatewari no heigai)
        def particle(m: re.Match) -> str:
            after = text[m.end():].lstrip()
            if m.group().islower() or caps or (after and "\u3041" <= after[0] <= "\u3096"):
                return _ROMAJI_PARTICLES[m.group().lower()]
            return m.group()

        text = _ROMAJI_PARTICLE.sub(particle, text)
    return text, tuple(swaps)


def _in_vocabulary(vocab, kana: str) -> bool:
    """Whether ``kana``'s usual kanji is an entry of the synonyms file (よさん: 予算)."""
    from .analysis import usual_kanji

    word = usual_kanji(kana)
    return bool(word) and bool(vocab.alternatives(word))


def _as_romaji_types(kana: str) -> str:
    """Kana as romaji can type them: no ー (sapota, purattofomu), づ as ず and ぢ as じ
    (ibashozukuri: 居場所づくり; mijika: 身近, read みぢか), as Hepburn and the IME write them."""
    return kana.replace("ー", "").replace("づ", "ず").replace("ぢ", "じ")


def _reading(text: str) -> str:
    """``text`` as Janome reads it, in hiragana (京都: きょうと)."""
    from .analysis import morphs

    return "".join(m.reading for m in morphs(text)).translate(_TO_HIRAGANA)


_SUFFIX_READINGS = {"市": ("し",), "町": ("ちょう", "まち"), "区": ("く",), "村": ("むら", "そん"), "県": ("けん",),
                    "都": ("と",), "府": ("ふ",), "道": ("どう",)}


_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
_O_ROW = frozenset("おこごそぞとどのほぼぽもよょろを")
_LONG_VOWELS_MAX = 3  # places a long vowel may have been left out at (3^3 readings at most)
_LONG_VOWEL_WORDS = 4  # romaji words of a query whose long vowels are looked for


def _long_vowels(kana: str) -> list[str]:
    """``kana`` with the long vowels romaji leaves out put back, one reading for each way:
    きょと → きょうと, おさか → おおさか, ちょない → ちょうない; the most added first, as
    Hepburn leaves out every one (kyodo is きょうどう before きょうど)."""
    at = [i for i, c in enumerate(kana) if c in _O_ROW or c in "うくぐすずつづぬふぶぷむゆゅる"]
    at = [i for i in at if kana[i + 1:i + 2] not in ("う", "お")][:_LONG_VOWELS_MAX]
    out: list[tuple[int, str]] = []

    def grow(k: int, text: str, added: int, shift: int) -> None:
        if k == len(at):
            if added:
                out.append((added, text))
            return
        i = at[k] + shift + 1
        grow(k + 1, text, added, shift)
        for v in ("う", "お") if kana[at[k]] in _O_ROW else ("う",):
            grow(k + 1, text[:i] + v + text[i:], added + 1, shift + 1)

    grow(0, kana, 0, 0)
    return [t for _, t in sorted(out, key=lambda x: -x[0])]


_ROMAJI_PARTICLES = {"no": "の", "wo": "を", "ga": "が", "ni": "に", "de": "で", "to": "と", "wa": "は", "ha": "は",
                     "mo": "も", "he": "へ", "ya": "や", "na": "な"}
_ROMAJI_PARTICLE = re.compile(r"(?<![A-Za-z0-9])(?:no|wo|ga|ni|de|to|wa|ha|mo|he|ya|na|NO|WO|GA|NI|DE|TO|WA|HA|MO|HE|YA|NA)"
                              r"(?![A-Za-z0-9])")  # (in capitals too: TATEWARI NO HEIGAI)


# R7, R6年度, Ｒ７: the year of the Reiwa era (令和) as offices write it in short. (Compiled when
# a query has an R: compiling it costs every cold search 0.6 ms.)
_ERA_YEAR = r"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])[RrＲｒ]\s?([0-9０-９]{1,2})(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"


# 2024, 2024年度: a year in the Western calendar, which the corpus writes by era (令和6年度).
_WESTERN_YEAR = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])((?:19[89]|20[0-4])[0-9]|[１][９][８９][０-９]|[２][０][０-４][０-９])(?=年|[\s、。,.!?！？~〜～\-−–—]|$|[のにではもかまやと])"  # (not 2000人; 2024～2025)


def _era_years(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with a Reiwa year in short (R7) or a Western year (2024) written as the corpus
    writes it (令和7, 令和6), and the (typed, written) pairs: R7 found nothing, R6年度 said
    "not found: R", and 2024年度 found nothing though three snippets say 令和6年度."""
    swaps: list[tuple[str, str]] = []

    def written(m: re.Match) -> str:
        era = "令和" + unicodedata.normalize("NFKC", m.group(1))
        swaps.append((m.group(), era))
        return era

    def by_era(m: re.Match) -> str:
        year = int(unicodedata.normalize("NFKC", m.group(1)))
        if year < 1989:
            return m.group()
        name, n = ("令和", year - 2018) if year >= 2019 else ("平成", year - 1988)
        era = name + ("元" if n == 1 else str(n))  # (2019: 令和元年)
        swaps.append((m.group(), era))
        return era

    if any(c in text for c in "RrＲｒ"):
        text = re.sub(_ERA_YEAR, written, text)
    if any(c in text for c in "12１２"):
        text = re.sub(_WESTERN_YEAR, by_era, text)
    return text, tuple(swaps)


def _kana_runs_as(text: str, lookup, alone: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with each kana run that ``lookup`` (kana, whether it stands alone between
    spaces or the text's ends → its writing, or None) knows written so, whole or before
    a particle that ends it (とよたしの苦労, ぴーえふの立ち上げ); ``alone``: only a run that
    starts the text or follows a space or punctuation."""
    out, swaps, last = [], [], 0
    for m in _KANA_RUN.finditer(text):
        a = m.start()
        if alone and a and text[a - 1].isalnum():  # (after a kanji, a letter or a digit: 地域のなかの)
            continue
        run = m.group()
        # (Up to KANA_PLACE_MAX kana: no place's or letters' name is longer, and a pasted run of
        # thousands of kana made this quadratic: --city with 8,000 の took 30 s.)
        for end in range(min(len(run), KANA_PLACE_MAX), 1, -1):
            if end < len(run) and run[end] not in _PARTICLE_HEAD:
                continue
            by_itself = (not a or text[a - 1].isspace()) and (a + end == len(text) or text[a + end].isspace())
            written = lookup(run[:end], by_itself)
            if written:
                out += [text[last:a], written]
                swaps.append((run[:end], written))
                last = a + end
                break
    return "".join(out) + text[last:], tuple(swaps)


def _named_cities(text: str, cities: tuple[str, ...], regions: tuple[tuple[str, tuple[str, ...]], ...] = (),
                  regions_out: list | None = None) -> tuple[tuple[str, int, int], ...]:
    """(city, start, end) for each of ``cities`` the query names, whole (豊田市) or
    without its 市/区/町/村 (豊田, 宇和島), where Janome's words begin and end (東京都
    does not name 京都市). A snippet seldom says its own city's name, so as words
    福岡市 found nothing and "did you mean" offered 福祉市; named, the city is what
    the query is about: its snippets come first, and nothing is hidden. A prefecture
    of ``regions`` named stands for its cities (appended to ``regions_out`` as
    (prefecture, start, end))."""
    from .analysis import morphs

    ms = morphs(text)
    starts, ends = {m.start for m in ms}, {m.end for m in ms}
    # A suffix right after the name goes with it (熊本県, 岡崎さん): left behind, 県 was a
    # word of its own and found 鳥取市's 「兵庫県2町」.
    suffix_at = {m.start: m.end for m in ms if m.pos.startswith("名詞,接尾")}
    word_at = {m.start: (m.surface, m.end) for m in ms}
    nouns = {m.start for m in ms if m.pos.startswith("名詞")}
    # A one-character name only as a word of its own, at the query's start or after a space, and
    # before a particle or the end (呉, 呉で良かったこと; not the 森 of 大森の中).
    particle_at = {m.start for m in ms if m.pos.startswith(("助詞", "助動詞"))}
    found: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []
    named_regions = regions_out if regions_out is not None else []
    seen_regions: set[str] = set()

    def free(at: int, end: int) -> bool:
        return at in starts and end in ends and not any(a < end and at < b for a, b in taken)

    def region_at(region: str, of: tuple[str, ...], at: int, stop: int) -> None:
        # Its cities once (a long query that says it 300 times is not 300 × its cities).
        mine = [c for c in of if c in cities] if region not in seen_regions else [of[0]]
        seen_regions.add(region)
        found.extend((city, at, stop) for city in mine)
        taken.append((at, stop))
        named_regions.append((region, at, stop))

    def bare_region(region: str) -> str | None:
        return region[:-1] if len(region) >= 3 and region[-1] in _REGION_SUFFIX else None

    # A prefecture's whole name first: 福岡県 is the prefecture, not 福岡 + 県.
    for region, of in regions:
        at = text.find(region)
        while at >= 0:
            end = at + len(region)
            if free(at, end):
                region_at(region, of, at, suffix_at.get(end, end))
            at = text.find(region, end)
    for city in sorted(cities, key=len, reverse=True):  # 春日井市 before a shorter name inside it
        for form in (city, city[:-1]) if len(city) >= 2 and city[-1] in "市区町村" else (city,):
            at = text.find(form)
            while at >= 0:
                end = at + len(form)
                if len(form) == 1 and not ((at == 0 or text[at - 1].isspace())
                                           and (end == len(text) or text[end].isspace() or end in particle_at)):
                    at = text.find(form, end)
                    continue
                if free(at, end):
                    after = word_at.get(end)
                    if form != city and after and after[0][:1] == city[-1]:
                        # The name's own 市/区/町 begins the word after it: 熊本 + 市長, 中野 + 区役所.
                        stop = after[1]
                    else:
                        stop = suffix_at.get(end, end)
                    found.append((city, at, stop))
                    taken.append((at, stop))
                at = text.find(form, end)
    # Without its 県/都/府 only where no noun follows (兵庫ヤクルト and 兵庫県立大学 name a
    # firm and a university).
    for region, of in regions:
        bare = bare_region(region)
        if not bare:
            continue
        at = text.find(bare)
        while at >= 0:
            end = at + len(bare)
            if free(at, end) and end not in nouns:
                region_at(region, of, at, end)
            at = text.find(bare, end)
    return tuple(sorted(found, key=lambda x: x[1]))


def _index_regions(searcher, cities: tuple[str, ...], text: str | None = None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The index's prefectures, each with its cities (one stored record read per city,
    once per searcher). With ``text``: none unless it says a prefecture's name (the
    reads cost a cold search 1.5 ms)."""
    if text is not None:
        names = _index_prefectures(searcher)
        if not any((n[:-1] if len(n) >= 3 and n[-1] in _REGION_SUFFIX else n) in text for n in names):
            from .gazetteer import regions

            if not any(r in text for r, _ in regions()):
                return ()  # (the reads below cost a cold search 1.5 ms: only for a region named)
            return tuple(r for r in _wider_regions(searcher, cities) if r[0] in text)
    return _prefecture_regions(searcher, cities) + _wider_regions(searcher, cities)


def _wider_regions(searcher, cities: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The regions of Japan people name (九州, 関西, 中国地方: gazetteer.regions) that hold one of
    the index's cities, each with those cities: 九州 found nothing, and 東海 was said to be
    "not in this collection", though 岡崎市, 春日井市 and 豊田市 are there (stop 34)."""
    got = getattr(searcher, "_kodoku_wider", None)
    if got is None:
        from .gazetteer import regions

        of = dict(_prefecture_regions(searcher, cities))
        got = tuple((name, mine) for name, prefs in regions()
                    for mine in [tuple(c for p in prefs for c in of.get(p, ()))] if mine)
        try:
            searcher._kodoku_wider = got
        except AttributeError:
            pass
    return got


def _region_name(name: str) -> bool:
    from .gazetteer import regions

    return any(r == name or r == name + "地方" for r, _ in regions())


def _prefecture_regions(searcher, cities: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    got = getattr(searcher, "_kodoku_regions", None)
    if got is None:
        of: dict[str, list[str]] = {}
        for city in cities:
            for docnum in searcher.document_numbers(city=city):
                region = searcher.stored_fields(docnum).get("prefecture")
                if region:
                    of.setdefault(region, []).append(city)
                break
        got = tuple((r, tuple(c)) for r, c in of.items())
        try:
            searcher._kodoku_regions = got
        except AttributeError:
            pass
    return got


def _slips(searcher):
    """read_query's ``slips`` over this index: for a word in kanji that no snippet says,
    the words of its sound in the reading field (キカン|機関) that share a kanji with it.
    An IME offers the homophones of what was typed; 連係 for 連携 is the slip one makes,
    厚生 for 構成 (no kanji shared) a different word."""
    from .analysis import KANJI_KEY, _is_kanji, all_kanji

    def homophones(sound: str, word: str) -> list[str]:
        prefix = sound + KANJI_KEY
        got = (t.decode("utf-8") if isinstance(t, bytes) else t for t in searcher.reader().expand_prefix("reading", prefix))
        # The same sound to the voicing, which the field's key folds on the first kana
        # (議会 ギカイ is not 機会 キカイ).
        # (Words in kanji alone: the field also keys the words with kana, 図る, which no
        # IME offers for a word typed in kanji.)
        return [o for o in (t[len(prefix):] for t in got)
                if o != word and all_kanji(o) and _voiced(o) == _voiced(word)]

    def slips(sound: str, word: str) -> tuple[str, ...]:
        if searcher.doc_frequency("text", word):
            return ()
        kanji = {c for c in word if _is_kanji(c)}
        return tuple(o for o in homophones(sound, word) if kanji & set(o))

    def in_compound(first, second) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """For two words in kanji typed as one compound that no snippet says (関係期間), the
        homophones of each that make one the corpus says with the other (関係機関): the
        IME's choice of the wrong word, which the word alone cannot tell (期間 is a word
        of the corpus too). (No kanji need be shared: the compound's other word and its
        whole sound are the evidence: 要請講座 is 養成講座.)"""
        if not COMPOUND_SLIPS or _said_together(searcher, first.term, second.term):
            return (), ()
        return (tuple(o for o in homophones(first.reading, first.term) if _said_together(searcher, o, second.term)),
                tuple(o for o in homophones(second.reading, second.term) if _said_together(searcher, first.term, o)))

    def bound(word: str) -> tuple[str, ...]:
        """For a word bound from its pieces (連 + 系) whose characters no snippet has, the
        homophones of its whole sound that share a kanji with it (連系: 連携)."""
        from .analysis import morphs

        if all(searcher.doc_frequency("ngram", word[i:i + 2]) for i in range(len(word) - 1)):
            return ()
        ms = morphs(word)
        if not ms or not all(m.reading for m in ms):
            return ()
        kanji = {c for c in word if _is_kanji(c)}
        got = tuple(o for o in homophones("".join(m.reading for m in ms), word) if kanji & set(o))
        return got or one_kanji(word)

    def one_kanji(word: str) -> tuple[str, ...]:
        """For a compound whose last kanji no snippet has after the one before it (孤立氏),
        the kanji of the same sound that makes a compound the snippets say (孤立死):
        the IME's choice among single kanji, which the reading field (words of two or
        more characters) cannot offer."""
        from .analysis import morphs

        head, last = word[:-1], word[-1]
        if len(head) < 2 or not _is_kanji(last) or not all(
                searcher.doc_frequency("ngram", head[i:i + 2]) for i in range(len(head) - 1)):
            return ()
        # The sound of the compound as Janome reads it whole: the kanji alone has its own
        # reading (物 and 者 both モノ), in the compound its suffix's (関係物 ブツ, 関係者 シャ).
        typed = morphs(word)
        if len(typed) < 2 or typed[-1].surface != last or not all(m.reading for m in typed):
            return ()
        sound, stem = "".join(m.reading for m in typed), [m.surface for m in typed[:-1]]
        out = []
        for t in searcher.reader().expand_prefix("ngram", head[-1]):
            t = t.decode("utf-8") if isinstance(t, bytes) else t
            c = t[1:]
            if len(c) != 1 or c == last or not _is_kanji(c):
                continue
            ms = morphs(head + c)  # (read the same way: 生活動 is 生 + 活動, not 生活 + 動)
            if ([m.surface for m in ms[:-1]] == stem and ms[-1].surface == c
                    and "".join(m.reading or "" for m in ms) == sound):
                out.append(head + c)
        return tuple(o for o in out if _said_whole(searcher, o))

    slips.in_compound = in_compound
    slips.bound = bound
    return slips


def _said_together(searcher, first: str, second: str) -> bool:
    """Whether a snippet says the two words one right after the other (in the text field)."""
    from whoosh import query as Q

    # (A matcher, not a search: no collector or scoring, half the cost on a cold search.)
    return bool(searcher.doc_frequency("text", first) and searcher.doc_frequency("text", second)
                and Q.Phrase("text", [first, second]).matcher(searcher).is_active())


def _said_whole(searcher, word: str) -> bool:
    """Whether a snippet says the word: as one word, or as the two Janome reads it as
    (孤立死: 孤立 + 死), one right after the other."""
    from .analysis import morphs

    if not all(searcher.doc_frequency("ngram", word[i:i + 2]) for i in range(len(word) - 1)):
        return False
    parts = [m.surface for m in morphs(word)]
    if len(parts) == 1:
        return bool(searcher.doc_frequency("text", word))
    return len(parts) == 2 and _said_together(searcher, *parts)


def _voiced(word: str) -> str:
    from .analysis import morphs

    return "".join(m.reading or m.surface for m in morphs(word))


def _lexicon(searcher, fieldname: str) -> tuple[str, ...]:
    """Every value of an ID field of the index, read once per searcher."""
    key = f"_kodoku_{fieldname}_values"
    got = getattr(searcher, key, None)
    if got is None:
        got = tuple(t.decode("utf-8") if isinstance(t, bytes) else t for t in searcher.lexicon(fieldname))
        try:
            setattr(searcher, key, got)
        except AttributeError:  # (a searcher that takes no attributes: read it each time)
            pass
    return got


def _index_prefectures(searcher) -> tuple[str, ...]:
    return _lexicon(searcher, "prefecture")


def _index_cities(searcher) -> tuple[str, ...]:
    return _lexicon(searcher, "city")


def _elsewhere(searcher, text: str, cities: tuple[str, ...]) -> tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Places the query names that are none of the index's and that no snippet says
    (大阪市の苦労, 横浜市で良かったこと): (the text with them blanked out, their names,
    and the ward names several cities share that it blanked: (中央区, (熊本市, 福岡市))).
    Searched for, they were 大阪 (nothing) and 市 (「本市」 anywhere): 熊本市 came first, and
    nothing said 大阪市 is not here. The blanks keep every other word where it was. A ward
    of one of the index's cities is that city (博多区 → 福岡市; after 福岡市, blanked)."""
    from .analysis import morphs

    ms = morphs(text)
    places: list[tuple[int, int]] = []
    wards: list[tuple[int, int, str]] = []  # (start, end, the index's city it is a ward of)
    shared: dict[str, tuple[str, ...]] = {}
    prefectures = None
    for a, b in zip(ms, (*ms[1:], None)):
        if not a.pos.startswith("名詞,固有名詞,地域"):
            continue
        suffixed = (b is not None and b.pos.startswith("名詞,接尾,地域") and a.end == b.start
                    and text[b.start:b.end] in _PLACE_SUFFIX)
        if not suffixed and not a.pos.startswith("名詞,固有名詞,地域,一般"):
            continue
        stem = text[a.start:a.end]
        name = text[a.start:b.end] if suffixed else stem
        if prefectures is None:
            prefectures = _index_prefectures(searcher)
        # (One of the index's, maybe with another suffix: 宇和島町 is 宇和島市, as 宇和島 is; but a
        # municipality is not the prefecture of its name: 広島市 and 千葉市 are not here, though
        # 広島県 and 千葉県 are.)
        municipal = suffixed and text[b.start:b.end] in _MUNICIPAL_SUFFIX
        # (Nor another municipality of that stem that Japan has: 中野市 is 長野県's, not 中野区,
        # which it was read as, silently; the stop-41 review.)
        elsewhere_too = municipal and name not in cities and bool(_prefectures_of(name))
        if any(p == name or (len(p) > 2 and p[:-1] == stem and not (municipal and p in prefectures)
                             and not elsewhere_too) for p in (*cities, *prefectures)):
            continue
        if not suffixed and any(r == stem or r == stem + "地方" for r, _ in _wider_regions(searcher, cities)):
            continue  # (a region with cities here: 九州, 東海)
        if searcher.doc_frequency("text", unicodedata.normalize("NFKC", a.base).lower()):
            continue  # (a place a snippet mentions is a word to find)
        if not suffixed and _region_name(stem):
            places.append((a.start, a.end))  # (a region with none: 北陸, 東北 are not in this collection)
            continue
        if not suffixed and not _a_place(stem):
            continue  # (without its suffix, only a municipality's or prefecture's name: 大阪, 横浜, 北海道)
        of = [c for c in cities if suffixed and name.endswith("区") and _ward_of(c, name)]
        if of:
            # A ward of one of the index's cities is that city: 福岡市博多区, 博多区の取組 and
            # 福岡県博多区 are 福岡市's, 京都府伏見区 京都市's. After another municipality it
            # is that one's (大阪市中央区: not here); a name several cities share (中央区:
            # 熊本市's, 福岡市's and a city of Tokyo) is blanked, and _read's note asks which,
            # unless the query names one of them before it (福岡市の中央区, 福岡 中央区).
            before = text[:a.start]
            named = [c for c in of if re.search(re.escape(c[:-1]) + "(?![都道府県])", before)]  # (not 福岡県)
            if any(before.endswith(c) for c in of) or len(named) == 1:
                wards.append((a.start, b.end, ""))
                continue
            if not (before and before[-1] in "市区町村"):
                from .gazetteer import prefectures, prefectures_of

                prefecture = next((p for p in prefectures() if before.endswith(p)), None)
                mine = [c for c in of if prefecture is None or prefecture in prefectures_of(c)]
                if len(mine) == 1 and (prefecture or not _ward_of("", name)):
                    wards.append((a.start, b.end, mine[0]))
                    continue
                if mine:
                    wards.append((a.start, b.end, ""))
                    shared[name] = tuple(mine)
                    continue
        places.append((a.start, b.end if suffixed else a.end))
    names = tuple(dict.fromkeys(text[a:b] for a, b in places))
    for a, b in places:
        text = text[:a] + " " * (b - a) + text[b:]
    for a, b, city in sorted(wards, reverse=True):
        # (A city longer than its ward's name (北九州市 for 門司区) moves the words after it:
        # everything downstream reads the text returned, never the one typed, as after
        # うわじま → 宇和島市.)
        text = text[:a] + city + " " * max(0, b - a - len(city)) + text[b:]
    return text, names, tuple(shared.items())


def _ward_of(city: str, ward: str) -> bool:
    from .gazetteer import prefectures_of

    return bool(prefectures_of(city + ward))


_PLACE_SUFFIX = frozenset("市区町村都府県")
_LIST_JOINER = re.compile(r"\s*(?:と|・|や|、|,|，|も|及び|および|\s)\s*")
_SET_ASIDE = ("以外", "じゃなく", "ではなく", "でなく", "じゃない", "ではない", "を除", "除く", "を除外", "抜き", "は除")
_MUNICIPAL_SUFFIX = frozenset("市区町村")


def _a_place(stem: str) -> bool:
    """Whether ``stem`` is a prefecture of Japan (北海道), or one or a municipality
    with its suffix (大阪: 大阪府, 大阪市)."""
    from .gazetteer import prefectures, prefectures_of

    return (stem in prefectures() or any(prefectures_of(stem + s) for s in "市区町村")
            or any(stem + s in prefectures() for s in "都府県"))


_NUMERAL = re.compile(r"[0-9〇一二三四五六七八九十百千万億]+")  # (Morph.surface is NFKC: ３ is 3)


def _bind_numbers(text: str, ws: list) -> list:
    """A number with the word it counts (3回, 11月, 34団体, 第3者, 2か月間) is one
    query word, looked for by its characters. Janome files 3 and 11 as numbers,
    which no field keeps as words, so 「3回」 was read as 回 and found 週2回 first,
    「11月」 as 月 and found 1月 first, 「3者」 as 者 and found 関係者 and 事業者.
    The number's characters are in the ngram field (3回 is a bigram there), so the
    bound word is matched by its bigrams: whole where the snippet says it, in part
    where it says another number (1月 for 11月). After digits a counted noun stays
    a word of its own (see below). A prefix that takes a number (第, 約) and
    the suffixes after the word (2か月 + 間) go with it; a number alone of two
    digits or more (「18」) is a word of its own."""
    from .analysis import Word, morphs, normalize

    ms = morphs(text)

    def numeral(m) -> bool:  # (Janome files 何, 数 and the ひと of ひととおり as numbers too)
        return m.pos.startswith("名詞,数") and _NUMERAL.fullmatch(m.surface) is not None

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(ms):
        if not numeral(ms[i]):
            i += 1
            continue
        start, end = ms[i].start, ms[i].end
        if i and ms[i - 1].pos.startswith("接頭詞,数接続") and ms[i - 1].end == start:
            start = ms[i - 1].start
        elif i and ms[i - 1].surface in _ERAS and ms[i - 1].end == start:
            # The era's year (令和7, 令和7年度): alone, the 7 was dropped as a lone digit, and 令和7
            # found 座間市's 令和6年度 first. Looked for by its characters: 和7 is a bigram.
            start = ms[i - 1].start
        i += 1
        while i < len(ms) and numeral(ms[i]) and ms[i].start == end:
            end, i = ms[i].end, i + 1
        spans.append((start, end))
    if not spans:
        return ws
    out: list = []
    k = 0
    for start, end in spans:
        while k < len(ws) and ws[k].end <= start:
            out.append(ws[k])
            k += 1
        while k < len(ws) and ws[k].start < end:  # 第, a word inside the number
            k += 1
        pieces = 1
        counted = None
        if k < len(ws) and ws[k].start == end:  # the word it counts, and that word's suffixes
            counted = ws[k]
            end, k = ws[k].end, k + 1
            while k < len(ws) and ws[k].suffix and ws[k].start == end and pieces < BIND_MAX_PIECES - 1:
                end, k, pieces = ws[k].end, k + 1, pieces + 1
        elif len(normalize(text[start:end])[0]) < 2:
            continue  # a lone digit (3 of 「3つの課題」) is in no field as a word or a bigram
        if (counted is not None and not counted.suffix and pieces == 1
                and any(c.isdigit() for c in normalize(text[start:end])[0])):
            # A number in digits before a noun (34団体, 11月): the noun stays a word of its
            # own, before the number's as a suffix's stem is before its bound word, so the
            # other 団体 follow. Not a counter Janome calls a suffix (回, 者, 週間: 3者 would
            # list every 参加者), nor one with suffixes of its own (部 + 署), nor after
            # kanji, where number and counter are often one word (一本化: 本 would be 本市's).
            out.append(counted)
        surface = text[start:end]
        out.append(Word(normalize(surface)[0], "", surface, start, end))
    out.extend(ws[k:])
    return out


def _counts(term: str) -> bool:
    """A number with what it counts (5回, 五回, 2週間): what did-you-mean leaves alone,
    since it is no misspelling of another word (一本化 may still become 一元化)."""
    bare = term.lstrip("第約計全各")
    return bare[:1].isdigit() or (_NUMERAL.match(bare) is not None and _in_digits(term) is not None)


_ERAS = frozenset(("令和", "平成", "昭和"))
_KANJI_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_DATE = re.compile(r"[〇一二三四五六七八九十]+[月日年]")  # Janome keeps 十一月, 三日 whole
_COUNTERS = ("回", "人", "名", "件", "者", "年", "月", "日", "歳", "週", "か月", "ヶ月", "カ月", "箇所", "か所", "ヶ所",
             "カ所", "団体", "町", "市", "校", "社", "点", "つ", "部署", "課", "期", "時間")
_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}


def _in_digits(term: str) -> str | None:
    """A bound number written in kanji, in digits (三回 → 3回, 第十二回 → 第12回): the
    corpus counts in digits (3回, 11月, 34団体). None for a term with no kanji number,
    one in 万 and above, or one whose counter makes a word of its own in kanji (十分 is
    "enough", 一度 "once", 百合 a lily: only the counters in _COUNTERS count)."""
    m = re.search(r"[〇一二三四五六七八九十百千]+", term)
    if (m is None or (m.start() and term[m.start() - 1] not in "第約計全各")
            or not term[m.end():].startswith(_COUNTERS)):
        return None
    total, digit = 0, None
    for ch in m.group():
        if ch in _KANJI_DIGIT:
            digit = _KANJI_DIGIT[ch] if digit is None else digit * 10 + _KANJI_DIGIT[ch]  # 二〇二五
        else:
            total += (digit if digit is not None else 1) * _KANJI_UNIT[ch]
            digit = None
    total += digit or 0
    return term[:m.start()] + str(total) + term[m.end():]


def _join_split_kanji(ws: list) -> tuple[list, dict[str, tuple[str, ...]]]:
    """Janome cuts some two-kanji words it does not know into single kanji (協働 →
    協 + 働, 庁内 → 庁 + 内), in the query as in the index. Counted apart, such a
    word weighs double in "how much of the query matched": 協働 alone would match
    half of 「NPO法人との協働」. Adjacent single kanji join into one query word,
    looked up in the text as the phrase of its pieces."""
    from .analysis import Word, _is_kanji

    out: list = []
    parts: dict[str, tuple[str, ...]] = {}

    def single_kanji(term: str) -> bool:
        return len(term) == 1 and _is_kanji(term)

    for w in ws:
        prev = out[-1] if out else None
        before = parts.get(prev.term, (prev.term,)) if prev is not None else ()
        # Join a single kanji to the one before it, or to two already joined (at most three).
        # (Not two suffixes of a word before them: 者 + 等 of 参加者等 belong to 参加, for
        # _bind_suffixes. Janome's tag alone says little: it files the 協 of 協働, and the
        # 庁 of 「"庁内」, as suffixes of nothing.)
        bound = prev is not None and prev.suffix and len(out) > 1 and out[-2].end == prev.start
        # Nor a suffix onto two joined kanji (庁 + 内 + 等): it is bound to 庁内 instead.
        if (prev is not None and prev.end == w.start and single_kanji(w.term) and not (bound and w.suffix)
                and not (w.suffix and len(before) >= 2)
                and len(before) <= 2 and all(single_kanji(p) for p in before)):
            pieces = parts.pop(prev.term, (prev.term,)) + (w.term,)
            term = "".join(pieces)
            out[-1] = Word(term, "", prev.surface + w.surface, prev.start, w.end, prev.kana + w.kana)
            parts[term] = pieces
        else:
            out.append(w)
    return out, parts


def _bind_suffixes(ws: list, parts: dict[str, tuple[str, ...]]) -> list:
    """A suffix right after its stem (形骸 + 化, 参加 + 者, 孤立 + 死) is looked for
    with its stem, as the phrase 形骸 化: on its own 化 is in 強化, 活性化 and 具体化,
    and 形骸化 found every snippet that says any of them. The stem stays a word of
    its own (a snippet on 参加 answers 参加者 in part); the bound word keeps the
    suffix's place in the query and its bigrams, and has its own synonyms (those
    of 事業者, not of 者). ``parts`` gains the pieces of each bound word."""
    from .analysis import Word

    out: list = []
    for w in ws:
        prev = out[-1] if out else None
        pieces = parts.get(prev.term, (prev.term,)) + (w.term,) if prev is not None else ()
        if w.suffix and prev is not None and prev.end == w.start and len(pieces) <= BIND_MAX_PIECES:
            term = "".join(pieces)
            parts[term] = pieces
            # In the reading field as both pieces' readings where each has one
            # (繋がり作り finds つながりづくり); a piece too short to have one (化, 者)
            # leaves the compound to the text field and its bigrams.
            reading = f"{prev.reading} {w.reading}" if prev.reading and w.reading else ""
            out.append(Word(term, reading, prev.surface + w.surface, w.start, w.end, w.kana, True))
        else:
            out.append(w)
    return out


def _verb_of_way_noun(term: str) -> str | None:
    """The verb of a "way of doing" noun that Janome keeps whole (選び方 → 選ぶ,
    進め方 → 進める): the snippets say what was done, not "the way" of it."""
    if len(term) < 3 or not term.endswith("方"):
        return None
    from .analysis import morphs

    ms = morphs(term[:-1])
    if len(ms) == 1 and ms[0].pos.startswith("動詞") and ms[0].base not in ("ある", "する", "なる"):
        return ms[0].base
    return None


def _phrase_synonyms(text: str, vocab) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, alternatives) for every synonym entry that occurs in the query
    between two token boundaries (so 広報 is not found inside 情報報告)."""
    from .analysis import morphs, normalize

    keys = vocab.phrase_keys()
    if not keys:
        return []
    norm, where = normalize(text)
    bounds = set()
    for m in morphs(text):
        bounds.add(m.start)
        bounds.add(m.end)
    out = []
    for key in keys:
        at = norm.find(key)
        while at >= 0:
            s_at, e_at = where[at], where[at + len(key)]
            if s_at in bounds and e_at in bounds:
                out.append((s_at, e_at, vocab.alternatives(key)))
            at = norm.find(key, at + 1)
    # An entry ending in a verb, typed inflected: 団体に声をかけた has 声をかける (stop 36; a
    # one-word entry, 誘った, is met by its base form already). Looked for in the query with
    # that verb in its dictionary form, ending where the verb does.
    for m in morphs(text):
        if m.pos.startswith("動詞") and m.base != m.surface and m.base != "*":
            said = text[:m.start] + m.base
            norm2, where2 = normalize(said)
            for key in keys:
                if len(key) > len(m.base) and norm2.endswith(key):
                    s_at = where2[len(norm2) - len(key)]
                    if s_at in bounds and s_at < m.start:
                        out.append((s_at, m.end, vocab.alternatives(key)))
    if VERB_AS_ITS_NOUN:
        # An entry that is a verb's noun (立ち上げ, 話し合い), typed as the verb in another form:
        # 「PFを立ち上げる」 is 立ち + 上げる to Janome, and 立ち上げ ended inside a word, so it found
        # none of 設置/設立/発足, while 「PFを立ち上げた」 (上げ + た) found them all (the stop-43
        # review). Looked for with the verb as its noun (its 連用形: 上げる → 上げ, 組む → 組み).
        for m in morphs(text):
            if not m.pos.startswith("動詞") or m.base == "*":
                continue
            for stem in _stems(m.base):
                if stem == m.surface:
                    continue  # (as typed: found above)
                said = text[:m.start] + stem
                norm2, where2 = normalize(said)
                for key in keys:
                    if len(key) > len(stem) and norm2.endswith(key):
                        s_at = where2[len(norm2) - len(key)]
                        if s_at in bounds and s_at < m.start:
                            out.append((s_at, m.end, vocab.alternatives(key)))
    return out


KANA_SPELLED_SYNONYMS = True  # a word typed in kana also finds its spelling's synonyms (QueryWord.farther)
W_FARTHER = 0.5  # × W_SYNONYM: such a synonym at second hand
VERB_AS_ITS_NOUN = True  # a synonym entry that is a verb's noun (立ち上げ) is met by the verb in any form (立ち上げる)
_I_ROW = dict(zip("うくぐすずつぬぶむる", "いきぎしじちにびみり"))


def _stems(base: str) -> tuple[str, ...]:
    """A verb's 連用形, the form its noun takes (立ち上げる → 立ち上げ, 取り組む → 取り組み):
    either of an ichidan verb's and a godan's where る ends it (only an entry can match)."""
    if base.endswith("する"):
        return (base[:-2] + "し",)
    out = []
    if base.endswith("る") and len(base) > 1:
        out.append(base[:-1])
    if base[-1:] in _I_ROW:
        out.append(base[:-1] + _I_ROW[base[-1]])
    return tuple(out)


class _Leaf:  # (internal, and on every cold search's path: a plain class costs nothing to define; a
    # dataclass ≈ 0.5 ms, and a cold search defined nineteen)
    __slots__ = ("field", "term", "boost", "words", "kind", "slop")

    def __init__(self, field: str, term: str, boost: float, words: tuple[int, ...], kind: str, slop: int = 1):
        self.field = field
        self.term = term  # a term, or several joined by spaces: a phrase (a multi-word synonym)
        self.boost = boost
        self.words = words  # indexes of the query words it stands for
        self.kind = kind  # text | reading | ngram | synonym | context | context-synonym | sequel | heading | phrase | label
        self.slop = slop  # for a phrase: how far apart its words may be

    def __eq__(self, other) -> bool:
        return isinstance(other, _Leaf) and (self.key(), self.words, self.kind) == (other.key(), other.words, other.kind)

    def __hash__(self) -> int:
        return hash((self.key(), self.words, self.kind))

    def __repr__(self) -> str:
        return f"_Leaf({self.field!r}, {self.term!r}, {self.boost!r}, {self.words!r}, {self.kind!r}, {self.slop!r})"

    def key(self) -> tuple:
        return (self.field, self.term, self.boost, self.slop)

    def query(self):
        from whoosh import query as Q

        parts = self.term.split(" ")
        if self.field == "reading":  # (keys of _reading_key)
            got = [_reading_query(p) for p in parts]
            if len(got) == 1:
                got[0].boost = self.boost
                return got[0]
            return Q.And(got, boost=self.boost)
        if len(parts) == 1:
            return Q.Term(self.field, self.term, boost=self.boost)
        if self.field in ("heading", "context", "sequel", "ngram"):  # fields kept without positions
            return Q.And([Q.Term(self.field, p) for p in parts], boost=self.boost)
        return Q.Phrase(self.field, parts, slop=self.slop, boost=self.boost)


def _reading_key(w: QueryWord) -> str:
    """A query word's key in the reading field: a word written with kanji is keyed by
    itself (機関: キカン|機関; 測る: ハカル|測る), and meets the spellings of its sound
    that are the same word (analysis.same_word); a word in kana is キカン|, every
    spelling of the sound (analysis.kanji_keyed). A word in pieces (繋がり作り) is each
    piece's."""
    from .analysis import KANJI_KEY, _is_kanji

    if " " in w.reading or not any(_is_kanji(ch) for ch in w.surface) or w.sound:
        return " ".join(p + KANJI_KEY for p in w.reading.split(" "))
    return w.reading + KANJI_KEY + w.term


def _reading_query(key: str):
    from whoosh import query as Q

    from .analysis import KANJI_KEY

    sound, _, word = key.partition(KANJI_KEY)
    if word:
        from .spellings import SpellingsOf

        return Q.Or([Q.Term("reading", sound), SpellingsOf("reading", sound, word)])
    return Q.Or([Q.Term("reading", sound), Q.Prefix("reading", key, constantscore=False)])


def _sound(key: str) -> str:
    """The reading of a reading-field key or term, without the word it may be keyed by."""
    from .analysis import KANJI_KEY

    return " ".join(p.partition(KANJI_KEY)[0] for p in key.split(" "))


def _leaves(reading: Reading) -> list[_Leaf]:
    from .analysis import KANJI_KEY

    acc: dict[tuple[str, str], list] = {}

    def add(fieldname: str, term: str, boost: float, k: int, kind: str, slop: int = 1) -> None:
        if not term:
            return
        key = (fieldname, term)
        if key in acc:
            acc[key][0] = max(acc[key][0], boost)
            if k not in acc[key][1]:
                acc[key][1].append(k)
        else:
            acc[key] = [boost, [k], kind, slop]

    for k, w in enumerate(reading.words):
        as_indexed = " ".join(w.parts) if w.parts else w.term
        add("text", as_indexed, W_TEXT, k, "text")
        add("context", as_indexed, W_CONTEXT, k, "context")
        if W_SEQUEL:
            add("sequel", as_indexed, W_SEQUEL, k, "sequel")
        add("heading", as_indexed, W_HEADING, k, "heading")
        if len(w.reading) >= 3:
            add("heading", w.reading, W_HEADING * W_READING, k, "heading")
        if w.reading:
            add("reading", _reading_key(w), W_READING, k, "reading")
        if w.lemma:
            add("reading", w.lemma + KANJI_KEY, W_READING * W_LEMMA, k, "reading")
        for g in w.bigrams:
            add("ngram", g, W_NGRAM, k, "ngram")
        for alt in w.synonyms:
            alt_terms, slop = _as_phrase(alt)
            ws_ = W_SYNONYM * (W_FARTHER if alt in w.farther else 1.0)
            if alt_terms is None:  # its words would not say it: look for its characters
                grams = _alt_grams(alt)
                # Whoosh sums an AND's parts: divided by their number, the entry weighs as one word.
                add("ngram", grams, ws_ / max(1, grams.count(" ") + 1), k, "synonym")
                continue
            add("text", alt_terms, ws_, k, "synonym", slop)
            add("heading", alt_terms, W_HEADING * ws_, k, "heading")
            # In the snippet before, as a synonym counts against the word in the text (text + reading).
            add("context", alt_terms, W_CONTEXT * ws_ / (W_TEXT + W_READING), k, "context-synonym")
    if W_PHRASE_GRAM:
        for g, k in reading.phrase_grams:
            add("ngram", g, W_PHRASE_GRAM, k, "phrase")
    return [_Leaf(f, t, b, tuple(ws), kind, slop) for (f, t), (b, ws, kind, slop) in acc.items()]


# What a synonym entry may lose when the text field reads it: particles, endings
# and light words (関心のなかった人 → 関心 ない 人; 意識したことのない層). Not a
# negation: まだ設置していない read as 設置 would find what it denies.
_HARMLESS_LOSS = frozenset("のをにがでとはへもやかてなたださ") | {"ます", "です", "れる", "られる"}  # な: 主体的な


def _uninflected(text: str) -> str:
    """An entry as looked for by its characters: without the ending of a last word
    that inflects (だけでは難しい → だけでは難し, which 「だけでは難しく」 has)."""
    from .analysis import morphs

    ms = morphs(text)
    if ms and ms[-1].pos.startswith(("動詞", "形容詞")) and ms[-1].end - ms[-1].start > 1 \
            and ms[-1].end == len(text) and "\u3041" <= text[-1] <= "\u3096":
        return text[:-1]  # the one kana that inflects: 難し-い/く, 合-い/う
    return text


@lru_cache(maxsize=4096)
def _alt_grams(alt: str) -> str:
    """A synonym entry's bigrams, as its n-gram leaf looks for them (space-separated)."""
    from .analysis import bigrams

    return " ".join(dict.fromkeys(g for g, _, _ in bigrams(_uninflected(alt))))


@lru_cache(maxsize=4096)
def _as_phrase(text: str) -> tuple[str | None, int]:
    """A synonym's words as the text field holds them, and how far apart they may
    be: as far as in the synonym itself, since positions count the particles the
    field leaves out (意識したことのない層 → 意識 ない 層, five apart at most).
    None when those words would not say it: Janome reads 声かけ as 声 + particles,
    地域の方 loses 方, 作った後 loses 後, 限り and 小さな leave nothing; such an
    entry is looked for by its characters instead of matching every 声 or 地域.
    Read as a sentence holds it (analysis.as_said: 結びつき, 結び + つき)."""
    from .analysis import STOP_BASES, as_said, is_function_word, morph_analyzer, morphs

    text = as_said(text)
    toks = [(t.text, t.pos) for t in morph_analyzer()(text, positions=True)]
    if not toks:
        return None, 1
    for m in morphs(text):
        if is_function_word(m.pos, m.base) and m.base not in STOP_BASES and m.surface not in _HARMLESS_LOSS:
            return None, 1
    gaps = [b[1] - a[1] for a, b in zip(toks, toks[1:])]
    return " ".join(t for t, _ in toks), max([1, *gaps])


def _names(w: QueryWord, cues: tuple[str, ...], respellings: tuple[tuple[str, str], ...] = ()) -> bool:
    """Whether a query word is (part of) one of the cue words, as typed or, typed in kana,
    as the corpus spells it (``respellings``: たいへん is 大変, the cue intent was read by)."""
    said = (w.term, w.surface.lower(), *(sp for run, sp in respellings if w.surface and _hira(w.surface) in _hira(run)))
    return any(t == c or t in c or c in t for c in cues for t in said)


def _hira(text: str) -> str:
    """Katakana as hiragana (クロウ: くろう), for comparing what was typed in either."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def _label_leaves(reading: Reading, filters: Filters) -> list[_Leaf]:
    """A word that names what a filter asks for (PF with --theme platform, 苦労 with
    --polarity hard) is met by every record the filter lets through, whether or not
    its text repeats the word: 「PFを作ってよかったこと」 on the platform theme's good
    side lists that whole side, the records with its other words first (W_LABEL is
    below any word's score)."""
    out: list[_Leaf] = []
    for field, want, cues, asked in (("theme", reading.theme, reading.theme_cues, filters.theme),
                                     ("sides", reading.polarity, reading.polarity_cues, filters.polarity)):
        ks = tuple(k for k, w in enumerate(reading.words) if _names(w, cues, reading.respellings)) if want else ()
        if ks and asked == want:
            out.append(_Leaf(field, want, W_LABEL, ks, "label"))
        elif ks and asked is None:
            # A city (the query names it, or --city does) stands in for the filter: 「京都市の
            # PF」 is met by 京都市's platform records, whose text never says PF (nothing else
            # is hidden). Only a word that is the cue itself (PF, 苦労), not one a longer cue
            # was read from (足り of 足りない).
            said = tuple(k for k in ks if any(c in (reading.words[k].term, reading.words[k].surface.lower())
                                                for c in cues))
            out += [_CityLabel(field, want, W_LABEL, said, city)
                    for city in ((filters.city,) if filters.city else reading.cities) if said]
    return out


class _CityLabel(_Leaf):
    """A label leaf for the records of one city (_label_leaves)."""

    __slots__ = ("city",)

    def __init__(self, field: str, term: str, boost: float, words: tuple[int, ...], city: str):
        super().__init__(field, term, boost, words, "label")
        self.city = city

    def key(self) -> tuple:
        return (self.field, self.term, self.boost, self.slop, self.city)

    def query(self):
        from whoosh import query as Q

        return Q.And([Q.Term("city", self.city), Q.Term(self.field, self.term)], boost=self.boost)


def _pieces(leaves: list[_Leaf], reading: Reading, searcher) -> tuple[tuple, ...]:
    """Each query word's character bigrams as a group that matches only together: half
    of the word's telling ones at least. One bigram of ten is no match: コミュニティナース's
    イナ is in every いない, ポッドキャスト's スト in every ストーリー, 寂しい's シイ in
    難しい (35, 21 and 2 results, for words one city or none says). Telling: not a kana
    pair of a word with kanji (しい), nor one in over SHOWN_KANA_GRAM_MAX_SHARE of the
    snippets (こどく's コト). A word with none (しい alone) matches by its bigrams as
    before, any of them."""
    from .analysis import _is_kanji, bigrams, fold

    most = SHOWN_KANA_GRAM_MAX_SHARE * searcher.doc_count_all()
    out = []
    for k, w in enumerate(reading.words):
        grams = [lf for lf in leaves if lf.kind == "ngram" and k in lf.words]
        whole = frozenset(lf.key() for lf in leaves if lf.kind == "text" and lf.words == (k,))
        pair = WITHIN_WORDS and len(w.surface) == 2 and all(map(_is_kanji, w.surface))
        if pair and len(grams) == 1 and grams[0].term == w.surface:
            # A two-kanji word by its one pair: not where the pair is the end of one word and
            # the start of the next (民生 in 市民生活: 市民 + 生活), which no one reads as it.
            one = frozenset([grams[0].key()])
            out.append((one, 1, one, frozenset(), None, partial(_within_words, searcher, w.surface), one, whole))
            continue
        if (len(grams) == 1 and KATAKANA_PAIR_IN_KATAKANA and _KATAKANA_RUN.fullmatch(w.surface)
                and _kana_only(grams[0].term)):
            # A katakana word of one folded pair (ルート: ルト, メール: メル) by that pair only as a
            # katakana word of the record, spelled another way: the n-gram field folds hiragana
            # to katakana and drops ー, so ルト was every 「…になると」 and メル every 見極める
            # (the stop-31 review).
            one = frozenset([grams[0].key()])
            out.append((one, 1, one, frozenset(), None, partial(_in_katakana, searcher, grams[0].term), one, whole))
            continue
        folded = fold(w.surface)[0]  # (once: per pair, a word of 1,000 kana was folded 1,000 times)
        own = [lf for lf in grams if lf.term == folded]
        if (own and HIRAGANA_PAIR_AS_WORD and len(w.surface) == 2 and _HIRAGANA_RUN_2.fullmatch(w.surface)
                and not searcher.doc_frequency("text", w.term)):
            # A word of two hiragana that no snippet has as a word (いま, まず) by its pair only
            # where a word of the record is written so: the pair folded is in every 「…います」
            # and 「…ます」 (the stop-31 review). (ない, a word of many snippets, as before: 「…方法って
            # ない？」 lost 0.22 without its pairs.) Its pairs with the words beside it (the トウ of
            # ふと + うこう, Janome's cut of ふとうこう) tell nothing alone: ふとうこう was
            # 「…しま【うこ】と」 and 「ハ【ブと】」 (the stop-32 review).
            one = frozenset([own[0].key()])
            out.append((frozenset(lf.key() for lf in grams), 1, one, frozenset(), None,
                        partial(_a_word_of, searcher, own[0].term), one, whole))
            continue
        tail = VERB_TAIL_APART and _verb_inflected(w)
        if tail and len(grams) == 1 and any(_is_kanji(c) for c in grams[0].term):
            # A verb typed inflected (組ん of 組んだ) by its one pair only where the record says
            # it, not as the tail of a compound verb: 組ン is in every 「取り組んで」, and 「企業と
            # 組んだ」 marked 取り【組ん】で first (the stop-33 review).
            one = frozenset([grams[0].key()])
            out.append((one, 1, one, frozenset(), None,
                        partial(_verb_not_a_tail, searcher, w.term, frozenset([grams[0].term])), one, whole))
            continue
        if len(grams) < 2:
            continue
        kanji = any(_is_kanji(c) for c in w.surface)
        # (Inside the word: the イナ that joins コミュニティ and ナース is neither's.)
        inner = {g for g, _, _ in bigrams(w.surface)}
        telling = [lf for lf in grams if lf.term in inner
                   and not (_kana_only(lf.term) and (kanji or searcher.doc_frequency("ngram", lf.term) > most))]
        if _counts(w.term):
            # A number with what it counts (bound: 2か月, 11月, 三か月) tells by its number: 1月
            # is in part 11月, but 「担当者が月に1回」 (が月 folds to か月) is no 2か月.
            telling = [lf for lf in telling if _NUMERAL.search(lf.term)] or telling
        if len(telling) == 1 and _kana_word(w):
            # A katakana word with one telling pair of kana (ゲート: ケト) matches by its pairs only
            # all together: the n-gram field folds hiragana to katakana, so ケト is in every
            # きっかけと (コドク: コト and トク, where 「こどくのあわい」 says it).
            every = frozenset(lf.key() for lf in grams)
            # (Its own pairs only are loose where the group is not whole: the トキ that joins
            # ポト and キャスト says 「ポットキャスト」 where it stands.)
            out.append((every, len(every), every, frozenset(), None, None,
                        frozenset(lf.key() for lf in grams if lf.term in inner), whole))
        elif telling:
            need = -(-len(telling) // 2)
            if (SHORT_KANA_WHOLE and not kanji and len(telling) == 2 and not _kana_word(w)
                    and (w.sound or any(_is_kanji(c) for c in w.term))):
                # A word of three kana read as the corpus spells it (りかい: 理解) by both its
                # pairs (リカ, カイ): by one it was 「…人がいないか」 and 「…により、かかわり」 (the
                # stop-31 review). (Not an inflection, わから, which meets わかり by one.)
                need = 2
            required: frozenset = frozenset()
            rescue = None
            if KATAKANA_SLIPS is not None and _kana_word(w):
                # A katakana word's pairs are folded (voicing, ー, small kana): it is spelled alike
                # or with a slip of one kana (two pairs: シンポジューム), not by half its pairs.
                # ポッドキャスト by キヤ + ヤス was 「動きやすい」.
                # (And by two at least: ニュース by its ニユ alone was メ【ニュー】.)
                need = max(need, len(telling) - KATAKANA_SLIPS, min(len(telling), 2))
                first = next((lf for lf in telling if lf.term == bigrams(w.surface)[0][0]), None)
                if first is not None and KATAKANA_FIRST_KANA:
                    # Not without its first kana: デメリット is no メリット. Its first pair
                    # goes with a slip of the second kana (ポドキャスト: ポッドキャスト's ポッ),
                    # which the record's text is read for.
                    required = frozenset([first.key()])
                    rescue = partial(_first_kana_kept, searcher, w.surface)
            together = None
            if KATAKANA_NOT_CUT_SHORT and _KATAKANA_RUN.fullmatch(w.surface) and KATAKANA_SLIPS is not None:
                # A slip is a kana changed, not the word's tail gone: プラットフォーム by its first
                # three pairs was 春日井市's booklet 「ぷらっと」 (プラツト), put first for
                # 「プラットフォーム作成」 (the stop-35 review).
                together = partial(_kana_run_as_long, searcher, w.surface)
            elif pair and [lf.term for lf in telling] == [w.surface]:  # (民生 of 民生委員: its pair and 生委)
                together = partial(_within_words, searcher, w.surface)
            elif tail:  # (組める's 組メ: not 取り組める's)
                together = partial(_verb_not_a_tail, searcher, w.term, frozenset(lf.term for lf in telling))
            elif IN_ONE_PLACE and not kanji and len(telling) > 1:
                # A word of kana alone matches by its pairs in one place: さびしい's サビ (in
                # サービス) and シイ (in 難しい) are two pairs, not half of さびしい.
                together = partial(_in_one_place, searcher, w.surface, _kana_word(w),
                                   frozenset(lf.term for lf in telling), need, _known(w.surface))
            tell = frozenset(lf.key() for lf in telling)
            out.append((frozenset(lf.key() for lf in grams), need, tell, required, rescue, together, tell, whole))
    # A bigram that is also another word's stays with each group; it counts for a group
    # only if telling there.
    # (A record with the word itself, in the text field, has its pairs together: no check reads
    # its text. 「庁内連携」 read 25 texts a search for 連携's pair alone.)
    return tuple((tell, need, required, rescue, together, own, whole, all_)
                 for all_, need, tell, required, rescue, together, own, whole in out) + tuple(
        (frozenset([key]), 10**9, frozenset(), None, None, frozenset(), frozenset(), frozenset())
        for all_, _, tell, *_ in out for key in all_ - tell)


def _within_words(searcher, pair: str, docnum: int) -> bool:
    """Whether a record has the two characters ``pair`` somewhere other than astride two of
    its words, the first begun before them and the second going on after (市民 + 生活)."""
    from .analysis import fold

    stored = searcher.stored_fields(docnum)
    text = stored.get("text") or ""
    folded, where = fold(text)
    words = [(a, b) for _, _, a, b in stored.get("spans") or ()]
    at = folded.find(pair)
    while at >= 0:
        start, end = where[at], where[at + 2] if at + 2 < len(where) else len(text)
        astride = (any(a < start < b for a, b in words) and any(a < end < b for a, b in words)
                   and not any(a <= start and end <= b for a, b in words))
        if not astride:
            return True
        at = folded.find(pair, at + 1)
    return False


def _known(word: str) -> bool:
    """Whether Janome's dictionary has every piece of ``word`` (はやく: 早く; not ぱんふれっと)."""
    from .analysis import morphs

    said = morphs(word)
    return bool(said) and all(m.reading for m in said)


def _in_one_place(searcher, word: str, katakana: bool, telling: frozenset, need: int, known: bool,
                  docnum: int) -> bool:
    """Whether a record has ``need`` of a kana word's telling pairs in one place: as
    ``need`` + 1 of its kana in a row (つながっ: つながり's ツナガ), or for a word in
    katakana (or a loanword typed in hiragana), within one katakana word of the record,
    wherever its slip falls (シンポジューム: シンポジウム). A word Janome ``known`` in
    hiragana is a word of Japanese, no piece of a longer katakana word."""
    from .analysis import bigrams, fold

    text = unicodedata.normalize("NFKC", searcher.stored_fields(docnum).get("text") or "")
    q, (folded, where) = fold(word)[0], fold(text)
    # (A word of Japanese typed in hiragana is no piece of a longer katakana word: はやく's
    # ヤク is not 「兵庫ヤクルト」's, which the stop-41 review found as はやく's one result. A word
    # Janome does not know may be a loanword: ぱんふれっと finds リー【フレッ】ト.)
    inside = [m.span() for m in _KATAKANA_RUN.finditer(text)] if known and not katakana else []

    def found(run: str) -> bool:
        at = folded.find(run)
        while at >= 0:
            a, b = where[at], where[at + len(run) - 1] + 1
            if not any(x <= a and b <= y and (x, y) != (a, b) for x, y in inside):
                return True
            at = folded.find(run, at + 1)
        return False

    return (any(found(q[i:i + need + 1]) for i in range(len(q) - need))
            or katakana and any(len(telling & {g for g, _, _ in bigrams(run)}) >= need
                                for run in _KATAKANA_RUN.findall(text)))


def _a_word_of(searcher, pair: str, docnum: int) -> bool:
    """Whether one of a record's words, as its text writes it, folds to the kana ``pair``."""
    from .analysis import fold

    stored = searcher.stored_fields(docnum)
    text = stored.get("text") or ""
    return any(fold(text[int(sp[2]):int(sp[3])])[0] == pair for sp in stored.get("spans") or () if sp)


def _verb_inflected(w: QueryWord) -> bool:
    """A verb typed inflected, in kanji and kana (組ん, 組める; its term the dictionary form)."""
    from .analysis import _is_kanji

    return (bool(w.term) and w.term != w.surface and w.term[-1] in "うくぐすつぬぶむる"
            and any(_is_kanji(c) for c in w.surface) and not w.parts)


def _verb_not_a_tail(searcher, verb: str, pairs: frozenset, docnum: int) -> bool:
    """Whether a record says the verb (組む) as a word of its own, or has one of its pairs
    somewhere other than inside a longer verb ending in it (取り組む, 仕組む)."""
    from .analysis import fold

    stored = searcher.stored_fields(docnum)
    text = stored.get("text") or ""
    spans = [(sp[0], int(sp[2]), int(sp[3])) for sp in stored.get("spans") or () if sp]
    if any(t == verb for t, _, _ in spans):
        return True
    folded, where = fold(text)
    for pair in pairs:
        at = folded.find(pair)
        while at >= 0:
            start = where[at]
            if not any(a <= start < b and t != verb and t.endswith(verb) for t, a, b in spans):
                return True
            at = folded.find(pair, at + 1)
    return False


def _in_katakana(searcher, pair: str, docnum: int) -> bool:
    """Whether a record has a katakana word that folds to the kana ``pair`` (ノオト, ノート:
    ノト), not one that only holds it (ヤクルト is no ルート, ステークホルダー no ホール)."""
    from .analysis import fold

    text = unicodedata.normalize("NFKC", searcher.stored_fields(docnum).get("text") or "")
    return any(fold(run)[0] == pair for run in _KATAKANA_RUN.findall(text))


def _kana_run_as_long(searcher, word: str, docnum: int) -> bool:
    """Whether a record has a run of kana as long as ``word`` but a kana, folded as the
    n-gram field folds it, that starts or ends as it does (a slip, not another word
    that is its first half). Either script (ツナグ is the corpus's つなぐ), and across a
    name's ☆ or ・ (ニューハリマ: 「ニュー☆ハリマ」; the second stop-35 review)."""
    from .analysis import fold

    q = fold(word)[0]
    said = _katakana(unicodedata.normalize("NFKC", word))
    text = unicodedata.normalize("NFKC", searcher.stored_fields(docnum).get("text") or "")
    for run in _KANA_RUN_JOINED.findall(text):
        r = fold(_KANA_JOINERS.sub("", run))[0]
        if len(r) >= len(q) - 1 and (q[:2] in r or q[-2:] in r):
            # (And an end of it as typed, small kana and all: folded, キャスト's キヤ and ヤス are
            # 「動きやすい」's, and 「ポットキャスト」 listed it (the stop-43 review).)
            if not KANA_END_AS_TYPED or said[:2] in (r2 := _katakana(run)) or said[-2:] in r2:
                return True
    return False


KANA_END_AS_TYPED = True  # …and an end of the word as typed, small kana included (_kana_run_as_long)


_KANA_JOINERS = re.compile(r"[☆★・･=＝]")
_KANA_RUN_JOINED = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+(?:[☆★・･=＝][\u3041-\u3096\u30a1-\u30fa\u30fc]+)*")


def _first_kana_kept(searcher, word: str, docnum: int) -> bool:
    """Whether a record says ``word``'s first kana before its next ones, with a slip of the
    second between (inserted, dropped or changed): ポドキャスト in ポッドキャスト."""
    from .analysis import fold

    q = fold(word)[0]
    if len(q) < 4:
        return False
    a, rest, later = re.escape(q[0]), re.escape(q[1:3]), re.escape(q[2:4])
    slip = re.compile(f"{a}.{rest}|{a}{later}|{a}.{later}")
    # In a katakana word of the record: 「…にとってのメリット」 folds to …テノメリツト.
    text = unicodedata.normalize("NFKC", searcher.stored_fields(docnum).get("text") or "")
    return any(slip.search(fold(run)[0]) for run in _KATAKANA_RUN.findall(text))


class _StartLeaf(_Leaf):
    """A lone kanji the index has as no word (孤): the character pairs it starts (孤独, 孤立)."""

    __slots__ = ()

    def key(self) -> tuple:
        return ("ngram-start", self.term, self.boost, self.slop)

    def query(self):
        from whoosh import query as Q

        return Q.Prefix("ngram", self.term, boost=self.boost)


def _lone_kanji(reading: Reading, searcher) -> list[_Leaf]:
    """A query of one kanji that no field has as a word (孤): what starts with it."""
    from .analysis import _is_kanji

    if len(reading.words) != 1:
        return []
    w = reading.words[0]
    if (len(w.term) == 1 and _is_kanji(w.term) and not w.synonyms
            and not any(searcher.doc_frequency(f, w.term) for f in ("text", "heading", "context", "ngram"))):
        return [_StartLeaf("ngram", w.term, W_NGRAM, (0,), "ngram")]
    return []


def _matching(reading: Reading, filters: Filters, searcher=None) -> tuple[list[_Leaf], list]:
    """The leaves that match and score, and the whole-side queries of an intent-only
    query: what a search ranks and what facets count, the same set."""
    side = _intent_only(reading, filters)
    if reading.cities and filters.city in (None, *reading.cities) and (reading.words or reading.polarity):
        # The snippets of a city the query names are found even where they do not say its
        # other words (「京都市と福岡市の違い」, 「熊本市の比較」): the query is about them.
        # They score next to nothing, so among that city's they come after its matches.
        from whoosh import query as Q

        side = side + [Q.Term("city", c, boost=NAMED_CITY_BOOST) for c in reading.cities if filters.city in (None, c)]
    lone = _lone_kanji(reading, searcher) if searcher is not None else []
    return _leaves(reading) + _label_leaves(reading, filters) + lone, side


# ---------------------------------------------------------------------------
# Searching


def _read(searcher, text: str, vocab=None, spellings: dict[str, str] | None = None):
    """How the search reads ``text`` against this index (the search and ``matched`` alike):
    (the cleaned query as read, notes, the index's cities, the regions the query names,
    the places it names that the index lacks, the ward names several cities share that
    it names, its Reading). Places the index lacks and shared ward names are
    blanked out, and cities and letters typed in kana written as the index has them
    (うわじま: 宇和島市, ぴーえふ: PF), before the words are read."""
    cleaned, notes = clean_query(text)
    cleaned, excluded = _exclusions(cleaned)
    cities = _index_cities(searcher) if NAMED_CITY_FIRST else ()
    cleaned, elsewhere, shared = _elsewhere(searcher, cleaned, cities)
    for ward, of in shared:
        notes.append(f"{ward}: a ward's name several cities have (of this collection's: {'、'.join(of)}), so it "
                     f"was not searched for: name the city with it (「{of[0]}{ward}」)")
    cleaned, as_katakana = _katakana_said(cleaned, spellings) if KATAKANA_AS_KANA and spellings else (cleaned, ())
    prefectures = _index_prefectures(searcher) if cities else ()
    # (Romaji first: kure is くれ, which is 呉市 as the city step reads it.)
    cleaned, romaji = _romaji_words(cleaned, searcher, spellings, cities, prefectures, vocab)
    cleaned, in_kana = _kana_places(cleaned, cities, spellings, prefectures)
    in_kana = romaji + in_kana
    cleaned, spelled_out = _kana_letters(cleaned, searcher)
    in_kana += spelled_out
    cleaned, eras = _era_years(cleaned)
    in_kana += eras
    regions = _index_regions(searcher, cities, cleaned) if cities else ()
    reading = read_query(cleaned, vocab, spellings, cities, regions, _slips(searcher))
    core = _WHOLE_KANA.fullmatch(cleaned)
    if WHOLE_KANA_AS_SPELLED and spellings and core:
        # A query of two kana Janome reads as two particles (はば: は + ば, 「はば？」) is a word the
        # person typed, read as the corpus spells it with that very sound (幅), not "no words to
        # search for" (stop 32). Not a particle of its own (ばかり, whose sound is not 図り's), nor
        # kana Janome reads as grammar of another kind (でき, しや, だた), nor a sound the corpus
        # has only voiced otherwise (でま is no テーマ).
        from .analysis import morphs
        from .analysis import spelled as spelled_as

        kana = core.group(1)
        ms = morphs(kana)
        spelled = spelled_as(kana, spellings) if len(ms) > 1 and all(m.pos.startswith("助詞") for m in ms) else None
        if spelled and "".join(m.reading for m in morphs(spelled)) == _katakana(kana):
            again = read_query(cleaned.replace(kana, spelled), vocab, spellings, cities, regions, _slips(searcher))
            if again.words:
                reading = replace(again, respellings=again.respellings + ((kana, spelled),),
                                  also=_grouped([(kana, spelled), *((t, a) for t, alts in again.also for a in alts)]))
    if in_kana:  # (said as the respellings are: うわじま → 宇和島市)
        reading = replace(reading, respellings=reading.respellings + in_kana,
                          also=_grouped([*in_kana, *((t, a) for t, alts in reading.also for a in alts)]))
    if as_katakana:  # (said as typed: フタン → 負担, not ふたん → 負担)
        reading = _typed_back(reading, as_katakana)
        cleaned = _typed_back_text(cleaned, as_katakana)
    if excluded:
        reading = replace(reading, excluded=excluded)
    return cleaned, notes, cities, regions, elsewhere, shared, reading


KATAKANA_AS_KANA = True  # a Japanese word typed in katakana (フタン, キョウドウ) is read as typed in hiragana


def _katakana_said(text: str, spellings: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with each katakana run that spells a Japanese word in sound (フタン: 負担,
    キョウドウ: 共同, クロウ: 苦労) in hiragana, and the (hiragana, katakana) pairs: typed so
    it kept the corpus's spelling but lost that word's synonyms and the side it asks for
    (フタン: 8 results, ふたん: 36, hardships first; the stop-31 review). A run of three kana
    or more, without ー (a loanword's: サポーター), that the corpus spells with kanji or whose
    reading has usual kanji (analysis.usual_kanji); a katakana word the corpus has (メリット)
    or no kanji word sounds like (ナッジ) stays."""
    from .analysis import _is_kanji, usual_kanji
    from .analysis import spelled as spelled_as

    out, pairs, last = [], [], 0
    for m in _KATAKANA_RUN.finditer(text):
        run = m.group()
        if len(run) < 3 or "ー" in run or not all("ァ" <= c <= "ヶ" for c in run):
            continue
        said = spelled_as(run, spellings)
        kana = _to_hiragana(run)
        if said is not None and not any(_is_kanji(c) for c in said):
            continue  # (the corpus's katakana word, or its kana)
        if said is None and usual_kanji(kana) is None and not _a_sentence_in_kana(run, kana, spellings):
            continue
        out += [text[last:m.start()], kana]
        pairs.append((kana, run))
        last = m.end()
    return "".join(out) + text[last:], tuple(pairs)


KANA_WORD_MAX = 24  # kana at most in a word a run of katakana may start with (コミュニティーナース: 10)
_TENSE = frozenset({"た", "だ", "ない", "ます", "です", "たい"})
_CASE = frozenset({"が", "を", "に", "は", "も", "で"})


def _a_sentence_in_kana(run: str, kana: str, spellings: dict[str, str]) -> bool:
    """A katakana run that is words with their endings, not a word: ヨカッタコト and
    クロウシタ found nothing, their hiragana the side and its snippets (the stop-42
    review). Read so where the hiragana is Japanese throughout: Janome reads every piece,
    the first a word of two kana or more, no other lone kana but an ending, a particle or
    する's し, and an ending of tense or a case particle after the first word (よかっ + た,
    れんけい + が + むずかしい). Not a run that starts with one of the corpus's katakana words
    (メリットダッタ, チャレンジシタ), nor a slip of one (シンクタク: しん + く + たく)."""
    from .analysis import morphs
    from .analysis import spelled as spelled_as

    # (Prefixes as long as a word is: every prefix of a run of 1,000 katakana, each folded
    # whole, took 27 s; the stop-43 adversarial review.)
    for i in range(min(len(run) - 1, KANA_WORD_MAX), 2, -1):
        s = spelled_as(run[:i], spellings)
        if s is not None and _KATAKANA_RUN.fullmatch(s):
            return False
    said = morphs(kana)
    if len(said) < 2 or not all(m.reading for m in said):
        return False
    if len(said[0].surface) < 2 or not said[0].pos.startswith(("動詞", "形容詞", "副詞", "名詞")):
        return False
    if any(len(m.surface) == 1 and not m.pos.startswith(("助詞", "助動詞")) and m.base != "する" for m in said):
        return False
    return any((m.pos.startswith("助動詞") and m.base in _TENSE) or (m.pos.startswith("助詞") and m.surface in _CASE)
               for m in said[1:])


def _typed_back_text(text: str, pairs) -> str:
    for kana, typed in pairs:
        text = text.replace(kana, typed)
    return text


def _typed_back(reading: Reading, pairs) -> Reading:
    """``reading`` with the hiragana _katakana_said made of a katakana run said as typed."""
    back = dict(pairs)

    def said(t: str, piece: bool = False) -> str:
        for kana, typed in back.items():
            if piece and t and t != kana and t in kana:  # a piece of the run (くろう of くろうした): in katakana
                return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in t)
            t = t.replace(kana, typed)
        return t

    # (Not a word "also as" itself: おススメ, read as おすすめ, whose corpus spelling is
    # おススメ, said "also as おススメ → おススメ"; the stop-35 review.)
    also = ((said(t, True), tuple(a for a in alts if a != said(t, True))) for t, alts in reading.also)
    return replace(reading,
                   respellings=tuple((said(t), sp) for t, sp in reading.respellings if said(t) != sp),
                   also=tuple((t, alts) for t, alts in also if alts),
                   # (The cues as read, in hiragana: the words are, and a cue is found among them
                   # by its spelling; ヨカッタ's cue said back as typed found no word, and lost the
                   # side's snippets: 2 results, よかった 49. The page says them as typed: cli._as_typed.)
                   polarity_cues=reading.polarity_cues, theme_cues=reading.theme_cues)


def run_search(searcher, text: str, filters: Filters, limit: int, vocab=None, explain: bool = False,
               spellings: dict[str, str] | None = None, related: bool = True, meaning=None,
               rerank: bool = True) -> SearchResult:
    """Search an open Whoosh searcher. ``related``: when fewer records match than
    ``limit``, fill the rest with records near in meaning and records related to
    the best hits (feedback.py), taking turns. ``meaning``: the index's
    MeaningTable (None: no meaning signal). ``rerank``: let the learned ranker
    (rerank.py) order the first stage's best candidates."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise UsageError(f"limit must be a whole number, 0 or more, not {limit!r}")
    cleaned, notes, cities, regions, elsewhere, shared, reading = _read(searcher, text, vocab, spellings)
    if elsewhere:
        rest = reading.words or reading.polarity or reading.theme or reading.cities
        # (A place in one of the collection's prefectures says which of its cities are here:
        # 広島市 is not, but 広島県's 呉市 and 福山市 are.)
        from .gazetteer import prefectures_of

        of_region = dict(_index_regions(searcher, cities))  # (the query's own named none: the place was blanked)
        near = dict.fromkeys(p for name in elsewhere for p in prefectures_of(name) if of_region.get(p))
        nearby = "".join(f"; of {p}: {'、'.join(of_region[p])}" for p in near)
        notes.append(f"{'、'.join(elsewhere)}: not in this collection (its {len(cities)} cities: kodoku-search stats "
                     f"lists them{nearby}){', so the rest of the query was searched' if rest else ''}")
    terms = tuple(w.term for w in reading.words)
    if filters.city and filters.prefecture and cities:
        # (--city 福岡市 --prefecture 愛知県 found nothing, and the note said only that
        # dropping both filters finds 29: the two filters contradict each other.)
        of = [p for p, cs in _prefecture_regions(searcher, cities) if filters.city in cs]
        if of and filters.prefecture not in of:
            notes.append(f"--city {filters.city} is in {'、'.join(of)}, not in --prefecture {filters.prefecture}: "
                         f"no snippet can pass both; drop one of them")
    if reading.excluded and (filters.city or filters.prefecture):
        # (縦割り -福山市 --city 福山市: "4 results without --city 福山市", as if the filter were to blame.)
        asked = filters.city or filters.prefecture
        if any(unicodedata.normalize("NFKC", x) in (asked, _place_stem(asked)) for x in reading.excluded):
            notes.append(f"the query sets {asked} aside, and --{'city' if filters.city else 'prefecture'} {asked} "
                         f"asks for it: no snippet can pass both")
    if reading.not_cities and (filters.city or filters.prefecture):
        # (「京都市以外の苦労」 --city 京都市: the page is 京都市's all the same; the stop-34 review.)
        asked = f"--city {filters.city}" if filters.city else f"--prefecture {filters.prefecture}"
        notes.append(f"the query sets {'、'.join(reading.not_cities)} aside, but {asked} decides what is listed")
    if filters.city and reading.cities and filters.city not in reading.cities:
        under = {c for _, of in reading.regions for c in of}
        said = [*(r for r, _ in reading.regions), *(c for c in reading.cities if c not in under)]
        notes.append(f"the query names {'、'.join(said)}, but --city {filters.city} wins")
    elif filters.prefecture and (reading.cities or reading.regions):
        # (--prefecture 広島県 with 「愛知県の苦労」: every result is 広島県's, and "read as" said
        # 愛知県's snippets come first.)
        under = {c for _, of in reading.regions for c in of}
        inside = dict(_index_regions(searcher, cities)).get(filters.prefecture, ())
        said = [*(r for r, _ in reading.regions), *(c for c in reading.cities if c not in under)]
        outside = [n for n in said if n != filters.prefecture and n not in inside]
        if outside:
            notes.append(f"the query names {'、'.join(outside)}, but --prefecture {filters.prefecture} wins")
    if not reading.words and not _intent_only(reading, filters):
        if not reading.cities and not elsewhere and not shared:  # (a city it names that --city overrules has its note above)
            notes.append(NO_WORDS)
        return SearchResult(text, 0, (), (), filters, tuple(notes), reading)
    if reading.polarity and filters.polarity and reading.polarity != filters.polarity:
        notes.append(f"the query sounds like it asks for {reading.polarity}, but --polarity {filters.polarity} wins")
    import heapq

    from .postings import score_in

    leaves, side = _matching(reading, filters, searcher)
    if reading.phrase_grams and PHRASE_GRAM_MAX_SHARE < 1:  # drop those nearly every snippet has (する, ない)
        most = PHRASE_GRAM_MAX_SHARE * searcher.doc_count_all()
        phrase = {g for g, _ in reading.phrase_grams}
        leaves = [lf for lf in leaves if not (lf.kind == "phrase" and lf.field == "ngram" and lf.term in phrase
                                              and searcher.doc_frequency("ngram", lf.term) > most)]

    acc, queries, plists, stray = _accumulated(searcher, reading, leaves, side, filters)
    instead = _side_instead(reading, side, filters, searcher) if not acc else []
    if instead:
        side = instead
        acc, queries, plists, stray = _accumulated(searcher, reading, leaves, side, filters)
        if acc:
            from .labels import POLARITIES, THEME_SHORT

            what = (f"its side, {POLARITIES[reading.polarity]}" if reading.polarity
                    else f"its theme, {THEME_SHORT[reading.theme]}")
            notes.append(f"no snippet has the query's other words: {what}, is listed")
    total, lists = len(acc), dict(zip((key for key, _ in queries), plists))
    # (Each record's loose pairs, not marked either: 事業【メリット】 was a match of デメリット.)
    loose = {d: frozenset(key[1] for key in keys if key[0] == "ngram") for d, keys in stray.items()}
    want = max(CANDIDATES, limit)
    best = heapq.nlargest(want, acc.items(), key=lambda kv: (kv[1], -kv[0]))
    named = [lists[k][0] for k, q in queries if k[0] == "intent" and getattr(q, "fieldname", None) == "city"]
    if _side_of_theme(reading, filters) and total > want:
        # (That side of that theme, asked in words only, comes first below: all of it, found
        # whatever its score, or a page could leave some out: 3 of the platform's 12 good
        # snippets were not among 「地方版官民連携プラットフォームの立ち上げで良かったこと」's
        # first 52, the stop-39 user review.)
        from whoosh import query as Q

        have = {d for d, _ in best}
        mine = set(searcher.docs_for_query(Q.And([Q.Term("sides", reading.polarity), Q.Term("theme", reading.theme)])))
        best += [(d, acc[d]) for d in mine if d in acc and d not in have]
    if named and total > want:
        # The named city's snippets are found to come first (or last): they are candidates
        # whatever their score, up to a page's worth, or a page could count them and never
        # show them (「豊田市の連携」 at 100 times this corpus).
        have = {d for d, _ in best}
        mine = {d for docs in named for d in docs if d in acc and d not in have}
        best += heapq.nlargest(want, ((d, acc[d]) for d in mine), key=lambda kv: (kv[1], -kv[0]))
    if total == 0:
        if filters.active():  # the words are there, the filters left none of them: say so, suggest nothing
            # (Counted as the query alone matches: a filter's own label and side queries go.)
            unfiltered = len(_accumulated(searcher, reading, *_matching(reading, Filters(), searcher), Filters())[0])
            if unfiltered:
                asked = " ".join(f"--{k} {v}" for k, v in filters.active().items())
                notes.append(f"{unfiltered} result{'s' if unfiltered != 1 else ''} without {asked}")
                # (No word is "not found": the filters hid the records that have them. Listed
                # so, 縦割り under --polarity good was "unmatched: 縦", a piece of what was typed.)
                return SearchResult(text, 0, (), terms, filters, tuple(notes), reading)
        suggestion = _suggest(searcher, cleaned, reading, spellings, vocab, cities, regions, meaning)
        alike: tuple[Hit, ...] = ()
        from .analysis import _is_kanji

        # With "did you mean", only where the query's words are words (the vectors know them:
        # 啓蒙, offered 啓発), not slips, whose nearness in meaning would be a guess.
        if (related and meaning is not None and limit
                and (not suggestion or all(meaning.neighbours_of(w.term) for w in reading.words))
                and any(len(w.term) >= 2 or _is_kanji(w.term) for w in reading.words)):  # (絆, not ー)
            # No snippet says the words, but some say words near them in meaning (寂しい:
            # 孤独): those, as related records, rather than an empty page.
            near = _near(searcher, meaning, reading, [], vocab)
            if near:
                near.scale = W_MEANING
                alike = _nearest(searcher, near, _excluded_docs(searcher, reading), filters, limit, explain,
                                 len(reading.words))
        unmatched, suggestion = _set_aside(searcher, reading, _unmatched(reading, [], cleaned), notes, suggestion)
        suggestion = suggestion or _city_slip(text, cities)
        return SearchResult(text, 0, (), terms, filters, tuple(notes), reading, suggestion, alike, unmatched)
    cands = [(d, base, searcher.stored_fields(d)) for d, base in best]
    contribs: dict[int, list[tuple[_Leaf, float]]] = {}
    for lf in leaves:  # each leaf's part of each candidate's sum, for ranking and --explain
        key = lf.key()
        plist = lists[key]
        for d, _, _ in cands:
            if key in stray.get(d, ()):  # (a pair of a word the record has only loose: accumulate)
                continue
            sc = score_in(plist, d)
            if sc is not None:
                contribs.setdefault(d, []).append((lf, sc))
    weights = _word_weights(leaves, lists, len(reading.words), searcher.doc_count_all())
    pre = [(_prerank(base, contribs.get(d, []), stored, reading, filters, weights), d, stored) for d, base, stored in cands]
    if UNMATCHED_UNCOUNTED:
        found = {k for (_, _, credit), _, _ in pre for k, c in enumerate(credit) if c > 0}
        if found and len(found) < len(weights):
            # A word no candidate has (AI in 「連携 AI」) counted most of all for coordination
            # (the idf of a word no snippet has), so every match matched under a fifth of the
            # query, and the ranker put a snippet saying neither word first (the stop-34
            # review). It counts for nothing now: the matches are ranked as without it.
            weights = [w if k in found else 0.0 for k, w in enumerate(weights)]
            pre = [(_prerank(base, contribs.get(d, []), stored, reading, filters, weights), d, stored)
                   for d, base, stored in cands]
    pre.sort(key=lambda x: -x[0][0])
    unmatched = _unmatched(reading, [credit for (_, _, credit), _, _ in pre], cleaned,
                           [stored["text"] for _, _, stored in pre])
    model = None
    if rerank and limit and reading.words:  # (「福岡市」 alone lists its snippets in the document's order)
        from .rerank import ranker

        model = ranker()
        if model is None:
            from .rerank import MODEL

            notes.append(f"the learned ranker's model ({MODEL.name}) is missing: ranked by the formula alone "
                         "(reinstall kodoku-search, or train it: python scripts/train_ranker.py)")
    # The re-ranker reads the first stage's best RERANK_DEPTH whatever the page's size, so a
    # page of 10 is the first 10 of a page of 40.
    reach = max(limit, RERANK_DEPTH) if model else limit
    # Proximity can lift a score by at most (1 + PROXIMITY_WEIGHT): only candidates
    # within that reach of the reach-th score can still enter the page (or the
    # re-ranked candidates), so only theirs is computed (the same as computing it for all).
    floor = pre[reach - 1][0][0] if 0 < reach <= len(pre) else 0.0
    spans_cache: dict[int, list] = {}
    ranked = []
    skipped = []  # places in ranked whose proximity was not worked out: they could not reach the page
    phrase = _query_phrase(cleaned) if W_EXACT else None
    multi = len(reading.words) > 1 and limit > 0

    def proximity(stored: dict, credit: list[float], d: int) -> float:
        spans_cache[d] = _word_spans(stored, reading, quick=True, loose=loose.get(d, frozenset()))
        return 1 + PROXIMITY_WEIGHT * _close_pairs(spans_cache[d], reading, credit) / (len(reading.words) - 1)

    for (score, expl, credit), d, stored in pre:
        exact = 1 + W_EXACT if phrase and phrase in _as_typed(stored["text"]) else 1.0
        score *= exact
        prox = exact
        if multi and score * (1 + PROXIMITY_WEIGHT) >= floor:
            p = proximity(stored, credit, d)
            prox *= p
            score *= p
        elif multi:
            skipped.append(len(ranked))
        if prox != 1.0:
            expl = replace(expl, proximity=prox)
        ranked.append((score, d, stored, expl, credit))
    near = _near(searcher, meaning, reading, cands, vocab) if meaning is not None and limit else None
    if near:
        lexical = [x[0] for x in ranked]
        ranked = _add_meaning(ranked, near, explain)
        if skipped and len(ranked) >= reach:
            # Meaning may lift a record whose proximity was skipped to within reach of the page:
            # work it out for those (the page is then the same as working it out for all).
            last = sorted((x[0] for x in ranked), reverse=True)[reach - 1]
            for i in skipped:
                score, d, stored, expl, credit = ranked[i]
                if lexical[i] * (1 + PROXIMITY_WEIGHT) + near.added(d) >= last:
                    p = proximity(stored, credit, d)
                    ranked[i] = (lexical[i] * p + near.added(d), d, stored, replace(expl, proximity=expl.proximity * p),
                                 credit)
    # Scores equal to 12 significant digits are a tie, broken by place in the corpus:
    # the last bits of a float sum depend on the order of its terms, which must not
    # decide a ranking (duplicated snippets score the same up to those bits).
    ranked.sort(key=lambda x: (-float(f"{x[0]:.12g}"), x[2]["source"], x[2]["line"], x[2]["id"]))
    # Nothing matched a whole query word (only scattered characters), or kana were
    # read as the corpus spells them: offer the spelling. (The formula's best match
    # decides, before the re-ranker may put a record matched by meaning first.)
    weak = not any(c >= 1.0 for c in ranked[0][4])
    # The city the query names first, in the candidates the ranker reads (so a search with
    # the ranker off, which is how train_ranker.py makes its rows, hands it the same ones)
    # and again in its order.
    ranked = _city_first(ranked, reading, filters)
    word_spans: dict[int, list] = {}  # the re-ranked candidates' (the ranker reads where they matched)
    if model is not None:
        ranked = _city_first(_rerank(ranked, model, near, reading, filters, explain, phrase, word_spans, loose),
                             reading, filters)
    if reading.cities:  # (scores fall down the page, as a script that sorts by them expects: 「兵庫」)
        ranked = _falling(ranked)
    if ASKED_SIDE_FIRST and _side_of_theme(reading, filters):
        # 「PFの立ち上げで良かったこと」 names a side and a theme and nothing else: that side of that
        # theme first, the rest after (they say its words: nothing is hidden).
        ranked = _first(ranked, lambda x: reading.polarity in _sides(x[2]) and x[2]["theme"] == reading.theme)
    elif ASKED_SIDE_FIRST and _asks_only_for_a_side(reading, filters):
        # 「うまくいかなかったこと」 is all intent: its うまく matched 京都市's good-side
        # 「…うまく使い分け…」, which the ranker put second, above thirty hardships. A query
        # that only asks for a side lists that side first (the rest follow: nothing is hidden).
        ranked = _first(ranked, lambda x: reading.polarity in _sides(x[2]))
    if reading.not_cities and not filters.city:  # (京都市以外の苦労: 京都市's last, after the side's)
        aside = set(reading.not_cities)
        ranked = _falling([x for x in ranked if x[2]["city"] not in aside] + [x for x in ranked if x[2]["city"] in aside])
    # Marked as _shown has them; the ranker read every match (dropping the kana pieces from
    # what it reads cost 0.0005 nDCG@10 on the folds, 0.0017 on new queries: stop 21).
    shown = _shown(reading, searcher)
    # Where the matches fill the first WEAK_PAGE places, those under WEAK_SHARE of the
    # best (「次のステップに進めない」: a page of snippets that say 次 and nothing else) give
    # their places there to related records, and follow them: nothing is hidden, and a
    # page further on starts where this one ends (SearchResult.window).
    strong = len(ranked)
    if WEAK_SHARE and related and limit and reading.words and len(ranked) >= WEAK_PAGE:
        # (Only where the matches fill that page: of five matches for 縦割り, the two weak
        # ones are judged useful, and the related records were not: dev 0.986 → 0.976.)
        cut = WEAK_SHARE * ranked[0][0]
        # Where a city named comes first, the others' matches are weighed against the best of
        # theirs: under the city's, 「岡崎市の居場所」 gave 福山市's 「多様な居場所へつながる」 (3rd for
        # 居場所) to four related records sharing no word of the query (the second stop-43 review).
        start = (next((i for i, x in enumerate(ranked) if x[2]["city"] not in reading.cities), len(ranked))
                 if WEAK_PER_GROUP and reading.cities and not filters.city else 0)
        if start:
            cut = WEAK_SHARE * ranked[start][0] if start < len(ranked) else 0.0
        strong = next((i for i, x in enumerate(ranked) if i >= start and x[0] < cut), len(ranked))
    # (WEAK_PAGE, not the limit: the related records that can come ahead are the same
    # whatever the page's size, or a page of 3 and a page of 10 would disagree.)
    ahead = max(0, WEAK_PAGE - strong) if strong < min(len(ranked), limit) else 0
    hits = tuple(
        _make_hit(stored, score, reading, expl.contributions,
                  replace(expl, matched_at=_highlights(stored, word_spans.get(d)
                                                       or _word_spans(stored, reading, loose=loose.get(d, frozenset())),
                                                       phrase)) if explain else None,
                  _shown_spans(stored, shown, loose.get(d, frozenset())), phrase)
        for score, d, stored, expl, _ in ranked[:limit]
    )
    # Not where the best match says the query as typed and the query is more than the kana
    # it respells: 「こどくのあわい」 is a podcast's name (「こどく」 alone still gets 孤独).
    as_typed = _as_typed(cleaned)
    said = (bool(hits) and bool(as_typed) and as_typed in _as_typed(hits[0].text)
            and sum(len(run) for run, _ in reading.respellings) < len(as_typed))
    suggestion = (_suggest(searcher, cleaned, reading, spellings, vocab, cities, regions, meaning)
                  if weak or (reading.respelled and not said) else None)
    more: tuple[Hit, ...] = ()
    layout = ""
    if related and (limit > len(hits) or ahead) and reading.words:
        # The page goes on with both kinds of related record, taking turns: the nearest in
        # meaning first, then the one sharing the most of the best matches' telling words.
        room = limit - len(hits) + ahead
        matched = {d for _, d, _, _, _ in ranked}
        alike = (_nearest(searcher, near, matched | _excluded_docs(searcher, reading), filters, room, explain,
                          len(reading.words)) if near else ())
        sharing = _related(searcher, ranked, reading, filters, room, explain)
        merged: dict[str, Hit] = {}
        for pair in zip_longest(alike, sharing):
            for h in pair:
                if h is not None and h.id not in merged:
                    merged[h.id] = h
        more = tuple(merged.values())[:room]
        if ahead and more:
            layout, hits, more = _weak_layout(hits[:strong], hits[strong:], more, ahead, limit)
    unmatched, suggestion = _set_aside(searcher, reading, unmatched, notes, suggestion)
    suggestion = suggestion or _city_slip(text, cities)
    return SearchResult(text, total, hits, terms, filters, tuple(notes), reading, suggestion, more, unmatched,
                        layout)


def _prefectures_of(name: str) -> tuple[str, ...]:
    """gazetteer.prefectures_of, imported only where a name of a municipality's shape is read."""
    from .gazetteer import prefectures_of

    return prefectures_of(name)


def _city_slip(text: str, cities: tuple[str, ...]) -> str | None:
    """The query with a city's name typed a character wrong put right (岡埼市 → 岡崎市, an IME's
    kanji of the same sound): a name of a city's shape (kanji and 市/区/町/村), one character off
    one of the index's cities and no municipality of Japan itself. 「岡埼市の苦労」 said only
    "not found: 岡埼市" (the stop-41 review)."""
    out = text
    for found in _CITY_SHAPE.finditer(text):
        word = found.group()
        if word in cities or _prefectures_of(word):
            continue
        near = [c for c in cities if len(c) == len(word) and c[-1] == word[-1]
                and sum(a != b for a, b in zip(c, word)) == 1]
        if len(near) == 1:
            out = out.replace(word, near[0])
    return out if out != text else None


_CITY_SHAPE = re.compile(r"[\u4e00-\u9fff々]{2,4}[市区町村]")


def _weak_layout(strong: tuple[Hit, ...], weak: tuple[Hit, ...], more: tuple[Hit, ...], places: int,
                 limit: int) -> tuple[str, tuple[Hit, ...], tuple[Hit, ...]]:
    """The page when related records may take up to ``places`` places of the weak matches:
    its layout (SearchResult.layout), matches and related records. A related record comes
    ahead of a weak match that scores less, so the page reads in falling scores there
    (all comers, 「つながりサポーター」 lost a judged weak match to records sharing
    only 孤独・孤立; stop 35). The scores are those the page shows: the ranker's 0–100
    for a match, a related record's own, not one scale but the one a reader sees."""
    layout = "m" * len(strong)
    w = r = 0
    # The higher score first, as the page reads: among the first ``places`` related records
    # (the same whatever the page's size, so a page further on starts where this one ends).
    more = tuple(sorted(more[:places], key=lambda h: -h.score)) + more[places:]
    while len(layout) < limit and (w < len(weak) or r < len(more)):
        if r < len(more) and (w >= len(weak) or (layout.count("r") < places and more[r].score >= weak[w].score)):
            layout += "r"
            r += 1
        else:
            layout += "m"
            w += 1
    return ("" if "rm" not in layout else layout), strong + weak[:w], more[:r]


def _unmatched(reading: Reading, credits: list[list[float]], typed: str = "",
               texts: list[str] | None = None) -> tuple[str, ...]:
    """The query words no candidate has any of (as itself, another spelling, a synonym,
    or a pair of its characters): 「自殺対策」 finds 27 snippets, by 対策 alone. (Not a
    word matched in part, such as 居場 of 居場しょ or 形がい化's sound: the page marks
    where.) Not a word that names a side or theme (苦労, PF): the label matches it.
    ``texts``, the candidates' texts: a number or Latin word inside a word matched by
    the rest of it (8050 of 8050問題, 19 of COVID19対策) is named too unless one has it."""
    found = {k for credit in credits for k, c in enumerate(credit) if c > 0}
    cues = reading.polarity_cues + reading.theme_cues
    missing = [
        # (Named by its dictionary form where typed inflected: 入る, not 入っ. Not a word of
        # hiragana alone, such as the ちゃう of やっちゃう or the あと of 作ったあと, unless it
        # names a thing, as typed: いじめ, ひきこもり; _hiragana_noun.)
        (w.surface if _hiragana_noun(w.surface, typed) else _dictionary_form(w)) for k, w in enumerate(reading.words)
        if k not in found and not (cues and _names(w, cues, reading.respellings))
        and (_WORDLIKE.search(w.surface) or _hiragana_noun(w.surface, typed))
        and not w.parts]  # (nor a word bound to its suffix, 立ち上げ時's 上げ時: its pieces speak)
    if typed:
        # A word typed in hiragana alone, between spaces, that Janome cut into pieces nothing
        # matched: named as typed (「ひへい 連携」 listed 連携's 29 and said nothing of ひへい,
        # read as ひ; the stop-40 review). Not one whose pieces are function words (について), nor
        # courtesies (よろしくおねがいします).
        for t in typed.split():
            if len(t) >= 3 and _HIRAGANA_WORD.fullmatch(t) and t not in missing:
                inner = [k for k, w in enumerate(reading.words) if w.surface and w.surface in t]
                # (Nor a run that says a side, a sentence rather than a word: もっとこうすればよかった,
                # read as asking for the hard side, was "not found: もっとこうすればよかった", the
                # よかった it had read named too: the stop-43 review.)
                if inner and not any(k in found for k in inner) and not any(c in t for c in _COURTESIES) and not (
                        cues and any(_names(reading.words[k], cues, reading.respellings) for k in inner)) and not (
                        cues and any(c in t for c in cues)):
                    missing = [m for m in missing if m not in t] + [t]
    if texts is not None:
        # 「8050問題」 listed 21 snippets on 問題 and said nothing of 8050, which none has:
        # the compound matched by its pair 問題. (A number of three digits or more, or two
        # letters or more: 3 of 3年目 or 2 of 2か月 would be met by any digit anywhere. Not a
        # year after its era, 令和5年度, nor a word the query was rewritten to, R5 → 令和5:
        # said "not found: 5", a form nobody typed; the stop-36 review.)
        said = None
        spelled = tuple(sp for _, sp in reading.respellings)
        for k in sorted(found):
            w = reading.words[k].surface
            if any(sp in w for sp in spelled):
                continue
            for m in _ALNUM_RUN.finditer(w):
                run = unicodedata.normalize("NFKC", m.group()).lower()
                if (m.group() == w or len(run) < (3 if run.isdigit() else 2) or w[:m.start()].endswith(tuple(_ERAS))
                        or any(m.group() in x for x in missing)):
                    continue
                if said is None:
                    said = [unicodedata.normalize("NFKC", t).lower() for t in texts]
                edge = "0-9" if run.isdigit() else "a-z"
                alone = re.compile(f"(?<![{edge}])" + re.escape(run) + f"(?![{edge}])")
                if not any(alone.search(t) for t in said):
                    missing.append(m.group())
    # Named as typed: 2040年問題, read as 令和22年, said "not found: 令和22年".
    for as_typed, spelled_as in reading.respellings:
        missing = [m.replace(spelled_as, as_typed) if spelled_as in m else m for m in missing]
    if typed:
        # Pieces typed as one word are named as typed: 不登校 was "not found: 不、登校" (the
        # stop-34 review), Janome's prefix and its word.
        joined: list[str] = []
        for m in missing:
            if joined and joined[-1] + m in typed:
                joined[-1] += m
            elif joined and (dash := re.search(re.escape(joined[-1]) + r"[-‐‑–—−－]" + re.escape(m), typed)):
                joined[-1] = dash.group()  # (COVID-19: one name)
            else:
                joined.append(m)
        # A name with its number: COVID of COVID19対策 (19 goes with 対策 in Janome's reading).
        missing = [named.group() if _LATIN.fullmatch(m) and (named := re.search(
            re.escape(m) + r"[-‐‑–—−－]?[0-9０-９]+(?![0-9０-９])", typed)) else m for m in joined]
        # A word with the one kanji that ends it: 温度差 was "not found: 温度", its 差 met
        # alone in other words (the stop-40 user review), 縦割り under --polarity good "縦",
        # 単身高齢者 "単身高齢" (the review after it). Not 自殺 of 自殺対策: 対策 is a word.
        missing = [_with_its_ending(m, reading, typed) for m in missing]
    return tuple(dict.fromkeys(missing))


def _with_its_ending(m: str, reading: Reading, typed: str) -> str:
    """``m`` with the rest of a word Janome read as it and one kanji more (温度差: 温度 + 差,
    縦割り: 縦 + 割り), as typed."""
    from .analysis import _is_kanji

    for w in reading.words:
        if (w.parts and len(w.parts) > 1 and m.endswith(w.parts[0]) and w.surface.startswith(w.parts[0])
                and all(sum(map(_is_kanji, p)) <= 1 for p in w.parts[1:])):
            whole = m + w.surface[len(w.parts[0]):]
            if whole in typed:
                return whole
    return m


_MANNER = frozenset(("うまい", "上手い", "上手", "旨い"))  # how well (うまく, 上手に): no topic of its own
_POLITE_PREFIXES = frozenset(("お", "ご"))


def _with_kana_after(text: str, w):
    """``w`` with the hiragana that follow it in ``text`` (お of おやつ: おやつ), as a word of
    its own sound."""
    from .analysis import Word, _is_hiragana, reading_term

    end = w.end
    while end < len(text) and _is_hiragana(text[end]):
        end += 1
    if end == w.end:
        return w
    run = text[w.start:end]
    sound = reading_term(_katakana(run), run)
    return Word(run, sound if len(sound) >= 3 else "", run, w.start, end, sound)


def _hiragana_noun(word: str, typed: str) -> bool:
    """A word of hiragana alone that names a thing, three kana or more, typed as a run of
    hiragana of its own: いじめ, おせっかい, and ひきこもり, ふれあい (a verb's stem used as
    a noun). 「いじめ対策」 listed the 対策 snippets and said nothing of いじめ, which none
    has (the stop-37 review). Not the あと of 作ったあと, a pronoun, adverb or inflection
    (みんな, たくさん, ちゃう), nor a piece Janome cut from a longer run (うちみ of うちみたいな)."""
    from .analysis import _is_hiragana, morphs

    if len(word) < 3 or not all(_is_hiragana(ch) for ch in word) or word[0] in _SMALL_KANA or word in _COURTESIES:
        return False
    # Typed as a word of its own: not inside a longer run of hiragana (いおう of ちょうやくばの
    # たいおう, ょのりかい), nor a word's okurigana (まもり of 見まもり), nor after a word in
    # hiragana that is no particle (おねがい of よろしくおねがいします): the stop-37 review.
    if not _typed_on_its_own(word, unicodedata.normalize("NFKC", typed)):
        return False
    ms = morphs(word)
    if len(ms) == 2 and ms[0].surface in _POLITE_PREFIXES and ms[0].pos.startswith("接頭詞"):
        return True  # (おやつ, お + やつ to Janome: the word a prefix was left with; _with_kana_after)
    if len(ms) != 1 or ms[0].surface != word:
        return False
    pos = ms[0].pos.split(",")
    if pos[0] == "名詞":
        return pos[1] in ("一般", "サ変接続", "固有名詞")
    # (A verb's stem used as a noun: ひきこもり, ふれあい.)
    return pos[0] == "動詞" and pos[1] == "自立" and ms[0].base != word and word[-1] in "いきぎしじちにびみり"


_SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎゕゖ")
_COURTESIES = frozenset(("おねがい", "ねがい", "よろしく", "ありがとう"))  # (連携のヒントおねがい: a request's words)
# Particles a word of its own may follow (対応のばらつき, 近所からのおせっかい), longest first.
_PARTICLES_BEFORE = ("からの", "までの", "よりの", "での", "との", "への", "から", "まで", "より",
                     "の", "を", "に", "が", "は", "と", "で", "も", "へ", "や")


_AFTER_A_WORD = frozenset("のをにがはとでもへやなだっさかねよ")  # (いじめって, おせっかいな人, おせっかいさん)


def _typed_on_its_own(word: str, typed: str) -> bool:
    """Whether ``word`` stands in ``typed`` as a word of its own: after the start, a space,
    a sign, katakana, a letter or a digit (ネットいじめ, いじめ・ひきこもり), or after particles
    that follow any of those or kanji (対応のばらつき, 市のいじめ); not right after kanji
    (見まもり: its okurigana) or after hiragana that is no particle (たいおう's いおう), and
    before anything but hiragana that goes on the word (うちみ of うちみたいな)."""
    from .analysis import _is_hiragana, _is_kanji

    def kana_like(ch: str, before: str) -> bool:
        # (ー is kana where kana precedes it: the ぷらっとふぉー of ぷらっとふぉーむ.)
        return _is_hiragana(ch) or (ch in "ーｰ" and bool(before) and _is_hiragana(before[-1]))

    at = typed.find(word)
    while at >= 0:
        left, right = typed[:at], typed[at + len(word):]
        if right and _is_hiragana(right[0]) and right[0] not in _AFTER_A_WORD:
            at = typed.find(word, at + 1)  # (うちみ of うちみたいな: the run goes on)
            continue
        stripped = next((left[:-len(p)] for p in _PARTICLES_BEFORE if left.endswith(p)), None)
        if stripped is not None:
            if not stripped or not kana_like(stripped[-1], stripped[:-1]):
                return True
        elif not left or not (kana_like(left[-1], left[:-1]) or _is_kanji(left[-1])):
            return True
        at = typed.find(word, at + 1)
    return False


def _dictionary_form(w: QueryWord) -> str:
    """The word as typed, or its dictionary form where it was typed inflected (入っ → 入る,
    集め → 集める; not 上げ方, which Janome's base form would make 上げる方)."""
    from .analysis import _is_hiragana

    stem = w.surface[:-1]
    if (w.surface and _is_hiragana(w.surface[-1]) and stem and w.term.startswith(stem)
            and len(w.term) - len(stem) <= 2 and w.term[-1] in "うくぐすつぬぶむるい"):
        return w.term
    return w.surface


_ALNUM_RUN = re.compile(r"[0-9０-９]+|[A-Za-zＡ-Ｚａ-ｚ]+")
_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+")
_WORDLIKE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u30a1-\u30faA-Za-z0-9\uff21-\uff3a\uff41-\uff5a]")


def _rerank(ranked: list, model, near, reading: Reading, filters: Filters, explain: bool, phrase: str | None,
            word_spans: dict[int, list], loose: dict[int, frozenset] | None = None) -> list:
    """The first RERANK_DEPTH candidates in the learned ranker's order, scored 0–100 by it;
    the rest follow in their order, scored below the last of those. ``word_spans`` gets
    each candidate's query-word spans, as the ranker reads them."""
    from .rerank import FEATURES, features, order, to_display

    top, rest = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
    cands = []
    for score, d, stored, expl, _ in top:
        if near is not None and not explain:  # (with explain, _add_meaning has added them)
            expl = replace(expl, meaning=near.added(d), contributions=expl.contributions + near.contributions(d))
        word_spans[d] = spans = _word_spans(stored, reading, loose=(loose or {}).get(d, frozenset()))
        cands.append((score, expl, stored["polarity"], stored["theme"], stored.get("section"), stored["city"],
                      len(stored["text"]), _highlights(stored, spans, phrase)))
    rows = features(cands, None if filters.polarity else reading.polarity, None if filters.theme else reading.theme,
                    len(reading.words))
    out = []
    for i, m in order(model, rows):
        score, d, stored, expl, credit = top[i]
        extra = {}
        if explain:
            base, parts = model.explain(rows[i])
            values = dict(zip(FEATURES, rows[i]))
            extra = {"ranker_base": base, "ranker_parts": tuple(sorted(
                ((f, values.get(f, 1.0), c) for f, c in parts.items() if abs(c) >= 0.005), key=lambda x: -abs(x[2])))}
        out.append((to_display(m), d, stored, replace(expl, first_stage=score, ranker=m, **extra), credit))
    if rest:
        # Below the re-ranked ones, in their own order: scaled so the first of them sits just under the last.
        last = out[-1][0]
        scale = 0.999 * last / (rest[0][0] or 1.0)
        out += [(score * scale, d, stored, replace(expl, first_stage=score), credit)
                for score, d, stored, expl, credit in rest]
    return out


class _Near:  # (a plain class: a dataclass costs every cold search its creation)
    """The query's closeness in meaning to records, scaled for adding to scores."""

    __slots__ = ("query", "scale", "records")

    def __init__(self, query, scale: float, records: dict):
        self.query = query  # meaning.QueryMeaning
        self.scale = scale  # W_MEANING × the best match's score: what a record with every query word gets
        self.records = records  # docnum → meaning.Closeness

    def share(self, d: int) -> float:
        """The record's closeness: 0 (nothing alike) to 1 (every query word itself).
        Not scaled to the nearest candidate's: a weak neighbour (寂しい ≈ 多分, 0.40)
        then adds little even where nothing nearer is found (36 sets: 0.8373 vs
        0.8380 scaled; on later sets 0.8428 vs 0.8425 and 0.8488 vs 0.8481)."""
        c = self.records.get(d)
        return c.similarity if c is not None else 0.0

    def added(self, d: int) -> float:
        return self.scale * self.share(d)

    def contributions(self, d: int) -> tuple[Contribution, ...]:
        c = self.records.get(d)
        total = self.added(d)
        if c is None or not total:
            return ()
        parts = [Contribution(w, "meaning", other, total * v / c.similarity) for w, other, v in c.via]
        return tuple(sorted(parts, key=lambda p: -p.score))


def _near(searcher, table, reading: Reading, cands: list, vocab=None) -> _Near | None:
    """The candidates' nearness in meaning to the query (meaning.py), from their
    stored words: it costs the same at any corpus size. None when no query word
    has a vector."""
    import math

    from .meaning import QueryMeaning

    from .analysis import adjective_kanji, usual_kanji

    n = searcher.doc_count_all()
    cues = reading.polarity_cues + reading.theme_cues
    words = []
    for w in reading.words:
        # A word in pieces (縦割り: 縦 割り) is no term of the index: its rarest piece
        # stands for how rare it is.
        df = min(searcher.doc_frequency("text", p) for p in w.parts) if w.parts else searcher.doc_frequency("text", w.term)
        term = w.term
        if _HIRAGANA_WORD.fullmatch(term) and not (cues and _names(w, cues, reading.respellings)) and not table.neighbours_of(term):
            # The vectors know words as written, 寂しい and not さびしい: an adjective typed in
            # hiragana is near what its usual kanji are near (analysis.adjective_kanji). Not
            # one that asks for a side (うまくいかない: 旨い's vector is 「美味しい」's; two
            # judged queries fell, 0.06 and 0.29), and not a noun the corpus has (つながり:
            # lent 繋がり's vector, 27 judged queries fell and 4 rose, before a refit).
            term = adjective_kanji(term) or term
        elif SPELLED_AS_USUAL and not df and w.reading and not table.neighbours_of(term):
            # The vectors know a word as it is usually written: 子ども, which no snippet says, is
            # near what 子供 is near (it had no neighbour: a bare "No results", where 子供 has ten
            # related records). Not a word the corpus has (取組 as 取り組み: two judged queries
            # fell, 0.06 and 0.01).
            usual = usual_kanji(_to_hiragana(w.reading))
            if usual and usual != term and not set(usual).isdisjoint(term) and table.neighbours_of(usual):
                term = usual
        words.append((term, math.log(1 + (n - df + 0.5) / (df + 0.5)), w.reading))
    query = QueryMeaning.of(table, words, vocab.opposites if vocab is not None else None)
    if query is None:
        return None
    whole = [w for w in reading.words if w.parts]
    records = {}
    for d, _, stored in cands:
        spans = stored.get("spans") or ()
        # A record that says such a word, pieces side by side, has the word itself.
        said = [(w.term, "") for w in whole if _side_by_side(spans, w.parts, 0)]
        c = query.of_record([(sp[0], sp[1]) for sp in spans if sp and sp[0]] + said,
                            stored.get("section") or "")
        if c is not None:
            records[d] = c
    return _Near(query, 1.0, records)


def _to_hiragana(kana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kana)


def _add_meaning(ranked: list, near: _Near, explain: bool) -> list:
    """Each match's score plus its nearness in meaning (the best match's score sets the scale)."""
    near.scale = W_MEANING * max(score for score, *_ in ranked)
    out = []
    for score, d, stored, expl, credit in ranked:
        add = near.added(d)
        if add:
            if explain:
                expl = replace(expl, meaning=add, meaning_scale=near.scale,
                               contributions=expl.contributions + near.contributions(d))
            score += add
        out.append((score, d, stored, expl, credit))
    return out


def _nearest(searcher, near: _Near, exclude: set[int], filters: Filters, room: int, explain: bool,
             nwords: int) -> tuple[Hit, ...]:
    """The records nearest in meaning that match no query word, for the ``room``
    left on the page (read through the alike words' postings, nearest first, at
    most FILL_POSTINGS of them). Ties go by place in the corpus, as the matches' do."""
    from .postings import PostingCache

    if not near.scale:  # no match to scale by: nearness alone does not make a page
        return ()
    cache = PostingCache.of(searcher)
    allowed = cache.allowed(filter_query(filters))
    # A record's words are those of its text and of the heading it is listed under (few words:
    # looked up only where the heading field has them).
    headings = cache.terms("heading")
    from .meaning import GENERIC

    found = near.query.without(GENERIC).of_all(lambda w: cache.ids("text", w) + cache.ids("heading", w)
                                               if w in headings else cache.ids("text", w), FILL_POSTINGS, FILL_WORDS)
    for d, c in found.items():
        if d not in exclude and (allowed is None or d in allowed):
            near.records[d] = c
    cands = [(float(f"{near.added(d):.12g}"), d) for d in found
             if d in near.records and d not in exclude and near.added(d) > 0]
    # The room's worth, ties by place in the corpus: many records can tie (every one that says
    # 孤独, for 寂しい), and reading each one's place cost a query with no match 38,000
    # stored-record reads at 1000 times this corpus; corpus_order reads about as many as it keeps.
    cands.sort(key=lambda sd: -sd[0])
    if len(cands) > room:
        last = cands[room - 1][0]
        above = [sd for sd in cands if sd[0] > last]
        tied = corpus_order(searcher, [d for sc, d in cands if sc == last], room - len(above))
        cands = above + [(last, d) for d in tied]

    def place(d: int) -> tuple:
        st = searcher.stored_fields(d)
        return st["source"], int(st["line"]), st["id"]

    cands.sort(key=lambda sd: (-sd[0], place(sd[1])))
    out = []
    for _, d in cands[:room]:
        stored = searcher.stored_fields(d)
        parts = near.contributions(d)
        alike = {c.term for c in parts}
        marks = [(int(sp[2]), int(sp[3])) for sp in stored.get("spans") or () if sp and sp[0] in alike]
        expl = Explanation(0.0, 1.0, 1.0, 1.0, parts, 0.0, nwords, near.added(d), near.scale) if explain else None
        out.append(hit_from_stored(stored, near.added(d), _merge(marks), tuple(dict.fromkeys(c.term for c in parts)), expl,
                                   related_by="meaning"))
    return tuple(out)


def corpus_order(searcher, docs, n: int) -> list[int]:
    """The first ``n`` of ``docs`` in the corpus's order (source, line, id), reading about
    ``n`` stored records plus one per segment: within a segment (one file's records, from
    a build or an update) document numbers follow the corpus, so the segments' runs are
    merged by place, not sorted."""
    import heapq
    from bisect import bisect_right
    from itertools import islice

    docs = list(docs)
    offsets = sorted(off for _, off in searcher.leaf_searchers())
    runs: dict[int, list[int]] = {}
    for d in sorted(docs):
        runs.setdefault(bisect_right(offsets, d), []).append(d)
    if len(runs) <= 1:
        return sorted(docs)[:n]

    def place(d: int) -> tuple:
        st = searcher.stored_fields(d)
        return st["source"], int(st["line"]), st["id"]

    return list(islice(heapq.merge(*runs.values(), key=place), n))


def _related(searcher, ranked: list, reading: Reading, filters: Filters, room: int, explain: bool) -> tuple[Hit, ...]:
    """Records related to the best hits, for the ``room`` left on the page once
    every match is on it (none when the matches fill it)."""
    from .feedback import feedback_terms, related

    if room <= 0:
        return ()
    words = frozenset(t for w in reading.words for t in (w.term, *w.parts))
    terms = feedback_terms(searcher, [(stored, score) for score, _, stored, _, _ in ranked], exclude=words)
    def order(d: int) -> tuple:  # ties as the matches break them: place in the corpus
        st = searcher.stored_fields(d)
        return st["source"], int(st["line"]), st["id"]

    found = related(searcher, terms, {d for _, d, _, _, _ in ranked} | _excluded_docs(searcher, reading),
                    filter_query(filters), room, order)
    out = []
    for r in found:
        stored = searcher.stored_fields(r.docnum)
        shared = [t for t, _ in r.shared]
        marks = [(int(sp[2]), int(sp[3])) for sp in stored.get("spans") or () if sp and sp[0] in shared]
        expl = None
        if explain:
            expl = Explanation(r.score, 1.0, 1.0, 1.0, tuple(Contribution(t, "related", t, sc) for t, sc in r.shared),
                               0.0, len(reading.words))
        out.append(hit_from_stored(stored, r.score, _merge(marks), tuple(shared), expl, related_by="words"))
    return tuple(out)


def _as_typed(text: str) -> str:
    """Text as compared for an exact phrase: NFKC, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _query_phrase(cleaned: str) -> str | None:
    """The query as one phrase, when it is several words long (a lone word's match
    is the word's own) and at least four characters; less a particle at either end,
    which joins it to nothing: 「大阪市の取り組み」 less its city marked 【の取り組み】
    (the stop-38 user review)."""
    from .analysis import morphs

    ms = morphs(cleaned)
    while ms and ms[0].pos.startswith("助詞"):
        ms = ms[1:]
    while ms and ms[-1].pos.startswith("助詞"):
        ms = ms[:-1]
    phrase = _as_typed(cleaned[ms[0].start:ms[-1].end]) if ms else ""
    return phrase if len(phrase) >= 4 and len(ms) > 1 else None


def _first(ranked: list, asked) -> list:
    """``ranked`` with the entries ``asked`` says yes to first, each part in its order, the
    others' scores scaled under theirs (scores still fall down the page)."""
    first = [x for x in ranked if asked(x)]
    other = [x for x in ranked if not asked(x)]
    if first and other and other[0][0] >= first[-1][0]:
        scale = 0.999 * first[-1][0] / (other[0][0] or 1.0)
        other = [(score * scale, *rest) for score, *rest in other]
    return first + other


def _asks_only_for_a_side(reading: Reading, filters: Filters) -> bool:
    """Every word of the query says which side it asks for (うまくいかなかったこと), and
    no --polarity says otherwise."""
    if not reading.polarity or filters.polarity or not reading.words:
        return False
    return all(_names(w, reading.polarity_cues, reading.respellings) for w in reading.words)


def _intent_only(reading: Reading, filters: Filters) -> list:
    """A query made only of intent words (「苦労」, 「良かったこと」) asks for that side
    itself: match it by the polarity field, since markers are not part of the text."""
    from whoosh import query as Q

    if not reading.words and reading.cities and not reading.polarity:
        # 「福岡市」: the snippets of the city it names (unless --city names another), and
        # those that say the place's name: 「兵庫」 is 播磨町's, and 鳥取市's 「…兵庫県2町…」 (the
        # stop-33 review: it was missing, and the page said nothing was hidden).
        places = [c for c in reading.cities if filters.city in (None, c)]
        said = dict.fromkeys(_place_stem(p) for p in (*reading.cities, *(r for r, _ in reading.regions)))
        return ([Q.Term("city", c, boost=W_TEXT) for c in places]
                + [Q.Term("text", p, boost=W_TEXT) for p in said if p])
    cues = set(reading.polarity_cues) | set(reading.theme_cues)
    # With --polarity set to the same side, the words ask for what the filter does:
    # 「苦労した点」 on one city's hard side lists that side. Set to the other side,
    # the filter wins and nothing was asked for on it.
    if not reading.polarity or filters.polarity not in (None, reading.polarity):
        return []
    if not all(_names(w, tuple(cues), reading.respellings) for w in reading.words):
        return []
    # (Its words naming a theme too, 「PFで苦労したこと」, that side of that theme: _accumulated.)
    return [Q.Term("sides", reading.polarity, boost=W_TEXT)]


def _side_of_theme(reading: Reading, filters: Filters) -> bool:
    """Whether a query's words only name a side and a theme (「PFで苦労したこと」), neither
    overruled by a filter: it asks for that side of that theme."""
    if not (reading.polarity and reading.theme and reading.words):
        return False
    if filters.polarity not in (None, reading.polarity) or filters.theme not in (None, reading.theme):
        return False
    cues = tuple(set(reading.polarity_cues) | set(reading.theme_cues))
    return all(_names(w, cues, reading.respellings) for w in reading.words)


def _place_stem(name: str) -> str:
    """A city's or prefecture's name as its text's word: 兵庫 of 兵庫県, 鳥取 of 鳥取市 (Janome
    reads 兵庫県 as 兵庫 + 県), 北海道 whole."""
    return name[:-1] if len(name) > 2 and name[-1] in "市区町村都府県" else name


def matched(searcher, text: str, vocab=None, filters: Filters | None = None,
            spellings: dict[str, str] | None = None) -> set[int]:
    """The document numbers of every record a search for ``text`` under ``filters``
    matches (what its ``total`` counts): for callers that count or group matches in
    the index (facets) rather than rank them."""
    reading = _read(searcher, text, vocab, spellings)[-1]
    filters = filters or Filters()
    leaves, side = _matching(reading, filters, searcher)
    if not reading.words and not side:
        return set()
    found = set(_accumulated(searcher, reading, leaves, side, filters)[0])
    instead = _side_instead(reading, side, filters, searcher) if not found else []
    if instead:  # (as the search lists them)
        found = set(_accumulated(searcher, reading, leaves, instead, filters)[0])
    return found


SIDE_WHEN_NOTHING_ELSE = True  # a query asking for a side whose other words no snippet has lists that side


def _side_instead(reading: Reading, side: list, filters: Filters, searcher=None) -> list:
    """The side a query asks for, as a whole-side query, where its words matched nothing:
    「最近困っていること」 (no snippet says 最近) was "No results" and ten related snippets
    of the good side, though 困っていること alone lists 31 hardships (the stop-31 review).
    A query that asks for no side but a theme, the theme: 「たちあげ」 (立上げ, typed in kana,
    which Janome reads as たち + あげ, words no snippet has) lists the platform theme (stop 32).
    Not where the filters, not the corpus, left the words nothing: 「たちあげの幅」 --city 京都市
    said no snippet has 幅, which six do (the stop-32 review); the page says how many the
    filters hid."""
    from whoosh import query as Q

    if not SIDE_WHEN_NOTHING_ELSE or side:
        return []
    if searcher is not None and filters.active() and _accumulated(
            searcher, reading, *_matching(reading, Filters(), searcher), Filters())[0]:
        return []
    if reading.polarity:
        return [Q.Term("sides", reading.polarity, boost=W_TEXT)] if filters.polarity in (None, reading.polarity) else []
    if reading.theme and filters.theme in (None, reading.theme):
        return [Q.Term("theme", reading.theme, boost=W_TEXT)]
    return []


def _accumulated(searcher, reading: Reading, leaves: list[_Leaf], side: list, filters: Filters):
    """(every match's summed score by document number, the queries, their posting
    lists, the pairs each record has only loose): what a search ranks and counts and
    what facets group, one way."""
    from .postings import accumulate

    queries = [(lf.key(), lf.query()) for lf in leaves] + [(("intent", repr(q)), q) for q in side]
    only_add = frozenset(lf.key() for lf in leaves if lf.kind == "phrase")  # they re-rank, they never match alone
    acc, plists, stray = accumulate(searcher, queries, filter_query(filters), only_add,
                                    _pieces(leaves, reading, searcher) if PIECES_MATCH_TOGETHER else None)
    gone = _excluded_docs(searcher, reading)
    if gone:  # (連携 -企業: what says 企業 is not a match, counted, grouped or listed)
        acc = {d: v for d, v in acc.items() if d not in gone}
    return acc, queries, plists, stray


def _sides(stored: dict) -> tuple[str, ...]:
    """The sides a record states: its polarity, and the other one where a sentence of
    it states both (parser.also_states)."""
    also = stored.get("also")
    return (stored["polarity"], also) if also else (stored["polarity"],)


def filter_query(filters: Filters):
    """The Whoosh filter for the active filters, or None. --polarity looks at a
    record's sides, so 「調整に苦労しましたが、…できました」 is on both."""
    from whoosh import query as Q

    parts = [Q.Term("sides" if k == "polarity" else k, v) for k, v in filters.active().items()]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _word_weights(leaves: list[_Leaf], lists: dict, n: int, ndocs: int) -> list[float]:
    """How much each query word counts for coordination: its BM25 idf, from the
    number of documents that have it as a word (or, failing that, its rarest bigram).
    Matching 孤独 and 孤立, which nearly every snippet has, says little about a
    snippet; matching 広範 says much."""
    import math

    df_word = [0] * n
    df_gram: list[int | None] = [None] * n
    for lf in leaves:
        size = len(lists[lf.key()][0])
        for k in lf.words:
            if lf.kind == "ngram":
                df_gram[k] = size if df_gram[k] is None else min(df_gram[k], size)
            elif lf.kind not in ("context", "context-synonym", "sequel", "heading", "phrase", "label"):
                df_word[k] = max(df_word[k], size)
    out = []
    for k in range(n):
        df = df_word[k] or (df_gram[k] or 0)
        out.append(math.log(1 + (ndocs - df + 0.5) / (df + 0.5)))
    return out


def _prerank(base: float, parts: list[tuple[_Leaf, float]], stored: dict, reading: Reading, filters: Filters,
             weights: list[float] | None = None):
    """Score before proximity: base × coordination × intent, with the explanation
    so far and each query word's credit (1 for a word match, the share of its
    bigrams for a partial one, LABEL_CREDIT_SHARE for a word the record's label
    names)."""
    n = len(reading.words)
    # A word in pieces is looked up in the reading field (no positions) as both its
    # pieces' readings anywhere in the record; it is there only where they stand side
    # by side (つながりづくり for 繋がり作り, not つながり … まちづくり).
    apart = [(lf, sc) for lf, sc in parts if lf.kind == "reading" and " " in lf.term
             and not _side_by_side(stored.get("spans") or (), tuple(_sound(lf.term).split(" ")), 1)]
    if apart:
        parts = [p for p in parts if p not in apart]
        base -= sum(sc for _, sc in apart)
    if SYN_DISMAX:
        # A synonym stands in for a word the snippet lacks: where the word itself is
        # there (as itself or another spelling), its synonyms add nothing more.
        exact = {k for lf, _ in parts if lf.kind in ("text", "reading") for k in lf.words}
        dropped = [(lf, sc) for lf, sc in parts if lf.kind == "synonym" and set(lf.words) <= exact]
        # In the snippet before (context) likewise: a synonym there counts where that
        # snippet lacks the word itself, and only the word's best synonym counts.
        in_context = {k for lf, _ in parts if lf.kind == "context" for k in lf.words}
        in_ctx_syn = [(lf, sc) for lf, sc in parts if lf.kind == "context-synonym"]
        best: dict[int, tuple] = {}
        for lf, sc in in_ctx_syn:
            if not set(lf.words) <= in_context and (lf.words[0] not in best or sc > best[lf.words[0]][1]):
                best[lf.words[0]] = (lf, sc)
        dropped += [p for p in in_ctx_syn if p not in best.values()]
        if dropped:
            parts = [p for p in parts if p not in dropped]
            base -= sum(sc for _, sc in dropped)
    credit = [0.0] * n
    grams_hit: dict[int, set[str]] = {}
    for lf, _ in parts:
        for k in lf.words:
            if lf.kind == "ngram":
                grams_hit.setdefault(k, set()).add(lf.term)
            elif lf.kind not in ("context", "context-synonym", "sequel", "phrase"):
                credit[k] = 1.0
    for k, hit in grams_hit.items():
        total = len(reading.words[k].bigrams) or 1
        credit[k] = max(credit[k], len(hit) / total)
    if LABEL_CREDIT:
        # A word that names the record's theme or side (PF for a platform record, 苦労 for a
        # hard one) is matched by the record's label (LABEL_CREDIT_SHARE of it), whether
        # or not its text repeats it.
        for cues, want, have in ((reading.theme_cues, reading.theme, (stored["theme"],)),
                                 (reading.polarity_cues, reading.polarity, _sides(stored))):
            if want and want in have:
                for k, w in enumerate(reading.words):
                    if _names(w, cues, reading.respellings):
                        credit[k] = max(credit[k], LABEL_CREDIT_SHARE)
    if weights and sum(weights) > 0:
        share = sum(w * c for w, c in zip(weights, credit)) / sum(weights)
    else:  # no words at all: a query that only says which side it wants (やってみて良かったこと)
        share = sum(credit) / n if n else 1.0
    if weights and 0.0 in weights:  # (a word no candidate has: not counted, see UNMATCHED_UNCOUNTED)
        n = sum(1 for w in weights if w > 0)
    matched = share * n
    coord = 1 - COORD_WEIGHT + COORD_WEIGHT * share
    intent = 1.0
    if reading.polarity and not filters.polarity and reading.polarity in _sides(stored):
        intent *= 1 + INTENT_WEIGHT
    if reading.theme and not filters.theme and stored["theme"] == reading.theme:
        intent *= 1 + INTENT_WEIGHT / 2
    words = reading.words
    contributions = tuple(
        sorted(
            (Contribution(words[lf.words[0]].surface, lf.kind, _sound(lf.term) if lf.field == "reading" else lf.term, sc)
             for lf, sc in parts),
            key=lambda c: -c.score,
        )
    )
    expl = Explanation(base, coord, 1.0, intent, contributions, matched, n)
    return base * coord * intent, expl, credit


@lru_cache(maxsize=4096)
def _term_sound(term: str) -> str:
    """A base form's reading as the reading field folds it (増える: フエル): where a verb
    typed in kana (QueryWord.lemma) stands in a hit."""
    from .analysis import morphs, reading_term

    ms = morphs(term)
    return reading_term("".join(m.reading for m in ms), term) if ms and all(m.reading for m in ms) else ""


def _word_spans(stored: dict, reading: Reading, quick: bool = False,
                whole: bool = False, loose: frozenset = frozenset()) -> list[list[tuple[int, int]]]:
    """Where each query word occurs in a hit's text, by any field: every place, for
    highlighting. ``quick`` (for proximity, over many candidates): a word found as
    a whole word (stored spans, no analysis) is not also looked for as a synonym
    (normalizing the text) or by its bigrams (folding it), most of the cost of a
    search at scale. ``whole`` (for the page): a synonym is marked only where it is
    not inside a longer word of the text (課 of 他部署's group, not the 課 of 課題).
    ``loose``: the bigrams the record has only loose (postings.accumulate), not marked."""
    from .analysis import KANJI_KEY, same_word

    spans: list[list[tuple[int, int]]] = [[] for _ in reading.words]
    by_term: dict[str, list[int]] = {}
    by_reading: dict[str, list[int]] = {}
    in_kanji: set[int] = set()  # words with kanji: not the text's other words of their sound (機関, 期間; 測る, 図る)
    for k, w in enumerate(reading.words):
        by_term.setdefault(w.term, []).append(k)
        if w.reading:
            by_reading.setdefault(w.reading, []).append(k)
            if w.reading + KANJI_KEY + w.term == _reading_key(w):
                in_kanji.add(k)
    text = stored.get("text", "")
    by_lemma: dict[str, list[int]] = {}
    for k, w in enumerate(reading.words):
        if w.lemma:
            by_lemma.setdefault(w.lemma, []).append(k)
    lemma_heads = {lemma[:1] for lemma in by_lemma}
    for s in stored.get("spans") or ():
        term, rd, start, end = s
        for k in by_term.get(term, ()):
            spans[k].append((start, end))
        for k in by_reading.get(rd, ()):
            if k not in in_kanji or same_word(reading.words[k].term, term):
                spans[k].append((start, end))
        if (by_lemma and term not in by_term and "\u3041" <= term[-1:] <= "\u3096"  # (a verb's or adjective's form)
                and (not rd or rd[:1] in lemma_heads)):  # (its sound starts as one asked for: no Janome else)
            for k in by_lemma.get(_term_sound(term), ()):  # (ふえない: the 増え of 増えない, by 増える)
                spans[k].append((start, end))
    for k, w in enumerate(reading.words):
        if w.parts:  # 形骸 化, 協 働, 繋がり 作り: where the pieces stand side by side, in order
            for pieces, at in ((w.parts, 0), (tuple(w.reading.split(" ")) if " " in w.reading else (), 1)):
                if pieces:
                    spans[k] += _side_by_side(stored.get("spans") or (), pieces, at)
    if any(w.synonyms and not (quick and spans[k]) for k, w in enumerate(reading.words)):
        norm, where = _normalized(stored["text"])
        for k, w in enumerate(reading.words):
            if quick and spans[k]:
                continue
            for alt in w.synonyms:
                at = norm.find(alt)
                found = at >= 0
                while at >= 0:
                    a, b = where[at], where[at + len(alt)]
                    if not (whole and any(s <= a and b <= e and e - s > b - a for _, _, s, e in stored.get("spans") or ())):
                        spans[k].append((a, b))
                    at = norm.find(alt, at + len(alt))
                if not found and whole:  # inflected, or with a particle between: 気にかける in 気にかけて
                    pieces = _phrase_pieces(alt)
                    if len(pieces) > 1:
                        spans[k] += _in_order(stored.get("spans") or (), pieces)
                    elif pieces:  # one word, inflected: 幅広い in 幅広く (the stop-42 review)
                        spans[k] += [(int(sp[2]), int(sp[3])) for sp in stored.get("spans") or ()
                                     if sp and sp[0] == pieces[0]]
    if whole:  # a lone kanji no word of the text is (孤): where the text says it, on the page
        for k, w in enumerate(reading.words):
            if len(reading.words) == 1 and len(w.term) == 1 and not w.synonyms and not spans[k] and "一" <= w.term <= "鿿":
                spans[k] += [(m.start(), m.end()) for m in re.finditer(re.escape(w.term), stored["text"])]
    by_gram: dict[str, list[int]] = {}
    for k, w in enumerate(reading.words):
        if not (quick and spans[k]):
            for g in w.bigrams:
                if g not in loose:
                    by_gram.setdefault(g, []).append(k)
    if by_gram:
        # Where analysis.bigrams(text) would give each of these: a two-character gram
        # wherever the folded text has it (both its characters are letters, so inside a
        # run), a one-character gram where that character is a run of its own.
        folded, where = _folded(stored["text"])
        last = len(folded) - 1
        for g, ks in by_gram.items():
            if not g.isalnum():  # (never so: analysis.bigrams makes them of letters and digits)
                continue
            at = folded.find(g)
            while at >= 0:
                end = at + len(g)
                if len(g) == 2 or ((at == 0 or not folded[at - 1].isalnum())
                                   and (at == last or not folded[at + 1].isalnum())):
                    for k in ks:
                        spans[k].append((where[at], where[end]))
                at = folded.find(g, at + 1)
    if whole:
        # A word with a number, where the text says it whole, is marked there only: R6年度
        # (令和6年度) marked 【令和】4【年度】 too, pairs of another year (the stop-41 review).
        for k, w in enumerate(reading.words):
            if any(c.isdigit() for c in w.term) and not w.parts:
                norm, at_ = _normalized(text)
                found = [(at_[m.start()], at_[m.end()]) for m in re.finditer(re.escape(w.term), norm)]
                if found:
                    spans[k] = found
    return spans


@lru_cache(maxsize=1024)
def _phrase_pieces(alt: str) -> tuple[str, ...]:
    """A synonym's words as the text field holds them (気にかける → 気, かける), or ()."""
    terms, _ = _as_phrase(alt)
    return tuple(terms.split(" ")) if terms else ()


def _in_order(stored_spans, pieces: tuple[str, ...], gap: int = 2) -> list[tuple[int, int]]:
    """Where a text's words say ``pieces`` in order, at most ``gap`` characters apart
    (a particle or two: 気 に かけ)."""
    out = []
    spans = sorted((sp for sp in stored_spans if sp), key=lambda sp: sp[2])
    for i, sp in enumerate(spans):
        if sp[0] != pieces[0]:
            continue
        end, j = sp[3], i + 1
        for piece in pieces[1:]:
            while j < len(spans) and spans[j][2] < end:
                j += 1
            if j < len(spans) and spans[j][0] == piece and spans[j][2] - end <= gap:
                end, j = spans[j][3], j + 1
            else:
                break
        else:
            out.append((sp[2], end))
    return out


def _side_by_side(stored_spans, pieces: tuple[str, ...], at: int) -> list[tuple[int, int]]:
    """Where a text's words (``stored_spans``: term, reading, start, end; ``at`` 0 for
    the term, 1 for the reading) say ``pieces`` one right after another."""
    starts: dict[int, list] = {}
    for sp in stored_spans:
        if sp and sp[at] == pieces[0]:
            starts.setdefault(sp[2], []).append(sp)
    following = {(sp[at], sp[2]): sp[3] for sp in stored_spans if sp and sp[at] in pieces[1:]}
    out = []
    for first in (sp for group in starts.values() for sp in group):
        end = first[3]
        for piece in pieces[1:]:
            end = following.get((piece, end))
            if end is None:
                break
        else:
            out.append((first[2], end))
    return out


REMEMBER_MAX_CHARS = 2000  # longer texts are normalized afresh each time: a remembered one costs ~80 bytes a character


def _normalized(text: str) -> tuple[str, list[int]]:
    """analysis.normalize, remembered for texts of up to REMEMBER_MAX_CHARS: the
    re-ranker and the page both look for the query's words in the same candidates
    (the lists are only read)."""
    if len(text) > REMEMBER_MAX_CHARS:
        from .analysis import normalize

        return normalize(text)
    return _normalized_short(text)


def _folded(text: str) -> tuple[str, list[int]]:
    """analysis.fold, remembered (as _normalized)."""
    if len(text) > REMEMBER_MAX_CHARS:
        from .analysis import fold

        return fold(text)
    return _folded_short(text)


@lru_cache(maxsize=256)
def _normalized_short(text: str) -> tuple[str, list[int]]:
    from .analysis import normalize

    return normalize(text)


@lru_cache(maxsize=256)
def _folded_short(text: str) -> tuple[str, list[int]]:
    from .analysis import fold

    return fold(text)


@lru_cache(maxsize=256)
def _voiced_short(text: str) -> tuple[str, list[int]]:
    from .analysis import fold

    return fold(text, voicing=False)


def _close_pairs(spans: list[list[tuple[int, int]]], reading: Reading, credit: list[float]) -> int:
    """How many adjacent pairs of query words occur close together, in order."""
    close = 0
    for k in range(len(reading.words) - 1):
        if not (credit[k] and credit[k + 1]):
            continue
        # (or the next word holds this one: 縦 and 縦割り, a stem and its bound suffix)
        if any(0 <= s2 - e1 <= PROXIMITY_GAP or (s2 <= s1 and e1 <= e2 and e2 - s2 > e1 - s1)
               for s1, e1 in spans[k] for s2, e2 in spans[k + 1]):
            close += 1
    return close


def _make_hit(stored: dict, score: float, reading: Reading, contributions, explanation, spans=None,
              phrase: str | None = None) -> Hit:
    spans = spans if spans is not None else _word_spans(stored, reading)
    matched_words = [reading.words[k].term for k, sp in enumerate(spans) if sp]
    # (A phrase's words as the index keeps them, 庁 内 and 気 かける, read as one term; a
    # synonym as the entry says it: 11月 is the text field's 11 + 1月, shown as 111月.)
    entries = {_as_phrase(alt)[0] or _alt_grams(alt): alt for w in reading.words for alt in w.synonyms}
    terms = list(dict.fromkeys((entries.get(c.term) if c.field == "synonym" else None) or c.term.replace(" ", "")
                               for c in contributions if c.field in ("text", "synonym")))
    # And a word marked in the text that no such term says (庁内 of 「庁内外」, met by its
    # characters): matched_terms left it out, so a script's "which words matched" undercounted
    # what the page highlights (the stop-43 review).
    for k, sp in enumerate(spans):
        w = reading.words[k]
        if sp and not any(f in t or t in f for t in terms for f in (w.term, *w.synonyms)):
            terms.append(w.term)
    matched_terms = tuple(t for t in terms if not any(t != u and t in u for u in terms))  # (縦 of 縦割り: once)
    marks = _with_okurigana(stored, _highlights(stored, spans, phrase))
    hit = hit_from_stored(stored, score, marks, matched_terms or tuple(matched_words), explanation)
    return replace(hit, through=_through(contributions)) if not marks and not matched_words else hit


_AROUND = {"context": "context", "context-synonym": "context", "sequel": "sequel"}


def _through(contributions) -> str | None:
    """"context" or "sequel" when the snippets around a match are all that has the query's
    words (a match by its side alone, 「苦労したこと」, or by its heading, is neither)."""
    # (Nor the phrase's pairs, which only add to a match: 企業との連携's トノ, met in どのような,
    # left 中野区/4 a match with no word marked and no line saying why: the stop-39 review.)
    fields = {c.field for c in contributions if c.score > 0 and c.field not in ("meaning", "phrase")}
    if not fields or not fields <= _AROUND.keys():
        return None
    return "context" if "context" in {_AROUND[f] for f in fields} else "sequel"


def _highlights(stored: dict, spans: list[list[tuple[int, int]]], phrase: str | None) -> tuple[tuple[int, int], ...]:
    """A hit's marks: its query words' spans, and the whole typed phrase where the text has it."""
    marks = [sp for ss in spans for sp in ss]
    if phrase and phrase in _as_typed(stored["text"]):
        marks += _phrase_spans(stored["text"], phrase)
    return _merge(marks)


def _with_okurigana(stored: dict, marks: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Marks that end on a kanji inside one of the record's words, before its okurigana (a
    kana or two), grown over them: 「縦割」 marked 【縦割】り (the stop-33 review). (Shown
    only: the ranker reads the marks as matched.)"""
    from .analysis import _is_kanji

    text = stored.get("text") or ""
    words = [(int(sp[2]), int(sp[3])) for sp in stored.get("spans") or () if sp]
    out = []
    for a, b in marks:
        for s, e in words:
            if s < b < e and e - b <= 2 and _is_kanji(text[b - 1]) and all("\u3041" <= c <= "\u3096" for c in text[b:e]):
                b = e
                break
        else:
            if not any(e == b for _, e in words):  # (a mark that ends where a word of the index does is whole)
                b = _inflected_end(text, a, b)
        out.append((a, b))
    return _merge(out)


def _inflected_end(text: str, a: int, b: int) -> int:
    """The end of a mark that stops inside the kana of an inflected word the index keeps
    no span for (して良かった's 良かっ, an auxiliary there): 【良か】った marked 【良かっ】た,
    as where the word is indexed (the stop-42 review). Janome reads a few characters."""
    from .analysis import _is_kanji, morphs

    if not (0 <= a < b < len(text) and _is_kanji(text[a]) and _is_hiragana_char(text[b - 1])
            and _is_hiragana_char(text[b])):
        return b
    for m in morphs(text[a:b + 4]):
        if m.start < b - a < m.end and m.pos.startswith(("動詞", "形容詞")) \
                and all(_is_hiragana_char(c) for c in text[b:a + m.end]):
            return a + m.end
    return b


def _is_hiragana_char(c: str) -> bool:
    return "\u3041" <= c <= "\u3096"


def _phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where ``phrase`` (as ``_as_typed`` makes it) occurs in ``text``, as spans of
    the original characters, so the whole quoted phrase is highlighted."""
    from .analysis import normalize

    norm, where = normalize(text)
    keep = [i for i, ch in enumerate(norm) if not ch.isspace()]
    compact = "".join(norm[i] for i in keep)
    out, at = [], compact.find(phrase)
    while at >= 0 and phrase:
        first, last = keep[at], keep[at + len(phrase) - 1]
        out.append((where[first], where[last + 1]))
        at = compact.find(phrase, at + len(phrase))
    return out


def hit_from_stored(stored: dict, score: float = 0.0, matches=(), matched_terms=(), explanation=None,
                    related_by: str | None = None) -> Hit:
    return Hit(
        id=stored["id"],
        city=stored["city"],
        prefecture=stored["prefecture"],
        theme=stored["theme"],
        polarity=stored["polarity"],
        section=stored.get("section") or None,
        text=stored["text"],
        source=stored["source"],
        line=int(stored["line"]),
        score=float(score),
        matches=tuple(matches),
        repost_of=stored.get("repost_of"),
        matched_terms=tuple(matched_terms),
        explanation=explanation,
        related_by=related_by,
        also=stored.get("also"),
        announced_by=stored.get("announced_by"),
    )


def _merge(spans) -> tuple[tuple[int, int], ...]:
    """Sorted, with touching or overlapping spans joined (庁 + 内 → one mark)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


MIXED_RESPELL = True  # a word typed half in kana is read as the corpus spells it (たて割り: 縦割り)
_HIRAGANA_WORD = re.compile(r"[\u3041-\u3096ー]+")
DICTIONARY_KANJI = True  # a word typed in hiragana the corpus never says is read in its usual kanji (よさん: 予算)
HIRAGANA_LOANWORDS = True  # a loanword typed in hiragana is read as the corpus's katakana word (_respell_fragments)
_MIMETIC = re.compile(r"(.{2,3})\1")
# Hiragana, with ー, but not the ー of a katakana word before it (メンバーがいつも).
_HIRAGANA_LOANWORD = re.compile(r"(?<![\u30a1-\u30fa\u30fcー])[\u3041-\u3096][\u3041-\u3096ー]*")
_LOANWORD_MARKS = re.compile(r"ー|[\u3041-\u3096][ぁぃぅぇぉ]|^[ぱぴぷぺぽ]")  # (しゅ, じょ are native sounds; ふぁ, てぃ are not)
LONG_VOWELS = True  # a long vowel typed ー in hiragana is read written out where more of it is the corpus's (れんけー)
RESPELL_FRAGMENTS = True  # a kana run Janome cuts into no words is read as the corpus spells it (めりっと: メリット)
_HALF_KANA = re.compile(r"[\uff65-\uff9f]+")  # half-width katakana, its ｰ and voicing marks
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]{3,}")
_HIRAGANA_RUN = re.compile(r"[\u3041-\u3096]{3,}")
_HIRAGANA_RUN_2 = re.compile(r"[\u3041-\u3096]{2,}")
_WHOLE_KANA = re.compile(r"\W*([\u3041-\u3096]{2})\W*")  # (a query of two kana alone, with its punctuation: 「はば？」)
_PARTICLE_HEAD = frozenset("のをにがでとはへも")
# The same before normalization (half-width katakana and voicing marks too): whether
# a query can need the index's spellings at all.
KANA_RUN_AS_TYPED = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\uff66-\uff9f]{3,}"
                               r"|[\u3041-\u3096]{2}[\u4e00-\u9fff々]|[\u4e00-\u9fff々][\u3041-\u3096]{2}"  # (たて割り, 縦わり)
                               r"|^\W*[\u3041-\u3096]{2}\W*$"  # (はば: WHOLE_KANA_AS_SPELLED)
                               r"|(?<![A-Za-z0-9])[A-Za-z\u00c0-\u024f][a-z'\u00c0-\u024f]{3,}"  # (tatewari: _romaji_words)
                               r"|[A-Z]{5}|[\uff21-\uff3a\uff41-\uff5a]{4}")  # (RENKEI, ｔａｔｅｗａｒｉ)


def _respell_pieces(run: str, spellings: dict[str, str]) -> list[tuple[int, int, str]] | None:
    """The corpus's spellings of a kana run, piece by piece ((start, end, spelling)),
    with single particles between them (たてわりのへいがい → 縦割り, 弊害); None
    unless every other character is covered, so no half-respelled word is made. The
    run may end in words the corpus does not spell otherwise after a particle
    (めりっとがない → メリット, が + ない as typed; たてわりをなくしたい), or in function
    words alone (くろうした → 苦労 + した)."""
    from .analysis import _PARTICLE_KANA, all_kanji
    from .analysis import spelled as spelled_as

    # An adverb Janome reads in the run is not cut into a piece, nor joined to the verb after
    # it: どうしたら was どうし (同士) + たら, どうして どうし + て (the stop-31 review).
    # (Not そう + だ + ん: そうだん is 相談. An adverb before a verb, or one a piece would cut.)
    ms = _run_morphs(run) if ADVERBS_KEPT else ()
    adverbs = [(m.start, m.end, k + 1 < len(ms) and ms[k + 1].pos.startswith("動詞"))
               for k, m in enumerate(ms) if m.pos.startswith("副詞")]
    out, i = [], 0
    while i < len(run):
        if out and out[-1][1] == i and all(all_kanji(sp) for _, _, sp in out) and _only_function_words(run[i:]):
            # (くろうしている: 苦労 + している as typed, not している's してい as 指定. But a rest that is
            # one corpus word whole is that word: しみんだんたい's だんたい, which Janome reads as
            # だ + ん + たい, is 団体; the stop-32 review.)
            rest = spelled_as(run[i:], spellings) if len(run) - i >= 3 else None
            if not (rest and len(rest) > 1 and not _HIRAGANA_WORD.fullmatch(rest)):
                return out
        if out and out[-1][1] < i and run[i - 1] in _PARTICLE_HEAD:  # (a case particle before here: が, を)
            rest = _respell_pieces(run[i:], spellings)
            if rest is None and out[-1][1] == i - 1 and i + 1 < len(run) and run[i] in _PARTICLE_KANA:
                # (Two particles: きぎょうとのれんけい is 企業 + との + 連携; the stop-32 review.)
                rest = _respell_pieces(run[i + 1:], spellings)
                i += 1 if rest is not None else 0
            if rest is None:
                return out
            return out + [(a + i, b + i, sp) for a, b, sp in rest]
        for j in range(min(len(run), i + 12), i + 2, -1):
            if any(a < j < b or a < i < b or (i == a and j > b and verb) for a, b, verb in adverbs):
                continue  # (a piece that cuts an adverb, or runs on from one into a verb)
            spelled = spelled_as(run[i:j], spellings)
            if spelled and len(spelled) == 1:
                continue  # (one kanji for a run or a piece of one: しょうがっこう is not 省 + 学校, きょう not 協)
            if spelled and _KANA_ONLY.fullmatch(run[i:j]) and _HIRAGANA_WORD.fullmatch(spelled):
                continue  # (katakana is no slip for hiragana: トーク is not the どく of こどく, フラット not ぷらっと)
            if spelled:
                out.append((i, j, spelled))
                i = j
                break
        else:
            if out and run[i] in _PARTICLE_KANA:
                i += 1
                continue
            if out and all(all_kanji(sp) for _, _, sp in out) and _only_function_words(run[i:]):
                return out  # (くろうした: 苦労 + した, as typed; a verb's stem is no noun: わから + ない)
            return None
    return out


@lru_cache(maxsize=256)
def _run_morphs(run: str) -> tuple:
    from .analysis import morphs

    return tuple(morphs(run))


def _ends_in_a_final_particle(rest: str) -> bool:
    """Whether what a respelled run leaves as typed opens with a sentence-final particle
    (か, かい): in a search, more likely a kanji's sound (課, 会) than a question."""
    from .analysis import morphs

    ms = morphs(rest) if rest else []
    return bool(ms) and "終助詞" in ms[0].pos


def _only_function_words(text: str) -> bool:
    from .analysis import is_function_word, morphs

    if len(text) > KANA_WORD_MAX:  # (endings are short: read whole, each rest of a long run cost seconds)
        return False
    ms = morphs(text)
    return bool(ms) and all(is_function_word(m.pos, m.base) for m in ms)


def _suggest(searcher, text: str, reading: Reading, spellings: dict[str, str] | None = None,
             vocab=None, cities: tuple[str, ...] = (), regions: tuple = (), meaning=None) -> str | None:
    """A 'did you mean' for a query that matched no whole word: kana runs the
    corpus spells otherwise (たてわり → 縦割り), and words one or two edits away
    from an indexed word (by base form). Offered only if, read again, it has a
    word the index holds: 引きこもり's 引き is one edit from 引, but 「引こもり」
    finds nothing. A word the vectors know is a real word, not a slip: it is offered
    another only if ``meaning`` (the index's MeaningTable) puts that one near it (啓蒙 →
    啓発), never one that only looks alike (自殺 → 自身, 子供 → 提供, ゲート → ノート).
    A word in kana is corrected only to kana (its kanji come from the spellings)."""
    from .analysis import _is_kanji

    out = text
    read_as = dict(reading.respellings)
    respelled: set[str] = set()  # (a word respelled here is not corrected again below)
    # Each run replaced where it stands (the text before it kept as it is): a second サポータ
    # replaced "once" met the first one's サポーター, 「サポーターー サポータ養成」 (the review).
    runs: list[tuple[int, int, str]] = []
    for found in _KANA_RUN.finditer(text):
        run = found.group()
        if run in read_as and run not in read_as[run]:
            # As the search read it whole (こどくし: 孤独死, an entry of the synonym file), not
            # in the corpus's pieces (孤独 + し).
            runs.append((found.start(), found.end(), read_as[run]))
            respelled.add(run)
            continue
        # Whole or nothing, as the search respells: にちよう (日曜) is not に + 庁.
        pieces = _respell_pieces(run, spellings or {})
        if pieces and _ends_in_a_final_particle(run[pieces[-1][1]:]):
            # (きょういくいいんかい's かい is 会, not the particle Janome reads: 「教育委員かい」
            # is half a word; the corpus spells 教育委員会 only in pieces. No suggestion of it.)
            continue
        if pieces:
            spelled, last = [], 0
            for a, b, sp in pieces:
                spelled += [run[last:a], sp]
                last = b
            runs.append((found.start(), found.end(), "".join(spelled) + run[last:]))
            respelled.add(run)
    for a, b, sp in reversed(runs):
        out = out[:a] + sp + out[b:]
    for w in reading.words:
        # (Not a one-character piece: the ふ Janome reads as ふる in ぴーえふ is no word to correct;
        # nor a number with what it counts: 5回 is no misspelt 回; nor a word already corrected,
        # which its correction may contain: サポータ → サポーター → サポーターー.)
        if (len(w.term) < 2 or len(w.surface) < 2 or w.surface not in out or _counts(w.term)
                or any(w.surface in run for run in respelled)):
            continue
        if not w.parts and searcher.doc_frequency("text", w.term):  # (a word the index has: 検証, respelled)
            continue
        if w.parts and all(searcher.doc_frequency("text", p) for p in w.parts):
            continue  # (nor one it has in pieces: まちづくり, まち + づくり, was "corrected" to づくり)
        if len(w.term) > SUGGEST_MAX_CHARS:  # (Whoosh's edit automaton grows with the word: めりっと × 250)
            continue
        if not any(_is_kanji(c) for c in w.term) and len(w.term) <= 3:
            continue  # (a short word in kana: ひと is not a slip for もと, nor かお for か月)
        cands = searcher.suggest("text", w.term, limit=1, maxdist=1 if len(w.term) <= 4 else 2)
        if cands and not any(_is_kanji(c) for c in w.term) and any(_is_kanji(c) for c in cands[0]):
            continue  # (kana becomes kanji by its spelling, above, not by an edit: めりっと's りっ is not 含める)
        # An edit that drops a kanji, or changes the only one, makes another word rather
        # than a spelling of this one: 若者 is not 者, nor 寂しい 難しい.
        kanji = [c for c in w.term if _is_kanji(c)]
        if cands and cands[0] != w.term and (not kanji or (
                any(c in cands[0] for c in kanji) and sum(map(_is_kanji, cands[0])) >= len(kanji))):
            if not _may_mean(meaning, w.term, cands[0], _in_compound(out, w.surface)):
                continue
            if vocab is not None and cands[0] in vocab.opposites.get(w.term, ()):
                continue  # (near in meaning, and the opposite: デメリット is not メリット)
            out = out.replace(w.surface, cands[0])
    if out == text:
        return None
    # A word in pieces must be there whole: 各課化 → 課化 has 課 and 化, never side by side.
    from .postings import PostingCache

    cache = PostingCache.of(searcher)
    for lf in _leaves(read_query(out, vocab, spellings, cities, regions)):
        if lf.kind == "text" and len(cache.postings(lf.key(), lf.query())[0]):
            return out
    return None


SUGGEST_MAX_CHARS = 30  # a longer "word" is pasted text, not a misspelling
SUGGEST_MIN_SIMILARITY = 0.5  # a known word is offered another only this close in meaning (chiVe cosine)


def _in_compound(text: str, surface: str) -> bool:
    """Whether ``surface`` (kanji) stands in ``text`` with more kanji beside it: a piece
    of a longer word, as 登校 is of 不登校."""
    from .analysis import _is_kanji

    if not any(_is_kanji(c) for c in surface):
        return False
    at = text.find(surface)
    while at >= 0:  # (any of its places: 「登校 不登校」 as 「不登校 登校」)
        end = at + len(surface)
        if (at > 0 and _is_kanji(text[at - 1])) or (end < len(text) and _is_kanji(text[end])):
            return True
        at = text.find(surface, at + 1)
    return False


def _may_mean(table, word: str, other: str, in_compound: bool = False) -> bool:
    """Whether ``other`` may be what the person meant by ``word``: any word when the
    vectors do not know ``word`` (a slip: 居場処, ポットキャス), else one they know
    near it in meaning (自殺 is not 自身), but not where ``word`` is a piece of a
    longer word the person typed (``in_compound``): 不登校's 登校 is no slip for 学校,
    and 不学校 is no word."""
    from .meaning import vectors

    vecs = vectors()
    if vecs is None or vecs.row(word) is None:
        return True
    if in_compound:
        return False
    if vecs.row(other) is None or table is None:  # (--no-meaning: nothing to tell a near word by)
        return False
    return any(w == other and sim >= SUGGEST_MIN_SIMILARITY for w, sim in table.neighbours_of(word))
