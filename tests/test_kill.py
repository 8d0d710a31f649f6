"""kill -9 at random moments of adding and replacing ingests: after the same ingest
runs again, the store holds exactly the passages of a clean ingest (real embedded
Chroma, real processes, the hash embedder)."""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import children
from tests.helpers import ROOT
from vectorstore.store import ChromaStore, open_client

pytestmark = pytest.mark.slow
KILLS_PER_KIND = 10


def write_corpus(path: Path, version: int, n: int = 40) -> Path:
    with path.open("w") as f:
        for i in range(n):
            sentences = [
                f"Version {version} of report {i} says pier {j} of harbour {i} reopened in May." for j in range(12)
            ]
            f.write(json.dumps({"id": f"doc-{i}", "title": f"Harbour report {i}", "text": " ".join(sentences)}) + "\n")
    return path


def ingest(data: Path, corpus: Path, kill_after: float | None = None) -> float:
    """Run the worker; with ``kill_after``, SIGKILL it that many seconds after its first
    article was stored (so the kill lands inside the ingest, not in the start-up).
    Returns the time from the first stored article to the end."""
    env = children.child_env({**os.environ, "PYTHONPATH": str(ROOT)})
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "ingest_worker.py"), str(data), str(corpus)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    t0 = time.monotonic()
    if kill_after is not None:
        try:
            proc.wait(kill_after)
        except subprocess.TimeoutExpired:
            proc.kill()
    try:
        out, err = proc.communicate(timeout=children.TIMEOUT)
    except subprocess.TimeoutExpired:
        children.fail_hung(proc, "tests/ingest_worker.py", children.TIMEOUT)
        raise
    if kill_after is None:
        assert proc.returncode == 0 and first, err
        assert "Summary:" in out
    return time.monotonic() - t0


def chunk_ids(data: Path) -> set[str]:
    store = ChromaStore(open_client(str(data / "chroma")), "hash", 64, keyword_db=data / "keywords.sqlite3")
    ids: set[str] = set()
    offset = 0
    while True:
        res = store.chunks.get(limit=1000, offset=offset, include=[])
        ids |= set(res["ids"])
        if len(res["ids"]) < 1000:
            return ids
        offset += 1000


def keyword_ids(data: Path) -> set[str]:
    """What the persistent keyword file holds once it has read the change log (as a search would)."""
    store = ChromaStore(open_client(str(data / "chroma")), "hash", 64, keyword_db=data / "keywords.sqlite3")
    store.keyword_search("harbour", 1)
    return {r[0] for r in store.keywords.db.conn.execute("SELECT id FROM chunks_docs")}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["adding", "replacing"])
def test_random_kills_then_rerun_converge_to_a_clean_store(tmp_path: Path, kind: str) -> None:
    v1 = write_corpus(tmp_path / "v1.jsonl", 1)
    v2 = write_corpus(tmp_path / "v2.jsonl", 2)
    clean = tmp_path / "clean"
    start = tmp_path / "start"  # the store before the ingest that gets killed
    if kind == "replacing":
        ingest(start, v1)
    else:
        start.mkdir()
    shutil.copytree(start, clean, dirs_exist_ok=True)
    duration = ingest(clean, v2)
    expected = chunk_ids(clean)
    assert len(expected) > 40

    rng = random.Random(f"{kind}-{os.getpid()}")
    killed_midway = 0
    for n in range(KILLS_PER_KIND):
        data = tmp_path / f"run{n}"
        shutil.copytree(start, data)
        delay = rng.uniform(0.0, 0.8 * duration)  # the tail of the run is shutdown, after the last write
        ingest(data, v2, kill_after=delay)
        killed = chunk_ids(data)
        killed_midway += killed != expected
        ingest(data, v2)  # the same ingest again
        assert chunk_ids(data) == expected, f"kill {n} at {delay:.2f}s of {duration:.2f}s did not converge"
        assert keyword_ids(data) == expected, f"kill {n}: the keyword file is out of step with the passages"
    assert killed_midway >= KILLS_PER_KIND // 3, "most kills landed outside the ingest: the corpus is too small"


def test_a_change_log_torn_by_a_kill_while_chroma_saved_it_is_made_again(tmp_path: Path) -> None:
    """Chroma 1.5 rewrites a collection's index_metadata.pickle in place when it saves its
    vector index; a kill in that moment left the change log's empty, and every later run
    failed ("Error deserializing pickle file", seen in CI).  The next run makes the log
    again, and a keyword file that had not yet read the lost entries rebuilds from the store."""
    v2 = write_corpus(tmp_path / "v2.jsonl", 2, n=8)  # 64 log entries: the log's index is saved
    data = tmp_path / "data"
    data.mkdir()
    ingest(data, v2)
    with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as db:
        (segment,) = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = 'newsrag_log' AND s.scope = 'VECTOR'"
        ).fetchone()
    pickle = data / "chroma" / segment / "index_metadata.pickle"
    assert pickle.stat().st_size > 0
    pickle.write_bytes(b"")  # what the kill left
    with sqlite3.connect(data / "keywords.sqlite3") as kw:  # a keyword file behind the lost entries
        kw.execute("DELETE FROM chunks_fts")
        kw.execute("DELETE FROM chunks_docs")
        kw.execute("DELETE FROM applied")
        kw.execute("UPDATE meta SET value = '0' WHERE key = 'chunks:horizon'")

    expected = chunk_ids(data)
    assert len(expected) > 8
    assert keyword_ids(data) == expected
    v3 = write_corpus(tmp_path / "v3.jsonl", 3, n=8)
    ingest(data, v3)  # and writing works again
    assert keyword_ids(data) == chunk_ids(data) != expected
