"""The article-level stage: whole articles ranked by their title and text, fused with
the passage rankings in the stage seam."""

from pathlib import Path

import pytest

from rag.service import NewsRAG
from rag.settings import Settings
from tests.helpers import make_service
from vectorstore.article import Article

FILLER = [
    "Engineers spent the week checking the wheels and the cameras.",
    "The team in Pasadena held a briefing for reporters on Thursday.",
    "Budget talks in Congress could affect the next mission.",
    "Scientists said more samples would be collected in the spring.",
]
STORY = Article(  # the question's words are spread over the story, each passage holds a few
    id="story",
    title="Jezero crater: Perseverance rover confirms ice",
    text=" ".join(
        [
            "NASA's Perseverance rover made the finding this week, the agency said.",
            *FILLER,
            "The water lies frozen about a metre below the floor of Jezero.",
            *FILLER,
            "Radar on the rover confirmed the ice layer in several places.",
            *FILLER,
            "The crater once held a lake, and the ice may be its last trace.",
        ]
    ),
)
OTHER_QUESTIONS = [f"Question {i}: which city hosted the {i}th summit on fisheries and ports?" for i in range(1, 150)]
QUIZ = Article(  # one passage holds the question's words exactly, in a long page about other things
    id="quiz",
    title="Weekend puzzle page",
    text=" ".join(
        [
            *OTHER_QUESTIONS[:20],
            "Question 40: which rover confirmed water ice under a crater? Which rover confirmed water ice?",
            *OTHER_QUESTIONS[20:],
        ]
    ),
)
SECOND = Article(  # another outlet's take on the same story
    id="second",
    title="What the radar saw under Jezero",
    text=" ".join(
        [
            "Mission scientists described the radar soundings from Jezero in detail.",
            *FILLER,
            "They said the rover's instrument confirmed the signal of buried ice twice.",
            *FILLER,
        ]
    ),
)
NOISE = [Article(id=f"n{i}", title=f"Local council notes {i}", text=f"The council met about parking, item {i}. "
                 "Water rates rise in spring.") for i in range(6)]  # fmt: skip
QUESTION = "Which rover confirmed water ice under Jezero crater?"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    s = make_service(tmp_path_factory.mktemp("article"), min_score=-1.0, chunk_words=40)  # hash embedder
    s.ingestor.ingest(("t", a) for a in [STORY, SECOND, QUIZ, *NOISE])
    return s


def with_stages(svc: NewsRAG, stages: str) -> NewsRAG:
    return NewsRAG(svc.settings.with_(stages=stages), svc.store, svc.embedder, svc.answerer, svc.span)


@pytest.mark.slow  # reads with the trained reader
def test_a_story_matching_by_title_and_body_outranks_one_strong_passage(svc: NewsRAG) -> None:
    passages_only = with_stages(svc, "dense,keyword").ask(QUESTION).retrieved
    with_articles = with_stages(svc, "dense,keyword,article").ask(QUESTION).retrieved
    assert passages_only[0] == "quiz"  # the puzzle's one passage holds the question's words
    assert with_articles[0] == "story"  # the article stage puts the story first: the switch changes the ranking


@pytest.mark.slow  # reads with the trained reader
def test_retrieved_order_is_the_order_of_the_answers_passages(svc: NewsRAG) -> None:
    rag = with_stages(svc, "dense,keyword,article,time")
    answer = rag.ask(QUESTION)
    hits, _ = rag.retriever.search(answer.standalone_question)
    passages = hits[: rag.retriever.k]
    from_passages = list(dict.fromkeys(h.article_id for h in passages))
    assert answer.retrieved[: len(from_passages)] == from_passages
    assert {c.article_id for c in answer.citations} <= set(from_passages)


def test_unknown_stage_names_say_which_exist(tmp_path: Path) -> None:
    from vectorstore.errors import ConfigError

    with pytest.raises(ConfigError, match=r"Unknown ranking stage.*'articles'.*Choose from: dense, keyword, article"):
        Settings(data_dir=tmp_path, stages="dense,articles")
