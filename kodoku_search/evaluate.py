"""Relevance evaluation against graded judgments (nDCG@10, Recall@10, MRR@10).

The judgments name passages by their text, not by record id, so that they stay
valid whatever segmentation the indexer settles on; a returned snippet is
matched to a judged passage with the fuzzy text rule of
``/work/shared/eval/README.md``. Standard library only: the CLI and the tests
import this without paying for Whoosh or Janome.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

from .errors import KodokuError

__all__ = [
    "EvalError",
    "EvalReport",
    "Hit",
    "JudgedPassage",
    "Judgment",
    "QueryResult",
    "THEMES",
    "POLARITIES",
    "evaluate",
    "format_report",
    "load_judgments",
    "longest_common_run",
    "normalize_for_match",
    "passage_matches",
    "score_ranking",
]

THEMES: tuple[str, ...] = ("general", "platform")
POLARITIES: tuple[str, ...] = ("good", "hard", "other")
MAX_GRADE = 3
#: A shared run this long always matches, however long the texts are.
RUN_CAP = 30


class EvalError(KodokuError, ValueError):
    """A judgments file that cannot be trusted; the message is ``FILE:LINE: reason``."""


class Hit(Protocol):
    """What a ranked result must offer to be scored (Snippet and engine hits do)."""

    @property
    def city(self) -> str: ...

    @property
    def theme(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class JudgedPassage:
    """A passage a person judged for a query; grade 0 (or unlisted) is not relevant."""

    city: str
    grade: int
    text: str
    theme: str | None = None
    ignored: tuple[str, ...] = field(default=(), compare=False)  # keys it had that mean nothing here

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"city": self.city, "grade": self.grade, "text": self.text}
        if self.theme is not None:
            d["theme"] = self.theme
        return d


@dataclass(frozen=True)
class Judgment:
    """One query as typed, the filters set with it, and its judged passages."""

    qid: str
    query: str
    city: str | None
    theme: str | None
    polarity: str | None
    relevant: tuple[JudgedPassage, ...]
    where: str = field(default="", compare=False)  # FILE:LINE it was read from, for messages
    ignored: tuple[str, ...] = field(default=(), compare=False)  # keys it had that mean nothing here

    def filters(self) -> dict[str, str]:
        """The filters to hand the system under test, as search() keywords."""
        return {
            k: v
            for k, v in (("city", self.city), ("theme", self.theme), ("polarity", self.polarity))
            if v is not None
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSONL object this judgment was read from (round-trips load_judgments)."""
        d: dict[str, Any] = {"qid": self.qid, "query": self.query}
        d.update(self.filters())
        d["relevant"] = [p.to_dict() for p in self.relevant]
        return d


@dataclass(frozen=True)
class QueryResult:
    """The metrics of one query; ``returned`` is how many hits the system gave, ``related``
    how many of those were not matches but records near them (a page's related ones)."""

    qid: str
    query: str
    ndcg: float
    recall: float
    mrr: float
    zero: bool
    returned: int
    related: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EvalReport:
    """Per-query results and their means over all queries (zero_rate = share with no hit)."""

    per_query: tuple[QueryResult, ...]
    ndcg: float
    recall: float
    mrr: float
    zero_rate: float
    k: int = 10
    warnings: tuple[str, ...] = ()  # judgments that cannot be scored as meant (see check_judgments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "warnings": list(self.warnings),
            "ndcg": self.ndcg,
            "recall": self.recall,
            "mrr": self.mrr,
            "zero_rate": self.zero_rate,
            "per_query": [q.to_dict() for q in self.per_query],
        }


# --------------------------------------------------------------------------- loading


def _optional_choice(
    obj: dict[str, Any], key: str, choices: tuple[str, ...] | None, where: str
) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise EvalError(f"{where}: '{key}' must be a non-empty string or absent, got {value!r}")
    if choices is not None and value not in choices:
        # As --theme and --polarity read them (PF, 全般, 苦労, 良かった): the same words, one meaning.
        from . import labels

        resolved = {"theme": labels.resolve_theme, "polarity": labels.resolve_polarity}.get(key, lambda v: None)(value)
        if resolved in choices:
            return resolved
        raise EvalError(f"{where}: '{key}' must be one of {', '.join(choices)} (or a word --{key} takes, "
                        f"such as {'PF' if key == 'theme' else '苦労'}), got {value!r}")
    return value


def _parse_passage(obj: Any, i: int, where: str) -> JudgedPassage:
    at = f"{where}: relevant[{i}]"
    if not isinstance(obj, dict):
        raise EvalError(f"{at} must be an object, got {type(obj).__name__}")
    city = obj.get("city")
    if not isinstance(city, str) or not city.strip():
        raise EvalError(f"{at}: 'city' must be a non-empty string, got {city!r}")
    grade = obj.get("grade")
    # bool is an int subclass; `true` as a grade is a typo, not a grade of 1.
    if not isinstance(grade, int) or isinstance(grade, bool):
        raise EvalError(f"{at}: 'grade' must be an integer, got {grade!r}")
    if not 0 <= grade <= MAX_GRADE:
        raise EvalError(f"{at}: 'grade' must be between 0 and {MAX_GRADE}, got {grade}")
    text = obj.get("text")
    if not isinstance(text, str) or not normalize_for_match(text):
        raise EvalError(f"{at}: 'text' must be a non-empty string, got {text!r}")
    theme = _optional_choice(obj, "theme", THEMES, at)
    return JudgedPassage(city=city, grade=grade, text=text, theme=theme,
                         ignored=tuple(k for k in obj if k not in _PASSAGE_KEYS))


_PASSAGE_KEYS = frozenset(("city", "grade", "text", "theme"))


_KEYS = frozenset(("qid", "query", "relevant", "city", "theme", "polarity"))
_FILTER_LIKE = frozenset(("filters", "filter", "side", "sides", "label", "labels", "prefecture", "region"))


def _parse_judgment(obj: Any, where: str) -> Judgment:
    if not isinstance(obj, dict):
        raise EvalError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    qid = obj.get("qid")
    # A numbered set (1, 2, …) names its queries as plainly as "d01"; a bool or a
    # float is a typo, not an id.
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise EvalError(f"{where}: 'qid' must be a non-empty string (or an integer), got {qid!r}")
    query = obj.get("query")
    if not isinstance(query, str) or not query.strip():
        raise EvalError(f"{where}: 'query' must be a non-empty string, got {query!r}")
    relevant = obj.get("relevant")
    if not isinstance(relevant, list):
        raise EvalError(f"{where}: 'relevant' must be a list, got {relevant!r}")
    passages = tuple(_parse_passage(p, i, where) for i, p in enumerate(relevant))
    # A filter written another way ({"filters": {"theme": "PF"}}, "side") was scored as no
    # filter at all, silently (the stop-41 review): refused, with how to write it.
    for key in obj:
        if key in _FILTER_LIKE:
            raise EvalError(f"{where}: '{key}' is not read: set a filter with top-level keys "
                            '"city", "theme" and "polarity" (e.g. {"qid": ..., "query": ..., '
                            '"theme": "platform", "polarity": "hard", "relevant": [...]})')
    return Judgment(
        qid=qid,
        query=query,
        city=_optional_choice(obj, "city", None, where),
        theme=_optional_choice(obj, "theme", THEMES, where),
        polarity=_optional_choice(obj, "polarity", POLARITIES, where),
        relevant=passages,
        where=where,
        ignored=tuple(k for k in obj if k not in _KEYS),
    )


def load_judgments(path: str | Path) -> list[Judgment]:
    """Read a judgments JSONL file, refusing anything malformed.

    A silently skipped or mistyped judgment would move every metric without
    anyone noticing, so each problem raises EvalError("FILE:LINE: reason").
    Blank lines are allowed; duplicate qids are not.
    """
    path = Path(path)
    try:
        # utf-8-sig: a file saved by Excel or Notepad opens with a byte-order mark.
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:  # (as the synonyms file says it: the stop-42 review)
        raise EvalError(f"{path}: cannot read judgments: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise EvalError(f"{path}: cannot read judgments: {exc}") from exc
    judgments: list[Judgment] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            # (jq's default output spreads an object over lines: line 1 is 「{」)
            spread = line.strip() in ("{", "[") or (line.lstrip().startswith(("{", "[")) and exc.msg.startswith(
                ("Expecting property name", "Unterminated string", "Expecting value", "Expecting ',' delimiter"))
                and exc.pos >= len(line.rstrip()))
            hint = ("; a judgments file is JSON Lines, one object a line (jq -c writes it so)" if spread else "")
            raise EvalError(f"{where}: malformed JSON: {exc.msg} (column {exc.colno}){hint}") from exc
        except RecursionError:  # (as the corpus loader says it; it ended in a traceback: the stop-43 review)
            raise EvalError(f"{where}: malformed JSON: nested too deeply") from None
        except ValueError as exc:  # (an integer of more than 4300 digits)
            raise EvalError(f"{where}: malformed JSON: {exc}") from None
        judgment = _parse_judgment(obj, where)
        if judgment.qid in seen:
            raise EvalError(
                f"{where}: duplicate qid {judgment.qid!r} (first on line {seen[judgment.qid]})"
            )
        seen[judgment.qid] = lineno
        judgments.append(judgment)
    return judgments


# --------------------------------------------------------------------------- matching


@lru_cache(maxsize=4096)
def normalize_for_match(text: str) -> str:
    """NFKC, then drop every whitespace character: the form both sides are compared in."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _has_common_run(a: str, b: str, length: int) -> bool:
    """Whether a and b share a substring of exactly ``length`` characters."""
    if length <= 0:
        return True
    if length > min(len(a), len(b)):
        return False
    if len(a) > len(b):
        a, b = b, a
    grams = {b[i : i + length] for i in range(len(b) - length + 1)}
    return any(a[i : i + length] in grams for i in range(len(a) - length + 1))


def longest_common_run(a: str, b: str) -> int:
    """Length of the longest common substring of a and b.

    Binary search on the length with a set of substrings per probe: sharing a
    run of n characters implies sharing one of every shorter length, so the
    predicate is monotone. O((|a|+|b|)·L·log L) with C-speed slicing/hashing,
    far cheaper in Python than the O(|a|·|b|) dynamic programme for passages of
    a few hundred characters scored hundreds of times per evaluation.
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _has_common_run(a, b, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


@lru_cache(maxsize=65536)
def passage_matches(snippet_text: str, passage_text: str) -> bool:
    """Whether a returned snippet is the judged passage, per the README rule.

    Both are NFKC-normalized with whitespace removed; they match when one
    contains the other or they share a contiguous run of at least
    min(30, 0.8 × len(shorter)) characters. The comparison is done in integers
    (5·run ≥ 4·len) so that float rounding of 0.8·n cannot move the boundary.
    Empty text never matches anything.
    """
    a = normalize_for_match(snippet_text)
    b = normalize_for_match(passage_text)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    shorter = min(len(a), len(b))
    # Smallest integer run that satisfies run >= min(30, 0.8 * shorter).
    needed = min(RUN_CAP, -(-4 * shorter // 5))
    return _has_common_run(a, b, needed)


def _same_city(a: str, b: str) -> bool:
    """The same city, also as --city reads a name without its 市, 区, 町 or 村 (福岡: 福岡市)."""
    a, b = normalize_for_match(a), normalize_for_match(b)
    return a == b or (len(a) > 2 and a[-1] in "市区町村" and a[:-1] == b) or (len(b) > 2 and b[-1] in "市区町村" and b[:-1] == a)


# --------------------------------------------------------------------------- scoring


def _dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def _gain(grade: int) -> float:
    return float(2**grade - 1)


def _credit(judgment: Judgment, hits: Sequence[Hit]) -> list[int]:
    """The grade each ranked hit earns (0 for none), crediting each passage once.

    A hit earns the highest grade among the passages it matches that no
    earlier hit has claimed, so returning one passage twice, or one long
    snippet that spans several passages, cannot inflate the score.
    """
    credited: set[int] = set()
    grades: list[int] = []
    for hit in hits:
        best: int | None = None
        for i, passage in enumerate(judgment.relevant):
            if i in credited:
                continue
            if best is not None and passage.grade <= judgment.relevant[best].grade:
                continue
            if not _same_city(hit.city, passage.city):
                continue
            theme = passage.theme or judgment.theme
            if theme is not None and hit.theme != theme:
                continue
            if passage_matches(hit.text, passage.text):
                best = i
        if best is None:
            grades.append(0)
        else:
            credited.add(best)
            grades.append(judgment.relevant[best].grade)
    return grades


def score_ranking(judgment: Judgment, hits: Sequence[Hit], k: int = 10) -> QueryResult:
    """nDCG@k, Recall@k and reciprocal rank of one ranked list against one judgment.

    Gain is 2^grade − 1; the ideal DCG takes the judged grades sorted in
    descending order, cut at k. Recall counts judged passages of grade ≥ 1 that
    were credited. A judgment with no passage of grade ≥ 1 scores 0 on every
    metric (there is nothing to find, so nothing to reward).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    top = list(hits[:k])
    earned = _credit(judgment, top)
    ideal = _dcg(_gain(g) for g in sorted((p.grade for p in judgment.relevant), reverse=True)[:k])
    ndcg = _dcg(_gain(g) for g in earned) / ideal if ideal > 0 else 0.0
    wanted = sum(1 for p in judgment.relevant if p.grade >= 1)
    found = sum(1 for g in earned if g >= 1)
    recall = found / wanted if wanted else 0.0
    mrr = next((1.0 / rank for rank, g in enumerate(earned, start=1) if g >= 1), 0.0)
    return QueryResult(
        qid=judgment.qid,
        query=judgment.query,
        ndcg=ndcg,
        recall=recall,
        mrr=mrr,
        zero=len(hits) == 0,
        returned=len(hits),
    )


def evaluate(
    judgments: Sequence[Judgment],
    search: Callable[[Judgment], Sequence[Hit]],
    k: int = 10,
) -> EvalReport:
    """Run ``search`` on every judgment and average the metrics over all queries.

    The caller's ``search`` applies the judgment's filters itself (see
    Judgment.filters()), so this module never needs to know any engine's API.
    """
    if not judgments:
        raise EvalError("no judgments to evaluate")
    results = tuple(score_ranking(j, list(search(j)), k=k) for j in judgments)
    n = len(results)
    return EvalReport(
        per_query=results,
        ndcg=sum(r.ndcg for r in results) / n,
        recall=sum(r.recall for r in results) / n,
        mrr=sum(r.mrr for r in results) / n,
        zero_rate=sum(1 for r in results if r.zero) / n,
        k=k,
    )


def check_judgments(judgments: Sequence[Judgment], records: Sequence[Hit]) -> tuple[str, ...]:
    """What would be scored other than meant: a query with no relevant passage (0
    whatever is returned), and a passage no record matches (a typo in its text or
    city, or another corpus): it can never be found, and costs recall silently."""
    by_city: dict[str, list[Hit]] = {}
    for r in records:
        by_city.setdefault(r.city, []).append(r)
    listed = ", ".join(list(by_city)[:20]) + (f" and {len(by_city) - 20} more" if len(by_city) > 20 else "")
    out = []
    for j in judgments:
        where = f"{j.where or j.qid}: {j.qid!r}"
        if j.ignored:
            out.append(f"{where}: {', '.join(repr(k) for k in j.ignored)} ignored (a judgment reads "
                       "qid, query, relevant, city, theme, polarity)")
        if not any(p.grade > 0 for p in j.relevant):
            out.append(f"{where} lists no relevant passage (a grade above 0): it scores 0 whatever is found")
        for i, p in enumerate(j.relevant):
            if p.ignored:
                # (a passage's "polarity" was dropped without a word: the stop-42 review)
                out.append(f"{where}: relevant[{i}]: {', '.join(repr(k) for k in p.ignored)} ignored (a passage "
                           "reads city, grade, text, theme)")
        same: dict[frozenset, list[int]] = {}  # the records a passage matches → its passages
        for i, p in enumerate(j.relevant):
            if p.grade <= 0:
                continue
            mine = [r for c, rs in by_city.items() if _same_city(c, p.city) for r in rs]
            shown = p.text if len(p.text) <= 30 else p.text[:30] + "…"
            if not mine:
                out.append(f"{where}: no record of city {p.city!r} (cities: {listed})")
                continue
            hits = [r for r in mine if passage_matches(r.text, p.text)]
            if hits:
                same.setdefault(frozenset(r.id for r in hits), []).append(i)
            theme = p.theme or j.theme
            if not hits:
                out.append(f"{where}: no record of {p.city} matches the passage 「{shown}」")
            elif theme is not None and not any(getattr(r, "theme", None) == theme for r in hits):
                out.append(f"{where}: the passage 「{shown}」 is in no {theme} record of {p.city}: "
                           "its theme keeps it from counting")
            elif j.city is not None and not _same_city(j.city, p.city):
                # (The query's own filters hide it: it scored 0 and nothing said why; stop 34.)
                out.append(f"{where}: the passage 「{shown}」 is {p.city}'s, and the query's city filter "
                           f"({j.city}) keeps it from being found")
            elif j.polarity is not None and not any(
                    j.polarity in (getattr(r, "polarity", None), getattr(r, "also", None)) for r in hits):
                out.append(f"{where}: the passage 「{shown}」 is in no {j.polarity} record of {p.city}: "
                           "the query's polarity filter keeps it from being found")
        for ids, at in same.items():
            if len(at) > len(ids):
                # (A passage listed twice, or two stretches of one snippet: a hit counts for one
                # passage, so recall stayed at 0.5 with the snippet first; the stop-42 review.
                # 市原市's snippet listed twice is two records, its 再掲 copy under the other theme.)
                out.append(f"{where}: relevant[{', '.join(map(str, at))}] are the same "
                           f"{'records' if len(ids) > 1 else 'record'}'s ({', '.join(sorted(ids))}): a hit counts for "
                           "one passage, so this query cannot score 1; list each record once")
    return tuple(out)


def format_report(report: EvalReport) -> str:
    """A plain-text table, one row per query and a MEAN row, 3 decimals."""
    qid_width = max([len("qid"), len("MEAN")] + [len(r.qid) for r in report.per_query])
    k = report.k  # (eval -k 3 printed its columns as @10: the stop-39 user review)
    header = f"{'qid':<{qid_width}}  {'nDCG@' + str(k):>7}  {'R@' + str(k):>5}  {'MRR':>5}  hits  query"
    rule = "-" * len(header)

    def row(qid: str, ndcg: float, recall: float, mrr: float, hits: str, query: str) -> str:
        return f"{qid:<{qid_width}}  {ndcg:7.3f}  {recall:5.3f}  {mrr:5.3f}  {hits:>4}  {query}"

    lines = [header, rule]
    for r in report.per_query:
        # (Matches, then + the related records scored after them: 「0+3」 is a zero-result query.)
        hits = f"{r.returned - r.related}+{r.related}" if r.related else str(r.returned)
        lines.append(row(r.qid, r.ndcg, r.recall, r.mrr, hits, r.query))
    lines.append(rule)
    zero = f"zero-result rate {report.zero_rate:.3f}"
    lines.append(row("MEAN", report.ndcg, report.recall, report.mrr, "", zero))
    if any(r.related for r in report.per_query):
        lines.append("(hits: matches+related records; a query with 0 matches counts as a zero-result query)")
    return "\n".join(lines)
