"""Articles from the web: fetch a URL the user gave (httpx), then load it like a file.

A page is fetched only because a user asked for it (`newsrag ingest https://…`, the
UI's URL field).  Failures become one :class:`IngestError` that says what to do, and
nothing is stored.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from vectorstore.errors import IngestError, is_connection_error
from vectorstore.ingest.loaders import (
    DEFAULT_MAX_FILE_MB,
    Loaded,
    Overrides,
    file_type,
    load_bytes,
    suffix_for,
    with_url_date,
)

log = logging.getLogger(__name__)

USER_AGENT = "newsrag/0.1 (+article fetch on a user's request)"
PRIVATE_HINT = "Set NEWSRAG_ALLOW_PRIVATE_URLS=1 to let newsrag fetch from this machine or your own network."


@dataclass(frozen=True)
class FetchPolicy:
    """How a page the user asked for is fetched: its size cap, how long the whole fetch may take
    (connecting, headers, redirects and body included; ``timeout`` is each network wait), and whether addresses of this
    machine and of private networks may be reached (off: a URL must never reach them)."""

    max_mb: float = DEFAULT_MAX_FILE_MB
    seconds: float = 30.0
    timeout: float = 20.0
    allow_private: bool = False
    max_redirects: int = 5


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def refused_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` may not be fetched from by default (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


class Refused(Exception):
    """A connection the fetch policy does not allow (raised inside httpx, turned into an IngestError)."""


def _address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to is checked, and the
    connection goes to a checked one, so a second lookup cannot answer differently."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise OSError(f"cannot resolve {host}: {e}") from None
    addrs = [ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos]
    if not allow_private:
        for ip in addrs:
            if kind := refused_kind(ip):
                raise Refused(f"{host} is a {kind} address ({ip})")
    return str(addrs[0])


def _transport(allow_private: bool, deadline: float) -> Any:
    """httpx's own transport whose every connection, redirects included, goes through
    :func:`_address` (a network backend of httpcore's; httpx has no setting for one), and whose
    every network wait ends by ``deadline`` (monotonic seconds): httpx's timeouts are per read, so
    a server sending one header byte every few seconds would never hit them."""
    import httpcore
    import httpx

    def left(timeout: float | None, late: type[Exception]) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise late("the fetch's time is up")
        return remaining if timeout is None else min(timeout, remaining)

    class Bounded(httpcore.NetworkStream):
        def __init__(self, stream: httpcore.NetworkStream) -> None:
            self.stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.stream.read(max_bytes, left(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.stream.write(buffer, left(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self.stream.close()

        def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                      timeout: float | None = None) -> httpcore.NetworkStream:  # fmt: skip
            return Bounded(self.stream.start_tls(ssl_context, server_hostname, left(timeout, httpcore.ConnectTimeout)))

        def get_extra_info(self, info: str) -> Any:
            return self.stream.get_extra_info(info)

    class Guarded(httpcore.SyncBackend):
        def connect_tcp(self, host: str, port: int, timeout: float | None = None, *args: Any,
                        **kwargs: Any) -> httpcore.NetworkStream:  # fmt: skip
            try:
                address = _address(host, port, allow_private)
            except OSError as e:
                raise httpcore.ConnectError(str(e)) from None
            connect_s = left(timeout, httpcore.ConnectTimeout)
            return Bounded(super().connect_tcp(address, port, connect_s, *args, **kwargs))

    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # TLS still checks the certificate against the URL's host name
        ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=Guarded()
    )
    return transport


def _body(r: Any, url: str, policy: FetchPolicy, deadline: float, slow: IngestError) -> tuple[str, bytes]:
    """A response's content type and body, read within the size limit and the deadline."""
    if r.status_code >= 400:
        raise IngestError(
            f"the server answered HTTP {r.status_code} ({r.reason_phrase}). Check the address, "
            "or save the page from your browser and add the file.",
            path=url,
        )
    kind = r.headers.get("content-type", "").split(";")[0].strip().lower()
    limit, body = int(policy.max_mb * 1024 * 1024), bytearray()
    for part in r.iter_bytes():
        body += part
        if len(body) > limit:
            raise IngestError(
                f"the page is over the {policy.max_mb:g} MB limit. Raise NEWSRAG_MAX_FILE_MB, "
                "or save the article's text into a file.",
                path=url,
            )
        if time.monotonic() > deadline:
            raise slow
    return kind, bytes(body)


def get(url: str, policy: FetchPolicy | None = None) -> tuple[str, str, bytes]:
    """``(final URL, content type, body)``; raises IngestError naming the cause.

    Redirects are followed by hand (at most ``policy.max_redirects``), each to http(s) only and
    each connection checked like the first; the whole fetch stops after ``policy.seconds``."""
    import httpx

    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.seconds
    slow = IngestError(
        f"the page took over {policy.seconds:g} s to arrive, so it was given up. Try again later, or save "
        "the page from your browser and add the file.",
        path=url,
    )
    try:
        client = httpx.Client(transport=_transport(policy.allow_private, deadline), trust_env=False,
                              headers={"User-Agent": USER_AGENT})  # fmt: skip
        with client:
            current = httpx.URL(url)
            for _hop in range(policy.max_redirects + 1):
                if current.scheme not in ("http", "https"):
                    raise IngestError(f"it redirects to {current.scheme}: addresses, not a web page.", path=url)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise slow
                request = client.build_request("GET", current, timeout=min(policy.timeout, left))
                r = client.send(request, stream=True)
                try:
                    if r.is_redirect and "location" in r.headers:
                        current = current.join(r.headers["location"])
                        continue
                    return str(current), *_body(r, url, policy, deadline, slow)
                finally:
                    r.close()
            raise IngestError(
                f"the address redirects more than {policy.max_redirects} times (a redirect loop?). Open it in "
                "your browser to find the page's own address.",
                path=url,
            )
    except IngestError:
        raise
    except Refused as e:
        raise IngestError(f"refused: {e}, and addresses of this machine or a private network are not fetched. "
                          f"{PRIVATE_HINT}", path=url) from None  # fmt: skip
    except httpx.InvalidURL as e:
        raise IngestError(f"this is not a valid web address ({e}).", path=url) from None
    except httpx.TimeoutException:
        raise slow from None
    except Exception as e:
        if is_connection_error(e) or isinstance(e, httpx.TransportError):
            host = urlparse(url).hostname or url
            raise IngestError(
                f"could not reach {host} ({type(e).__name__}). Check the address and the network connection; "
                "nothing was stored.",
                path=url,
            ) from None
        raise


def fetch(url: str, policy: FetchPolicy | None = None) -> tuple[str, str, bytes]:
    """``(final URL, suffix by content type, body)`` of an article page; raises IngestError naming the cause."""
    final, kind, body = get(url, policy)
    suffix = suffix_for(kind) or Path(urlparse(final).path).suffix.lower() or ".html"
    if (kind_of_file := file_type(suffix)) is None or kind_of_file.load is None:  # a page is one article
        raise IngestError(
            f"the address serves {kind or 'an unknown type'}, not an article page (HTML, PDF or text).", path=url
        )
    return final, suffix, body


def load_url(url: str, overrides: Overrides | None = None, policy: FetchPolicy | None = None) -> Loaded:
    """Fetch ``url`` and load it; never raises for a bad page (problems land in ``Loaded.errors``)."""
    policy = policy or FetchPolicy()
    try:
        final, suffix, body = fetch(url, policy)
    except IngestError as e:
        return Loaded(path=url, errors=[e])
    loaded = load_bytes(url, suffix, body, overrides, policy.max_mb)
    loaded.articles = [with_url_date(a if a.url else replace(a, url=final)) for a in loaded.articles]
    return loaded
