"""The reading field's spellings of one word, as a Whoosh query.

A word written with kanji is keyed in the reading field by itself (analysis.kanji_keyed:
機関 is キカン|機関, 図っ is ハカッ|図る). A query word with kanji meets, under its sound,
the keys whose word is the same word (analysis.same_word): 取り組み meets 取組, 子供
meets 子ども, and 測る never meets 図る. Its own module, imported when a search first
needs it: Whoosh pickles queries by their class's import path, and importing
whoosh.query is left to the search (cold start).
"""

from __future__ import annotations

from whoosh.query import Prefix

from .analysis import KANJI_KEY, same_word


class SpellingsOf(Prefix):
    """The terms under ``sound`` + KANJI_KEY in ``fieldname`` whose word is ``word``'s own
    spelling or another spelling of it, each scored as itself (not a constant score)."""

    def __init__(self, fieldname: str, sound: str, word: str, boost: float = 1.0):
        super().__init__(fieldname, sound + KANJI_KEY, boost=boost, constantscore=False)
        self.word = word

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and self.word == getattr(other, "word", None)

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.word))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.fieldname!r}, {self.text[:-len(KANJI_KEY)]!r}, {self.word!r})"

    def __unicode__(self) -> str:
        return f"{self.fieldname}:{self.text}{self.word}~"

    __str__ = __unicode__

    def _btexts(self, ixreader):
        n = len(self.text)
        for t in ixreader.expand_prefix(self.fieldname, self.text):
            if same_word(self.word, (t.decode("utf-8") if isinstance(t, bytes) else t)[n:]):
                yield t
