"""A timeline's cards on real-shaped text (rag.news.timeline): a day's card quotes a sentence once
however many copies carry it, at most ``MAX_QUOTES`` sentences, and never a byline."""

from __future__ import annotations

from rag.news.timeline import MAX_QUOTES, timeline
from vectorstore.records import Hit


def hit(n: int, day: str, text: str, source: str = "Wire") -> Hit:
    return Hit(f"a{n}", f"Shutdown day {n}", source, day, None, chunk_id=f"a{n}:0", text=text, start=0,
               end=len(text), score=0.9)  # fmt: skip


SAID = "TSA lines stretched past two hours at Houston's airport on Monday as the shutdown went on."


def test_a_sentence_several_copies_carry_is_quoted_once_with_their_outlets() -> None:
    hits = [
        hit(1, "2026-03-09", SAID, "Wire"),
        hit(2, "2026-03-09", SAID, "Herald"),
        hit(3, "2026-03-09", SAID, "Post"),
    ]
    out = timeline("the TSA shutdown", hits, 0.3)
    [card] = out.events
    assert card.text.count("TSA lines stretched") == 1 and card.articles == 3
    assert set(card.outlets) == {"Wire", "Herald", "Post"}


def test_a_busy_day_quotes_at_most_a_few_sentences() -> None:
    texts = [f"Report {i}: screeners at airport number {i} walked off the job during the shutdown on Monday."
             for i in range(5)]  # fmt: skip
    out = timeline("the TSA shutdown", [hit(i, "2026-03-09", t) for i, t in enumerate(texts)], 0.3)
    [card] = out.events
    assert card.text.count("walked off the job") == MAX_QUOTES and card.articles == 5
    assert len(card.cited) == MAX_QUOTES


def test_a_card_never_quotes_a_byline() -> None:
    text = f"Molly Murray\n\n{SAID} Airlines asked travellers to arrive early."
    out = timeline("Molly Murray shutdown", [hit(1, "2026-03-09", text)], 0.3)
    assert out.events[0].text == SAID
