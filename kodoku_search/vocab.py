"""User-editable vocabulary: synonyms, intent words and opposites, read from plain CSV files.

The files live in the corpus directory (``synonyms.csv``, ``intents.csv``,
``opposites.csv``) so a
user's edits travel with their corpus. They are applied when a query is read,
so editing them needs no rebuild; each file is re-read when it changes.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError

SYNONYMS_FILE = "synonyms.csv"
INTENTS_FILE = "intents.csv"
OPPOSITES_FILE = "opposites.csv"
INTENT_KEYS = {"hard": "polarity", "good": "polarity", "platform": "theme", "general": "theme"}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().lower()


# A word of kanji with okurigana of a kana or two between and after them (話し合い, 呼び掛ける).
# (Patterns, compiled by re's cache on first use: not on every cold search's import.)
_OKURIGANA = "[\u4e00-\u9fff\u3005]+(?:[\u3041-\u3096]{1,2}[\u4e00-\u9fff\u3005]+)*[\u3041-\u3096]{0,2}"
_HIRAGANA = "[\u3041-\u3096]+"


def _okurigana_free(word: str) -> str:
    """A word of two kanji or more with the hiragana between and after them left out (話し合い:
    話合), or "" for any other (a word of one kanji, 生きる and 生かす, is two words so; the
    づくり of 地域づくり is a word, not okurigana)."""
    if not re.fullmatch(_OKURIGANA, word):
        return ""
    bare = re.sub(_HIRAGANA, "", word)
    return bare if len(bare) >= 2 else ""


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        # (Saved as Shift_JIS, it said only "'utf-8' codec can't decode byte 0x8c": the stop-41 review.)
        raise CorpusError([f"{path}: cannot read: not UTF-8 text; save it as UTF-8 (Excel: \"CSV UTF-8\")"]) from None
    except OSError as e:
        raise CorpusError([f"{path}: cannot read: {e.strerror or e}"]) from None
    out = []
    # Row by row, each line on its own: a stray quote ("協力,連携 without its closing one) took
    # the next line into its row, silently (協力 → 「連携\nハブ」, and ハブ lost its group: the
    # stop-43 review). No entry spans lines, and none has a quote in it.
    # (Lines end in \n, \r\n or \r; not as splitlines ends them: U+2028 is no row's end.)
    for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        row = [c.replace('"', "") for c in next(csv.reader([line]), [])]
        # A row typed with the IME on separates its words with 、 or ，: read them as commas
        # (no entry is a phrase with a comma in it); the row was one word before, silently.
        # So is a row quoted whole ("縦割り,セクショナリズム", as a spreadsheet may save it).
        cells = [c.strip() for cell in row for c in re.split("[、，,]", cell) if c.strip()]
        if cells and not cells[0].startswith("#"):
            out.append((n, cells))
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Synonym groups and intent cue words."""

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # folded word → the others of its groups (_Groups)
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # intent → folded cue words
    opposites: dict[str, frozenset[str]] = field(default_factory=dict)  # folded word → its opposites (meaning.py)
    written: dict[str, str] = field(default_factory=dict)  # folded word → as the file writes it (NPO法人, PF)

    def alternatives(self, word: str) -> tuple[str, ...]:
        """The word's group, as the file writes it or with its okurigana written otherwise:
        話合い (the official style) is 話し合い's, 立上げ 立ち上げ's (both 話合, 立上)."""
        key = _fold(word)
        found = self.synonyms.get(key)
        if found is not None:
            return found
        bare = _okurigana_free(key)
        if not bare or bare == key:  # (a word of kanji alone is itself: 地域 is not 地域づくり)
            return ()
        table = self.__dict__.get("_bare")
        if table is None:
            table = {}
            for k in self.synonyms:
                b = _okurigana_free(k)
                if b and b != k:
                    table.setdefault(b, k)
            object.__setattr__(self, "_bare", table)
        entry = table.get(bare)
        return (entry, *(x for x in self.synonyms[entry] if x != key)) if entry else ()

    def written_for_reading(self, kana: str) -> str | None:
        """The entry (as the file writes it, in kanji) read as ``kana`` in hiragana: しゃきょう is
        社協, こどくし 孤独死, words the corpus never says and so has no spelling of. None where
        no entry, or two that differ, read so. (Readings by Janome, once, on first need.)"""
        table = self.__dict__.get("_readings")
        if table is None:
            from .analysis import _is_kanji, morphs

            table = {}
            for key in self.synonyms:
                word = self.as_written(key)
                if not any(_is_kanji(c) for c in word):
                    continue
                ms = morphs(word)
                if not ms or not all(m.reading for m in ms):
                    continue
                said = "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c
                               for c in "".join(m.reading for m in ms))
                table[said] = word if table.get(said, word) == word else ""
            object.__setattr__(self, "_readings", table)
        return table.get(kana) or None

    def as_written(self, word: str) -> str:
        """A folded entry as the file writes it, for saying how a query was read."""
        return self.written.get(word, word)

    def phrase_keys(self) -> tuple[str, ...]:
        """Entries of two or more characters, looked for anywhere in a query."""
        keys = self.__dict__.get("_keys")
        if keys is None:
            keys = tuple(k for k in self.synonyms if len(k) >= 2)
            object.__setattr__(self, "_keys", keys)
        return keys

    def read_intent(self, query: str) -> dict[str, tuple[str, list[str]]]:
        """{"polarity": ("hard", cues), "theme": ("platform", cues)} for what the query asks.

        A cue is found as typed, or inflected: its words' base forms in a row in the
        query's (うまくいかない finds うまくいかなかった and うまくいきませんでした).
        Where cues of both sides occur, the last one wins: a Japanese sentence says
        what it means at its end (「周知はできたがその先に進めない」 is a complaint).
        A query whose last predicate is a negated verb (分からない, 進めない,
        動いてくれない) reads as a complaint too, when no later cue says otherwise."""
        from bisect import bisect_left

        from .analysis import normalize

        said_so = _RHETORICAL_END.search(query)
        if said_so and said_so.start():
            # 理解が深まったのではないか says it did, 意味がないのではないか that there is none:
            # read as what comes before (the ない is no negation of it; the stop-40 review).
            return self.read_intent(query[:said_so.start()])
        # q is matched against the cues; ``where`` takes its offsets back to the query's,
        # which Janome's words are in (NFKC changes lengths: ｶﾞ, …, ㈱).
        q, where = normalize(query)
        found: dict[str, tuple[str, list[str], int]] = {}
        said = None

        def lemmas():
            nonlocal said
            if said is None:
                said = _lemmas(query)  # (as read_query already tokenized it: cached)
            return said

        def consider(intent: str, hit: dict[str, int]) -> None:
            kind = INTENT_KEYS[intent]
            last = max(hit.values())
            if kind in found and (found[kind][2], len(found[kind][1])) >= (last, len(hit)):
                return
            found[kind] = (intent, list(hit), last)

        # A good word negated is a complaint: 成功しなかった事例, 喜ばれない取組.
        unsaid: dict[str, int] = {}
        eased: dict[str, int] = {}
        worsened: dict[str, int] = {}
        spans: dict[str, list[tuple[int, int]]] = {}  # (where each side's cues were found)
        for intent, cues in self.intents.items():
            hit: dict[str, int] = {}
            good = intent == "good"
            for c in cues:
                at = q.rfind(c)
                if at >= 0:
                    if (_describes_someone(q, at + len(c)) or _not_the_points(q, at, c)
                            or _heads_a_compound(q, at, c)):
                        continue
                    start, end = where[at], where[at + len(c)]
                # Inflection changes a word's ending, never its first character: only
                # cues whose first character the query has are worth analysing.
                # (A cue in hiragana keeps its first two: くれた, くれない; いい点, いいところ.
                # Analysing every cue that starts with い or し cost a cold search ~5 ms: stop 40.)
                elif (c[:2] if _HIRAGANA_PAIR.fullmatch(c[:2]) else c[:1]) in q:
                    span = self._inflected(lemmas(), c)
                    if span is None or _describes_someone(q, bisect_left(where, span[1])):
                        continue
                    start, end = span
                else:
                    continue
                neg = -1 if good and _RHETORICAL.match(query, end) else _negation_after(lemmas, end, good)
                if neg >= 0:
                    # (An ill that did not grow is no complaint: 孤立が深まらなかった, 不安は広がって
                    # いない; the stop-40 review read them hard.)
                    if good and (self._turned(lemmas(), start, end, intent) or ("",))[0] != "hard":
                        unsaid[_fold(query[start:neg])] = neg
                    continue
                # What is said of a hard thing, or which thing a cue is said of, can turn it
                # round: 負担が減った went well, 負担が増えた did not (the stop-39 review).
                if good and _supposed(query, end):
                    continue  # (連携が進んだら, 参加が増えてほしい: what may be, not what was)
                turned = self._turned(lemmas(), start, end, intent)
                if turned is None:
                    hit[c] = end
                    spans.setdefault(intent, []).append((start, end))
                elif turned:
                    side, at = turned
                    (eased if side == "good" else worsened)[_fold(query[start:at])] = at
            if hit:
                consider(intent, hit)
        if any(m.base in _LESS or m.base in _HAPPEN or m.base in _DECLINE or m.base in _BECOME for m in lemmas()):
            for side, begin, at in self._said_of_synonyms(lemmas()):
                (eased if side == "good" else worsened)[_fold(query[begin:at])] = at
        for side, turned_hits in (("good", eased), ("hard", worsened)):
            if turned_hits:
                consider(side, turned_hits)
        if unsaid:
            consider(NEGATION_INTENT, unsaid)
        neg = _final_negation(lemmas()) if any(c in q for c in "なんぬず") else None
        if neg and not self._negates_a_complaint(lemmas(), neg[1]):
            consider(NEGATION_INTENT, {_fold(query[neg[0]:neg[1]]): neg[1]})
        if "polarity" in found and _both_sides(query, spans):
            del found["polarity"]  # (良かったことと苦労したこと, 成果と課題: both asked for, neither first)
        return {k: (intent, cues) for k, (intent, cues, _) in found.items()}

    def side_named(self, kind: str, value: str) -> str | None:
        """The side or theme (``kind``: "polarity" or "theme") a filter value names in words, as
        a query says it (大変だった: hard; 地方版官民連携プラットフォーム: platform), or None. A
        filter hides what it does not name, so only a value that is its cue words and nothing
        more: "very" before them, an ending after (こと, 点, だった, です). Anything else may
        turn them round, and did, one way of saying it after another (the reviews of stop 38:
        プラットフォーム以外, 課題無し, 成果ナシ, 成果が乏しい, 負担が減った, もっと早く始めれば
        よかった, 大変良い, not PF, helpful): refused, the value says which words are valid."""
        from .analysis import normalize

        try:
            value.encode("utf-8")  # (bytes that were not UTF-8 arrive as lone surrogates: no side)
        except UnicodeError:
            return None
        read = self.read_intent(value).get(kind)
        if not read:
            return None
        side, cues = read
        if not all(c in self.intents[side] for c in cues):
            return None  # (a negation read as a complaint, not a cue: 成功せず)
        q, where = normalize(value)
        said = _lemmas(value)
        if _REGRET.search(q):
            return None  # (もっと早く始めればよかった, できたらよかった: what should have been, not what was)
        spans: list[tuple[int, int]] = []
        for c in cues:  # (where read_intent found each: as typed, or inflected)
            at = q.rfind(c)
            span = (where[at], where[at + len(c)]) if at >= 0 else self._inflected(said, c)
            if span is None:
                return None
            spans.append(span)
        first, end = min(a for a, _ in spans), max(b for _, b in spans)
        head = _VERY | (_THEME_NAMES if kind == "theme" else frozenset())
        tail = _ENDINGS | (_THEME_NAMES | _THEME_ENDINGS if kind == "theme" else frozenset())
        for m in said:
            inside = [(a, b) for a, b in spans if a < m.end and m.start < b]
            if inside and not any(a <= m.start and m.end <= b for a, b in inside):
                return None  # (a word the cue is only part of: the pf of helpful, the 大変 of 大変革)
            if inside or not m.base.strip() or (m.base in _PUNCTUATION and (m.start >= first or m.base == "・")):
                continue  # (the cue itself, spaces, punctuation after it; not ×, 🚫, - or a ! before it)
            if m.base not in (head if m.end <= first else tail if m.start >= end else head | tail):
                return None
        return side

    def _turned(self, said, start: int, end: int, intent: str) -> tuple[str, int] | tuple[()] | None:
        """The side a polarity cue at ``start``–``end`` really says, where the words around it
        turn it round: (side, where it ends); () for none; None where nothing turns it.
        A hard thing lessened went well, where that is what the query ends by saying
        (負担が減った, 苦労が少なかった, 負担を軽減できた事例: they read hard); said of what may
        be, or going on into another clause, it says neither (負担を減らすには, 負担が減ったら,
        負担を減らしたら参加者が減った); asked or undercut, it is as it was (負担が減るか心配,
        負担が減ったのに: _told). A thing that grows, said of a hard
        one, is a complaint (負担が増えた, 手間がさらに増えた read good), and one that does not
        grow is none (負担が増えなかった). Worries shared are no complaint (悩みを共有できる場)."""
        if intent not in ("hard", "good"):
            return None
        first = next((i for i, m in enumerate(said) if m.start == start), -1)
        last = next((i for i, m in enumerate(said) if m.end == end), -1)
        if first < 0 or last < 0:
            return None
        # What should have been: もっと早く始めればよかった, 相談できたらよかった, 早めに始めた
        # ほうがよかった, 人手が十分ならよかった (a regret, read good); not 使ってみたら良かった
        # (tried, and it was good: the second stop-39 review).
        if intent == "good" and said[first].base in ("よい", "良い", "いい") and first > 0 and _regret(said, first):
            return ("hard", end)
        # Easier or harder said of an ill turns round: 孤立しやすくなった, 誤解されやすくなった are
        # complaints, 孤立しにくくなった went well (a goal, 孤立しにくい地域づくり, neither): stop 40.
        if said[first].base in ("やすい", "にくい") and intent == ("good" if said[first].base == "やすい" else "hard"):
            k = first - 1
            while k >= 0 and said[k].pos.startswith(("動詞", "助動詞")):
                k -= 1
            if k >= 0 and said[k].base in ("が", "を", "に", "は", "も"):
                k -= 1
            if k >= 0 and said[k].pos.startswith("名詞") and (self._names_a_complaint(said[k].base) or _ill(said, k)):
                if intent == "good":
                    return ("hard", end)
                return ("good", end) if any(m.base == "た" for m in said[last + 1:]) else ()
            return None
        # Said of a hard thing: 負担が増えた, 手間が大幅に増えた, 負担増えた, 手間が増えなかった;
        # or of an ill: 孤立が深まった, 高齢化が進んだ, 不安が広がった, 孤立につながった (stop 40).
        if said[first].pos.startswith(("動詞", "名詞,サ変")) and said[first].base in _GROW:
            # (孤独につながった: its に is no adverb's, as 大幅に is.)
            k = first - 1 if said[first].base in _LEAD and first > 0 and said[first - 1].base == "に" else (
                _skip_adverbs(said, first - 1, -1))
            if k >= 0 and said[k].base in ("ばかり", "だけ"):
                k -= 1  # (負担ばかり増えた)
            if k >= 0 and (said[k].base in ("が", "は", "も") or said[k].base == "に" and said[first].base in _LEAD
                           or said[k].base == "を" and said[first].base in _GIVEN):
                k -= 1
            if k >= 0 and said[k].pos.startswith("名詞") and (self._names_a_complaint(said[k].base) or _ill(said, k)):
                return ("hard", end) if intent == "good" else ()
            return None
        if not (intent == "hard" and first == last and said[first].pos.startswith("名詞")):
            return None
        # A hard thing lessened: 負担が減った, 苦労が少なかった, 課題が解消された, 負担がかなり減った.
        j = last + 1
        particle = j < len(said) and said[j].base in _SUBJECT
        if particle:
            if said[j].base == "を" and j + 1 < len(said) and said[j + 1].base in _SHARED:
                # (悩みを共有できる場, 悩みを話せる場: where worries are shared, no complaint; asked
                # to be shared, 苦労を聞かせてください, 課題を共有してほしい, they are what is asked for.)
                # (On the verb itself: 悩みを吐き出せる場がほしい wants the place.)
                for m in said[j + 2:]:
                    if m.base in _PLEASE or m.base == "たい" and said[j + 1].base in ("聞く", "聞ける"):
                        return None
                    if m.pos.startswith("名詞"):
                        break
                return ()
            j += 1
        j = _skip_adverbs(said, j, 1)
        if j >= len(said) or said[j].base not in _LESS or not (particle or said[j].pos.startswith(("動詞", "形容詞"))):
            return None
        told = _told(said, j)
        if told is None:
            return None  # (負担が減らなかった, 負担は減りましたか, 負担を減らせるか不安: as it was)
        return ("good", told) if told else ()

    def _said_of_synonyms(self, said) -> list[tuple[str, int, int]]:
        """(side, start, end) for what is said of a word that names a hard thing only as the
        synonym of a cue (手間: 負担, 問題: 課題): lessened it went well (手間が減った, 問題が
        解決した), come about it did not (手間がかかった, 問題が起きた); they read as no side."""
        out: list[tuple[str, int, int]] = []
        hard = self.intents.get(NEGATION_INTENT, ())
        for i, m in enumerate(said[:-1]):
            if (m.pos.startswith("名詞") and said[i + 1].base in _BECOME and said[i + 1].pos.startswith("動詞")
                    and _ill(said, i, _PROCESSES)):
                # (An ill come about: PFが形骸化した, 職員が疲弊している, 関係が悪化した; or feared,
                # 当事者が混乱してしまう, 形骸化しちゃう. Stop 40.)
                told = _told_or_asked(said, i + 1)
                if told == 0 and any(x.base in ("しまう", "ちゃう", "じゃう") for x in said[i + 1:i + 5]):
                    told = said[-1].end
                if told:
                    out.append(("hard", said[_compound_start(said, i)].start, told))
                continue
            if i + 2 >= len(said) or not m.pos.startswith("名詞") or said[i + 1].base not in _SUBJECT or m.base in hard:
                continue
            j = _skip_adverbs(said, i + 2, 1)
            if j >= len(said) or not (said[j].base in _LESS or said[j].base in _HAPPEN or said[j].base in _DECLINE):
                continue
            start = _compound_start(said, i)
            if self._names_a_complaint(m.base) or _ill(said, i):
                # (An ill lessened went well, come about it did not: 孤独感が和らいだ, 縦割りが解消
                # された, 抵抗感が薄れた; 不安が生じた. Stop 40.)
                if said[j].base in _HAPPEN or said[j].base in _LESS or said[j].base in _DECLINE_OF_ILL:
                    told = _told(said, j)
                    if told:
                        out.append(("hard" if said[j].base in _HAPPEN else "good", said[start].start, told))
                continue
            if said[j].base in _DECLINE and said[i + 1].base != "を" and m.base not in _COSTS:
                # What went well, lessened, is a complaint: 参加者が減った, 関心が薄れた, 認知度が
                # 低い, つながりが途切れた (stop 40; read as no side).
                told = _told_or_asked(said, j) if said[j].pos.startswith(("動詞", "名詞")) else _stated(said, j)
                if told:
                    out.append(("hard", said[start].start, told))
        return out

    def _names_a_complaint(self, base: str) -> bool:
        """Whether a word asks for the hard side by itself, as a cue (苦労, 負担) or as the
        synonym of one (問題, 手間, 難航). (Only the cues that start as the word does are
        analysed: Janome on each cue costs a cold search time.)"""
        cues = self.intents.get(NEGATION_INTENT, ())
        return (any(c[:1] == base[:1] and len(ls := self._cue_lemmas(c)) == 1 and ls[0].base == base
                    for c in cues)
                or any(a in cues for a in self.alternatives(base)))

    def _negates_a_complaint(self, said, end: int) -> bool:
        """Whether the negation ending at ``end`` negates a word that asks for the hard side
        itself: 難しくなかった, 大変ではなかった, 苦労はなかった, 困っていない say it was not
        hard (the stop-37 review: they read as asking for 苦労したこと). Asked, it asks for
        it: 苦労しませんでしたか, 課題はなかったですか (the stop-38 review)."""
        nai = [i for i, m in enumerate(said) if m.base == "ない" and m.start < end]
        if not nai:
            return False
        before = [m for m in said[:nai[-1]]
                  if m.base not in _BEFORE_NEGATION and m.base not in _AT_ALL and m.base != "の"
                  and not m.pos.startswith("副詞")]
        if _asked(said, nai[-1]):
            # Whether there is any of a thing people ask to be given asks for the thing: 参考に
            # なる事例はありませんか, 良い方法はないでしょうか, 協力者はいませんか (they read as
            # complaints). Not of anything else (トラブルはありませんか, 成果はないのか), nor why
            # there is none (なぜ予算がないのか): the stop-39 review.
            while before and (before[-1].base in _BE or before[-1].base in ("いる", "って", "もの", "など", "とか", "等")):
                before.pop()  # (方法ってない？, 方法はないものか, 事例などはありませんか)
            return bool(before and before[-1].pos.startswith("名詞") and before[-1].base in _ASKED_FOR
                        and not any(m.base in _WHY for m in said))
        # 苦労しなかった, 苦戦しませんでした: it was not; (苦労しない at the end is left a
        # complaint: how not to is what it asks.) 問題はありません is 問題はない. And 苦労した
        # ことはなかった, 困ることはありません: it never was (they read as complaints).
        if before and before[-1].base in _BE:
            before.pop()
        never = (len(before) > 1 and before[-1].base in _NEVER_NOUNS
                 and before[-2].pos.startswith(("動詞", "助動詞", "形容詞", "名詞,形容動詞語幹")))  # (not 反省点's 点)
        if never:
            before.pop()
            if before[-1].base == "た":
                before.pop()
        if before and before[-1].base in _DO and (never or _past(said, nai[-1])):
            before.pop()  # (苦労したことはない: した says it never was, whatever the tense of ない)
        # A hard thing that did not come about: 手間がかからなかった, 問題は起きなかった,
        # 問題は発生しませんでした (they read as complaints).
        if len(before) > 1 and before[-1].base in _OCCUR and (never or _past(said, nai[-1])):
            if before[-1].base == "かかる" and before[-2].base in _COSTS:
                return True  # (費用がかからなかった, 時間はかからなかった)
            before.pop()
            if len(before) > 1 and before[-1].base in ("を", "に"):
                before.pop()  # (負担を感じなかった, 負担に感じることはなかった, 負担にならなかった)
        # What went well that did not lessen, an ill that did not come about or grow: 参加者が減ら
        # なかった, 関心は薄れていない, 形骸化しなかった, 孤立を生まない (the stop-40 review: hard).
        if before and (before[-1].base in _DECLINE or before[-1].base in _GROW or before[-1].base in _BECOME
                       or before[-1].base in ("生む", "生じる", "招く", "陥る")):
            k = len(before) - 2
            if k >= 0 and before[k].base in ("が", "は", "も", "を", "に"):
                k -= 1
            if k >= 0 and before[k].pos.startswith("名詞"):
                at = said.index(before[k])
                ill = self._names_a_complaint(before[k].base) or _ill(said, at)
                if before[-1].base in _DECLINE:
                    return not ill and before[k].base not in _COSTS
                if before[-1].base in _BECOME:
                    return before[k + 1].base in _BECOME and ill
                return ill
        if before and before[-1].pos.startswith("名詞"):
            at = said.index(before[-1])  # (形骸化しなかった, 疲弊していない: する was taken off above)
            if at + 1 < len(said) and said[at + 1].base in _BECOME and _ill(said, at):
                return True
        # A word whose synonyms are such a cue counts as one: 問題なかった, 手間はない, 難航しなかった.
        return bool(before) and (self._names_a_complaint(before[-1].base) or len(before) > 1 and (
            before[-2].base + before[-1].base) in self.intents.get(NEGATION_INTENT, ()))  # (反省点は特にない)

    def _inflected(self, said: tuple["_Lemma", ...], cue: str) -> tuple[int, int] | None:
        """Where ``cue``'s words stand inflected in ``said`` (the last time), or None:
        うまくいかない in うまくいきませんでした."""
        ls = self._cue_lemmas(cue)
        end = _find(said, ls)
        if end < 0:
            return None
        last = next(i for i, m in enumerate(said) if m.end == end)
        return said[last - len(ls) + 1].start, end

    def _cue_lemmas(self, cue: str) -> tuple["_Lemma", ...]:
        cache = self.__dict__.get("_cue_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_cue_cache", cache)
        if cue not in cache:
            cache[cue] = _lemmas(cue)
        return cache[cue]


# What a filter value said in words may have besides its cue words (Vocabulary.side_named):
# "very" before them (大変良かった, 非常に苦労した), an ending after them (苦労したこと, 良かった点,
# 大変だったです); for a theme, its own name's words (地方版官民連携プラットフォーム, PFの立ち上げ).
_VERY = frozenset(("大変", "たいへん", "とても", "非常", "に", "すごい", "すごく", "本当", "特に", "一番", "最も"))
_ENDINGS = frozenset(("た", "だ", "です", "ます", "する", "いる", "ある", "て", "の", "こと", "事", "点", "ところ", "所",
                      "もの", "物", "話", "例", "事例", "面", "さ", "とき", "時", "場合", "集", "一覧", "など", "等"))
_THEME_NAMES = frozenset(("地方", "版", "官民", "連携", "孤独", "孤立", "対策"))
_PUNCTUATION = frozenset("、。，．,.・!！…‥「」『』()（）")
_REGRET = re.compile(r"(ば|たら|なきゃ|なけりゃ)(よ|良)かっ")
_THEME_ENDINGS = frozenset(("設置", "取組", "取り組み", "運営", "立ち上げる", "立上げ"))


# A cue that goes on into a person describes who, not how it went: 困っている人,
# 悩んでる方 are the people this work is for, not a complaint about it.
_PERSON_AFTER = re.compile(r"(て|で|っ)?(て|で)?(い)?(る|た)?(人|方|者)(?![\u3005\u4e00-\u9fff])")  # not 人間, 方法


def _describes_someone(q: str, end: int) -> bool:
    return _PERSON_AFTER.match(q, end) is not None


# Between a cue and the ない that negates it: 好評ではなかった, 助かっていない, 成果がない,
# 苦労もなく. Not する: 失敗しない, 苦労しないで are how to avoid it, and ask for it (the
# fourth stop-37 review: 失敗しないコツ found nothing).
_BEFORE_NEGATION = frozenset(("で", "だ", "は", "じゃ", "て", "いる", "てる", "も", "が"))  # (だ: the で of 大変ではない)


_DO = frozenset(("する", "いたす"))
_BE = frozenset(("ある", "ござる"))
_SUBJECT = frozenset(("が", "は", "も", "を"))
# What a hard thing may be said to come about by (負担がかかる, 問題が起きる, 苦労を感じる): not
# come about, it is no complaint (手間がかからなかった, トラブルは起きなかった).
_OCCUR = frozenset(("かかる", "起きる", "起こる", "生じる", "発生", "出る", "増える", "生まれる", "感じる",
                    "大きい", "多い", "重い", "なる"))
# What may be spent: not spent, it is no complaint (費用がかからなかった, 時間はかからなかった).
_COSTS = frozenset(("費用", "お金", "金", "時間", "コスト", "経費", "予算", "労力", "人手"))
# What a hard thing comes about by, said of one named by a synonym (手間がかかった, 問題が起きた).
_HAPPEN = frozenset(("かかる", "起きる", "起こる", "生じる", "発生", "出る"))
# What grows (負担が増えた, 手間が広がった, 課題ができた: said of a hard thing, a complaint; 理解が
# 深まった, 連携が進んだ, 意識が高まった: said of anything else, it went well).
_GROW = frozenset(("増える", "広がる", "生まれる", "できる", "出来る", "増す", "深まる", "高まる", "強まる", "広まる",
                   "進む", "強化", "向上", "浸透", "定着", "つながる", "繋がる", "得る", "築く", "築ける", "増加",
                   "いただける", "頂ける"))
# What is given, said of what is received (批判をいただけた, 苦情を得た: a complaint).
_GIVEN = frozenset(("得る", "いただける", "頂ける"))
# What a thing leads to (孤立につながった, 相談につながった): said of an ill, a complaint.
_LEAD = frozenset(("つながる", "繋がる"))
# Ills: what a thing may grow into or lessen by, not a complaint asked for by itself (孤立が
# 深まった, 高齢化が進んだ, 不安が広がった: hard; 孤独感が和らいだ, 縦割りが解消された, 温度差が
# 縮まった: good). Matched as the compound before the particle or its end (担い手の高齢化).
_ILLS = frozenset(("孤立", "孤独", "孤独感", "孤立感", "孤立化", "孤立死", "孤独死", "高齢化", "希薄化", "形骸化",
                   "マンネリ化", "固定化", "長期化", "深刻化", "複雑化", "重度化", "潜在化", "硬直化", "悪化", "不安",
                   "不安感", "分断", "溝", "縦割り", "不信", "不信感", "反発", "疲弊", "温度差", "戸惑い", "弊害",
                   "業務量", "負担感", "格差", "偏見", "誤解", "抵抗", "抵抗感", "壁", "垣根", "ハードル", "混乱",
                   "困惑", "自殺", "ひきこもり", "引きこもり", "不満", "批判", "苦情", "閉塞感", "孤独・孤立", "リスク",
                   "残業", "不足", "人手不足", "空白", "重複", "無関心", "差", "隔たり", "ずれ", "ズレ", "トラブル",
                   "事故", "摩擦", "対立", "衝突", "ミス", "孤立状態", "業務", "仕事", "事務作業", "作業量", "離職",
                   "離職者", "離職率", "退会", "不登校", "生活困窮者", "困窮", "空き家", "貧困", "ストレス", "過疎化",
                   "少子化", "人口減少", "核家族化", "単身化", "属人化", "縦割り化", "空洞化", "負担増", "停滞", "頓挫",
                   "敷居", "慣行", "悪循環"))
# Who a clause before them describes (孤独を感じる人, 孤立する高齢者): an ill if it names one.
_PEOPLE = frozenset(("人", "方", "者", "人々", "世帯", "高齢者", "若者", "住民", "人数", "数"))
# What an ill comes about by, said as a verb (形骸化した, 疲弊している), and the ills that are
# a process so said (not 孤立した人: who, not how it went).
_BECOME = frozenset(("する", "なる", "させる", "しまう"))
_PROCESSES = frozenset(("高齢化", "希薄化", "形骸化", "マンネリ化", "固定化", "長期化", "深刻化", "複雑化", "重度化",
                        "潜在化", "硬直化", "悪化", "疲弊", "困惑", "混乱", "孤立化", "過疎化", "少子化", "核家族化",
                        "単身化", "属人化", "縦割り化", "空洞化", "停滞", "頓挫"))
# What a thing that went well lessens by (参加者が減った, 関心が薄れた, 認知度が低い: a complaint).
_DECLINE = frozenset(("減る", "減少", "薄れる", "弱まる", "低下", "下がる", "途切れる", "途絶える", "崩れる", "離れる",
                      "しぼむ", "衰える", "低い", "薄い", "少ない", "乏しい", "鈍い", "冷める", "激減", "半減"))
# Of those, what lessens an ill too (抵抗感が薄れた, ハードルが下がった, 温度差が縮まった).
_DECLINE_OF_ILL = frozenset(("薄れる", "弱まる", "低下", "下がる", "縮まる", "低い", "解ける", "消える"))
# How much, or at all, between a thing and what is said of it (困ったことは一度もなかった,
# 苦労した点は特にない, 負担がかなり減った).
_AT_ALL = frozenset(("一度", "一", "度", "何", "全く", "特に", "別に", "さほど", "それほど", "あまり", "ほとんど",
                     "さらに", "かなり", "だいぶ", "どんどん", "少し"))
# What people ask to be given, asked whether there is any (参考になる事例はありませんか):
# the thing, not a complaint.
_ASKED_FOR = frozenset(("事例", "例", "方法", "やり方", "進め方", "手法", "資料", "情報", "ヒント", "コツ", "アイデア",
                        "アイディア", "工夫", "手段", "知恵", "取組", "取り組み", "仕組み", "窓口", "場", "機会",
                        "ツール", "参考", "人", "人材", "協力者", "担い手", "団体", "相手", "専門家", "仲間", "好事例",
                        "先進事例", "成功事例", "モデル", "マニュアル", "ノウハウ", "支援", "制度", "補助", "補助金",
                        "助成", "助成金", "連携先", "相談先", "者", "金", "策", "先", "予算", "会場", "講師", "企業",
                        "居場所", "場所", "講座", "研修", "アドバイス", "助言"))
_WHY = frozenset(("なぜ", "何故", "どうして", "なんで", "何で"))
# After a lessened hard thing, what still asks for it (負担が減った事例を知りたい).
_ASKING = frozenset(("知る", "教える", "聞く", "見る", "探す", "たい", "ほしい", "欲しい", "です", "だ", "する", "いる",
                     "ある", "感じる", "実感", "た", "くださる", "下さる", "らしい", "言える", "思う", "なる", "続ける",
                     "やすい", "られる", "れる", "ます", "いう", "言う", "する", "できる"))
# What lessens a hard thing (負担が減った, 苦労が少なかった, 負担を軽減した, 課題が解消された),
# and the endings it may go on with before its tense (軽く+なった, 解消+さ+れ+た, 減ら+せ+た).
_LESS = frozenset(("減る", "減らす", "減らせる", "少ない", "軽減", "減少", "解消", "解決", "なくなる", "無くなる",
                   "軽い", "小さい", "和らぐ", "緩和", "改善", "下がる", "半減", "削減", "低減", "抑える", "抑えられる",
                   "克服", "乗り越える", "乗り越えられる", "分散", "省く", "省ける"))
# What is done with a hard thing by those who share it: 悩みを共有できる場, 悩みを打ち明けられる場
# are a good thing to have (they read as asking for 苦労したこと: stop 39's blind203-27).
_SHARED = frozenset(("共有", "話す", "話せる", "聞く", "聞ける", "相談", "打ち明ける", "吐き出す", "吐き出せる",
                     "受け止める", "語る", "語れる", "語り合う", "話し合う", "出し合う", "聞き合う", "分かち合う"))
_PLEASE = frozenset(("くださる", "下さる", "ほしい", "欲しい", "もらう", "いただく", "頂く", "願う", "頂戴"))
_LESS_ENDINGS = frozenset(("する", "できる", "れる", "られる", "せる", "なる", "て", "で", "いる", "てる", "くる", "いく", "た",
                           "だ", "ない", "済む", "つつ", "ある", "もらう", "いただく", "しまう", "ちゃう", "じゃう", "ちまう"))


def _past(said, i: int) -> bool:
    """Whether the negation at ``said[i]`` says how it went (苦労しなかった, 苦労していない),
    not how to avoid it (苦労しない)."""
    return i + 1 < len(said) and said[i + 1].base == "た" or i > 0 and said[i - 1].base in ("いる", "てる")


def _asked(said, i: int) -> bool:
    """Whether the negation at ``said[i]`` is asked, not said: 課題がないか,
    苦労しなかったですか, 問題はなかったのでしょうか, 難航しませんでしたか？"""
    j = i + 1
    while j < len(said) and said[j].base in ("た", "の", "ん", "う", "だ", "もの"):
        j += 1
    return j < len(said) and (said[j].base in ("か", "かな", "かしら") or _is_mark(said[j], "?"))


def _next_negation(said, i: int) -> int:
    """The ない that the word at ``said[i]`` goes on into (past て, いる, 特に…), or -1."""
    for j in range(i + 1, len(said)):
        if said[j].base == "ない":
            return j
        if said[j].base not in _BEFORE_NEGATION and not said[j].pos.startswith("副詞") and said[j].base not in _AT_ALL:
            return -1
    return -1


def _regret(said, first: int) -> bool:
    """Whether the よい at ``said[first]`` follows a condition (…ば, …たら, …なら, …ほうが, …きゃ):
    what should have been."""
    b = said[first - 1]
    if b.base == "ば":
        return True
    if b.base == "ない" and b.pos.startswith("助動詞") and b.end - b.start >= 3:
        return True  # (やらなきゃ, やらなけりゃ: なければ said short; ない itself is two)
    if b.base in ("た", "だ") and b.end - b.start == 2:  # (たら, だら, なら)
        return not (first > 1 and said[first - 2].base == "みる")  # (使ってみたら良かった: it was)
    return b.base == "が" and first > 1 and said[first - 2].base in ("ほう", "方")


def _told(said, j: int) -> int | None:
    """Where the predicate at ``said[j]`` ends, as the query's last word on it, done (減った, 和らいだ,
    減っている, 減った事例を知りたい); 0 where it is not done or goes on into another clause
    (減ったら, 減らす方法, 減らしたら参加者が減った); None where it is negated, asked or undercut
    (減らなかった, 減りましたか, 減らせるか不安, 減ったのに, 減るはずだった: as it was)."""
    k = j + 1
    while k < len(said) and said[k].base in _LESS_ENDINGS:
        k += 1
    after = said[j + 1:k]
    if any(m.base == "ない" for m in after):
        return None
    done = any(m.base in ("た", "だ") and m.end - m.start == 1 for m in after) or any(
        a.base in ("て", "で") and b.base in ("いる", "てる", "くる", "いく") for a, b in zip(after, after[1:]))
    rest = said[k:]
    if rest and (_is_mark(rest[0], "?") or rest[0].base == "か"
                 or rest[0].base in ("の", "ん") and rest[1:2] and rest[1].base == "か"):
        return None
    past = any(m.base == "た" for m in rest)
    if past and any(m.base in _UNDERCUT for m in rest):
        return None  # (減るはずだった, 減らすべきだった: what should have been)
    if not done or any(m.base in ("ら", "ば") for m in rest):
        return 0  # (減らすには, 減ったら, 減ればいいのに)
    # Undercut: 減ったのに, 減ったけど不満もある, 減った反面, 減ったのは最初だけ, 減ったと思っていた,
    # 減った。だが…: as it was, a complaint (the second stop-39 review). (Not a softener at the end:
    # 減った事例を知りたいのですが.)
    last = len(rest) - 1
    while last >= 0 and _is_mark(rest[last]):
        last -= 1
    if (any((i < last or m.base == "のに") and (m.pos.startswith(("接続詞", "助詞,接続助詞")) and m.base not in _SO
                                                or m.base in _BUT) for i, m in enumerate(rest))
            or rest and rest[0].base in ("の", "ん") and rest[1:2] and rest[1].base in ("は", "も")
            or rest and rest[0].base == "と" and past and any(m.base == "思う" for m in rest)
            and any(a.base in ("て", "で") and b.base == "いる" for a, b in zip(rest, rest[1:]))
            or any(_is_mark(m, "。") for m in rest[:last])):
        return None
    if rest and rest[last:last + 1] and rest[last].base in ("のに", "けど", "けれど", "が") and last == 0:
        return None  # (減ったのに, 減ったけど: said and left hanging)
    # (After it only what names its cases, 事例, 取組, or asks for them, 知りたい, 自治体はありますか;
    # not 減ったはずだ, a guess.)
    if any(m.pos.startswith(("動詞", "形容詞", "助動詞")) and m.base not in _ASKING or m.base in _UNDERCUT for m in rest):
        return 0
    return said[k - 1].end


# What it never was is said of (苦労したことはない, 困った経験はない, 苦労した覚えはない).
_NEVER_NOUNS = frozenset(("こと", "事", "点", "経験", "覚え", "記憶"))
_UNDERCUT = frozenset(("はず", "つもり", "べし", "べき"))  # (in the past: 減るはずだった, 減らすべきだった)
_BUT = frozenset(("反面", "半面", "一方", "だけ", "のみ", "束の間", "一時", "だが", "しかし"))
_SO = frozenset(("て", "で", "ので", "から", "し"))  # (a reason, or …を教えて: not a contrast)


def _is_mark(m, kind: str = "") -> bool:
    """Whether a word is punctuation (Janome calls ?? and !? nouns), of ``kind`` if given:
    "?" a question's mark, "。" a sentence's end."""
    marks = bool(m.base) and all(c in "?!？！…‥.。、，,・" for c in m.base)
    if kind == "?":
        return marks and ("?" in m.base or "？" in m.base)
    if kind == "。":
        return marks and any(c in "。!！" for c in m.base)
    return marks or m.pos.startswith("記号")


def _never(said, i: int) -> bool:
    """Whether ``said[i]`` is in a run (した)ことは/が/も + ない: it never was (苦労したことは
    なかった, 困ったことは一度もなかった, 苦労した点は特にありません, 負担に感じることはなかった)."""
    j = i
    while j < len(said) and (said[j].base in ("する", "た") or said[j].base in _OCCUR):
        j += 1
    if not (j + 1 < len(said) and said[j].base in _NEVER_NOUNS and said[j + 1].base in ("は", "が", "も")):
        return False
    j += 2
    while j < len(said) and (said[j].base in _AT_ALL or said[j].base in _BE or said[j].base in ("も", "は")
                             or said[j].pos.startswith("副詞")):
        j += 1
    return j < len(said) and said[j].base == "ない"


# Between two sides' cues, a list of both: 良かったことと苦労したこと, 良かった点・苦労した点, 成果と課題
# (the stop-40 user review: the last one won, and the good side was not on the page).
_LISTED = re.compile(r"(?:し|だっ|かっ|でき)?た?(?:(?:こと|点|ところ|もの|事|例|事例|面)(?:と|や|も|、|,|，|・|/|／|及び|および|並びに|ならびに|&|＆|\s)?"
                     r"|(?:と|や|、|,|，|・|/|／|及び|および|並びに|ならびに|&|＆|\s))\s*")


def _both_sides(query: str, spans: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether the query lists the good and the hard side side by side."""
    good, hard = spans.get("good"), spans.get("hard")
    if not good or not hard:
        return False
    for a, b in ((good, hard), (hard, good)):
        for _, end in a:
            for start, _ in b:
                if start >= end and _LISTED.fullmatch(query, end, start):
                    return True
    return False


def _compound_start(said, k: int) -> int:
    """Where the run of nouns ending at ``said[k]`` starts (高齢+化, 孤独+感, 担い手)."""
    i = k
    while i > 0 and said[i - 1].pos.startswith("名詞") and said[i - 1].end == said[i].start:
        i -= 1
    return i


def _ill(said, k: int, ills: frozenset[str] | None = None) -> bool:
    """Whether the noun run ending at ``said[k]`` names an ill (_ILLS): as a whole or by its end
    (民生委員の高齢化, 孤独感, つながりの希薄化)."""
    start = _compound_start(said, k)
    if any("".join(m.base for m in said[i:k + 1]) in (ills or _ILLS) for i in range(start, k + 1)):
        return True
    if ills is None and said[k].base in _PEOPLE and start > 0 and said[start - 1].pos.startswith(("動詞", "助動詞")):
        # (孤独を感じる人が増えた, 孤立する人が減った: the people an ill is said of.)
        j = start - 1
        while j >= 0 and said[j].pos.startswith(("動詞", "助動詞")):
            j -= 1
        if j >= 0 and said[j].base in ("を", "が", "に"):
            j -= 1
        return j >= 0 and said[j].pos.startswith("名詞") and _ill(said, j)
    return False


def _supposed(query: str, end: int) -> bool:
    """Whether what ends at ``end`` is supposed or wished for, not said to have been: 連携が
    進んだら, 関係が築けたら, 理解が広がってほしい, 進んでいれば, 進んだとしても, 深まったかどうか
    (read as they went well: stop 40; not 進んだらしい, hearsay of what was)."""
    return _SUPPOSED.match(query, end) is not None


_SUPPOSED = re.compile(r"(?:い|お)?(?:れば|たら|なら)|ば|ら(?!しい)|と(?:しても|したら|すれば|すると)|かどうか|ほしい|欲しい")
# After a good cue, a negation that says it: 理解が深まったのではないか (it did, I think).
_RHETORICAL = re.compile(r"(?:の|ん)(?:では|じゃ)(?:ない|なかろう)(?:か|でしょうか|だろうか)?")
_RHETORICAL_END = re.compile(r"(?:の|ん)(?:では|じゃ)(?:ない|なかろう)(?:か|でしょうか|だろうか|ですか)?[\s?？。!！]*$")


def _told_or_asked(said, j: int) -> int | None:
    """As _told, and asked too: PFが形骸化した？, 参加者が減ったのはなぜ ask about what was
    (they read as no side: the stop-40 review)."""
    told = _told(said, j)
    rest = said[j + 1:]
    if told is None and not any(m.base == "ない" for m in rest) and any(
            _is_mark(m, "?") or m.base in ("か", "理由") or m.base in _WHY for m in rest):
        return said[-1].end
    return told


def _stated(said, j: int) -> int | None:
    """Where the adjective at ``said[j]`` ends, stated as how things are (関心が低い, 認知度が低かった);
    None where negated, asked or supposed (低くない, 低いですか, 低ければ)."""
    k = j + 1
    while k < len(said) and said[k].base in ("た", "だ", "なる", "て", "いる", "ある", "です", "ます"):
        k += 1
    rest = said[j + 1:]
    if any(m.base in ("ない", "か", "ば", "たら", "なら") or _is_mark(m, "?") for m in rest):
        return None
    if any(m.base in _BUT for m in rest):
        return None
    return said[k - 1].end


def _skip_adverbs(said, j: int, step: int) -> int:
    """From ``j`` on (step 1) or back (-1), past words that say how much: さらに, かなり,
    大幅に, 大きく (負担が大幅に増えた, 負担がかなり減った, 負担が、減った)."""
    while 0 <= j < len(said):
        m = said[j]
        if m.pos.startswith(("副詞", "記号")) or m.base in _AT_ALL or m.base in _VERY and m.base != "に":
            j += step
        elif step == 1 and m.pos.startswith("名詞,形容動詞語幹") and j + 1 < len(said) and said[j + 1].base == "に":
            j += 2  # (大幅に, 確実に)
        elif step == -1 and m.base == "に" and j > 0 and said[j - 1].pos.startswith("名詞,形容動詞語幹"):
            j -= 2
        elif m.base in ("大きい", "著しい") and j + 1 < len(said) and said[j + 1].pos.startswith("動詞"):
            j += step  # (大きく減った, 大きく増えた; not 苦労なくできた)
        else:
            break
    return j


def _negation_after(lemmas, end: int, good: bool = False) -> int:
    """Where the negation of a cue ending at ``end`` ends, if the words right after it
    negate it (-1: they do not): 喜ばれない取組, 好評ではなかった, 助かっていない人 do not
    ask for 良かったこと (the stop-37 review) but for what was hard.
    By the words Janome reads, not by the kana: the なか of 難しいなかで is 中, the ず of
    苦労ずくめ and the ぬ of 悩みぬいた no negation (the review after it). (A negated
    predicate at the query's end still reads as a complaint: _final_negation.)"""
    said = lemmas()
    object_of_a_verb = verb = False
    for i, m in enumerate(said):
        if m.start < end:
            continue
        if (m.base in _BEFORE_NEGATION or m.pos.startswith("副詞") or m.base in _AT_ALL  # (特に, 一度も)
                or m.base == "の" and i + 1 < len(said) and said[i + 1].base == "ない"):  # 成果のない
            object_of_a_verb = object_of_a_verb or m.base in ("が", "は", "も")
            continue
        # Past する, the negation of a good word is still its negation (成功せず, 成功していない),
        # and so is a hard word's in the past (苦労しなかった); 失敗しない is how to avoid it.
        # ありません is ない (課題はありませんでした).
        nai = _next_negation(said, i)
        if nai >= 0 and (m.base in _BE or m.base in _DO and (good or _past(said, nai))
                         or not good and m.base in _OCCUR and _past(said, nai)):  # (手間がかからなかった)
            continue
        # That it never was: 苦労したことはなかった, 成功したことがない, 困ることはない.
        if (m.base in ("する", "た") or m.base in _NEVER_NOUNS or m.base in _OCCUR) and _never(said, i):
            continue
        # 負担を感じなかった, 負担に感じることはなかった: not come about.
        if not good and m.base in ("を", "に") and i + 1 < len(said) and said[i + 1].base in _OCCUR:
            continue
        # A good thing that did not come: 成果が出なかった, 好評を得られなかった (not a hard one:
        # 課題を解決できなかった is a complaint still).
        if good and m.base == "を" and not verb:
            object_of_a_verb = True
            continue
        if good and object_of_a_verb and m.pos.startswith(("動詞", "助動詞")) and m.base != "ない":
            verb = True
            continue
        # (…がないか: whether there is any, a question about it: 課題がないか確認したい.)
        if m.base == "ない" and m.pos.startswith(("助動詞", "形容詞")) and not _asked(said, i):
            return said[i + 1].end if i + 1 < len(said) and said[i + 1].base == "た" else m.end
        return -1
    return -1


_KANJI_WORD_AFTER = re.compile(r"[\u3005\u4e00-\u9fff]{2}")
_HIRAGANA_PAIR = re.compile(r"[\u3041-\u3096]{2}")


# Words that, after a cue, are the cases of it: 失敗事例, 成功要因, 苦労事項 still ask
# for that side, and so do their collections (成功事例集, 成果報告書, 成功要因分析, 苦労話集).
# Anything else after them makes another thing: 苦労話題, 課題例外, 成果報告会. Not 体験:
# 成功体験 is a thing of its own (春日井市's 「成功体験を積める」, a hardship).
_CASES_OF_IT = ("事例", "要因", "事項", "報告", "実例", "経験", "談", "話", "例")
_CASE_SUFFIXES = frozenset(("", "集", "等", "書", "分析", "一覧"))
_KANJI_RUN = re.compile(r"[\u3005\u4e00-\u9fff]+")


def _heads_a_compound(q: str, at: int, cue: str) -> bool:
    """A cue in kanji that goes on into a word of two kanji or more names that word's
    thing, not how it went: 成果指標 (an indicator), 成功体験, 課題解決. A suffix that
    names its cases keeps it a cue: 失敗事例, 成功要因, 失敗談 are the stories of it."""
    end = at + len(cue)
    if not all("\u4e00" <= ch <= "\u9fff" for ch in cue) or _KANJI_WORD_AFTER.match(q, end) is None:
        return False
    rest = _KANJI_RUN.match(q, end).group()
    return not any(rest.startswith(case) and rest[len(case):] in _CASE_SUFFIXES for case in _CASES_OF_IT)


def _not_the_points(q: str, at: int, cue: str) -> bool:
    """A cue that names the good points (いいところ, 良い点) asks for them only as a
    phrase of its own: not at the end of another adjective (かわいいところ, ちょうど
    いいところ) nor of a comparison (改善した方が良い点: what should change)."""
    if not cue.endswith(("点", "ところ")):
        return False
    before = q[:at]
    return before.endswith(("方が", "ほうが")) or (
        bool(before) and "\u3041" <= before[-1] <= "\u3096" and before[-1] not in "のはがもをにでと")


class _Lemma:  # (a plain class: defining a dataclass costs a cold search ≈ 0.5 ms)
    __slots__ = ("base", "pos", "start", "end")

    def __init__(self, base: str, pos: str, start: int, end: int):
        self.base, self.pos, self.start, self.end = base, pos, start, end

    def __eq__(self, other) -> bool:
        return isinstance(other, _Lemma) and (self.base, self.pos, self.start, self.end) == (
            other.base, other.pos, other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.base, self.pos, self.start, self.end))

    def __repr__(self) -> str:
        return f"_Lemma({self.base!r}, {self.pos!r}, {self.start!r}, {self.end!r})"


def _lemmas(text: str) -> tuple[_Lemma, ...]:
    """Base forms of every word, politeness dropped and negation spelled ない, so
    that tense and register do not hide a cue: うまくいかなかった and
    うまくいきませんでした both read うまい いく ない た."""
    from .analysis import morphs

    out = []
    for m in morphs(text):
        base = _fold(m.base)
        if m.pos.startswith("助動詞"):
            if base in ("ます", "です"):
                continue
            if base in ("ん", "ぬ"):
                base = "ない"
            elif base == "だ" and out and out[-1].pos.startswith("動詞"):
                base = "た"  # (the past of 進んだ, 読んだ; だ after a noun says what it is)
        out.append(_Lemma(base, m.pos, m.start, m.end))
    return tuple(out)


def _find(seq: tuple[_Lemma, ...], part: tuple[_Lemma, ...]) -> int:
    """Where the last run of ``part``'s base forms in ``seq`` ends (-1: nowhere).
    Its first word is as long as the cue's, or two characters: a lone kana that
    Janome reads as a stem is no cue (the よ of とよた is not よかった's よい)."""
    n = len(part)
    want = [p.base for p in part]
    short = min(2, part[0].end - part[0].start) if n else 0
    for i in range(len(seq) - n, -1, -1):
        if n and [x.base for x in seq[i:i + n]] == want and seq[i].end - seq[i].start >= short:
            return seq[i + n - 1].end
    return -1


NEGATION_INTENT = "hard"
# After the negated verb, only these may follow for it to be the query's last word.
_TAIL_NOUNS = {"こと", "点", "ところ", "の", "ん", "もの", "場合", "とき", "時"}


def _final_negation(said: tuple[_Lemma, ...]) -> tuple[int, int] | None:
    """(start, end) of the query's last predicate when it is negated (分からない,
    進めない, 動いてくれない, ノウハウがない), followed by nothing but endings
    (た, の, か, こと…); None otherwise."""
    for i in range(len(said) - 1, -1, -1):
        m = said[i]
        if m.base == "ない" and m.pos.startswith(("助動詞", "形容詞,自立")):
            if any(x.base == "まだ" for x in said[:i]):
                return None  # まだ…ない says "not yet": where things stand, not what went wrong
            if i > 0 and said[i - 1].base == "たい":
                return None  # …したくない is a wish (what to avoid), not something that went wrong
            if i > 1 and said[i - 1].base in ("なる", "いける") and any(
                    x.base == "ない" for x in said[max(0, i - 4):i - 1]) and not _past(said, i):
                return None  # 連携しないといけない, 組まなければならない: what must be done (stop 39;
                # …しないといけなかった is what should have been, a regret)
            if i + 1 < len(said) and said[i + 1].base in ("に", "で") and said[i + 1].pos.startswith("助詞"):
                return None  # お金をかけずに, 苦労しないで: how to do it (the stop-38 review)
            if i > 0 and (said[i - 1].base in ("で", "じゃ") or (said[i - 1].base == "は" and i > 1 and said[i - 2].base == "で")):
                # 統計的な調査ではなく, 行政が依頼する場ではない, …なんじゃない？: what a thing is not
                # (a contrast, a guess), not a complaint; read as one, a hard snippet came second (stop 34)
                return None
            if (i > 3 and said[i - 1].base == "する" and said[i - 2].base == "に" and said[i - 3].pos.startswith("名詞")
                    and (said[i - 4].base == "の" or said[i - 4].pos.startswith(("動詞", "助動詞")))):
                return None  # 形だけの会議にしない: what it is not to become, an aim (not 相手にしない)
            v = i - 1 if i > 0 and said[i - 1].pos.startswith("動詞") else i
            while v > 0 and (said[v - 1].pos.startswith("動詞")
                             or (said[v - 1].base in ("て", "で") and v > 1 and said[v - 2].pos.startswith("動詞"))):
                v -= 1  # 動いてくれない: the verb phrase, not only its last word
            return said[v].start, m.end
        if _is_mark(m):
            continue  # (分からない？, 分からない？？, 分からない… read as nothing: Janome calls ?, ?? and ... nouns)
        if m.pos.startswith(("名詞", "形容詞", "副詞", "連体詞")) and m.base not in _TAIL_NOUNS:
            return None
        if m.pos.startswith("動詞") and not m.pos.startswith("動詞,非自立"):
            return None
    return None


MAX_ALTERNATIVES = 100  # a word's group-mates looked for: a pasted list of 5,000 on one row took 5 s a query


class _Groups(Mapping):
    """folded word → the others of its groups (at most MAX_ALTERNATIVES), made when asked:
    each word's list made at load, a row of 1,000 words took 4 s, of 6,000 minutes (the
    stop-42 review)."""

    def __init__(self, groups: list[tuple[str, ...]], of: dict[str, list[int]]):
        self._groups, self._of, self._made = groups, of, {}

    def __getitem__(self, word: str) -> tuple[str, ...]:
        made = self._made.get(word)
        if made is None:
            rows = self._of[word]
            others = dict.fromkeys(x for g in rows for x in self._groups[g] if x != word)
            if len(others) > MAX_ALTERNATIVES:  # (the smaller rows first: a pasted list does not crowd out the rest)
                rows = sorted(rows, key=lambda g: len(self._groups[g]))
                others = dict.fromkeys(x for g in rows for x in self._groups[g] if x != word)
            made = self._made[word] = tuple(others)[:MAX_ALTERNATIVES]
        return made

    def __iter__(self):
        return iter(self._of)

    def __len__(self) -> int:
        return len(self._of)

    def __contains__(self, word) -> bool:
        return word in self._of

    def get(self, word, default=None):  # (Mapping's goes through a KeyError for every miss: most lookups are)
        return self[word] if word in self._of else default


def load_vocabulary(directory: Path) -> Vocabulary:
    groups: list[tuple[str, ...]] = []
    of: dict[str, list[int]] = {}
    written: dict[str, str] = {}
    for _, cells in _rows(directory / SYNONYMS_FILE):
        for c in cells:
            written.setdefault(_fold(c), unicodedata.normalize("NFKC", c).strip())
        groups.append(tuple(dict.fromkeys(_fold(c) for c in cells)))
        for w in groups[-1]:
            of.setdefault(w, []).append(len(groups) - 1)
    synonyms = _Groups(groups, of)
    intents: dict[str, list[str]] = {}
    problems = []
    for n, cells in _rows(directory / INTENTS_FILE):
        key = cells[0].lower()
        if key not in INTENT_KEYS:
            problems.append(f"{INTENTS_FILE}:{n}: unknown intent {cells[0]!r} (valid: {', '.join(INTENT_KEYS)})")
            continue
        intents.setdefault(key, []).extend(_fold(c) for c in cells[1:])
        for c in cells[1:]:
            written.setdefault(_fold(c), unicodedata.normalize("NFKC", c).strip())
    if problems:
        raise CorpusError(problems)
    opposites: dict[str, set[str]] = {}
    for _, cells in _rows(directory / OPPOSITES_FILE):
        row = {_fold(c) for c in cells}
        for w in row:
            opposites.setdefault(w, set()).update(row - {w})
    return Vocabulary(synonyms, {k: tuple(v) for k, v in intents.items()},
                      {k: frozenset(v) for k, v in opposites.items()}, written)


_CACHE: dict[Path, tuple[tuple, Vocabulary]] = {}


def vocabulary(directory: Path) -> Vocabulary:
    """The directory's vocabulary, re-read only when a file changed."""
    stamp = []
    for name in (SYNONYMS_FILE, INTENTS_FILE, OPPOSITES_FILE):
        try:
            st = (directory / name).stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append(None)
    key = tuple(stamp)
    cached = _CACHE.get(directory)
    if cached and cached[0] == key:
        return cached[1]
    vocab = load_vocabulary(directory)
    _CACHE[directory] = (key, vocab)
    return vocab
