"""Followed feeds, against a local web site on 127.0.0.1 (never the internet): follow,
poll idempotently (a stored item is not fetched again), list, remove, poll while serving."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests import children
from tests.conftest import BIN, PAGES, REQUESTS, make_service


def article_page(title: str, body: str, outlet: str | None = None) -> bytes:
    meta = f"<meta property='og:site_name' content='{outlet}'>" if outlet else ""
    return (f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>"
            f"<p>{body}</p></article></body></html>").encode()  # fmt: skip


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed: items are (title, link, RFC 822 date)."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate></item>" for t, link, d in items
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title><link>http://x/</link>"
            f"<description>d</description>{entries}</channel></rss>").encode()  # fmt: skip


def publish(path: str, kind: str, body: bytes) -> None:
    PAGES[path] = (kind, body)


def site_feed(site: str, name: str, n: int) -> str:
    """A feed ``/name/feed.xml`` with ``n`` items, pages ``/name/i.html`` (the page of item 1 names no date)."""
    items = []
    for i in range(1, n + 1):
        body = (f"The {name} council voted on proposal number {i} about the harbour tramway "
                f"and the new bridge over the river, said councillor Ann {name.title()}{i}.")  # fmt: skip
        publish(f"/{name}/{i}.html", "text/html", article_page(f"{name} story {i}", body))
        items.append((f"{name} story {i}", f"{site}/{name}/{i}.html", f"Mon, 0{i} Jan 2024 09:00:00 GMT"))
    publish(f"/{name}/feed.xml", "application/rss+xml", rss(f"The {name.title()} Gazette", items))
    return f"{site}/{name}/feed.xml"


def test_follow_adds_the_items_with_date_and_outlet_and_a_poll_fetches_only_new_ones(site: str, tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0)
    url = site_feed(site, "alpha", 2)
    feed, result = svc.follow_feed(url)
    assert feed.title == "The Alpha Gazette"
    assert result.added == 2 and not result.error
    stored = {a.title: a for a in svc.list_articles()}
    first = stored["alpha story 1"]
    assert first.published == "2024-01-01"  # the page names no date: the feed's
    assert first.source == "The Alpha Gazette"  # nor an outlet: the feed's title
    assert first.url == f"{site}/alpha/1.html"
    # a new item appears; the next poll fetches it and only it
    before = REQUESTS.copy()
    url = site_feed(site, "alpha", 3)
    again = svc.poll_feed(url)
    assert again.added == 1
    assert REQUESTS["/alpha/1.html"] == before["/alpha/1.html"]  # not fetched again
    assert REQUESTS["/alpha/3.html"] == before["/alpha/3.html"] + 1
    assert len([a for a in svc.list_articles() if a.title.startswith("alpha")]) == 3
    [listed] = svc.feeds.all()
    assert listed.last_added == 1 and listed.total_added == 3 and listed.last_poll


def test_an_item_stored_already_is_not_fetched_and_a_failing_item_is_retried(site: str, tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0)
    url = site_feed(site, "beta", 2)
    svc.ingest_paths([], urls=[f"{site}/beta/1.html"])  # the user added item 1 by hand
    del PAGES["/beta/2.html"]  # item 2's page is gone for now (404)
    before = REQUESTS.copy()
    _, result = svc.follow_feed(url)
    assert REQUESTS["/beta/1.html"] == before["/beta/1.html"]
    assert result.added == 0 and "HTTP 404" in result.error
    assert "HTTP 404" in svc.feeds.all()[0].last_error
    site_feed(site, "beta", 2)  # the page is back
    assert svc.poll_feed(url).added == 1
    assert svc.feeds.all()[0].last_error == ""


def test_bad_feed_addresses_get_a_clear_error_and_nothing_is_followed(site: str, tmp_path: Path) -> None:
    from vectorstore.errors import InputError, NewsragError

    svc = make_service(tmp_path, min_score=-1.0)
    with pytest.raises(NewsragError, match=r"does not serve an RSS or Atom feed.*newsrag ingest URL"):
        svc.follow_feed(f"{site}/news/2023/03/14/strike.html")  # an article page, not a feed
    with pytest.raises(NewsragError, match="HTTP 404"):
        svc.follow_feed(f"{site}/no-such-feed.xml")
    with pytest.raises(InputError, match="not a web address"):
        svc.follow_feed("feeds.example.com/rss")
    assert svc.feeds.all() == []
    url = site_feed(site, "gamma", 1)
    svc.follow_feed(url)
    with pytest.raises(InputError, match="already follow"):
        svc.follow_feed(url)


def test_feeds_are_polled_while_serving(site: str, tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0, feed_minutes=0.01)  # every 0.6 s
    url = site_feed(site, "delta", 1)
    svc.follow_feed(url)
    poller = svc.feed_poller().start()
    try:
        site_feed(site, "delta", 2)  # a new item appears while the server runs
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(a.title == "delta story 2" for a in svc.list_articles()):
            time.sleep(0.2)
    finally:
        poller.stop()
    assert any(a.title == "delta story 2" for a in svc.list_articles())


def test_feed_commands(site: str, tmp_path: Path) -> None:
    url = site_feed(site, "epsilon", 2)
    env_run = lambda *args: children.run(  # noqa: E731
        [str(BIN / "newsrag"), "--data-dir", str(tmp_path / "d"), "-q", "feed", *args],
        env={"NEWSRAG_EMBEDDER": "hash", "PATH": "/usr/bin:/bin"},
    )
    added = env_run("add", url)
    assert added.returncode == 0, added.stderr
    assert "Following The Epsilon Gazette" in added.stdout and ": 2 added" in added.stdout
    listed = env_run("list")
    assert url in listed.stdout and "total 2" in listed.stdout
    polled = env_run("poll")
    assert f"{url}: 0 added" in polled.stdout
    removed = env_run("remove", url)
    assert "No longer following" in removed.stdout and "2 articles it added stay" in removed.stdout
    gone = env_run("remove", url)
    assert gone.returncode == 1 and "You don't follow" in gone.stderr and "Traceback" not in gone.stderr
    assert "You follow no feeds" in env_run("list").stdout
