"""Make kodoku_search/data/kana_kanji.tsv: words typed in hiragana → their usual kanji.

    python scripts/make_kana_kanji.py

A person types 「よさん」 or 「こども」 when the IME is off, or to save a keystroke.
The corpus does not say 予算 or 子供, so the spellings the index keeps (what the
corpus says, by its readings) cannot read them; Janome cuts よさん into よさ + ん
(a negated verb: "asking for hardships") and こども is found by its pair トモ. Read
as 予算 and 子供, they go where the rest of the search goes with a word the corpus
lacks: synonyms, nearness in meaning (予算: 鳥取市's 「モノとカネ」).

Janome's system dictionary (mecab-ipadic) gives each entry a reading. For each
reading of 3–12 kana, of its entries that are content words written with kanji (a
common noun or a verb's noun-like stem; an adjective, marked "a", lends only its
meaning: not a name, number, pronoun, suffix, nor a verb's other forms), the one
the word vectors rank most frequent, if it is among the FREQUENT most frequent
(see table()); and a verb's stem of STEM_MIN kana or more that is its reading's
only word, at any frequency (みまもり: 見守り, はなしあい: 話し合い: Janome reads them
as verbs in kana, which no snippet says). About 4,250 lines sorted by their bytes,
searched in place (analysis.usual_kanji): a lookup reads a few lines.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "kodoku_search" / "data" / "kana_kanji.tsv"
SKIP_NOUNS = {"固有名詞", "数", "代名詞", "非自立", "接尾", "特殊"}


def _kind(pos: str, form: str) -> str | None:
    """"n" for a common noun or a verb's noun-like stem (見守り, 支え: its 連用形), read so in
    the query; "a" for an adjective (さびしい: 寂しい), typed in kana as often as not, whose
    kanji only lend it their meaning, unless it is also grammar (ほしい of 〜てほしい: read
    as 欲しい, 「…場がほしい」 lost 0.01–0.05 nDCG@10 on three judged queries, and as much
    again given its meaning); None for the rest (a verb's other forms: 貰える, 出来る)."""
    parts = pos.split(",")
    if parts[0] == "名詞":
        return "n" if parts[1] not in SKIP_NOUNS else None
    if parts[0] == "形容詞" and parts[1] == "自立":
        return "a"
    return "n" if parts[0] == "動詞" and parts[1] == "自立" and form == "連用形" else None


STEM_MIN = 4  # kana of a verb's stem read in kanji by its verb's vector (みまもり: 見守り), at any frequency
FREQUENT = 3000  # of chiVe's 20,000 vectors, ordered by frequency: 予算 2,370, 医療 1,370; 不凍港 3,283


def table() -> dict[str, str]:
    """Reading → kanji word ("\ta" after an adjective). Janome's costs do not say which of
    a reading's words people mean (いりょう's least-cost entry is 衣料, しせつ's 使節,
    かんそう's 乾燥, さいご's 最期: the stop-30 review), so the word is the one of them the
    vectors hold nearest the top (kodoku_search/data/meaning: its rows run from the most
    frequent word), and only if that is among the FREQUENT most frequent: ふとうこう's one
    entry is 不凍港 (IPADIC has no 不登校), いきがい's 域外, and they stay as typed."""
    from janome import sysdic

    from kodoku_search.analysis import _is_kanji
    from kodoku_search.search import _to_hiragana
    from kodoku_search.meaning import Vectors

    vectors = Vectors()
    best: dict[str, tuple[tuple[int, int, int, str], str]] = {}
    auxiliary: set[str] = set()  # (readings of an adjective Janome also has as grammar: ほしい of 〜てほしい)
    stems: dict[str, set[tuple[str, str]]] = {}  # reading → (verb stem, its verb) of STEM_MIN kana or more
    words_of: dict[str, set[str]] = {}  # reading → the content words with kanji it is
    for entry in sysdic.entries().values():
        surface, cost, pos, form, base, reading = entry[0], entry[3], entry[4], entry[6], entry[7], entry[8]
        if not reading or reading == "*":
            continue
        kana = _to_hiragana(reading)
        if pos.startswith("形容詞,非自立"):
            auxiliary.add(kana)
        if not 3 <= len(kana) <= 12 or any(not ("ぁ" <= c <= "ゖ" or c == "ー") for c in kana):
            continue
        kind = _kind(pos, form)
        if kind is None or not any(_is_kanji(c) for c in surface):
            continue
        # (By its kanji: a noun or a verb's stem, 話し合い is both, and 話合い the same word.)
        words_of.setdefault(kana, set()).add("".join(c for c in surface if _is_kanji(c)))
        if (pos.startswith("動詞") and len(kana) >= STEM_MIN and not all(_is_kanji(c) for c in surface)
                and (vectors.row(surface) is not None or vectors.row(base) is not None)):
            stems.setdefault(kana, set()).add((surface, base))
        row = vectors.row(surface)
        if row is None:
            continue
        # (At equal rank the least cost, then the fewest kana: 宣布, not 宣ぷ.)
        key = (row, cost, sum(not _is_kanji(c) for c in surface), surface)
        if kana not in best or key < best[kana][0]:
            best[kana] = (key, kind)
    out = {kana: key[3] + ("\ta" if kind == "a" else "") for kana, (key, kind) in sorted(best.items())
           if key[0] < FREQUENT and not (kind == "a" and kana in auxiliary)}
    for kana, found in stems.items():
        # A verb's stem of STEM_MIN kana or more, at any frequency the vectors know it or its
        # verb (見守り: 見守る, 4,361st; 話し合い, 7,578th), where the reading is that one word
        # and no other (not あやめ: 殺め or 菖蒲; the reading of a stem is seldom another word's).
        if kana not in out and len(words_of[kana]) == 1:
            # (Its spellings: 話し合い before 話合い, the one with the most kana.)
            out[kana] = max(found, key=lambda sb: (sum(not _is_kanji(c) for c in sb[0]), sb[0]))[0]
    return dict(sorted(out.items()))


def main() -> None:
    rows = table()
    # Sorted by the UTF-8 bytes of each line, as analysis._SortedTable searches it.
    data = b"".join(sorted(f"{k}\t{v}\n".encode("utf-8") for k, v in rows.items()))
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} readings, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # (run from a checkout; imported by the tests, it changes nothing)
    main()
