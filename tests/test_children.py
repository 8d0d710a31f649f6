"""A hung child process fails its test fast, with where it hung (tests/children.py)."""

from __future__ import annotations

import sys

import pytest

from tests import children


def test_a_child_past_its_timeout_fails_the_test_with_its_stacks() -> None:
    script = "import threading\nlock = threading.Lock()\nlock.acquire()\nlock.acquire()  # hangs here\n"
    with pytest.raises(pytest.fail.Exception) as failed:
        children.run([sys.executable, "-c", script], timeout=2)
    shown = str(failed.value)
    assert "did not finish in 2 s; killed" in shown
    assert 'File "<string>", line 4 in <module>' in shown  # faulthandler's dump of the main thread
    assert "py-spy dump --native" in shown  # and the native stacks


def test_a_child_that_finishes_gives_its_output() -> None:
    done = children.run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "out\n", "err\n")
