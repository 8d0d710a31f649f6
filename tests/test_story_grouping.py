"""Stories are events: differently worded reports of one event are one story, other events are not
(the real model; benchmarks/story_grouping.py measures it on real RealTimeQA weeks)."""

from typing import Any

import pytest

from rag.news.briefing import stories
from vectorstore.records import StoredArticle

ARTICLES = [  # (id, headline, lead)
    ("lines", "Hours-long lines at airport checkpoints as screeners stay home",
     "Travelers at Houston and Atlanta waited up to three hours to clear security on Monday as unpaid TSA "
     "officers called in sick during the government shutdown."),
    ("strain", "Shutdown strains air travel",
     "Missed paychecks for transportation security officers have left checkpoints short-staffed, and airlines "
     "warned passengers to arrive early."),
    ("game", "Lakers beat Celtics in overtime",
     "LeBron James scored 38 points as the Los Angeles Lakers beat the Boston Celtics 121-118 in overtime on Sunday."),
    ("fed", "Fed holds interest rates steady",
     "The Federal Reserve left its benchmark interest rate unchanged on Wednesday and signalled two cuts later "
     "this year."),
    ("mortgage", "Mortgage rates dip after central bank decision",
     "Average 30-year mortgage rates fell slightly after the Federal Reserve kept rates on hold, lenders said."),
]  # fmt: skip


@pytest.mark.slow  # the real model
def test_reports_of_one_event_worded_differently_are_one_story(minilm: Any) -> None:
    stored = [StoredArticle(i, t, None, None, f"2026-03-1{k}", "", 0, i) for k, (i, t, _) in enumerate(ARTICLES)]
    leads = {i: lead for i, _, lead in ARTICLES}
    got = {frozenset(a.id for group in story for a in group) for story in stories(stored, minilm.embed, leads)}
    # their headlines share no word; their headline-and-lead cosines are 0.57 (single linkage at 0.6 kept them apart)
    assert got == {frozenset({"lines", "strain"}), frozenset({"fed", "mortgage"}), frozenset({"game"})}
