"""Articles by URL, fetched from a local HTTP server on 127.0.0.1 (never the internet)."""

from pathlib import Path

from tests.conftest import free_port
from tests.test_hardening import cli


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
