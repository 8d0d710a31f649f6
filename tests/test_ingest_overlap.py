"""Ingestion writes one batch while it embeds the next: what a user relies on still holds
(order, copies across batches, an article given twice, errors, progress), on a real Chroma."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.service import NewsRAG
from tests.helpers import make_service
from tests.test_stories import COPIES
from vectorstore.article import Article
from vectorstore.errors import IngestError
from vectorstore.ingest.chunker import Chunker
from vectorstore.ingest.ingestor import Ingestor, Outcome


def story(i: int) -> Article:
    return Article(id=f"a{i}", title=f"Harbour report {i}", text=f"Dock workers at pier {i} went back to work. " * 12)


@pytest.fixture
def svc(tmp_path: Path) -> NewsRAG:
    return make_service(tmp_path, min_score=-1.0)


def ingestor(svc: NewsRAG) -> Ingestor:
    """Batches of about one article each (40-word chunks, 2 chunks a batch)."""
    return Ingestor(svc.store, svc.embedder, Chunker(max_words=40), batch_chunks=2)


def test_the_next_batch_is_embedded_while_the_previous_one_is_written(svc: NewsRAG) -> None:
    ing = ingestor(svc)
    writes: list[tuple[float, float]] = []
    embeds: list[float] = []
    begun = [threading.Event() for _ in range(4)]  # batch k's embedding has begun
    overlapped: list[bool] = []
    write, embed = svc.store.write_articles, ing.embedder.embed

    def held_write(*a: Any, **k: Any) -> None:
        """Batch k's write holds until batch k + 1's embedding has begun: it can only begin if
        embedding goes on while a write is under way (else the wait runs out)."""
        t, k_ = time.monotonic(), len(writes)
        overlapped.append(begun[k_ + 1].wait(timeout=10) if k_ + 1 < len(begun) else True)
        write(*a, **k)
        writes.append((t, time.monotonic()))

    def timed_embed(texts: Any) -> np.ndarray:
        begun[len(embeds)].set()
        embeds.append(time.monotonic())
        return embed(texts)

    svc.store.write_articles = held_write  # type: ignore[method-assign]
    ing.embedder.embed = timed_embed  # type: ignore[method-assign]
    outcomes = ing.ingest(("t", story(i)) for i in range(4))
    assert [o.status for o in outcomes] == ["added"] * 4
    assert len(writes) == 4 and len(embeds) == 4
    assert overlapped == [True] * 4  # every batch after the first was embedded while the one before was written
    assert all(e < w1 for (_, w1), e in zip(writes, embeds[1:], strict=False)), (writes, embeds)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(writes))  # one write at a time, in order
    assert sorted(svc.store.get_articles([f"a{i}" for i in range(4)])) == [f"a{i}" for i in range(4)]


def test_a_copy_in_the_batch_before_joins_its_story(svc: NewsRAG) -> None:
    ingestor(svc).ingest(("t", a) for a in COPIES[:2])  # one batch each
    stored = svc.store.get_articles([a.id for a in COPIES[:2]])
    assert stored[COPIES[1].id].story == COPIES[0].id


def test_an_article_given_twice_in_a_row_ends_as_the_second(svc: NewsRAG) -> None:
    first, second = story(1), Article(id="a1", title="Harbour report 1", text="The strike at pier 1 ended. " * 12)
    outcomes = ingestor(svc).ingest([("t", first), ("t", second)])
    assert [o.status for o in outcomes] == ["added", "replaced"]
    assert svc.store.get_articles(["a1"])["a1"].content_hash == second.content_hash
    assert svc.store.check().ok  # no passage of the first version is left


def test_progress_is_reported_in_order_from_the_calling_thread(svc: NewsRAG) -> None:
    seen: list[tuple[str, str]] = []
    outcomes = ingestor(svc).ingest(
        (("t", story(i)) for i in range(3)),
        on_progress=lambda o: seen.append((o.article_id, threading.current_thread().name)),
    )
    assert seen == [(f"a{i}", threading.current_thread().name) for i in range(3)]
    assert [o.article_id for o in outcomes] == ["a0", "a1", "a2"]


def test_a_failed_write_stops_the_run_and_what_was_committed_stays(svc: NewsRAG) -> None:
    ing = ingestor(svc)
    write = svc.store.write_articles
    calls = {"n": 0}

    def failing_second(*a: Any, **k: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise IngestError("the disk is full: free some space and run ingest again")
        write(*a, **k)

    svc.store.write_articles = failing_second  # type: ignore[method-assign]
    seen: list[Outcome] = []

    def items() -> Iterator[tuple[str, Article]]:
        for i in range(4):
            yield "t", story(i)

    with pytest.raises(IngestError, match="disk is full"):
        ing.ingest(items(), on_progress=seen.append)
    assert [o.article_id for o in seen] == ["a0"]
    assert sorted(svc.store.get_articles([f"a{i}" for i in range(4)])) == ["a0"]
    assert svc.store.check().ok
    svc.store.write_articles = write  # type: ignore[method-assign]
    again = ing.ingest(items())  # the re-run converges
    assert [o.status for o in again] == ["unchanged", "added", "added", "added"]
