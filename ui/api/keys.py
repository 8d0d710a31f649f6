"""Who may call the API: NEWSRAG_API_KEYS' bearer tokens, checked on every ``/v1``, ``/api`` and
``/mcp`` request by :class:`KeyGate` (ASGI middleware).  The key's name is the caller: its
question limit, and the owner of what it keeps.  Tokens are never logged or echoed."""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from vectorstore.errors import ConfigError

MIN_TOKEN = 16
GUARDED = ("/v1/", "/api/", "/mcp")  # the API's routes; the UI (its own login) is not behind a key
OPEN = ("/api/health",)  # a load balancer's probe: says only that the server is up
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# the key name of the request being answered ("" when no key is needed and none was given)
CALLER: ContextVar[str] = ContextVar("newsrag_api_caller", default="")


@dataclass(frozen=True)
class ApiKey:
    name: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class ApiKeys:
    keys: tuple[ApiKey, ...] = ()
    required: bool = False  # a key is needed (keys set, a public address, or the UI's login)

    @classmethod
    def parse(cls, spec: str | None, host: str = "127.0.0.1", ui_login: bool = False) -> ApiKeys:
        """NEWSRAG_API_KEYS: ``name:token`` or ``token``, comma-separated."""
        keys: list[ApiKey] = []
        for i, entry in enumerate(e.strip() for e in (spec or "").split(",")):
            if not entry:
                continue
            name, sep, token = entry.partition(":")
            if not sep:
                name, token = f"key{i + 1}", entry
            name, token = name.strip(), token.strip()
            if not name or len(token) < MIN_TOKEN:
                raise ConfigError(
                    f"NEWSRAG_API_KEYS: entry {i + 1} needs a token of at least {MIN_TOKEN} characters (name:token "
                    "or token). Make one with: python -c 'import secrets; print(secrets.token_urlsafe(24))'"
                )
            if any(k.name == name for k in keys):
                raise ConfigError(f"NEWSRAG_API_KEYS names the key {name!r} twice; give each key its own name.")
            if any(k.token == token for k in keys):
                raise ConfigError(f"NEWSRAG_API_KEYS gives the same token twice (entry {i + 1}); give each its own.")
            keys.append(ApiKey(name, token))
        return cls(tuple(keys), required=bool(keys) or host not in LOOPBACK or ui_login)

    def notice(self) -> str | None:
        """What `serve` says when the API needs a key and has none."""
        if self.required and not self.keys:
            return ("newsrag: the API (/v1, /api, /mcp) refuses every call here until NEWSRAG_API_KEYS is set "
                    "(this server is reachable from other machines, or has a login); see docs/api.md.")  # fmt: skip
        return None

    def caller(self, authorization: str | None) -> str | None:
        """The key's name for an ``Authorization`` header; "" when no key is needed and none was
        given; None when the request may not pass."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if not token:
            return None if self.required else ""
        found = None
        for key in self.keys:  # every key compared, in constant time each
            if hmac.compare_digest(key.token.encode(), token.encode()):
                found = key.name
        if found is None and self.required:
            return None
        return found or ""


def refusal(keys: ApiKeys, had_header: bool) -> dict[str, Any]:
    """What a 401 says (OpenAI's error shape), never the token given."""
    if not keys.keys:
        message = ("This server needs an API key and has none: set NEWSRAG_API_KEYS (name:token) where it runs, "
                   "then send Authorization: Bearer TOKEN.")  # fmt: skip
    elif had_header:
        message = "That API key is not one of this server's (NEWSRAG_API_KEYS). Check the token you send."
    else:
        message = "An API key is needed: send the header Authorization: Bearer TOKEN (a token of NEWSRAG_API_KEYS)."
    return {"error": {"message": message, "type": "invalid_request_error", "code": "invalid_api_key", "param": None}}


def caller_of(request: Any) -> str:
    """The key name a request came with ("" without one)."""
    return str(getattr(getattr(request, "state", None), "caller", "") or CALLER.get())


class KeyGate:
    """ASGI middleware: a request to the API without a valid key gets 401 (OpenAI's error shape);
    one with a key runs with its name in :data:`CALLER`."""

    def __init__(self, app: Any, keys: ApiKeys, guarded: Sequence[str] = GUARDED) -> None:
        self.app, self.keys, self.guarded = app, keys, tuple(guarded)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if scope.get("type") != "http" or path in OPEN or not (path.startswith(self.guarded) or path == "/mcp"):
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"authorization"), None)
        name = self.keys.caller(header)
        if name is None:
            body = json.dumps(refusal(self.keys, bool(header))).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["caller"] = name  # request.state.caller in the endpoints
        token = CALLER.set(name)
        try:
            await self.app(scope, receive, send)
        finally:
            CALLER.reset(token)
