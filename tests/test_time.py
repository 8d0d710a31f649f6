"""News-awareness: every question is asked as of a day, time in the question is read
relative to it, and newer articles win when the question is about the present."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rag.filters import Filters
from rag.service import NewsRAG
from rag.settings import Settings
from rag.timeexpr import TimeScope, parse_time
from tests.helpers import make_service
from vectorstore.article import Article
from vectorstore.errors import InputError

D = dt.date
AS_OF = D(2023, 3, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who won the match today?", TimeScope(D(2023, 3, 15), D(2023, 3, 15), True)),
        ("What did the minister say yesterday?", TimeScope(D(2023, 3, 14), D(2023, 3, 14), True)),
        # this week: the 7 days up to the as-of date (Thursday to Wednesday), not 8
        ("Which country elected a new president this week?", TimeScope(D(2023, 3, 9), D(2023, 3, 15), True)),
        ("What happened in the past week?", TimeScope(D(2023, 3, 9), D(2023, 3, 15), True)),
        ("What did the court rule last month?", TimeScope(D(2023, 2, 1), D(2023, 2, 28), False)),
        ("What happened in January?", TimeScope(D(2023, 1, 1), D(2023, 1, 31), False)),
        ("Who resigned in 2022?", TimeScope(D(2022, 1, 1), D(2022, 12, 31), False)),
        ("Who won the league in 2014-2015?", TimeScope(D(2014, 1, 1), D(2015, 12, 31), False)),  # both years
        ("Who was top scorer in the 2014–15 season?", TimeScope(D(2014, 1, 1), D(2015, 12, 31), False)),
        ("What was the deficit in 2019/20?", TimeScope(D(2019, 1, 1), D(2020, 12, 31), False)),
        ("Who led the party between 2014 and 2016?", TimeScope(D(2014, 1, 1), D(2016, 12, 31), False)),
        ("Who scored 2014 to 12 points?", TimeScope(None, None, True)),  # not a range of years
        ("How many flights were cancelled since Monday?", TimeScope(D(2023, 3, 13), D(2023, 3, 15), True)),
        ("What happened with the strike since 2 March?", TimeScope(D(2023, 3, 2), D(2023, 3, 15), True)),
        ("What happened with the strike since March 2?", TimeScope(D(2023, 3, 2), D(2023, 3, 15), True)),
        ("Who was arrested two weeks ago?", TimeScope(D(2023, 2, 22), D(2023, 3, 8), False)),
        ("What happened last week?", TimeScope(D(2023, 3, 6), D(2023, 3, 12), False)),  # the calendar week before
        ("What is the latest on the strike?", TimeScope(None, None, True, asked=True)),
        ("Who is Dmitry Peskov?", TimeScope(None, None, True)),  # news: about the present by default
    ],
)
def test_time_expressions_relative_to_as_of(question: str, expected: TimeScope) -> None:
    got = parse_time(question, AS_OF)
    assert (got.since, got.until, got.recency) == (expected.since, expected.until, expected.recency)


def test_last_week_is_the_previous_calendar_week() -> None:
    got = parse_time("What happened last week?", D(2026, 12, 2))  # a Wednesday
    assert (got.since, got.until) == (D(2026, 11, 23), D(2026, 11, 29))
    sunday = parse_time("What happened last week?", D(2026, 11, 29))
    assert (sunday.since, sunday.until) == (D(2026, 11, 16), D(2026, 11, 22))


def test_periods_beyond_the_calendar_are_held_within_it() -> None:
    far = parse_time("What happened 100000000 weeks ago?", AS_OF)
    assert far.since == D.min and far.until is not None
    assert parse_time("What happened this week?", D.min).since == D.min
    assert parse_time("What happened 99999999999999 years ago?", AS_OF).since is not None


@pytest.mark.parametrize("as_of", [D.min, D(1, 1, 3), D.max])
@pytest.mark.parametrize(
    "question",
    ["News since Monday?", "What happened on Monday?", "News since Friday?", "What happened last year?",
     "What happened in March?", "What happened on March 3?", "What happened last month?"],
)  # fmt: skip
def test_weekdays_and_periods_near_the_calendar_s_first_and_last_day_are_read_not_an_overflow(
    question: str, as_of: dt.date
) -> None:
    """`ask "since Monday?" --as-of 0001-01-01` was an OverflowError from the date parser."""
    said = parse_time(question, as_of)
    assert said.until is None or said.until <= as_of


def test_filters_say_what_is_wrong() -> None:
    with pytest.raises(InputError, match="as_of: date '2023-02-30' does not exist"):
        Filters.parse(as_of="2023-02-30")
    with pytest.raises(InputError, match="after until"):
        Filters.parse(since="2023-03-02", until="2023-03-01")
    assert Filters.parse(sources="Reuters, AP").sources == ("Reuters", "AP")


STRIKE = "Dockworkers at the port of Rotterdam went on strike over pay, halting container traffic."
DATED = [  # the stale article matches the question's words better; the fresh one is this week's news
    Article(id="old", title="Rotterdam port strike halts containers", published="2021-06-02", source="Old Times",
            text="Rotterdam port strike: dockworkers strike, the Rotterdam port strike halts containers. " + STRIKE),
    Article(id="new", title="Port workers walk out", published="2023-03-13", source="Harbour News",
            text="Workers walked out at the harbour on Monday in a dispute about wages; ships are waiting. "
                 "Union leaders said the walkout at the port of Rotterdam would last a week."),
    Article(id="later", title="Rotterdam strike ends", published="2023-03-20", source="Harbour News",
            text="The Rotterdam port strike ended on Monday 20 March after dockworkers accepted a pay offer."),
]  # fmt: skip


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> NewsRAG:
    svc = make_service(tmp_path_factory.mktemp("dated"), embedder=minilm, min_score=-1.0)
    svc.ingestor.ingest(("t", a) for a in DATED)
    return svc


@pytest.mark.slow  # reads with the trained reader
def test_as_of_never_uses_later_articles(dated: NewsRAG) -> None:
    answer = dated.ask("Did the Rotterdam port strike end?", filters=Filters(as_of=AS_OF))
    assert "later" not in answer.retrieved and answer.as_of == "2023-03-15"
    assert "later" in dated.ask("Did the Rotterdam port strike end?", filters=Filters(as_of=D(2023, 3, 25))).retrieved


@pytest.mark.slow  # reads with the trained reader
def test_recent_news_outranks_a_stale_article_that_matches_better(dated: NewsRAG) -> None:
    q = "Which port's dockworkers went on strike this week?"
    dated.retriever.stages = [s for s in dated.retriever.stages if s.name != "time"]
    try:
        without = dated.ask(q, filters=Filters(as_of=AS_OF)).retrieved
    finally:
        dated.retriever.stages = NewsRAG.build(dated.settings, embedder=dated.embedder).retriever.stages
    with_time = dated.ask(q, filters=Filters(as_of=AS_OF))
    assert without[0] == "old"  # the words match the stale article best ...
    assert with_time.retrieved[0] == "new"  # ... the time stage puts this week's first
    assert with_time.time_scope == "2023-03-09..2023-03-15"  # this week: the 7 days to the as-of date


ANNOUNCED = [  # RealTimeQA 2023-01-06: "Starting this week, travelers from ..." was reported on 30 December
    Article(id="stale", title="China travel rules: travelers from China and the COVID-19 test", published="2021-02-01",
            text="Travelers from China, the rules: a negative COVID-19 test for travelers from China entering the "
                 "U.S., the test rules for travelers from China. The rules were dropped a month later."),
    Article(id="announced", title="New rules for flights", published="2023-03-08",
            text="From next week, people flying in from Beijing and Shanghai must show a negative result taken "
                 "within two days of departure, officials said."),
]  # fmt: skip


@pytest.mark.slow  # the real model ranks
def test_what_starts_this_week_may_have_been_announced_the_day_before_it(tmp_path: Path, minilm: Any) -> None:
    svc = make_service(tmp_path, embedder=minilm, min_score=-1.0)
    svc.ingestor.ingest(("t", a) for a in ANNOUNCED)
    q = "Starting this week, travelers from which country need a negative COVID-19 test to enter the U.S.?"
    answer = svc.ask(q, filters=Filters(as_of=AS_OF))
    assert answer.time_scope == "2023-03-09..2023-03-15"  # the week said is 7 days ...
    assert answer.retrieved[0] == "announced"  # ... the announcement of 8 March (7 days before) is searched too


@pytest.mark.slow  # reads with the trained reader
def test_a_past_period_prefers_articles_from_then(dated: NewsRAG) -> None:
    answer = dated.ask("What happened at the Rotterdam port in 2021?", filters=Filters(as_of=AS_OF))
    assert answer.retrieved[0] == "old"


@pytest.mark.slow  # reads with the trained reader
def test_outlet_and_date_range_filters(dated: NewsRAG) -> None:
    only = dated.ask("Rotterdam port strike", filters=Filters(as_of=D(2023, 4, 1), sources=("harbour news",)))
    assert set(only.retrieved) == {"new", "later"}
    ranged = dated.ask("Rotterdam port strike", filters=Filters(as_of=D(2023, 4, 1), since=D(2023, 3, 1),
                                                                 until=D(2023, 3, 14)))  # fmt: skip
    assert ranged.retrieved == ["new"]
    with pytest.raises(InputError, match="No stored article is from Le Monde"):
        dated.ask("Rotterdam port strike", filters=Filters(sources=("Le Monde",)))


@pytest.mark.slow  # reads with the trained reader
def test_undated_articles_are_not_pushed_aside(tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0)
    svc.add_article(Article(id="u", title="Ferry", text="The island ferry resumed service this week."))
    assert svc.ask("Which ferry resumed service this week?").retrieved == ["u"]


@pytest.mark.slow  # reads with the trained reader
def test_eval_asks_each_question_as_of_its_date(tmp_path: Path, minilm: Any) -> None:
    from rag.evaluate import EvalInputs, EvalRun

    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(a.__dict__) for a in DATED))
    q = {"id": "q", "question": "Did the Rotterdam port strike end this week?", "answers": ["pay offer"],
         "evidence_ids": ["later"], "question_date": "2023-03-15"}  # fmt: skip
    (tmp_path / "questions.jsonl").write_text(json.dumps(q))
    inputs = EvalInputs.resolve(tmp_path, None, None).load()
    run = EvalRun(Settings(data_dir=tmp_path / "data", min_score=-1.0), inputs, minilm, tmp_path / "store")
    report = run.run()
    assert report["ours"]["retrieval"]["hits@10"] == 0.0  # the answer was published after the question date


# ---- dates for every article -------------------------------------------------------------
def test_dates_from_text_headers_html_and_urls(tmp_path: Path) -> None:
    from vectorstore.ingest.loaders import Overrides, load_file

    (tmp_path / "a.txt").write_text("Port strike ends\nDate: 14 March 2023\nSource: Harbour News\nThe strike ended.\n")
    (art,) = load_file(tmp_path / "a.txt").articles
    assert (art.title, art.published, art.source, art.text) == ("Port strike ends", "2023-03-14", "Harbour News",
                                                               "The strike ended.")  # fmt: skip
    (tmp_path / "b.md").write_text("Date: 2023-03-15\n# Ferry resumes\nThe ferry resumed service.\n")
    assert load_file(tmp_path / "b.md").articles[0].published == "2023-03-15"
    (tmp_path / "c.txt").write_text("Tram opens\nURL: https://news.example/local/2023/03/16/tram-opens/\nIt opened.\n")
    assert load_file(tmp_path / "c.txt").articles[0].published == "2023-03-16"  # from the URL
    assert load_file(tmp_path / "c.txt", Overrides(published="2023-03-17")).articles[0].published == "2023-03-17"
    (tmp_path / "d.txt").write_text("Bad date\nDate: sometime soon\nText.\n")
    assert "holds no date I can read" in str(load_file(tmp_path / "d.txt").errors[0])
    page = (
        '<html><head><title>Storm hits coast</title><meta property="article:published_time" '
        'content="2023-01-05T10:00:00Z"><meta property="og:site_name" content="Coastal Times"></head><body>'
        "<article><h1>Storm hits coast</h1><p>A powerful storm struck the northern coast on Monday, cutting "
        "power to forty thousand homes across the region.</p><p>Repair crews from three regions were sent.</p>"
        "</article></body></html>"
    )
    (tmp_path / "e.html").write_text(page)
    (html_art,) = load_file(tmp_path / "e.html").articles
    assert (html_art.published, html_art.source) == ("2023-01-05", "Coastal Times")


def test_the_seed_article_has_its_outlet_and_date(tmp_path: Path) -> None:
    svc = make_service(tmp_path)
    svc.ensure_seeded()
    (seed,) = svc.list_articles()
    assert (seed.source, seed.published) == ("rigth.news", "2025-02-16") and seed.url


@pytest.mark.slow  # reads with the trained reader
def test_a_named_period_does_not_push_aside_undated_articles(tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0)
    svc.add_article(
        Article(id="undated", title="Wimbledon final", text="Halep won the Wimbledon final against Williams.")
    )
    svc.add_article(
        Article(id="dated", title="Garden show", text="The garden show opened in June.", published="2019-06-01")
    )
    assert svc.ask("Who won the Wimbledon final in 2019?").retrieved[0] == "undated"
