"""Sentence-aware chunking that keeps every chunk's character span."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from vectorstore.article import Article, Chunk

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets)
# followed by white space, or at a line break.  Abbreviations like "U.S." are
# kept together by requiring the next sentence to start with an upper-case
# letter, a digit or a quote.
_SENTENCE_END = re.compile(
    r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n+""",
)
# A lone capital letter and a full stop is an initial ("Robert F. Kennedy", "J. Robert
# Oppenheimer"), not a sentence's end; "I." and "X." are left to end one ("World War I.",
# "the pope wrote on X.": 2 of 77 RealTimeQA 2025 H2 answers quoted such a sentence).
_INITIAL = re.compile(r"(?:^|\s)[A-HJ-WYZ]\.$")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Gen.", "Sen.", "Rep.", "Gov.", "U.S.", "U.K.", "Jr.", "No.")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[start : m.start()]
        if m.group(0).strip() == "" and "\n" not in m.group(0) and _joined(piece.rstrip()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _joined(piece: str) -> bool:
    """Whether the full stop ending ``piece`` belongs to an abbreviation or an initial."""
    return piece.endswith(_ABBREVIATIONS) or _INITIAL.search(piece) is not None


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of ``text`` that hold characters ``start:end``."""
    spans = sentence_spans(text) or [(0, len(text))]
    first = next((s for s in spans if s[0] <= start < s[1]), spans[0])
    last = next((s for s in spans if s[0] < end <= s[1]), first)
    return first[0], max(first[1], last[1])


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Chunker:
    """Packs whole sentences into chunks of about ``max_words`` words.

    Consecutive chunks share ``overlap`` sentences so that a fact split across a
    boundary is still whole in one chunk.  A single over-long sentence is split
    on word boundaries.
    """

    max_words: int = 120
    overlap: int = 1

    def __post_init__(self) -> None:
        if self.max_words < 10:
            raise ValueError(f"max_words must be at least 10, got {self.max_words}")
        if self.overlap < 0:
            raise ValueError(f"overlap must be 0 or more, got {self.overlap}")

    def _units(self, text: str) -> Iterator[tuple[int, int]]:
        for s, e in sentence_spans(text):
            if _words(text[s:e]) <= self.max_words:
                yield s, e
                continue
            words = [m.span() for m in re.finditer(r"\S+", text[s:e])]
            for i in range(0, len(words), self.max_words):
                part = words[i : i + self.max_words]
                yield s + part[0][0], s + part[-1][1]

    def split(self, article: Article) -> list[Chunk]:
        text = article.text
        units = list(self._units(text))
        groups: list[list[tuple[int, int]]] = []
        current: list[tuple[int, int]] = []
        count = 0
        for unit in units:
            n = _words(text[unit[0] : unit[1]])
            if current and count + n > self.max_words:
                groups.append(current)
                keep = current[-self.overlap :] if self.overlap else []
                # never let the overlap alone fill the next chunk
                while keep and sum(_words(text[a:b]) for a, b in keep) + n > self.max_words:
                    keep = keep[1:]
                current = list(keep)
                count = sum(_words(text[a:b]) for a, b in current)
            current.append(unit)
            count += n
        if current:
            groups.append(current)
        # the title helps find a passage, unless it is just the text's first words
        prefix = article.title if article.title and not text.startswith(article.title) else ""
        chunks = []
        for i, group in enumerate(groups):
            start, end = group[0][0], group[-1][1]
            body = text[start:end]
            chunks.append(
                Chunk(
                    article_id=article.id,
                    index=i,
                    text=body,
                    start=start,
                    end=end,
                    embed_text=f"{prefix}\n{body}" if prefix else body,
                )
            )
        return chunks
