"""Fit when a passage's value counts in a conflict (``rag.news.values.CONFLICT_MARGIN`` and
``SAME_CLAIM``), on calibration sets whose sources do not contradict each other: every
conflict flagged there is a false one.  The loosest setting whose false-flag rate stays under
``--target`` on every set is printed (never fitted on rgb-en-fact, where it is reported).

    .venv/bin/python benchmarks/calibrate_conflicts.py eval-data/calib/squad-3:eval-data/stores/squad-3 \\
        eval-data/calib/rtqa-2025-h2:eval-data/stores/rtqa-2025-h2 --limit 300
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from rag.evaluate import EvalInputs
from rag.filters import Filters
from rag.news.conflicts import find_conflict
from rag.news.values import Value
from rag.readers.span import SpanReader
from rag.service import NewsRAG
from rag.settings import Settings

MARGINS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
CLAIMS = [0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9]


def readings(folder: Path, store: Path, limit: int, embed: list[Any]) -> list[tuple[list[Value], list]]:
    inputs = EvalInputs.resolve(folder, None, None).load(limit)
    settings = Settings.from_env().with_(data_dir=store, chroma_host=None, seeds_dir=store / "no-seeds")
    svc = NewsRAG.build(settings)
    embed[:] = [svc.embedder.embed]
    reader = SpanReader()
    out = []
    for q in inputs.items:
        if not q.answerable:
            continue
        hits = svc.retriever.retrieve(q.question, filters=Filters.parse(as_of=q.question_date)).hits[
            : settings.context_k
        ]
        reading = reader.read(q.question, hits)
        best: dict[int, Value] = {}
        for sp in reading.spans:
            if sp.passage not in best and not sp.sentence:
                best[sp.passage] = Value(
                    sp.passage, sp.start, sp.end, hits[sp.passage].text[sp.start : sp.end], sp.score
                )
        out.append((list(best.values()), hits))
    return out


class Memo:
    """The embedder, remembering: the grid embeds the same sentences again and again."""

    def __init__(self, embed: Any) -> None:
        self.embed = embed
        self.seen: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.embed(new), strict=True))
        return np.asarray([self.seen[t] for t in texts])


def flagged(rows: list[tuple[list[Value], list]], margin: float, min_cosine: float, embed: Memo) -> float:
    n = 0
    for values, hits in rows:
        kept = [v for v in values if v.score >= margin]
        n += find_conflict(kept, hits, embed, min_cosine) is not None
    return n / max(1, len(rows))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+", help="FOLDER:STORE (an eval set and its built eval store)")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--target", type=float, default=0.04)
    a = ap.parse_args()
    embed: list[Any] = []
    sets = {s: readings(Path(s.split(":")[0]), Path(s.split(":")[1]), a.limit, embed) for s in a.sets}
    memo = Memo(embed[0])
    print(f"{'margin':>7} {'claim':>7} " + " ".join(f"{Path(s.split(':')[0]).name:>14}" for s in sets))
    fits = []
    for m in MARGINS:
        for c in CLAIMS:
            rates = [flagged(rows, m, c, memo) for rows in sets.values()]
            print(f"{m:>7} {c:>7} " + " ".join(f"{r:>14.3f}" for r in rates), flush=True)
            if max(rates) <= a.target:
                fits.append((m + c, m, c))  # the loosest: lowest margin and claim threshold together
    if fits:
        _, m, c = min(fits)
        print(json.dumps({"margin": m, "same_claim": c}))


if __name__ == "__main__":
    main()
