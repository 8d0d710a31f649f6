"""The two sets the reader's abstention is fitted on, held out of its training (train.py):
three squad2-dev-rest articles and RealTimeQA 2025's second half (its questions, and the
articles published from two weeks before it).

    .venv/bin/python -m training.calibration_sets eval-data/train/rtqa-2025-all eval-data/calib
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.train import CALIBRATION_FROM, CALIBRATION_TITLES

SQUAD_REST = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "squad2-dev-rest"
ARTICLES_FROM = "2025-06-15"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write(folder: Path, docs: list[dict], questions: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, items in (("corpus.jsonl", docs), ("questions.jsonl", questions)):
        (folder / name).write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
    print(f"{len(docs)} documents, {len(questions)} questions -> {folder}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rtqa_2025", type=Path, help="build.py --year 2025 --weeks 60")
    ap.add_argument("out", type=Path)
    ap.add_argument("--squad-rest", type=Path, default=SQUAD_REST)
    a = ap.parse_args()
    docs = [d for d in _rows(a.squad_rest / "corpus.jsonl") if d["title"] in CALIBRATION_TITLES]
    ids = {d["id"] for d in docs}
    questions = [q for q in _rows(a.squad_rest / "questions.jsonl") if set(q["evidence_ids"]) & ids]
    _write(a.out / "squad-3", docs, questions)
    docs = [d for d in _rows(a.rtqa_2025 / "corpus.jsonl") if (d.get("published") or "") >= ARTICLES_FROM]
    questions = [q for q in _rows(a.rtqa_2025 / "questions.jsonl") if q["question_date"] >= CALIBRATION_FROM]
    _write(a.out / "rtqa-2025-h2", docs, questions)


if __name__ == "__main__":
    main()
