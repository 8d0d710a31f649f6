"""News of a past period is reported after it too: a question about "2023" asked in January
2024 is answered by the January report of 2023's figures (real store, real model)."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rag.filters import Filters
from tests.helpers import make_service
from vectorstore.article import Article

pytestmark = pytest.mark.slow

REPORT = Article(
    id="markets-2023", source="Delaware Online", published="2024-01-12",
    title="Sales at Delaware farmers markets top $4 million for first time",
    text="Sales at Delaware farmers markets topped $4 million in 2023 for the first time, the state said on Friday. "
    "Fresh produce made up 52% of total sales, followed by meat and eggs.",
)  # fmt: skip
OLDER = [
    Article(id=f"old-{i}", source="Delaware Online", published=day, title=title, text=text)
    for i, (day, title, text) in enumerate([
        ("2023-05-10", "Farmers markets open for the season across Delaware",
         "Farmers markets across Delaware opened for the 2023 season this week with more vendors than last year."),
        ("2023-08-16", "Peach season brings crowds to Delaware farmers markets",
         "Peaches drew crowds to farmers markets in Kent County, where growers said 2023 sales looked strong."),
        ("2023-11-28", "Cantaloupe recall reaches Delaware stores",
         "A cantaloupe recall reached Delaware stores, and some farmers market vendors pulled fruit from sale."),
        ("2023-03-02", "State grants help farmers markets accept food benefits",
         "Delaware gave grants in 2023 to help farmers markets accept food benefits at their stands."),
    ])
]  # fmt: skip


def test_a_year_named_in_the_question_admits_the_report_published_after_it(tmp_path: Path, minilm: Any) -> None:
    svc = make_service(tmp_path, embedder=minilm)
    svc.ingestor.ingest(("t", a) for a in [REPORT, *OLDER])
    found = svc.retriever.retrieve(
        "What percentage of total sales in 2023 at Delaware farmers markets came from fresh produce?",
        filters=Filters(as_of=dt.date(2024, 1, 19)),
    )
    assert found.time.since == dt.date(2023, 1, 1)  # the question names 2023
    assert found.hits[0].article_id == "markets-2023"
