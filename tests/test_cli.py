"""The `newsrag` command as a user runs it: real model, embedded Chroma, subprocesses."""

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests import children
from tests.helpers import BIN

pytestmark = pytest.mark.slow
NEWSRAG = [str(BIN / "newsrag")]


def run(*args: str, data: Path, check: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    return children.run([*NEWSRAG, *args], env={**os.environ, "NEWSRAG_DATA_DIR": str(data), **env}, check=check)


def test_first_start_seeds_then_ask_prints_answer_and_sources(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = run("ask", "Where might Trump and Putin meet?", data=data, check=True)
    assert "Saudi Arabia" in p.stdout
    assert "Sources:" in p.stdout and "[1] Kremlin Sees Trump-Putin Call" in p.stdout
    assert "First start: seed articles indexed (1 added" in p.stderr
    p = run("ask", "What is the capital of Peru?", data=data, check=True)
    assert "found nothing about that" in p.stdout and "Closest articles:" in p.stdout
    assert p.stdout.count("Kremlin Sees Trump-Putin Call") == 1  # the closest articles are listed once
    assert "Sources:" not in p.stdout and "First start" not in p.stderr


def test_first_start_says_it_is_preparing_the_model_before_it_does(tmp_path: Path) -> None:
    """With no exported model yet (a backend other than the shipped one, forced), the long first step is
    named before it starts (then stopped: the export itself is what the suite's shared model cache holds)."""
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data"), "NEWSRAG_MODEL_CACHE": str(tmp_path / "m"),
           "NEWSRAG_EMBEDDER": "minilm-int8"}  # fmt: skip
    proc = subprocess.Popen([*NEWSRAG, "ask", "Who is Peskov?"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env=children.child_env(env))  # fmt: skip
    assert proc.stderr is not None
    # a hung child is aborted: faulthandler's dump of its threads lands in ``lines`` and the assert shows it
    limit = threading.Timer(children.TIMEOUT, lambda: proc.send_signal(signal.SIGABRT))
    limit.start()
    try:
        lines = []
        for line in proc.stderr:  # ends at the line, or when the child ends
            lines.append(line.decode())
            if "Preparing the embedding model" in lines[-1]:
                break
        assert any("Preparing the embedding model" in ln for ln in lines), lines
        assert not any("Indexing seed articles" in ln for ln in lines), "said before the work starts"
    finally:
        limit.cancel()
        proc.kill()
        proc.wait()
    p = run("ask", "Who is Peskov?", data=tmp_path / "data2", check=True)  # the shared cache: nothing to prepare
    assert "Preparing" not in p.stderr


def test_the_very_first_start_with_the_default_embedder_prepares_nothing(tmp_path: Path) -> None:
    """A new folder and an empty model cache: the shipped model answers at once (no export)."""
    p = run("ask", "Who is Putin's spokesman?", data=tmp_path / "data", check=True,
            NEWSRAG_MODEL_CACHE=str(tmp_path / "empty-cache"), NEWSRAG_EMBEDDER="minilm-auto")  # fmt: skip
    assert "Preparing" not in p.stderr and "Peskov" in p.stdout
    assert not any((tmp_path / "empty-cache").glob("*/model-fp32.onnx"))  # nothing exported


def test_ingest_report_list_ask_delete(tmp_path: Path) -> None:
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano.txt").write_text(
        "Volcano erupts near Reykjavik\nThe Fagradalsfjall volcano erupted on Tuesday night, "
        "sending lava across the Reykjanes peninsula. Authorities evacuated the town of Grindavik.\n"
    )
    (docs / "empty.txt").write_text("")
    (docs / "notes.docx").write_bytes(b"PK")
    p = run("ingest", str(docs), str(docs / "notes.docx"), "--source", "RUV", "--date", "2024-03-17", data=data)
    assert p.returncode == 1  # some files failed
    assert re.search(r"added\s+.*volcano.txt: Volcano erupts near Reykjavik", p.stdout)
    assert re.search(r"failed\s+.*empty.txt — the file is empty", p.stdout)
    assert "unsupported file type '.docx'" in p.stdout
    assert "Summary: 1 added, 0 unchanged, 0 replaced, 0 updated, 2 failed." in p.stdout

    p = run("ingest", str(docs / "volcano.txt"), "--source", "RUV", "--date", "2024-03-17", data=data, check=True)
    assert "Loading the embedding model" in p.stderr  # said, not a bar standing at "0 articles" while it loads
    assert "Summary: 0 added, 1 unchanged" in p.stdout

    listing = json.loads(run("list", "--json", data=data, check=True).stdout)
    volcano = next(a for a in listing if a["title"] == "Volcano erupts near Reykjavik")
    assert (volcano["source"], volcano["published"], volcano["n_chunks"]) == ("RUV", "2024-03-17", 1)
    assert len(listing) == 2  # the seed and the volcano
    assert "signature" not in volcano and "content_hash" not in volcano  # internals stay inside

    p = run("ask", "Which town was evacuated after the volcano erupted?", "--json", data=data, check=True)
    answer = json.loads(p.stdout)
    assert "Grindavik" in answer["text"]
    assert answer["citations"][0]["article_id"] == volcano["id"] and answer["citations"][0]["source"] == "RUV"
    assert answer["short"] == "Grindavik" and answer["short_source"]["n"] == answer["citations"][0]["n"]

    p = run("delete", volcano["id"], data=data, check=True)
    assert "Deleted" in p.stdout
    answer = json.loads(
        run("ask", "Which town was evacuated after the volcano erupted?", "--json", data=data, check=True).stdout
    )
    assert all(c["article_id"] != volcano["id"] for c in answer["citations"])
    p = run("delete", volcano["id"], data=data)
    assert p.returncode == 1 and "Error: No article with id" in p.stderr and "Traceback" not in p.stderr


def test_bad_question_and_bad_date_are_one_line_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = run("ask", "x" * 10_000, data=data)
    assert p.returncode == 1 and "limit is 2,000" in p.stderr and "Traceback" not in p.stderr
    p = run("ingest", "seeds", "--date", "14/02/2025", data=data)
    assert p.returncode == 1 and "YYYY-MM-DD" in p.stderr


def test_kill_during_bulk_ingest_then_rerun_stores_each_article_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    corpus = tmp_path / "bulk.jsonl"
    n = 300  # several ingest batches (a batch is ~30k words), so the kill lands between commits
    with corpus.open("w") as f:
        for i in range(n):
            text = " ".join(f"Report {i} sentence {j} about harbour number {i} and its cranes." for j in range(25))
            f.write(json.dumps({"id": f"doc-{i}", "title": f"Harbour report {i}", "text": text}) + "\n")
    run("list", data=data, check=True)  # first start: seed the store
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(data)}
    proc = subprocess.Popen(
        [*NEWSRAG, "ingest", str(corpus)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=children.child_env(env),
    )
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        seen += proc.stderr.read() or b""
        done = [int(x) for x in re.findall(rb"Ingesting: (\d+) articles", seen)]
        if done and max(done) >= 8:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed: make the corpus bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    p = run("ingest", str(corpus), data=data, check=True)
    summary = re.search(r"Summary: (\d+) added, (\d+) unchanged", p.stdout)
    assert summary and int(summary[1]) + int(summary[2]) == n and int(summary[2]) >= 8
    listing = json.loads(run("list", "--json", data=data, check=True).stdout)
    ids = [a["id"] for a in listing if a["id"].startswith("doc-")]
    assert sorted(ids) == sorted(f"doc-{i}" for i in range(n))  # each exactly once

    from rag.service import NewsRAG
    from rag.settings import Settings

    svc = NewsRAG.build(Settings(data_dir=data, embedder="minilm"))
    assert svc.store.count_chunks() == sum(a["n_chunks"] for a in listing)  # no stray passages


def test_help_lists_every_command() -> None:
    p = children.run([*NEWSRAG, "--help"], check=True)
    for cmd in ("ingest", "ask", "chat", "list", "delete", "serve"):
        assert cmd in p.stdout


def test_chat_follow_up_on_stdin(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data")}
    p = children.run(
        [*NEWSRAG, "-q", "chat"],
        input="What did Putin order three years ago?\nWho is his spokesman?\n",
        env=env,
        check=True,
    )
    assert "(searched for: Who is Putin's spokesman?)" in p.stdout and "Peskov" in p.stdout
