"""What tests share besides fixtures: ports, waits, services, a `chroma run` server, the web app."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.service import NewsRAG
from rag.settings import Settings
from vectorstore.article import Article
from vectorstore.embedders import HashEmbedder
from vectorstore.store import open_client

ROOT = Path(__file__).resolve().parent.parent


SEEDS = ROOT / "seeds"


BIN = Path(sys.executable).parent


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
