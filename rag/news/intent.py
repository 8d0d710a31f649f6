"""What kind of answer a question asks for: one answer (the default), a story's timeline, or
a briefing of a period's stories.  Worded questions only ("How did X develop?", "What
happened last week?"); anything else is answered as before."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..answer import Mode

_CHANGE = r"(?:develop|unfold|evolve|change|progress|grow|rise|fall)(?:ed|d)?"
_TIMELINE = [
    re.compile(rf"^how (?:did|has|have|does|do) (?P<topic>.+?) {_CHANGE}\b(?P<rest>.*)$", re.I),
    re.compile(
        r"^(?:give me |show me |what is |what's )?(?:a |the )?(?:timeline|chronology|history) (?:of|for)"
        r" (?P<topic>.+)$",
        re.I,
    ),
    re.compile(r"^what (?:has )?happened (?:with|to) (?P<topic>.+?) (?:since|over|during) (?P<rest>.+)$", re.I),
    re.compile(r"^how (?:did|has) (?P<topic>.+?) (?:go|gone|unfold)\b(?P<rest>.*)$", re.I),
]
_WHEN = r"(?P<rest>(?: (?:today|tonight|yesterday|this|last|past|in the last)\b.*)?)"
_BRIEFING = [
    re.compile(
        rf"^what(?:'s| is| has)? (?:happened|happening|going on)(?: (?:in|on|with) (?P<topic>.+?))?{_WHEN}$", re.I
    ),
    re.compile(rf"^what(?:'s| is) (?:new|the news|the latest)(?: (?:about|with|on|in) (?P<topic>.+?))?{_WHEN}$", re.I),
    re.compile(r"^(?:what are )?(?:the )?(?:top|main|biggest) (?:news|stories|headlines)(?P<rest>.*)$", re.I),
    re.compile(r"^(?:give me )?(?:a |the )?(?:news )?briefing(?P<rest>.*)$", re.I),
]
_PERIOD = re.compile(
    r"\b(today|tonight|yesterday|this (?:week|month|year)|last (?:week|month|year)|past (?:week|month)"
    r"|since \w+)\b",
    re.I,
)
_GENERIC = re.compile(r"^(?:the |this |that )?(?:story|stories|it|things|news|situation|events?)$", re.I)
_FIGURE = re.compile(
    r"\b(toll|number|count|figure|price|rate|total|share|cost|amount|score|tally|estimate|level|percentage"
    r"|how many|how much)\b",
    re.I,
)
_FIRST = re.compile(
    r"\b(?:first|initial|earliest|original)(?:ly)? (?:reported|report|figure|estimate|count|toll|tally|number)\b"
    r"|\b(?:at first|initially|originally) (?:reported|said|put)\b",
    re.I,
)
_DISAGREE = re.compile(
    r"^(?:do|did|does) (?:the )?(?:reports?|sources?|outlets?|articles?|they) (?:disagree|differ|agree|conflict)"
    r"(?: (?:about|on|over))? (?P<topic>.+)$",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    kind: Mode = Mode.ANSWER
    topic: str = ""  # what the timeline or briefing is about ("" : everything in the period)
    value_question: str = ""  # for the reader: the question a value answers ("What was the death toll?")
    first: bool = False  # the question asks for the first report, not the latest
    disputed: bool = False  # the question asks whether the sources disagree

    @property
    def asks_figure(self) -> bool:
        return bool(self.value_question)


def _clean(topic: str) -> str:
    topic = topic.strip(" ?.!,")
    topic = _PERIOD.sub("", topic).strip(" ?.!,")
    return "" if _GENERIC.match(topic) else topic


def _value_question(topic: str) -> str:
    """ "the death toll" → "What was the death toll?" when it names a figure; else ""."""
    return f"What was {topic}?" if topic and _FIGURE.search(topic) else ""


def classify(question: str) -> Intent:
    q = re.sub(r"\s+", " ", question.strip()).rstrip(" ?.!")
    for pattern in _TIMELINE:
        if m := pattern.match(q):
            topic = _clean(m.group("topic"))
            return Intent(Mode.TIMELINE, topic, _value_question(topic))
    for i, pattern in enumerate(_BRIEFING):
        if m := pattern.match(q):
            if i == 0 and m.group("topic") and not m.group("rest").strip():
                break  # "What happened in the final?": a question about one event, not a period
            return Intent(Mode.BRIEFING, _clean(m.groupdict().get("topic") or ""))
    if m := _DISAGREE.match(q):
        topic = _clean(m.group("topic"))
        return Intent(Mode.ANSWER, topic, f"What is {topic}?" if topic else "", disputed=True)
    return Intent(Mode.ANSWER, first=bool(_FIRST.search(q)))
