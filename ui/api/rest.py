"""The REST API under ``/api``: ask, the articles (list, add one as JSON or by URL, read, delete)
and health; its OpenAPI schema at ``/api/openapi.json`` and a docs page at ``/api/docs``
(served from here: no script from the internet)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ui.web.api import ApiActions

from .core import ApiCore, filters_of, kept_filters
from .errors import ApiError
from .kept import ApiConversations
from .keys import caller_of


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question, in words.")
    history: list[dict[str, Any]] = Field(
        default_factory=list, description='The conversation so far: [{"role": "user"|"assistant", "content": "…"}].'
    )
    as_of: str | None = Field(None, description="Ask as of this day (YYYY-MM-DD; default today).")
    since: str | None = Field(None, description="Only articles published on or after this day (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only articles published on or before this day (YYYY-MM-DD).")
    source: str | list[str] | None = Field(None, description="Only articles from this outlet (or these).")
    conversation: str | None = Field(
        None,
        description='Keep the exchange: "new" starts a conversation, the id an answer gave continues it '
        "(its questions are the history when none is given).",
    )


class NewArticle(BaseModel):
    """An article to add: its title and text (and outlet, date, link), or only ``url`` to fetch it."""

    model_config = ConfigDict(extra="forbid")
    title: str = ""
    text: str = ""
    source: str = Field("", description="The outlet, e.g. Reuters.")
    published: str = Field("", description="Publication date, YYYY-MM-DD.")
    url: str = Field("", description="The article's address; alone, the page is fetched and added.")


def rest_router(core: ApiCore, actions: ApiActions, route_class: type) -> APIRouter:
    router = APIRouter(prefix="/api", route_class=route_class, tags=["REST"])

    @router.get("/health")
    def health() -> dict[str, Any]:
        """Whether the server is up (no key needed; says nothing else)."""
        return {"status": "ok"}

    @router.post("/ask")
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        """Answer a question from the articles: its text with [n], the short answer, and each
        citation's article and sentence (the chat's and `newsrag ask --json`'s answer)."""
        filters = filters_of(body.as_of, body.since, body.until, body.source)
        caller = caller_of(request)
        core.admit(caller, request.client.host if request.client else "")
        answer, kept = core.ask_kept(caller, body.conversation, body.question, body.history, filters,
                                     kept_filters(body.since, body.until, body.source))  # fmt: skip
        return {**answer.to_dict(), **({"conversation": kept} if kept else {})}

    _conversation_routes(router, core)

    @router.get("/articles")
    def list_articles() -> list[dict[str, Any]]:
        """Every stored article: id, title, source, url, published, n_chunks, story."""
        return actions.list_articles()

    @router.post("/articles", status_code=201, response_model=None)
    def add_article(body: NewArticle) -> Any:
        """Add one article (title and text), or fetch the page at ``url`` and add its article.
        201 when added; 200 when it was already there (status ``unchanged`` or ``updated``)."""
        if body.url and not (body.title or body.text):
            added = actions.add_url(body.url)
        else:
            added = actions.add_article(body.title, body.text, body.source, body.published, body.url)
        return JSONResponse(added, status_code=201 if added["status"] == "added" else 200)

    @router.get("/articles/{article_id:path}")
    def get_article(article_id: str) -> dict[str, Any]:
        """One article: what the list shows, and its text."""
        found = core.service.get_article(article_id)
        if found is None:
            raise ApiError(f"No article with id {article_id!r}: GET /api/articles lists the ids.", 404, "not_found")
        return {**found.listing(), "text": core.service.article_text(found.id)}

    @router.delete("/articles/{article_id:path}")
    def delete_article(article_id: str) -> dict[str, Any]:
        """Delete an article and its passages."""
        return actions.delete_article(article_id)

    return router


def _conversation_routes(router: APIRouter, core: ApiCore) -> None:
    """The key's kept conversations: list, read, delete."""

    @router.get("/conversations")
    def conversations(request: Request) -> list[dict[str, Any]]:
        """This key's kept conversations, the last used first: id, title, created, updated."""
        return ApiConversations(core.service.conversations).listing(caller_of(request))

    @router.get("/conversations/{conversation_id}")
    def conversation(conversation_id: str, request: Request) -> dict[str, Any]:
        """One of this key's conversations: its title and each turn's question, filters and answer."""
        return ApiConversations(core.service.conversations).one(caller_of(request), conversation_id)

    @router.delete("/conversations/{conversation_id}")
    def delete_conversation(conversation_id: str, request: Request) -> dict[str, Any]:
        """Delete one of this key's conversations."""
        return ApiConversations(core.service.conversations).delete(caller_of(request), conversation_id)
