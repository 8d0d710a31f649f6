"""What the chat shows of an answer's quoted sentences (ui.format): datelines go, the rest stays."""

from __future__ import annotations

import pytest

from ui.format import without_datelines


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
