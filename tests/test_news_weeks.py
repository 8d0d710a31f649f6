"""Revised and disputed figures, timelines and briefings, through the real store, the real
embedding model and the shipped reader, on a dated corpus of three stories over four weeks
(tests/data/news-weeks: tolls revised 38 → 112 → 131 with a ministry's 97 on the same day,
a strike over three weeks, a rate cut, syndicated copies, a story from one outlet)."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Answer
from rag.filters import Filters
from rag.service import NewsRAG
from tests.helpers import make_service
from vectorstore.article import Article

pytestmark = pytest.mark.slow

NEWS = Path(__file__).parent / "data" / "news-weeks"
ARTICLES = [Article(**json.loads(line)) for line in (NEWS / "corpus.jsonl").read_text().splitlines()]
CASES = {c["id"]: c for c in json.loads((NEWS / "cases.json").read_text())}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> NewsRAG:
    svc = make_service(tmp_path_factory.mktemp("news"), embedder=minilm)
    svc.ingestor.ingest(("news-weeks", a) for a in ARTICLES)
    return svc


def ask(svc: NewsRAG, case: str) -> Answer:
    c = CASES[case]
    return svc.ask(c["question"], filters=Filters(as_of=dt.date.fromisoformat(c["as_of"])))


def cited_value(answer: Answer, value: str, n: int) -> None:
    """Source ``n`` holds ``value`` in the sentence the answer cites."""
    c = next(c for c in answer.citations if c.n == n)
    assert value in c.sentence, (value, c.sentence)


def test_the_latest_figure_leads_and_says_what_it_revised(desk: NewsRAG) -> None:
    a = ask(desk, "latest-toll")
    assert a.short == "131" and a.text.startswith("**131** — 131")
    (c,) = a.conflicts
    assert c.kind == "update"
    values = [r.value for r in c.values]
    assert values[:2] == ["131", "112"]  # newest first: never the stale figure alone
    assert [r.published for r in c.values] == sorted((r.published for r in c.values), reverse=True)
    for r in c.values:
        cited_value(a, r.value, r.n)
    assert "up from 112" in a.text and "(Coastal Wire, 17 November)" in a.text


def test_reports_of_the_same_day_that_differ_are_a_disagreement(desk: NewsRAG) -> None:
    a = ask(desk, "disagree-toll")
    (c,) = a.conflicts
    assert c.kind == "disagreement" and a.text.startswith("Sources disagree:")
    by_value = {r.value: r for r in c.values}
    assert {"112", "97"} <= set(by_value)
    assert by_value["97"].said_by == "the health ministry" and by_value["97"].source == "Health Ministry Bulletin"
    for r in c.values:
        cited_value(a, r.value, r.n)


@pytest.mark.xfail(strict=True, reason="the reader reads the magnitude (6.8), not the toll (38), in the first report")
def test_the_first_report_is_the_oldest_figure(desk: NewsRAG) -> None:
    assert ask(desk, "first-toll").short == "38"


def test_a_figure_over_time_is_a_dated_series_oldest_first(desk: NewsRAG) -> None:
    a = ask(desk, "toll-timeline")
    assert a.mode == "timeline"
    days = [e.day for e in a.events]
    assert days == sorted(days)
    values = [e.value or "" for e in a.events]
    found = [next(i for i, v in enumerate(values) if want in v) for want in ("112", "131")]
    assert found == sorted(found)
    assert not any("6.8" in v for v in values)  # the quake's magnitude is no toll
    for e in a.events:
        assert e.cited and all(1 <= n <= len(a.citations) for n in e.cited)
    copies = next(e for e in a.events if e.day == "2026-11-10")
    assert set(copies.outlets) == {"Harbour Herald", "Coastal Wire"} and copies.articles == 2  # one line, two copies


def test_a_story_develops_one_dated_line_a_day(desk: NewsRAG) -> None:
    a = ask(desk, "strike-timeline")
    assert a.mode == "timeline"
    assert [e.day for e in a.events] == ["2026-11-02", "2026-11-12", "2026-11-25"]
    for want, e in zip(CASES["strike-timeline"]["lines"], a.events, strict=True):
        assert want in e.text
        (n,) = e.cited
        assert e.text in next(c for c in a.citations if c.n == n).sentence
    assert "(also reported by Coastal Wire)" in a.text  # the syndicated copy, merged


def test_a_timeline_keeps_to_the_period_the_question_names(desk: NewsRAG) -> None:
    a = desk.ask("What happened with the Brightwater port strike since 10 November?",
                 filters=Filters(as_of=dt.date(2026, 12, 3)))  # fmt: skip
    assert a.mode == "timeline" and [e.day for e in a.events] == ["2026-11-12", "2026-11-25"]
    a = desk.ask("How did the Brightwater port strike develop?", filters=Filters(as_of=dt.date(2026, 11, 13)))
    assert [e.day for e in a.events] == ["2026-11-02", "2026-11-12"]  # nothing after the as-of date


def test_a_briefing_ranks_the_periods_stories_by_outlets(desk: NewsRAG) -> None:
    a = ask(desk, "last-week")
    assert a.mode == "briefing" and "last week (23 November to 29 November 2026)" in a.text
    assert all("2026-11-23" <= (e.day or "") <= "2026-11-29" for e in a.events)
    titles = [e.text.lower() for e in a.events]
    assert {t for t in titles[:2] if "rate" in t or "strike" in t} == set(titles[:2])  # two outlets each, first
    assert [len(e.outlets) for e in a.events] == sorted((len(e.outlets) for e in a.events), reverse=True)
    lantern = next(e for e in a.events if "lantern" in e.text.lower())
    assert lantern.outlets == ("Harbour Herald",) and "one outlet only (Harbour Herald)" in a.text
    assert not any("walk out" in t for t in titles)  # 2 November: not last week
    assert "Brightwater port strike ends with 9 percent pay deal" in [e.text for e in a.events]  # the original's title


def test_a_briefing_without_a_period_in_its_words_covers_the_since_and_until_chosen(desk: NewsRAG) -> None:
    """ "What happened?" with Since/Until set (the UI's fields, the API's since/until, MCP's
    briefing tool) briefs that period, not the week before today."""
    a = desk.ask("What happened?", filters=Filters(since=dt.date(2026, 11, 1), until=dt.date(2026, 11, 8)))
    assert a.mode == "briefing" and not a.abstained and "(1 November to 8 November 2026)" in a.text
    assert a.events and all("2026-11-01" <= (e.day or "") <= "2026-11-08" for e in a.events)
    assert any("walk out" in e.text.lower() for e in a.events)  # 2 November


def test_a_period_with_nothing_published_says_so(desk: NewsRAG) -> None:
    a = desk.ask("What happened last week?", filters=Filters(as_of=dt.date(2026, 10, 20)))
    assert a.abstained and a.text.startswith("No stored article was published last week")


def test_an_answer_round_trips_its_conflicts_and_events(desk: NewsRAG) -> None:
    for case in ("latest-toll", "toll-timeline"):
        a = ask(desk, case)
        assert Answer.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_a_copy_of_a_story_that_changes_the_figure_is_read_as_an_update(tmp_path: Path, minilm: Any) -> None:
    """Wire copies near-identical but for the figure are one story to retrieval (one passage
    read, the other listed as "also reported by"); the conflict check reads the copy too."""
    svc = make_service(tmp_path, embedder=minilm)
    text = ("The death toll from the flooding in Marlow Valley rose to {n} on {day}, regional officials said, "
            "as rescue boats reached villages cut off by the river. Hundreds of homes remain under water "
            "and the main road to the valley is closed.")  # fmt: skip
    svc.ingestor.ingest([
        ("t", Article(title="Marlow Valley flood toll rises", text=text.format(n=23, day="Monday"),
                      source="Valley Post", published="2026-03-02", id="flood-1")),
        ("t", Article(title="Marlow Valley flood toll rises", text=text.format(n=41, day="Tuesday"),
                      source="River Wire", published="2026-03-03", id="flood-2")),
    ])  # fmt: skip
    a = svc.ask(
        "What is the death toll from the flooding in Marlow Valley?", filters=Filters(as_of=dt.date(2026, 3, 5))
    )
    assert len({h for h in a.retrieved}) == 2 and len(a.read) == 2
    (c,) = a.conflicts
    assert c.kind == "update" and [r.value for r in c.values] == ["41", "23"]
    assert a.short == "41"


def test_a_story_with_many_copies_and_two_passages_read_is_answered(tmp_path: Path, minilm: Any) -> None:
    """Two passages of one article among those read, and its story's copies: each copy is read
    once (Chroma refuses an id asked for twice), and at most ``COPIES`` of them."""
    from rag.news.desk import COPIES

    svc = make_service(tmp_path, embedder=minilm)
    first = ("The ferry to Inch Island was cancelled on Monday after a storm damaged the pier at Carrow. "
             "Harbour staff said 40 sailings would be lost this week. ") * 6  # fmt: skip
    second = "The pier at Carrow will take a month to repair, the harbour master said, and 40 sailings are lost."
    svc.ingestor.ingest(
        ("t", Article(title="Inch Island ferry cancelled", text=first + second, source=f"Outlet {i}",
                      published=f"2026-04-{i + 1:02d}", id=f"ferry-{i}"))
        for i in range(COPIES + 3)
    )  # fmt: skip
    a = svc.ask("How many sailings would be lost?", filters=Filters(as_of=dt.date(2026, 4, 30)))
    assert not a.abstained and "40" in a.text


def test_whats_new_about_a_story_is_a_briefing_of_its_week(desk: NewsRAG) -> None:
    a = desk.ask("What's new about the Brightwater port strike?", filters=Filters(as_of=dt.date(2026, 11, 26)))
    assert a.mode == "briefing" and "about the Brightwater port strike" in a.text
    assert "(20 November to 26 November 2026)" in a.text  # a week is 7 days, the as-of day the last
    (story,) = a.events  # the deal, in two outlets' copies; the rate cut of the same week is another story
    assert (
        "9 percent" in story.text and story.articles == 2 and set(story.outlets) == {"Meridian Daily", "Coastal Wire"}
    )


@pytest.mark.parametrize("case", ["latest-toll", "first-toll"])
def test_what_a_streaming_client_is_sent_is_the_answer_it_ends_with(desk: NewsRAG, case: str) -> None:
    """The line that says what changed is known before the first piece goes out: the text
    streamed is never rewritten after it was sent (the final answer is what was shown)."""
    c = CASES[case]
    items = list(desk.stream(c["question"], filters=Filters(as_of=dt.date.fromisoformat(c["as_of"]))))
    final = items[-1]
    assert isinstance(final, Answer) and final.conflicts
    assert "".join(i for i in items if isinstance(i, str)) == final.text
