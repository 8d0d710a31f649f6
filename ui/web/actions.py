"""Everything the web UI and its API do, as plain methods on the service: no component, no
server, all of it tested by calling them (tests/test_web_actions.py).  Three parts:
``api`` (the JSON endpoints, :mod:`.api`), ``conversation`` (the chat's state, :mod:`.conversation`)
and ``views`` (what the UI shows, :mod:`.views`).  Their methods raise :class:`NewsragError` with a
message that says what to do; the wiring turns it into the UI's message."""

from __future__ import annotations

from rag.settings import Settings

from .api import ApiActions, Progress, Service
from .conversation import Asked, Conversation, Rated
from .guards import QuestionLimit
from .views import Views

__all__ = ["ApiActions", "Asked", "Conversation", "Progress", "Rated", "Service", "Views", "WebActions"]


class WebActions:
    def __init__(self, service: Service, settings: Settings) -> None:
        self.service, self.settings = service, settings
        limit = QuestionLimit(settings.questions_per_minute)  # per client, for the API and the chat alike
        self.api = ApiActions(service, limit)
        self.conversation = Conversation(service, limit)
        self.views = Views(service, self.api, settings)
