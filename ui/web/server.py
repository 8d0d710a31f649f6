"""Serving the page: the queue, the login and the port."""

from __future__ import annotations

import os
from typing import Any

from starlette.middleware import Middleware

from rag.settings import Settings

from .actions import Service
from .guards import LOGIN_MESSAGE, ClientAddress, LoginGuard, QuestionLimit, auth_accounts, check_port_free
from .layout import build_app
from .page import CITE_SCRIPT, CSS

# Questions are answered two at a time: the embedder spreads its work over the cores
# (one run per core) and the rest waits on Chroma or SQLite, so a second question
# fills the gaps of the first (benchmarks/load.py).
ASK_CONCURRENCY = 2


def serve(service: Service, settings: Settings, block: bool = True) -> Any:
    from ui.api import api_parts

    check_port_free(settings.host, settings.port)  # the CLI checks (and warns) before its slow start too
    # the API (/v1, /api, /mcp) on the same server; its questions limited per key
    api = api_parts(service, settings, QuestionLimit(settings.questions_per_minute))  # type: ignore[arg-type]
    app = build_app(service, settings)
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    # uvicorn takes a client's address from X-Forwarded-For only when the sender is one of these
    # (its own default trusts 127.0.0.1, so any local client could name any address and pass the
    # question limit); Gradio passes uvicorn no setting for it but this variable
    os.environ["FORWARDED_ALLOW_IPS"] = settings.trusted_proxies
    app.launch(
        app_kwargs={
            "middleware": [Middleware(ClientAddress), *api.middleware()],
            "routes": api.routes,
            "lifespan": api.lifespan(),
        },
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=LoginGuard(accounts) if (accounts := auth_accounts(settings.auth)) else None,
        auth_message=LOGIN_MESSAGE,
        show_error=True,
        head=CITE_SCRIPT,
        css=CSS,
        prevent_thread_lock=not block,
        quiet=True,
    )
    return app
