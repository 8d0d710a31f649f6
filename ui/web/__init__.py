"""The web UI (Gradio): chat with cited sources, add articles, feeds, the library, settings.

- ``actions.py`` — :class:`WebActions`: everything the UI and its API do, as plain methods on
  the service (tested by calling them, no server), in three parts: ``api.py`` (the JSON
  endpoints and the ``Service`` Protocol they need), ``conversation.py`` (the chat's state),
  ``views.py`` (what the UI shows).
- ``layout.py`` — the page: a builder per tab, its wiring to the actions, the API endpoints.
- ``guards.py`` — the login's and the questions' limits, the exposure warning, the port check.
- ``friendly.py`` — every failure becomes a clear message, never a traceback.
- ``page.py`` — the page's script and style.
- ``server.py`` — :func:`serve`.

It may import ``rag``, ``vectorstore`` and ``ui.format``; nothing imports it but the CLI.
Nothing is built at import.
"""

from .actions import WebActions
from .api import expect_text
from .guards import LOGIN_MESSAGE, LoginGuard, QuestionLimit, auth_accounts, check_port_free, exposure_warning
from .layout import build_app
from .server import serve

__all__ = [
    "LOGIN_MESSAGE",
    "LoginGuard",
    "QuestionLimit",
    "WebActions",
    "auth_accounts",
    "build_app",
    "check_port_free",
    "expect_text",
    "exposure_warning",
    "serve",
]
