"""One rating of one answer, built from the answer's JSON (what ``/ask`` and ``ask --json``
return), so the web UI, the API and any client record the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vectorstore.errors import InputError

RATINGS = ("up", "down")
MAX_TEXT = 2000  # a comment's or a correction's characters
# What a rating keeps of the answer it rates, at most (a real answer is far under each: a long
# briefing is a few thousand characters); a rating over one is refused, nothing kept.
MAX_ANSWER = 20_000  # the question's and the answer's characters
MAX_CITED = 100  # cited sentences, and articles retrieved
MAX_CITED_TEXT = 5_000  # a cited sentence's, title's, outlet's or address's characters


@dataclass(frozen=True)
class CitedSentence:
    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    sentence: str  # the sentence the answer cites, as the article has it


@dataclass(frozen=True)
class Feedback:
    rating: str  # "up" or "down"
    question: str
    as_of: str  # YYYY-MM-DD: the day the question was asked as of
    answer: str
    short: str | None = None
    abstained: bool = False
    cited: tuple[CitedSentence, ...] = ()
    retrieved: tuple[str, ...] = ()  # article ids, as retrieval ranked them
    filters: dict[str, str] = field(default_factory=dict)  # since, until, source: what else the question kept to
    comment: str = ""
    correction: str = ""  # the right answer, as the user gives it
    user: str = ""  # the signed-in user (NEWSRAG_AUTH), else empty
    standalone: str = ""  # the question as it was searched (a follow-up with what it refers to)
    mode: str = "answer"  # "answer", or a timeline's or a briefing's (no question with an answer)
    at: str = ""  # when it was given (UTC, ISO 8601); set by the log
    id: int = 0  # set by the log

    @classmethod
    def of(
        cls,
        answer: dict[str, Any],
        rating: str,
        comment: str = "",
        correction: str = "",
        filters: dict[str, str] | None = None,
        user: str = "",
    ) -> Feedback:
        """A rating of ``answer`` (the answer's JSON).  Refuses what is not a rating of an answer."""
        if not isinstance(answer, dict) or not isinstance(answer.get("question"), str) or "text" not in answer:
            raise InputError("Send the answer as /ask returned it (its JSON, with question and text) with the rating.")
        fb = cls(
            rating=rating, question=answer["question"], as_of=str(answer.get("as_of") or ""),
            standalone=str(answer.get("standalone_question") or ""), mode=str(answer.get("mode") or "answer"),
            answer=str(answer.get("text") or ""), short=answer.get("short"), abstained=bool(answer.get("abstained")),
            cited=_all_cited(answer.get("citations")),
            retrieved=tuple(str(i) for i in answer.get("retrieved") or []),
            filters={k: str(v) for k, v in (filters or {}).items() if v}, comment=_text(comment),
            correction=_text(correction), user=user,
        )  # fmt: skip
        check_rating(fb)
        return fb

    @property
    def gold(self) -> list[str]:
        """The answers this rating says are right: the correction; for a thumbs-up, what was
        answered (the short answer, else the first cited sentence); none otherwise."""
        if self.correction:
            return [self.correction]
        if self.rating == "up" and not self.abstained:
            return [self.short] if self.short else [c.sentence for c in self.cited[:1]]
        return []


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value  # not text: check_rating says so


def check_rating(fb: Feedback) -> None:
    """Refuse what is not a rating: an unknown thumbs, text that is not text or too long."""
    if fb.rating not in RATINGS:
        raise InputError(f"The rating must be 'up' or 'down', not {fb.rating!r}.")
    for name, value in (("comment", fb.comment), ("correction", fb.correction)):
        if not isinstance(value, str):
            raise InputError(f"The {name} must be text, not {type(value).__name__}.")
        if len(value) > MAX_TEXT:
            raise InputError(f"The {name} is {len(value):,} characters long; keep it under {MAX_TEXT:,}.")
    resend = "Send the answer as /ask returned it."
    for name, value in (("question", fb.question), ("answer's text", fb.answer), ("short answer", fb.short or "")):
        if len(str(value)) > MAX_ANSWER:
            raise InputError(f"The {name} is {len(str(value)):,} characters long, over the {MAX_ANSWER:,} an answer "
                             f"of newsrag has at most. {resend}")  # fmt: skip
    if len(fb.cited) > MAX_CITED or len(fb.retrieved) > MAX_CITED:
        raise InputError(f"The answer has more than {MAX_CITED} citations or retrieved articles. {resend}")
    for c in fb.cited:
        if max(len(str(v or "")) for v in (c.sentence, c.title, c.source, c.url, c.article_id)) > MAX_CITED_TEXT:
            raise InputError(f"Citation [{c.n}] has a field over {MAX_CITED_TEXT:,} characters. {resend}")


def _all_cited(citations: Any) -> tuple[CitedSentence, ...]:
    try:
        return tuple(_cited(c) for c in citations or [])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"The answer's citations are not as /ask returned them ({e!r}). Send it unchanged.") from e


def _cited(c: dict[str, Any]) -> CitedSentence:
    passage, start = str(c.get("passage") or ""), int(c.get("start") or 0)
    lo, hi = int(c.get("sentence_start", -1)) - start, int(c.get("sentence_end", -1)) - start
    sentence = passage[lo:hi] if 0 <= lo < hi <= len(passage) else passage
    return CitedSentence(n=int(c["n"]), article_id=str(c["article_id"]), title=str(c.get("title") or ""),
                         source=c.get("source"), published=c.get("published"), url=c.get("url"),
                         sentence=sentence.strip())  # fmt: skip
