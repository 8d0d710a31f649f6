"""A cold `newsrag ask`: the models load in a thread while the store opens (rag.preload), the
collector is off while they load, and the command ends once its answer is written."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.preload import Models
from rag.service import NewsRAG
from rag.settings import Settings
from tests import children
from tests.helpers import BIN, SEEDS
from ui.cli_context import Context, collector_off
from vectorstore.errors import ConfigError


class SlowEmbedder:
    """Loads on its first embed, on whichever thread calls it; blocks there until ``go`` is set."""

    space, dim = "fake", 4

    def __init__(self, prepared: bool = True, fails: bool = False) -> None:
        self.prepared = prepared
        self.fails = fails
        self.go = threading.Event()
        self.loaded_on: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not self.loaded_on:
            self.go.wait(30)
            self.loaded_on.append(threading.current_thread().name)
            if self.fails:
                self.loaded_on.clear()
                raise ConfigError("The embedding model is missing: reinstall newsrag.")
        return np.ones((len(texts), self.dim), dtype=np.float32)


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, reader="sentences")


def test_the_models_load_in_a_thread_while_the_caller_goes_on(tmp_path: Path) -> None:
    embedder = SlowEmbedder()
    models = Models(settings(tmp_path), embedder).start()
    assert embedder.loaded_on == []  # the caller is not held up: the load waits for `go`
    embedder.go.set()
    models.wait()
    assert embedder.loaded_on == ["load-models"]


def test_a_model_still_to_prepare_is_left_to_its_first_use(tmp_path: Path) -> None:
    """A first run prepares the model after saying so: the thread does not start it unannounced."""
    embedder = SlowEmbedder(prepared=False)
    embedder.go.set()
    Models(settings(tmp_path), embedder).start().wait()
    assert embedder.loaded_on == []


def test_a_model_that_fails_to_load_fails_where_it_is_used_with_its_message(tmp_path: Path) -> None:
    embedder = SlowEmbedder(fails=True)
    embedder.go.set()
    models = Models(settings(tmp_path), embedder).start()
    models.wait()  # nothing raised on the thread, nothing lost
    with pytest.raises(ConfigError, match="reinstall newsrag"):
        embedder.embed(["Who is Putin's spokesman?"])


@pytest.mark.slow
def test_a_service_built_with_loading_models_answers_from_the_real_store(tmp_path: Path, minilm: object) -> None:
    """The real parts: the shipped reader and the session's embedder loaded in the thread, the
    embedded Chroma store opened meanwhile; the service waits for them and answers."""
    s = Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS)
    models = Models(s, minilm).start()  # type: ignore[arg-type]
    service = NewsRAG.build(s, models=models)
    assert service.span is models.span and service.span is not None and service.span._session is not None
    service.ensure_seeded()
    answer = service.ask("Who is Putin's spokesman?")
    assert "Peskov" in answer.text and answer.citations


def test_only_the_newsrag_command_ends_early_and_only_when_it_wrote_nothing() -> None:
    """`Context.done` ends the process (os._exit): never a test's in-process runner, never after a
    write (a first run seeds the store; it closes the usual way).  The command itself: test_cli."""
    Context({}, quiet=True).done()  # a runner's: returns
    wrote = Context({}, quiet=True, own_process=True)
    wrote.wrote = True
    wrote.done()  # returns: the store is closed the usual way


def test_the_collector_is_on_again_after_loading_even_when_loading_failed() -> None:
    with pytest.raises(ConfigError), collector_off():
        assert not gc.isenabled()
        raise ConfigError("The reader model is missing.")
    assert gc.isenabled()


@pytest.mark.slow
def test_cold_asks_two_at_a_time_all_answer_and_end(tmp_path: Path) -> None:
    """Many cold `newsrag ask` processes, two at a time (each imports in two threads at once, and
    ends itself once the answer is written): every one prints the whole answer and exits 0; a hung
    one fails with its stacks (tests/children)."""
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data"), "NEWSRAG_SEEDS_DIR": str(SEEDS)}
    first = children.run([str(BIN / "newsrag"), "-q", "ask", "Who is Putin's spokesman?"], env=env, check=True)
    assert "Dmitry Peskov" in first.stdout  # (the store seeded)
    for _ in range(6):
        procs = [
            subprocess.Popen([str(BIN / "newsrag"), "-q", "ask", "--json", "Who is Putin's spokesman?"],
                             env=children.child_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]  # fmt: skip
        for p in procs:
            try:
                out, err = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                children.fail_hung(p, "a cold `newsrag ask`", 120)
            assert p.returncode == 0 and err == "", err
            assert json.loads(out)["short"] == "Dmitry Peskov"  # all of it written: it parses
