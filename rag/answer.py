"""The structured answer every answerer and the chain return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from vectorstore.records import ArticleRef, Hit


@dataclass(frozen=True, kw_only=True)
class Citation(ArticleRef):
    """Source ``n`` of an answer: the passage an [n] marker points at, with its article."""

    n: int
    passage: str
    start: int  # character span of the passage in the article's text
    end: int
    score: float
    also: tuple[ArticleRef, ...] = ()  # other outlets' copies of the story ("also reported by")
    sentence_start: int = -1  # character span, in the article's text, of the passage's sentence the answer cites
    sentence_end: int = -1

    @property
    def sentence(self) -> str:
        """The sentence of the passage the answer cites ("" when none was chosen)."""
        if self.sentence_start < 0:
            return ""
        return self.passage[self.sentence_start - self.start : self.sentence_end - self.start]

    @classmethod
    def of(cls, n: int, hit: Hit, sentence: tuple[int, int]) -> Citation:
        """Source ``n``: the passage ``hit``, citing its characters ``sentence`` (offsets in the passage)."""
        lo, hi = hit.start + sentence[0], hit.start + sentence[1]
        return cls(**hit.ref_fields(), n=n, passage=hit.text, start=hit.start, end=hit.end, score=hit.score,
                   also=hit.also, sentence_start=lo, sentence_end=hi)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Closest(ArticleRef):
    """A story listed when the answer abstains: its article nearest to the question, with its
    similarity, and the story's other copies among the nearest ("also reported by")."""

    score: float
    also: tuple[ArticleRef, ...] = ()


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of the answer, checked against the passages it cites (rag.support)."""

    start: int  # span of the sentence in the answer text
    end: int
    cited: list[int]  # the citation numbers its markers give
    supported: bool
    missing: list[str] = field(default_factory=list)  # what no cited passage holds


@dataclass(frozen=True)
class ShortSource:
    """Where the short answer is copied from: source ``n``'s article, characters ``start:end``."""

    n: int
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Reported(ArticleRef):
    """A value one source gives for what was asked ("131"), cited as [n]."""

    value: str
    n: int
    said_by: str = ""  # whom the source attributes it to ("the health ministry"), when it says


class Mode(StrEnum):
    """What an answer is: one answer, how a story developed, or a period's stories."""

    ANSWER = "answer"
    TIMELINE = "timeline"
    BRIEFING = "briefing"


class ConflictKind(StrEnum):
    UPDATE = "update"  # a later report revises an earlier one
    DISAGREEMENT = "disagreement"  # reports of the same time give different values


@dataclass(frozen=True)
class Conflict:
    """Sources that give different values for what was asked, newest first: a later report
    revising an earlier one (``update``), or reports of the same time that disagree."""

    kind: ConflictKind
    values: tuple[Reported, ...]


@dataclass(frozen=True)
class Event:
    """One line of a timeline (a day of a story) or a briefing (a story of the period)."""

    day: str | None  # YYYY-MM-DD
    text: str  # the line, without its markers
    cited: tuple[int, ...]  # its [n]
    value: str | None = None  # the figure asked about, as that day's source gives it
    articles: int = 1  # how many articles the line stands for
    outlets: tuple[str, ...] = ()  # who reported it
    members: tuple[str, ...] = ()  # a briefing's story: the ids of its articles, the cited one first


@dataclass(frozen=True)
class Answer:
    question: str
    standalone_question: str
    text: str
    citations: list[Citation]
    abstained: bool = False
    uncited: bool = False  # an LLM answer with no valid marker
    closest: list[Closest] = field(default_factory=list)  # closest articles when abstaining
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    answerer: str = ""
    retrieved: list[str] = field(default_factory=list)  # article ids, best first, as retrieval ranked them
    read: list[str] = field(default_factory=list)  # article ids of the passages the answer was written from
    as_of: str = ""  # YYYY-MM-DD: the moment the question was asked as of
    as_of_given: bool = False  # the user chose it (else: today)
    time_scope: str = ""  # "since..until" when the question named a period, "recent" for a recency preference
    checks: list[SentenceCheck] = field(default_factory=list)  # each sentence, checked against what it cites
    unsupported: int = 0  # sentences no cited passage supports (rag.support)
    short: str | None = None  # the short answer, shown first in bold: a span of a cited sentence
    short_source: ShortSource | None = None
    mode: Mode = Mode.ANSWER
    conflicts: list[Conflict] = field(default_factory=list)  # values the sources revise or dispute
    events: list[Event] = field(default_factory=list)  # a timeline's or a briefing's lines, in order

    @property
    def as_of_matters(self) -> bool:
        return self.as_of_given or bool(self.time_scope)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The answer ``to_dict`` gave (a kept conversation reads its answers back with this)."""

        def with_refs(record: dict[str, Any]) -> dict[str, Any]:
            return {**record, "also": tuple(ArticleRef(**a) for a in record.get("also", ()))}

        short = d.get("short_source")
        mode = Mode(d.get("mode", Mode.ANSWER))
        return cls(**{**d, "mode": mode, "citations": [Citation(**with_refs(c)) for c in d.get("citations", [])],
                      "closest": [Closest(**with_refs(c)) for c in d.get("closest", [])],
                      "checks": [SentenceCheck(**c) for c in d.get("checks", [])],
                      "short_source": ShortSource(**short) if short else None,
                      "conflicts": [Conflict(ConflictKind(c["kind"]), tuple(Reported(**v) for v in c["values"]))
                                    for c in d.get("conflicts", [])],
                      "events": [Event(**{**e, "cited": tuple(e["cited"]), "outlets": tuple(e["outlets"]),
                                        "members": tuple(e.get("members", ()))})
                                 for e in d.get("events", [])]})  # fmt: skip
