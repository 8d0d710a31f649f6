"""The conflict and timeline views in a real headless Chromium (Debian's), with screenshots in
test-artifacts/: an updated figure, a disagreement, a timeline of a revised figure and a briefing."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import running_app
from tests.test_browser import ask, chat_page, shot
from vectorstore.article import Article

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NEWS = Path(__file__).parent / "data" / "news-weeks"
ARTICLES = [Article(**json.loads(line)) for line in (NEWS / "corpus.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def news_url(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> Iterator[str]:
    with running_app(tmp_path_factory.mktemp("news-browser") / "data", minilm, articles=ARTICLES) as url:
        yield url


@pytest.fixture
def page(news_url: str, tmp_path: Path) -> Iterator[Any]:
    with chat_page(news_url, tmp_path) as pg:
        yield pg


def as_of(page: Any, day: str) -> None:
    box = page.locator("#as-of input")
    box.fill(day)
    box.press("Enter")


def test_an_updated_figure_is_shown_with_dates_and_sources(page: Any, tmp_path: Path) -> None:
    as_of(page, "2026-12-03")
    ask(page, "What is the latest death toll from the Kestrel Bay earthquake?")
    box = page.locator("#chat div.conflict.update").last
    expect(box).to_be_visible(timeout=60_000)
    expect(page.locator("#chat strong.short-answer").last).to_have_text("131")
    rows = box.locator("li")
    expect(rows.first).to_contain_text("131")
    expect(rows.first).to_contain_text("Coastal Wire, 2026-11-17")
    expect(rows.nth(1)).to_contain_text("112")
    shot(page, tmp_path, "update")
    assert "&#" not in page.locator("#chat").inner_text()  # dates, hyphens and quotes as written
    rows.nth(1).locator("a.cite").click()  # the older figure's [n] opens the sentence that gives it
    expect(page.locator("#source-panel mark.cited-sentence")).to_contain_text("rose to 112", timeout=15_000)


def test_a_disagreement_is_shown_with_dates_and_sources(page: Any, tmp_path: Path) -> None:
    as_of(page, "2026-11-14")
    ask(page, "Do the reports disagree about the death toll in the Kestrel Bay earthquake?")
    box = page.locator("#chat div.conflict.disagreement").last
    expect(box).to_be_visible(timeout=60_000)
    expect(box).to_contain_text("Sources disagree")
    expect(box).to_contain_text("97 according to the health ministry")
    shot(page, tmp_path, "disagreement")


def test_a_timeline_is_a_list_of_dated_cards_and_a_briefing_of_stories(page: Any, tmp_path: Path) -> None:
    as_of(page, "2026-12-03")
    ask(page, "How did the death toll from the Kestrel Bay earthquake change over time?")
    cards = page.locator("#chat ul.timeline").last.locator("li.event")
    expect(cards.last).to_be_visible(timeout=60_000)
    days = [t.get_attribute("datetime") for t in page.locator("#chat ul.timeline").last.locator("time").all()]
    assert days == sorted(days) and len(days) >= 3
    expect(cards.last).to_contain_text("131")
    assert cards.last.locator("meter").count() == 1  # the revised figure drawn as a bar
    shot(page, tmp_path, "timeline")
    cards.last.locator("a.cite").first.click()
    expect(page.locator("#source-panel mark.cited-sentence")).to_contain_text("reached 131", timeout=15_000)

    ask(page, "What happened last week?")
    stories = page.locator("#chat ol.briefing").last.locator("li.event")
    expect(stories.first).to_be_visible(timeout=60_000)
    expect(stories.first).to_contain_text("2 outlets")
    expect(page.locator("#chat ol.briefing").last).to_contain_text("one outlet only (Harbour Herald)")
    shot(page, tmp_path, "briefing")
    shown = page.locator("#chat").inner_text()
    assert "&#" not in shown and "&amp;" not in shown, shown  # what articles say shows as written ("New York-area")


def test_the_api_returns_conflicts_and_a_timelines_events(news_url: str) -> None:
    from gradio_client import Client

    client = Client(news_url, verbose=False)
    answer = client.predict("What is the latest death toll from the Kestrel Bay earthquake?", None, "2026-12-03",
                            api_name="/ask")  # fmt: skip
    (conflict,) = answer["conflicts"]
    assert conflict["kind"] == "update"
    assert [(v["value"], v["source"], v["published"]) for v in conflict["values"][:2]] == [
        ("131", "Coastal Wire", "2026-11-17"), ("112", "Meridian Daily", "2026-11-13")]  # fmt: skip
    cited = {c["n"]: c for c in answer["citations"]}
    assert all(v["value"] in cited[v["n"]]["passage"] for v in conflict["values"])
    timeline = client.predict("How did the Brightwater port strike develop?", None, "2026-12-03", api_name="/ask")
    assert timeline["mode"] == "timeline"
    assert [e["day"] for e in timeline["events"]] == ["2026-11-02", "2026-11-12", "2026-11-25"]
