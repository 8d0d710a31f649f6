"""Ratings of answers: kept in the data directory's SQLite log (per user), refused when they
are not ratings, listed and checked by the CLI, and exported as an eval set that `newsrag
eval` runs.  Through the real store (hash embedder) and the real CLI; the thumbs in the
browser: test_browser.py; /feedback through a real server: test_web_api.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.feedback.log import FeedbackLog
from rag.feedback.record import Feedback
from rag.service import NewsRAG
from tests import children
from ui.web import WebActions
from vectorstore.errors import InputError, NotFound, StoreDamaged

BIN = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin"


@pytest.fixture
def svc(two_stories: NewsRAG) -> NewsRAG:
    return two_stories


@pytest.mark.slow  # reads with the trained reader
def test_a_rating_keeps_the_question_the_answer_its_sentences_and_who_gave_it(svc: NewsRAG, tmp_path: Path) -> None:
    answer = svc.ask("How many homes lost power?").to_dict()
    kept = svc.rate(Feedback.of(answer, "down", " too vague ", " forty thousand ", {"source": "Coast Times"}, "ana"))
    again = FeedbackLog(tmp_path / "data" / "feedback.sqlite3").all()  # another process reads the same file
    assert again == [kept] and kept.id == 1 and kept.at
    assert (kept.question, kept.rating, kept.comment, kept.correction) == (
        "How many homes lost power?",
        "down",
        "too vague",
        "forty thousand",
    )
    assert kept.as_of == answer["as_of"] and kept.filters == {"source": "Coast Times"} and kept.user == "ana"
    assert kept.cited and kept.cited[0].article_id == "storm" and "forty thousand homes" in kept.cited[0].sentence
    assert kept.retrieved[0] == "storm"
    with pytest.raises(NotFound):
        svc.feedback.amend(kept.id, "bob", rating="up")  # one user never changes another's
    assert svc.feedback.amend(kept.id, "ana", rating="up").rating == "up"
    assert svc.feedback.get(kept.id, "ana").correction == "forty thousand"


@pytest.mark.parametrize(
    ("answer", "rating", "text", "says"),
    [
        ({"question": "Q?", "text": "A."}, "meh", "", "The rating must be 'up' or 'down', not 'meh'."),
        ("not an answer", "up", "", "Send the answer as /ask returned it"),
        ({"question": "Q?", "text": "A.", "citations": [{"x": 1}]}, "up", "", "citations are not as /ask returned"),
        ({"question": "Q?", "text": "A."}, "down", "x" * 2001, "The correction is 2,001 characters long"),
        ({"question": "Q?", "text": "A."}, "down", 7, "The correction must be text, not int."),
        ({"question": "Q?", "text": "x" * 30_000_000}, "up", "", "The answer's text is 30,000,000 characters long"),
        ({"question": "Q?" * 20_000, "text": "A."}, "up", "", "The question is 40,000 characters long"),
        (
            {"question": "Q?", "text": "A.", "citations": [{"n": 1, "article_id": "a", "passage": "p" * 6000}]},
            "up",
            "",
            "has a field over 5,000 characters",
        ),
        ({"question": "Q?", "text": "A.", "retrieved": ["a"] * 101}, "up", "", "more than 100 citations or retrieved"),
    ],
)
def test_what_is_not_a_rating_is_refused_and_nothing_is_kept(
    svc: NewsRAG, answer: object, rating: str, text: object, says: str
) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(")):
        svc.rate(Feedback.of(answer, rating, correction=text))  # type: ignore[arg-type]
    assert svc.feedback.all() == []


def test_a_damaged_log_says_to_move_it_aside_and_check_fails(svc: NewsRAG, tmp_path: Path) -> None:
    path = tmp_path / "data" / "feedback.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreDamaged, match="Move it aside"):
        svc.feedback.all()
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data"), "NEWSRAG_EMBEDDER": "hash"}
    p = children.run([str(BIN / "newsrag"), "-q", "check"], env=env, timeout=300)
    assert p.returncode == 1 and "Move it aside" in p.stdout and "Traceback" not in p.stderr
    path.unlink()
    p = children.run([str(BIN / "newsrag"), "-q", "check"], env=env, timeout=300)
    assert p.returncode == 0 and "Feedback log (0 ratings) and conversations: readable." in p.stdout


@pytest.mark.slow  # reads with the trained reader
def test_the_web_actions_rate_an_answer_and_take_the_right_answer(svc: NewsRAG) -> None:
    actions = WebActions(svc, svc.settings)
    *_, asked = list(actions.conversation.chat("When did the strike end?", [], {}, outlet="Harbour News"))[-1]
    rated = actions.conversation.rate_turn(asked, 1, liked=False)
    assert actions.conversation.rate_turn(asked, 1, liked=True) == type(rated)(
        rated.id, "up"
    )  # changed, not a second rating
    assert "Thank you" in actions.conversation.tell_more(rated, "", "after nine days")
    [kept] = svc.feedback.all()
    assert (kept.rating, kept.correction, kept.filters) == ("up", "after nine days", {"source": "Harbour News"})
    with pytest.raises(InputError, match="no longer available"):
        actions.conversation.rate_turn({}, 1, liked=True)
    with pytest.raises(InputError, match="Rate an answer"):
        actions.conversation.tell_more(None, "", "x")
    api = actions.api.feedback(svc.ask("How many homes lost power?").to_dict(), "up")
    assert api["id"] == 2 and api["rating"] == "up"


@pytest.mark.slow  # reads with the trained reader
def test_exported_ratings_are_an_eval_set_that_newsrag_eval_runs(svc: NewsRAG, tmp_path: Path) -> None:
    up = svc.ask("How many homes lost power?")
    assert up.citations and up.citations[0].article_id == "storm"
    svc.rate(Feedback.of(up.to_dict(), "up"))
    down = svc.ask("How long did the strike last?").to_dict()
    svc.rate(Feedback.of(down, "down", correction="nine days"))
    svc.rate(Feedback.of(down, "down", comment="wrong"))  # says no right answer: left out
    done = svc.export_feedback(tmp_path / "mine")
    assert (done.questions, done.articles, done.left_out) == (2, 2, 1)
    rows = [json.loads(line) for line in (tmp_path / "mine" / "questions.jsonl").read_text().splitlines()]
    gold = up.short or up.text  # what a thumbs-up keeps as the answer
    assert [r["question"] for r in rows] == ["How many homes lost power?", "How long did the strike last?"]
    assert rows[0]["evidence_ids"] == ["storm"] and rows[0]["answers"][0] in gold
    assert rows[1]["answers"] == ["nine days"] and rows[1]["evidence_ids"] == ["strike"]  # the article that says so
    assert all(r["question_date"] == up.as_of for r in rows)
    corpus = {json.loads(line)["id"] for line in (tmp_path / "mine" / "corpus.jsonl").read_text().splitlines()}
    assert corpus == {"storm", "strike"}

    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data"), "NEWSRAG_EMBEDDER": "hash"}
    listed = children.run([str(BIN / "newsrag"), "-q", "feedback", "list"], env=env, timeout=300, check=True)
    assert listed.stdout.count("\n") == 3 and "→ right answer: nine days" in listed.stdout
    report = tmp_path / "r.json"
    cmd = [str(BIN / "newsrag"), "-q", "eval", str(tmp_path / "mine"), "--json", str(report)]
    children.run(cmd, env={**env, "NEWSRAG_MIN_SCORE": "-1"}, timeout=600, check=True)
    ours = json.loads(report.read_text())["ours"]
    assert ours["retrieval_answerable"]["hits@5"] == 1.0  # both questions find the article that holds their answer


def rated(question: str, standalone: str, mode: str = "answer") -> Feedback:
    answer = {"question": question, "standalone_question": standalone, "text": "**Oil** — A lack of oil. [1]",
              "short": "Oil", "as_of": "2025-03-02", "mode": mode,
              "citations": [{"n": 1, "article_id": "a1", "title": "Blackout", "source": None, "published": None,
                             "url": None, "passage": "A lack of oil.", "sentence_start": 0, "sentence_end": 14,
                             "start": 0}]}  # fmt: skip
    return Feedback.of(answer, "up")


def test_a_follow_up_is_exported_as_the_question_it_stood_for_and_a_briefing_not_at_all(tmp_path: Path) -> None:
    """A follow-up's rating was exported as "Why?", which means nothing alone; a 👍 on a briefing
    exported a timestamp as the right answer (a briefing is not a question with an answer)."""
    from rag.feedback.export import export

    class Store:
        def list_articles(self) -> list:
            return []

        def article_text(self, article_id: str) -> str:
            return ""

    ratings = [rated("Why?", "Why was Cuba plunged into a nationwide blackout?"),
               rated("What happened this week?", "What happened this week?", mode="briefing")]  # fmt: skip
    done = export(ratings, Store(), tmp_path / "set")
    rows = [json.loads(line) for line in (tmp_path / "set" / "questions.jsonl").read_text().splitlines()]
    assert [r["question"] for r in rows] == ["Why was Cuba plunged into a nationwide blackout?"]
    assert done.questions == 1 and done.left_out == 1
