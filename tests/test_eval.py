"""`newsrag eval`: every metric against values worked out by hand."""

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.evaluate import EvalInputs, EvalRun, format_table
from rag.metrics import contains_gold, exact_match, normalize_answer, ranking, token_f1
from rag.settings import Settings
from tests import children
from tests.helpers import BIN

EVAL_DOC = (Path(__file__).resolve().parent.parent / "docs" / "eval.md").read_text()

TOPICS = [{"lava", "volcano", "eruption"}, {"budget", "parliament", "vote"}, {"marathon", "runner", "record"}]


class TopicEmbedder:
    """Vectors over three topics (counts of their keywords), so every similarity is known."""

    space = "topics"
    dim = 4

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            words = [w.strip(".,?!").lower() for w in t.split()]
            for j, topic in enumerate(TOPICS):
                out[i, j] = sum(w in topic for w in words)
            if not out[i].any():
                out[i, 3] = 1.0
            out[i] /= np.linalg.norm(out[i])
        return out


CORPUS = [
    {"id": "d1", "title": "Iceland", "text": "Lava from the volcano reached the harbour."},
    {"id": "d2", "title": "Norway", "text": "Parliament passed the budget by 60 to 40."},
    {"id": "d3", "title": "Berlin", "text": "Kiptum set the marathon record."},
]
QUESTIONS = [
    {"id": "q1", "question": "What did the lava reach?", "answers": ["the harbour"], "evidence_ids": ["d1"]},
    # budget outweighs volcano: the evidence (d1) comes second
    {"id": "q2", "question": "Was the budget vote about the volcano?", "answers": ["harbour"], "evidence_ids": ["d1"]},
    {"id": "q3", "question": "Who holds the marathon record?", "answers": ["Kiptum"], "evidence_ids": ["d3", "d2"]},
    {"id": "q4", "question": "Is the xylophone tuned?", "answers": [], "evidence_ids": [], "type": "unanswerable"},
]


def write_set(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in CORPUS) + "\n")
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    return folder


def test_squad_normalisation_and_token_f1() -> None:
    assert normalize_answer("The  Harbour, at last!") == "harbour at last"
    assert contains_gold("They reached the harbour. [1]", ["a harbour"])
    assert not contains_gold("harbours", ["harbour"])  # whole tokens only
    assert token_f1("Lava reached the harbour", ["the harbour"]) == pytest.approx(2 * (1 / 3) / (1 + 1 / 3))
    assert token_f1("nothing", ["harbour"]) == 0.0 and token_f1("x", []) == 0.0


def test_ranking_metrics() -> None:
    r = ranking(["a", "b", "c", "b"], ["c", "z"])
    assert r == {"hits@1": 0.0, "hits@5": 1.0, "hits@10": 1.0, "mrr@10": pytest.approx(1 / 3), "recall@10": 0.5}
    far = ranking([f"x{i}" for i in range(10)] + ["c"], ["c"])
    assert far["hits@10"] == 0.0 and far["mrr@10"] == 0.0


@pytest.mark.slow  # reads with the trained reader
def test_eval_on_a_tiny_set_matches_the_hand_worked_figures(tmp_path: Path) -> None:
    inputs = EvalInputs.resolve(write_set(tmp_path / "set"), None, None).load()
    settings = Settings(data_dir=tmp_path / "data", min_score=0.5)
    run = EvalRun(settings, inputs, TopicEmbedder(), tmp_path / "store", baseline=True)
    report = run.run()
    ours = report["ours"]
    # q1: d1 first; q2: d2 (0.894) then d1 (0.447); q3: d3 first, d2 also in the top 10
    assert ours["retrieval"] == pytest.approx(
        {"hits@1": 2 / 3, "hits@5": 1.0, "hits@10": 1.0, "mrr@10": (1 + 0.5 + 1) / 3, "recall@10": 1.0}
    )
    # answers: q1 "**the harbour** — Lava from the volcano reached the harbour. [1]" (7 tokens with
    # "[1]"'s 1, one gold: F1 1/4), q2 quotes the budget sentence (no gold, F1 0), q3 "**Kiptum** —
    # Kiptum set the marathon record. [1]" (6 tokens: F1 2/7)
    answers = {k: ours["answers"][k] for k in ("contains_gold", "f1")}
    assert answers == pytest.approx({"contains_gold": 2 / 3, "f1": (1 / 4 + 0 + 2 / 7) / 3})
    # the short answers: one row a question, and the figures are those rows' (answerable questions)
    rows = {r["id"]: r for r in report["questions"]}
    assert set(rows) == {q.id for q in inputs.items} and rows["q4"]["abstained"]
    shorts = [(rows[q.id]["short"], q.answers) for q in inputs.items if q.answerable]
    assert ours["answers"]["short_em"] == pytest.approx(sum(exact_match(s, g) for s, g in shorts) / 3)
    assert ours["answers"]["short_given"] == pytest.approx(sum(s is not None for s, _ in shorts) / 3)
    # citations: q1 cites d1 (evidence), q2 cites d2 (neither evidence nor gold), q3 cites d3
    assert ours["citations"] == pytest.approx({"precision": 2 / 3, "support": 2 / 3})
    assert ours["abstention"] == {"unanswerable_abstained": 1.0, "answerable_abstained": 0.0,
                                  "no_evidence_abstained": 1.0, "evidence_abstained": 0.0}  # fmt: skip
    assert 0 < ours["latency_ms"]["p50"] <= ours["latency_ms"]["p95"]
    assert set(ours["latency_ms"]["stages"]) >= {"total", "embed", "search", "answer"}
    # the baseline: the same three documents, one chunk each, top 4 chunks
    assert report["baseline"]["retrieval"] == pytest.approx(ours["retrieval"])
    assert report["counts"] == {"corpus_documents": 3, "questions": 4, "answerable": 3, "unanswerable": 1,
                                "with_evidence": 3, "chunks": 3, "baseline_chunks": 3}  # fmt: skip
    assert "hits@5" in format_table(report) and "ratio" in format_table(report)

    again = EvalRun(settings, inputs, TopicEmbedder(), tmp_path / "store", baseline=True).run()
    for part in ("retrieval", "answers", "citations", "abstention"):
        assert again["ours"][part] == ours[part]  # same inputs, same numbers (the store is reused)


def _key_paths(report: dict) -> set[str]:  # type: ignore[type-arg]
    paths = set()
    for top, value in report.items():
        paths.add(top)
        if top in ("ours", "baseline"):
            for group, inner in value.items():
                paths.add(f"{top}.{group}")
                if group != "latency_ms" and isinstance(inner, dict):
                    paths.update(f"{top}.{group}.{k}" for k in inner)
    return paths


@pytest.mark.slow  # reads with the trained reader
def test_json_report_keys_are_documented_in_the_readme(tmp_path: Path) -> None:
    inputs = EvalInputs.resolve(write_set(tmp_path / "set"), None, None).load()
    report = EvalRun(Settings(data_dir=tmp_path / "d"), inputs, TopicEmbedder(), tmp_path / "s", baseline=True).run()
    section = EVAL_DOC.split("### The JSON report", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_@0-9.]+)`", section))
    # a leaf is documented by its group's path and its own name: `ours.answers`: `f1`
    missing = {
        p for p in _key_paths(report) if p not in documented and not (p.rsplit(".", 1)[0] in documented
                                                                     and p.rsplit(".", 1)[1] in documented)
    }  # fmt: skip
    assert not missing, f"undocumented report keys: {sorted(missing)}"


def test_bad_eval_inputs_say_what_to_do(tmp_path: Path) -> None:
    from vectorstore.errors import ConfigError

    with pytest.raises(ConfigError, match="or both --corpus and --questions"):
        EvalInputs.resolve(None, tmp_path / "c.jsonl", None)
    with pytest.raises(ConfigError, match="does not exist"):
        EvalInputs.resolve(tmp_path, None, None)
    folder = write_set(tmp_path / "bad")
    (folder / "questions.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(ConfigError, match="line 1: not a question record"):
        EvalInputs.resolve(folder, None, None).load()


@pytest.mark.slow
def test_eval_command_with_the_real_model_and_the_baseline(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set")
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data")}
    cmd = [str(BIN / "newsrag"), "-q", "eval", str(folder), "--baseline", "naive", "--json", str(tmp_path / "r.json")]
    first = children.run(cmd, env=env, timeout=600, check=True)
    assert "retrieval hits@5" in first.stdout and "baseline" in first.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["chunks"] == 3 and report["versions"]["chromadb"]
    assert report["settings"]["embedder"] == "minilm-auto"  # the default
    assert set(report["baseline"]) == {"retrieval", "retrieval_answerable", "latency_ms"}
    stores = list((tmp_path / "data" / "eval").iterdir())
    assert len(stores) == 1 and (stores[0] / "ingested").exists()
    children.run(cmd, env=env, timeout=600, check=True)
    again = json.loads((tmp_path / "r.json").read_text())
    assert again["ours"]["retrieval"] == report["ours"]["retrieval"]
    assert again["ours"]["answers"] == report["ours"]["answers"]
    assert list((tmp_path / "data" / "eval").iterdir()) == stores  # reused, not rebuilt


def test_a_set_labelled_in_part_also_reports_answers_on_its_labelled_questions() -> None:
    """RealTimeQA labels evidence for 83 of its 240 questions: the news-aware issue's answer
    target is on those, so eval reports them apart."""
    from rag.answer import Answer
    from rag.eval_scores import Question, score_ours

    def q(i: int, evidence: list[str]) -> Question:
        return Question(id=str(i), question=f"q{i}", answers=["Bills"], evidence_ids=evidence)

    def a(text: str) -> Answer:
        return Answer(question="q", standalone_question="q", text=text, citations=[], timings={"total_ms": 1.0})

    items = [q(1, ["d1"]), q(2, ["d2"]), q(3, []), q(4, [])]
    answers = [a("The Bills won. [1]"), a("Nothing here. [1]"), a("The Bills again. [1]"), a("Bills. [1]")]
    got = score_ours(items, answers)["answers"]
    assert got["contains_gold"] == 0.75 and got["contains_gold_with_evidence"] == 0.5
    assert "contains_gold_with_evidence" not in score_ours(items[:2], answers[:2])["answers"]


def test_eval_scores_the_short_answer_and_abstention_with_and_without_evidence() -> None:
    """short_em/short_f1 (SQuAD normalisation, answerable questions), abstention apart for the
    questions whose answer the store holds (evidence) and the others, and one row a question."""
    from rag.answer import Answer
    from rag.eval_scores import Question, question_rows, score_ours

    def q(i: int, evidence: list[str]) -> Question:
        return Question(id=str(i), question=f"q{i}", answers=["the Buffalo Bills"], evidence_ids=evidence)

    def a(short: str | None, abstained: bool = False) -> Answer:
        return Answer(question="q", standalone_question="q", text="…", citations=[], timings={"total_ms": 1.0},
                      short=short, abstained=abstained)  # fmt: skip

    items = [q(1, ["d1"]), q(2, ["d2"]), q(3, []), q(4, [])]
    answers = [a("Buffalo Bills"), a("the Bills"), a(None, abstained=True), a("Jets")]
    got = score_ours(items, answers)
    assert got["answers"]["short_em"] == 0.25  # "Buffalo Bills" = "the Buffalo Bills" once normalised
    assert got["answers"]["short_f1"] == pytest.approx((1 + 2 / 3) / 4)  # "bills" against "buffalo bills": p 1, r 1/2
    assert got["abstention"]["no_evidence_abstained"] == 0.5 and got["abstention"]["evidence_abstained"] == 0.0
    # of the three bold answers shown, two are right (F1 ≥ 0.5: "the Bills" is 2/3); both with evidence
    assert got["answers"]["short_right"] == pytest.approx(2 / 3)
    assert got["answers"]["short_right_with_evidence"] == 1.0 and got["answers"]["short_given_with_evidence"] == 1.0
    rows = question_rows(items, answers)
    assert [r["short"] for r in rows] == ["Buffalo Bills", "the Bills", None, "Jets"] and rows[2]["abstained"]
    # a set whose questions all carry evidence has no such split
    assert "evidence_abstained" not in score_ours(items[:2], answers[:2])["abstention"]
