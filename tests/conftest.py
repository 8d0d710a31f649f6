"""Shared fixtures.  Every test runs with its data directory in a temp folder."""

from __future__ import annotations

import faulthandler
import os
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.service import NewsRAG
from tests.helpers import ROOT, SEEDS, chroma_run, free_port, make_service
from tests.site import Handler
from ui.offline import apply_offline_defaults
from vectorstore.article import Article
from vectorstore.embedders import Embedder, MiniLMEmbedder, make_embedder
from vectorstore.store import open_client

ARTIFACTS = ROOT / "test-artifacts"
HUNG = ARTIFACTS / "hung-test.txt"  # .ci/run prints it when the run fails
HANG_S = 960  # past pytest-timeout's 900 s, which a deadlock holding the GIL never lets fire

apply_offline_defaults()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export of the embedding model for the whole run (each test's data dir is new)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session", autouse=True)
def _source_tree_untouched() -> Iterator[None]:
    """No test leaves a data folder in the checkout (a setting left at its default `./data`)."""
    had = (ROOT / "data").exists()
    yield
    assert had or not (ROOT / "data").exists(), f"a test wrote into {ROOT / 'data'}: give it a tmp_path data_dir"


@pytest.fixture(autouse=True)
def _hang_watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """pytest-timeout's alarm runs Python, so a native deadlock that holds the GIL would hang the run
    until CI's limit.  faulthandler's watchdog is a C thread: past ``HANG_S`` it writes every thread's
    stack into ``HUNG`` and ends the run (a hung child process is bounded by tests/children.py)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with open(HUNG, "w") as f:
        f.write(f"{request.node.nodeid} ran over {HANG_S} s; the stacks of every thread:\n")
        f.flush()
        faulthandler.dump_traceback_later(HANG_S, exit=True, file=f)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
    HUNG.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    """No test reads the user's settings or writes into the source tree."""
    for key in list(os.environ):
        if key.startswith("NEWSRAG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSRAG_MODEL_CACHE", str(model_cache))
    monkeypatch.setenv("NEWSRAG_SEEDS_DIR", str(SEEDS))


@pytest.fixture
def hash_service(tmp_path: Path) -> NewsRAG:
    """A real embedded Chroma with the deterministic hash embedder (fast, no model)."""
    return make_service(tmp_path, min_score=-1.0)


STORM = Article(id="storm", title="Storm hits coast", text="A storm cut power to forty thousand homes on Monday. "
                "Crews worked through the night.", source="Coast Times", published="2025-03-01",
                url="https://coast.example/storm")  # fmt: skip
STRIKE = Article(id="strike", title="Harbour strike ends", text="The harbour strike ended after nine days, the "
                 "union said on Friday.", source="Harbour News", published="2025-03-02")  # fmt: skip


@pytest.fixture
def two_stories(tmp_path: Path) -> NewsRAG:
    """The hash-embedder store holding STORM and STRIKE (what users rate and keep, in tests)."""
    s = make_service(tmp_path, min_score=-1.0)
    s.ingestor.ingest([("t", STORM), ("t", STRIKE)])
    return s


@pytest.fixture(scope="session")
def minilm(model_cache: Path) -> Embedder:
    """The product's embedder: all-MiniLM-L6-v2, fp32 on ONNX Runtime, exported once per run."""
    emb = make_embedder("minilm", model_cache)
    emb.embed(["warm up"])
    return emb


@pytest.fixture(scope="session")
def minilm_torch() -> MiniLMEmbedder:
    """The same model in PyTorch fp32, the reference the ONNX export is checked against."""
    emb = MiniLMEmbedder()
    emb.embed(["warm up"])
    return emb


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """One Chroma server for the session's contract tests."""
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as (host, port, _):
        yield host, port


@pytest.fixture(autouse=True)
def _not_slow_loads_no_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Markers mean what they say: a test not marked slow loads no model (the trained reader
    refuses to load in it, and the embedding model's fixtures are refused) and starts no server
    (a test marked ``server`` is slow too)."""
    if request.node.get_closest_marker("slow"):
        return
    for name in ("minilm", "minilm_torch", "chroma_server"):
        if name in request.fixturenames:
            pytest.fail(f"{request.node.nodeid} uses {name}: mark it @pytest.mark.slow")
    from rag.readers.span import SpanReader

    def refuse(self: SpanReader) -> None:
        raise AssertionError(f"{request.node.nodeid} loads the trained reader: mark it @pytest.mark.slow")

    monkeypatch.setattr(SpanReader, "_load", refuse)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a server is slow as well: ``-m "not slow"`` starts none."""
    for item in items:
        if item.get_closest_marker("server") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=["embedded", pytest.param("server", marks=[pytest.mark.server, pytest.mark.slow])])
def backend_client(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same tests against the embedded store and a real Chroma server."""
    if request.param == "embedded":
        return open_client(str(tmp_path / "chroma"))
    host, port = request.getfixturevalue("chroma_server")
    client = open_client(host=host, port=port)
    for c in client.list_collections():  # a clean server for each test
        client.delete_collection(getattr(c, "name", c))
    return client


@pytest.fixture(scope="session")
def site_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def site(site_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The local site, with fetching from this machine allowed (it is refused by default)."""
    monkeypatch.setenv("NEWSRAG_ALLOW_PRIVATE_URLS", "1")
    return site_server
