"""Kept conversations: the store (per owner, crash-safe SQLite), what the web UI does with
them (keep after each answer, reopen with clickable sources, rename, delete, export), and
the login with several users.  Real store with the hash embedder; in Chromium, across a
reload, a restart and two users: test_browser.py."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from rag.answer import Answer
from rag.conversations import ConversationLog, Turn
from rag.feedback.log import FeedbackLog
from rag.service import NewsRAG
from ui.web import WebActions
from ui.web.guards import LoginGuard, auth_accounts
from ui.web.kept import KeptActions, browser_id, owner_of
from vectorstore.article import Article
from vectorstore.errors import InputError, NotFound, StoreDamaged


@pytest.fixture
def svc(two_stories: NewsRAG) -> NewsRAG:
    return two_stories


@pytest.mark.slow  # reads with the trained reader
def test_an_answer_read_back_is_the_answer_that_was_kept(svc: NewsRAG) -> None:
    answer = svc.ask("How many homes lost power?")
    assert answer.citations and Answer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


@pytest.mark.slow  # reads with the trained reader
def test_conversations_are_kept_per_owner_and_another_owner_never_finds_them(svc: NewsRAG, tmp_path: Path) -> None:
    log = svc.conversations
    question = "How many homes lost power after the storm on the coast this Monday, and who restored it?"
    first = svc.ask(question)
    kept = log.save("user:ana", "", [Turn(first, {"source": "Coast Times"})])
    assert len(kept.title) == 80 and kept.title.endswith("…") and question.startswith(kept.title[:-1])
    second = svc.ask("When did the strike end?")
    again = log.save("user:ana", kept.id, [Turn(first, {"source": "Coast Times"}), Turn(second)])
    assert again.id == kept.id and again.title == kept.title  # the same conversation, grown
    reopened = ConversationLog(tmp_path / "data" / "conversations.sqlite3").get("user:ana", kept.id)  # another process
    assert [t.answer for t in reopened.turns] == [first, second] and reopened.turns[0].filters == {
        "source": "Coast Times"
    }
    assert [c.id for c in log.list("user:ana")] == [kept.id] and log.list("user:ben") == []
    for other in (lambda: log.get("user:ben", kept.id), lambda: log.rename("user:ben", kept.id, "mine"),
                  lambda: log.delete("user:ben", kept.id)):  # fmt: skip
        with pytest.raises(NotFound, match="another user's"):
            other()
    assert log.save("user:ben", kept.id, [Turn(second)]).id != kept.id  # ben's save is ben's own conversation
    assert log.get("user:ana", kept.id).turns == reopened.turns
    assert log.rename("user:ana", kept.id, "  Storm   and strike ").title == "Storm and strike"
    with pytest.raises(InputError, match="1 to 200 characters"):
        log.rename("user:ana", kept.id, "   ")
    assert log.delete("user:ana", kept.id).title == "Storm and strike" and log.list("user:ana") == []


def test_a_damaged_conversation_store_says_to_move_it_aside(svc: NewsRAG, tmp_path: Path) -> None:
    (tmp_path / "data" / "conversations.sqlite3").write_bytes(b"not a database" * 200)
    with pytest.raises(StoreDamaged, match="Move it aside") as damaged:
        svc.conversations.list("user:ana")
    assert "Move it aside" in svc.conversations.check()
    for said in (str(damaged.value), svc.conversations.check()):  # every browser reads it: the file, no path
        assert "conversations.sqlite3" in said and str(tmp_path) not in said and "/data/" not in said


@pytest.mark.slow  # reads with the trained reader
def test_the_web_keeps_reopens_and_exports_a_conversation(svc: NewsRAG, tmp_path: Path) -> None:
    actions, kept = WebActions(svc, svc.settings), KeptActions(svc, tmp_path / "exports")
    owner = owner_of(None, browser_id(None))
    history, _, asked = list(actions.conversation.chat("How many homes lost power?", [], {}, as_of="2025-03-05"))[-1]
    history, _, asked = list(actions.conversation.chat("When did the strike end?", history, asked, as_of="2025-03-05"))[
        -1
    ]
    conv_id = kept.keep(asked, "", owner)
    day = svc.conversations.get(owner, conv_id).updated[:10]
    assert kept.choices(owner) == [(f"How many homes lost power? · {day}", conv_id)]
    messages, reopened = kept.open(owner, conv_id)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert 'href="#source-3-1"' in messages[3]["content"]  # the second answer's [1] names its place
    assert "forty thousand homes" in actions.conversation.open_cited("source-1-1", reopened)  # its sources still open
    md_path, json_path = kept.export(owner, conv_id) or (None, None)
    assert md_path and json_path and md_path.name == "conversation-how-many-homes-lost-power.md"
    md = md_path.read_text()
    assert "## 1. How many homes lost power?" in md and "## 2. When did the strike end?" in md
    assert "[1] Storm hits coast — Coast Times, 2025-03-01 <https://coast.example/storm>" in md
    assert "> A storm cut power to forty thousand homes on Monday." in md and "As of 5 March 2025" in md
    assert not any(junk in md for junk in ("&#", "<a ", "<sub>", "<details>", "cite"))  # clean, not the chat's markup
    turns = json.loads(json_path.read_text())["turns"]
    assert [t["question"] for t in turns] == ["How many homes lost power?", "When did the strike end?"]
    assert turns[0]["answer"]["citations"][0]["article_id"] == "storm"
    with pytest.raises(NotFound):
        kept.open(owner_of(None, browser_id(None)), conv_id)  # another browser
    assert kept.export(owner, conv_id) == (md_path, json_path)  # written over, not piling up
    assert sorted(p.name for p in md_path.parent.iterdir()) == sorted([md_path.name, json_path.name])
    assert kept.delete(owner, conv_id) == "How many homes lost power?" and not md_path.exists()


@pytest.mark.slow  # reads with the trained reader
def test_a_reopened_conversation_keeps_its_ratings_and_rating_again_changes_the_first(svc: NewsRAG) -> None:
    """Closed and reopened, an answer still knows its rating: its thumbs are shown, and a new thumbs
    changes that rating instead of adding a second, conflicting one."""
    from ui.web.chats import chat_view

    actions, kept = WebActions(svc, svc.settings), KeptActions(svc)
    owner = owner_of(None, browser_id(None))
    history, _, asked = list(actions.conversation.chat("How many homes lost power?", [], {}, as_of="2025-03-05"))[-1]
    history, _, asked = list(actions.conversation.chat("When did the strike end?", history, asked, as_of="2025-03-05"))[
        -1
    ]
    actions.conversation.rate_turn(asked, 1, liked=True)
    conv_id = kept.keep(asked, "", owner)
    messages, reopened = kept.open(owner, conv_id)
    assert chat_view(messages, reopened)["feedback_value"] == ["Like", None]  # one per answer, in order
    assert chat_view([], {})["feedback_value"] == []  # a new conversation: no thumbs
    actions.conversation.rate_turn(reopened, 1, liked=False)
    actions.conversation.rate_turn(reopened, 3, liked=True)
    assert sorted((f.question, f.rating) for f in svc.feedback.all()) == [
        ("How many homes lost power?", "down"),
        ("When did the strike end?", "up"),
    ]
    kept.keep(reopened, conv_id, owner)
    assert chat_view(*kept.open(owner, conv_id))["feedback_value"] == ["Dislike", "Like"]


def test_conversations_begun_alike_are_told_apart_in_the_list(tmp_path: Path) -> None:
    """Four conversations begun with the same question the same day: each has its own label (the time
    it was last used, then a number when that is the same minute too)."""
    from rag.answer import Answer
    from rag.conversations import ConversationLog, Turn

    times = iter(["2026-03-19T09:05:00", "2026-03-19T11:40:00", "2026-03-19T11:40:30", "2026-03-20T08:00:00"])
    log = ConversationLog(tmp_path / "c.sqlite3", clock=lambda: next(times))
    answer = Answer(question="Why were the lines long?", standalone_question="Why were the lines long?", text="…",
                    citations=[], timings={})  # fmt: skip
    for _ in range(4):
        log.save("browser:x", "", [Turn(answer)])

    class Keeper:
        conversations = log

    labels = [label for label, _ in KeptActions(Keeper(), tmp_path / "exports").choices("browser:x")]
    assert len(set(labels)) == 4, labels
    assert labels[0] == "Why were the lines long? · 2026-03-20"  # alone that day: its day is enough
    assert "Why were the lines long? · 2026-03-19 09:05" in labels
    assert {"Why were the lines long? · 2026-03-19 11:40 (1)", "Why were the lines long? · 2026-03-19 11:40 (2)"} < set(
        labels
    )


def test_owners_are_the_signed_in_user_or_this_browser() -> None:
    class Request:
        username = "ana"

    assert owner_of(Request(), "") == "user:ana"
    bid = browser_id("")
    assert browser_id(bid) == bid and browser_id("<script>") != "<script>"
    assert owner_of(None, bid) == f"browser:{bid}"
    with pytest.raises(InputError, match="reload the page"):
        owner_of(None, "not-an-id")


def test_several_users_can_log_in_each_with_their_own_password() -> None:
    accounts = auth_accounts("ana:pw1, ben:pw2")
    assert accounts == {"ana": "pw1", "ben": "pw2"}
    guard = LoginGuard(accounts)
    assert guard("ana", "pw1") and guard("ben", "pw2") and not guard("ana", "pw2")
    for bad, says in (("ana", "must look like user:password"), ("ana:1,ana:2", "names the user 'ana' twice")):
        with pytest.raises(InputError, match=says):
            auth_accounts(bad)


KEEPER = """
import sys
from pathlib import Path
from rag.answer import Answer
from rag.conversations import ConversationLog, Turn
from rag.feedback.log import FeedbackLog
from rag.feedback.record import Feedback
data = Path(sys.argv[1])
log, ratings = ConversationLog(data / "conversations.sqlite3"), FeedbackLog(data / "feedback.sqlite3")
turns, conv = [], ""
for i in range(100000):
    q = f"question {i}"
    answer = Answer(question=q, standalone_question=q, text="An answer. " * 200, citations=[])
    turns.append(Turn(answer))
    conv = log.save("user:ana", conv, turns).id
    ratings.add(Feedback.of(answer.to_dict(), "up", user="ana"))
    print(i + 1, flush=True)
"""


@pytest.mark.parametrize("after", [1, 7, 23])
def test_a_kill_while_keeping_leaves_every_conversation_and_rating_whole(tmp_path: Path, after: int) -> None:
    """SIGKILL while a conversation and a rating are written: the files read back, each turn and
    rating whole, at most the one in flight missing."""
    import subprocess
    import sys

    from tests import children
    from tests.helpers import ROOT

    env = children.child_env({**os.environ, "PYTHONPATH": str(ROOT)})
    proc = subprocess.Popen([sys.executable, "-c", KEEPER, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    kept = 0
    while kept < after:
        line = proc.stdout.readline()
        assert line, "the keeper stopped before it was killed"
        kept = int(line)
    proc.kill()
    proc.wait(children.TIMEOUT)
    log, ratings = ConversationLog(tmp_path / "conversations.sqlite3"), FeedbackLog(tmp_path / "feedback.sqlite3")
    assert log.check() == "" and ratings.check() == ""
    [listed] = log.list("user:ana")
    turns = log.get("user:ana", listed.id).turns
    assert kept <= len(turns) <= kept + 1
    assert [t.answer.question for t in turns] == [f"question {i}" for i in range(len(turns))]
    assert kept <= len(ratings.all()) <= kept + 1 and all(r.rating == "up" for r in ratings.all())


BEACON = "http://127.0.0.1:9/beacon"
PAYLOADS = f"![x]({BEACON}.png) [Log in]({BEACON}) <script>window.x=1</script> <img src={BEACON}> www.evil.example"


@pytest.mark.slow  # reads with the trained reader
def test_the_markdown_export_shows_what_articles_and_users_wrote_and_acts_on_none_of_it(
    svc: NewsRAG, tmp_path: Path
) -> None:
    """Titles, outlets, passages, questions and names with an image, a link or a script went into the
    .md as they were: a Markdown viewer made requests, showed phishing links and ran scripts."""
    from markdown_it import MarkdownIt

    text = f"The ferry to the island resumed on Sunday. {PAYLOADS}"
    hostile = Article(id="evil", title=f"Ferry news {PAYLOADS}", source=f"Outlet {PAYLOADS}", published="2025-03-02",
                      url="https://ferry.example/news", text=text)  # fmt: skip
    svc.ingestor.ingest([("t", hostile)])
    actions, kept = WebActions(svc, svc.settings), KeptActions(svc, tmp_path / "exports")
    owner = owner_of(None, browser_id(None))
    asked = list(actions.conversation.chat(f"When did the ferry resume? {PAYLOADS}", [], {}, as_of="2025-03-05"))[-1][2]
    conv_id = kept.keep(asked, "", owner)
    kept.rename(owner, conv_id, f"Ferry {PAYLOADS}")
    md = kept.export_file(owner, conv_id, "md").read_text()
    shown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)
    assert "<img" not in shown and "<script" not in shown, shown
    links = re.findall(r'<a href="([^"]*)"', shown)
    assert links and set(links) <= {"https://ferry.example/news"}, links  # only the sources' own addresses
    assert not re.search(r"(?<!\\)(https?:|www\.)", md.replace("<https://ferry.example/news>", "")), md  # no bare link
    assert "Ferry news ![x](http://127.0.0.1:9/beacon.png)" in re.sub(r"\\(.)", r"\1", md)  # shown as typed
    assert f"# Ferry {PAYLOADS}" in re.sub(r"\\(.)", r"\1", md)


@pytest.mark.slow  # reads with the trained reader
def test_exports_are_written_when_asked_readable_by_their_owner_only(svc: NewsRAG, tmp_path: Path) -> None:
    """Every conversation was exported after every answer, world-readable, into a folder left behind."""
    actions, kept = WebActions(svc, svc.settings), KeptActions(svc)
    owner = owner_of(None, browser_id(None))
    asked = list(actions.conversation.chat("How many homes lost power?", [], {}, as_of="2025-03-05"))[-1][2]
    conv_id = kept.keep(asked, "", owner)
    folder = kept.export_dir
    assert folder.stat().st_mode & 0o077 == 0 and not any(folder.rglob("*.md"))  # nothing written by answering
    path = kept.export_file(owner, conv_id, "md")
    assert path.stat().st_mode & 0o777 == 0o600 and "How many homes lost power?" in path.read_text()
    del kept
    import gc

    gc.collect()
    assert not folder.exists()  # the server's export folder goes with it
