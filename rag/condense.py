"""Turn a follow-up question into a standalone one, for retrieval.

No model needed: pronouns that point back ("his", "she", "it", ...) are
replaced by the first named entity of the most recent user turn that has one;
elliptical follow-ups ("And Trump?", "What about 2015?") carry that turn along.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Message = Mapping[str, Any] | Sequence[Any]

_POSSESSIVE = {"his", "her", "its", "their"}
_PERSONAL = {"he", "she", "him", "they", "them", "it"}
_QUESTION_WORDS = {
    "What", "Who", "Whom", "Whose", "Where", "When", "Why", "How", "Which", "Is", "Are", "Was", "Were",
    "Do", "Does", "Did", "Can", "Could", "Will", "Would", "Should", "Has", "Have", "Had", "The", "A", "An",
    "And", "But", "Or", "In", "On", "At", "Tell", "Give", "List", "Name", "Please", "I", "According",
}  # fmt: skip
_ENTITY = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’.-]*)*")
_ELLIPTIC = re.compile(r"^(and|what about|how about|and what about|also)\b", re.I)


def user_turns(history: Iterable[Message]) -> list[str]:
    """The user's messages, oldest first, from messages or (user, bot) pairs."""
    turns: list[str] = []
    for m in history or []:
        if isinstance(m, Mapping):
            if m.get("role") == "user" and isinstance(m.get("content"), str):
                turns.append(m["content"])
        elif isinstance(m, Sequence) and not isinstance(m, str) and m and isinstance(m[0], str):
            turns.append(m[0])
    return turns


def entities(text: str) -> list[str]:
    out = []
    for m in _ENTITY.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        ent = " ".join(words).rstrip(".'’s").rstrip("'’")
        if ent and ent not in _QUESTION_WORDS:
            out.append(ent)
    return out


def condense(question: str, history: Iterable[Message] | None) -> str:
    q = question.strip()
    turns = user_turns(history or [])
    if not turns:
        return q
    previous = turns[-1].strip()
    referent = next((ents[0] for t in reversed(turns) if (ents := entities(t))), None)
    words = re.findall(r"[A-Za-z]+", q)
    lowered = {w.lower() for w in words}
    if referent and lowered & (_POSSESSIVE | _PERSONAL):

        def sub(m: re.Match[str]) -> str:
            w = m.group(0).lower()
            return f"{referent}'s" if w in _POSSESSIVE else referent

        pattern = r"\b(" + "|".join(sorted(_POSSESSIVE | _PERSONAL)) + r")\b"
        return re.sub(pattern, sub, q, flags=re.I)
    if _ELLIPTIC.match(q) or len(words) <= 3:
        return f"{q} ({previous})"
    return q
