from rag.citations import parse_citations


def test_valid_markers_are_kept_and_renumbered_in_order_of_use() -> None:
    p = parse_citations("Saudi Arabia was named [3]. Peskov spoke [1].", 5)
    assert p.used == [3, 1]
    assert p.text == "Saudi Arabia was named [1]. Peskov spoke [2]."
    assert p.dropped == []


def test_out_of_range_markers_are_dropped() -> None:
    p = parse_citations("A fact [2]. An invented one [7]. Zero [0].", 2)
    assert p.used == [2]
    assert p.dropped == [7, 0]
    assert p.text == "A fact [1]. An invented one. Zero."


def test_grouped_and_ranged_markers() -> None:
    p = parse_citations("Both [1, 2]. Range [2-3]. Adjacent [3][1].", 3)
    assert p.used == [1, 2, 3]
    assert p.text == "Both [1][2]. Range [2][3]. Adjacent [3][1]."


def test_no_markers() -> None:
    p = parse_citations("No citations here.", 4)
    assert p.used == [] and p.text == "No citations here."
