"""The figures of `newsrag eval`: retrieval, answers, citations, abstention, conflicts and
latency from the questions and the answers the chain gave, and one row per question."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .answer import Answer
from .metrics import contains_gold, exact_match, mean_of, percentiles, ranking, token_f1


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    evidence_ids: list[str]
    type: str | None = None
    question_date: str | None = None  # ask as of this day (dated news sets)
    counterfactual_ids: list[str] = field(default_factory=list)  # falsified copies of its evidence (RGB)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


RETRIEVAL_KEYS = ("hits@1", "hits@5", "hits@10", "mrr@10", "recall@10")


STAGES = ("embed_ms", "search_ms", "retrieve_ms", "answer_ms")


def score_ours(items: list[Question], answers: list[Answer]) -> dict[str, Any]:
    with_evidence = [(q, a) for q, a in zip(items, answers, strict=True) if q.evidence_ids]
    answerable = [(q, a) for q, a in zip(items, answers, strict=True) if q.answerable]
    unanswerable = [(q, a) for q, a in zip(items, answers, strict=True) if not q.answerable]
    given = [(q, a) for q, a in answerable if not a.abstained]
    cited = [(q, c) for q, a in given for c in a.citations]
    good = [c.article_id in q.evidence_ids or contains_gold(c.passage, q.answers) for q, c in cited]
    lat: dict[str, dict[str, float]] = {"total": percentiles([a.timings["total_ms"] for a in answers])}
    for stage in STAGES:
        vals = [a.timings[stage] for a in answers if stage in a.timings]
        if vals:
            lat[stage.removesuffix("_ms")] = percentiles(vals)
    answer_figures = {
        "contains_gold": _share(contains_gold(a.text, q.answers) and not a.abstained for q, a in answerable),
        "f1": _mean(0.0 if a.abstained else token_f1(a.text, q.answers) for q, a in answerable),
        "short_given": _share(a.short is not None for _, a in answerable),
        "short_em": _share(exact_match(a.short, q.answers) for q, a in answerable),
        "short_f1": _mean(token_f1(a.short, q.answers) if a.short else 0.0 for q, a in answerable),
        # a bold answer, when one is shown, is right (SQuAD F1 at least 0.5)
        "short_right": _bold_right(answerable),
    }
    labelled = [(q, a) for q, a in with_evidence if q.answerable]
    if 0 < len(labelled) < len(answerable):  # a set whose questions are not all labelled with evidence
        answer_figures["contains_gold_with_evidence"] = _share(
            contains_gold(a.text, q.answers) and not a.abstained for q, a in labelled
        )
        answer_figures["short_given_with_evidence"] = _share(a.short is not None for _, a in labelled)
        answer_figures["short_right_with_evidence"] = _bold_right(labelled)
    return {
        "retrieval": mean_of([ranking(a.retrieved, q.evidence_ids) for q, a in with_evidence]),
        "retrieval_answerable": mean_of(
            [ranking(a.retrieved, q.evidence_ids) for q, a in answerable if q.evidence_ids]
        ),
        "answers": answer_figures,
        "citations": {
            "precision": _mean(float(g) for g in good),
            "support": _share(any(contains_gold(c.passage, q.answers) for c in a.citations) for q, a in given),
        },
        "abstention": {
            "unanswerable_abstained": _share(a.abstained for _, a in unanswerable),
            "answerable_abstained": _share(a.abstained for _, a in answerable),
            **_evidence_abstention(items, answers),
        },
        "conflicts": _conflicts(items, answers),
        "latency_ms": {"p50": lat["total"]["p50"], "p95": lat["total"]["p95"], "stages": lat},
    }


def _bold_right(pairs: list[tuple[Question, Answer]]) -> float:
    """Of the answers that show a short answer, the share whose short answer is right (F1 ≥ 0.5)."""
    return _share(token_f1(a.short, q.answers) >= 0.5 for q, a in pairs if a.short)


def _evidence_abstention(items: list[Question], answers: list[Answer]) -> dict[str, float]:
    """For a set where only some questions carry evidence: abstention on those without (the
    store does not hold the answer: right to abstain) and on those with (wrong to)."""
    pairs = list(zip(items, answers, strict=True))
    evidence = [a.abstained for q, a in pairs if q.evidence_ids]
    if not evidence or len(evidence) == len(pairs):
        return {}
    return {
        "no_evidence_abstained": _share(a.abstained for q, a in pairs if not q.evidence_ids),
        "evidence_abstained": _share(evidence),
    }


def _conflicts(items: list[Question], answers: list[Answer]) -> dict[str, float]:
    """How often answers flag revised or disputed values; with falsified copies in the corpus
    (RGB's counterfactual testbed), how often they do when the answer read both a true and a
    falsified passage."""
    given = [(q, a) for q, a in zip(items, answers, strict=True) if not a.abstained]
    out = {
        "flagged": _share(bool(a.conflicts) for _, a in given),
        "disagreement_flagged": _share(any(c.kind == "disagreement" for c in a.conflicts) for _, a in given),
    }
    if any(q.counterfactual_ids for q in items):
        both = [a for q, a in given if set(a.read) & set(q.evidence_ids) and set(a.read) & set(q.counterfactual_ids)]
        out["both_read"] = float(len(both))
        out["flagged_when_both"] = _share(bool(a.conflicts) for a in both)
    return out


def question_rows(items: list[Question], answers: list[Answer]) -> list[dict[str, Any]]:
    """One row per question, so any figure can be traced to its questions."""
    return [
        {
            "id": q.id,
            "answer": a.text,
            "short": a.short,
            "abstained": a.abstained,
            "retrieved": a.retrieved[:10],
            "read": a.read,
            "conflicts": [{"kind": c.kind, "values": [r.value for r in c.values]} for c in a.conflicts],
            "gold": q.answers,
            "evidence_ids": q.evidence_ids,
        }
        for q, a in zip(items, answers, strict=True)
    ]


def score_baseline(items: list[Question], ranked: list[list[str]], timings: list[dict[str, float]]) -> dict[str, Any]:
    pairs = list(zip(items, ranked, strict=True))
    lat = {k.removesuffix("_ms"): percentiles([t[k] for t in timings]) for k in ("embed_ms", "search_ms")}
    total = percentiles([t["total_ms"] for t in timings])
    return {
        "retrieval": mean_of([ranking(r, q.evidence_ids) for q, r in pairs if q.evidence_ids]),
        "retrieval_answerable": mean_of(
            [ranking(r, q.evidence_ids) for q, r in pairs if q.evidence_ids and q.answerable]
        ),
        "latency_ms": {"p50": total["p50"], "p95": total["p95"], "stages": lat},
    }


def _share(flags: Any) -> float:
    flags = list(flags)
    return float(sum(bool(f) for f in flags) / len(flags)) if flags else 0.0


def _mean(values: Any) -> float:
    values = list(values)
    return float(sum(values) / len(values)) if values else 0.0
