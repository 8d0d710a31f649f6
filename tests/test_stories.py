"""Syndicated and near-duplicate stories: every copy is kept, a story is shown once with
"also reported by …", and copies don't crowd other stories out of the answer's passages."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from rag.answerers import Draft
from rag.chain import AnswerChain
from rag.service import NewsRAG
from rag.stages import retrieved_articles
from tests.helpers import make_service
from ui.format import answer_markdown
from ui.render import answer_text
from vectorstore.article import Article
from vectorstore.ingest.dedup import THRESHOLD, signature
from vectorstore.records import Hit

WIRE = (
    "Flooding closed the main rail line between Lyon and Geneva on Tuesday after the Rhone burst its banks "
    "near Seyssel. Rail operator SNCF said repairs to the embankment would take at least ten days and that "
    "replacement buses would run every hour. Around four hundred residents were moved to a school gym, "
    "where volunteers served meals through the night. The regional prefect said the river peaked at six "
    "metres, the highest level since 1990, and warned that more rain was forecast for the weekend."
)


def edited(text: str, outlet: str, n: int) -> Article:
    """Another outlet's copy: its own lead-in, a changed word, the same body."""
    body = text.replace("Around four hundred", "About four hundred") if n % 2 else text
    return Article(
        id=f"copy-{outlet.lower()}",
        title=f"{outlet}: Rhone flood cuts Lyon-Geneva line",
        text=f"({outlet}) {body} Reporting by the {outlet} desk.",
        source=outlet,
        published=f"2025-03-0{n + 1}",
    )


COPIES = [edited(WIRE, outlet, i) for i, outlet in enumerate(["Reuters", "AP", "AFP", "Swissinfo"])]
OTHER = Article(  # a different story on the same event: it must still reach the answer's passages
    id="other",
    title="Seyssel residents count the cost of the Rhone flood",
    text="Shop owners in Seyssel said the Rhone flood ruined stock worth thousands of euros. "
    "The mayor asked the state to declare a natural disaster so that insurers pay out faster.",
    source="Le Dauphine",
    published="2025-03-03",
)
QUESTION = "What did the Rhone flood near Seyssel do to the Lyon Geneva rail line?"


def test_signatures_tell_copies_from_related_stories() -> None:
    a, b = signature(COPIES[0].text), signature(COPIES[1].text)
    assert a.jaccard(b) >= THRESHOLD
    assert a.jaccard(signature(OTHER.text)) < 0.3


@pytest.fixture
def svc(tmp_path: Path) -> NewsRAG:
    s = make_service(tmp_path, min_score=-1.0, context_k=2)  # hash embedder, real Chroma
    s.ingestor.ingest(("t", a) for a in [*COPIES, OTHER])
    return s


def test_every_copy_is_kept_and_joins_the_first_ones_story(svc: NewsRAG) -> None:
    stored = svc.store.get_articles([a.id for a in [*COPIES, OTHER]])
    assert len(stored) == 5  # nothing dropped
    assert {stored[a.id].story for a in COPIES} == {COPIES[0].id}
    assert stored[OTHER.id].story == OTHER.id


@pytest.mark.slow  # reads with the trained reader
def test_a_story_is_shown_once_with_its_other_outlets_and_leaves_room_for_others(svc: NewsRAG) -> None:
    answer = svc.ask(QUESTION)
    cited = {c.article_id for c in answer.citations}
    hits, _ = svc.retriever.search(answer.standalone_question)
    passages = hits[: svc.retriever.k]
    assert len({h.story for h in passages}) == len({h.article_id for h in passages})  # one article per story
    assert OTHER.id in {h.article_id for h in passages}  # the four copies didn't crowd it out
    wire = next(h for h in passages if h.story == COPIES[0].id)
    assert sorted(c.source for c in wire.also) == sorted(
        a.source for a in COPIES if a.id != wire.article_id
    )  # fmt: skip
    # eval's ranking holds every copy, next to the one shown
    ranked = retrieved_articles(hits)
    i = ranked.index(wire.article_id)
    assert set(ranked[i : i + 4]) == {a.id for a in COPIES}
    assert answer.retrieved == ranked
    # the answer says where else the story ran, in the terminal and in the web UI
    c = next(c for c in answer.citations if c.article_id == wire.article_id) if wire.article_id in cited else None
    if c is not None:
        assert "Also reported by" in answer_text(answer)
        assert "Also reported by" in answer_markdown(answer)


def test_also_reported_by_lists_only_copies_within_the_as_of_date(svc: NewsRAG) -> None:
    from rag.filters import Filters

    hits, _ = svc.retriever.search(QUESTION, filters=Filters.parse(as_of="2025-03-02"))
    wire = next(h for h in hits if h.story == COPIES[0].id)
    assert {c.published for c in wire.also} <= {"2025-03-01", "2025-03-02"}
    assert wire.article_id in {COPIES[0].id, COPIES[1].id}


def test_a_copy_added_by_another_process_is_recognised(tmp_path: Path) -> None:
    first = make_service(tmp_path, min_score=-1.0)
    first.ingestor.ingest([("t", COPIES[0])])
    first.store.stories.story_for("probe", signature(OTHER.text))  # this process built its index
    second = make_service(tmp_path, min_score=-1.0)  # another process, same store
    second.ingestor.ingest([("t", COPIES[1])])
    first.ingestor.ingest([("t", COPIES[2])])  # first's index must see what second wrote
    stored = first.store.get_articles([COPIES[1].id, COPIES[2].id])
    assert stored[COPIES[2].id].story == COPIES[0].id


def test_story_survives_a_metadata_update_and_a_replaced_text_is_judged_again(svc: NewsRAG) -> None:
    from dataclasses import replace

    svc.ingestor.ingest([("t", replace(COPIES[1], url="https://ap.example/flood"))])
    assert svc.store.get_article(COPIES[1].id).story == COPIES[0].id  # type: ignore[union-attr]
    svc.ingestor.ingest([("t", replace(COPIES[2], text=OTHER.text + " A new, unrelated text."))])
    assert svc.store.get_article(COPIES[2].id).story != COPIES[0].id  # type: ignore[union-attr]


@pytest.mark.slow  # reads with the trained reader
def test_answer_text_shows_the_other_outlets(svc: NewsRAG) -> None:
    answer = svc.ask(QUESTION)
    wire = [c for c in answer.citations if c.also]
    assert wire, "the wire story's passage should be cited"
    text = answer_text(answer)
    for other in wire[0].also:
        assert other.source and other.source in text
    assert "Also reported by" in answer_markdown(answer)
    sent = json.loads(json.dumps(answer.to_dict()))  # what `ask --json` and /ask send
    also = next(c["also"] for c in sent["citations"] if c["also"])
    assert {tuple(sorted(a)) for a in also} == {("article_id", "published", "source", "title", "url")}


def test_articles_stored_before_stories_get_one_when_ingested_again(svc: NewsRAG) -> None:
    meta = svc.store.articles.get(ids=[COPIES[3].id], include=["metadatas"])["metadatas"][0]
    svc.store.articles.update(ids=[COPIES[3].id], metadatas=[{**meta, "story": "", "minhash": ""}])  # an old store
    svc.store.stories.invalidate()
    assert svc.store.get_article(COPIES[3].id).story == COPIES[3].id  # type: ignore[union-attr]
    outcomes = svc.ingestor.ingest([("t", COPIES[3])])
    assert [o.status for o in outcomes] == ["unchanged"]
    assert svc.store.get_article(COPIES[3].id).story == COPIES[0].id  # type: ignore[union-attr]


class Abstains:
    """An answerer that finds no answer in any passage."""

    name, model = "abstains", "none"

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        yield Draft(abstained=True)


def test_the_closest_articles_of_an_abstention_show_a_story_once(svc: NewsRAG) -> None:
    svc.chain = AnswerChain(svc.retriever, Abstains(), svc.settings.min_score)  # the answer lists the closest
    answer = svc.ask(QUESTION)
    assert answer.abstained
    stories = [{c.article_id, *(a.article_id for a in c.also)} for c in answer.closest]
    assert {a.id for a in COPIES} in stories  # the four copies are one line, with the others under it
    assert {OTHER.id} in stories and len(answer.closest) == 2
    assert "Also reported by" in answer_text(answer) and "Also reported by" in answer_markdown(answer)
