"""Domain labels, defined once: themes, polarities, and the words people use for them.

The CLI and library accept the user-facing words; renderers print the Japanese
names. The document's own marker wording, which only the parser reads, is in
markers.py.
"""

from __future__ import annotations

import unicodedata

THEMES: dict[str, str] = {
    "general": "孤独・孤立対策全般",
    "platform": "地方版孤独・孤立対策官民連携プラットフォームの立上げ",
}
THEME_SHORT: dict[str, str] = {"general": "全般", "platform": "PF立上げ"}

POLARITIES: dict[str, str] = {
    "good": "良かったこと",
    "hard": "苦労したこと",
    "other": "その他",
}

# Words a person may type for a filter value (matched after NFKC + lowercase).
THEME_ALIASES: dict[str, tuple[str, ...]] = {
    "general": ("general", "全般", "孤独・孤立対策全般", "対策全般", "総論", "全体"),  # (全体: the stop-43 review)
    "platform": (
        "platform", "pf", "プラットフォーム", "官民連携プラットフォーム",
        "官民連携", "立上げ", "立ち上げ", "立ちあげ", "たちあげ", "地方版pf",
        "pf立ち上げ", "pfの立ち上げ", "pfの立上げ", "プラットフォームの立ち上げ", "プラットフォームの立上げ",
        "地方版孤独・孤立対策官民連携プラットフォームの立上げ",
    ),
}
POLARITY_ALIASES: dict[str, tuple[str, ...]] = {
    "good": ("good", "positive", "良かった", "よかった", "良かったこと", "よかったこと", "良かったと思ったこと",
             "良かったと思うこと", "良い", "よい", "良いこと", "よいこと", "良", "成果"),
    "hard": ("hard", "negative", "苦労", "苦労した", "苦労したこと", "苦労している", "苦労していること", "くろう",
             "くろうしたこと", "難しい", "むずかしい", "困難", "課題", "大変", "たいへん",
             "bad", "difficult", "悪かった", "悪い", "わるかった", "わるい"),  # (bad was refused: the stop-43 review)
    "other": ("other", "その他", "他", "neither"),
}


def _fold(word: str) -> str:
    # (Spaces inside too: 「PF 立ち上げ」 is PF立ち上げ. Katakana as hiragana: --polarity クロウ and
    # ｸﾛｳ were unknown where くろう was read, --theme ぷらっとふぉーむ where プラットフォーム was;
    # the stop-41 review.)
    folded = "".join(unicodedata.normalize("NFKC", word).lower().split())
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in folded)


def _resolve(word: str, aliases: dict[str, tuple[str, ...]], shown: dict[str, str]) -> str | None:
    """The key ``word`` names: the key itself, an alias, or the label results show."""
    w = _fold(word)
    for key, names in aliases.items():
        if w == key or w in (_fold(n) for n in names) or w == _fold(shown.get(key, key)):
            return key
    return None


def resolve_theme(word: str) -> str | None:
    """The theme key a user's word names, or None."""
    return _resolve(word, THEME_ALIASES, THEME_SHORT)


def resolve_polarity(word: str) -> str | None:
    """The polarity key a user's word names, or None."""
    return _resolve(word, POLARITY_ALIASES, POLARITIES)
