"""The structured answer every answerer and the chain return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """Source ``n`` of an answer: the passage an [n] marker points at."""

    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    passage: str
    start: int  # character span of the passage in the article's text
    end: int
    score: float
    also: list[dict[str, Any]] = field(default_factory=list)  # other outlets' copies of the story ("also reported by")
    sentence_start: int = -1  # character span, in the article's text, of the passage's sentence the answer cites
    sentence_end: int = -1


@dataclass(frozen=True)
class ShortSource:
    """Where the short answer is copied from: source ``n``'s article, characters ``start:end``."""

    n: int
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    standalone_question: str
    text: str
    citations: list[Citation]
    abstained: bool = False
    uncited: bool = False  # an LLM answer with no valid marker
    closest: list[dict[str, Any]] = field(default_factory=list)  # closest articles when abstaining
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    answerer: str = ""
    retrieved: list[str] = field(default_factory=list)  # article ids, best first, as retrieval ranked them
    as_of: str = ""  # YYYY-MM-DD: the moment the question was asked as of
    as_of_given: bool = False  # the user chose it (else: today)
    time_scope: str = ""  # "since..until" when the question named a period, "recent" for a recency preference
    checks: list[dict[str, Any]] = field(default_factory=list)  # per sentence: start, end, cited, supported, missing
    unsupported: int = 0  # sentences no cited passage supports (rag.support)
    short: str | None = None  # the short answer, shown first in bold: a span of a cited sentence
    short_source: ShortSource | None = None

    @property
    def as_of_matters(self) -> bool:
        return self.as_of_given or bool(self.time_scope)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
