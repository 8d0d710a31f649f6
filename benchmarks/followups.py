"""Complete questions asked after another: how many the follow-up step leaves as they are.

    .venv/bin/python -m benchmarks.followups eval-data/train/rtqa-2024-all eval-data/train/rtqa-2025-all

Every RealTimeQA question is complete (a news quiz's), so asked right after the one before it
in its week, it must be searched for as written.  Prints, per set, the pairs, the share left
untouched (all, and those holding a pronoun the step could replace), and the first rewrites.
Uses 2024 and 2025 only (2022 and 2026 are kept for measuring; the dev weeks are not needed).

With ``--needing``, also 30 follow-ups written here that need their context, each after a
2024 question and its answer (as the chat shows it: "**answer** — …"): a person asking "Who
runs it?" after "Which car company…?" (Tesla) means Tesla.  Printed with what they became; a
rewrite is counted right when it names the answer (check the printout by hand too).
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


# (question id in RealTimeQA 2024, a follow-up that needs it): written for this set
NEEDING = [
    ("20240308_9", "Why?"), ("20240223_16", "What caused it?"), ("20240412_12", "Who runs it?"),
    ("20240301_8", "Who plays her love interest?"), ("20240920_19", "Who hosted it?"),
    ("20240621_0", "What did he sign there?"), ("20241220_26", "Who filed it?"),
    ("20241129_6", "Why is it closing?"), ("20240112_15", "Who is its president?"),
    ("20240223_17", "What did its governor say?"), ("20240920_6", "How many have been sent there?"),
    ("20240322_19", "And the least happy?"), ("20241220_25", "How many died?"),
    ("20240906_2", "Which other companies did the same?"), ("20240426_12", "Who owns it?"),
    ("20240913_11", "Where did it make landfall?"), ("20241115_23", "Why?"),
    ("20240126_8", "How many troops take part in it?"), ("20241004_7", "Which models?"),
    ("20240308_2", "What was the final score?"), ("20240621_4", "Which club is he joining?"),
    ("20240105_16", "Who resigned?"), ("20240927_2", "Where was the fight?"),
    ("20240614_10", "What did the leaders agree on?"), ("20240705_16", "When did he write it?"),
    ("20240531_8", "Who won it?"), ("20240510_17", "What was its theme this year?"),
    ("20241129_7", "Why?"), ("20240112_13", "Where were they sold?"), ("20240802_19", "Who bought it?"),
]  # fmt: skip


def needing(folder: Path) -> None:
    rows = {r["id"]: r for r in map(json.loads, (folder / "questions.jsonl").read_text().splitlines())}
    right = 0
    for qid, follow_up in NEEDING:
        q = rows[qid]
        said = f"**{q['answers'][0]}** — …"
        history = [{"role": "user", "content": q["question"]}, {"role": "assistant", "content": said}]
        became = condense(follow_up, history)
        named = q["answers"][0].lower() in became.lower()
        right += named
        print(f"  {'✓' if named else '✗'} {follow_up!r} after {q['answers'][0]!r} → {became}")
    print(f"needing their context: {len(NEEDING)}, rewritten to name the answer {right}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--show", type=int, default=5, help="rewrites to print per set")
    ap.add_argument("--needing", type=Path, help="RealTimeQA 2024's folder: also the follow-ups that need context")
    a = ap.parse_args()
    if a.needing:
        needing(a.needing)
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
