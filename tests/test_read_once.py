"""Each passage a question needs is read once (issue 41: ask p50 and 20 users): the reader's
reading shared by the conflict check and the answer even while it is under way, the conflict
check run beside the answer, passages kept in memory once read from Chroma — and none of it
changes what is answered: a replaced or deleted article's passages are never served."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from rag.answer import Conflict, ConflictKind, Reported
from rag.answerers import Draft
from rag.filters import Filters
from rag.readers.span import SpanReader
from rag.responders.answer import AnswerResponder
from rag.turn import Turn
from vectorstore.article import Article, Chunk
from vectorstore.records import ArticleRef, Hit
from vectorstore.store import ChromaStore
from vectorstore.store.client import open_client

WAIT_S = 10.0  # a condition not met in this long is a failure (never a hang)


def waiting_in(thread: threading.Thread, function: str) -> bool:
    """Whether ``thread`` is inside ``function`` now (blocked on it)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back
    return False


def until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"waited {WAIT_S} s for {what}"
        threading.Event().wait(0.001)


class CountingReader(SpanReader):
    """The span reader with its model replaced: each passage's run is counted, and the first
    waits for ``release``."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(workers=2)
        self.runs = 0
        self.release = threading.Event()
        self.fail = fail

    def _load(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers)

    def _question(self, question: str) -> str:
        return question

    def _one(self, question: str, passage: str, k: int) -> tuple[float, list]:  # type: ignore[type-arg]
        with self._lock:
            self.runs += 1
        assert self.release.wait(WAIT_S), "the test never let the reading finish"
        if self.fail:
            raise RuntimeError("the model failed")
        return 1.0, []


def test_a_reading_under_way_is_waited_for_not_run_again() -> None:
    reader = CountingReader()
    texts = ["Passage one.", "Passage two."]
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(reader.read_texts, "Who?", texts)
        until(lambda: reader.runs == len(texts), "the first reading to start")
        second_thread: list[threading.Thread] = []

        def second() -> object:
            second_thread.append(threading.current_thread())
            return reader.read_texts("Who?", texts)

        other = pool.submit(second)
        until(lambda: second_thread and waiting_in(second_thread[0], "result"), "the second caller to wait")
        reader.release.set()
        assert first.result(WAIT_S) is other.result(WAIT_S)
    assert reader.runs == len(texts)  # each passage run once, for both callers


def test_a_failed_reading_fails_every_caller_waiting_on_it_and_the_next_one_reads_again() -> None:
    reader = CountingReader(fail=True)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(reader.read_texts, "Who?", ["Passage."])
        until(lambda: reader.runs == 1, "the reading to start")
        other = pool.submit(reader.read_texts, "Who?", ["Passage."])
        reader.release.set()
        for f in (first, other):
            with pytest.raises(RuntimeError, match="the model failed"):
                f.result(WAIT_S)
    reader.fail = False
    assert reader.read_texts("Who?", ["Passage."]).no_answer == -1.0
    assert reader.runs >= 2  # read again, not the failure remembered


def hit(i: int, text: str) -> Hit:
    ref = ArticleRef(f"a{i}", f"Title {i}", None, f"2025-03-0{i}", None)
    return Hit(**ref.ref_fields(), chunk_id=f"c{i}", text=text, start=0, end=len(text), score=0.9)


PASSAGES = [hit(1, "The toll rose to 131 on Monday."), hit(2, "The toll rose to 97 on Sunday.")]
REVISED = Conflict(ConflictKind.UPDATE, (Reported(**PASSAGES[0].ref().ref_fields(), value="131", n=1),
                                         Reported(**PASSAGES[1].ref().ref_fields(), value="97", n=2)))  # fmt: skip


class StreamingAnswerer:
    """Writes its answer in pieces (as an LLM streams), saying when it started."""

    name = "pieces"

    def __init__(self) -> None:
        self.started = threading.Event()

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        self.started.set()
        yield "The toll rose "
        yield "to 131 [1]."
        yield Draft("The toll rose to 131 [1].")


class SlowDesk:
    """A conflict check that finishes only once the answer has begun: run before the answer
    (one after the other), it would wait for ever; beside it, both finish."""

    def __init__(self, answerer: StreamingAnswerer, found: Conflict | None) -> None:
        self.answerer, self.found = answerer, found

    def conflict(self, question: str, intent: object, passages: Sequence[Hit], vector: object) -> tuple:  # type: ignore[type-arg]
        assert self.answerer.started.wait(WAIT_S), "the conflict check did not run beside the answer"
        return self.found, []


def respond(found: Conflict | None) -> list[object]:
    answerer = StreamingAnswerer()
    responder = AnswerResponder(None, answerer, SlowDesk(answerer, found), min_score=0.0, closest_k=3)  # type: ignore[arg-type]
    turn = Turn("How many died?", [], Filters(), "pieces", time.perf_counter(), standalone="How many died?",
                passages=list(PASSAGES), vector=np.zeros(4))  # fmt: skip
    return list(responder.respond(turn))


def test_the_conflict_check_runs_beside_the_answer_and_its_line_still_leads() -> None:
    out = respond(REVISED)
    texts = [x for x in out if isinstance(x, str)]
    assert texts and texts[0].startswith("**131** — ")  # nothing of the answer went out before the line
    assert "The toll rose " not in texts
    assert out[-1].conflicts and out[-1].conflicts[0].kind == ConflictKind.UPDATE  # type: ignore[union-attr]


def test_without_a_conflict_the_answer_still_streams_piece_by_piece() -> None:
    out = respond(None)
    assert out[:2] == ["The toll rose ", "to 131 [1]."]
    assert not out[-1].conflicts  # type: ignore[union-attr]


def store_at(data: Path) -> ChromaStore:
    return ChromaStore(open_client(str(data / "chroma")), "hash", 8, keyword_db=data / "keywords.sqlite3")


def write(store: ChromaStore, text: str) -> None:
    art = Article(id="story", title="The story", text=text, published="2025-03-01")
    parts = text.split("\n")
    chunks, at = [], 0
    for i, part in enumerate(parts):
        chunks.append(Chunk(art.id, i, part, at, at + len(part)))
        at += len(part) + 1
    vecs = np.tile(np.eye(8, dtype=np.float32)[0], (len(parts), 1))
    store.write_articles([(art, chunks, vecs)])


def test_passages_read_before_are_never_served_once_their_article_is_replaced_or_deleted(tmp_path: Path) -> None:
    here = store_at(tmp_path)
    write(here, "The toll rose to 97.\nRescuers kept digging.")
    v = np.eye(8, dtype=np.float32)[0]
    before = here.query(v, 5)
    assert {h.text for h in before} == {"The toll rose to 97.", "Rescuers kept digging."}
    old_ids = [h.chunk_id for h in before]
    gets = []
    real_get = here.chunks.get
    here.chunks.get = lambda *a, **k: gets.append(k) or real_get(*a, **k)  # type: ignore[method-assign]
    assert [h.text for h in here.hits_by_ids(old_ids, v)] == [h.text for h in before]
    assert not gets  # read from memory the second time
    here.chunks.get = real_get  # type: ignore[method-assign]

    other = ChromaStore(here.client, "hash", 8, keyword_db=tmp_path / "other.sqlite3")  # another writer
    write(other, "The toll rose to 131.\nRescuers stopped.")
    assert {h.text for h in here.query(v, 5)} == {"The toll rose to 131.", "Rescuers stopped."}
    assert here.hits_by_ids(old_ids, v) == []  # superseded: the remembered words are not served
    other.delete_article("story")
    assert here.query(v, 5) == [] and here.hits_by_ids(old_ids, v) == []
