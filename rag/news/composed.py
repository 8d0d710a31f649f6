"""What a timeline or a briefing hands the chain: the lines' text with [n] markers, the
passages the markers point at, and the sentence of each passage a marker cites."""

from __future__ import annotations

from dataclasses import dataclass, field

from vectorstore.records import Hit

from ..answer import Event


@dataclass
class Composed:
    text: str = ""  # markers [n]: 1-based places in ``hits``
    hits: list[Hit] = field(default_factory=list)
    sentences: dict[int, tuple[int, int]] = field(default_factory=dict)  # n → the cited sentence, in the passage
    events: list[Event] = field(default_factory=list)  # their ``cited``: the same numbers as the markers

    def cite(self, hit: Hit, sentence: tuple[int, int]) -> int:
        """The marker number for ``hit`` (a new one unless it is already cited)."""
        for n, h in enumerate(self.hits, 1):
            if h.chunk_id == hit.chunk_id:
                return n
        self.hits.append(hit)
        self.sentences[len(self.hits)] = sentence
        return len(self.hits)
