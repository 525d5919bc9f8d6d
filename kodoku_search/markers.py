"""Reading the document: the marker family (bracket style × wording) and the
wording that states a polarity inside running text.

Apart from labels (names and aliases, which every query needs) so that a search
never compiles the parser's patterns.
"""

from __future__ import annotations

import re

# Paired brackets a heading or marker may wear.
BRACKETS: dict[str, str] = {
    "<": ">", "＜": "＞", "〈": "〉", "《": "》", "≪": "≫", "«": "»",
    "【": "】", "〔": "〕", "［": "］", "[": "]", "(": ")", "（": "）",
    "「": "」", "『": "』", "~": "~", "〜": "〜", "～": "～", "■": "", "◆": "", "◇": "",
}
# Marks that open a bullet item (the mark is removed from the snippet text).
BULLETS = "•・●○◦▪▫■□◆◇-–—*※➡→⇒▶►"

# A polarity marker is <stem><softener>?<tense note>?<noun>? — e.g.
# 良かった + と思った + こと, 苦労した + (している) + こと, 苦労 alone.
_GOOD_STEMS = r"(?:取り組んで)?(?:良かった|よかった|良い|よい|うまくいった|上手くいった|成果|成功した)"
_HARD_STEMS = r"(?:取り組んで)?(?:苦労した|苦労している|苦労|苦心した|大変だった|大変な|難しかった|困った|課題)"
_SOFTENER = r"(?:と思った|と思う|と感じた|と感じる)?"
_TENSE = r"(?:[(（][^)）]{1,8}[)）])?"
_NOUN = r"(?:こと|事|点|ところ|所)?"
GOOD_MARKER = re.compile(rf"^{_GOOD_STEMS}{_SOFTENER}{_TENSE}{_NOUN}$")
HARD_MARKER = re.compile(rf"^{_HARD_STEMS}{_SOFTENER}{_TENSE}{_NOUN}$")

# Cues in running text. A clause's polarity is that of its cues; negated
# achievements (できない) are hard, not good.
GOOD_CUES = re.compile(
    r"良かった|よかった|良い機会|(?:でき|出来)(?:た|ました|ている|ています|ており)|"
    r"成果|財産|メリットと|役立|好評|喜ばれ|深ま|広が|期待でき|"
    r"(?:生まれ|増え|進ん|つなが|繋が)(?:た|ました|ている|ています|ており)"
)
HARD_CUES = re.compile(
    r"苦労|苦心|難し|困難|大変|懸念|負担|課題(?:は|です)|不足|模索|試行錯誤|"
    r"(?:でき|出来)(?:ない|ず|なかった)|(?:進ま|増え|至ら|なら|得られ)(?:ない|ず|なかった)|"
    r"進んでおらず|なっていない|図りづら|しづら|にくい"
)
# A sentence that opens with one of these turns against what came before.
CONTRAST_OPENERS = re.compile(r"^(?:一方で?|しかし|しかしながら|ただし|ただ、|ところが|その反面|反面|けれども|でも、)")
# A sentence that names its own side: 「良かったことは…」「苦労したことは…」.
GOOD_TOPIC = re.compile(rf"^{_GOOD_STEMS}{_SOFTENER}{_NOUN}(?:は|として)")
HARD_TOPIC = re.compile(rf"^{_HARD_STEMS}{_SOFTENER}{_NOUN}(?:は|として)")
# Lessons learned / advice: the text states neither side.
LESSON_CUES = re.compile(r"学びました|学んだ|教訓|振り返")
# Concessive joints: in 「Xしましたが、Yできました」 the clause after the joint carries the weight.
CONCESSIVE = re.compile(r"(?:が|けれど|けれども|ものの|反面|一方)、")
# A lead-in that announces the items below it (「次の3点を学びました。」「以下に…記載」).
LEAD_IN = re.compile(r"次の|以下")
