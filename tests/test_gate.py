"""The gate before the reader (rag.gate): which retrieved passages are worth reading."""

from __future__ import annotations

from rag.gate import holds_the_words

QUOTED = ('"This is a signal that we are now trying to clarify things through dialogue," Putin\'s spokesman, '
          "Dmitry Peskov, told Pyotr Sarubin, a Kremlin-aligned correspondent for state television.")  # fmt: skip


def test_what_someone_said_is_about_them_not_about_the_word_say() -> None:
    assert holds_the_words("What did Peskov say?", QUOTED)  # the passage has "told", not "say"
    assert holds_the_words("What did Peskov tell state television?", QUOTED)


def test_a_passage_without_the_questions_words_is_not_held() -> None:
    assert not holds_the_words("What did Zelensky say?", QUOTED)
    assert not holds_the_words("How much of a pay rise did the deckhands get?", QUOTED)
