"""The API through the clients people use, against a real `newsrag serve` (real model, embedded
Chroma, NEWSRAG_API_KEYS and a UI login set): the official `openai` client, `httpx` against REST,
and the official `mcp` SDK over streamable HTTP and over stdio (`newsrag mcp`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import children
from tests.helpers import BIN, SEEDS, free_port, wait_for

pytestmark = pytest.mark.slow

ALICE, BOB = "alice-token-0123456789abcdef", "bob-token-0123456789abcdef"
CAROL = "carol-token-0123456789abcdef"  # only the question limit's test asks with it
UI_LOGIN = ("ui", "ui-password-0123456789")
PER_MINUTE = 25  # questions per key per minute (carol's test goes past it; the others ask fewer)
SPOKESMAN = "Who is Putin's spokesman?"


def server_env(data: Path, model_cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    return children.child_env({**env, "NEWSRAG_DATA_DIR": str(data), "NEWSRAG_MODEL_CACHE": str(model_cache),
                               "NEWSRAG_SEEDS_DIR": str(SEEDS), "NEWSRAG_EMBEDDER": "minilm",
                               "NEWSRAG_FEED_MINUTES": "0", **extra})  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, minilm: Any) -> Iterator[str]:
    """`newsrag serve` with two API keys, a UI login and a question limit; yields its URL."""
    port = free_port()
    env = server_env(tmp_path_factory.mktemp("api") / "data", model_cache,
                     NEWSRAG_API_KEYS=f"alice:{ALICE},bob:{BOB},carol:{CAROL}", NEWSRAG_AUTH=":".join(UI_LOGIN),
                     NEWSRAG_QUESTIONS_PER_MINUTE=str(PER_MINUTE))  # fmt: skip
    proc = subprocess.Popen([str(BIN / "newsrag"), "-q", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(lambda: httpx.get(f"{url}/api/health", timeout=2).status_code == 200, children.TIMEOUT,
                     "newsrag serve", proc)  # fmt: skip
        except (TimeoutError, RuntimeError):
            if proc.poll() is None:
                children.fail_hung(proc, "newsrag serve", children.TIMEOUT)
            pytest.fail(f"newsrag serve did not start:\n{proc.stderr.read() if proc.stderr else ''}")
        yield url
    finally:
        proc.terminate()
        children.wait(proc, "newsrag serve after SIGTERM", 30)
        assert ALICE not in (proc.stderr.read() if proc.stderr else ""), "a key was written to the log"


def openai_client(url: str, key: str = ALICE) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120)


def extra(obj: Any) -> dict[str, Any]:
    return dict(obj.model_extra or {})


# ---- OpenAI-compatible ---------------------------------------------------------------------------
def test_the_openai_client_gets_the_answer_with_its_citations_streamed_or_not(server: str) -> None:
    client = openai_client(server)
    assert [m.id for m in client.models.list()] == ["newsrag"]
    reply = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": SPOKESMAN}])
    message = reply.choices[0].message
    assert "Peskov" in message.content and "[1]" in message.content and "Sources:" in message.content
    cited = extra(message)["citations"]
    first = next(c for c in cited if c["n"] == 1)
    assert "Peskov" in first["sentence"] and first["sentence"] in first["passage"]
    assert first["title"].startswith("Kremlin Sees") and first["date"] == "2025-02-16" and first["article_id"]
    assert extra(message)["mode"] == "answer" and extra(message)["abstained"] is False

    stream = client.chat.completions.create(model="newsrag", stream=True,
                                            messages=[{"role": "user", "content": SPOKESMAN}])  # fmt: skip
    got = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in got if c.choices)
    assert text == message.content  # the same answer, streamed
    last = got[-1].choices[0]
    assert last.finish_reason == "stop" and extra(last.delta)["citations"] == cited


def test_a_follow_up_in_messages_is_searched_as_a_whole_question(server: str) -> None:
    client = openai_client(server)
    first = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": SPOKESMAN}])
    messages = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": SPOKESMAN},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": "What did he say about the call?"}]  # fmt: skip
    reply = client.chat.completions.create(model="newsrag", messages=messages)  # type: ignore[arg-type]
    message = reply.choices[0].message
    assert "Peskov" in extra(message)["searched_for"]  # "he" is the spokesman the first answer named
    assert extra(message)["citations"]


def test_bad_input_is_a_400_the_client_raises_with_our_message(server: str) -> None:
    import openai

    client = openai_client(server)
    with pytest.raises(openai.BadRequestError, match=r"as_of: .*YYYY-MM-DD") as bad:
        client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": SPOKESMAN}],
                                       extra_body={"as_of": "14/02/2025"})  # fmt: skip
    assert bad.value.status_code == 400 and bad.value.code == "invalid_request"
    with pytest.raises(openai.BadRequestError, match="question is empty"):
        client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": "   "}], stream=True)
    with pytest.raises(openai.BadRequestError, match="last message must be the user's"):
        client.chat.completions.create(model="newsrag", messages=[{"role": "assistant", "content": "Hi"}])
    with pytest.raises(openai.NotFoundError, match="use 'newsrag'"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": SPOKESMAN}])
    r = httpx.post(f"{server}/v1/chat/completions", content=b"{not json", timeout=30,
                   headers={"Authorization": f"Bearer {ALICE}", "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
    assert "Traceback" not in r.text


# ---- REST ------------------------------------------------------------------------------------------
def test_rest_add_list_read_ask_delete_and_a_valid_schema(server: str) -> None:
    from openapi_spec_validator import validate

    api = httpx.Client(base_url=f"{server}/api", headers={"Authorization": f"Bearer {ALICE}"}, timeout=120)
    spec = api.get("/openapi.json").json()
    validate(spec)
    assert {"/api/ask", "/api/articles", "/api/articles/{article_id}", "/v1/chat/completions"} <= set(spec["paths"])
    docs = api.get("/docs")
    assert docs.status_code == 200 and "POST /api/ask" in docs.text and "<script" not in docs.text

    text = ("The city council of Lyon voted on Thursday to turn the Rue de la République into a car-free zone. "
            "The change takes effect in September and bicycles will still be allowed.")  # fmt: skip
    added = api.post("/articles", json={"title": "Lyon bans cars downtown", "text": text, "source": "Le Progrès",
                                        "published": "2025-06-12"})  # fmt: skip
    assert added.status_code == 201 and added.json()["status"] == "added"
    art = added.json()["article_id"]
    again = api.post("/articles", json={"title": "Lyon bans cars downtown", "text": text, "source": "Le Progrès",
                                        "published": "2025-06-12"})  # fmt: skip
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert art in [a["id"] for a in api.get("/articles").json()]
    got = api.get(f"/articles/{art}").json()
    assert got["title"] == "Lyon bans cars downtown" and got["text"] == text and got["published"] == "2025-06-12"

    answer = api.post("/ask", json={"question": "Which street in Lyon becomes car-free?", "since": "2025-06-01"})
    assert answer.status_code == 200 and "Rue de la République" in answer.json()["text"]
    assert answer.json()["citations"][0]["article_id"] == art

    assert api.delete(f"/articles/{art}").json()["deleted"] == art
    gone = api.get(f"/articles/{art}")
    assert gone.status_code == 404 and "GET /api/articles lists the ids" in gone.json()["error"]["message"]
    refused = api.post("/articles", json={"title": "Only a title"})
    assert refused.status_code == 400
    assert "title and the article text are required" in refused.json()["error"]["message"]
    wrong = api.post("/ask", json={"question": SPOKESMAN, "until": "2025-13-40"})
    assert wrong.status_code == 400 and wrong.json()["error"]["message"].startswith("until:")


def test_a_conversation_kept_through_the_api_is_its_history_and_belongs_to_the_key(server: str) -> None:
    def api(key: str) -> httpx.Client:
        return httpx.Client(base_url=f"{server}/api", headers={"Authorization": f"Bearer {key}"}, timeout=120)

    first = api(ALICE).post("/ask", json={"question": SPOKESMAN, "conversation": "new"}).json()
    conv = first["conversation"]
    follow = openai_client(server).chat.completions.create(
        model="newsrag", messages=[{"role": "user", "content": "What did he say about the call?"}],
        extra_body={"conversation": conv},
    ).choices[0].message  # fmt: skip
    assert "Peskov" in extra(follow)["searched_for"] and extra(follow)["conversation"] == conv  # the kept history
    listed = api(ALICE).get("/conversations").json()
    assert listed[0]["id"] == conv and listed[0]["title"] == SPOKESMAN
    kept = api(ALICE).get(f"/conversations/{conv}").json()
    assert [t["question"] for t in kept["turns"]] == [SPOKESMAN, "What did he say about the call?"]
    # another key neither sees nor continues it
    assert conv not in [c["id"] for c in api(BOB).get("/conversations").json()]
    other = api(BOB).post("/ask", json={"question": SPOKESMAN, "conversation": conv})
    assert other.status_code == 404 and "another user's" in other.json()["error"]["message"]
    assert api(ALICE).delete(f"/conversations/{conv}").json()["deleted"] == conv


# ---- keys ------------------------------------------------------------------------------------------
def test_every_api_route_needs_a_key_and_the_ui_login_opens_only_the_ui(server: str) -> None:
    import openai

    routes = [("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("GET", "/api/articles"),
              ("POST", "/api/ask"), ("GET", "/api/articles/x"), ("DELETE", "/api/articles/x"), ("POST", "/mcp"),
              ("GET", "/api/openapi.json")]  # fmt: skip
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer not-a-key-0123456789"}, {"Authorization": f"Basic {ALICE}"}):
            r = httpx.request(method, f"{server}{path}", headers=headers, json={}, timeout=30)
            assert r.status_code == 401, (method, path, headers, r.text)
            error = r.json()["error"]
            assert error["code"] == "invalid_api_key" and ALICE not in r.text and "not-a-key" not in r.text
    assert httpx.get(f"{server}/api/health", timeout=30).json() == {"status": "ok"}  # a probe needs none
    with pytest.raises(openai.AuthenticationError):
        openai_client(server, key="not-a-key-0123456789").models.list()

    # the UI's login does not open the API, and an API key does not open the UI
    ui = httpx.Client(base_url=server, timeout=30)
    assert ui.get("/config").status_code == 401
    assert ui.post("/login", data={"username": UI_LOGIN[0], "password": ALICE}).status_code != 200
    assert ui.get("/config", headers={"Authorization": f"Bearer {ALICE}"}).status_code == 401
    assert ui.post("/login", data={"username": UI_LOGIN[0], "password": UI_LOGIN[1]}).status_code == 200
    assert ui.get("/config").status_code == 200  # logged in
    assert ui.get("/api/articles").status_code == 401


def test_the_question_limit_is_per_key(server: str) -> None:
    import openai

    carol = openai_client(server, key=CAROL)
    for _ in range(PER_MINUTE):
        carol.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": "Where is Riyadh?"}])
    with pytest.raises(openai.RateLimitError, match="Too many questions"):
        carol.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": "Where is Riyadh?"}])
    over_mcp = asyncio.run(mcp_call(server, CAROL, "ask", {"question": "Where is Riyadh?"}))
    assert over_mcp.is_error and "Too many questions" in over_mcp.content[0].text  # the key's count, whatever way
    alice = openai_client(server)  # another key: its own count
    assert alice.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": SPOKESMAN}])


# ---- MCP ---------------------------------------------------------------------------------------------
TOOLS = {"ask", "search", "briefing", "add_article", "list_articles"}


async def use_tools(client: Any) -> dict[str, Any]:
    """What an agent does: list the tools, search a date window, ask."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    inside = await client.call_tool("search", {"query": "Putin spokesman", "k": 3, "since": "2025-02-01",
                                               "until": "2025-02-28"})  # fmt: skip
    after = await client.call_tool("search", {"query": "Putin spokesman", "since": "2025-03-01"})
    asked = await client.call_tool("ask", {"question": SPOKESMAN, "as_of": "2025-03-01"})
    bad = await client.call_tool("ask", {"question": SPOKESMAN, "as_of": "yesterday-ish"})
    return {"tools": tools, "inside": inside, "after": after, "asked": asked, "bad": bad}


def check_tools(got: dict[str, Any]) -> None:
    assert set(got["tools"]) == TOOLS
    assert "as_of" in got["tools"]["ask"].input_schema["properties"] and got["tools"]["search"].description
    inside = got["inside"].structured_content["result"]
    assert inside and all("2025-02-01" <= p["date"] <= "2025-02-28" for p in inside)
    assert any("Peskov" in p["passage"] for p in inside)
    assert got["after"].structured_content["result"] == []  # nothing stored was published in that window
    asked = got["asked"].structured_content
    assert "Peskov" in asked["answer"] and any("Peskov" in c["sentence"] for c in asked["citations"])
    assert asked["as_of"] == "2025-03-01"
    assert got["bad"].is_error and "YYYY-MM-DD" in got["bad"].content[0].text


def leaves(e: BaseException) -> list[str]:
    """The messages of an exception and of every one it groups."""
    inner = getattr(e, "exceptions", None)
    return [m for x in inner for m in leaves(x)] if inner else [f"{type(e).__name__}: {e}"]


def mcp_http(server: str, key: str) -> Any:
    """The `mcp` SDK's client for the server's /mcp, sending ``key``."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120)
    return Client(streamable_http_client(f"{server}/mcp", http_client=http))


async def mcp_call(server: str, key: str, tool: str, arguments: dict[str, Any]) -> Any:
    async with mcp_http(server, key) as client:
        return await client.call_tool(tool, arguments)


def test_mcp_over_streamable_http_with_a_key(server: str) -> None:
    async def run(key: str) -> dict[str, Any]:
        async with mcp_http(server, key) as client:
            return await use_tools(client)

    check_tools(asyncio.run(run(ALICE)))
    with pytest.raises(BaseException) as refused:
        asyncio.run(run("not-a-key-0123456789"))
    # (the SDK says only "error response"; the 401 itself: test_every_api_route_needs_a_key)
    assert any(m.startswith("MCPError") for m in leaves(refused.value)), leaves(refused.value)


def test_mcp_over_stdio(tmp_path: Path, model_cache: Path, minilm: Any) -> None:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(command=str(BIN / "newsrag"), args=["-q", "mcp"],
                                   env=server_env(tmp_path / "data", model_cache))  # fmt: skip

    async def run() -> dict[str, Any]:
        async with Client(params, read_timeout_seconds=children.TIMEOUT) as client:
            return await asyncio.wait_for(use_tools(client), children.TIMEOUT)

    check_tools(asyncio.run(run()))


# ---- the keys' setting (no server) ------------------------------------------------------------------
def test_api_keys_are_read_named_checked_and_never_shown() -> None:
    from rag.settings import Settings
    from ui.api.keys import ApiKeys
    from vectorstore.errors import ConfigError

    keys = ApiKeys.parse(f"alice:{ALICE}, {BOB}")
    assert [k.name for k in keys.keys] == ["alice", "key2"] and keys.required
    assert keys.caller(f"Bearer {ALICE}") == "alice" and keys.caller(f"bearer {BOB}") == "key2"
    assert keys.caller(None) is None and keys.caller("Bearer nope") is None and keys.caller(ALICE) is None
    assert ALICE not in repr(keys) and ALICE not in repr(Settings(api_keys=f"alice:{ALICE}"))
    assert Settings(api_keys=f"alice:{ALICE}").public()["api_keys"] == "set"
    # none set: needed only off this machine or with the UI's login
    assert ApiKeys.parse(None).caller(None) == "" and ApiKeys.parse(None).caller("Bearer whatever") == ""
    assert ApiKeys.parse(None, host="0.0.0.0").caller(None) is None
    assert ApiKeys.parse(None, ui_login=True).caller("Bearer x" * 3) is None
    with pytest.raises(ConfigError, match=r"at least 16 characters.*secrets\.token_urlsafe"):
        ApiKeys.parse("alice:short")
    with pytest.raises(ConfigError, match="names the key 'alice' twice"):
        ApiKeys.parse(f"alice:{ALICE},alice:{BOB}")
    with pytest.raises(ConfigError, match="same token twice"):
        ApiKeys.parse(f"alice:{ALICE},bob:{ALICE}")
