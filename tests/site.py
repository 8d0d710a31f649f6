"""A local web site (127.0.0.1) with saved pages, for articles by URL (the ``site`` fixture serves it)."""

from __future__ import annotations

import time
from collections import Counter
from http.server import BaseHTTPRequestHandler

PAGE = (
    "<html><head><title>Port strike ends</title><meta property='og:site_name' content='Harbour News'></head><body>"
    "<article><h1>Port strike ends</h1><p>The strike at the port of Rotterdam ended on Tuesday after dockworkers "
    "accepted a pay offer of seven percent over two years.</p><p>Container ships that waited at anchor for a week "
    "began unloading on Wednesday morning, the port authority said.</p></article></body></html>"
)


PAGES = {
    "/news/2023/03/14/strike.html": ("text/html; charset=utf-8", PAGE.encode()),
    "/notes.txt": ("text/plain", b"Ferry resumes\nThe island ferry resumed service on Sunday after storm repairs.\n"),
    "/logo.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(32)),
}


REQUESTS: Counter[str] = Counter()  # path -> times the site served it (tests add pages to PAGES)


REDIRECTS: dict[str, str] = {}  # path -> where the site redirects it (302)


DRIP = "/drip.html"  # a page sent one byte every half second, for ever


DRIP_HEADERS = "/drip-headers.html"  # a page whose headers come one byte every half second, for ever


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        REQUESTS[self.path] += 1
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == DRIP_HEADERS:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self.drip(b"a")  # a header that never ends
            return
        if self.path == DRIP:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.drip(b" ")  # a body that never ends
            return
        kind, body = PAGES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self, byte: bytes) -> None:
        """One byte every half second, for 120 s or until the client gives up (the pace, not a wait)."""
        stop = time.monotonic() + 120
        while time.monotonic() < stop:
            try:
                self.wfile.write(byte)
                self.wfile.flush()
            except OSError:
                return  # the client gave up
            time.sleep(0.5)

    def log_message(self, *args: object) -> None:
        pass
