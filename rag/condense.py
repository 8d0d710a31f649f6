"""Turn a follow-up question into a standalone one, for retrieval.

No model needed: pronouns that point back ("his", "she", "it", ...) are
replaced by the named entity of the most recent user turn that has one, unless the question
names what they point to before them ("Which agency said it…": a complete question is left
as it is); when that
turn names two ("Trump and Putin"), both are searched for ("Trump's or Putin's
spokesman") rather than guessing, and the "searched for" line shows it.  Elliptical
follow-ups ("And Trump?", "What about 2015?", "Why?") carry the last question that said
what it was about by itself, and "Why?" after an answer to "Which country was…" asks why of
that answer ("Why was Cuba…?") (not "Why?" nor "Who is his spokesman?"); a question with its
own subject ("Who dissented?") is left alone.

Messages come as ``{"role", "content"}`` dicts (content a string, or a list of
parts as Gradio 6 sends it) or as (user, bot) pairs.
"""

from __future__ import annotations

import html
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
_FILLER = {"that", "this", "so", "then", "there", "exactly", "else", "about", "more", "it", "is", "was", "the"}
_ENTITY = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’.-]*)*")
_ELLIPTIC = re.compile(r"^(and|what about|how about|and what about|also)\b", re.I)
_AUX = r"is|are|was|were|be|been|do|does|did|has|have|had|will|would|can|could|should|may|might|must"
# a noun phrase a pronoun after it can point to: "which airline", "the company", "a minister"
_OWN_PHRASE = re.compile(rf"\b(?:which|whose|the|a|an)\s+(?!(?:{_AUX})\b)[a-z][a-z-]{{2,}}", re.I)


def message_text(content: Any) -> str | None:
    """A message's text: a string, or the text parts of a list of parts (``{"type": "text",
    "text": ...}`` as Gradio 6 sends them, or strings); None when it holds no text (a file)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return content["text"] if isinstance(content.get("text"), str) else None
    if isinstance(content, Sequence):
        parts = [t for part in content if (t := message_text(part)) is not None]
        return " ".join(parts) if parts else None
    return None


def user_turns(history: Iterable[Message]) -> list[str]:
    """The user's messages, oldest first, from messages or (user, bot) pairs."""
    turns: list[str] = []
    for m in history or []:
        if isinstance(m, Mapping):
            text = message_text(m.get("content")) if m.get("role") == "user" else None
        elif isinstance(m, Sequence) and not isinstance(m, str) and m:
            text = message_text(m[0])
        else:
            text = None
        if text and text.strip():
            turns.append(text)
    return turns


def entities(text: str) -> list[str]:
    out = []
    for m in _ENTITY.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        ent = " ".join(words).rstrip(".'’s").rstrip("'’")
        if len(ent) > 1 and ent not in _QUESTION_WORDS:  # "E" of "E. coli" names nothing
            out.append(ent)
    return out


def _own_words(q: str) -> list[str]:
    return [
        w for w in re.findall(r"[A-Za-z]+", q) if w.capitalize() not in _QUESTION_WORDS and w.lower() not in _FILLER
    ]


def _has_subject(turn: str) -> bool:
    """Whether a question says what it is about by itself: not elliptic ("Why?", "And Crimea?")
    and pointing back with no pronoun ("Who is his spokesman?" leans on the turn before)."""
    q = turn.strip()
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", q)}
    return bool(_own_words(q)) and not _ELLIPTIC.match(q) and not words & (_POSSESSIVE | _PERSONAL)


COMPLETE_WORDS = 8  # a question this long that names someone or something stands on its own


_ANSWERED = re.compile(r"^(?:which|what|who|whom|where)\b", re.I)  # a question its answer names
_THING = {"it", "its", "they", "them", "their"}
_WHY = re.compile(r"^(?:and )?(?:why|how come|why so|why is that|why was that|why did that happen)\W*$", re.I)
_AUXES = r"was|were|is|are|has|have|had|will|would|could|can"
# "Which country was plunged…", "Who was arrested…": the answer is the subject
_ABOUT_SUBJECT = re.compile(rf"^(?:(?:which|what)\s+[\w'’ -]+?|who)\s+(?P<aux>{_AUXES})\s+(?P<rest>.+?)[?.!\s]*$", re.I)
# the short answer an answer opens with: the CLI's and the API's **bold**, the web chat's <strong>
_SHORT = re.compile(r'^\s*(?:\*\*(?P<md>[^*\n]{1,200})\*\*|<strong class="short-answer">(?P<web>[^<]{1,200})</strong>)')


def last_short(history: Iterable[Message]) -> str | None:
    """The short answer the conversation's last answer opened with, if it had one."""
    said = None
    for m in history or []:
        if isinstance(m, Mapping) and m.get("role") == "assistant":
            said = message_text(m.get("content"))
        elif isinstance(m, Sequence) and not isinstance(m, str) and len(m) > 1:
            said = message_text(m[1])
    found = _SHORT.match(said or "")
    return html.unescape(found.group("md") or found.group("web")).strip() if found else None


def _about_the_answer(q: str, previous: str, short: str | None) -> str | None:
    """ "Why?" after "Which country was plunged into a blackout?" (Cuba) asks why of the
    answer: "Why was Cuba plunged into a blackout?"."""
    if not short or not _WHY.match(q.strip()):
        return None
    m = _ABOUT_SUBJECT.match(previous.strip())
    return f"Why {m.group('aux').lower()} {short} {m.group('rest')}?" if m else None


def _antecedent_in(q: str) -> bool:
    """Whether the question names what its first pronoun points to, before it ("Which agency
    said it…", "When does NASA plan its launch?"), or is long and names someone ("According to
    his biographer, Keir Starmer…"): then it is complete and left as it is."""
    first = re.search(r"\b(" + "|".join(sorted(_POSSESSIVE | _PERSONAL)) + r")\b", q, re.I)
    before = q[: first.start()] if first else q
    long_and_named = len(_own_words(q)) >= COMPLETE_WORDS and bool(entities(q))
    # "Which club is he joining?": a pronoun right after the verb is the question's subject, and
    # the "which" phrase is what is asked, not what the pronoun points to
    inverted = bool(re.search(rf"\b(?:{_AUX})\s*$", before, re.I))
    phrases = [m.group(0).split()[0].lower() for m in _OWN_PHRASE.finditer(before)]
    named = any(p not in ("which", "whose") for p in phrases) or (bool(phrases) and not inverted)
    return bool(entities(before)) or named or long_and_named


def condense(question: str, history: Iterable[Message] | None) -> str:
    q = question.strip()
    turns = user_turns(history or [])
    if not turns:
        return q
    previous = next((t.strip() for t in reversed(turns) if _has_subject(t)), turns[-1].strip())
    referents = next((list(dict.fromkeys(ents))[:2] for t in reversed(turns) if (ents := entities(t))), [])
    words = re.findall(r"[A-Za-z]+", q)
    lowered = {w.lower() for w in words}
    short = last_short(history or [])
    if (
        short
        and _ANSWERED.match(turns[-1].strip())
        and (lowered & _THING or turns[-1].strip().lower().startswith("who"))
    ):  # "Who runs it?" after "Which car company…?" answered Tesla: it is Tesla
        referents = [short]
    if referents and lowered & (_POSSESSIVE | _PERSONAL) and not _antecedent_in(q):

        def sub(m: re.Match[str]) -> str:
            possessive = m.group(0).lower() in _POSSESSIVE
            return " or ".join(f"{r}'s" if possessive else r for r in referents)

        pattern = r"\b(" + "|".join(sorted(_POSSESSIVE | _PERSONAL)) + r")\b"
        return re.sub(pattern, sub, q, flags=re.I)
    if (why := _about_the_answer(q, previous, short)) is not None:
        return why
    if short and _WHY.match(q):  # why of an answer whose question is worded otherwise
        return f"{q} ({previous} {short})"
    if _ELLIPTIC.match(q) or not _own_words(q):  # "And Crimea?", "Why?", "When was that?"
        return f"{q} ({previous})"
    return q
