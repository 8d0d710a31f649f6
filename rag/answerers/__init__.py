"""Answerers: the seam between retrieved passages and the answer text.

An answerer streams text whose sentences carry ``[n]`` markers pointing at the
numbered passages it was given (1-based, in the given order).  The chain parses
and renumbers the markers; answerers don't.  Pick one by name with
:func:`make_answerer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from vectorstore.embedders import Embedder
from vectorstore.errors import ConfigError
from vectorstore.records import Hit

if TYPE_CHECKING:
    from rag.settings import Settings


class Answerer(Protocol):
    name: str
    model: str

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        """Yield pieces of the answer text as they are produced."""
        ...


AnswererFactory = Callable[["Settings", Embedder], Answerer]


def _extractive(settings: Settings, embedder: Embedder) -> Answerer:
    from . import sentence_weights
    from .extractive import ExtractiveAnswerer

    if settings.reader != "sentences":
        from ..readers import make_reader
        from ..readers.span import MODEL_DIR
        from .reading import Calibration, ReadingAnswerer

        calibration = Calibration.load(MODEL_DIR / "calibration.json")
        if embedder.space != sentence_weights.SPACE:
            # Its abstention model was fitted on one space's cosines; in another (a test's)
            # only the relevance floor, NEWSRAG_MIN_SCORE, decides.
            calibration = Calibration(threshold=0.0, short_margin=calibration.short_margin)
        reader = make_reader(settings.reader, embedder, settings.context_k)
        return ReadingAnswerer(reader, calibration, settings.context_k)
    if embedder.space == sentence_weights.SPACE:
        return ExtractiveAnswerer(embedder, passages=settings.context_k)
    # Its abstention model was fitted on one space's similarities; in another (a test's)
    # only the relevance floor, NEWSRAG_MIN_SCORE, decides.
    return ExtractiveAnswerer(embedder, passages=settings.context_k, threshold=0.0)


def _openai(settings: Settings, embedder: Embedder) -> Answerer:
    from .llm import openai_answerer

    return openai_answerer(settings)


def _ollama(settings: Settings, embedder: Embedder) -> Answerer:
    from .llm import ollama_answerer

    return ollama_answerer(settings)


def _llamacpp(settings: Settings, embedder: Embedder) -> Answerer:
    from .llm import llamacpp_answerer

    return llamacpp_answerer(settings)


ANSWERERS: dict[str, AnswererFactory] = {
    "extractive": _extractive,
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
}


def make_answerer(name: str, settings: Settings, embedder: Embedder) -> Answerer:
    try:
        factory = ANSWERERS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown answerer {name!r}. Choose one of: {', '.join(ANSWERERS)} (NEWSRAG_ANSWERER or --answerer)."
        ) from None
    return factory(settings, embedder)
