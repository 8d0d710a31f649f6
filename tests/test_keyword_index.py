"""The persistent keyword index (SQLite FTS5) follows the store through its change log:
after adds, replaces, deletes and date changes it equals an index built from scratch;
another process's writes show; two `newsrag serve` processes on one Chroma server
follow each other; a pending write of a crashed writer is taken as it landed."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import vectorstore.keyword.fts as fts
from rag.filters import Filters
from tests import children
from tests.helpers import BIN, ROOT, SEEDS, chroma_run, free_port, keyword_clock, make_service, wait_for
from vectorstore.article import Article
from vectorstore.keyword import article_record, doc_terms, query_terms
from vectorstore.keyword.fts import RECHECK_S, FtsDatabase, FtsIndex
from vectorstore.store import ChromaStore

QUERIES = ["harbour strike pay", "storm power homes", "ferry Zanzibar", "council budget vote", "May reopened pier"]


def snapshot(idx: Any) -> tuple[Any, ...]:
    """What a user of the index can observe: its records (with article and day) and its rankings."""
    idx.indexed_ids()  # catch up first
    db = idx.db.conn
    rows = sorted(db.execute(f"SELECT id, article, day FROM {idx.name}_docs"))
    texts = sorted(db.execute(f"SELECT d.id, f.body FROM {idx.name}_docs d JOIN {idx.name}_fts f ON f.rowid = d.rowid"))
    return rows, texts, [idx.search(q, 10) for q in QUERIES]


def scratch(store: ChromaStore) -> tuple[FtsIndex, FtsIndex]:
    """Indexes built afresh from what Chroma holds now."""
    db = FtsDatabase(None)
    chunks = FtsIndex(db, "chunks", store.chunks, store.changes)
    ak: Any = store.article_keywords
    articles = FtsIndex(db, "articles", store.articles, store.changes, record=article_record, k1=ak.k1, b=ak.b)
    chunks.rebuild()
    articles.rebuild()
    return chunks, articles


def assert_in_step(store: ChromaStore) -> None:
    fresh_chunks, fresh_articles = scratch(store)
    store.keywords.invalidate()
    store.article_keywords.invalidate()
    assert snapshot(store.keywords) == snapshot(fresh_chunks)
    assert snapshot(store.article_keywords) == snapshot(fresh_articles)


def test_after_adds_replaces_deletes_and_new_dates_the_index_equals_one_built_from_scratch(tmp_path: Path) -> None:
    svc = make_service(tmp_path, chunk_words=20, min_score=-1.0)
    a = Article(id="a1", title="Harbour strike", text="Dock workers returned on Friday. The deal raises pay by 5%.")
    b = Article(id="b1", title="Storm hits coast", text="A storm cut power to forty thousand homes on Monday.")
    c = Article(id="c1", title="Zanzibar ferry", text="The ferry Kilimanjaro docked late in Zanzibar.")
    for art in (a, b, c):
        svc.add_article(art)
    assert svc.store.keyword_search("Zanzibar ferry", 5)[0].startswith("c1:")
    assert_in_step(svc.store)
    svc.add_article(Article(id="a1", title=a.title, text="Dock workers stayed out. The council budget vote failed."))
    assert all(not i.startswith("a1:") for i in svc.store.keyword_search("deal raises pay", 5))
    assert_in_step(svc.store)
    svc.delete("b1")
    assert svc.store.keyword_search("storm power homes", 5) == []
    assert_in_step(svc.store)
    svc.add_article(Article(id="c1", title=c.title, text=c.text, published="2023-05-02"))  # a new date only
    assert svc.store.keywords.days_of({i for i in svc.store.keyword_search("ferry", 5)}) != {}
    assert set(svc.store.article_keywords.days_of({"c1"}).values()) == {dt.date(2023, 5, 2).toordinal()}
    assert_in_step(svc.store)
    # nothing was rebuilt on the way: the file was built once, then followed the log
    assert svc.store.check().ok


def test_a_write_left_pending_by_a_crash_is_taken_as_it_landed(tmp_path: Path, monkeypatch: Any) -> None:
    svc = make_service(tmp_path, chunk_words=20, min_score=-1.0)
    svc.add_article(Article(id="a1", title="Harbour", text="Dock workers returned on Friday."))
    store = svc.store
    assert store.keyword_search("dock workers", 5)  # the file is built and following the log
    # A writer killed between logging its write and marking it done (the passage landed):
    t = time.time()
    store.changes.log.add(ids=["crashed-writer"], embeddings=[[1.0]], documents=[json.dumps(["x1:00000000:0"])],
                          metadatas=[{"t": t, "collection": "chunks", "done": False}])  # fmt: skip
    store.chunks.upsert(ids=["x1:00000000:0"], embeddings=[[0.1] * 64], documents=["Quokka sighting at the pier"],
                        metadatas=[{"article_id": "x1", "content_hash": "0" * 16, "published_days": -1}])  # fmt: skip
    other = make_service(tmp_path, chunk_words=20, min_score=-1.0)  # another process on the same files
    # what landed is searchable at once, though the writer never said it was done
    assert other.store.keyword_search("quokka", 5) == ["x1:00000000:0"]
    # a write that fails half-way is logged as over: what it did is followed too
    with pytest.raises(RuntimeError), store.changes.change("chunks", ["x1:00000000:0"]):
        store.chunks.delete(ids=["x1:00000000:0"])
        raise RuntimeError("the disk filled up")
    store.keywords.invalidate()
    assert store.keyword_search("quokka", 5) == []
    # the crashed writer's entry is read again on every check until it is stale, then closed for good
    assert store.keywords._applied(["crashed-writer"]) == set()  # type: ignore[attr-defined]
    monkeypatch.setattr(fts, "STALE_S", 0.0)
    store.keywords.invalidate()
    store.keyword_search("quokka", 5)
    assert store.keywords._applied(["crashed-writer"]) == {"crashed-writer"}  # type: ignore[attr-defined]


def run_cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(data), "NEWSRAG_EMBEDDER": "hash", "NEWSRAG_SEEDS_DIR": str(SEEDS)}
    return children.run([str(BIN / "newsrag"), "-q", *args], env=env)


@pytest.mark.slow
def test_newsrag_ingest_in_another_terminal_shows_in_a_running_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    svc = make_service(tmp_path, min_score=-1.0)
    clock = keyword_clock(svc)
    svc.ensure_seeded()
    assert svc.store.keyword_search("quokka pier", 5) == []
    note = tmp_path / "quokka.txt"
    note.write_text("Quokka seen at the pier\nA quokka was seen at the old pier on Sunday, rangers said.\n")
    out = run_cli(data, "ingest", str(note))
    assert out.returncode == 0, out.stderr
    clock.advance(RECHECK_S)  # another process's write is seen within RECHECK_S
    found = svc.store.keyword_search("quokka pier", 5)
    assert found and svc.store.keyword_search("quokka", 5) == found
    article = found[0].split(":")[0]
    # and the other way: this process deletes, a new process no longer finds it
    svc.delete(article)
    out = run_cli(data, "ask", "Where was the quokka seen?")
    assert out.returncode == 0, out.stderr
    assert "quokka" not in out.stdout.lower()
    out = run_cli(data, "check")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
@pytest.mark.server
def test_two_servers_on_one_chroma_follow_each_other(tmp_path: Path) -> None:
    """Two `newsrag serve` processes, each with its own data folder (its own keyword file),
    on one real `chroma run` server: what one adds the other finds by keyword, and a delete shows too."""
    from gradio_client import Client

    with chroma_run(tmp_path / "chroma") as (host, port, _):
        procs, clients = [], []
        try:
            for name in ("one", "two"):
                web = free_port()
                env = {
                    **os.environ,
                    "NEWSRAG_DATA_DIR": str(tmp_path / name),
                    "NEWSRAG_EMBEDDER": "hash",
                    "NEWSRAG_SEEDS_DIR": str(SEEDS),
                    "NEWSRAG_CHROMA_HOST": host,
                    "NEWSRAG_CHROMA_PORT": str(port),
                    "NEWSRAG_MIN_SCORE": "-1",
                    "NEWSRAG_FEED_MINUTES": "0",
                    "NEWSRAG_STAGES": "keyword",
                }  # fmt: skip  (found by its words only: no dense route)
                cmd = [str(BIN / "newsrag"), "-q", "serve", "--port", str(web)]
                procs.append(subprocess.Popen(cmd, env=children.child_env(env), cwd=ROOT,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))  # fmt: skip
                url = f"http://127.0.0.1:{web}/"
                wait_for(lambda u=url: Client(u, verbose=False) is not None, 120, f"server {name}", procs[-1])
                clients.append(Client(url, verbose=False))
            one, two = clients
            for c in clients:  # both have built their keyword files before the article arrives
                assert c.predict("How many quokkas did rangers count on Rottnest?", None, api_name="/ask")
            added = one.predict("Quokka census", "Rangers counted 212 quokkas on Rottnest island in March.", "", "",
                                "", api_name="/add_article")  # fmt: skip
            assert added["status"] == "added", added
            q = "How many quokkas did rangers count on Rottnest?"
            cites = lambda c: {x["article_id"] for x in c.predict(q, None, api_name="/ask")["citations"]}  # noqa: E731
            # the other server sees the write within RECHECK_S (a few tries: a question takes a moment)
            wait_for(lambda: added["article_id"] in cites(two), 10 * RECHECK_S, "the add in the other server")
            two.predict(added["article_id"], api_name="/delete_article")
            wait_for(lambda: added["article_id"] not in cites(one), 10 * RECHECK_S, "the delete in the first server")
        finally:
            for p in procs:
                p.terminate()
                children.wait(p, "newsrag serve", 20)


@pytest.mark.slow
def test_a_keyword_file_from_another_store_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    svc = make_service(tmp_path, chunk_words=20, min_score=-1.0)
    svc.add_article(Article(id="a1", title="Harbour", text="Dock workers returned on Friday."))
    assert svc.store.keyword_search("dock workers", 5)
    # The user deletes the Chroma folder but not the keyword file: a new, empty store.
    shutil.rmtree(data / "chroma")
    out = run_cli(data, "ask", "When did the dock workers return?")
    assert out.returncode == 0, out.stderr
    assert "Dock workers returned" not in out.stdout
    out = run_cli(data, "check")
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_change_log_is_pruned_and_an_index_idle_since_then_is_rebuilt(tmp_path: Path) -> None:
    svc = make_service(tmp_path, chunk_words=20, min_score=-1.0)
    svc.add_article(Article(id="a1", title="Harbour", text="Dock workers returned on Friday."))
    # Another machine's process (its own keyword file) catches up now, then sleeps for days.
    other = ChromaStore(svc.store.client, svc.store.space, svc.store.dim, keyword_db=tmp_path / "other.sqlite3")
    assert [c.split(":")[0] for c in other.keyword_search("dock workers", 5)] == ["a1"]
    svc.add_article(Article(id="b1", title="Ferry", text="The island ferry resumed service on Sunday."))
    svc.delete("a1")
    log = svc.store.changes
    entries = len(log.log.get(include=[])["ids"])
    # A week on: the writer's next write prunes everything older than a week from the log.
    log.keep_s, log._pruned = 0.0, -1e18
    svc.add_article(Article(id="c1", title="Council", text="The council voted on the budget on Tuesday."))
    assert len(log.log.get(include=[])["ids"]) < entries  # the entries are gone (the floor stays)
    assert log.floor() > 0
    other.changes.keep_s = 0.0  # the sleeper wakes up: it cannot trust the log, and rebuilds
    for idx in (other.keywords, other.article_keywords):
        idx._checked = -1e18  # type: ignore[attr-defined]
    assert_in_step(other)
    assert {c.split(":")[0] for c in other.keyword_search("dock workers ferry council", 5)} == {"b1", "c1"}


def bm25(docs: dict[str, str], query: str, k1: float, b: float) -> list[str]:
    """BM25 with Lucene's idf, computed by hand over every record (the ranking the index must give)."""
    bags = {i: Counter(doc_terms(t)) for i, t in docs.items()}
    avg = sum(sum(c.values()) for c in bags.values()) / len(bags)
    terms = query_terms(query)
    df = {t: sum(1 for c in bags.values() if t in c) for t in terms}
    idf = {t: math.log(1 + (len(bags) - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}

    def score(c: Counter[str]) -> float:
        norm = k1 * (1 - b + b * sum(c.values()) / avg)
        return sum(idf[t] * c[t] / (c[t] + norm) for t in terms if c[t])

    scored = sorted(((-score(c), i) for i, c in bags.items() if score(c) > 0))
    return [i for _, i in scored]


def test_passages_rank_by_bm25_and_a_frequent_word_still_counts_though_not_matched_on(tmp_path: Path) -> None:
    svc = make_service(tmp_path, chunk_words=400)
    texts = {
        "tart": "Cherry tart recipe from the village bakery with almonds.",
        "pie": "Cherry pie, and more pie: the pie contest winner baked it.",
        "plain": "Cherry orchards bloomed early this spring in the valley.",
        **{f"other{i}": f"A pie shop opened on street number {i} downtown." for i in range(8)},
    }
    for i, t in texts.items():
        svc.add_article(Article(id=i, title=f"Note {i}", text=t))
    idx: Any = svc.store.keywords
    stored = svc.store.chunks.get(include=["documents"])
    passages = {cid.split(":")[0]: text for cid, text in zip(stored["ids"], stored["documents"], strict=True)}
    query = "cherry pie contest"
    want = bm25(passages, query, idx.k1, idx.b)
    got = [cid.split(":")[0] for cid in idx.search(query, 20)]
    assert got == want  # the plain BM25 ranking over every record
    # "pie" is in 9 of 11 records: past the budget, it is left out of what FTS5 matches on,
    # yet it still ranks the pie story (3 × "pie") above the other cherry passages
    idx.budget = 5
    got = [cid.split(":")[0] for cid in idx.search(query, 20)]
    assert got[0] == "pie" and set(got) == {"pie", "tart", "plain"}
    assert got == [i for i in want if i in {"pie", "tart", "plain"}]


def test_words_with_accents_are_found_written_either_way(tmp_path: Path) -> None:
    svc = make_service(tmp_path, chunk_words=400)
    svc.add_article(Article(id="queen", title="Music", text="Beyoncé won a record Grammy on Sunday."))
    svc.add_article(Article(id="night", title="Music", text="The Grammy night ran late on Sunday."))
    for query in ("Beyoncé", "beyonce", "BEYONCE Grammy"):
        assert [c.split(":")[0] for c in svc.store.keywords.search(query, 5)][:1] == ["queen"], query


@pytest.mark.slow
def test_a_running_service_answers_while_and_after_another_process_replaces_and_deletes(tmp_path: Path) -> None:
    """`newsrag serve` on a store while `newsrag ingest` replaces its articles in another terminal:
    every filtered search of the serving process failed with Chroma's "Error finding id" during the
    ingest and for minutes after (for good after a delete), until it opened its client again."""
    import json

    data = tmp_path / "data"

    def corpus(tag: str) -> Path:
        path = tmp_path / f"{tag}.jsonl"
        with path.open("w") as f:
            for i in range(120):
                text = f"{tag} report {i}: the harbour cranes number {i} moved ships at the pier. " * 20
                f.write(json.dumps({"id": f"doc-{i}", "title": f"Harbour report {i}", "text": text}) + "\n")
        return path

    assert run_cli(data, "ingest", str(corpus("old"))).returncode == 0
    svc = make_service(tmp_path, min_score=-1.0)
    svc.ensure_seeded()
    question = "What did the harbour cranes number 7 move?"
    assert svc.ask(question).citations
    env = children.child_env({**os.environ, "NEWSRAG_DATA_DIR": str(data), "NEWSRAG_EMBEDDER": "hash"})
    cmd = [str(BIN / "newsrag"), "-q", "ingest", str(corpus("new"))]
    writer = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    answered = 0
    try:
        while writer.poll() is None:
            svc.ask(question)  # raised "Unexpected error (InternalError: ... Error finding id)" before the fix
            answered += 1
    finally:
        assert children.wait(writer, "newsrag ingest") == 0
    assert run_cli(data, "delete", "doc-7").returncode == 0
    for _ in range(3):
        got = svc.ask(question, filters=Filters(as_of=dt.date.today()))
        assert all(c.article_id != "doc-7" for c in got.citations)
    assert answered > 0
