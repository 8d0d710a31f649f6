"""`make reader`'s steps run end to end on a tiny sample (a few examples, one step), so
the training code cannot rot: gather SQuAD pages and RealTimeQA-shaped news by distant
supervision, train, export int8 ONNX, and read with the exported model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from training import news, squad_pages, train
from training.examples import read

DATA = Path(__file__).parent / "data" / "reader"
LEAVE_OUT = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "squad2-dev-5"


def test_squad_pages_give_the_window_holding_the_answer_and_a_window_that_does_not() -> None:
    got = list(squad_pages.examples(DATA, leave_out=set()))
    founded = next(e for e in got if e.qid == "t1")
    assert founded.context[founded.start : founded.start + len(founded.answer)] == "Tomas Reed"
    other = next(e for e in got if e.qid == "t1-other")
    assert not other.answerable and "market" in other.context
    assert not next(e for e in got if e.qid == "t3").answerable  # <No Answer>
    assert list(squad_pages.examples(DATA, leave_out={"Harbour town"})) == []  # left out by title


def test_news_by_distant_supervision_labels_the_evidence_span_and_teaches_no_answer() -> None:
    got = list(news.examples(DATA / "rtqa", "rtqa-2024"))
    pos = [e for e in got if e.answerable]
    assert [e.answer for e in pos] == ["Mara Quist"]
    assert pos[0].context[pos[0].start :].startswith("Mara Quist")
    # the wrong choice "Ivo Lund" sits in the same window as the answer, so the negative is another window
    neg = [e for e in got if not e.answerable and e.qid.startswith("rtqa-2024-20240308_0")]
    assert neg and all("Mara Quist" not in e.context for e in neg)
    assert any(e.qid.startswith("rtqa-2024-20240308_1") and not e.answerable for e in got)  # no evidence


@pytest.mark.slow
def test_train_export_and_read_on_a_tiny_sample(tmp_path: Path) -> None:
    from rag.readers.span import SpanReader
    from training import export, train

    train.main(["--squad", str(DATA), "--rtqa", str(DATA / "rtqa"), "--leave-out", str(LEAVE_OUT),
                "--cache", str(tmp_path / "examples.jsonl"), "--out", str(tmp_path / "run"),
                "--limit", "3", "--max-steps", "1", "--batch", "4"])  # fmt: skip
    cached = list(read(tmp_path / "examples.jsonl"))
    assert len(cached) >= 6
    news_questions = len({train.question_of(e.qid) for e in cached if not e.origin.startswith("squad")})
    assert news_questions == 2
    # the second stage: from the first's weights, every news question and a few SQuAD ones
    train.main(["--squad", str(DATA), "--leave-out", str(LEAVE_OUT), "--cache", str(tmp_path / "examples.jsonl"),
                "--out", str(tmp_path / "news"), "--init", str(tmp_path / "run" / "model"),
                "--squad-questions", "1", "--max-steps", "1", "--batch", "4"])  # fmt: skip
    assert json.loads((tmp_path / "news" / "model" / "training.json").read_text())["questions"] == 1 + news_questions
    shipped = export.export(tmp_path / "news" / "model", tmp_path / "model")
    assert (shipped / "reader-int8.onnx").stat().st_size < 30e6
    reading = SpanReader(shipped).read_texts("Who founded Port Ellis?", ["Port Ellis was founded by Tomas Reed."])
    assert reading.spans and all(0 <= s.start < s.end <= 38 for s in reading.spans)


def squad_history(tmp_path: Path) -> tuple[Path, str]:
    """A two-page stand-in of SQuAD-explorer's history: the train pages in one commit, gone in the next."""
    import subprocess

    repo, page = tmp_path / "explorer", (DATA / "explore" / "v2.0" / "dev" / "Harbour_town.html").read_text()
    train = repo / "explore" / "1.1" / "train"
    train.mkdir(parents=True)
    answerable = page.replace('<span class="no-answer">&lt;No Answer&gt;</span>', '<span class="answer">1871</span>')
    (train / "Harbour_town.html").write_text(answerable)
    # as the 2016 pages are: no question ids, answers in an ordered list
    old_style = re.sub(r' data-id="[^"]+"', "", answerable).replace("<ul", "<ol").replace("</ul>", "</ol>")
    (train / "Valley_farm.html").write_text(old_style.replace("Harbour town", "Valley farm"))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "train pages"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([*git, "rm", "-rq", "explore"], check=True)
    subprocess.run([*git, "commit", "-qm", "dev pages only"], check=True)
    return repo, commit


def test_squad_train_pages_are_read_from_a_commit_and_negatives_never_hold_the_answer(tmp_path: Path) -> None:
    repo, commit = squad_history(tmp_path)
    got = list(squad_pages.train_examples(repo, leave_out=set(), ref=commit))
    assert {e.origin for e in got} == {"squad1-train"}
    positives = [e for e in got if e.answerable]
    assert len({e.qid for e in positives}) == 8 and {"t1", "t2", "t3", "t4"} <= {e.qid for e in positives}
    assert {e.question for e in positives if not e.qid.startswith("t")} == {
        "Who founded Port Ellis?", "When was the lighthouse built?", "Who designed the lighthouse?",
        "When does the market open?"}  # fmt: skip
    assert len({train.question_of(e.qid) for e in got}) == 8  # ids that group each question's windows
    assert all(e.context[e.start : e.start + len(e.answer)] == e.answer for e in positives)
    negatives = [e for e in got if not e.answerable]
    answer_of = {e.qid: e.answer for e in positives}
    assert negatives and all(answer_of[e.qid.removesuffix("-other")] not in e.context for e in negatives)
    assert all(e.qid.endswith("-other") for e in negatives)  # made from another paragraph, SQuAD 2.0's way
    none = list(squad_pages.train_examples(repo, leave_out=set(), negatives=0.0, ref=commit))
    assert all(e.answerable for e in none) and len(none) == len(positives)
    half = [e for e in squad_pages.train_examples(repo, leave_out=set(), negatives=0.5, ref=commit) if not e.answerable]
    assert {e.qid for e in half} < {e.qid for e in negatives}  # a seeded share, the same ones each time
    assert list(squad_pages.train_examples(repo, {"Harbour town", "Valley farm"}, ref=commit)) == []
    with pytest.raises(SystemExit, match="with its history"):
        list(squad_pages.train_examples(repo, leave_out=set(), ref="0" * 40))


@pytest.mark.slow
def test_training_stopped_and_run_again_resumes_to_the_model_of_one_run(tmp_path: Path) -> None:
    """`make reader` runs for hours on 2 cores: a stopped run goes on from its last checkpoint."""
    import torch
    from safetensors.torch import load_file

    common = ["--squad", str(DATA), "--rtqa", str(DATA / "rtqa"), "--leave-out", str(LEAVE_OUT),
              "--cache", str(tmp_path / "examples.jsonl"), "--limit", "3", "--max-steps", "4", "--batch", "2",
              "--checkpoint-every", "2"]  # fmt: skip
    train.main([*common, "--out", str(tmp_path / "once")])
    train.main([*common, "--out", str(tmp_path / "twice"), "--stop-after", "2"])
    assert not (tmp_path / "twice" / "model").exists() and (tmp_path / "twice" / "trainer" / "checkpoint-2").is_dir()
    train.main([*common, "--out", str(tmp_path / "twice")])
    once = load_file(tmp_path / "once" / "model" / "model.safetensors")
    twice = load_file(tmp_path / "twice" / "model" / "model.safetensors")
    assert once.keys() == twice.keys()
    assert all(torch.allclose(once[k], twice[k], atol=1e-6) for k in once)
    start = load_file(tmp_path / "twice" / "trainer" / "checkpoint-2" / "model.safetensors")
    assert not all(torch.allclose(start[k], twice[k]) for k in start)  # it went on from there
