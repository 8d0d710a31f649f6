"""Shared fixtures.  Every test runs with its data directory in a temp folder."""

from __future__ import annotations

import faulthandler
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.article import Article
from vectorstore.embedders import Embedder, HashEmbedder, MiniLMEmbedder, make_embedder
from vectorstore.store import open_client

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:  # type: ignore[no-untyped-def,type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{what} not ready after {timeout}s")


class Clock:
    """A monotonic clock a test moves by hand (instead of sleeping out a staleness bound)."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def keyword_clock(svc: NewsRAG) -> Clock:
    """Put both keyword indexes of ``svc``'s store on a clock the test moves."""
    clock = Clock()
    for index in (svc.store.keywords, svc.store.article_keywords):
        index.clock = clock  # type: ignore[attr-defined]
    return clock


def make_service(tmp_path: Path, embedder=None, client=None, **settings) -> NewsRAG:  # type: ignore[no-untyped-def]
    s = Settings.from_env(data_dir=tmp_path / "data", **settings)
    return NewsRAG.build(s, embedder=embedder or HashEmbedder(), client=client)


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


@contextmanager
def chroma_run(path: Path) -> Iterator[tuple[str, int, subprocess.Popen]]:  # type: ignore[type-arg]
    """A real `chroma run` server on 127.0.0.1 and a free port, stopped afterwards."""
    exe = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
    assert exe, "the `chroma` command (from the chromadb package) is missing: run `make dev`"
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path / "db")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: open_client(host="127.0.0.1", port=port) is not None, 60, "chroma server", proc)
            yield "127.0.0.1", port, proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """One Chroma server for the session's contract tests."""
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as (host, port, _):
        yield host, port


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def backend_client(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same tests against the embedded store and a real Chroma server."""
    if request.param == "embedded":
        return open_client(str(tmp_path / "chroma"))
    host, port = request.getfixturevalue("chroma_server")
    client = open_client(host=host, port=port)
    for c in client.list_collections():  # a clean server for each test
        client.delete_collection(getattr(c, "name", c))
    return client


@contextmanager
def running_app(data_dir: Path, embedder: Any, articles: Sequence[Article] = (), **overrides: Any) -> Iterator[str]:
    """A real Gradio server for the UI on 127.0.0.1 and a free port, seeded (and holding
    ``articles``); yields its URL.  ``port=`` serves on that one (a restart on the same address)."""
    from ui.web import serve

    overrides.setdefault("port", free_port())
    settings = Settings(data_dir=data_dir, seeds_dir=SEEDS, **overrides)
    svc = NewsRAG.build(settings, embedder=embedder)
    svc.ensure_seeded()
    if articles:
        svc.ingestor.ingest(("test", a) for a in articles)
    app = serve(svc, settings, block=False)
    try:
        yield f"http://127.0.0.1:{settings.port}/"
    finally:
        app.close()


# ---- a local web site (127.0.0.1) with saved pages, for articles by URL --------------------------
PAGE = (
    "<html><head><title>Port strike ends</title><meta property='og:site_name' content='Harbour News'></head><body>"
    "<article><h1>Port strike ends</h1><p>The strike at the port of Rotterdam ended on Tuesday after dockworkers "
    "accepted a pay offer of seven percent over two years.</p><p>Container ships that waited at anchor for a week "
    "began unloading on Wednesday morning, the port authority said.</p></article></body></html>"
)
PAGES = {
    "/news/2023/03/14/strike.html": ("text/html; charset=utf-8", PAGE.encode()),
    "/notes.txt": ("text/plain", b"Ferry resumes\nThe island ferry resumed service on Sunday after storm repairs.\n"),
    "/logo.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(32)),
}


REQUESTS: Counter[str] = Counter()  # path -> times the site served it (tests add pages to PAGES)
REDIRECTS: dict[str, str] = {}  # path -> where the site redirects it (302)
DRIP = "/drip.html"  # a page sent one byte every half second, for ever
DRIP_HEADERS = "/drip-headers.html"  # a page whose headers come one byte every half second, for ever


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        REQUESTS[self.path] += 1
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == DRIP_HEADERS:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self.drip(b"a")  # a header that never ends
            return
        if self.path == DRIP:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.drip(b" ")  # a body that never ends
            return
        kind, body = PAGES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self, byte: bytes) -> None:
        """One byte every half second, for 120 s or until the client gives up (the pace, not a wait)."""
        stop = time.monotonic() + 120
        while time.monotonic() < stop:
            try:
                self.wfile.write(byte)
                self.wfile.flush()
            except OSError:
                return  # the client gave up
            time.sleep(0.5)

    def log_message(self, *args: object) -> None:
        pass


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
