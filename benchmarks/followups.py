"""Complete questions asked after another: how many the follow-up step leaves as they are.

    .venv/bin/python -m benchmarks.followups eval-data/train/rtqa-2024-all eval-data/train/rtqa-2025-all

Every RealTimeQA question is complete (a news quiz's), so asked right after the one before it
in its week, it must be searched for as written.  Prints, per set, the pairs, the share left
untouched (all, and those holding a pronoun the step could replace), and the first rewrites.
Uses 2024 and 2025 only (2022 and 2026 are kept for measuring; the dev weeks are not needed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from pathlib import Path

from rag.condense import condense

PRONOUN = re.compile(r"\b(he|she|him|his|her|its|it|they|them|their)\b", re.I)


def pairs(folder: Path) -> list[tuple[str, str]]:
    """Consecutive questions of the same quiz day."""
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines() if line.strip()]
    return [
        (a["question"], b["question"])
        for a, b in itertools.pairwise(rows)
        if a.get("question_date") == b.get("question_date")
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--show", type=int, default=5, help="rewrites to print per set")
    a = ap.parse_args()
    for folder in a.sets:
        found = pairs(folder)
        changed = [(p, q, s) for p, q in found if (s := condense(q, [{"role": "user", "content": p}])) != q]
        with_pronoun = [q for _, q in found if PRONOUN.search(q)]
        changed_pronoun = [q for _, q, _ in changed if PRONOUN.search(q)]
        print(
            f"{folder.name}: {len(found)} pairs, untouched {1 - len(changed) / max(1, len(found)):.3f}; "
            f"with a pronoun {len(with_pronoun)}, untouched {1 - len(changed_pronoun) / max(1, len(with_pronoun)):.3f}"
        )
        for _, q, s in changed[: a.show]:
            print(f"  {q}\n    → {s}")


if __name__ == "__main__":
    main()
