"""`make reader`'s steps run end to end on a tiny sample (a few examples, one step), so
the training code cannot rot: gather SQuAD pages and RealTimeQA-shaped news by distant
supervision, train, export int8 ONNX, and read with the exported model.  (And
``training.soup``, measured and not shipped, on two small models.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import news, squad_pages
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


def test_soup_weighs_the_two_models_and_refuses_two_architectures(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from training import soup

    for name, value in (("a", 1.0), ("b", 3.0)):
        (tmp_path / name).mkdir()
        save_file(
            {"w": torch.full((2, 2), value), "ids": torch.tensor([value]).long()}, str(tmp_path / name / soup.WEIGHTS)
        )
        (tmp_path / name / "config.json").write_text(f'{{"from": "{name}"}}')
    out = soup.soup(tmp_path / "a", tmp_path / "b", 0.75, tmp_path / "mixed")
    got = load_file(str(out / soup.WEIGHTS))
    assert torch.equal(got["w"], torch.full((2, 2), 2.5))  # 0.25·1 + 0.75·3
    assert got["ids"].tolist() == [3]  # whole numbers are taken from the second, never averaged
    assert (out / "config.json").read_text() == '{"from": "b"}'
    assert json.loads((out / "training.json").read_text())["soup"]["second_share"] == 0.75
    save_file({"w": torch.zeros(3)}, str(tmp_path / "b" / soup.WEIGHTS))
    with pytest.raises(SystemExit, match="not the same architecture"):
        soup.soup(tmp_path / "a", tmp_path / "b", 0.75, tmp_path / "again")
