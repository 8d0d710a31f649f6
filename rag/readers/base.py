"""What a reader says: spans of the passages, best first, and how strongly it finds no answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vectorstore.records import Hit

# A reader reads at most this much of a question (the first characters, cut at a word): the span
# reader's question and passage share 256 tokens, and a 1,600-character question left no room for
# the passage (the chain says so in the answer's timings: ``question_read_chars``).
QUESTION_CHARS_READ = 250


def question_read(question: str) -> str:
    """The part of ``question`` a reader reads (all of it, up to :data:`QUESTION_CHARS_READ`)."""
    if len(question) <= QUESTION_CHARS_READ:
        return question
    cut = question[:QUESTION_CHARS_READ]
    return cut[: cut.rfind(" ")] if " " in cut[QUESTION_CHARS_READ // 2 :] else cut


@dataclass(frozen=True)
class Span:
    """An answer in passage ``passage`` (0-based, in the given order): characters
    ``start:end`` of its text.  ``sentence`` says the span is a whole sentence (a reader
    that finds sentences, not short answers)."""

    passage: int
    start: int
    end: int
    score: float  # the reader's own scale; higher is surer
    sentence: bool = False

    def holds(self, other: Span) -> bool:
        """Whether ``other`` lies inside this span (a short answer inside a sentence)."""
        return other.passage == self.passage and self.start <= other.start < other.end <= self.end


@dataclass(frozen=True)
class Reading:
    spans: tuple[Span, ...]  # best first
    no_answer: float  # how strongly the reader finds no answer (its own scale; higher: surer)
    # The sentences to quote, when a sentence chooser picked them (best first): the short
    # answer is then the best of ``spans`` inside them (the hybrid puts its own first).
    sentences: tuple[Span, ...] = ()


class Reader(Protocol):
    name: str

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        """Where in the passages' texts the answer to ``question`` is, best first."""
        ...
