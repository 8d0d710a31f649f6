"""Child processes started by tests: bounded, and a hung one fails its test with its stacks.

Every child runs with ``PYTHONFAULTHANDLER=1``.  When one outlives its timeout, the
failure shows where it hung before it is killed: the native and Python stacks of every
thread from ``py-spy dump --native`` (a dev dependency), then Python's own dump, which
faulthandler writes from its C signal handler on SIGABRT, so it comes even when no thread
can take the GIL (the deadlock the OpenVINO embedder once had).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TIMEOUT = 240.0  # seconds: a cold `newsrag` command with seeding takes well under a minute


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with faulthandler on in the child."""
    return {**(os.environ if env is None else env), "PYTHONFAULTHANDLER": "1"}


def stacks(proc: subprocess.Popen) -> str:  # type: ignore[type-arg]
    """The stacks of a hung ``proc`` (py-spy's, then faulthandler's); ``proc`` is killed after."""
    parts = []
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if spy:
        try:
            got = subprocess.run([spy, "dump", "--native", "--pid", str(proc.pid)], capture_output=True, text=True,
                                 timeout=60)  # fmt: skip
            parts.append(f"py-spy dump --native --pid {proc.pid}:\n{got.stdout}{got.stderr}")
        except subprocess.TimeoutExpired:
            parts.append("py-spy dump did not finish in 60 s")
    else:
        parts.append("(py-spy is not installed: `make dev` installs it; faulthandler's dump follows)")
    proc.send_signal(signal.SIGABRT)  # faulthandler dumps every thread, then the process aborts
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    text = lambda b: b.decode(errors="replace") if isinstance(b, bytes) else (b or "")  # noqa: E731
    parts.append(f"its stderr (faulthandler's dump at the end):\n{text(err)[-30000:]}")
    if out:
        parts.append(f"its stdout (tail):\n{text(out)[-3000:]}")
    return "\n\n".join(parts)


def fail_hung(proc: subprocess.Popen, what: str, timeout: float) -> None:  # type: ignore[type-arg]
    """Fail the test: ``proc`` (``what``) did not finish in ``timeout`` seconds; shows its stacks."""
    pytest.fail(f"{what} (pid {proc.pid}) did not finish in {timeout:g} s; killed. Where it was:\n\n{stacks(proc)}",
                pytrace=False)  # fmt: skip


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    input: str | None = None,
    cwd: Path | str | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(cmd, capture_output=True, text=True)``, bounded: a child still running after
    ``timeout`` seconds fails the test with its stacks.  ``check``: a non-zero exit fails it too."""
    proc = subprocess.Popen(
        list(cmd), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=child_env(env), cwd=cwd,
    )  # fmt: skip
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail_hung(proc, " ".join(cmd[:3]), timeout)
        raise  # not reached: pytest.fail raises
    done = subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)
    if check:
        assert done.returncode == 0, f"{' '.join(cmd[:3])} exited {done.returncode}:\n{err}"
    return done


def wait(proc: subprocess.Popen, what: str, timeout: float = TIMEOUT) -> int:  # type: ignore[type-arg]
    """``proc.wait(timeout)``; a child still running then fails the test with its stacks."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        fail_hung(proc, what, timeout)
        raise
