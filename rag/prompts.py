"""Every piece of prompt text newsrag sends to a model, in one place.

Each template declares the variables it needs; :func:`render` refuses a call
that misses one or passes one the template does not use.
"""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    text: str
    variables: frozenset[str]

    def __post_init__(self) -> None:
        found = {f for _, f, _, _ in string.Formatter().parse(self.text) if f}
        if found != set(self.variables):
            raise ValueError(f"template uses {sorted(found)} but declares {sorted(self.variables)}")

    def render(self, **values: str) -> str:
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise KeyError(
                f"template needs {sorted(self.variables)}; missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        return self.text.format(**values)


ANSWER_SYSTEM = Template(
    "You answer questions about news articles using only the numbered passages given.\n"
    "Rules:\n"
    "- Write at most three short sentences.\n"
    "- End every sentence with the number of the passage it comes from in square brackets, like [1] or [2].\n"
    "- Use only facts stated in the passages. Do not add outside knowledge.\n"
    "- If the passages do not contain the answer, reply exactly: {abstain}",
    frozenset({"abstain"}),
)

ANSWER_USER = Template(
    "Passages:\n{passages}\n\nQuestion: {question}\nAnswer (with [n] citations):",
    frozenset({"passages", "question"}),
)

PASSAGE = Template(
    "[{n}] {title} ({source}, {date})\n{text}",
    frozenset({"n", "title", "source", "date", "text"}),
)

# What an LLM replies when the passages do not answer; also our own wording.
ABSTAIN = "The articles don't cover this."

NOT_COVERED = "I found nothing about that in the articles. The closest ones are listed below."
NOT_COVERED_NONE = "I found nothing about that in the articles."

EMPTY_STORE = "The store holds no articles yet. Add some with `newsrag ingest FILE` or the Add articles tab."

# Timelines and briefings (rag.news): the line before the dated lines.
TIMELINE_INTRO = Template("How {topic} developed, oldest first:", frozenset({"topic"}))
BRIEFING_INTRO = Template("The top stories {period}, by how many outlets covered them:", frozenset({"period"}))
NO_TIMELINE = "I found no dated articles about that, so there is no timeline to show."
NO_BRIEFING = Template("No stored article was published {period}.", frozenset({"period"}))
