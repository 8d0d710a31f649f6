"""The REST API under ``/api``: ask, the articles (list, add one as JSON or by URL, read, delete)
and health; its OpenAPI schema at ``/api/openapi.json`` and a docs page at ``/api/docs``
(served from here: no script from the internet)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ui.web.api import ApiActions

from .core import ApiCore, filters_of
from .errors import ApiError
from .keys import CALLER


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
        core.admit(getattr(request.state, "caller", CALLER.get()), request.client.host if request.client else "")
        return core.ask(body.question, body.history, filters).to_dict()

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
