"""One question on its way through the answer path: what each step found, and the
:class:`Answer` it ends as (:meth:`Turn.answer`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from vectorstore.records import Hit

from .answer import Answer
from .condense import Message
from .filters import Filters
from .news.intent import Intent
from .stages import retrieved_articles
from .timeexpr import TimeScope


@dataclass
class Turn:
    question: str
    history: list[Message]
    filters: Filters
    answerer: str  # the answerer's name, said in the answer
    t0: float  # when the question came (perf_counter)
    standalone: str = ""  # the question with what it refers to in the conversation
    intent: Intent = field(default_factory=Intent)
    hits: list[Hit] = field(default_factory=list)  # the ranking, fetch_k deep
    passages: list[Hit] = field(default_factory=list)  # the first k: what the answer is written from
    vector: Any = None  # the question's embedding
    time_said: TimeScope = field(default_factory=TimeScope)
    empty_store: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def answer(self, **kw: Any) -> Answer:
        """The answer this turn ends as, with what every answer says (the question, its date,
        what was retrieved and read, the timings)."""
        self.timings["total_ms"] = (time.perf_counter() - self.t0) * 1000
        t = self.time_said
        return Answer(
            as_of=self.filters.as_of_or_today().isoformat(),
            as_of_given=self.filters.as_of is not None,
            time_scope=(f"{t.since or ''}..{t.until or ''}" if t.has_window else "recent" if t.recency else ""),
            question=self.question,
            standalone_question=self.standalone,
            timings=self.timings,
            answerer=self.answerer,
            retrieved=retrieved_articles(self.hits),
            read=retrieved_articles(self.passages),
            **kw,
        )
