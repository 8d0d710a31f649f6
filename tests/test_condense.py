import pytest

from rag.condense import condense, entities


def test_no_history_keeps_the_question() -> None:
    assert condense("Who is his spokesman?", []) == "Who is his spokesman?"


def test_pronoun_is_resolved_from_the_previous_question() -> None:
    history = [
        {"role": "user", "content": "What did Putin say about the war?"},
        {"role": "assistant", "content": "He said ... [1]"},
    ]
    assert condense("Who is his spokesman?", history) == "Who is Putin's spokesman?"


def test_tuple_history_and_older_turns() -> None:
    history = [("What did Putin say about the war?", "He said ... [1]"), ("and when?", "...")]
    assert condense("What did he say?", history) == "What did Putin say?"


def test_a_pronoun_that_fits_two_people_searches_for_both() -> None:
    history = [{"role": "user", "content": "Where might Trump and Putin meet?"}]
    assert condense("Who is his spokesman?", history) == "Who is Trump's or Putin's spokesman?"


def test_gradio_6_content_parts_are_read() -> None:
    """Gradio 6 sends a message's content as a list of parts: the follow-up bug of the web UI."""
    history = [
        {"role": "user", "content": [{"type": "text", "text": "What did Putin say about the war?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "He said ... [1]"}]},
    ]
    assert condense("Who is his spokesman?", history) == "Who is Putin's spokesman?"
    files_only = [{"role": "user", "content": [{"type": "file", "file": {"path": "/tmp/x.pdf"}}]}]
    assert condense("Who is his spokesman?", files_only) == "Who is his spokesman?"


def test_a_short_question_with_its_own_subject_is_not_glued_to_the_previous_one() -> None:
    history = [{"role": "user", "content": "Was the Blue Lagoon evacuated?"}]
    assert condense("Who dissented?", history) == "Who dissented?"
    assert condense("Why?", history) == "Why? (Was the Blue Lagoon evacuated?)"
    assert condense("When was that?", history) == "When was that? (Was the Blue Lagoon evacuated?)"


def test_elliptic_follow_up_carries_the_previous_question() -> None:
    history = [{"role": "user", "content": "When did Russia invade Ukraine?"}]
    assert condense("And Crimea?", history) == "And Crimea? (When did Russia invade Ukraine?)"


def test_a_follow_up_carries_the_last_question_that_had_a_subject() -> None:
    history = [{"role": "user", "content": "Where might Trump and Putin meet?"}]
    history.append({"role": "user", "content": "Who is his spokesman?"})
    assert condense("Why?", history) == "Why? (Where might Trump and Putin meet?)"
    history.append({"role": "user", "content": "Why?"})
    assert condense("And Saudi Arabia?", history) == "And Saudi Arabia? (Where might Trump and Putin meet?)"


def test_standalone_follow_up_is_left_alone() -> None:
    history = [{"role": "user", "content": "When did Russia invade Ukraine?"}]
    assert condense("Where might Trump and Putin meet?", history) == "Where might Trump and Putin meet?"


def test_entities_skip_question_words() -> None:
    assert entities("Where might Trump and Putin meet?") == ["Trump", "Putin"]


ECOLI = [
    {"role": "user", "content": "What caused the E. coli outbreak linked to McDonald's?"},
    {"role": "assistant", "content": "Slivered onions ... [1]"},
]


@pytest.mark.parametrize(
    "question",
    [
        "Which US agency said this week it could run out of cash by the end of the year?",
        "When does NASA plan its launch of the Artemis II crew?",
        "What did the mayor of Chicago say he would do about the budget?",
        "Why did the company cut its forecast for the year?",
        "Which airline said it would cancel flights over the holidays?",
        "According to his biographer, Keir Starmer has had a portrait of which former prime minister removed?",
        "When did girls flag football make its debut at Delaware high schools?",
    ],
)
def test_a_complete_question_is_left_as_it_is(question: str) -> None:
    """A pronoun whose antecedent is in the question itself stays: only a question that needs
    its context is rewritten (it was searched as "…this week E could run out…")."""
    assert condense(question, ECOLI) == question


def test_a_question_that_needs_its_context_is_still_rewritten() -> None:
    history = [{"role": "user", "content": "What did Volodymyr Zelensky say about the talks?"}]
    assert condense("Where did he go next?", history) == "Where did Volodymyr Zelensky go next?"
    assert condense("What is his plan?", history) == "What is Volodymyr Zelensky's plan?"


def test_a_lone_initial_is_no_name_to_put_for_a_pronoun() -> None:
    assert "E" not in entities("What caused the E. coli outbreak?")
    assert condense("Who reported it first?", ECOLI) == "Who reported McDonald first?"


BLACKOUT = "Which country was plunged into a nationwide blackout?"


@pytest.mark.parametrize(
    "said",
    [
        "**Cuba** — Cuba was plunged into a nationwide blackout on Friday. [1]",  # the CLI's and the API's text
        '<strong class="short-answer">Cuba</strong> — Cuba was plunged into a nationwide blackout. <sup>[1]</sup>',
    ],
)
def test_why_after_an_answer_asks_why_of_the_answer(said: str) -> None:
    """ "Why?" is a question about the answer: it was searched as "Why? (Which country was
    plunged…)" and answered Cuba again, though the article says why."""
    history = [{"role": "user", "content": BLACKOUT}, {"role": "assistant", "content": said}]
    assert condense("Why?", history) == "Why was Cuba plunged into a nationwide blackout?"
    assert condense("How come?", history) == "Why was Cuba plunged into a nationwide blackout?"


def test_why_after_no_short_answer_carries_the_question_as_before() -> None:
    history = [{"role": "user", "content": BLACKOUT}, {"role": "assistant", "content": "I found nothing about that."}]
    assert condense("Why?", history) == f"Why? ({BLACKOUT})"


def test_it_after_an_answer_is_the_answer() -> None:
    """ "Who runs it?" after "Which carmaker…?" answered Tesla means Tesla, not a name the
    question held ("Who runs Autopilot?")."""
    history = [
        {"role": "user", "content": "Which carmaker is under scrutiny over its Autopilot system?"},
        {"role": "assistant", "content": "**Tesla** — Tesla is under scrutiny … [1]"},
    ]
    assert condense("Who runs it?", history) == "Who runs Tesla?"
    assert condense("What is its share price?", history) == "What is Tesla's share price?"
    # 'is it': asked of it
    assert condense("Which model is it recalling?", history) == "Which model is Tesla recalling?"
