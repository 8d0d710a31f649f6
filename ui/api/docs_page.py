"""The API's OpenAPI schema (``/api/openapi.json``: the REST and OpenAI-compatible routes, made by
FastAPI from their types) and a page that reads it (``/api/docs``), written here so the page loads
nothing from the internet."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

TITLE = "newsrag API"
VERSION = "1"
DESCRIPTION = (
    "Ask questions about your news articles and get answers whose every claim is cited to a sentence. "
    "Send `Authorization: Bearer TOKEN` when the server needs a key (NEWSRAG_API_KEYS). "
    "MCP (streamable HTTP) is at /mcp; docs/api.md has examples of each way in."
)


def schema(routes: Sequence[Any]) -> dict[str, Any]:
    s = get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION, routes=list(routes))
    s["components"] = {**s.get("components", {}),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}  # fmt: skip
    s["security"] = [{"bearer": []}]
    return s


def page(spec: dict[str, Any]) -> str:
    """Every route: its method, path, summary, description, and its request body's fields."""
    parts = [f"<h1>{html.escape(spec['info']['title'])}</h1>", f"<p>{html.escape(spec['info']['description'])}</p>",
             '<p>The schema: <a href="/api/openapi.json">/api/openapi.json</a></p>']  # fmt: skip
    bodies = spec.get("components", {}).get("schemas", {})
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            parts.append(f"<h2><code>{method.upper()} {html.escape(path)}</code></h2>")
            parts.append(f"<p>{html.escape(op.get('description') or op.get('summary', ''))}</p>")
            ref = (op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                   .get("$ref", ""))  # fmt: skip
            fields = bodies.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else {}
            if fields:
                rows = "".join(
                    f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(f.get('description', ''))}</td>"
                    f"<td><code>{html.escape(json.dumps(f.get('default')) if 'default' in f else 'required')}</code>"
                    "</td></tr>"
                    for name, f in fields.items()
                )
                parts.append(f"<table><tr><th>field</th><th>meaning</th><th>default</th></tr>{rows}</table>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
             "td,th{text-align:left;padding:.2em .6em}")  # fmt: skip
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
            f"<style>{style}</style></head><body><main>{''.join(parts)}</main></body></html>")  # fmt: skip


def docs_router(routes: Sequence[Any]) -> APIRouter:
    router = APIRouter(prefix="/api", include_in_schema=False)
    spec = schema(routes)

    @router.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        return spec

    @router.get("/docs", response_class=HTMLResponse)
    def docs() -> str:
        return page(spec)

    return router
