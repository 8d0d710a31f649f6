"""newsrag as an MCP server (the official ``mcp`` SDK): tools an agent can call to ask the news
with dates, search its passages, brief a period, and add or list articles.  Served over
streamable HTTP at ``/mcp`` by ``newsrag serve``, and over stdio by ``newsrag mcp``."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from rag.filters import Filters
from ui.render import answer_text
from ui.web.api import ApiActions
from vectorstore.errors import NewsragError

from .core import ApiCore, answer_structure, filters_of, hit_json

INSTRUCTIONS = (
    "newsrag answers questions from the user's own store of news articles, each claim cited [n] to "
    "the sentence it came from, and says so when the articles do not hold the answer. Dates are "
    "YYYY-MM-DD. `as_of` asks as of a day (nothing published later is used); `since`/`until` keep "
    "articles of a period; `source` keeps one outlet's. Quote the cited sentences, not your memory."
)


def _caller(ctx: Context | None) -> str:
    request = getattr(getattr(ctx, "request_context", None), "request", None) if ctx is not None else None
    state = getattr(request, "state", None)
    return f"{getattr(state, 'caller', '') or ''}"


def build_mcp(core: ApiCore, actions: ApiActions) -> MCPServer:
    server: MCPServer = MCPServer(name="newsrag", instructions=INSTRUCTIONS)
    tools = NewsTools(core, actions)
    for tool in (tools.ask, tools.search, tools.briefing, tools.add_article, tools.list_articles):
        server.tool()(tool)
    return server


class NewsTools:
    """The tools, each a method: its docstring and typed parameters are what an agent reads."""

    def __init__(self, core: ApiCore, actions: ApiActions) -> None:
        self.core, self.actions = core, actions

    def _run(self, ctx: Context | None, fn: Any, *args: Any, question: bool = True) -> Any:
        try:
            if question:  # counted against the key's question limit (once its dates are read)
                filters = filters_of(*args)
                self.core.admit(_caller(ctx), "mcp")
                return fn(filters)
            return fn(*args)
        except NewsragError as e:
            raise ToolError(str(e)) from None

    def _answer(self, question: str, filters: Filters) -> dict[str, Any]:
        a = self.core.ask(question, [], filters)
        return {"answer": answer_text(a, width=0), **answer_structure(a)}

    def ask(self, question: str, as_of: str | None = None, since: str | None = None, until: str | None = None,
            source: str | None = None, ctx: Context | None = None) -> dict[str, Any]:  # fmt: skip
        """Answer a question from the stored news articles, with numbered citations.

        Returns `answer` (text with [n] markers and its sources, as the CLI prints it), `short`
        (the short answer when one is likely right), `citations` (n, title, outlet, date, url,
        the cited `sentence`, article_id), `conflicts` (sources that revise or dispute a figure),
        `mode` (answer, timeline or briefing) and `abstained` (true: the articles do not say).
        as_of, since, until: YYYY-MM-DD; source: an outlet's name."""
        return self._run(ctx, lambda f: self._answer(question, f), as_of, since, until, source)

    def search(self, query: str, k: int = 5, as_of: str | None = None, since: str | None = None,
               until: str | None = None, source: str | None = None,
               ctx: Context | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """Find the passages of the stored articles that best match `query`, best first, to write
        your own cited answer: each with its article's title, outlet, date, url and article_id, the
        passage text and its character span in the article. k: how many (1 to 50).
        as_of, since, until: YYYY-MM-DD (only articles of that window); source: an outlet's name."""
        return self._run(ctx, lambda f: [hit_json(h) for h in self.core.search(query, k, f)], as_of, since, until,
                         source)  # fmt: skip

    def briefing(self, since: str | None = None, until: str | None = None, topic: str = "",
                 as_of: str | None = None, source: str | None = None,
                 ctx: Context | None = None) -> dict[str, Any]:  # fmt: skip
        """The stories of a period, most covered first, each line cited: since/until YYYY-MM-DD
        (default: the 7 days to as_of, today by default); topic: only stories about it."""
        question = f"What happened with {topic.strip()}?" if topic.strip() else "What happened?"
        return self._run(ctx, lambda f: self._answer(question, f), as_of, since, until, source)

    def add_article(self, title: str, text: str, source: str = "", published: str = "", url: str = "",
                    ctx: Context | None = None) -> dict[str, Any]:  # fmt: skip
        """Add one news article to the store: its title and text (required), the outlet (source),
        the publication date (published, YYYY-MM-DD) and its url. Returns status (added, unchanged
        or updated), article_id and title."""
        return self._run(ctx, self.actions.add_article, title, text, source, published, url, question=False)

    def list_articles(self, ctx: Context | None = None) -> list[dict[str, Any]]:
        """Every stored article: id, title, source (outlet), url, published (YYYY-MM-DD), n_chunks,
        story (articles of one story share it)."""
        return self._run(ctx, self.actions.list_articles, question=False)
