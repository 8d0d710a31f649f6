"""The answer to a question: "not in the articles" when nothing retrieved is worth reading
(:mod:`rag.gate`), else the answerer's draft, cited; where the sources revise or dispute the
figure asked for, the line that says so leads (known before anything is sent)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from vectorstore.records import Hit, StoredArticle

from ..answer import Answer, Closest, Conflict
from ..answerers import Answerer, Draft
from ..cite import cite_answer
from ..gate import worth_reading
from ..news.desk import NewsDesk
from ..prompts import NOT_COVERED, NOT_COVERED_NONE
from ..retriever import NewsRetriever
from ..turn import Turn

CHECKS = 8  # conflict checks under way at once (questions answered at once; more wait their turn)


class AnswerResponder:
    def __init__(
        self, retriever: NewsRetriever, answerer: Answerer, desk: NewsDesk | None, min_score: float, closest_k: int
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.desk = desk
        self.min_score = min_score
        self.closest_k = closest_k
        self._lock = threading.Lock()
        self._checks: ThreadPoolExecutor | None = None

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        if not worth_reading(turn.standalone, turn.passages, self.min_score):
            yield from self._abstain(turn)
            return
        # The conflict check runs while the answer is drafted (they share the reader's reading of the
        # passages; the answer's own work fills the cores meanwhile), and is known before the first
        # piece goes out: its line leads the answer.
        checked = self._conflict(turn)
        t = time.perf_counter()
        draft = Draft(abstained=True)
        for item in self.answerer.stream(turn.standalone, turn.passages):
            if isinstance(item, Draft):
                draft = item
            elif checked.result()[0] is None:
                yield item
        conflict, extra = checked.result()
        turn.timings["answer_ms"] = (time.perf_counter() - t) * 1000
        if draft.abstained or not draft.text.strip():
            yield from self._abstain(turn)
            return
        if conflict is not None:
            turn.passages = [*turn.passages, *extra]
        answer = cite_answer(turn, draft, conflict)
        if conflict is not None:
            yield answer.text
        yield answer

    def _conflict(self, turn: Turn) -> Future[tuple[Conflict | None, list[Hit]]]:
        """The news desk's conflict check of the turn's passages, under way (done at once without a desk)."""
        if self.desk is None:
            done: Future[tuple[Conflict | None, list[Hit]]] = Future()
            done.set_result((None, []))
            return done
        with self._lock:
            if self._checks is None:
                self._checks = ThreadPoolExecutor(CHECKS, thread_name_prefix="conflict-check")
        return self._checks.submit(self.desk.conflict, turn.standalone, turn.intent, turn.passages, turn.vector)

    def _abstain(self, turn: Turn) -> Iterator[str | Answer]:
        closest = self._closest(turn)  # listed once, under the message (not also inside it)
        answer = turn.answer(text=NOT_COVERED if closest else NOT_COVERED_NONE, citations=[], abstained=True,
                             closest=closest)  # fmt: skip
        yield answer.text
        yield answer

    def _closest(self, turn: Turn) -> list[Closest]:
        """The stories nearest the question, one line each: the nearest copy, the others as ``also``
        (within what the question may use: nothing after its as-of date, its filters)."""
        if turn.vector is None:
            return []
        scope = self.retriever.scope(turn.filters)
        stories: dict[str, list[tuple[StoredArticle, float]]] = {}
        for a, score in self.retriever.store.nearest_articles(turn.vector, self.closest_k * 4, scope):
            stories.setdefault(a.story or a.id, []).append((a, score))
        return [
            Closest(**first.ref().ref_fields(), score=score, also=tuple(a.ref() for a, _ in rest))
            for (first, score), *rest in list(stories.values())[: self.closest_k]
        ]
