"""Questions first: adding an article waits while a question is being answered."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from rag.foreground import Foreground
from tests.helpers import make_service, wait_for
from vectorstore.article import Article


def test_pause_returns_at_once_when_no_question_is_answered_and_waits_at_most_max_wait() -> None:
    fg = Foreground(max_wait=0.3)
    t = time.monotonic()
    fg.pause()
    assert time.monotonic() - t < 0.1
    with fg.question():
        t = time.monotonic()
        fg.pause()  # nobody ends the question: it gives up after max_wait
        assert 0.25 < time.monotonic() - t < 2
    assert fg.answering == 0


def test_an_article_added_while_a_question_is_answered_is_written_after_it(tmp_path: Path) -> None:
    # the sentence reader (no trained model to load): the question must end with its answer
    svc = make_service(tmp_path, min_score=-1.0, reader="sentences")
    svc.add_article(Article(id="storm", title="Storm hits coast", text="A storm cut power to homes on Monday."))
    svc.foreground.max_wait = 30.0
    asking, release = threading.Event(), threading.Event()

    class Hold:  # a ranking stage that keeps the question in progress until released
        name, weight = "hold", 1.0

        def rank(self, req: Any) -> list[str]:
            asking.set()
            assert release.wait(30)
            return []

    svc.retriever.stages = [*svc.retriever.stages, Hold()]
    answers: list[Any] = []
    question = threading.Thread(target=lambda: answers.append(svc.ask("Did the storm cut power?")))
    question.start()
    assert asking.wait(30)
    added: list[Any] = []
    adder = threading.Thread(
        target=lambda: added.append(svc.add_article(Article(id="ferry", title="Ferry", text="A ferry docked.")))
    )
    adder.start()
    wait_for(lambda: svc.foreground.waiting == 1, 30, "the add to wait for the question")
    assert svc.store.get_article("ferry") is None and not added  # still waiting for the question
    release.set()
    question.join(30)
    adder.join(30)
    assert answers and "storm" in answers[0].text.lower()  # the question was answered, then the add went on
    assert added and added[0].status == "added"
    assert svc.store.get_article("ferry") is not None
