"""The API on the web UI's server (same port, same settings): OpenAI-compatible chat completions
(``/v1``), REST (``/api``, with its OpenAPI schema and docs page) and MCP (``/mcp``), each calling
the pipeline the chat calls, behind NEWSRAG_API_KEYS when a key is needed.  docs/api.md says how
to use each.

- ``keys.py`` — the keys and the middleware that checks them;
- ``core.py`` — what the three share: the question limit per key, filters, answers as JSON;
- ``openai_compat.py``, ``rest.py``, ``mcp_tools.py`` — the three ways in;
- ``errors.py`` — every failure in OpenAI's error shape;
- ``docs_page.py`` — the schema and its page.

Nothing is built at import; :func:`api_parts` builds it for :func:`ui.web.serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from rag.settings import Settings

from .core import ApiCore, ApiService, Limit
from .keys import ApiKeys, KeyGate


@dataclass(frozen=True)
class ApiParts:
    """What the server adds to its app: routes, the key check, and the MCP sessions' lifespan."""

    routes: list[Any]
    keys: ApiKeys
    mcp: Any

    def middleware(self) -> list[Any]:
        from starlette.middleware import Middleware

        return [Middleware(KeyGate, keys=self.keys)]

    def lifespan(self) -> Any:
        @asynccontextmanager
        async def run(app: Any) -> AsyncIterator[None]:
            async with self.mcp.session_manager.run():
                yield

        return run


def api_parts(service: ApiService, settings: Settings, limit: Limit) -> ApiParts:
    from ui.web.api import ApiActions

    from .docs_page import docs_router
    from .errors import ApiRoute
    from .mcp_tools import build_mcp
    from .openai_compat import openai_router
    from .rest import rest_router

    keys = ApiKeys.parse(settings.api_keys, settings.host, ui_login=bool(settings.auth))
    core = ApiCore(service, limit)
    actions = ApiActions(service, limit)  # type: ignore[arg-type]  # the article methods need only these
    api = [*openai_router(core, ApiRoute).routes, *rest_router(core, actions, ApiRoute).routes]
    mcp = build_mcp(core, actions)
    mcp_app = mcp.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True,
                                      host=settings.host)  # fmt: skip
    return ApiParts([*api, *docs_router(api).routes, *mcp_app.routes], keys, mcp)


__all__ = ["ApiCore", "ApiKeys", "ApiParts", "api_parts", "stdio_mcp"]


def stdio_mcp(service: ApiService, settings: Settings) -> Any:
    """The MCP tools for a host that starts ``newsrag mcp`` and talks over its stdin and stdout."""
    from ui.web.api import ApiActions
    from ui.web.guards import QuestionLimit

    from .mcp_tools import build_mcp

    limit = QuestionLimit(settings.questions_per_minute)
    return build_mcp(ApiCore(service, limit), ApiActions(service, limit))  # type: ignore[arg-type]
