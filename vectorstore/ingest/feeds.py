"""Followed feeds: RSS/Atom subscriptions whose new items are ingested.

A feed is parsed with feedparser; each item's link is fetched and loaded like any
article by URL (vectorstore.ingest.fetch), with the item's date and the feed's title as
fallbacks for a page that names neither.  The list of feeds, what each has already
seen and its last poll live in ``feeds.json`` in the data directory (written whole,
atomically, under a lock: ``newsrag feed add`` may run while ``serve`` polls).

Polling is idempotent: an item whose link was seen before, or whose page is already
stored under that URL, is not fetched again.  A poll takes at most ``max_items`` new items
(the feed's first, usually its newest; the rest wait for the next poll), and an item that
failed is tried again after a pause that doubles with each failure (``RETRY_MINUTES``, at
most a day), so a feed of broken links does not hold the shared add queue poll after poll.
"""

from __future__ import annotations

import calendar
import datetime as dt
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from vectorstore.errors import IngestError, InputError, NotFound
from vectorstore.ingest.fetch import FetchPolicy, get, is_url, load_url
from vectorstore.ingest.ingestor import Ingestor, Outcome
from vectorstore.ingest.loaders import Loaded

log = logging.getLogger(__name__)

SEEN_KEPT = 2000  # links remembered per feed (a feed lists its latest items only)
MAX_ITEMS = 50  # new items fetched per feed per poll
MAX_TITLE = 300  # a feed's or an item's title, at most (kept in feeds.json and sent with every Feeds tab)
RETRY_MINUTES = 30.0  # a failed item waits this long, doubled at each further failure
RETRY_MAX_MINUTES = 24 * 60.0


@dataclass(frozen=True)
class FeedItem:
    link: str
    title: str
    published: str | None  # YYYY-MM-DD


@dataclass
class Feed:
    url: str
    title: str = ""
    followed: str = ""  # ISO time it was added
    last_poll: str = ""  # ISO time of the last poll
    last_added: int = 0  # articles the last poll added
    total_added: int = 0
    last_error: str = ""  # what went wrong at the last poll ("" when nothing did)
    seen: dict[str, str] = field(default_factory=dict)  # item link -> article id ("" while it keeps failing)
    failing: dict[str, list[Any]] = field(default_factory=dict)  # item link -> [failures, ISO time of next try]


@dataclass(frozen=True)
class PollResult:
    feed: str
    outcomes: list[Outcome]
    error: str = ""

    @property
    def added(self) -> int:
        return sum(o.status in ("added", "replaced") for o in self.outcomes)


class NotAFeed(IngestError):
    """The address serves a page, not a feed; ``add_page`` says how to add it as an article instead."""

    def __init__(self, url: str, add_page: str = "use `newsrag ingest URL` instead") -> None:
        super().__init__(
            "this address does not serve an RSS or Atom feed. Give the feed's own address (often ending in "
            f"/feed, /rss or .xml); to add a single page, {add_page}.",
            path=url,
        )
        self.url = url


def parse_feed(url: str, body: bytes) -> tuple[str, list[FeedItem]]:
    """The feed's title and items; IngestError when ``body`` is not an RSS or Atom feed."""
    import feedparser

    parsed = feedparser.parse(body)
    version = getattr(parsed, "version", "")
    if not version:
        raise NotAFeed(url)
    items = []
    for e in parsed.entries:
        link = str(e.get("link") or "").strip()
        if not is_url(link):
            continue
        when = e.get("published_parsed") or e.get("updated_parsed")
        day = dt.datetime.fromtimestamp(calendar.timegm(when), dt.UTC).date().isoformat() if when else None
        items.append(FeedItem(link=link, title=short_title(e.get("title")), published=day))
    return short_title(parsed.feed.get("title")), items


def short_title(title: object) -> str:
    """A title as kept: one line, at most :data:`MAX_TITLE` characters (a feed's 5 MB title was kept
    whole and sent with every load of the Feeds tab)."""
    text = " ".join(str(title or "").split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def read_feed(url: str, policy: FetchPolicy | None = None) -> tuple[str, list[FeedItem]]:
    _final, _kind, body = get(url, policy)
    return parse_feed(url, body)


class Store(Protocol):
    def stored_urls(self, urls: Sequence[str]) -> dict[str, str]:
        """Of these URLs, the ones an article is stored under, with its id."""
        ...


class FeedList:
    """The followed feeds, in ``path`` (JSON)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Feed]]:
        """The feeds, to change in place; written back atomically on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            feeds = self._read()
            yield feeds
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps([asdict(f) for f in feeds.values()], indent=1))
            os.replace(tmp, self.path)

    def _read(self) -> dict[str, Feed]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {d["url"]: Feed(**d) for d in raw}
        except (ValueError, TypeError, KeyError) as e:
            raise InputError(
                f"The feed list {self.path} is damaged ({e}). Move it away and add your feeds again."
            ) from None

    def all(self) -> list[Feed]:
        return sorted(self._read().values(), key=lambda f: f.url)

    def add(self, url: str, title: str) -> Feed:
        with self._locked() as feeds:
            if url in feeds:
                raise InputError(f"You already follow {url}. `newsrag feed list` shows the feeds.")
            feeds[url] = Feed(url=url, title=title, followed=_now())
            return feeds[url]

    def remove(self, url: str) -> Feed:
        with self._locked() as feeds:
            if url not in feeds:
                raise NotFound(f"You don't follow {url}. `newsrag feed list` shows the feeds you follow.")
            return feeds.pop(url)

    def record(self, url: str, result: PollResult, seen: dict[str, str]) -> None:
        """Store a poll's outcome (the feed may have been removed meanwhile: then nothing).  An item
        ``seen`` as ``""`` failed: it is tried again after a pause that doubles with each failure."""
        with self._locked() as feeds:
            f = feeds.get(url)
            if f is None:
                return
            now = utcnow()
            f.last_poll, f.last_added, f.last_error = _now(), result.added, result.error
            f.total_added += result.added
            f.seen = dict(list({**f.seen, **seen}.items())[-SEEN_KEPT:])
            for link, article_id in seen.items():
                if article_id:
                    f.failing.pop(link, None)
                    continue
                fails = int(f.failing.get(link, [0, ""])[0]) + 1
                pause = min(RETRY_MAX_MINUTES, RETRY_MINUTES * 2 ** (fails - 1))
                f.failing[link] = [fails, (now + dt.timedelta(minutes=pause)).replace(microsecond=0).isoformat()]
            f.failing = {k: v for k, v in f.failing.items() if k in f.seen}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _now() -> str:
    return utcnow().replace(microsecond=0).isoformat()


def follow(feeds: FeedList, url: str, policy: FetchPolicy | None = None) -> Feed:
    """Check that ``url`` is a feed (fetching it now), then add it to the list (nothing is added
    when it is not one, or cannot be fetched)."""
    url = url.strip()
    if not is_url(url):
        raise InputError(f"{url!r} is not a web address: give the feed's http:// or https:// address.")
    title, _items = read_feed(url, policy)
    return feeds.add(url, title)


def _due(feed: Feed, link: str, now: dt.datetime) -> bool:
    """Whether an item not stored yet is to be fetched now (a failing one waits its pause out)."""
    if feed.seen.get(link):
        return False
    failing = feed.failing.get(link)
    return not failing or dt.datetime.fromisoformat(str(failing[1])) <= now


def poll(
    feeds: FeedList,
    ingestor: Ingestor,
    store: Store,
    url: str,
    policy: FetchPolicy | None = None,
    max_items: int = MAX_ITEMS,
) -> PollResult:
    """Fetch one feed and ingest at most ``max_items`` of the items it has not seen (each page
    fetched once; a failing item again only once its pause is over)."""
    feed = next((f for f in feeds.all() if f.url == url), None)
    if feed is None:
        raise NotFound(f"You don't follow {url}. `newsrag feed list` shows the feeds you follow.")
    try:
        title, items = read_feed(url, policy)
    except IngestError as e:
        result = PollResult(url, [], error=str(e.reason))
        feeds.record(url, result, {})
        return result
    stored = store.stored_urls([i.link for i in items])
    seen = {link: article_id for link, article_id in stored.items() if not feed.seen.get(link)}
    now = utcnow()
    todo = [i for i in items if i.link not in stored and _due(feed, i.link, now)][:max_items]
    outcomes: list[Outcome] = []
    errors: list[str] = []
    for item in todo:
        loaded = load_url(item.link, policy=policy)
        loaded = _with_fallbacks(loaded, item, title or feed.title)
        errors += [f"{item.link}: {e.reason}" for e in loaded.errors]
        done = ingestor.ingest((item.link, a) for a in loaded.articles)
        outcomes += done
        ok = [o.article_id for o in done if o.status != "failed"]
        seen[item.link] = ok[0] if ok else ""
        errors += [f"{item.link}: {o.reason}" for o in done if o.status == "failed"]
    error = f"{len(errors)} item(s) failed; the first: {errors[0]}" if errors else ""
    result = PollResult(url, outcomes, error)
    feeds.record(url, result, seen)
    return result


def _with_fallbacks(loaded: Loaded, item: FeedItem, outlet: str) -> Loaded:
    """The feed's date and title for an item whose page names no date or outlet."""
    loaded.articles = [
        replace(a, published=a.published or item.published, source=a.source or outlet or None, url=a.url or item.link)
        for a in loaded.articles
    ]
    return loaded


class Poller:
    """Polls every followed feed each ``minutes`` in a daemon thread (while ``serve`` runs)."""

    def __init__(self, poll_all: Callable[[], object], minutes: float) -> None:
        self._poll_all = poll_all
        self.minutes = minutes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-poller", daemon=True)

    def start(self) -> Poller:
        if self.minutes > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll_all()
            except Exception:  # a poll must never end the server; the feed's last_error says what failed
                log.exception("feed poll failed")
            self._stop.wait(self.minutes * 60)
