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
    history = [("Where might Trump and Putin meet?", "In Saudi Arabia [1]"), ("and when?", "...")]
    assert condense("What did he say?", history) == "What did Trump say?"


def test_elliptic_follow_up_carries_the_previous_question() -> None:
    history = [{"role": "user", "content": "When did Russia invade Ukraine?"}]
    assert condense("And Crimea?", history) == "And Crimea? (When did Russia invade Ukraine?)"


def test_standalone_follow_up_is_left_alone() -> None:
    history = [{"role": "user", "content": "When did Russia invade Ukraine?"}]
    assert condense("Where might Trump and Putin meet?", history) == "Where might Trump and Putin meet?"


def test_entities_skip_question_words() -> None:
    assert entities("Where might Trump and Putin meet?") == ["Trump", "Putin"]
