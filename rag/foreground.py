"""Questions first: adding articles while people are asking gives way to their questions.

On two cores an article being added (embedded, written, indexed) took the CPU from the
questions asked meanwhile: with 20 users asking and another adding 300 articles,
answers slowed from p95 1.8 s to 3.4 s (``benchmarks/load.py``).  The ingestor now
calls :meth:`Foreground.pause` before each costly step (embedding, writing); while a
question is being answered it waits, at most ``max_wait`` each time, so adding goes on
at a slower pace under load and at full speed as soon as the questions stop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    def __init__(self, max_wait: float = 0.5) -> None:
        self.max_wait = max_wait
        self._answering = 0
        self._waiting = 0
        self._idle = threading.Condition()

    @contextmanager
    def question(self) -> Iterator[None]:
        """Around the answering of one question."""
        with self._idle:
            self._answering += 1
        try:
            yield
        finally:
            with self._idle:
                self._answering -= 1
                if not self._answering:
                    self._idle.notify_all()

    def pause(self) -> None:
        """Wait until no question is being answered, or ``max_wait`` seconds."""
        with self._idle:
            self._waiting += 1
            try:
                self._idle.wait_for(lambda: not self._answering, timeout=self.max_wait)
            finally:
                self._waiting -= 1

    @property
    def answering(self) -> int:
        return self._answering

    @property
    def waiting(self) -> int:
        """How many adds are waiting for the questions to end right now."""
        return self._waiting
