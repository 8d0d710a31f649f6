"""The command groups of `newsrag`: ``feed`` (followed RSS/Atom feeds) and ``feedback``
(users' ratings of answers, and the evaluation set they make)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from .cli_context import Context, run_safely


@click.group()
def feed() -> None:
    """Follow RSS/Atom feeds: their new items are added while `serve` runs (or with `feed poll`)."""


@feed.command(name="add")
@click.argument("url")
@click.pass_obj
def feed_add(obj: Context, url: str) -> None:
    """Follow the feed at URL and add its current items now."""

    def go() -> None:
        from .render import poll_text, term_safe

        followed, result = obj.service().follow_feed(url)
        click.echo(term_safe(f"Following {followed.title or followed.url} ({followed.url})."))
        click.echo(poll_text(result))

    run_safely(go)


@feed.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def feed_list(obj: Context, as_json: bool) -> None:
    """The feeds you follow: last poll, articles added, last error."""

    def go() -> None:
        from .render import list_line

        feeds = obj.service(seed=False).feeds.all()
        if as_json:
            keys = ("url", "title", "followed", "last_poll", "last_added", "total_added", "last_error")
            click.echo(json.dumps([{k: getattr(f, k) for k in keys} for f in feeds], indent=2))
            return
        if not feeds:
            click.echo("You follow no feeds. Add one with `newsrag feed add URL`.")
        for f in feeds:
            click.echo(list_line(f.url, f.title or "(untitled)", f"last poll {f.last_poll or 'not yet'}",
                                 f"added {f.last_added} (total {f.total_added})", f.last_error))  # fmt: skip

    run_safely(go)


@feed.command(name="remove")
@click.argument("url")
@click.pass_obj
def feed_remove(obj: Context, url: str) -> None:
    """Stop following the feed at URL (articles it added stay)."""

    def go() -> None:
        from .render import term_safe

        f = obj.service(seed=False).unfollow_feed(url)
        click.echo(term_safe(f"No longer following {f.url}; the {f.total_added} articles it added stay."))

    run_safely(go)


@feed.command(name="poll")
@click.pass_obj
def feed_poll(obj: Context) -> None:
    """Poll every followed feed now and add its new items."""

    def go() -> None:
        from .render import poll_text

        results = obj.service().poll_feeds()
        if not results:
            click.echo("You follow no feeds. Add one with `newsrag feed add URL`.")
        for r in results:
            click.echo(poll_text(r))

    run_safely(go)


@click.group()
def feedback() -> None:
    """Ratings of answers given in the web UI or through /feedback, and the eval set they make."""


@feedback.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def feedback_list(obj: Context, as_json: bool) -> None:
    """Every rating, oldest first: thumbs, question, as-of day, comment and right answer."""

    def go() -> None:
        from .render import feedback_line

        ratings = obj.service(seed=False).feedback.all()
        if as_json:
            click.echo(json.dumps([asdict(f) for f in ratings], indent=2, ensure_ascii=False))
            return
        if not ratings:
            click.echo("No feedback yet: rate answers with the thumbs in the web UI.")
        for f in ratings:
            click.echo(feedback_line(f))

    run_safely(go)


@feedback.command(name="export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def feedback_export(obj: Context, folder: Path) -> None:
    """Write the ratings as an eval set in FOLDER (questions.jsonl, corpus.jsonl): run it with
    `newsrag eval FOLDER`."""

    def go() -> None:
        done = obj.service(seed=False).export_feedback(folder)
        click.echo(f"Wrote {done.questions} questions and {done.articles} articles to {folder}."
                   + (f" Left out {done.left_out} thumbs-down without the right answer." if done.left_out else "")
                   + f" Run them with `newsrag eval {folder}`.")  # fmt: skip

    run_safely(go)
