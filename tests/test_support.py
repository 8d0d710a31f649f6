"""The sentence-by-sentence check of an answer against the passages it cites (rag.support)."""

from rag.support import check_answer, cited_sentence

PASSAGES = {
    1: "The Kremlin called the call a turning point. Peskov said the meeting needs preparation.",
    2: "Saudi Arabia has been mentioned as a potential venue for the summit.",
}


def test_each_sentence_keeps_the_marker_that_follows_it() -> None:
    text = "The Kremlin called the call a turning point. [1] Saudi Arabia has been mentioned as a potential venue. [2]"
    checks = check_answer(text, PASSAGES)
    assert [(c.cited, c.supported) for c in checks] == [([1], True), ([2], True)]
    assert text[checks[0].start : checks[0].end] == "The Kremlin called the call a turning point. [1]"


def test_a_sentence_with_no_marker_is_not_supported() -> None:
    checks = check_answer("Saudi Arabia will host it. The Kremlin called the call a turning point. [1]", PASSAGES)
    assert [(c.cited, c.supported) for c in checks] == [([], False), ([1], True)]


def test_a_sentence_citing_the_wrong_passage_is_not_supported() -> None:
    checks = check_answer("Saudi Arabia has been mentioned as a potential venue. [1]", PASSAGES)
    assert not checks[0].supported and "Arabia" in checks[0].missing


def test_the_cited_sentence_is_the_quoted_one_or_the_closest() -> None:
    p = PASSAGES[1]
    s, e = cited_sentence("Peskov said the meeting needs preparation. [1]", p)
    assert p[s:e] == "Peskov said the meeting needs preparation."
    s, e = cited_sentence("According to Peskov, the meeting needs much preparation.", p)
    assert p[s:e] == "Peskov said the meeting needs preparation."
