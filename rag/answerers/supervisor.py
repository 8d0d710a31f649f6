"""Run llama.cpp out of process: newsrag starts llama.cpp's own OpenAI-compatible
server (``python -m llama_cpp.server``) as a child, talks to it over loopback, and
restarts it when it has died.

Native model code that crashes (a bad CPU build, a corrupt GGUF, out of memory)
then kills only the child: the caller gets a :class:`BackendUnavailable` that
says what happened, and the next question starts a fresh server.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from vectorstore.errors import BackendUnavailable

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when newsrag dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def describe_exit(code: int | None) -> str:
    """``-11`` → ``killed by SIGSEGV``; ``1`` → ``exit code 1``."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class ModelServer:
    """One supervised llama.cpp server process for one GGUF model."""

    def __init__(
        self,
        model_path: Path,
        log_path: Path,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        start_timeout: float = 120.0,
        python: str = sys.executable,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.model_path = model_path
        self.log_path = log_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.start_timeout = start_timeout
        self.python = python
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        self._lock = threading.Lock()
        atexit.register(self.stop)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def exit_status(self) -> int | None:
        """The exit code of the last server if it has died, else None."""
        return None if self.proc is None else self.proc.poll()

    def ensure_running(self) -> str:
        """The base URL of a live, ready server; starts (or restarts) one if needed."""
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                return self.base_url
            if self.proc is not None:
                log.warning("the llama.cpp server died (%s); starting a new one", describe_exit(self.proc.returncode))
            self._start()
            return self.base_url

    def _start(self) -> None:
        self.port = _free_port()
        cmd = [self.python, "-m", "llama_cpp.server", "--model", str(self.model_path), "--host", "127.0.0.1",
               "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads),
               *self.extra_args]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            out.write(f"\n--- starting: {' '.join(cmd)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
            )
        self.starts += 1
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise BackendUnavailable(
                    f"The llama.cpp server for {self.model_path.name} stopped while starting ({describe_exit(code)}). "
                    f"Its log is {self.log_path}: check the model file (NEWSRAG_MODEL), or use --answerer extractive."
                )
            with contextlib.suppress(OSError), urllib.request.urlopen(self.base_url + "/models", timeout=2) as r:
                if r.status == 200:
                    log.info("llama.cpp server ready on %s (pid %d)", self.base_url, self.proc.pid)
                    return
            time.sleep(0.2)
        self.stop()
        raise BackendUnavailable(
            f"The llama.cpp server for {self.model_path.name} was not ready after {self.start_timeout:g} s. "
            f"Its log is {self.log_path}; raise NEWSRAG_LLM_TIMEOUT or use --answerer extractive."
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
