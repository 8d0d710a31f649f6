"""One contract, two backends: the embedded store and a real `chroma run` server.

Uses the hash embedder (the store's behaviour doesn't depend on the model);
the real model runs over both backends in test_real.py.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.service import NewsRAG
from rag.stages import make_stages
from tests.helpers import keyword_clock, make_service, wait_for
from vectorstore.article import Article
from vectorstore.errors import NotFound
from vectorstore.keyword.fts import RECHECK_S

A = Article(id="a1", title="Harbour strike ends", text="Dock workers returned on Friday. The deal raises pay by 5%.")
B = Article(title="Storm hits coast", text="A storm cut power to forty thousand homes on Monday.")


@pytest.fixture
def svc(tmp_path: Path, backend_client: Any) -> NewsRAG:
    return make_service(tmp_path, client=backend_client, min_score=-1.0, chunk_words=20)


def ids_in_answers(svc: NewsRAG, q: str) -> set[str]:
    hits, _ = svc.retriever.search(q, k=20)
    return {h.article_id for h in hits}


def test_added_unchanged_replaced(svc: NewsRAG) -> None:
    assert svc.add_article(A).status == "added"
    assert svc.add_article(B).status == "added"
    assert svc.add_article(A).status == "unchanged"
    # same text, different white space: still the same article
    assert (
        svc.add_article(Article(title=B.title, text="A storm  cut power to forty\nthousand homes on Monday.")).status
        == "unchanged"
    )
    changed = Article(id="a1", title=A.title, text="Dock workers stayed out on Friday.")
    assert svc.add_article(changed).status == "replaced"
    arts = {a.id: a for a in svc.list_articles()}
    assert set(arts) == {"a1", B.id}
    assert svc.article_text("a1") == changed.text
    # no passage of the old text is left
    assert svc.store.count_chunks() == sum(a.n_chunks for a in arts.values())
    hits, _ = svc.retriever.search("deal raises pay", k=20)
    assert all("deal raises pay" not in h.text for h in hits)


def test_passage_spans_point_into_the_article(svc: NewsRAG) -> None:
    long = Article(title="Long", text=" ".join(f"Sentence number {i} says something new." for i in range(40)))
    svc.add_article(long)
    text = svc.article_text(long.id)
    hits, _ = svc.retriever.search("Sentence number 17", k=50)
    assert len(hits) == svc.store.get_article(long.id).n_chunks > 3  # type: ignore[union-attr]
    for h in hits:
        assert text[h.start : h.end] == h.text


def test_delete_removes_the_article_from_answers(svc: NewsRAG) -> None:
    svc.add_article(A)
    svc.add_article(B)
    assert "a1" in ids_in_answers(svc, "dock workers strike")
    svc.delete("a1")
    assert "a1" not in ids_in_answers(svc, "dock workers strike")
    assert [a.id for a in svc.list_articles()] == [B.id]
    with pytest.raises(NotFound, match="newsrag list"):
        svc.delete("a1")


def test_a_failure_half_way_leaves_no_partial_article(svc: NewsRAG, monkeypatch: pytest.MonkeyPatch) -> None:
    svc.add_article(B)
    real_upsert = svc.store.articles.upsert

    def boom(*a: Any, **k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc.store.articles, "upsert", boom)
    outcome = svc.add_article(A)
    assert outcome.status == "failed" and "disk full" in outcome.reason
    assert [a.id for a in svc.list_articles()] == [B.id]
    assert "a1" not in ids_in_answers(svc, "dock workers strike")  # its written passages are invisible
    monkeypatch.setattr(svc.store.articles, "upsert", real_upsert)
    assert svc.add_article(A).status == "added"
    assert sorted(a.id for a in svc.list_articles()) == sorted(["a1", B.id])
    assert svc.store.count_chunks() == sum(a.n_chunks for a in svc.list_articles())


def test_large_ingest_is_batched_under_the_chroma_limit(svc: NewsRAG) -> None:
    svc.store.max_batch = 7  # force several batches per write
    arts = [Article(id=f"n{i}", title=f"Note {i}", text=f"Item {i} happened. " * 60) for i in range(5)]
    out = svc.ingestor.ingest(("x", a) for a in arts)
    assert [o.status for o in out] == ["added"] * 5
    assert svc.store.count_chunks() == sum(a.n_chunks for a in svc.list_articles()) > 7


def test_nearest_articles(svc: NewsRAG) -> None:
    svc.add_article(A)
    svc.add_article(B)
    vec = svc.embedder.embed(["storm power homes"])[0]
    (best, score), _ = svc.store.nearest_articles(vec, 2)
    assert best.id == B.id and -1 <= score <= 1
    assert isinstance(vec, np.ndarray)


class ConstantEmbedder:
    """Every text gets the same vector: the dense ranking says nothing, so any order
    that puts the right passage first comes from the keyword (BM25) side."""

    space = "constant"
    dim = 8

    def embed(self, texts: Any) -> np.ndarray:
        return np.tile(np.eye(1, 8, dtype=np.float32), (len(texts), 1))


def test_hybrid_retrieval_finds_rare_words_and_follows_writes(tmp_path: Path, backend_client: Any) -> None:
    svc = make_service(tmp_path, client=backend_client, embedder=ConstantEmbedder(), min_score=-1.0)
    clock = keyword_clock(svc)
    arts = [Article(id=f"a{i}", title=f"Note {i}", text=f"Routine council business number {i}.") for i in range(8)]
    arts.append(Article(id="zk", title="Zanzibar", text="The Zanzibar ferry Kilimanjaro docked late."))
    svc.ingestor.ingest(("x", a) for a in arts)
    hits, _ = svc.retriever.search("Which ferry docked in Zanzibar?")
    assert hits[0].article_id == "zk"
    assert hits[0].score == pytest.approx(1.0)  # the cosine similarity is kept for abstention
    # a write by another instance on the same store is seen (within RECHECK_S): the index is rebuilt
    other = make_service(tmp_path, client=backend_client, embedder=ConstantEmbedder(), min_score=-1.0)
    other.add_article(Article(id="qb", title="Quebec", text="Snow closed the Quebec highway overnight."))
    clock.advance(RECHECK_S)
    assert svc.retriever.search("Quebec highway snow")[0][0].article_id == "qb"
    svc.delete("qb")
    assert "qb" not in {h.article_id for h in svc.retriever.search("Quebec highway snow")[0]}
    # dense only: the keyword side is off
    svc.retriever.stages = make_stages("dense", svc.store)
    assert len(svc.retriever.search("Quebec highway snow")[0]) == len(arts)


def thresholds_of(client: Any) -> dict[str, int]:
    """The sync thresholds the store's collections have, as Chroma reads them afresh."""
    names = ("newsrag_chunks", "newsrag_articles", "newsrag_log")
    return {n: client.get_collection(n).configuration["hnsw"]["sync_threshold"] for n in names}


SHORT = {"newsrag_chunks": 1000, "newsrag_articles": 100, "newsrag_log": 10}


def test_writes_keep_chromas_unsaved_tail_short_also_in_a_store_made_before(
    tmp_path: Path, backend_client: Any
) -> None:
    """Chroma re-reads, on every write, all a collection took in since it last saved its vector
    index: a store made with the old setting (10,000) made one added article cost 365 ms at 100k
    passages.  Opening it gives its collections the short one (and new stores start with it); a
    server too busy to take it then (a loaded machine) gets it at the next write."""
    meta = {"hnsw:space": "cosine", "hnsw:sync_threshold": 10_000, "embedder": "hash", "dim": 64}
    for name in ("newsrag_chunks", "newsrag_articles"):
        backend_client.get_or_create_collection(name, metadata=meta, embedding_function=None)
    backend_client.get_or_create_collection("newsrag_log", embedding_function=None)  # Chroma's default, 1,000
    svc = make_service(tmp_path, client=backend_client)
    svc.add_article(A)

    def settled() -> bool:
        svc.store.settle_thresholds()  # what the next write does while the server refused it
        return thresholds_of(backend_client) == SHORT

    wait_for(settled, 120, "the short sync thresholds")
    assert ids_in_answers(svc, "When did the dock workers return?") == {"a1"}


def test_a_busy_server_refusing_the_threshold_is_said_and_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Under load a Chroma server timed out the call that shortens the unsaved tail, and the store
    kept the slow setting silently (the log said so at info).  Now each call is tried again, a
    refusal is a warning, and the next write sets it."""
    import chromadb.api.models.Collection as collection_module

    from vectorstore import chroma_config
    from vectorstore.store.client import open_client

    client = open_client(str(tmp_path / "chroma"))
    meta = {"hnsw:space": "cosine", "hnsw:sync_threshold": 10_000, "embedder": "hash", "dim": 64}
    for name in ("newsrag_chunks", "newsrag_articles"):
        client.get_or_create_collection(name, metadata=meta, embedding_function=None)
    client.get_or_create_collection("newsrag_log", embedding_function=None)
    real_modify = collection_module.Collection.modify
    refusals = {"left": 3 * chroma_config.SYNC_TRIES + 1}  # every try at opening, and one more

    def busy_modify(self: Any, *args: Any, **kwargs: Any) -> None:
        if refusals["left"] > 0:
            refusals["left"] -= 1
            raise TimeoutError("timed out")
        real_modify(self, *args, **kwargs)

    monkeypatch.setattr(collection_module.Collection, "modify", busy_modify)
    monkeypatch.setattr(chroma_config, "SYNC_WAIT_S", 0.001)
    with caplog.at_level("WARNING", logger="vectorstore.chroma_config"):
        svc = make_service(tmp_path, client=client)
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(said) == 3 and all("tries again at the next write" in m for m in said), said
    assert thresholds_of(client) != SHORT
    svc.add_article(A)  # one more refusal: the second write settles it
    svc.add_article(B)
    assert thresholds_of(client) == SHORT
    assert svc.store.count_articles() == 2
