"""One training window and the product's chunking of a text into windows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from vectorstore.article import Article
from vectorstore.ingest.chunker import Chunker

WINDOW_WORDS = 120  # the product's chunk size (NEWSRAG_CHUNK_WORDS's default)

STOP = frozenset(
    "a an the of in on at to for by with from and or but is are was were be been has have had do does did "
    "what which who whom whose when where why how this that these those it its as into than then there their "
    "they he she his her him not no after before over under about this week last year new".split()
)


@dataclass(frozen=True)
class Example:
    """A question and one passage; ``start`` is the answer's offset in ``context`` (-1: the
    passage does not answer)."""

    qid: str
    question: str
    context: str
    start: int
    answer: str
    origin: str  # "squad2", "squad1", "rtqa-2024", ...

    @property
    def answerable(self) -> bool:
        return self.start >= 0


def windows(text: str, title: str = "", words: int = WINDOW_WORDS) -> list[str]:
    """The passages the product would store for this text."""
    article = Article(id="x", title=title, text=text)
    return [c.text for c in Chunker(max_words=words).split(article)]


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP}


def overlap(question_words: set[str], text: str) -> int:
    return len(question_words & content_words(text))


def find_answer(context: str, answer: str) -> int:
    """The answer's first whole-word occurrence in ``context`` (case-insensitive), or -1."""
    if not answer.strip():
        return -1
    m = re.search(r"(?<!\w)" + re.escape(answer.strip()) + r"(?!\w)", context, flags=re.IGNORECASE)
    return m.start() if m else -1


def write(path: Path, items: Iterable[Example]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w") as f:
        for e in items:
            f.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")
            n += 1
    return n


def read(path: Path) -> Iterator[Example]:
    with path.open() as f:
        for line in f:
            if line.strip():
                yield Example(**json.loads(line))
