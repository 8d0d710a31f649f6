"""A period's stories ("What happened this week?"), ranked by how many outlets covered them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..answer import Answer
from ..cite import cite_composed
from ..news.desk import DEFAULT_DAYS, NewsDesk
from ..prompts import BRIEFING_INTRO, NO_BRIEFING
from ..retriever import NewsRetriever
from ..timeexpr import shift
from ..turn import Turn


def _days(window: tuple[dt.date, dt.date]) -> str:
    since, until = window
    return f"{since:%-d %B}" if since == until else f"{since:%-d %B} to {until:%-d %B %Y}"


class BriefingResponder:
    def __init__(self, desk: NewsDesk, retriever: NewsRetriever) -> None:
        self.desk = desk
        self.retriever = retriever  # the question's scope (as-of date, filters)

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        intent, t = turn.intent, turn.time_said
        as_of = turn.filters.as_of_or_today()
        f = turn.filters  # a period the question does not name: the Since/Until chosen, else the week to as-of
        end = min(t.until or f.until or as_of, as_of)
        window = (t.since or f.since or shift(end, -(DEFAULT_DAYS - 1)), end)
        period = t.expression or (
            f"in the {DEFAULT_DAYS} days to {end:%-d %B %Y}" if not (f.since or f.until) else "in the period chosen"
        )
        if intent.topic:
            period = f"about {intent.topic} {period}"
        scope = self.retriever.scope(turn.filters)
        composed = self.desk.briefing(intent, turn.hits, scope, window, turn.vector)
        said = f"{period} ({_days(window)})"
        if not composed.text:
            answer = turn.answer(text=NO_BRIEFING.render(period=said), citations=[], abstained=True, mode=intent.kind)
        else:
            answer = cite_composed(turn, composed, BRIEFING_INTRO.render(period=said))
        yield answer.text
        yield answer
