"""How a story developed: one dated line a day, oldest first, each cited."""

from __future__ import annotations

from collections.abc import Iterator

from vectorstore.records import Scope

from ..answer import Answer
from ..cite import cite_composed
from ..news.desk import NewsDesk
from ..prompts import NO_TIMELINE, TIMELINE_INTRO
from ..turn import Turn


class TimelineResponder:
    def __init__(self, desk: NewsDesk) -> None:
        self.desk = desk

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        intent, t = turn.intent, turn.time_said
        named = None
        if t.has_window:  # the period the question names
            days = [d.toordinal() if d else None for d in (t.since, t.until)]
            named = Scope(min_day=days[0], max_day=days[1])
        composed = self.desk.timeline(turn.standalone, intent, turn.hits, named)
        if not composed.text:
            answer = turn.answer(text=NO_TIMELINE, citations=[], abstained=True, mode=intent.kind)
        else:
            answer = cite_composed(turn, composed, TIMELINE_INTRO.render(topic=intent.topic or "the story"))
        yield answer.text
        yield answer
