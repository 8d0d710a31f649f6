"""Fine-tune all-MiniLM-L6-v2 as an extractive reader: start/end logits over the passage's
tokens, and "no answer" as the span at [CLS] (the SQuAD 2.0 recipe of BERT), with
transformers' ``BertForQuestionAnswering`` head and ``Trainer``.

    .venv/bin/python -m training.train --squad DIR --rtqa DIR [DIR ...] --out DIR \\
        [--squad-train] [--squad-negatives 1.0] [--limit N] [--max-steps N] [--epochs 1] [--seed 0]
        [--curve 1000,4000,16000]

Reproducible: a fixed seed for the subsample, the order and the head's initialisation.
The examples are cached (``--cache``), tokenised once.  ``--curve`` saves the model after
that many training questions have been seen, for the learning curve.

Resumable: a checkpoint every ``--checkpoint-every`` steps in ``OUT/trainer`` (the last two
kept); run the same command again and it goes on from the last one, to the model one
uninterrupted run makes (the order, the learning rate's schedule and the random state are
restored).  ``--stop-after N`` stops after N steps, as an interruption would.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.readers.span import MAX_TOKENS  # question + passage, as the product reads them
from training import examples as ex
from training import news, squad_pages

# Held out of training, for calibrating the abstention (benchmarks/calibrate_reader.py): three
# squad2-dev-rest articles and RealTimeQA 2025's second half.
CALIBRATION_TITLES = frozenset({"Force", "Harvard University", "Warsaw"})
CALIBRATION_FROM = "2025-07-01"


def question_of(qid: str) -> str:
    return qid.removesuffix("-other").rsplit("-p", 1)[0].rsplit("-n", 1)[0]


def gather(squad: Path, rtqa: Sequence[Path], leave_out: set[str], cache: Path, squad_train: bool = False,
           negatives: float = 1.0) -> list[ex.Example]:  # fmt: skip
    """Every example: SQuAD's dev pages (and with ``squad_train`` SQuAD 1.1 train from the
    repository's history, a share ``negatives`` of its questions also paired with a paragraph
    that does not answer them), then the news sets; kept in ``cache`` (delete it to gather anew)."""
    if cache.exists():
        return list(ex.read(cache))
    items = list(squad_pages.examples(squad, leave_out | CALIBRATION_TITLES))
    if squad_train:
        items += squad_pages.train_examples(squad, leave_out | CALIBRATION_TITLES, negatives)
    for folder in rtqa:
        origin = folder.name
        items += [e for e in news.examples(folder, origin) if not _calibration_news(e)]
    ex.write(cache, items)
    return items


def _calibration_news(e: ex.Example) -> bool:
    day = e.qid.split("-")[-2] if e.origin.startswith("rtqa-2025") else ""
    return day[:8] >= CALIBRATION_FROM.replace("-", "") if day else False


def subsample(items: list[ex.Example], limit: int | None, seed: int, squad: int | None = None) -> list[ex.Example]:
    """Whole questions (all their windows), in a seeded order; with ``squad``, every news
    question and only that many SQuAD questions (a news-weighted continuation)."""
    groups: dict[str, list[ex.Example]] = {}
    for e in items:
        groups.setdefault(question_of(e.qid), []).append(e)
    keys = sorted(groups, key=lambda k: hashlib.sha1(f"{seed}:{k}".encode()).hexdigest())
    if squad is not None:
        kept = set([k for k in keys if groups[k][0].origin.startswith("squad")][:squad])
        keys = [k for k in keys if not groups[k][0].origin.startswith("squad") or k in kept]
    if limit is not None:
        keys = keys[:limit]
    return [e for k in keys for e in groups[k]]


def encode(tok: Any, items: Sequence[ex.Example]) -> list[dict[str, Any]]:
    enc = tok([e.question for e in items], [e.context for e in items], truncation="only_second",
              max_length=MAX_TOKENS, return_offsets_mapping=True)  # fmt: skip
    rows = []
    for k, e in enumerate(items):
        offsets, seq = enc["offset_mapping"][k], enc.sequence_ids(k)
        start = end = 0
        if e.answerable:
            a, b = e.start, e.start + len(e.answer)
            ctx = [i for i, s in enumerate(seq) if s == 1]
            if ctx and offsets[ctx[0]][0] <= a and offsets[ctx[-1]][1] >= b:
                start = next(i for i in ctx if offsets[i][1] > a)
                end = max(i for i in ctx if offsets[i][0] < b)
        rows.append({"input_ids": enc["input_ids"][k], "token_type_ids": enc["token_type_ids"][k],
                     "attention_mask": enc["attention_mask"][k], "start_positions": start,
                     "end_positions": end})  # fmt: skip
    return rows


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--squad", type=Path, required=True, help="rajpurkar/SQuAD-explorer (its gh-pages branch)")
    ap.add_argument("--rtqa", type=Path, nargs="*", default=[], help="RealTimeQA builds (2023 late, 2024, 2025)")
    ap.add_argument("--leave-out", type=Path, default=Path("../shared/eval/squad2-dev-5"), help="an eval set")
    ap.add_argument("--cache", type=Path, default=Path("eval-data/reader/examples.jsonl"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=None, help="train on this many questions")
    ap.add_argument(
        "--squad-questions",
        type=int,
        default=None,
        help="every news question, and only this many SQuAD questions (seeded)",
    )
    ap.add_argument(
        "--squad-train",
        action="store_true",
        help=f"also SQuAD 1.1 train, from commit {squad_pages.TRAIN_COMMIT} of --squad (a full clone)",
    )
    ap.add_argument(
        "--squad-negatives",
        type=float,
        default=1.0,
        help="share of SQuAD 1.1 train questions also given a paragraph that does not answer them",
    )
    ap.add_argument("--max-steps", type=int, default=-1)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, default=None, help="start from this trained reader (default: MiniLM)")
    ap.add_argument("--curve", default="", help="also save after this many questions, e.g. 1000,4000,16000")
    ap.add_argument("--checkpoint-every", type=int, default=200, help="steps between checkpoints (OUT/trainer)")
    ap.add_argument("--stop-after", type=int, default=None, help="stop after this many steps (to resume later)")
    return ap.parse_args(argv)


def training_rows(a: argparse.Namespace, tok: Any) -> tuple[int, list[dict[str, Any]]]:
    """The questions trained on and their encoded windows, in the seeded order."""
    leave_out = {json.loads(line)["title"] for line in (a.leave_out / "corpus.jsonl").open()}
    gathered = gather(a.squad, a.rtqa, leave_out, a.cache, a.squad_train, a.squad_negatives)
    items = subsample(gathered, a.limit, a.seed, a.squad_questions)
    questions = len({question_of(e.qid) for e in items})
    random.Random(a.seed).shuffle(items)
    rows = encode(tok, items)
    print(f"{questions} questions, {len(rows)} windows ({sum(e.answerable for e in items)} with an answer)")
    return questions, rows


def main(argv: Sequence[str] | None = None) -> None:
    a = parse_args(argv)

    import torch
    from transformers import (
        AutoTokenizer,
        BertForQuestionAnswering,
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        set_seed,
    )
    from transformers.trainer_utils import get_last_checkpoint

    from vectorstore.embedders.minilm import minilm_path

    set_seed(a.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tok = AutoTokenizer.from_pretrained(minilm_path())
    questions, rows = training_rows(a, tok)
    model = BertForQuestionAnswering.from_pretrained(a.init or minilm_path())
    per_question = len(rows) / max(1, questions)
    marks = sorted(int(int(c) * per_question / a.batch) for c in a.curve.split(",") if c)

    class Curve(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step in marks:
                seen = round(state.global_step * a.batch / per_question)
                kw["model"].save_pretrained(a.out / f"curve-{seen}")
                tok.save_pretrained(a.out / f"curve-{seen}")
            if a.stop_after is not None and state.global_step >= a.stop_after:
                control.should_save = True  # an interruption that leaves its checkpoint
                control.should_training_stop = True

    trainer_dir = a.out / "trainer"  # its checkpoints
    args = TrainingArguments(
        output_dir=str(trainer_dir), per_device_train_batch_size=a.batch, learning_rate=a.lr,
        num_train_epochs=a.epochs, max_steps=a.max_steps, warmup_steps=0.06, weight_decay=0.01,
        lr_scheduler_type="linear", logging_steps=50, save_strategy="steps", save_steps=a.checkpoint_every,
        save_total_limit=2, report_to=[], seed=a.seed,
        data_seed=a.seed, use_cpu=True, train_sampling_strategy="group_by_length", dataloader_num_workers=0,
    )  # fmt: skip
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=DataCollatorWithPadding(tok),
                      callbacks=[Curve()])  # fmt: skip
    began = time.perf_counter()
    last = get_last_checkpoint(str(trainer_dir)) if trainer_dir.is_dir() else None
    if last:
        print(f"resuming from {last}")
    trainer.train(resume_from_checkpoint=last)
    if a.stop_after is not None and trainer.state.global_step < trainer.state.max_steps:
        print(f"stopped after step {trainer.state.global_step} of {trainer.state.max_steps}: run again to resume")
        return
    model.save_pretrained(a.out / "model")
    tok.save_pretrained(a.out / "model")
    info = {"questions": questions, "windows": len(rows), "seconds": round(time.perf_counter() - began),
            "args": {k: str(v) for k, v in vars(a).items()}}  # fmt: skip
    (a.out / "model" / "training.json").write_text(json.dumps(info, indent=2))
    print(f"trained in {info['seconds']} s -> {a.out / 'model'}")


if __name__ == "__main__":
    main()
