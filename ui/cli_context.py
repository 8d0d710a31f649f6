"""What every `newsrag` command shares: the group's options (a :class:`Context` that builds the
service on first use), a progress bar, and errors as one line on stderr with exit code 1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

PREPARING = "Preparing the embedding model and measuring which backend runs fastest here (once, about a minute)…"


class Context:
    """What the group's options gave; the service is built on first use."""

    def __init__(self, overrides: dict[str, Any], quiet: bool) -> None:
        self.overrides = overrides
        self.quiet = quiet
        self._service: Any = None

    def settings(self) -> Any:
        from rag.settings import Settings

        return Settings.from_env(**self.overrides)

    def say_preparing(self) -> None:
        if not self.quiet and not getattr(self._service.embedder, "prepared", True):
            click.echo(f"newsrag: {PREPARING}", err=True)

    def service(self, seed: bool = True) -> Any:
        if self._service is None:
            from rag.service import NewsRAG

            self._service = NewsRAG.build(self.settings())
            if seed and self._service.store.is_new:
                self.say_preparing()  # seeding embeds: the first start's long step, said before it starts
                with progress_bar(self.quiet, "Indexing seed articles") as tick:
                    report = self._service.ensure_seeded(on_progress=tick)
                if report is not None and not self.quiet:
                    click.echo(f"First start: seed articles indexed ({report.summary()}).", err=True)
        return self._service


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
