"""What every `newsrag` command shares: the group's options (a :class:`Context` that builds the
service on first use), a progress bar, and errors as one line on stderr with exit code 1."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

PREPARING = "Preparing the embedding model and measuring which backend runs fastest here (once, about a minute)…"


class Context:
    """What the group's options gave; the service is built on first use.  ``own_process``: the
    `newsrag` command itself (not a test's runner), which :meth:`done` may end at once."""

    def __init__(self, overrides: dict[str, Any], quiet: bool, own_process: bool = False) -> None:
        self.overrides = overrides
        self.quiet = quiet
        self.own_process = own_process
        self.wrote = False  # the store was written (a first run seeds it)
        self._service: Any = None

    def settings(self) -> Any:
        from rag.settings import Settings

        return Settings.from_env(**self.overrides)

    def say_preparing(self) -> None:
        if not self.quiet and not getattr(self._service.embedder, "prepared", True):
            click.echo(f"newsrag: {PREPARING}", err=True)

    def service(self, seed: bool = True, preload: bool = False) -> Any:
        """``preload``: load the models in a thread while LangChain and Chroma are imported and the
        store opens (a question's command: it waits for both)."""
        if self._service is None:
            settings = self.settings()
            models = None
            if preload:
                from rag.preload import Models

                models = Models(settings).start()
            with collector_off():
                from rag.service import NewsRAG

                self._service = NewsRAG.build(settings, models=models)
            if seed and self._service.store.is_new:
                self.wrote = True
                self.say_preparing()  # seeding embeds: the first start's long step, said before it starts
                with progress_bar(self.quiet, "Indexing seed articles") as tick:
                    report = self._service.ensure_seeded(on_progress=tick)
                if report is not None and not self.quiet:
                    click.echo(f"First start: seed articles indexed ({report.summary()}).", err=True)
        return self._service

    def done(self) -> None:
        """A command that only read has written its output: as the `newsrag` command, end now.
        Python's teardown of the models and the store (0.3–0.4 s of a 2 s cold `ask`) frees only
        memory the system frees anyway; a command that wrote ends the usual way (the store closed)."""
        if self.own_process and not self.wrote:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError):  # a reader that closed the pipe (`| head -1`) has read enough
                    stream.flush()
            logging.shutdown()
            os._exit(0)


@contextmanager
def collector_off() -> Iterator[None]:
    """Python's cycle collector while the imports and the models load: it runs dozens of times
    over objects that all stay (0.1–0.2 s of a cold `ask`), so it is off, and what was built is
    left out of later collections (``gc.freeze``)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


@contextmanager
def progress_bar(quiet: bool, desc: str, unit: str = " articles") -> Iterator[Callable[[Any], None]]:
    """A tqdm bar on stderr, advanced once per item; silent when ``quiet``."""
    if quiet:
        yield lambda _o: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        yield lambda _o: bar.update(1)
    finally:
        bar.close()


def run_safely(fn: Callable[[], None]) -> None:
    from vectorstore.errors import NewsragError

    try:
        fn()
    except NewsragError as e:
        from .render import term_safe

        click.echo(term_safe(f"Error: {e}"), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(
            "Interrupted. Articles already reported as added are stored; run the same command again to finish.",
            err=True,
        )
        sys.exit(130)
