"""Followed feeds, against a local web site on 127.0.0.1 (never the internet): follow,
poll idempotently (a stored item is not fetched again), list, remove, poll while serving."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from tests import children
from tests.helpers import BIN, make_service
from tests.site import PAGES, REQUESTS


def feeds_module():  # type: ignore[no-untyped-def]
    import vectorstore.ingest.feeds as feeds

    return feeds


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


def test_an_item_stored_already_is_not_fetched_and_a_failing_item_is_retried_after_a_pause(
    site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vectorstore.ingest.feeds as feeds

    svc = make_service(tmp_path, min_score=-1.0)
    url = site_feed(site, "beta", 2)
    svc.ingest_paths([], urls=[f"{site}/beta/1.html"])  # the user added item 1 by hand
    del PAGES["/beta/2.html"]  # item 2's page is gone for now (404)
    before = REQUESTS.copy()
    _, result = svc.follow_feed(url)
    assert REQUESTS["/beta/1.html"] == before["/beta/1.html"]
    assert result.added == 0 and "HTTP 404" in result.error
    assert "HTTP 404" in svc.feeds.all()[0].last_error
    site_feed(site, "beta", 2)  # the page is back, but the failed item waits out its pause
    fetched = REQUESTS["/beta/2.html"]
    assert svc.poll_feed(url).added == 0 and REQUESTS["/beta/2.html"] == fetched
    later = feeds.utcnow() + dt.timedelta(minutes=31)  # the first pause is 30 minutes
    monkeypatch.setattr(feeds, "utcnow", lambda: later)
    del PAGES["/beta/2.html"]
    svc.poll_feed(url)  # fails once more: the next pause is 60 minutes
    assert svc.feeds.all()[0].failing[f"{site}/beta/2.html"][0] == 2
    site_feed(site, "beta", 2)
    assert svc.poll_feed(url).added == 0 and REQUESTS["/beta/2.html"] == fetched + 1
    even_later = later + dt.timedelta(minutes=61)
    monkeypatch.setattr(feeds, "utcnow", lambda: even_later)
    assert svc.poll_feed(url).added == 1
    assert svc.feeds.all()[0].last_error == "" and svc.feeds.all()[0].failing == {}


def test_a_big_feed_is_taken_a_bounded_number_of_items_a_poll(site: str, tmp_path: Path) -> None:
    svc = make_service(tmp_path, min_score=-1.0, feed_items=4)
    url = site_feed(site, "eta", 9)
    _, first = svc.follow_feed(url)
    assert first.added == 4  # the rest wait for the next polls
    assert svc.poll_feed(url).added == 4 and svc.poll_feed(url).added == 1
    assert svc.poll_feed(url).added == 0 and svc.feeds.all()[0].total_added == 9


def test_one_feed_that_fails_does_not_stop_the_others(
    site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = make_service(tmp_path, min_score=-1.0)
    bad, good = site_feed(site, "theta", 1), site_feed(site, "iota", 1)
    svc.follow_feed(bad)
    svc.follow_feed(good)
    real = feeds_module().read_feed

    def broken(url: str, policy: object = None) -> object:
        if url == bad:
            raise RuntimeError("a parser crash")
        return real(url, policy)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds_module(), "read_feed", broken)
    site_feed(site, "iota", 2)
    results = {r.feed: r for r in svc.poll_feeds()}
    assert "RuntimeError: a parser crash" in results[bad].error
    assert results[good].added == 1  # polled after the one that failed


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
        env={"NEWSRAG_EMBEDDER": "hash", "NEWSRAG_ALLOW_PRIVATE_URLS": "1", "PATH": "/usr/bin:/bin"},
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


def test_a_feed_with_a_huge_title_is_followed_with_its_title_cut(site: str, tmp_path: Path) -> None:
    """A followed feed's 5 MB <title> was stored in feeds.json and sent with every Feeds tab load."""
    publish("/huge/feed.xml", "application/rss+xml", rss("Huge " * 1_000_000, []))
    svc = make_service(tmp_path)
    feed, _ = svc.follow_feed(f"{site}/huge/feed.xml")
    assert feed.title.startswith("Huge Huge") and len(feed.title) <= 300 and feed.title.endswith("…")
    assert all(len(f.title) <= 300 for f in svc.feeds.all())
    assert (tmp_path / "data" / "feeds.json").stat().st_size < 10_000
