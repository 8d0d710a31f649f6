"""Articles from the web: fetch a URL the user gave (httpx), then load it like a file.

A page is fetched only because a user asked for it (`newsrag ingest https://…`, the
UI's URL field).  Failures become one :class:`IngestError` that says what to do, and
nothing is stored.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from .errors import IngestError, is_connection_error
from .loaders import DEFAULT_MAX_FILE_MB, LOADERS, Loaded, Overrides, load_bytes, with_url_date

log = logging.getLogger(__name__)

USER_AGENT = "newsrag/0.1 (+article fetch on a user's request)"
_BY_TYPE = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
            "text/plain": ".txt", "text/markdown": ".md"}  # fmt: skip


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def get(url: str, timeout: float = 20.0, max_mb: float = DEFAULT_MAX_FILE_MB) -> tuple[str, str, bytes]:
    """``(final URL, content type, body)``; raises IngestError naming the cause."""
    import httpx

    limit = int(max_mb * 1024 * 1024)
    try:
        client = httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT})
        with client, client.stream("GET", url) as r:
            if r.status_code >= 400:
                raise IngestError(
                    f"the server answered HTTP {r.status_code} ({r.reason_phrase}). Check the address, "
                    "or save the page from your browser and add the file.",
                    path=url,
                )
            kind = r.headers.get("content-type", "").split(";")[0].strip().lower()
            body = bytearray()
            for part in r.iter_bytes():
                body += part
                if len(body) > limit:
                    raise IngestError(
                        f"the page is over the {max_mb:g} MB limit. Raise NEWSRAG_MAX_FILE_MB, or save the "
                        "article's text into a file.",
                        path=url,
                    )
            final = str(r.url)
    except IngestError:
        raise
    except httpx.InvalidURL as e:
        raise IngestError(f"this is not a valid web address ({e}).", path=url) from None
    except Exception as e:
        if is_connection_error(e) or isinstance(e, httpx.TransportError):
            host = urlparse(url).hostname or url
            raise IngestError(
                f"could not reach {host} ({type(e).__name__}). Check the address and the network connection; "
                "nothing was stored.",
                path=url,
            ) from None
        raise
    return final, kind, bytes(body)


def fetch(url: str, timeout: float = 20.0, max_mb: float = DEFAULT_MAX_FILE_MB) -> tuple[str, str, bytes]:
    """``(final URL, suffix by content type, body)`` of an article page; raises IngestError naming the cause."""
    final, kind, body = get(url, timeout, max_mb)
    suffix = _BY_TYPE.get(kind) or Path(urlparse(final).path).suffix.lower() or ".html"
    if suffix not in LOADERS:
        raise IngestError(
            f"the address serves {kind or 'an unknown type'}, not an article page (HTML, PDF or text).", path=url
        )
    return final, suffix, body


def load_url(url: str, overrides: Overrides | None = None, max_mb: float = DEFAULT_MAX_FILE_MB) -> Loaded:
    """Fetch ``url`` and load it; never raises for a bad page (problems land in ``Loaded.errors``)."""
    try:
        final, suffix, body = fetch(url, max_mb=max_mb)
    except IngestError as e:
        return Loaded(path=url, errors=[e])
    loaded = load_bytes(url, suffix, body, overrides, max_mb)
    loaded.articles = [with_url_date(a if a.url else replace(a, url=final)) for a in loaded.articles]
    return loaded
