"""Fit the extractive answerer's two models (rag/readers/sentence_model.py).

1. Which sentence answers.  For every answerable question, retrieval runs as in
   `newsrag ask`; every sentence of the passages the answerer reads is a
   candidate, labelled by whether it holds a gold answer; a logistic regression
   (scikit-learn) is fitted on them.  (A conditional logit, a softmax over each
   question's sentences, ranked no better on the check half.)
2. Whether to answer at all.  From the best sentence and how well the passages
   cover the question, a logistic regression (scikit-learn) tells answerable
   from unanswerable questions; the threshold is the highest that still
   answers all but ``--max-abstained`` of the answerable questions fitted on.

Questions are split by article: half fit, half check (no article in both).
`--held` sets are only measured, never fitted: report on those.  The fitting
sets: squad2-dev-rest (kept for fitting by ../shared/eval/README.md) and
RealTimeQA weeks other than the reported ones (built by
../shared/eval/realtimeqa/build.py --year ...).  `--write` stores the weights in
rag/readers/sentence_weights.py.

    .venv/bin/python -m benchmarks.fit_sentences --set FOLDER[:STORE] ... \
        [--held FOLDER[:STORE]] [--limit 3000] [--cache DIR] [--write]
"""

from __future__ import annotations

import argparse
import pickle
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import EVAL, ROOT
from rag.evaluate import EvalInputs, EvalRun, default_store_dir
from rag.filters import Filters
from rag.metrics import contains_gold
from rag.readers import sentence_weights as current
from rag.readers.sentence_model import FEATURES, QUESTION_FEATURES, answerable, probabilities, question_features
from rag.readers.sentences import SentenceChooser
from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import EMBEDDERS, Embedder, Remembering, make_embedder

OUT = ROOT / "rag" / "readers" / "sentence_weights.py"


@dataclass
class Case:
    """One question with what the answerer would see."""

    set: str
    part: str  # "fit", "check" or "held"
    question: Any
    gated: bool  # the best passage passes the chain's relevance floor (else it abstains before the answerer)
    cands: list[Any]
    x: np.ndarray
    sims: np.ndarray
    y: np.ndarray  # which candidates hold a gold answer


def retrieved(
    folder: Path, store: Path | None, limit: int, settings: Settings, embedder: Embedder
) -> list[tuple[Any, list[Any], bool]]:
    """(question, passages, gated) for a sample of the questions of one set."""
    inputs = EvalInputs.resolve(folder, None, None).load()
    store = store or default_store_dir(settings, inputs)
    EvalRun(settings, inputs, embedder, store).ingest()
    svc = NewsRAG.build(settings.with_(data_dir=store, chroma_host=None, seeds_dir=store / "none"), embedder=embedder)
    items = list(inputs.items)
    random.Random(0).shuffle(items)
    out = []
    for q in items[:limit]:
        found = svc.chain.retriever.retrieve(q.question, filters=Filters.parse(as_of=q.question_date))
        passages = found.hits[: svc.chain.retriever.k]
        out.append((q, passages, bool(passages) and max(h.score for h in passages) >= settings.min_score))
    return out


def part(q: Any) -> str:
    """Half the articles are "fit", the other half "check": no article is in both."""
    key = (q.evidence_ids[0] if q.evidence_ids else q.question).encode()
    return "fit" if zlib.crc32(key) % 2 == 0 else "check"


def cases(args: argparse.Namespace, settings: Settings) -> list[Case]:
    embedder = Remembering(make_embedder(settings.embedder, settings.models_dir))  # loaded once for all sets
    answerer = SentenceChooser(embedder)
    out = []
    for spec, held in [(s, False) for s in args.set] + [(s, True) for s in args.held]:
        folder, _, store = spec.partition(":")
        cache = args.cache / f"{Path(folder).name}.pkl" if args.cache else None
        if cache and cache.exists():
            got = pickle.loads(cache.read_bytes())
        else:
            got = retrieved(Path(folder), Path(store) if store else None, args.limit, settings, embedder)
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_bytes(pickle.dumps(got))
        for q, hits, gated in got:
            cands, x, sims = answerer.scored(q.question, hits)
            y = np.array([contains_gold(c.text, q.answers) for c in cands], dtype=bool)
            out.append(Case(Path(folder).name, "held" if held else part(q), q, gated, cands, x, sims, y))
    return out


def fit_sentences(cases: Sequence[Case], c: float) -> dict[str, float]:
    """Weights of the chance that a sentence holds the answer: a logistic regression
    (scikit-learn) over every candidate sentence of the questions fitted on."""
    from sklearn.linear_model import LogisticRegression  # only this script needs scikit-learn

    x = np.vstack([k.x for k in cases])
    y = np.concatenate([k.y for k in cases])
    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False).fit(x, y)
    return {f: round(float(v), 4) for f, v in zip(FEATURES, model.coef_[0], strict=True)}


def fit_answerable(
    cases: Sequence[Case], weights: dict[str, float], max_abstained: float
) -> tuple[dict[str, float], float]:
    """Weights of the answerable model (fitted on the questions that pass the relevance floor),
    and the highest threshold at which at most ``max_abstained`` of the answerable questions
    are abstained on, the floor's abstentions included."""
    from sklearn.linear_model import LogisticRegression  # only this script needs scikit-learn

    gated = [c for c in cases if c.gated]
    q = np.array([question_features(c.question.question, c.cands, c.x, c.sims, weights) for c in gated])
    y = np.array([c.question.answerable for c in gated])
    if y.all() or not y.any():
        raise SystemExit("The abstention model needs answerable and unanswerable questions: add a set that has both "
                         "(squad2-dev-rest).")  # fmt: skip
    model = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False, class_weight="balanced").fit(q, y)
    fitted = {f: round(float(v), 4) for f, v in zip(QUESTION_FEATURES, model.coef_[0], strict=True)}
    grid = np.round(np.arange(0.0, 1.0, 0.01), 2)
    ok = [t for t in grid if abstained(cases, weights, fitted, float(t))[1] <= max_abstained]
    return fitted, float(max(ok, default=0.0))


def top(cases: Sequence[Case], weights: dict[str, float], n: int) -> float:
    """Share of questions one of whose ``n`` likeliest sentences holds the answer."""
    return float(np.mean([c.y[np.argsort(-probabilities(c.x, weights), kind="stable")[:n]].any() for c in cases]))


def abstained(cases: Sequence[Case], weights: dict[str, float], aw: dict[str, float], t: float) -> tuple[float, float]:
    """(unanswerable abstained, answerable abstained), the relevance floor included."""

    def abstains(c: Case) -> bool:
        return not c.gated or answerable(question_features(c.question.question, c.cands, c.x, c.sims, weights), aw) < t

    un = [abstains(c) for c in cases if not c.question.answerable]
    an = [abstains(c) for c in cases if c.question.answerable]
    return (float(np.mean(un)) if un else float("nan")), (float(np.mean(an)) if an else float("nan"))


def literal(weights: dict[str, float]) -> str:
    """A dict as Python source, one entry a line (as ruff formats it)."""
    return "{\n" + "".join(f'    "{k}": {v!r},\n' for k, v in weights.items()) + "}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", help="fit on FOLDER[:STORE_DIR] (default: squad2-dev-rest)")
    ap.add_argument("--held", action="append", default=[], help="only measure on FOLDER[:STORE_DIR]")
    ap.add_argument("--limit", type=int, default=3000, help="questions per set, sampled")
    ap.add_argument("--cache", type=Path, help="a folder to keep the retrieved passages in between runs")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength of the sentence model")
    ap.add_argument("--max-abstained", type=float, default=0.05, help="of the answerable questions fitted on")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    args.set = args.set or [str(EVAL / "squad2-dev-rest")]
    apply_offline_defaults()
    settings = Settings.from_env()
    all_cases = cases(args, settings)
    # a question whose passages cannot answer it teaches nothing about sentences
    answerable_cases = [c for c in all_cases if c.question.answerable and c.y.any()]
    weights = fit_sentences([c for c in answerable_cases if c.part == "fit"], args.C)
    aw, threshold = fit_answerable([c for c in all_cases if c.part == "fit"], weights, args.max_abstained)
    old = {f: current.WEIGHTS.get(f, 0.0) for f in FEATURES}  # a feature new since the last fit weighs nothing

    print(f"{'questions whose passages hold the answer':<40} {'n':>5}  top 1: code  fitted  top 2: code  fitted")
    names = sorted({(c.part, c.set) for c in answerable_cases})
    for part_name, set_name in [("fit", "all"), ("check", "all"), *names]:
        group = [c for c in answerable_cases if c.part == part_name and set_name in ("all", c.set)]
        t = [top(group, w, n) for n in (1, 2) for w in (old, weights)]
        name = f"{part_name} {set_name}"
        print(f"{name:<40} {len(group):>5}  {t[0]:>11.3f} {t[1]:>7.3f} {t[2]:>12.3f} {t[3]:>7.3f}")
    print(f"\nabstention at threshold {threshold} (unanswerable abstained / answerable abstained)")
    for part_name, set_name in sorted({(c.part, c.set) for c in all_cases}):
        group = [c for c in all_cases if c.part == part_name and c.set == set_name]
        un, an = abstained(group, weights, aw, threshold)
        print(f"  {part_name + ' ' + set_name:<38} {len(group):>5}  {un:.3f} / {an:.3f}")
        if part_name == "check" and not np.isnan(un):
            curve = [(t, *abstained(group, weights, aw, t)) for t in np.round(np.arange(0.1, 0.95, 0.05), 2)]
            print("    curve:", "  ".join(f"{t:.2f}: {u:.2f}/{a:.2f}" for t, u, a in curve))
    print("\nsentence weights:", weights)
    print("answerable weights:", aw)
    if args.write:
        OUT.write_text(
            '"""Weights of the extractive answerer\'s models (:mod:`.sentence_model`).  Written by\n'
            '``benchmarks/fit_sentences.py``; refit rather than edit by hand."""\n\n'
            f'SPACE = "{EMBEDDERS[settings.embedder].space}"  # the similarities were this embedding space\'s\n'
            f"WEIGHTS = {literal(weights)}\nANSWERABLE = {literal(aw)}\nTHRESHOLD = {threshold!r}\n"
        )
        print(f"-> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
