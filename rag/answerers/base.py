"""The answerer seam: what an answerer is given and what it ends with."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from vectorstore.records import Hit


@dataclass(frozen=True)
class Draft:
    """What an answerer wrote: ``body``, its sentences with their ``[n]`` markers; ``short``,
    the short answer copied from the passage it read (an extractive answerer's; an LLM's
    answer fills the body only); ``abstained`` when the passages don't answer."""

    body: str = ""
    short: str | None = None
    abstained: bool = False

    @property
    def text(self) -> str:
        """The answer as it is shown: the short answer in bold first, when there is one."""
        return f"**{self.short}** — {self.body}" if self.short else self.body


class Answerer(Protocol):
    name: str
    model: str

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        """Yield pieces of the answer text as they are produced (together: the draft's
        ``text``; none when it abstains), then the :class:`Draft`."""
        ...
