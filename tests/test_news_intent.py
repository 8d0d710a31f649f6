"""Which answer a question asks for, and the conflict among values (no model, no store)."""

import pytest

from rag.answer import Mode
from rag.news.conflicts import comparable, conflict_line, find_conflict, said_by, same
from rag.news.intent import classify
from rag.news.values import Value
from vectorstore.records import Hit

ANSWER, BRIEFING, TIMELINE = Mode.ANSWER, Mode.BRIEFING, Mode.TIMELINE


@pytest.mark.parametrize(
    ("question", "kind", "topic"),
    [
        ("How did the story develop?", TIMELINE, ""),
        ("How did the death toll change over time?", TIMELINE, "the death toll"),
        ("Timeline of the port strike", TIMELINE, "the port strike"),
        ("What happened with the strike since January?", TIMELINE, "the strike"),
        ("What happened last week?", BRIEFING, ""),
        ("What happened this week?", BRIEFING, ""),
        ("What's new about the port strike?", BRIEFING, "the port strike"),
        ("What happened in Turkey this week?", BRIEFING, "Turkey"),
        ("What happened in the final?", ANSWER, ""),  # one event, not a period
        ("What happened to the CEO?", ANSWER, ""),
        ("Who won the Tour de France?", ANSWER, ""),
        ("How did the market react?", ANSWER, ""),
    ],
)
def test_a_question_asks_for_an_answer_a_timeline_or_a_briefing(question: str, kind: str, topic: str) -> None:
    intent = classify(question)
    assert (intent.kind, intent.topic) == (kind, topic)


def test_a_figure_in_a_timeline_or_a_dispute_is_read_as_a_value() -> None:
    assert classify("How did the death toll change over time?").value_question == "What was the death toll?"
    assert classify("Do the reports disagree about the death toll?").value_question == "What is the death toll?"
    assert classify("How did the port strike develop?").value_question == ""
    assert classify("What was the first reported death toll?").first
    assert classify("What was the initial estimate of the damage?").first
    assert not classify("Who was the first pope to resign?").first  # a first in history, not a first report
    assert not classify("A comet is visible for the first time in 50,000 years. Which color is it?").first


def hit(n: int, source: str, published: str | None, text: str) -> Hit:
    return Hit(article_id=f"a{n}", title=f"t{n}", source=source, published=published, url=None,
               chunk_id=f"a{n}:x:0", text=text, start=0, end=len(text), score=0.6)  # fmt: skip


def value(passages: list[Hit], i: int, text: str, score: float = 3.0) -> Value:
    at = passages[i].text.index(text)
    return Value(i, at, at + len(text), text, score)


def test_a_later_figure_is_an_update_newest_first_and_a_same_day_one_a_disagreement() -> None:
    passages = [
        hit(1, "Coastal Wire", "2026-11-17", "The toll reached 131 on Monday, the provincial governor said."),
        hit(2, "Meridian Daily", "2026-11-13", "The toll rose to 112 on Friday, the provincial governor said."),
        hit(3, "Health Ministry Bulletin", "2026-11-13", "The health ministry said 97 people had died in hospitals."),
    ]
    update = find_conflict([value(passages, 1, "112"), value(passages, 0, "131")], passages)
    assert update is not None and update.kind == "update"
    assert [(r.value, r.n, r.source) for r in update.values] == [
        ("131", 1, "Coastal Wire"),
        ("112", 2, "Meridian Daily"),
    ]
    assert conflict_line(update) == (
        "131 according to the provincial governor (Coastal Wire, 17 November) [1], "
        "up from 112 according to the provincial governor (Meridian Daily, 13 November) [2]."
    )
    first = conflict_line(update, first=True)
    assert first.startswith(
        "112 according to the provincial governor (Meridian Daily, 13 November) [2] is the earliest"
    )

    dispute = find_conflict([value(passages, 1, "112"), value(passages, 2, "97")], passages)
    assert dispute is not None and dispute.kind == "disagreement"
    assert conflict_line(dispute).startswith("Sources disagree: 112 according to the provincial governor")
    assert "97 according to the health ministry (Health Ministry Bulletin, 13 November) [3]" in conflict_line(dispute)


def test_the_same_value_in_other_words_a_name_against_a_number_or_one_source_is_no_conflict() -> None:
    passages = [
        hit(1, "A", "2026-01-02", "The game was played in Tampa, Florida, on Sunday."),
        hit(2, "B", "2026-01-01", "Tampa hosted the game, watched by 25,000 fans."),
    ]
    assert same("Tampa", "Tampa, Florida") and same("1,200", "1200") and not same("112", "131")
    assert find_conflict([value(passages, 0, "Tampa, Florida"), value(passages, 1, "Tampa")], passages) is None
    assert find_conflict([value(passages, 0, "Tampa, Florida"), value(passages, 1, "25,000", 1.0)], passages) is None
    assert find_conflict([value(passages, 0, "Tampa, Florida")], passages) is None


def test_values_of_different_kinds_are_not_compared() -> None:
    assert comparable("112", "at least 38") and comparable("4.25 percent", "4.5%") and comparable("1.2 million", "900")
    assert not comparable("6.8", "112")  # a magnitude and a toll
    assert not comparable("9 percent", "12") and not comparable("$300 million", "300")
    passages = [
        hit(1, "A", "2026-11-13", "The toll rose to 112, the governor said."),
        hit(2, "B", "2026-11-13", "The ministry said 97 people died."),
        hit(3, "C", "2026-11-10", "A magnitude 6.8 earthquake struck."),
    ]
    values = [value(passages, 2, "6.8", 5.0), value(passages, 0, "112"), value(passages, 1, "97")]
    c = find_conflict(values, passages)  # the kind most passages give: whole numbers, though 6.8 reads surest
    assert c is not None and {r.value for r in c.values} == {"112", "97"}


def test_undated_sources_that_differ_disagree() -> None:
    passages = [
        hit(1, "", None, "The game was played in Tampa, Florida."),
        hit(2, "", None, "It was held in Glendale, Arizona."),
    ]
    c = find_conflict([value(passages, 0, "Tampa, Florida"), value(passages, 1, "Glendale, Arizona", 2.0)], passages)
    assert c is not None and c.kind == "disagreement"
    assert conflict_line(c) == "Sources disagree: Tampa, Florida [1]; Glendale, Arizona [2]."


def test_who_a_source_says_gave_the_figure() -> None:
    assert said_by("The toll rose to 112, the provincial governor said.") == "the provincial governor"
    assert said_by("According to the health ministry, 97 died.") == "the health ministry"
    assert said_by("At least 38 people died.") == ""
