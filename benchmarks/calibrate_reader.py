"""Fit the reader's abstention and its short-answer margin on data it was not trained on.

    .venv/bin/python -m benchmarks.calibrate_reader eval-data/calib/squad-3 eval-data/calib/rtqa-2025-h2 \\
        [--max-answerable-abstained 0.05] [--write rag/readers/model/calibration.json]

The sets: three squad2-dev-rest articles (Force, Harvard University, Warsaw) and RealTimeQA
2025's second half, both held out of the reader's training (training/train.py).  Each
question is asked through the product's retrieval (as of its date); the reader reads the
passages the answer reads.  A question "is answered in the store" when it is answerable
(SQuAD) or carries evidence (RealTimeQA).  Fitted: a logistic model of the reader's margin
and the best cosine (scikit-learn; each set weighs the same), its threshold (the highest that,
with the chain's floor ``NEWSRAG_MIN_SCORE``, abstains on at most ``--max-answerable-abstained``
of each set's answered questions); and the short-answer margin (a short answer is shown where
the shown ones' expected F1 is at least 0.5).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag.answerers.reading import short_span, signals
from rag.evaluate import EvalInputs, EvalRun, Question
from rag.filters import Filters
from rag.metrics import exact_match, token_f1
from rag.readers import make_reader
from rag.readers.base import Reader, Reading
from rag.readers.span import SpanReader
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import Embedder, make_embedder
from vectorstore.records import Hit


def read_set(
    folder: Path, settings: Settings, embedder: object, reader_of: Callable[[Embedder], Reader]
) -> Iterator[tuple[Question, bool, list[Hit], Reading]]:
    """Each question of the set (its store in ``eval-data/stores``), whether the store answers it
    (SQuAD: answerable; RealTimeQA: with evidence), the passages the answer reads (retrieved as of
    its date) and the reading of ``reader_of``'s reader."""
    inputs = EvalInputs.resolve(folder, None, None).load()
    run = EvalRun(settings=settings, inputs=inputs, embedder=embedder, store_dir=Path("eval-data/stores") / folder.name)
    run.ingest()
    svc = run._service()
    reader = reader_of(svc.embedder)
    partial = folder.name.startswith("rtqa")
    for q in inputs.items:
        found = svc.retriever.retrieve(q.question, filters=Filters.parse(as_of=q.question_date))
        hits = list(found.hits[: settings.context_k])
        yield q, (bool(q.evidence_ids) if partial else q.answerable), hits, reader.read(q.question, hits)


def features(folder: Path, settings: Settings, embedder: object, model: Path | None = None) -> list[dict]:
    def reader_of(embedder: Embedder) -> Reader:
        return SpanReader(model) if model else make_reader(settings.reader, embedder, settings.context_k)

    rows = []
    for q, answered, hits, reading in read_set(folder, settings, embedder, reader_of):
        best = reading.spans[0] if reading.spans else None
        short = hits[best.passage].text[best.start : best.end] if best else ""
        margin, first, cosine = signals(reading, hits)
        own = short_span(reading)  # the short answer the reader's answer would show
        own_text = hits[own.passage].text[own.start : own.end] if own else ""
        rows.append({
            "set": folder.name, "id": q.id, "margin": margin, "first": first, "cosine": cosine,
            "answered": answered,
            "f1": token_f1(short, q.answers) if q.answers else 0.0,
            "em": float(exact_match(short, q.answers)) if q.answers else 0.0,
            "short_score": own.score if own else None,
            "short_f1": token_f1(own_text, q.answers) if q.answers and own else 0.0,
        })  # fmt: skip
    return rows


def reader_figures(rows: list[dict]) -> dict[str, float]:
    """The reader alone (its best span, no abstention) on the answered questions, and how many
    of the others its margin alone would abstain on when 5% of the answered are."""
    yes = [r for r in rows if r["answered"]]
    no = [r for r in rows if not r["answered"]]
    cut = float(np.quantile([r["margin"] for r in yes], 0.05)) if yes else 0.0
    others = round(float(np.mean([r["margin"] < cut for r in no])), 3) if no else 0.0
    em = round(float(np.mean([r["em"] for r in yes])), 3)
    f1 = round(float(np.mean([r["f1"] for r in yes])), 3)
    return {"questions": len(rows), "short_em": em, "short_f1": f1, "others_abstained_at_5pct": others}


def fit(rows: list[dict], max_abstained: float, floor: float) -> dict[str, Any]:
    """The abstention fitted on every set, then the short-answer margin."""
    cal: dict[str, Any] = abstention(rows, max_abstained, floor)
    cal["short_margin"] = short_margin(rows, cal, floor)
    return cal


def probability(cal: dict[str, Any], rows: list[dict]) -> np.ndarray:
    w = np.array([cal["margin_weight"], cal["first_weight"], cal["cosine_weight"]])
    z = cal["bias"] + np.array([[r["margin"], r["first"], r["cosine"]] for r in rows]) @ w
    return 1 / (1 + np.exp(-z))


def abstention(rows: list[dict], max_abstained: float, floor: float) -> dict[str, float]:
    """The logistic model (each set weighs the same, whatever its size), then the highest
    threshold that, with the chain's cosine floor, abstains on at most ``max_abstained`` of each
    set's answered questions."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r["margin"], r["first"], r["cosine"]] for r in rows])
    y = np.array([r["answered"] for r in rows])
    sets = np.array([r["set"] for r in rows])
    weight = np.array([len(rows) / (len(set(sets)) * np.sum(sets == s)) for s in sets])
    model = LogisticRegression(C=1.0).fit(x, y, sample_weight=weight)
    p = model.predict_proba(x)[:, 1]
    under = x[:, 2] < floor

    def worst(t: float) -> float:
        bounds = []
        for s in set(sets):
            n, k = int(np.sum((sets == s) & y)), int(np.sum(((p < t) | under) & (sets == s) & y))
            bounds.append(k / max(1, n))
        return max(bounds)

    threshold = max((t for t in np.arange(0.0, 1.0, 0.005) if worst(t) <= max_abstained), default=0.0)
    w = model.coef_[0]
    return {"bias": float(model.intercept_[0]), "margin_weight": float(w[0]), "first_weight": float(w[1]),
            "cosine_weight": float(w[2]), "threshold": round(float(threshold), 3)}  # fmt: skip


def answered_by(cal: dict[str, Any], rows: list[dict], floor: float) -> np.ndarray:
    """Which rows the calibration answers."""
    return (probability(cal, rows) >= cal["threshold"]) & (np.array([r["cosine"] for r in rows]) >= floor)


def short_margin(rows: list[dict], cal: dict[str, Any], floor: float) -> float:
    """The lowest margin at which the short answers shown have an expected F1 of at least 0.5."""
    keep = answered_by(cal, rows, floor)
    shown = [r for r, k in zip(rows, keep, strict=True) if r["answered"] and k and r["short_score"] is not None]
    for m in sorted({round(r["short_score"], 1) for r in shown}):
        kept = [r["short_f1"] for r in shown if r["short_score"] >= m]
        if kept and float(np.mean(kept)) >= 0.5:
            return m
    return 0.0


def main() -> None:
    apply_offline_defaults()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--max-answerable-abstained", type=float, default=0.05)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--model", type=Path, help="read with this exported model (a learning-curve point)")
    ap.add_argument("--from-rows", action="store_true", help="fit on --rows from an earlier run")
    ap.add_argument("--report-only", action="store_true", help="print the reader's figures per set, fit nothing")
    ap.add_argument("--rows", type=Path, default=Path("eval-data/calib/rows.json"))
    a = ap.parse_args()
    settings = Settings.from_env()
    embedder = make_embedder(settings.embedder, settings.models_dir)
    if a.from_rows:
        rows = json.loads(a.rows.read_text())
    else:
        rows = [r for s in a.sets for r in features(s, settings, embedder, a.model)]
    if a.report_only:
        for name in dict.fromkeys(r["set"] for r in rows):
            print(name, json.dumps(reader_figures([r for r in rows if r["set"] == name])))
        return
    if not a.from_rows:
        a.rows.write_text(json.dumps(rows))
    cal = fit(rows, a.max_answerable_abstained, settings.min_score)
    for name in sorted({r["set"] for r in rows}):
        sub = [r for r in rows if r["set"] == name]
        keep = answered_by(cal, sub, settings.min_score)
        yes = np.array([r["answered"] for r in sub])
        print(f"{name}: {len(sub)} questions; abstained: not answered {np.mean(~keep[~yes]):.3f}, "
              f"answered {np.mean(~keep[yes]):.3f}")  # fmt: skip
    print(json.dumps(cal, indent=2))
    if a.write:
        a.write.write_text(json.dumps(cal, indent=2) + "\n")


if __name__ == "__main__":
    main()
