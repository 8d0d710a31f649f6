"""Articles by URL, fetched from a local HTTP server on 127.0.0.1 (never the internet)."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import free_port, make_service
from tests.site import DRIP, DRIP_HEADERS, REDIRECTS, REQUESTS
from tests.test_feeds import rss
from tests.test_hardening import cli
from vectorstore.errors import IngestError
from vectorstore.ingest import fetch


def test_ingest_urls_with_title_outlet_and_date(site: str, tmp_path: Path) -> None:
    from rag.service import NewsRAG
    from rag.settings import Settings

    data = tmp_path / "data"
    p = cli("ingest", f"{site}/news/2023/03/14/strike.html", f"{site}/notes.txt", data=data)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Summary: 2 added" in p.stdout
    arts = {a.title: a for a in NewsRAG.build(Settings(data_dir=data, embedder="hash")).list_articles()}
    strike = arts["Port strike ends"]
    assert (strike.source, strike.published, strike.url) == (
        "Harbour News", "2023-03-14", f"{site}/news/2023/03/14/strike.html")  # fmt: skip
    assert arts["Ferry resumes"].url == f"{site}/notes.txt"
    again = cli("ingest", f"{site}/news/2023/03/14/strike.html", data=data)
    assert "Summary: 0 added, 1 unchanged" in again.stdout


def test_bad_urls_fail_alone_with_a_reason(site: str, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/gone"
    p = cli("ingest", f"{site}/missing.html", f"{site}/logo.png", dead, f"{site}/notes.txt", data=tmp_path / "d")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "the server answered HTTP 404" in p.stdout
    assert "serves image/png, not an article page" in p.stdout
    assert "could not reach 127.0.0.1 (ConnectError)" in p.stdout and "nothing was stored" in p.stdout
    assert "Summary: 1 added, 0 unchanged, 0 replaced, 0 updated, 3 failed." in p.stdout


# ---- what a URL may reach: never this machine or a private network, unless the user says so ------
LOOPBACK_FORMS = ["127.0.0.1", "localhost", "user:pw@127.0.0.1", "2130706433", "0x7f000001", "127.1"]


def test_urls_of_this_machine_are_refused_and_the_local_server_is_never_hit(site_server: str, tmp_path: Path) -> None:
    port = site_server.rsplit(":", 1)[1]
    secret = "/internal-admin"
    urls = [f"http://{host}:{port}{secret}" for host in LOOPBACK_FORMS] + [
        f"http://[::1]:{port}{secret}", f"http://0.0.0.0:{port}{secret}", "http://169.254.169.254/latest/meta-data/",
        f"http://[::ffff:127.0.0.1]:{port}/internal-admin", "http://10.0.0.1/", "http://224.0.0.1/",
    ]  # fmt: skip
    p = cli("ingest", *urls, data=tmp_path / "d")  # NEWSRAG_ALLOW_PRIVATE_URLS is not set
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stdout.count("refused:") == len(urls), p.stdout
    for kind in ("loopback", "unspecified", "link-local", "private", "multicast"):
        assert f"is a {kind} address" in p.stdout, kind
    assert "NEWSRAG_ALLOW_PRIVATE_URLS=1" in p.stdout
    assert REQUESTS[secret] == 0  # not one request reached the local server


@pytest.fixture
def public_redirector(site_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server on 127.0.0.3 that the fetch treats as a public host (the sandbox has no other),
    whose every page redirects to the local site."""
    import vectorstore.ingest.fetch as fetch

    real = fetch.refused_kind
    monkeypatch.setattr(fetch, "refused_kind", lambda ip: None if str(ip) == "127.0.0.3" else real(ip))

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.endswith(".xml"):  # a feed whose items point at the local site
                body = rss("Outside", [("inside", f"{site_server}/internal-admin", "Mon, 01 Jan 2024 09:00:00 GMT")])
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302)
            self.send_header("Location", f"{site_server}/internal-admin")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.3", free_port()), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.3:{server.server_address[1]}"
    server.shutdown()


def test_a_redirect_or_a_feed_item_pointing_at_this_machine_is_refused(public_redirector: str, tmp_path: Path) -> None:
    svc = make_service(tmp_path)
    report = svc.ingest_paths([], urls=[f"{public_redirector}/story.html"])
    assert [o.status for o in report.outcomes] == ["failed"]
    assert "refused: 127.0.0.1 is a loopback address" in report.outcomes[0].reason
    _, result = svc.follow_feed(f"{public_redirector}/feed.xml")  # the feed itself is "public"
    assert result.added == 0 and "refused: 127.0.0.1 is a loopback address" in result.error
    assert REQUESTS["/internal-admin"] == 0


def test_a_redirect_loop_and_a_page_that_never_ends_fail_alone_with_a_reason(site: str, tmp_path: Path) -> None:
    REDIRECTS["/loop-a"], REDIRECTS["/loop-b"] = f"{site}/loop-b", "/loop-a"  # absolute, then relative
    svc = make_service(tmp_path, fetch_seconds=2.0)
    report = svc.ingest_paths([], urls=[f"{site}/loop-a", f"{site}{DRIP}", f"{site}/notes.txt"])
    reasons = [o.reason for o in report.outcomes if o.status == "failed"]
    assert any("redirects more than 5 times" in r for r in reasons), reasons
    assert any("took over 2 s to arrive" in r for r in reasons), reasons
    assert [o.status for o in report.outcomes].count("added") == 1  # the good page still went in
    with pytest.raises(IngestError, match="redirects more than 5 times"):
        svc.follow_feed(f"{site}/loop-a")
    assert svc.feeds.all() == []  # and nothing was followed


def test_the_fetch_deadline_holds_while_headers_arrive_one_byte_at_a_time(site: str) -> None:
    """A server sending one header byte every half second kept a fetch going for 400 s (and two
    such URLs held both add slots): httpx's timeout is per read.  The whole fetch has its time."""
    started = time.monotonic()
    with pytest.raises(IngestError, match="took over 2 s to arrive"):
        fetch.get(f"{site}{DRIP_HEADERS}", fetch.FetchPolicy(seconds=2.0, timeout=1.5, allow_private=True))
    assert time.monotonic() - started < 10  # the server would drip for 120 s
