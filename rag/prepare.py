"""The first step of the answer path: the question checked, made standalone from the
conversation (``condense``), and what kind of answer it asks for (``classify``)."""

from __future__ import annotations

import time
from typing import Any

from vectorstore.errors import InputError

from .condense import Message, condense
from .filters import Filters
from .news.intent import classify
from .readers.base import QUESTION_CHARS_READ, question_read
from .turn import Turn


def validate_question(question: Any, max_chars: int) -> str:
    if question is not None and not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}. Send it as a string.")
    if not question or not question.strip():
        raise InputError("The question is empty. Type a question about the articles.")
    q = question.strip()
    if len(q) > max_chars:
        raise InputError(
            f"The question is {len(q):,} characters long; the limit is {max_chars:,}. "
            "Ask a shorter question (NEWSRAG_MAX_QUESTION_CHARS sets the limit)."
        )
    return q


def validate_history(history: Any) -> list[Message]:
    """The conversation so far: a list of messages ({"role", "content"}) or of (user, bot) pairs."""
    if history is None:
        return []
    if isinstance(history, str | bytes | dict) or not isinstance(history, list | tuple):
        raise InputError(
            f"history must be a list of messages ({{'role': 'user', 'content': '…'}}), not {type(history).__name__}."
        )
    return list(history)


def prepare(inputs: dict[str, Any], max_question_chars: int, answerer: str) -> Turn:
    """``inputs``: ``question``, ``history`` and ``filters``, as the chain is given them."""
    t0 = time.perf_counter()
    q = validate_question(inputs.get("question"), max_question_chars)
    history = validate_history(inputs.get("history"))
    turn = Turn(question=q, history=history, filters=inputs.get("filters") or Filters(), answerer=answerer, t0=t0)
    turn.standalone = condense(q, history)
    turn.intent = classify(turn.standalone)
    turn.timings["condense_ms"] = (time.perf_counter() - t0) * 1000
    if len(turn.standalone) > QUESTION_CHARS_READ:  # the reader reads its start only: said with the timings
        turn.timings["question_read_chars"] = float(len(question_read(turn.standalone)))
    return turn
