"""The answer path: prepare → retrieve → respond, as one LCEL ``Runnable``.

- **prepare** (:mod:`rag.prepare`): the question checked, made standalone from the
  conversation, and what kind of answer it asks for (its intent);
- **retrieve** (:class:`NewsRetriever`): the passages, ranked, as of the question's date;
- **respond** (:mod:`rag.responders`): the responder for the intent (an answer, a timeline,
  a briefing) writes it and cites it (:mod:`rag.cite`).

``chain.runnable`` streams ``str`` pieces of the answer (together: its text) and ends with
the structured :class:`Answer`; each step is a named run (``prepare``, ``retrieve``,
``respond``) for LangChain's callbacks and tracing.  ``stream``/``ask`` are thin helpers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from .answer import Answer, Mode
from .answerers import Answerer
from .condense import Message
from .filters import Filters
from .news.desk import NewsDesk
from .prepare import prepare
from .prompts import EMPTY_STORE
from .responders import Parts, make_responders
from .retriever import NewsRetriever
from .turn import Turn


class AnswerChain:
    def __init__(
        self,
        retriever: NewsRetriever,
        answerer: Answerer,
        min_score: float,
        max_question_chars: int = 2000,
        closest_k: int = 3,
        desk: NewsDesk | None = None,
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.desk = desk
        self.max_question_chars = max_question_chars
        self.responders = make_responders(Parts(retriever, answerer, desk, min_score, closest_k))
        self.runnable: Runnable[dict[str, Any], Any] = (
            RunnableLambda(self._prepare).with_config(run_name="prepare")
            | RunnableLambda(self._retrieve).with_config(run_name="retrieve")
            | RunnableGenerator(self._respond).with_config(run_name="respond")
        )

    # ---- steps -------------------------------------------------------------
    def _prepare(self, inputs: dict[str, Any]) -> Turn:
        return prepare(inputs, self.max_question_chars, self.answerer.name)

    def _retrieve(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        found = self.retriever.retrieve(turn.standalone, filters=turn.filters)
        turn.hits, turn.vector, turn.time_said = found.hits, found.vector, found.time
        turn.passages = turn.hits[: self.retriever.k]
        if not turn.hits and self.retriever.store.count_chunks() == 0:
            turn.empty_store = True
            return turn
        turn.timings.update(found.timings)
        turn.timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        return turn

    def _respond(self, turns: Iterator[Turn]) -> Iterator[str | Answer]:
        for turn in turns:
            if turn.empty_store:
                yield EMPTY_STORE
                yield turn.answer(text=EMPTY_STORE, citations=[], abstained=True)
                continue
            responder = self.responders.get(turn.intent.kind) or self.responders[Mode.ANSWER]
            yield from responder.respond(turn)

    # ---- entry points ------------------------------------------------------
    def stream(
        self, question: str, history: Iterable[Message] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text pieces, then the final :class:`Answer`."""
        yield from self.runnable.stream({"question": question, "history": history, "filters": filters})

    def ask(self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None) -> Answer:
        final = None
        for item in self.stream(question, history, filters):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final
