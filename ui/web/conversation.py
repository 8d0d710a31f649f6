"""The chat's conversation as it grows: each question streamed into the conversation, the
sources its [n] open, and the thumbs and "tell us more" on its answers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from rag.answer import Answer
from rag.conversations import Turn
from rag.feedback.record import Feedback
from rag.filters import Filters
from vectorstore.errors import InputError, NewsragError, NotFound

from ..format import answer_markdown, article_view, cited_source, deleted_source, md_escape
from .api import Service, expect_text, user_of
from .guards import QuestionLimit, client_of


def as_typed(message: dict[str, Any]) -> dict[str, Any]:
    """A conversation turn as the user typed it (the chat shows it through ``md_escape``)."""
    content = message.get("content")
    if message.get("role") == "user" and isinstance(content, str):
        return {**message, "content": html.unescape(content)}
    return message


# An answer in the conversation: the answer, the filters it was asked with, its rating once rated
# (what a kept conversation keeps of each answer).
Asked = Turn


@dataclass(frozen=True)
class Rated:
    """The rating just given (the "tell us more" box amends it)."""

    id: int
    rating: str


@dataclass
class Conversation:
    service: Service
    limit: QuestionLimit  # questions per client per minute (shared with the API)

    def chat(
        self,
        message: str,
        history: list[dict[str, Any]] | None,
        asked: dict[int, Asked] | None,
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        request: Any = None,
        warn: Callable[[str], None] = lambda message: None,
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[int, Asked]]]:
        """The conversation as it grows: (turns, what stays in the question box, every answer by
        its place, with the filters it was asked with).  A refused or failed question is said in
        the conversation (and to ``warn``), the question kept in the box; what was written stays."""
        asked = asked or {}
        prior = [as_typed(m) for m in history or [] if isinstance(m, dict)]  # condensing reads what was typed
        turns = [*(history or []), {"role": "user", "content": md_escape(message or "")},
                 {"role": "assistant", "content": "…"}]  # fmt: skip
        key = len(turns) - 1  # this answer's place in the conversation: its [n] links name it
        text, final = "", None
        try:
            self.limit.check(client_of(request))
            filters = Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=outlet)
            yield turns, "", asked
            for item in self.service.stream(message, prior, filters):
                if isinstance(item, Answer):
                    final = item
                else:
                    text += item
                    turns[-1] = {"role": "assistant", "content": md_escape(text)}
                    yield turns, "", asked
        except NewsragError as e:
            warn(html.escape(str(e), quote=False))
            shown = md_escape(text) + "\n\n" if text else ""
            turns[-1] = {"role": "assistant", "content": f"{shown}⚠ **Not answered:** {md_escape(str(e))}"}
            yield turns, message, asked
            return
        assert final is not None
        turns[-1] = {"role": "assistant", "content": answer_markdown(final, key)}
        kept = {"since": since or "", "until": until or "", "source": outlet or ""}
        yield turns, "", {**asked, key: Asked(final, kept)}

    def open_cited(self, request: str, asked: dict[int, Asked] | None) -> str:
        """What a clicked link of an answer names, inside its article: source n ("source-KEY-N@time"),
        or closest article n of an answer that found nothing ("source-KEY-cN@time")."""
        m = re.fullmatch(r"source-(\d+)-(c?)(\d+)(@\d+)?", (request or "").strip())
        if not m:
            return ""
        turn, n = (asked or {}).get(int(m.group(1))), int(m.group(3))
        source: Any = None
        view: Callable[[Any, str], str] = cited_source
        if turn is not None and m.group(2) and 0 < n <= len(turn.answer.closest):
            source, view = turn.answer.closest[n - 1], article_view
        elif turn is not None and not m.group(2):
            source, view = next((c for c in turn.answer.citations if c.n == n), None), cited_source
        if source is None:
            return "<p>That source is no longer available (the page was reloaded). Ask the question again.</p>"
        try:
            return view(source, self.service.article_text(source.article_id))
        except NotFound:  # deleted since the answer was given
            return deleted_source(source)

    def rate_turn(self, asked: dict[int, Asked] | None, key: int, liked: bool, request: Any = None) -> Rated:
        """A thumbs on the answer at ``key``: a new rating, or the same answer's rating changed (also
        in a reopened conversation: the conversation keeps its answers' ratings)."""
        turn = asked.get(key) if asked else None
        if asked is None or turn is None:
            raise InputError("That answer is no longer available (the page was reloaded). Ask the question again.")
        rating, user = ("up" if liked else "down"), user_of(request)
        if turn.rated:
            fb = self.service.feedback.amend(turn.rated, user, rating=rating)
        else:
            fb = self.service.rate(Feedback.of(turn.answer.to_dict(), rating, filters=turn.filters, user=user))
        asked[key] = replace(turn, rated=fb.id, rating=rating)  # the conversation's state, kept after
        return Rated(fb.id, rating)

    def tell_more(self, rated: Rated | None, comment: str, correction: str, request: Any = None) -> str:
        """The comment and right answer for the answer just rated; what the UI says back."""
        expect_text("comment", comment)
        expect_text("correction", correction)
        if rated is None:
            raise InputError("Rate an answer with 👍 or 👎 first, then say what was right.")
        self.service.feedback.amend(rated.id, user_of(request), comment=comment or "", correction=correction or "")
        return "Thank you: kept with your rating. `newsrag feedback export` turns ratings into an eval set."
