"""An article's lead (rag.news.lead): its first sentence that says something, which a briefing's
story card quotes.  The openings here are the kinds found in RealTimeQA 2025's real articles."""

from __future__ import annotations

import numpy as np
import pytest

from rag.news.briefing import briefing
from rag.news.lead import lead_span, says_something
from vectorstore.records import Hit, StoredArticle

NEWS = "A Delta Air Lines regional jet carrying 80 people crashed in Toronto on Monday."


@pytest.mark.parametrize(
    "opening",
    [
        "Chris Murray",  # a byline
        "New York CNN Business —",  # a dateline on its own
        "CNN —",
        "Editor’s Note: Sign up to get this weekly column as a newsletter.",
        "Editor's Note: A version of this article appears in Friday's edition of CNN's Meanwhile.",
        "Correction: This story was updated to reflect that the figures were higher among young adults.",
        "(This story has been changed to include updated information as the story continues to develop.",
        "From USA TODAY Network and wire reports",
        "March 13, 2026, 7:30 a.m. ET",
        "Updated 9:41 p.m. EDT on March 13, 2026.",
        "An earlier version of this article incorrectly described one of the counts.",
    ],
)
def test_a_line_that_is_not_news_is_not_the_lead(opening: str) -> None:
    assert not says_something(opening)
    text = f"{opening}\n\n{NEWS} Rescuers reached the plane within minutes."
    assert text[slice(*lead_span(text))] == NEWS


def test_an_article_that_opens_with_news_leads_with_it() -> None:
    text = f"TORONTO – {NEWS} Rescuers reached the plane within minutes."
    assert text[slice(*lead_span(text))] == f"TORONTO – {NEWS}"
    byline = "Chris Murray"
    assert byline[slice(*lead_span(byline))] == byline  # nothing better: the first


def test_a_briefing_card_quotes_the_lead_not_the_byline_above_it() -> None:
    text = f"Molly Murray\n\nMarch 13, 2026, 7:30 a.m.\n\n{NEWS} Rescuers reached the plane within minutes."
    article = StoredArticle("a1", "Jet crashes in Toronto", "Wire", None, "2026-03-13", "h", 1)
    hit = Hit("a1", "Jet crashes in Toronto", "Wire", "2026-03-13", None, chunk_id="a1:0", text=text, start=0,
              end=len(text), score=1.0)  # fmt: skip
    out = briefing([article], {"a1": hit}, lambda texts: np.ones((len(texts), 4)))
    assert text[slice(*out.sentences[1])] == NEWS
