"""The UI's API through gradio_client against a real Gradio server (real model, embedded Chroma)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> Iterator[Any]:
    from gradio_client import Client

    with running_app(tmp_path_factory.mktemp("web") / "data", minilm) as url:
        yield Client(url, verbose=False)


def test_server_binds_to_loopback_only(client: Any) -> None:
    assert client.src.startswith("http://127.0.0.1:")


def test_ask_returns_the_answer_with_structured_citations(client: Any) -> None:
    answer = client.predict("Where might Trump and Putin meet?", None, api_name="/ask")
    assert "Saudi Arabia" in answer["text"]
    cited = [c for c in answer["citations"] if "Saudi Arabia" in c["passage"]]
    assert cited and cited[0]["title"].startswith("Kremlin Sees Trump-Putin Call")


def test_add_ask_delete_cycle(client: Any) -> None:
    text = (
        "The city council of Lyon voted on Thursday to turn the Rue de la République into a car-free zone. "
        "The change takes effect in September and bicycles will still be allowed."
    )
    added = client.predict("Lyon bans cars downtown", text, "Le Progrès", "2025-06-12", "", api_name="/add_article")
    assert added["status"] == "added"
    ids = [a["id"] for a in client.predict(api_name="/list_articles")]
    assert added["article_id"] in ids
    q = "Which street in Lyon becomes car-free?"
    answer = client.predict(q, None, api_name="/ask")
    assert "Rue de la République" in answer["text"]
    assert answer["citations"][0]["article_id"] == added["article_id"]
    assert answer["citations"][0]["published"] == "2025-06-12"

    assert client.predict(added["article_id"], api_name="/delete_article")["deleted"] == added["article_id"]
    answer = client.predict(q, None, api_name="/ask")
    assert all(c["article_id"] != added["article_id"] for c in answer["citations"])


def test_bad_input_gets_a_clear_error_and_the_app_keeps_working(client: Any) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="title and the article text are required"):
        client.predict("A title", "   ", "", "", "", api_name="/add_article")
    with pytest.raises(AppError, match="YYYY-MM-DD"):
        client.predict("A title", "Some text.", "", "14/02/2025", "", api_name="/add_article")
    with pytest.raises(AppError, match="No article with id"):
        client.predict("no-such-id", api_name="/delete_article")
    assert client.predict("Who is Putin's spokesman?", None, api_name="/ask")["citations"]


def test_file_upload_reports_added_and_refused_files(client: Any, tmp_path: Path) -> None:
    from gradio_client import handle_file

    good = tmp_path / "ferry.txt"
    good.write_text("Ferry service resumes\nThe island ferry resumed service on Sunday after storm repairs.")
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    result = client.predict([handle_file(str(good)), handle_file(str(bad))], api_name="/add_files")
    rows = {r[0]: r for r in result["data"]}
    assert rows["ferry.txt"][1] == "added" and rows["ferry.txt"][2] == "Ferry service resumes"
    assert rows["photo.png"][1] == "failed" and "unsupported file type '.png'" in rows["photo.png"][3]
    titles = [a["title"] for a in client.predict(api_name="/list_articles")]
    assert titles.count("Ferry service resumes") == 1 and not any("photo" in t for t in titles)


def test_login_is_required_when_auth_is_set(tmp_path: Path, minilm: Any) -> None:
    import httpx
    from gradio_client import Client

    with running_app(tmp_path / "data", minilm, auth="editor:s3cret") as url:
        assert httpx.get(url + "config").status_code == 401
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(url, verbose=False, auth=("editor", "wrong"))
        client = Client(url, verbose=False, auth=("editor", "s3cret"))
        assert client.predict(api_name="/list_articles")[0]["title"].startswith("Kremlin Sees")


def test_importing_the_ui_builds_nothing(tmp_path: Path) -> None:
    import ui.web

    assert not hasattr(ui.web, "app") and not hasattr(ui.web, "demo")
