"""The UI's API through gradio_client against a real Gradio server (real model, embedded Chroma)."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.feedback.log import FeedbackLog
from rag.service import NewsRAG
from rag.settings import Settings
from tests.helpers import free_port, running_app
from vectorstore.article import Article
from vectorstore.embedders import HashEmbedder
from vectorstore.errors import InputError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web") / "data"


@pytest.fixture(scope="module")
def client(web_data: Path, minilm: Any) -> Iterator[Any]:
    from gradio_client import Client

    with running_app(web_data, minilm) as url:
        yield Client(url, verbose=False)


def listening_addresses(port: int) -> set[str]:
    """The local addresses this machine's kernel lists a listening TCP socket on ``port`` for."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_server_binds_to_loopback_only(client: Any) -> None:
    port = int(client.src.rstrip("/").rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only, not 0.0.0.0 or any other interface


def test_ask_returns_the_answer_with_structured_citations(client: Any) -> None:
    answer = client.predict("Where might Trump and Putin meet?", None, api_name="/ask")
    assert "Saudi Arabia" in answer["text"]
    cited = [c for c in answer["citations"] if "Saudi Arabia" in c["passage"]]
    assert cited and cited[0]["title"].startswith("Kremlin Sees Trump-Putin Call")
    # the short answer, and where it is: source n's article, characters start:end, inside the cited sentence
    answer = client.predict("Who is Putin's spokesman?", None, api_name="/ask")
    assert answer["short"] == "Dmitry Peskov"
    src = answer["short_source"]
    c = next(c for c in answer["citations"] if c["n"] == src["n"])
    assert c["passage"][src["start"] - c["start"] : src["end"] - c["start"]] == "Dmitry Peskov"
    assert c["sentence_start"] <= src["start"] < src["end"] <= c["sentence_end"]


def test_feedback_on_an_answer_is_kept_and_a_bad_rating_is_refused_clearly(client: Any, web_data: Path) -> None:
    from gradio_client.exceptions import AppError

    answer = client.predict("Who is Putin's spokesman?", None, api_name="/ask")
    kept = client.predict(answer, "down", "too long", "Dmitry Peskov", api_name="/feedback")
    assert kept["rating"] == "down" and kept["id"] >= 1
    [fb] = [f for f in FeedbackLog(web_data / "feedback.sqlite3").all() if f.id == kept["id"]]
    assert (fb.question, fb.correction, fb.comment) == ("Who is Putin's spokesman?", "Dmitry Peskov", "too long")
    assert fb.cited and "Peskov" in fb.cited[0].sentence and fb.as_of == answer["as_of"]
    with pytest.raises(AppError, match="The rating must be 'up' or 'down', not 'meh'") as refused:
        client.predict(answer, "meh", api_name="/feedback")
    assert "Traceback" not in str(refused.value)


def test_the_article_list_shows_what_a_reader_needs_and_no_internals(client: Any) -> None:
    rows = client.predict(api_name="/list_articles")
    assert rows and all(set(r) == {"id", "title", "source", "url", "published", "n_chunks", "story"} for r in rows)
    seed = next(r for r in rows if r["title"].startswith("Kremlin Sees"))
    assert seed["published"] == "2025-02-16" and seed["n_chunks"] >= 1


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


def test_wrong_passwords_lock_the_login_for_a_while() -> None:
    from ui.web import LoginGuard

    now = [0.0]
    guard = LoginGuard({"editor": "s3cret"}, tries=5, window=60.0, clock=lambda: now[0])
    assert guard("editor", "s3cret")
    assert not any(guard("editor", f"guess{i}") for i in range(5))
    assert not guard("editor", "s3cret")  # locked: the right password waits too
    now[0] = 59.0
    assert not guard("editor", "s3cret")
    now[0] = 61.0
    assert guard("editor", "s3cret")


def test_wrong_passwords_lock_out_their_address_and_account_not_everyone() -> None:
    """Five wrong passwords for any name locked out every user for a minute: one request every
    12 s kept everyone out.  Now an address is locked after 5, an account after 20 from anywhere."""
    from ui.web import LoginGuard

    now, client = [0.0], ["203.0.113.1"]
    guard = LoginGuard({"ana": "pw-ana", "ben": "pw-ben"}, clock=lambda: now[0], client=lambda: client[0])
    assert not any(guard("nobody", f"guess{i}") for i in range(5))
    assert not guard("ana", "pw-ana")  # that address waits, for every account
    client[0] = "198.51.100.7"
    assert guard("ana", "pw-ana") and guard("ben", "pw-ben")  # everyone else logs in
    for i in range(20):  # a guesser spread over many addresses, at one account
        client[0] = f"192.0.2.{i}"
        assert not guard("ana", f"guess{i}")
    client[0] = "198.51.100.7"
    assert not guard("ana", "pw-ana") and guard("ben", "pw-ben")  # that account waits, the others don't
    now[0] = 61.0
    assert guard("ana", "pw-ana")


def test_forwarded_addresses_count_only_from_a_configured_proxy(tmp_path: Path, minilm: Any) -> None:
    """uvicorn trusted X-Forwarded-For from 127.0.0.1, so any local client could name another
    address and pass the question limit (and the login's)."""
    import httpx
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    Q = "Where might Trump and Putin meet?"
    data = tmp_path / "data"

    def as_from(url: str, address: str, **login: Any) -> Any:
        return Client(url, verbose=False, headers={"X-Forwarded-For": address}, **login)

    with running_app(data, minilm, questions_per_minute=3) as url:
        for i in range(3):
            assert not as_from(url, f"203.0.113.{i}").predict(Q, None, "", "", "", "", api_name="/ask")["abstained"]
        with pytest.raises(AppError, match="Too many questions: 3 a minute"):
            as_from(url, "203.0.113.9").predict(Q, None, "", "", "", "", api_name="/ask")
    with running_app(data, minilm, questions_per_minute=3, trusted_proxies="127.0.0.1", auth="ana:pw-ana") as url:
        for i in range(4):  # behind a proxy that names them, each client has its own minute
            client = as_from(url, f"203.0.113.{i}", auth=("ana", "pw-ana"))
            assert client.predict(Q, None, "", "", "", "", api_name="/ask")
        login = lambda pw, who: httpx.post(url + "login", data={"username": "ana", "password": pw},  # noqa: E731
                                           headers={"X-Forwarded-For": who})  # fmt: skip
        assert [login(f"guess{i}", "203.0.113.50").status_code for i in range(5)] == [400] * 5
        assert login("pw-ana", "203.0.113.50").status_code == 400  # that client waits
        assert login("pw-ana", "203.0.113.51").status_code == 200  # another does not


def test_the_question_limit_frees_a_client_after_a_minute_and_forgets_idle_ones() -> None:
    from ui.web import QuestionLimit

    now = [0.0]
    limit = QuestionLimit(2, clock=lambda: now[0])
    limit.check("10.0.0.1")
    limit.check("10.0.0.1")
    with pytest.raises(InputError, match=r"Ask again in 60 s"):
        limit.check("10.0.0.1")
    limit.check("10.0.0.2")  # another client has its own minute
    for i in range(1000):
        limit.check(f"192.0.2.{i}")
    assert limit.clients == 1002
    now[0] = 61.0
    limit.check("10.0.0.1")  # a minute later: free again, and the idle clients are forgotten
    assert limit.clients == 1


def test_a_running_server_stops_answering_logins_after_five_wrong_passwords(tmp_path: Path, minilm: Any) -> None:
    import httpx

    with running_app(tmp_path / "data", minilm, auth="editor:s3cret") as url:
        login = lambda pw: httpx.post(url + "login", data={"username": "editor", "password": pw})  # noqa: E731
        assert login("s3cret").status_code == 200
        assert [login(f"guess{i}").status_code for i in range(5)] == [400] * 5
        assert login("s3cret").status_code == 400  # 50 guesses no longer fit in a second


def test_questions_per_minute_are_limited_per_client(tmp_path: Path, minilm: Any) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    Q = "Where might Trump and Putin meet?"
    with running_app(tmp_path / "data", minilm, questions_per_minute=3) as url:
        client = Client(url, verbose=False)
        for _ in range(3):
            assert not client.predict(Q, None, "", "", "", "", api_name="/ask")["abstained"]
        with pytest.raises(AppError, match=r"Too many questions: 3 a minute is the limit here.*Ask again in \d+ s"):
            client.predict(Q, None, "", "", "", "", api_name="/ask")
        assert client.predict(api_name="/list_articles")  # the rest of the app keeps working


IMPORT_PROBE = """
import sys, threading
import gradio as gr
built = []
init = gr.Blocks.__init__
gr.Blocks.__init__ = lambda self, *a, **k: (built.append(type(self).__name__), init(self, *a, **k))[1]
threads = threading.active_count()
import ui.web, ui.cli, rag.service
heavy = [m for m in ("openvino", "onnxruntime", "chromadb", "torch", "sentence_transformers") if m in sys.modules]
print(built, threading.active_count() - threads, heavy)
"""


def test_importing_the_ui_builds_nothing() -> None:
    """No work at import: no Blocks built, no thread started, no model runtime or store client loaded."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[] 0 []", out.stdout + out.stderr


@pytest.mark.parametrize(
    ("args", "api", "needle"),
    [
        ((123, "Some text.", "", "", ""), "/add_article", "'title' must be text (a string), not int"),
        (("A title", ["list", "text"], "", "", ""), "/add_article", "'text' must be text (a string), not list"),
        ((None,), "/delete_article", "Give the id of the article to delete"),
        ((42,), "/delete_article", "'article_id' must be text (a string), not int"),
    ],
)
def test_wrong_types_get_a_specific_error(client: Any, args: tuple[Any, ...], api: str, needle: str) -> None:
    from gradio_client.exceptions import AppError

    before = client.predict(api_name="/list_articles")
    with pytest.raises(AppError) as info:
        client.predict(*args, api_name=api)
    assert needle in str(info.value) and "Something went wrong" not in str(info.value)
    assert client.predict(api_name="/list_articles") == before


def test_a_paste_over_the_size_limit_is_refused(client: Any) -> None:
    from gradio_client.exceptions import AppError

    before = client.predict(api_name="/list_articles")
    with pytest.raises(AppError, match="over the 10 MB limit per article"):
        client.predict("Huge", "word " * 2_200_000, "", "", "", api_name="/add_article")
    assert client.predict(api_name="/list_articles") == before


def test_a_malformed_pdf_fails_alone_in_add_files(client: Any, tmp_path: Path) -> None:
    from gradio_client import handle_file

    from tests.test_hardening import limit_reached_pdf

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(limit_reached_pdf())
    good = tmp_path / "bridge.txt"
    good.write_text("Bridge reopens\nThe old stone bridge reopened to walkers on Saturday.")
    rows = {
        r[0]: r for r in client.predict([handle_file(str(bad)), handle_file(str(good))], api_name="/add_files")["data"]
    }
    assert rows["broken.pdf"][1] == "failed" and "LimitReachedError" in rows["broken.pdf"][3]
    assert rows["bridge.txt"][1] == "added"


def test_a_long_add_does_not_hold_up_another_users_add(client: Any) -> None:
    """Two users add at once: the short article is stored while the long one is still being embedded."""
    from gradio_client.utils import Status

    from tests.helpers import wait_for

    sentence = "Paragraph {} of the harbour budget report lists cranes, piers and ferries."
    long_text = " ".join(sentence.format(i) for i in range(2500))
    big = client.submit("Harbour budget in full", long_text, "", "", "", api_name="/add_article")
    under_way = {Status.PROCESSING, Status.PROGRESS, Status.ITERATING}
    wait_for(lambda: big.status().code in under_way, 120, "the long add to start")
    small = client.predict("Ferry strike ends", "The ferry strike ended on Tuesday night.", "", "", "",
                           api_name="/add_article")  # fmt: skip
    assert small["status"] == "added"
    assert not big.done(), "the short add waited for the long one"
    assert big.result(timeout=600)["status"] == "added"


def test_ask_as_of_a_day_with_filters(client: Any) -> None:
    from gradio_client.exceptions import AppError

    q = "Where might Trump and Putin meet this week?"
    answer = client.predict(q, None, "2025-02-18", "", "", "", api_name="/ask")
    assert answer["as_of"] == "2025-02-18" and answer["time_scope"] == "2025-02-12..2025-02-18"  # 7 days
    assert answer["citations"] and answer["citations"][0]["published"] == "2025-02-16"
    before = client.predict(q, None, "2025-02-10", "", "", "", api_name="/ask")  # before the seed was published
    assert before["abstained"] or not before["citations"]
    assert client.predict(q, None, "", "", "", "rigth.news", api_name="/ask")["citations"]
    with pytest.raises(AppError, match="No stored article is from Nowhere Gazette"):
        client.predict(q, None, "", "", "", "Nowhere Gazette", api_name="/ask")
    with pytest.raises(AppError, match="as_of: date '2025-02-30' does not exist"):
        client.predict(q, None, "2025-02-30", "", "", "", api_name="/ask")


def test_a_question_is_answered_while_another_is_still_being_answered(tmp_path: Path) -> None:
    """Two questions at a time: a second user is not queued behind a first one's answer."""
    from gradio_client import Client

    from ui.web import serve

    settings = Settings(data_dir=tmp_path / "data", seeds_dir=tmp_path / "none", port=free_port(), min_score=-1.0)
    svc = NewsRAG.build(settings, embedder=HashEmbedder())
    svc.add_article(Article(id="storm", title="Storm hits coast", text="A storm cut power to forty thousand homes."))
    first_in, second_done = threading.Event(), threading.Event()

    class Hold:  # keeps the first question in progress until the second is answered
        name, weight = "hold", 1.0

        def rank(self, req: Any) -> list[str]:
            if req.text.startswith("First"):
                first_in.set()
                second_done.wait(60)
            return []

    svc.retriever.stages = [*svc.retriever.stages, Hold()]
    app = serve(svc, settings, block=False)
    try:
        client = Client(f"http://127.0.0.1:{settings.port}/", verbose=False)
        first = client.submit("First: how many homes lost power?", None, api_name="/ask")
        assert first_in.wait(60)
        second = client.submit("Second: how many homes lost power?", None, api_name="/ask").result(timeout=60)
        second_done.set()
        assert "forty thousand homes" in second["text"]
        assert "forty thousand homes" in first.result(timeout=60)["text"]
    finally:
        second_done.set()
        app.close()


def test_add_url_and_follow_feed_never_reach_this_machine(client: Any, site_server: str) -> None:
    """The server runs with the default settings: a visitor cannot make it fetch a local service."""
    from gradio_client.exceptions import AppError

    from tests.site import REQUESTS

    port = site_server.rsplit(":", 1)[1]
    for url in (f"{site_server}/internal-admin", f"http://localhost:{port}/internal-admin",
                f"http://[::1]:{port}/internal-admin", "http://169.254.169.254/latest/meta-data/"):  # fmt: skip
        with pytest.raises(AppError, match=r"refused: .* address"):
            client.predict(url, api_name="/add_url")
        with pytest.raises(AppError, match=r"refused: .* address"):
            client.predict(url, api_name="/follow_feed")
    assert REQUESTS["/internal-admin"] == 0
    assert client.predict(api_name="/list_feeds") == []


@pytest.mark.parametrize(("question", "history", "says"), [
    (7, None, "The question must be text, not int"),
    (["Who?"], None, "The question must be text, not list"),
    ({"q": "Who?"}, None, "The question must be text, not dict"),
    ("Where might Trump and Putin meet?", "Who is Peskov?", "history must be a list of messages"),
])  # fmt: skip
def test_a_question_or_history_of_the_wrong_type_says_what_to_send(client: Any, question: Any, history: Any,
                                                                   says: str) -> None:  # fmt: skip
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=says):
        client.predict(question, history, "", "", "", "", api_name="/ask")


def test_control_characters_are_refused_or_cleaned(client: Any) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="only control characters"):
        client.predict("Nothing", "\x00" * 1000, "", "", "", api_name="/add_article")
    with pytest.raises(AppError, match="only control characters"):
        client.predict("\x00\x1b\x07", "The ferry sailed.", "", "", "", api_name="/add_article")
    added = client.predict("Bell\x07 rings\x1b[31m", "The bell\x00 rang at noon.", "", "", "", api_name="/add_article")
    stored = [a for a in client.predict(api_name="/list_articles") if a["id"] == added["article_id"]]
    assert [a["title"] for a in stored] == ["Bell rings[31m"]
    client.predict(added["article_id"], api_name="/delete_article")
