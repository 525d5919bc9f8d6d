"""Source document → snippet records.

Reads the structure of an advice document: theme headings, city blocks (an
optional prefecture line, then the municipality), polarity markers in any
bracket style, section headings, bullets and their indented children. Nothing
here knows the contents of one particular file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import gazetteer, labels, markers
from .records import Anomaly, CrossReference, DocumentInfo, Snippet

_WS = " \t\u3000\u00a0"
_AS_OF = re.compile(r"((?:令和|平成|昭和)\s*\d+\s*年\s*\d+\s*月[^()（）]*?時点|\d{4}年\d+月[^()（）]*?時点)")
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+|[^。！？!?]+$")
_CROSS_REF = re.compile(r"^(?P<open>\S)(?P<inner>.+?)(?P<close>\S)\s*(?:を)?参照(?:のこと|ください)?[。.]?$")
_REPOST = re.compile(r"^[(（\[［【〔<＜]?\s*再掲\s*[)）\]］】〕>＞]?$")


@dataclass(frozen=True)
class ParsedDocument:
    """Everything one document yields: records, what it says of itself, what was odd."""

    info: DocumentInfo
    records: tuple[Snippet, ...]
    anomalies: tuple[Anomaly, ...]
    references: tuple[CrossReference, ...]


# ---------------------------------------------------------------------------
# Line reading


def indent_of(raw: str) -> int:
    """Indentation width; a full-width space counts as two."""
    n = 0
    for ch in raw:
        if ch == "\u3000":
            n += 2
        elif ch == "\t":
            n += 4
        elif ch in _WS:
            n += 1
        else:
            break
    return n


def strip_bullet(text: str) -> tuple[bool, str]:
    """(had a bullet mark, text without it)."""
    t = text.strip(_WS)
    if t and t[0] in markers.BULLETS and len(t) > 1 and (t[1] in _WS or t[0] in "•●○◦▪➡→⇒▶►"):
        return True, t[1:].strip(_WS)
    return False, t


def unbracket(text: str) -> tuple[str | None, str]:
    """(the opening bracket if the whole text is wrapped in one pair, inner text)."""
    t = text.strip(_WS)
    if len(t) >= 2:
        close = markers.BRACKETS.get(t[0])
        if close and t.endswith(close) and close:
            return t[0], t[1:-1].strip(_WS)
        if t[0] in "■◆◇" :
            return t[0], t[1:].strip(_WS)
    return None, t


def marker_polarity(text: str) -> str | None:
    """The polarity a marker line states (「<良かったこと>」, 「• 苦労した点」, 「≪苦労≫」), else None."""
    _, t = strip_bullet(text)
    _, core = unbracket(t)
    core = unicodedata.normalize("NFKC", core).replace(" ", "")
    if len(core) > 20:
        return None
    if markers.GOOD_MARKER.match(core):
        return "good"
    if markers.HARD_MARKER.match(core):
        return "hard"
    return None


def theme_of_heading(inner: str) -> str | None:
    """The theme a bracketed heading names, by its wording."""
    folded = unicodedata.normalize("NFKC", inner).lower()
    for key, name in labels.THEMES.items():
        if folded == unicodedata.normalize("NFKC", name).lower():
            return key
    resolved = labels.resolve_theme(inner)
    if resolved:
        return resolved
    if "プラットフォーム" in folded or "pf" in folded:
        return "platform"
    if "全般" in folded:
        return "general"
    return None


# ---------------------------------------------------------------------------
# Wording: which side a sentence or paragraph states


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip(_WS)]


def clause_polarity(clause: str) -> str | None:
    good = len(markers.GOOD_CUES.findall(clause))
    hard = len(markers.HARD_CUES.findall(clause))
    if good > hard:
        return "good"
    if hard > good:
        return "hard"
    return None


def sentence_polarity(sentence: str) -> str | None:
    """A sentence's side: its own topic (「苦労したことは」) if it names one, else the
    last clause that carries a cue (in 「Xしましたが、Yできました」 Y carries the weight)."""
    if markers.GOOD_TOPIC.search(sentence):
        return "good"
    if markers.HARD_TOPIC.search(sentence):
        return "hard"
    if markers.LESSON_CUES.search(sentence):
        return "other"
    for clause in reversed(markers.CONCESSIVE.split(sentence)):
        p = clause_polarity(clause)
        if p:
            return p
    return None


def wording_polarity(text: str) -> str | None:
    """The side a whole paragraph's wording states, or None when it states neither."""
    votes = [p for p in (sentence_polarity(s) for s in sentences(text)) if p]
    if not votes:
        return None
    counts = Counter(votes)
    best = max(counts.values())
    return next(p for p in votes if counts[p] == best)  # ties go to the earliest


def also_states(text: str, polarity: str) -> str | None:
    """The other side a good or hard snippet states as well, or None.

    One sentence can state both: in 「調整に苦労しましたが、顔の見える関係づくりが
    できました」 the last clause sets the side (good), yet a reader looking for what
    was hard wants it too. Only a sentence joined at a concessive (markers.CONCESSIVE:
    が、 けれど(も)、 ものの、 反面、 一方、) counts, with cues on both sides of the
    joint: a stray cue elsewhere in a long paragraph (弊害が生まれています) is not a
    second side."""
    if polarity not in ("good", "hard"):
        return None
    other = "hard" if polarity == "good" else "good"
    for s in sentences(text):
        clauses = markers.CONCESSIVE.split(s)
        if len(clauses) < 2:
            continue
        sides = [clause_polarity(c) for c in clauses]
        if other in sides and polarity in sides:
            return other
    return None


def _opposite(a: str | None, b: str | None) -> bool:
    return {a, b} == {"good", "hard"}


def split_turns(text: str, base: str | None) -> list[tuple[str, str]]:
    """Split a paragraph where it turns from one side to the other.

    A turn is a sentence that opens with a contrast (一方で, しかし …) or names its
    own side (苦労したことは …) and states the side opposite to what came before.
    Returns [(segment text, polarity)], polarity "other" where nothing is stated.
    """
    sents = sentences(text)
    if not sents:
        return []
    segments: list[list[str]] = [[sents[0]]]
    current = base or sentence_polarity(sents[0])
    sides: list[str | None] = [current]
    for s in sents[1:]:
        body = s.strip(_WS)
        p = sentence_polarity(body)
        opens_turn = bool(markers.CONTRAST_OPENERS.match(body)) or bool(
            markers.GOOD_TOPIC.match(body) or markers.HARD_TOPIC.match(body)
        )
        if opens_turn and _opposite(current, p):
            segments.append([s])
            sides.append(p)
            current = p
            continue
        segments[-1].append(s)
        if current is None and p in ("good", "hard"):
            current = p
            sides[-1] = None  # decided from the whole segment below
    out: list[tuple[str, str]] = []
    for i, (seg, side) in enumerate(zip(segments, sides)):
        seg_text = "".join(seg).strip(_WS)
        if base and i == 0:
            polarity = base
        elif side and (i > 0 or base):
            polarity = side
        else:
            polarity = wording_polarity(seg_text) or "other"
        out.append((seg_text, polarity))
    return out


# ---------------------------------------------------------------------------
# The document walk


@dataclass
class _Block:
    city: str
    printed_prefecture: str | None
    theme: str
    line: int
    repost: bool = False
    records: list[Snippet] = field(default_factory=list)
    seen_text: dict[str, int] = field(default_factory=dict)


@dataclass
class _Walk:
    source: str
    stem: str
    lines: list[str]
    anomalies: list[Anomaly] = field(default_factory=list)
    records: list[Snippet] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    refs: list[tuple[_Block, str, int]] = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)

    def note(self, line: int, kind: str, message: str) -> None:
        self.anomalies.append(Anomaly(self.source, line, kind, message))


def _next_content(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, len(lines)):
        if lines[j].strip(_WS):
            return j
    return None


def parse_document(text: str, source: str) -> ParsedDocument:
    """Parse one advice document. ``source`` is the file name records cite."""
    lines = text.splitlines()
    walk = _Walk(source=source, stem=Path(source).stem, lines=lines)

    # Title and preamble: everything before the first theme heading.
    title = ""
    preamble: list[str] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        bracket, inner = unbracket(raw)
        if bracket and theme_of_heading(inner) and not marker_polarity(raw):
            break
        if raw.strip(_WS):
            if not title:
                title = raw.strip(_WS)
            else:
                preamble.append(raw.strip(_WS))
        i += 1
    as_of = next((m.group(1) for p in preamble for m in [_AS_OF.search(p)] if m), None)

    theme: str | None = None
    block: _Block | None = None
    header: list[str] = []
    header_set: set[str] = set()
    in_header = False
    polarity: str | None = None  # set by a marker, for everything below it
    lead_in: tuple[str, int, str | None] | None = None  # (polarity, indent, record id) of a list lead-in
    section: str | None = None

    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        stripped = raw.strip(_WS)
        i += 1
        if not stripped:
            continue
        col0 = indent_of(raw) == 0
        bracket, inner = unbracket(raw)

        # Theme heading.
        if bracket and col0 and theme_of_heading(inner) and not marker_polarity(raw):
            theme = theme_of_heading(inner)
            block, polarity, lead_in, section = None, None, None, None
            in_header = True
            continue

        # City block: [prefecture line] municipality line.
        if col0 and gazetteer.is_prefecture(stripped):
            j = _next_content(lines, i - 1)
            nxt = lines[j].strip(_WS) if j is not None else ""
            if j is not None and indent_of(lines[j]) == 0 and gazetteer.is_municipality(nxt):
                if theme is None:
                    walk.note(lineno, "no-theme", f"{nxt} appears before any theme heading; skipped")
                block = _Block(nxt, stripped, theme or "general", j + 1)
                walk.blocks.append(block)
                polarity, lead_in, section, in_header = None, None, None, False
                i = j + 1
                continue
        if col0 and gazetteer.is_municipality(stripped) and not marker_polarity(raw):
            block = _Block(stripped, None, theme or "general", lineno)
            walk.blocks.append(block)
            polarity, lead_in, section, in_header = None, None, None, False
            continue

        # Column headers of the table, before the first block of a theme, and
        # the same lines wherever they repeat (a page break in the source).
        if in_header or block is None or stripped in header_set:
            if stripped not in header_set:
                header.append(stripped)
                header_set.add(stripped)
            continue

        if _REPOST.match(stripped):
            block.repost = True
            continue

        m = _CROSS_REF.match(stripped)
        if m and markers.BRACKETS.get(m.group("open")) == m.group("close"):
            target = theme_of_heading(m.group("inner"))
            if target:
                walk.refs.append((block, target, lineno))
                continue

        p = marker_polarity(raw)
        if p:
            polarity, lead_in, section = p, None, None
            continue

        # Section heading: a wave-bracketed line, or a short bare line at column 0.
        if bracket in ("~", "〜", "～") or (
            col0 and not bracket and len(stripped) <= 15 and not re.search(r"[、。,.]", stripped)
        ):
            section = inner if bracket else stripped
            continue

        # A bullet or paragraph: one record (two if it turns).
        indent = indent_of(raw)
        is_bullet, body = strip_bullet(raw)
        if lead_in and not is_bullet and indent <= lead_in[1]:
            lead_in = None
        if polarity:
            parts = split_turns(body, polarity)
        elif lead_in:
            parts = [(body, lead_in[0])]
        else:
            parts = split_turns(body, None)
        item_of = lead_in[2] if lead_in else None
        announces = False
        if not is_bullet and markers.LEAD_IN.search(body):
            j = _next_content(lines, i - 1)
            announces = j is not None and bool(strip_bullet(lines[j])[0])
        for seg_text, seg_polarity in parts:
            _add_record(walk, block, seg_text, seg_polarity, section, lineno, None if announces else item_of)
        if announces:
            last = block.records[-1] if block.records and block.records[-1].line == lineno else None
            lead_in = (parts[-1][1] if parts else "other", indent, last.id if last else None)

    _link_reposts(walk)
    refs = _resolve_refs(walk)
    _note_missing_themes(walk, refs)
    records = _settle_prefectures(walk)
    info = DocumentInfo(source, title, tuple(preamble), as_of, tuple(header))
    anomalies = sorted(walk.anomalies, key=lambda a: a.line)
    return ParsedDocument(info, tuple(records), tuple(anomalies), tuple(refs))


def _add_record(walk: _Walk, block: _Block, text: str, polarity: str, section: str | None, line: int,
                announced_by: str | None = None) -> None:
    if text in block.seen_text:
        walk.note(line, "duplicate-bullet", f"{block.city}: repeats line {block.seen_text[text]} word for word; kept once")
        return
    block.seen_text[text] = line
    key = (block.theme, block.city)
    walk.counters[key] += 1
    rec = Snippet(
        id=f"{walk.stem}/{block.theme}/{block.city}/{walk.counters[key]}",
        city=block.city,
        prefecture=block.printed_prefecture or "",
        theme=block.theme,
        polarity=polarity,
        section=section,
        text=text,
        source=walk.source,
        line=line,
        also=also_states(text, polarity),
        announced_by=announced_by,
    )
    block.records.append(rec)
    walk.records.append(rec)


def _link_reposts(walk: _Walk) -> None:
    for block in walk.blocks:
        if not block.repost:
            continue
        earlier = [r for b in walk.blocks if b.city == block.city and b is not block and not b.repost for r in b.records]
        by_text = {r.text: r for r in earlier}
        for k, rec in enumerate(block.records):
            orig = by_text.get(rec.text)
            if orig is None:
                walk.note(rec.line, "repost-unmatched", f"{block.city}: (再掲) item has no original in another theme")
                continue
            new = replace(rec, repost_of=orig.id)
            block.records[k] = new
            walk.records[walk.records.index(rec)] = new


def _resolve_refs(walk: _Walk) -> list[CrossReference]:
    out = []
    for block, target, line in walk.refs:
        ids = tuple(r.id for b in walk.blocks if b.city == block.city and b.theme == target for r in b.records)
        if not ids:
            walk.note(line, "reference-unresolved", f"{block.city}: points to {labels.THEMES[target]}, which has no block for it")
        out.append(CrossReference(block.city, block.theme, target, ids, walk.source, line))
    return out


def _note_missing_themes(walk: _Walk, refs: list[CrossReference]) -> None:
    themes_of: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for b in walk.blocks:
        themes_of.setdefault(b.city, set()).add(b.theme)
        first.setdefault(b.city, b.line)
    for r in refs:
        themes_of[r.city].add(r.theme)
    present = {b.theme for b in walk.blocks}
    for city, themes in themes_of.items():
        for t in sorted(present - themes):
            walk.note(first[city], "theme-missing", f"{city}: no block under {labels.THEMES[t]}")


def _settle_prefectures(walk: _Walk) -> list[Snippet]:
    """Fill in omitted prefectures and settle contradictory ones, reporting each."""
    printed: dict[str, list[tuple[str, int]]] = {}
    for b in walk.blocks:
        printed.setdefault(b.city, [])
        if b.printed_prefecture:
            printed[b.city].append((b.printed_prefecture, b.line))
    settled: dict[str, str] = {}
    for city, seen in printed.items():
        known = gazetteer.prefectures_of(city)
        names = [p for p, _ in seen]
        distinct = sorted(set(names), key=names.index)
        agreeing = [p for p in distinct if p in known]
        if len(agreeing) == 1:
            choice = agreeing[0]
        elif not distinct and len(known) == 1:
            choice = known[0]
        elif distinct:
            choice = Counter(names).most_common(1)[0][0]
        else:
            choice = ""
        settled[city] = choice
        first_line = min(b.line for b in walk.blocks if b.city == city)
        if not distinct and choice:
            walk.note(first_line, "prefecture-filled", f"{city}: no prefecture printed; filled in {choice}")
        elif not choice:
            walk.note(first_line, "prefecture-unknown", f"{city}: no prefecture printed and the gazetteer cannot tell")
        for p, line in seen:
            if p != choice:
                why = "the gazetteer places it in" if choice in known else "elsewhere the document says"
                walk.note(line, "prefecture-conflict", f"{city} printed under {p}; {why} {choice}; kept {choice}")
        if distinct and known and choice not in known:
            walk.note(seen[0][1], "prefecture-unverified", f"{city}: printed {choice}, but the gazetteer lists {'/'.join(known)}")
    return [replace(r, prefecture=settled.get(r.city) or r.prefecture) for r in walk.records]
