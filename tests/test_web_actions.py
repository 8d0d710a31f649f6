"""What the web UI and its API do, called directly on a real store (hash embedder): no
server, no browser.  The same actions through a real server: test_web_api.py; in
Chromium: test_browser.py."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from rag.service import NewsRAG
from rag.settings import Settings
from tests.helpers import make_service
from ui.web import WebActions
from vectorstore.errors import InputError


@pytest.fixture
def actions(tmp_path: Path) -> WebActions:
    svc: NewsRAG = make_service(tmp_path, min_score=-1.0, max_file_mb=0.01)
    return WebActions(svc, svc.settings)


def test_an_article_added_is_listed_found_read_and_deleted(actions: WebActions) -> None:
    added = actions.api.add_article("Ferry *strike* ends", "The ferry strike ended on Monday night.", "Harbour News",
                                "2025-03-03", "https://example.org/ferry")  # fmt: skip
    assert added["status"] == "added"
    said = actions.views.added_said(added)
    assert said.startswith(r"**added**: Ferry &#42;strike&#42; ends (id ")  # Markdown escaped
    assert actions.api.list_articles() == [
        {"id": added["article_id"], "title": "Ferry *strike* ends", "source": "Harbour News",
         "url": "https://example.org/ferry", "published": "2025-03-03", "n_chunks": 1, "story": added["article_id"]}
    ]  # fmt: skip
    rows, ids, said = actions.views.library_view("ferry")
    assert rows == [["Ferry *strike* ends", "Harbour News", "2025-03-03", 1, "https://example.org/ferry"]]
    assert ids == [added["article_id"]] and said == "1 article of 1 holds “ferry”."
    assert actions.views.library_view("harbour")[1] == ids  # the outlet
    assert actions.views.library_view("Monday night")[1] == ids  # the text, every word
    assert actions.views.library_view("Monday volcano")[1] == []
    assert actions.views.library_view("volcano")[2] == "No article holds “volcano” in its title, outlet or text."
    head, text = actions.views.library_reader(added["article_id"])
    assert head.startswith("### Ferry &#42;strike&#42; ends\nHarbour News, 2025&#45;03&#45;03") and "ended" in text
    assert actions.views.outlets() == ["", "Harbour News"]
    assert "**Articles:** 1" in actions.views.settings_md()
    assert actions.views.delete_said(added["article_id"]) == r"Deleted: Ferry &#42;strike&#42; ends"
    assert actions.views.library_view() == ([], [], "The library is empty: add articles in the *Add articles* tab.")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (("", "Some text.", "", "", ""), "Both a title and the article text are required."),
        (("Title", 42, "", "", ""), "The field 'text' must be text (a string), not int."),
        (("Title", "Some text.", "", "2025-02-30", ""), "Date: "),
        (("Title", "word " * 5000, "", "", ""), "over the 0.01 MB limit per article"),
        (("\x1b\x07", "Some text.", "", "", ""), "holds only control characters"),
    ],
)
def test_a_bad_article_is_refused_with_what_to_do(actions: WebActions, fields: tuple, says: str) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(").replace(")", r"\)")):
        actions.api.add_article(*fields)
    assert actions.api.list_articles() == []


@pytest.mark.slow  # reads with the trained reader
def test_the_chat_streams_an_answer_and_opens_its_sources(actions: WebActions) -> None:
    storm = "A storm cut power to forty thousand homes on Monday."
    actions.api.add_article("Storm hits coast", storm, "", "2025-03-01")
    steps = list(actions.conversation.chat("How many homes lost power?", [], {}, as_of="2025-03-02"))
    turns, box, asked = steps[-1]
    assert box == "" and [t["role"] for t in turns] == ["user", "assistant"]
    assert "forty thousand homes" in turns[-1]["content"] and 'href="#source-1-1"' in turns[-1]["content"]
    assert asked[1].answer.citations[0].title == "Storm hits coast"
    opened = actions.conversation.open_cited("source-1-1@1700000000", asked)
    assert "forty thousand homes" in opened and "cited-sentence" in opened
    assert "no longer available" in actions.conversation.open_cited("source-7-1", asked)
    assert actions.conversation.open_cited("javascript:alert(1)", asked) == ""


def test_a_refused_question_is_said_in_the_conversation_and_kept_in_the_box(actions: WebActions) -> None:
    warned: list[str] = []
    turns, box, asked = list(actions.conversation.chat("Any news?", [], {}, as_of="2025-02-30", warn=warned.append))[-1]
    assert box == "Any news?" and asked == {}
    assert turns[-1]["content"].startswith("⚠ **Not answered:**") and warned and "as_of" in warned[0]


def test_what_an_upload_and_the_feeds_say(actions: WebActions) -> None:
    said = actions.views.upload_summary(["failed", "added", "added", "unchanged"])
    assert said == "**Done:** 2 added, 1 unchanged, 1 failed."
    assert actions.views.upload_summary([]) == ""
    assert html.unescape(actions.views.poll_said()) == "You follow no feeds yet."  # as Markdown renders it
    with pytest.raises(InputError, match="Choose one or more files first"):
        actions.api.add_files([])


def test_actions_read_the_settings_they_are_given(tmp_path: Path) -> None:
    svc = make_service(tmp_path, questions_per_minute=1)
    actions = WebActions(svc, Settings(data_dir=tmp_path, questions_per_minute=1, embedder="hash"))
    actions.api.ask("Anything?")
    with pytest.raises(InputError, match="Too many questions: 1 a minute"):
        actions.api.ask("Anything else?")


def test_the_chat_says_what_the_store_holds_and_suggests_questions_about_its_newest_stories(
    actions: WebActions,
) -> None:
    said, asks = actions.views.welcome()
    assert said.startswith("The store is empty") and asks == []
    for i, (title, outlet) in enumerate([("Storm hits coast", "Coast Times"), ("Harbour strike ends", "Harbour News"),
                                         ("Ferry resumes", "Coast Times"), ("Tram opens", None)]):  # fmt: skip
        actions.api.add_article(
            title, f"{title} on the {i + 1}st day, officials said.", outlet or "", f"2025-03-0{i + 1}"
        )
    said, asks = actions.views.welcome()
    assert said.startswith("**4 articles** from 2 outlets, 2025&#45;03&#45;01 to 2025&#45;03&#45;04. Ask a question")
    newest = ("Tram opens", "Ferry resumes", "Harbour strike ends")
    assert asks == [f"What do the articles say about “{t}”?" for t in newest]


@pytest.mark.slow  # reads with the trained reader
def test_a_source_deleted_after_the_answer_opens_as_deleted_with_the_sentence_it_was_cited_for(
    actions: WebActions,
) -> None:
    """An older answer's [n] whose article was deleted since: the panel says so, shows the cited
    sentence (escaped), and the answer stays (it showed a red error)."""
    added = actions.api.add_article(
        "Storm <b>hits</b> coast", "A storm cut power to forty thousand homes on Monday.", "", "2025-03-01"
    )
    *_, (_, _, asked) = actions.conversation.chat("How many homes lost power?", [], {}, as_of="2025-03-02")
    actions.api.delete_article(added["article_id"])
    opened = actions.conversation.open_cited("source-1-1@1700000000", asked)
    assert "was deleted" in opened and "forty thousand homes" in opened
    assert "Storm &lt;b&gt;hits&lt;/b&gt; coast" in opened and "<b>" not in opened
    closest = actions.conversation.open_cited("source-1-c1", asked)  # nothing listed: no error either
    assert "no longer available" in closest or closest == ""


@pytest.mark.parametrize(
    ("title", "outlet", "shown"),
    [
        ("Fireball lights up the sky over Texas - USA Today", "usatoday.com", "Fireball lights up the sky over Texas"),
        ("Ferry resumes | Harbour News", "Harbour News", "Ferry resumes"),
        ("Biden - Trump debate set for June", "Coast Times", "Biden - Trump debate set for June"),
    ],
)
def test_a_suggested_question_leaves_out_the_outlet_a_title_ends_with(
    actions: WebActions, title: str, outlet: str, shown: str
) -> None:
    """It read "What do the articles say about “… - USA Today”?"."""
    actions.api.add_article(title, "What happened, as the outlet told it, in a sentence or two.", outlet, "2025-03-01")
    _, asks = actions.views.welcome()
    assert asks == [f"What do the articles say about “{shown}”?"]
