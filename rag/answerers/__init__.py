"""Answerers: the seam between retrieved passages and the answer text.

An answerer streams text whose sentences carry ``[n]`` markers pointing at the
numbered passages it was given (1-based, in the given order), then ends with a
:class:`Draft`: what it wrote, structured (the short answer it copied, or that it
abstained), so the chain never reads structure back out of the text.  The chain
parses and renumbers the markers; answerers don't.  Pick one by name with
:func:`make_answerer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vectorstore.embedders import Embedder
from vectorstore.errors import ConfigError

from .base import Answerer, Draft

__all__ = ["ANSWERERS", "Answerer", "Draft", "make_answerer"]

if TYPE_CHECKING:
    from rag.readers.span import SpanReader
    from rag.settings import Settings


# (the settings, the embedder, the service's span reader when it reads with one)
AnswererFactory = Callable[["Settings", Embedder, "SpanReader | None"], Answerer]


def _extractive(settings: Settings, embedder: Embedder, span: SpanReader | None) -> Answerer:
    """The reader's answer, written down and cited (:mod:`.reading`)."""
    from ..readers import make_reader, sentence_weights
    from ..readers.sentences import SentenceReader
    from ..readers.span import MODEL_DIR
    from .reading import Calibration, ReadingAnswerer

    if settings.reader == "sentences":
        # The sentence model decides alone when the passages don't answer; its model was fitted on
        # one space's similarities, so in another (a test's) only NEWSRAG_MIN_SCORE decides.
        same = embedder.space == sentence_weights.SPACE
        alone = SentenceReader(embedder, passages=settings.context_k, threshold=None if same else 0.0)
        return ReadingAnswerer(alone, Calibration(threshold=0.0), settings.context_k)
    calibration = Calibration.load(MODEL_DIR / "calibration.json")
    if embedder.space != sentence_weights.SPACE:
        # Its abstention model was fitted on one space's cosines; in another (a test's)
        # only the relevance floor, NEWSRAG_MIN_SCORE, decides.
        # (and its short-answer model, which reads cosines too).
        calibration = Calibration(threshold=0.0, short_margin=calibration.short_margin)
    return ReadingAnswerer(make_reader(settings.reader, embedder, settings.context_k, span), calibration,
                           settings.context_k)  # fmt: skip


def _openai(settings: Settings, embedder: Embedder, span: SpanReader | None) -> Answerer:
    from .llm import openai_answerer

    return openai_answerer(settings)


def _ollama(settings: Settings, embedder: Embedder, span: SpanReader | None) -> Answerer:
    from .llm import ollama_answerer

    return ollama_answerer(settings)


def _llamacpp(settings: Settings, embedder: Embedder, span: SpanReader | None) -> Answerer:
    from .llm import llamacpp_answerer

    return llamacpp_answerer(settings)


ANSWERERS: dict[str, AnswererFactory] = {
    "extractive": _extractive,
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
}


def make_answerer(name: str, settings: Settings, embedder: Embedder, span: SpanReader | None = None) -> Answerer:
    """The answerer ``name``; an extractive one reads with ``span`` (a new span reader when not given)."""
    try:
        factory = ANSWERERS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown answerer {name!r}. Choose one of: {', '.join(ANSWERERS)} (NEWSRAG_ANSWERER or --answerer)."
        ) from None
    return factory(settings, embedder, span)
