"""The extractive answerer quotes the sentence that answers, with the real model.

The articles mimic the ones of issue 9's walkthrough, where the right passage
was retrieved but the wrong sentence of it was quoted."""

from __future__ import annotations

import pytest

from rag.readers.sentence_model import answer_kind, quotable, typed_tokens
from rag.readers.sentences import SentenceChooser
from vectorstore.embedders import Embedder
from vectorstore.records import Hit

TRAM = (
    "Bergen's light rail reaches the airport. The new line to Flesland opened on Monday after four years of "
    "construction, with the mayor and hundreds of passengers on the first tram. The extension cost 4.2 billion "
    "kroner, according to the city council, and is expected to carry 40,000 passengers a day. Trams will run "
    "every five minutes at peak hours."
)
SOLAR = (
    "Chile inaugurates the Oasis de Atacama solar plant. Energy Minister Diego Pardow cut the ribbon on Thursday, "
    "calling the project a milestone for the country. The plant was built by the Spanish company Grenergy, which "
    "invested 1.4 billion dollars in panels and batteries in the desert. It can power 500,000 homes."
)
SATELLITE = (
    "Kenya launches Taifa-2. The satellite was launched on a SpaceX rocket from California on Saturday. "
    "Taifa-2 was built by a team of engineers from the University of Nairobi, who spent three years designing it. "
    "It will monitor crops and floods."
)
SUMMIT = (
    "Trump's Call and Future Prospects\n"
    "The Kremlin said Trump and Putin would meet in Saudi Arabia. Asked when the meeting would take place, "
    "Peskov said the leaders agreed to meet soon. He declined to specify a date. Officials from both sides will "
    "prepare the summit in Riyadh."
)


def hits(*texts: str) -> list[Hit]:
    def hit(i: int, t: str) -> Hit:
        return Hit(chunk_id=f"c{i}", article_id=f"a{i}", title=t.split(".")[0], source=None, published=None,
                   url=None, text=t, start=0, end=len(t), score=0.6 - 0.05 * i)  # fmt: skip

    return [hit(i, t) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("question", "text", "holds"),
    [
        ("How much did the Bergen tram cost?", TRAM, "4.2 billion kroner"),
        ("Who built the Oasis de Atacama plant?", SOLAR, "Grenergy"),
        ("Who built Kenya's Taifa-2 satellite?", SATELLITE, "University of Nairobi"),
        ("On what date will Trump and Putin meet?", SUMMIT, "He declined to specify a date"),
    ],
)
@pytest.mark.slow  # the real embedding model
def test_the_quoted_sentence_is_the_one_with_what_was_asked(
    minilm: Embedder, question: str, text: str, holds: str
) -> None:
    chosen = SentenceChooser(minilm).select(question, hits(text, SOLAR if text is not SOLAR else TRAM))
    assert chosen, "abstained"
    assert holds in chosen[0][1] or any(holds in s for _, s in chosen), chosen


@pytest.mark.slow  # the real embedding model
def test_a_heading_is_never_quoted(minilm: Embedder) -> None:
    chosen = SentenceChooser(minilm).select("What are Trump's call and future prospects?", hits(SUMMIT))
    assert chosen and all("Trump's Call and Future Prospects" not in s for _, s in chosen)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the Bergen tram cost?", "number"),
        ("How many tanks has Germany sent to Ukraine?", "number"),
        ("When did Russia invade Ukraine?", "date"),
        ("On what date will Trump and Putin meet?", "date"),
        ("Where might Trump and Putin meet?", "place"),
        ("Super Bowl 2021 location", "place"),
        ("Who built the Oasis de Atacama plant?", "name"),
        ("Which company bought the plant?", "name"),
        ("Why did the talks fail?", ""),
    ],
)
def test_what_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


def test_tokens_of_the_kind_asked_count_only_when_the_question_lacks_them() -> None:
    q = {"who", "built", "the", "oasis", "de", "atacama", "plant?"}
    assert typed_tokens("name", "The plant was built by the Spanish company Grenergy.", q) == 2  # Spanish, Grenergy
    assert typed_tokens("name", "The Oasis de Atacama plant opened.", q) == 0
    assert typed_tokens("number", "It cost 4.2 billion kroner.", {"how", "much"}) == 2
    assert typed_tokens("number", "It opened in 2023.", {"in", "2023"}) == 0


@pytest.mark.parametrize(
    ("sentence", "ok"),
    [
        ("Golden Globes 2023 winners:", False),
        ("Trump's Call and Future Prospects", False),
        ("Who are the Republicans balking at Kevin McCarthy?", False),
        ("He declined to specify a date.", True),
        ("The statement listed the following demands:", False),
        ("Peskov said: “We are ready.”", True),
    ],
)
def test_headings_and_questions_are_not_quotable(sentence: str, ok: bool) -> None:
    assert quotable(sentence) is ok
