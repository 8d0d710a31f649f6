"""Check a written answer sentence by sentence against the passages it cites.

A generated sentence is *supported* when the passages its [n] markers point at hold
its numbers, its names (capitalised words past the first) and most of its content
words (``min_coverage`` of them, stemmed).  A sentence with no marker, or whose
markers point at passages that don't hold it, is not: the UI marks it "not found in
the cited source" and the answer's JSON counts it.  An extractive answer quotes its
passages, so every sentence of it passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vectorstore.ingest.chunker import sentence_spans

from .answer import SentenceCheck
from .readers.sentence_model import content_words

_MARKER = re.compile(r"\[(\d+)\]")
_LEADING_MARKERS = re.compile(r"(\s*\[\d+\])+\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’-]*")


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def check_sentence(sentence: str, passages: list[str], min_coverage: float = 0.6) -> list[str]:
    """What the sentence says that ``passages`` don't hold (empty: supported)."""
    plain = _MARKER.sub("", sentence).strip()
    hay = " ".join(passages)
    hay_lower = hay.lower()
    missing = [n for n in sorted(_numbers(plain)) if n not in _numbers(hay)]
    missing += [m.group(0) for m in _NAME.finditer(plain) if m.group(0).lower().strip("'’") not in hay_lower]
    words = set(content_words(plain)) - {w.lower() for w in missing}
    if words:
        held = set(content_words(hay))
        absent = sorted(words - held)
        if len(absent) > (1 - min_coverage) * len(words):
            missing += absent
    return missing


def check_answer(text: str, passages: Mapping[int, str], min_coverage: float = 0.6) -> list[SentenceCheck]:
    """One check per sentence of ``text``; ``passages`` maps citation numbers to passage texts."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        lead = _LEADING_MARKERS.match(text, start, end)
        if spans and lead:  # "… homes. [1] The next …": the markers belong to the sentence before
            spans[-1] = (spans[-1][0], start + len(lead.group(0).rstrip()))
            start = lead.end()
        if start >= end:
            continue
        if spans and not content_words(_MARKER.sub("", text[start:end])):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    checks = []
    for start, end in spans:
        sentence = text[start:end]
        if not content_words(_MARKER.sub("", sentence)):
            continue
        cited = [int(n) for n in _MARKER.findall(sentence)]
        known = [passages[n] for n in cited if n in passages]
        if not known:
            checks.append(SentenceCheck(start, end, cited, False, ["(no citation)"]))
            continue
        missing = check_sentence(sentence, known, min_coverage)
        checks.append(SentenceCheck(start, end, cited, not missing, missing))
    return checks


def cited_sentence(claim: str, passage: str) -> tuple[int, int]:
    """The span, in ``passage``, of its sentence that ``claim`` rests on: the sentence
    itself when the claim quotes it, else the one holding most of the claim's content
    words (numbers and names count double)."""
    plain = _MARKER.sub("", claim).strip()
    spans = sentence_spans(passage) or [(0, len(passage))]
    for s, e in spans:
        if plain and (plain in passage[s:e] or passage[s:e] in plain):
            return s, e
    words = set(content_words(plain))
    strong = _numbers(plain) | {m.group(0).lower() for m in _NAME.finditer(plain)}

    def overlap(span: tuple[int, int]) -> int:
        text = passage[span[0] : span[1]]
        lower = text.lower()
        return len(words & set(content_words(text))) + sum(w in lower for w in strong)

    return max(spans, key=overlap)  # the first of equals
