"""Fit the reader's abstention and its short-answer margin on data it was not trained on.

    .venv/bin/python -m benchmarks.calibrate_reader eval-data/calib/squad-3 eval-data/calib/rtqa-2025-h2 \\
        [--max-answerable-abstained 0.05] [--bold-right 0.8] [--write rag/readers/model/calibration.json]

The sets: three squad2-dev-rest articles (Force, Harvard University, Warsaw) and RealTimeQA
2025's second half, both held out of the reader's training (training/train.py).  Each
question is asked through the product's retrieval (as of its date); the reader reads the
passages the answer reads.  A question "is answered in the store" when it is answerable
(SQuAD) or carries evidence (RealTimeQA).  Fitted: a logistic model of the reader's margin
and the best cosine (scikit-learn; each set weighs the same), its threshold (the highest that,
with the chain's floor ``NEWSRAG_MIN_SCORE``, abstains on at most ``--max-answerable-abstained``
of each set's answered questions); the short-answer margin (a short answer is shown where
the shown ones' expected F1 is at least 0.5); and the bold-answer model (``short_gate``: a short
answer is shown where it is likely right, the shown ones right ``--bold-right`` of the time on the
questions the store answers; ``--gate-only FILE`` keeps FILE's abstention and fits only this).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag.answerers.reading import short_span, signals
from rag.answerers.short_gate import FEATURES
from rag.answerers.short_gate import signals as gate_signals
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
            "question": q.question, "short": own_text,
            "gate": gate_signals(q.question, own_text.strip(), own, reading, hits) if own else None,
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


def gate_fit(rows: list[dict], cal: dict[str, Any], floor: float, target: float) -> dict[str, Any]:
    """The bold-answer model (rag/answerers/short_gate.py): a logistic model of the short answer's
    signals for "its F1 is at least 0.5", fitted on the questions whose answer the store holds and
    the calibration answers (each set weighs the same), and the lowest threshold at which the shown
    ones are right ``target`` of the time in every set.  (Questions the store does not answer are
    the abstention's: with them the bold answer would be fitted to stand in for it.)"""
    from sklearn.linear_model import LogisticRegression

    keep = answered_by(cal, rows, floor)
    margin = cal["short_margin"]
    shown = [r for r, k in zip(rows, keep, strict=True)
             if k and r["answered"] and r.get("gate") and r["short_score"] >= margin]  # fmt: skip
    x = np.array([[r["gate"][f] for f in FEATURES] for r in shown])
    y = np.array([r["short_f1"] >= 0.5 for r in shown])
    sets = np.array([r["set"] for r in shown])
    weight = np.array([len(shown) / (len(set(sets)) * np.sum(sets == s)) for s in sets])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=weight)
    p = model.predict_proba(x)[:, 1]

    def precise(t: float) -> bool:
        picked = [(p >= t) & (sets == s) for s in set(sets)]
        return all(not np.any(m) or np.mean(y[m]) >= target for m in picked)

    threshold = min((t for t in np.arange(0.0, 1.0, 0.005) if precise(t)), default=1.0)
    return {"bias": float(model.intercept_[0]), "weights": dict(zip(FEATURES, map(float, model.coef_[0]), strict=True)),
            "threshold": round(float(threshold), 3)}  # fmt: skip


def gate_report(rows: list[dict], cal: dict[str, Any], floor: float) -> None:
    """Per set, on the questions answered whose answer the store holds ("held") and on all answered:
    the bold answers before (every one the margin allows) and after the gate, how many are shown
    (coverage) and how many of those are right (precision)."""
    from rag.answerers.short_gate import ShortGate

    gate = ShortGate.from_dict(cal.get("short_gate"))
    keep = answered_by(cal, rows, floor)
    for name in sorted({r["set"] for r in rows}):
        given = [r for r, k in zip(rows, keep, strict=True) if k and r["set"] == name and r.get("gate")]
        for which, sub in (("held", [r for r in given if r["answered"]]), ("all", given)):
            before = [r for r in sub if r["short_score"] >= cal["short_margin"]]
            after = [r for r in before if gate.threshold <= 0 or gate.probability(r["gate"]) >= gate.threshold]
            for label, shown in (("before", before), ("after", after)):
                right = np.mean([r["short_f1"] >= 0.5 for r in shown]) if shown else 0.0
                print(f"{name} ({which} answered) bold {label}: shown {len(shown)}/{len(sub)} "
                      f"({len(shown) / max(1, len(sub)):.3f}), right {right:.3f}")  # fmt: skip


def main() -> None:
    apply_offline_defaults()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--max-answerable-abstained", type=float, default=0.05)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--bold-right", type=float, default=0.8, help="a bold answer is shown when this likely right")
    ap.add_argument("--gate-only", type=Path, help="keep this calibration file's abstention; fit the bold answer's")
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
    if a.gate_only:  # the abstention and margin as they are, the bold-answer model fitted again
        cal = {k: v for k, v in json.loads(a.gate_only.read_text()).items() if k != "short_gate"}
    else:
        cal = fit(rows, a.max_answerable_abstained, settings.min_score)
    cal["short_gate"] = gate_fit(rows, cal, settings.min_score, a.bold_right)
    gate_report(rows, cal, settings.min_score)
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
