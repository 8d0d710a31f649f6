"""Responders: the step that writes the answer a question's intent asks for, from what was
retrieved.  One per kind of answer (``Mode``): a cited answer, a story's timeline, a
period's briefing.  A responder yields pieces of the answer's text as they are ready
(together: the final text) and then the :class:`~rag.answer.Answer`.  Adding a kind of
answer is one module here and its line in :data:`RESPONDERS`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..answer import Answer, Mode

if TYPE_CHECKING:
    from ..answerers import Answerer
    from ..news.desk import NewsDesk
    from ..retriever import NewsRetriever
    from ..turn import Turn


class Responder(Protocol):
    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        """Pieces of the answer's text (together: its text), then the answer."""
        ...


@dataclass(frozen=True)
class Parts:
    """What responders are built from (each takes what it uses)."""

    retriever: NewsRetriever
    answerer: Answerer
    desk: NewsDesk | None  # timelines, briefings and conflicts; without it every question gets an answer
    min_score: float  # under this best cosine, "not in the articles" without reading
    closest_k: int  # stories listed under "not in the articles"


def _answer(parts: Parts) -> Responder:
    from .answer import AnswerResponder

    return AnswerResponder(parts.retriever, parts.answerer, parts.desk, parts.min_score, parts.closest_k)


def _timeline(parts: Parts) -> Responder | None:
    from .timeline import TimelineResponder

    return TimelineResponder(parts.desk) if parts.desk is not None else None


def _briefing(parts: Parts) -> Responder | None:
    from .briefing import BriefingResponder

    return BriefingResponder(parts.desk, parts.retriever) if parts.desk is not None else None


RESPONDERS: dict[Mode, Callable[[Parts], Responder | None]] = {
    Mode.ANSWER: _answer,
    Mode.TIMELINE: _timeline,
    Mode.BRIEFING: _briefing,
}


def make_responders(parts: Parts) -> dict[Mode, Responder]:
    """One responder per kind of answer the parts can give (the answer, always)."""
    made = {mode: factory(parts) for mode, factory in RESPONDERS.items()}
    return {mode: r for mode, r in made.items() if r is not None}
