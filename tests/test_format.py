"""What the chat shows of an answer's quoted sentences (ui.format): datelines go, the rest stays."""

from __future__ import annotations

import html

import pytest

from rag.answer import Answer, Citation
from ui.format import as_of_line, without_datelines


@pytest.mark.parametrize(
    ("quoted", "shown"),
    [
        ("MALATYA, Turkey - The death toll rose to 112. [1]", "The death toll rose to 112. [1]"),
        ("MOSCOW (AP) — Putin said so. [1]", "Putin said so. [1]"),
        ("Kyiv, Ukraine – “We hold,” he said. [1]", "“We hold,” he said. [1]"),
        (
            "**112** — MALATYA, Turkey - It rose to 112. [1] WASHINGTON — Biden spoke. [2]",
            "**112** — It rose to 112. [1] Biden spoke. [2]",
        ),
        ("Peskov – said no. [1]", "Peskov – said no. [1]"),  # a name, not a place with its region
        ("NATO — the alliance said it would. [1]", "NATO — the alliance said it would. [1]"),
        ("The toll in MALATYA, Turkey - rose. [1]", "The toll in MALATYA, Turkey - rose. [1]"),  # not at the start
    ],
)
def test_a_quoted_sentence_loses_its_dateline(quoted: str, shown: str) -> None:
    assert without_datelines(quoted) == shown


def test_a_dateline_that_holds_the_short_answer_stays() -> None:
    text = "**Malatya** — MALATYA, Turkey - The quake struck at dawn. [1]"
    assert without_datelines(text, keep="Malatya") == text


def test_a_timeline_keeps_one_line_a_day_in_the_terminal_and_its_cards_are_escaped() -> None:
    from rag.answer import Answer, Conflict, Event, Reported
    from ui.format import answer_markdown
    from ui.render import answer_text

    text = ("How the strike developed, oldest first:\n\n"
            "- **2 November** — Dockworkers walked out. [1]\n- **12 November** — Talks <b>opened</b>. [2]")  # fmt: skip
    events = [Event("2026-11-02", "Dockworkers walked out.", (1,)), Event("2026-11-12", "Talks <b>opened</b>.", (2,))]
    a = Answer(question="q", standalone_question="q", text=text, citations=[], mode="timeline", events=events)
    assert answer_text(a).splitlines()[2:4] == ["- **2 November** — Dockworkers walked out. [1]",
                                                 "- **12 November** — Talks <b>opened</b>. [2]"]  # fmt: skip
    shown = answer_markdown(a, key=4)
    assert '<time datetime="2026-11-12">12 November 2026</time>' in shown and 'href="#source-4-2"' in shown
    assert "<b>" not in shown  # the article's words are text, never markup

    ref = {"article_id": "x", "title": "t", "source": "<i>Wire</i>", "published": "2026-11-17", "url": None}
    conflict = Conflict("update", (Reported(**ref, value="131", n=1), Reported(**ref, value="<112>", n=2)))
    a = Answer(question="q", standalone_question="q", text="**131** — 131 [1], up from 112 [2].", citations=[],
               short="131", conflicts=[conflict])  # fmt: skip
    shown = answer_markdown(a)
    assert 'class="conflict update"' in shown and "<i>" not in shown and "<112>" not in shown


def test_the_period_line_never_claims_a_period_the_sources_are_not_from() -> None:
    """A named period is a preference: when every cited article is from another time, the line
    says so instead of "articles from 2014 to 2015"."""

    def answered(*days: str) -> Answer:
        cited = [Citation(article_id=f"a{i}", title="T", source="S", published=d, url=None, n=i + 1, passage="P.",
                          start=0, end=2, score=0.5) for i, d in enumerate(days)]  # fmt: skip
        return Answer(question="q", standalone_question="q", text="t", citations=cited, as_of="2025-03-01",
                      time_scope="2014-01-01..2015-12-31")  # fmt: skip

    assert as_of_line(answered("2014-06-02", "2020-01-01")).endswith("; articles from 2014-01-01 to 2015-12-31")
    assert as_of_line(answered("2020-01-01")).endswith(
        "; no article from 2014-01-01 to 2015-12-31 answered it: the sources are of other dates"
    )
    assert as_of_line(answered()).endswith("; articles from 2014-01-01 to 2015-12-31")  # nothing cited: searched


def test_a_timeline_listed_oldest_first_does_not_say_recent_articles_first() -> None:
    def answer(mode: str) -> Answer:
        return Answer(question="q", standalone_question="q", text="t", citations=[], as_of="2025-03-01",
                      time_scope="recent", mode=mode)  # type: ignore[arg-type]  # fmt: skip

    assert as_of_line(answer("answer")) == "As of 1 March 2025; recent articles first"
    assert as_of_line(answer("timeline")) == "As of 1 March 2025; oldest first"


def test_a_briefing_in_the_chat_says_how_many_more_stories_there_are_as_the_cli_does() -> None:
    from rag.answer import Event
    from ui.format import answer_markdown
    from ui.render import answer_text

    text = ("The week's stories, most reported first:\n\n"
            "1. **Tram line opens** [1] — 2 articles, 2 outlets: NRK, VG\n… and 13 more stories.")  # fmt: skip
    a = Answer(question="What happened this week?", standalone_question="What happened this week?", text=text,
               citations=[], mode="briefing", events=[Event("2026-03-03", "Tram line opens", (1,), None, 2,
                                                            ("NRK", "VG"))])  # type: ignore[arg-type]  # fmt: skip
    assert "… and 13 more stories." in answer_text(a)
    assert "… and 13 more stories." in html.unescape(answer_markdown(a))  # (escaped, as all article text)
