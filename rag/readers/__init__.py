"""Readers: the seam between the retrieved passages and the words that answer.

A reader is given a question and the retrieved passages and says where in them the
answer is (spans, best first, each with a score) and how strongly it finds none
(``no_answer``).  The extractive answerer (:mod:`rag.answerers.reading`) turns that
into the short answer, the sentence that holds it and the decision to abstain.
Pick one by name with :func:`make_reader`:

- ``minilm`` (the default, :mod:`.hybrid`): the trained reader finds the short answer and the
  evidence for abstaining, the sentence model chooses the other sentences to quote;
- ``minilm-span``: all-MiniLM-L6-v2 fine-tuned here as an extractive reader, alone, shipped
  as int8 ONNX (:mod:`.span`; how it was made: ``model/CARD.md``), its spans ordered by
  how many passages back them (:mod:`.voting`);
- ``sentences``: the fitted logistic sentence model that answered before it
  (:mod:`.sentences`): whole sentences, no short answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vectorstore.embedders import Embedder
from vectorstore.errors import ConfigError

from .base import Reader, Reading, Span

if TYPE_CHECKING:
    from .span import SpanReader

__all__ = ["READERS", "Reader", "Reading", "Span", "make_reader", "reader_factory"]

# (the embedder, how many passages are read, the one span reader of the service)
ReaderFactory = Callable[[Embedder, int, "SpanReader"], Reader]


def _span(embedder: Embedder, passages: int, span: SpanReader) -> Reader:
    from .voting import VotingReader

    return VotingReader(span)


def _hybrid(embedder: Embedder, passages: int, span: SpanReader) -> Reader:
    from .hybrid import HybridReader
    from .sentences import SentenceReader

    # the sentence model never abstains here: the calibrated span evidence decides
    return HybridReader(_span(embedder, passages, span), SentenceReader(embedder, passages=passages, threshold=0.0))


def _sentences(embedder: Embedder, passages: int, span: SpanReader) -> Reader:
    from .sentences import SentenceReader

    return SentenceReader(embedder, passages=passages)


READERS: dict[str, ReaderFactory] = {"minilm": _hybrid, "minilm-span": _span, "sentences": _sentences}


def reader_factory(name: str) -> ReaderFactory:
    """The registry's entry for ``name``; an unknown name is refused with the choices."""
    try:
        return READERS[name]
    except KeyError:
        raise ConfigError(f"Unknown reader {name!r}. Choose one of: {', '.join(READERS)} (NEWSRAG_READER).") from None


def make_reader(name: str, embedder: Embedder, passages: int = 5, span: SpanReader | None = None) -> Reader:
    """The reader ``name``, reading with ``span`` (the service's one span reader: the answer
    and the news desk share its model and its last readings; a new one when not given)."""
    if span is None:
        from .span import SpanReader

        span = SpanReader()
    return reader_factory(name)(embedder, passages, span)
