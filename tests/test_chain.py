"""The answer chain's logic with fakes: a hash embedder and a fake chat model."""

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer import Answer
from rag.answerers.llm import ChatModelAnswerer
from rag.chain import AnswerChain
from rag.prompts import ABSTAIN
from rag.service import NewsRAG
from rag.settings import Settings
from rag.timeexpr import parse_time
from tests.helpers import chroma_run, free_port, make_service
from vectorstore.article import Article
from vectorstore.errors import BackendUnavailable, InputError

STORM = Article(id="storm", title="Storm hits coast", text="A storm cut power to forty thousand homes on Monday.")
STRIKE = Article(id="strike", title="Harbour strike ends", text="Dock workers returned to work on Friday.")


def fake_llm(svc: NewsRAG, reply: str, **chain_kw) -> AnswerChain:  # type: ignore[no-untyped-def]
    chat = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    answerer = ChatModelAnswerer("fake", "fake-model", chat, "memory", "")
    svc.chain = AnswerChain(svc.retriever, answerer, **{"min_score": -1.0, **chain_kw})
    return svc.chain


@pytest.fixture
def svc(hash_service: NewsRAG) -> NewsRAG:
    hash_service.add_article(STORM)
    hash_service.add_article(STRIKE)
    return hash_service


def test_llm_answer_streams_and_markers_resolve_to_passages(svc: NewsRAG) -> None:
    chain = fake_llm(svc, "Power went out for forty thousand homes [2]. Also [9] and [1].")
    items = list(chain.stream("How many homes lost power in the storm?"))
    pieces = [i for i in items if isinstance(i, str)]
    answer = items[-1]
    assert isinstance(answer, Answer) and len(pieces) > 3  # streamed in pieces
    hits, _ = svc.retriever.search("How many homes lost power in the storm?")
    # [2] and [1] point at real passages, renumbered in order of use; [9] is dropped
    assert answer.text == "Power went out for forty thousand homes [1]. Also and [2]."
    assert [c.article_id for c in answer.citations] == [hits[1].article_id, hits[0].article_id]
    assert answer.citations[0].passage == hits[1].text and not answer.uncited


def test_llm_answer_without_markers_is_marked_uncited(svc: NewsRAG) -> None:
    answer = fake_llm(svc, "Something happened.").ask("What happened in the storm?")
    assert answer.uncited and answer.citations == [] and not answer.abstained


def test_llm_abstention_lists_the_closest_articles(svc: NewsRAG) -> None:
    items = list(fake_llm(svc, ABSTAIN).stream("What is the capital of Peru?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    assert "".join(i for i in items if isinstance(i, str)) == answer.text  # the model's words were held back
    assert answer.abstained and answer.citations == []
    assert {c.article_id for c in answer.closest} == {"storm", "strike"}
    assert "found nothing about that" in answer.text
    sent = json.loads(json.dumps(answer.to_dict()))["closest"]  # what `ask --json` and /ask send
    assert [set(a) for a in sent] == [{"article_id", "title", "source", "published", "url", "score", "also"}] * 2


def test_low_similarity_abstains_without_calling_the_answerer(svc: NewsRAG) -> None:
    chain = fake_llm(svc, "should never be used [1]", min_score=0.99)
    answer = chain.ask("What is the capital of Peru?")
    assert answer.abstained and "should never" not in answer.text
    assert answer.closest and answer.closest[0].title in {"Storm hits coast", "Harbour strike ends"}


@pytest.mark.slow  # reads with the trained reader
def test_extractive_answer_is_verbatim_from_the_cited_passage(svc: NewsRAG) -> None:
    answer = svc.ask("When did dock workers return to work?")
    assert answer.citations and not answer.abstained
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
    quoted = answer.text.removeprefix(f"**{answer.short}** — ") if answer.short else answer.text
    sentence = quoted.split(" [")[0]
    assert sentence in answer.citations[0].passage
    assert answer.short is None or answer.short in sentence  # the short answer is copied from the cited sentence
    assert set(answer.timings) >= {"embed_ms", "search_ms", "answer_ms", "total_ms"}


@pytest.mark.slow  # reads with the trained reader
def test_follow_up_is_condensed_for_retrieval(svc: NewsRAG) -> None:
    history = [{"role": "user", "content": "What did Peskov say?"}, {"role": "assistant", "content": "..."}]
    answer = svc.ask("What is his job?", history)
    assert answer.standalone_question == "What is Peskov's job?"
    assert answer.question == "What is his job?"


def test_empty_and_huge_questions_are_refused_clearly(svc: NewsRAG) -> None:
    with pytest.raises(InputError, match="The question is empty"):
        svc.ask("   ")
    with pytest.raises(InputError, match="10,000 characters long; the limit is 2,000"):
        svc.ask("x" * 10_000)
    assert len(svc.list_articles()) == 2


def test_empty_store_says_how_to_add_articles(tmp_path: Path) -> None:
    answer = make_service(tmp_path).ask("Anything?")
    assert answer.abstained and "newsrag ingest" in answer.text


def test_unreachable_llm_server_names_backend_and_url(svc: NewsRAG) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = Settings(base_url=url, answerer="openai", llm_timeout=5, min_score=-1.0)
    from rag.answerers import make_answerer

    svc.chain = AnswerChain(svc.retriever, make_answerer("openai", settings, svc.embedder), min_score=-1.0)
    with pytest.raises(BackendUnavailable) as e:
        svc.ask("What happened in the storm?")
    assert "openai answerer could not reach" in str(e.value) and url in str(e.value)
    assert len(svc.list_articles()) == 2


def test_chroma_server_down_says_how_to_start_it(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(BackendUnavailable, match=f"Chroma server at http://127.0.0.1:{port} is not reachable"):
        NewsRAG.build(Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port, embedder="hash"))


def test_the_retriever_is_a_langchain_retriever(svc: NewsRAG) -> None:
    docs = svc.retriever.invoke("storm power homes")
    assert docs[0].metadata["article_id"] == "storm" and docs[0].page_content == STORM.text
    assert {"title", "source", "published", "start", "end", "score"} <= set(docs[0].metadata)


@pytest.mark.server
def test_chroma_server_that_stops_answering_gives_a_clear_error(tmp_path: Path) -> None:
    with chroma_run(tmp_path / "server") as (host, port, proc):
        settings = Settings(data_dir=tmp_path / "data", chroma_host=host, chroma_port=port, embedder="hash")
        svc = NewsRAG.build(settings.with_(min_score=-1.0))
        svc.add_article(STORM)
        assert svc.ask("What happened in the storm?").citations
        proc.kill()
        proc.wait()
        with pytest.raises(BackendUnavailable, match=f"Chroma server at http://{host}:{port} stopped answering"):
            svc.ask("What happened in the storm?")
        with pytest.raises(BackendUnavailable, match="Start it again"):
            svc.add_article(STRIKE)


def test_generated_sentences_are_checked_against_the_passages_they_cite(svc: NewsRAG) -> None:
    from ui.format import NOT_FOUND, answer_markdown
    from ui.render import answer_text

    question = "How many homes lost power in the storm?"
    hits, _ = svc.retriever.search(question)
    n = next(i for i, h in enumerate(hits[: svc.retriever.k], start=1) if h.article_id == "storm")
    reply = (
        f"A storm cut power to forty thousand homes on Monday [{n}]. "  # supported
        f"The storm flooded 90 streets in Bergen [{n}]. "  # unsupported: no 90, no Bergen in that passage
        f"Dock workers returned to work on Friday [{n}]. "  # miscited: true of another passage, not this one
        "Crews were out all night."  # no citation at all
    )
    answer = fake_llm(svc, reply).ask(question)
    assert [c.supported for c in answer.checks] == [True, False, False, False]
    assert answer.unsupported == 3
    assert {"90", "Bergen"} <= set(answer.checks[1].missing)
    assert answer.checks[3].missing == ["(no citation)"]
    assert answer_markdown(answer).count(NOT_FOUND) == 3
    assert answer_text(answer).count(NOT_FOUND) == 3
    assert answer.to_dict()["unsupported"] == 3


@pytest.mark.slow  # reads with the trained reader
def test_extractive_answers_pass_their_own_check(svc: NewsRAG) -> None:
    answer = svc.ask("When did dock workers return to work?")
    assert answer.checks and answer.unsupported == 0


@pytest.mark.slow  # reads with the trained reader
def test_a_heading_or_a_question_in_the_passage_is_never_quoted_as_the_answer(hash_service: NewsRAG) -> None:
    hash_service.add_article(Article(id="tram", title="Bergen tram", text=(
        "How much did the Bergen tram extension cost?\n"
        "Bergen tram extension cost and schedule\n"
        "The extension cost 4.2 billion kroner and opened in November, the city said.")))  # fmt: skip
    answer = hash_service.ask("How much did the Bergen tram extension cost?")
    assert "4.2 billion kroner" in answer.text
    assert "?" not in answer.text.split("[")[0]
    assert "cost and schedule" not in answer.text


@pytest.mark.slow  # reads with the trained reader
def test_questions_answered_at_once_each_keep_their_own_period(svc: NewsRAG) -> None:
    """The web UI answers two questions at a time: what one question said about time (and its
    timings) must not be taken from another answered meanwhile."""
    first_in, second_done = threading.Event(), threading.Event()

    class Hold:  # a ranking stage that holds the first question until the second is answered
        name, weight = "hold", 1.0

        def rank(self, req):  # type: ignore[no-untyped-def]
            if "last week" in req.text:
                first_in.set()
                assert second_done.wait(30)
            return []

    svc.retriever.stages = [*svc.retriever.stages, Hold()]
    answers: dict[str, Answer] = {}
    first = threading.Thread(target=lambda: answers.setdefault("week", svc.ask("What happened last week?")))
    first.start()
    assert first_in.wait(30)
    answers["year"] = svc.ask("What happened in 2023?")
    second_done.set()
    first.join(30)
    assert answers["year"].time_scope == "2023-01-01..2023-12-31"
    week = parse_time("What happened last week?", dt.date.fromisoformat(answers["week"].as_of))
    assert answers["week"].time_scope == f"{week.since}..{week.until}" != answers["year"].time_scope


@pytest.mark.slow  # reads with the trained reader
def test_retrieval_depth_and_the_answers_context_are_the_two_settings(tmp_path: Path) -> None:
    """NEWSRAG_RETRIEVE_K: how many passages retrieval ranks (what eval measures);
    NEWSRAG_CONTEXT_K: how many of the first the answer reads, whatever the answerer."""
    svc = make_service(tmp_path, min_score=-1.0, retrieve_k=12, context_k=2, chunk_words=20)
    svc.ingestor.ingest(
        ("t", Article(id=f"f{i}", title=f"Ferry {i}", text=f"Ferry number {i} docked at pier {i} on Monday."))
        for i in range(20)
    )
    hits, _ = svc.retriever.search("Which ferry docked at the pier?")
    assert len(hits) == 12
    answer = svc.ask("Which ferry docked at the pier?")
    assert len(answer.retrieved) == 12
    assert answer.citations and {c.article_id for c in answer.citations} <= {h.article_id for h in hits[:2]}
    # an LLM is given the same two passages: a marker past them points at nothing and is dropped
    answer = fake_llm(svc, "Ferries docked [1][2][3].").ask("Which ferry docked at the pier?")
    assert answer.text == "Ferries docked [1][2]." and len(answer.citations) == 2
