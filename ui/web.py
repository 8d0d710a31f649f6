"""The Gradio UI: chat with cited sources, add articles, the library, settings.

Only presentation: every action calls the service (rag → vectorstore) and
translates its errors into ``gr.Error`` messages.  Nothing is built at import;
:func:`build_app` takes the settings and the service.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import inspect
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from rag.answer import Answer
from rag.filters import Filters
from vectorstore.article import Article, parse_date
from vectorstore.errors import InputError, NewsragError
from vectorstore.ingest import STATUSES
from vectorstore.loaders import supported_text

from .format import FEED_COLUMNS, answer_markdown, cited_source, feed_rows, md_escape

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
LIBRARY_COLUMNS = ["id", "title", "outlet", "date", "url", "passages"]
# Adds run beside questions (their own queue) and two at a time, so one long paste
# holds up neither the chat nor another user's add.
ADD_CONCURRENCY = 2
# Questions are answered two at a time: the embedder spreads its work over the cores
# (one run per core) and the rest waits on Chroma or SQLite, so a second question
# fills the gaps of the first (benchmarks/load.py).
ASK_CONCURRENCY = 2
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SOURCE_HINT = "<p class='source-hint'>Click a [n] in an answer to read its source here.</p>"
# The page's one script: a click on an answer's [n] link (href "#source-KEY-N") asks the
# server for that source instead of following the link.
CITE_SCRIPT = """<script>
document.addEventListener("click", (e) => {
  const a = e.target.closest ? e.target.closest('a[href^="#source-"]') : null;
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const box = document.querySelector("#cite-request textarea, #cite-request input");
  if (!box) return;
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
  setter.call(box, a.getAttribute("href").slice(1) + "@" + Date.now());
  box.dispatchEvent(new Event("input", { bubbles: true }));
}, true);
</script>"""
CSS = """
#cite-request { display: none !important; }
#source-panel { max-height: 640px; overflow-y: auto; }
#source-panel .cited-passage { background: rgba(255, 221, 87, 0.25); }
#source-panel mark.cited-sentence { background: rgba(255, 196, 0, 0.75); }
a.cite { text-decoration: none; font-weight: 600; }
"""
# The chat does not follow the stream to its end (autoscroll off): once a question is sent,
# the view moves to it, so the answer streams below it and its start stays in view.
SHOW_LAST_QUESTION = """() => { setTimeout(() => {
  const rows = document.querySelectorAll("#chat .message-row.user-row");
  const last = rows[rows.length - 1];
  const wrap = document.querySelector("#chat .bubble-wrap");
  if (last && wrap) wrap.scrollTop = last.offsetTop - wrap.offsetTop;
}, 300); }"""
SHOW_CITED_SENTENCE = """() => { setTimeout(() => {
  const m = document.getElementById("cited-sentence");
  if (m) m.scrollIntoView({ block: "center" });
}, 100); }"""


def _as_typed(message: dict[str, Any]) -> dict[str, Any]:
    """A conversation turn as the user typed it (the chat shows it through :func:`md_escape`)."""
    content = message.get("content")
    if message.get("role") == "user" and isinstance(content, str):
        return {**message, "content": html.unescape(content)}
    return message


def _friendly(fn: F) -> F:
    """Turn every failure into a clear message in the UI, never a traceback."""

    def translate(e: Exception) -> Exception:
        if isinstance(e, gr.Error):
            return e
        if isinstance(e, NewsragError):  # Gradio renders messages as HTML: escape what users and articles wrote
            return gr.Error(html.escape(str(e), quote=False))
        log.exception("unexpected error in %s", fn.__name__)
        return gr.Error(
            html.escape(f"Unexpected error ({type(e).__name__}: {e}). The app keeps working; see the server log.")
        )

    if inspect.isgeneratorfunction(fn):

        @wraps(fn)
        def gen_wrapper(*a: Any, **k: Any) -> Any:
            try:
                yield from fn(*a, **k)
            except Exception as e:
                raise translate(e) from None

        return gen_wrapper  # type: ignore[return-value]

    @wraps(fn)
    def wrapper(*a: Any, **k: Any) -> Any:
        try:
            return fn(*a, **k)
        except Exception as e:
            raise translate(e) from None

    return wrapper  # type: ignore[return-value]


def expect_text(name: str, value: Any) -> None:
    """API callers may send anything: a field meant as text must be text (or empty)."""
    if value is not None and not isinstance(value, str):
        raise InputError(
            f"The field {name!r} must be text (a string), not {type(value).__name__}. Send it as a string."
        )


def build_app(service: Any, settings: Any) -> Any:
    limit = QuestionLimit(settings.questions_per_minute)

    def settings_md() -> str:
        a = service.answerer
        return (
            f"**Answerer:** `{a.name}` · **Model:** `{a.model}` · "
            f"**Embedder:** `{settings.embedder}` ({service.embedder.space} vectors)  \n"
            f"**Store:** {service.store.where} · **Articles:** {service.store.count_articles()} · "
            f"**Passages:** {service.store.count_chunks()}"
        )

    # ---- API + UI actions ------------------------------------------------
    @_friendly
    def ask(
        question: str,
        history: list[dict[str, Any]] | None = None,
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Answer a question as of a day (YYYY-MM-DD, default today), optionally within a date range
        and for an outlet; returns the answer with its structured citations."""
        limit.check(_client(request))
        filters = Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=source)
        return dict(service.ask(question, history or [], filters).to_dict())

    @_friendly
    def add_article(title: str, text: str, source: str = "", published: str = "", url: str = "") -> dict[str, Any]:
        """Add one article (title and text required; date as YYYY-MM-DD)."""
        fields = {"title": title, "text": text, "source": source, "published": published, "url": url}
        for name, value in fields.items():
            expect_text(name, value)
        if not (title or "").strip() or not (text or "").strip():
            raise InputError("Both a title and the article text are required.")
        size = len(text.encode("utf-8"))
        if size > settings.max_file_mb * 1024 * 1024:
            raise InputError(
                f"The text is {size / 1024 / 1024:.1f} MB, over the {settings.max_file_mb:g} MB limit per article. "
                "Split it into several articles, or raise NEWSRAG_MAX_FILE_MB."
            )
        try:
            date = parse_date(published)
        except ValueError as e:
            raise InputError(f"Date: {e}.") from None
        art = Article(title=title.strip(), text=text.strip(), source=(source or "").strip() or None,
                      published=date, url=(url or "").strip() or None)  # fmt: skip
        if not art.title or not art.text.strip():
            raise InputError("The title or the text holds only control characters. Paste the article's words.")
        o = service.add_article(art)
        if o.status == "failed":
            raise InputError(f"The article was not added: {o.reason}.")
        return {"status": o.status, "article_id": o.article_id, "title": o.title}

    @_friendly
    def list_articles() -> list[dict[str, Any]]:
        """Every stored article: id, title, source, url, published, n_chunks, story."""
        return [a.listing() for a in service.list_articles()]

    @_friendly
    def delete_article(article_id: str) -> dict[str, Any]:
        """Delete an article and its passages."""
        expect_text("article_id", article_id)
        if not (article_id or "").strip():
            raise InputError("Give the id of the article to delete (`/list_articles` shows the ids).")
        a = service.delete(article_id)
        return {"deleted": a.id, "title": a.title}

    @_friendly
    def ingest_files(files: list[Any] | None, progress: Any = None) -> list[list[str]]:
        if not files:
            raise InputError(f"Choose one or more files first ({supported_text()}).")
        paths = [Path(getattr(f, "name", f)) for f in files]
        seen: dict[str, int] = {}

        def tick(o: Any) -> None:  # "file 2 of 5 · 37 articles": a .jsonl holds many
            seen[o.path] = seen.get(o.path, 0) + 1
            if progress is not None:
                n = sum(seen.values())
                progress(
                    (len(seen), len(paths)), desc=f"file {len(seen)} of {len(paths)} · {n} article{'s' * (n != 1)}"
                )

        report = service.ingest_paths(paths, on_progress=tick)
        return [[Path(o.path).name, o.status, o.title, o.reason] for o in report.outcomes]

    # ---- chat ---------------------------------------------------------------
    @_friendly
    def chat(
        message: str,
        history: list[dict[str, Any]],
        cited: dict[int, list[Any]],
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> Iterator[tuple[Any, ...]]:
        # the user's turns are shown escaped (a question is never Markdown); condensing reads what they typed
        prior = [_as_typed(m) for m in history or [] if isinstance(m, dict)]
        history = [*(history or []), {"role": "user", "content": md_escape(message or "")},
                   {"role": "assistant", "content": "…"}]  # fmt: skip
        key = len(history) - 1  # this answer's place in the conversation: its [n] links name it
        text = ""
        final: Answer | None = None
        try:
            # a bad date in a filter is said once, in the conversation, like any refused question
            limit.check(_client(request))
            filters = Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=outlet)
            yield history, "", cited
            for item in service.stream(message, prior, filters):
                if isinstance(item, Answer):
                    final = item
                else:
                    text += item
                    history[-1] = {"role": "assistant", "content": md_escape(text)}
                    yield history, "", cited
        except NewsragError as e:  # say it in the conversation, keep what was written, keep serving
            gr.Warning(html.escape(str(e), quote=False))
            shown = md_escape(text) + "\n\n" if text else ""
            history[-1] = {"role": "assistant", "content": f"{shown}⚠ **Not answered:** {md_escape(str(e))}"}
            yield history, message, cited
            return
        assert final is not None
        history[-1] = {"role": "assistant", "content": answer_markdown(final, key)}
        yield history, "", {**(cited or {}), key: final.citations}

    @_friendly
    def open_cited(request: str, cited: dict[int, list[Any]]) -> str:
        """Source n of the answer a clicked [n] link names ("source-KEY-N@time"), inside its article."""
        m = re.fullmatch(r"source-(\d+)-(\d+)(@\d+)?", (request or "").strip())
        if not m:
            return ""
        key, n = int(m.group(1)), int(m.group(2))
        found = next((c for c in (cited or {}).get(key, []) if c.n == n), None)
        if found is None:
            return "<p>That source is no longer available (the page was reloaded). Ask the question again.</p>"
        return cited_source(found, service.article_text(found.article_id))

    def outlets() -> list[str]:
        return ["", *sorted({a.source for a in service.list_articles() if a.source}, key=str.lower)]

    # ---- library --------------------------------------------------------------
    def library_rows(query: str = "") -> list[list[Any]]:
        """The Library's rows whose title holds ``query``, newest first (undated ones last)."""
        q = (query or "").strip().lower()
        found = [a for a in service.list_articles() if q in a.title.lower()]
        found.sort(key=lambda a: a.published or "", reverse=True)
        return [[a.id, a.title, a.source or "", a.published or "", a.url or "", a.n_chunks] for a in found]

    def library_view(query: str = "") -> tuple[list[list[Any]], str]:
        """The rows and what to say when there are none."""
        rows = library_rows(query)
        if rows:
            return rows, ""
        if (query or "").strip():
            return rows, f"No article's title holds “{md_escape(query.strip())}”."
        return rows, "The library is empty: add articles in the *Add articles* tab."

    with gr.Blocks(title="newsrag", analytics_enabled=False) as app:
        gr.Markdown("## newsrag — answers from your news articles, every claim cited")
        with gr.Accordion("Settings", open=False) as settings_box:
            settings_view = gr.Markdown(settings_md())
            answerer_pick = gr.Dropdown(service.answerer_names(), value=service.answerer.name, label="Answerer")
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=480, sanitize_html=True, elem_id="chat",
                                     autoscroll=False)  # fmt: skip
                question = gr.Textbox(label="Question", placeholder="Ask about the articles…", submit_btn=True)
                with gr.Row():
                    as_of = gr.DateTime(
                        label="As of",
                        include_time=False,
                        type="string",
                        info="Later articles are not used",
                        elem_id="as-of",
                    )
                    since = gr.DateTime(label="Since", include_time=False, type="string", info="Optional",
                                        elem_id="since")  # fmt: skip
                    until = gr.DateTime(label="Until", include_time=False, type="string", info="Optional",
                                        elem_id="until")  # fmt: skip
                    outlet = gr.Dropdown(label="Outlet", choices=outlets(), value="", allow_custom_value=True,
                                         info="Optional")  # fmt: skip
            with gr.Column(scale=2):
                source_view = gr.HTML(SOURCE_HINT, elem_id="source-panel", label="Source")
            # a clicked [n] link writes "source-KEY-N@time" here (page script, see CITE_SCRIPT)
            cite_request = gr.Textbox(elem_id="cite-request", show_label=False, container=False)
            cited = gr.State({})  # every answer's citations in this conversation, by its place in it
        with gr.Tab("Add articles"), gr.Row():
            with gr.Column():
                f_title = gr.Textbox(label="Title (required)")
                f_text = gr.Textbox(label="Text (required)", lines=8)
                with gr.Row():
                    f_source = gr.Textbox(label="Source / outlet")
                    f_date = gr.Textbox(label="Date (YYYY-MM-DD)")
                    f_url = gr.Textbox(label="URL")
                add_btn = gr.Button("Add article", variant="primary")
                add_result = gr.Markdown()
                with gr.Row():
                    f_link = gr.Textbox(label="Article URL", placeholder="https://…", scale=4)
                    link_btn = gr.Button("Fetch and add", scale=1)
            with gr.Column():
                # No file_types filter: Gradio would refuse the whole batch; our loaders
                # refuse each bad file with its reason and still add the good ones.
                files = gr.File(label=f"Upload files ({supported_text(' ')})", file_count="multiple",
                                elem_id="upload")  # fmt: skip
                upload_btn = gr.Button("Add files", variant="primary")
                upload_said = gr.Markdown()
                upload_result = gr.Dataframe(
                    headers=["file", "status", "title", "reason"], interactive=False, wrap=True,
                    column_widths=["20%", "12%", "28%", "40%"], elem_id="upload-result",
                )  # fmt: skip
        with gr.Tab("Feeds"):
            gr.Markdown("Followed RSS/Atom feeds: new items are added while the server runs "
                        f"(every {settings.feed_minutes:g} minutes), or now with *Poll now*.")  # fmt: skip
            with gr.Row():
                feed_url = gr.Textbox(label="Feed URL", placeholder="https://…/feed.xml", scale=4)
                follow_btn = gr.Button("Follow feed", variant="primary", scale=1)
                unfollow_btn = gr.Button("Stop following", scale=1)
                poll_btn = gr.Button("Poll now", scale=1)
            feed_msg = gr.Markdown()
            feed_table = gr.Dataframe(headers=FEED_COLUMNS, value=feed_rows(service.feeds), interactive=False)
        with gr.Tab("Library"):
            search = gr.Textbox(label="Search titles")
            table = gr.Dataframe(headers=LIBRARY_COLUMNS, value=library_rows(), interactive=False, elem_id="library")
            selected = gr.State(None)
            reader = gr.Textbox(label="Article", lines=10, interactive=False)
            with gr.Row():
                delete_btn = gr.Button("Delete selected", variant="stop", visible=False)
                confirm_btn = gr.Button("Yes, delete it", variant="stop", visible=False)
            library_msg = gr.Markdown()

        # ---- wiring -----------------------------------------------------------
        question.submit(
            chat, [question, chatbot, cited, as_of, since, until, outlet], [chatbot, question, cited],
            api_visibility="private",
        ).then(lambda: settings_md(), None, settings_view, api_visibility="private")  # fmt: skip
        question.submit(None, None, None, js=SHOW_LAST_QUESTION)
        # the as-of date is today's for each visitor, when the page loads (a server may run for days)
        # ... and the counts are the store's now, not the server's start's (another process, a feed poll or
        # another visitor may have added articles since); opening Settings reads them again
        app.load(lambda: (dt.date.today().isoformat(), gr.update(choices=outlets()), settings_md()),
                 None, [as_of, outlet, settings_view], api_visibility="private")  # fmt: skip
        settings_box.expand(settings_md, None, settings_view, api_visibility="private")
        cite_request.change(open_cited, [cite_request, cited], source_view, api_visibility="private").then(
            None, None, None, js=SHOW_CITED_SENTENCE
        )

        @_friendly
        def ui_add(title: str, text: str, source: str, date: str, url: str) -> tuple[str, ...]:
            o = add_article(title, text, source, date, url)
            said = f"**{o['status']}**: {md_escape(o['title'])} (id {md_escape(o['article_id'])})"
            return said, settings_md(), "", "", "", "", ""  # the form is cleared for the next article

        form = [f_title, f_text, f_source, f_date, f_url]
        add_btn.click(
            ui_add, form, [add_result, settings_view, *form], api_visibility="private",
            concurrency_limit=ADD_CONCURRENCY, concurrency_id="add",
        ).then(library_rows, search, table, api_visibility="private")  # fmt: skip

        @_friendly
        def add_files(fs: list[Any] | None, progress: gr.Progress = gr.Progress()) -> list[list[str]]:
            """Add articles from files; one row per article or refused file: file, status, title, reason."""
            rows = ingest_files(fs, progress)
            failed = [f"{r[0]}: {r[3]}" for r in rows if r[1] == "failed"]
            if failed:
                gr.Warning(html.escape("Not added — " + "; ".join(failed), quote=False))
            return rows

        def upload_summary(rows: Any) -> tuple[str, None]:
            """What the upload did, in one line; the file picker is emptied for the next batch."""
            statuses = list(rows["status"]) if hasattr(rows, "columns") else [r[1] for r in rows or []]
            if not statuses:
                return "", None
            counts = {s: statuses.count(s) for s in sorted(set(statuses), key=_status_order)}
            return "**Done:** " + ", ".join(f"{n} {s}" for s, n in counts.items()) + ".", None

        @_friendly
        def add_url(url: str) -> dict[str, Any]:
            """Fetch a web page (on the user's request) and add its article: status, article_id, title."""
            expect_text("url", url)
            from vectorstore.fetch import is_url

            url = (url or "").strip()
            if not is_url(url):
                raise InputError("Give the article's address, starting with https:// (or http://).")
            report = service.ingest_paths([], urls=[url])
            o = report.outcomes[0]
            if o.status == "failed":
                raise InputError(f"The page was not added: {o.reason}")
            return {"status": o.status, "article_id": o.article_id, "title": o.title}

        @_friendly
        def ui_add_url(url: str) -> tuple[str, str]:
            o = add_url(url)
            return f"**{o['status']}**: {md_escape(o['title'])} (id {md_escape(o['article_id'])})", settings_md()

        link_btn.click(
            ui_add_url, f_link, [add_result, settings_view], api_visibility="private",
            concurrency_limit=ADD_CONCURRENCY, concurrency_id="add",
        ).then(library_rows, search, table, api_visibility="private")  # fmt: skip

        upload_btn.click(
            add_files,
            files,
            upload_result,
            api_name="add_files",
            concurrency_limit=ADD_CONCURRENCY,
            concurrency_id="add",
        ).then(upload_summary, upload_result, [upload_said, files], api_visibility="private").then(
            settings_md, None, settings_view, api_visibility="private"
        ).then(library_rows, search, table, api_visibility="private")
        search.change(library_view, search, [table, library_msg], api_visibility="private")
        app.load(library_view, search, [table, library_msg], api_visibility="private")

        # ---- feeds ------------------------------------------------------------
        @_friendly
        def follow_feed(url: str) -> dict[str, Any]:
            """Follow an RSS/Atom feed (checked now) and add its current items: title, url, added, error."""
            expect_text("url", url)
            feed, result = service.follow_feed(url or "")
            return {"title": feed.title, "url": feed.url, "added": result.added, "error": result.error}

        @_friendly
        def list_feeds() -> list[dict[str, Any]]:
            """The followed feeds: url, title, last_poll, last_added, total_added, last_error."""
            keys = ("url", "title", "last_poll", "last_added", "total_added", "last_error")
            return [{k: getattr(f, k) for k in keys} for f in service.feeds.all()]

        @_friendly
        def unfollow_feed(url: str) -> dict[str, Any]:
            expect_text("url", url)
            f = service.unfollow_feed(url or "")
            return {"url": f.url, "total_added": f.total_added}

        @_friendly
        def poll_feeds() -> list[dict[str, Any]]:
            """Poll every followed feed now: per feed, url, added, error."""
            return [{"url": r.feed, "added": r.added, "error": r.error} for r in service.poll_feeds()]

        def feed_said(lines: list[str]) -> str:
            return "  \n".join(md_escape(line) for line in lines)

        @_friendly
        def ui_follow(url: str) -> tuple[str, Any]:
            r = follow_feed(url)
            lines = [f"Following {r['title'] or r['url']}: {r['added']} articles added."]
            lines += [r["error"]] if r["error"] else []
            return feed_said(lines), feed_rows(service.feeds)

        @_friendly
        def ui_unfollow(url: str) -> tuple[str, Any]:
            r = unfollow_feed(url)
            return feed_said([f"No longer following {r['url']}; its {r['total_added']} articles stay."]), feed_rows(
                service.feeds
            )

        @_friendly
        def ui_poll() -> tuple[str, Any]:
            results = poll_feeds()
            lines = [f"{r['url']}: {r['added']} added" + (f" ({r['error']})" if r["error"] else "") for r in results]
            return feed_said(lines or ["You follow no feeds yet."]), feed_rows(service.feeds)

        for btn, fn, inputs in ((follow_btn, ui_follow, feed_url), (unfollow_btn, ui_unfollow, feed_url),
                                (poll_btn, ui_poll, None)):  # fmt: skip
            btn.click(
                fn, inputs, [feed_msg, feed_table], api_visibility="private",
                concurrency_limit=ADD_CONCURRENCY, concurrency_id="add",
            ).then(library_rows, search, table, api_visibility="private").then(
                settings_md, None, settings_view, api_visibility="private"
            )  # fmt: skip
        app.load(lambda: feed_rows(service.feeds), None, feed_table, api_visibility="private")

        @_friendly
        def ui_select(rows: Any, evt: gr.SelectData) -> tuple[Any, ...]:
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            article_id = str(rows.iloc[row, 0]) if hasattr(rows, "iloc") else str(rows[row][0])
            return article_id, service.article_text(article_id), gr.update(visible=True)  # "Delete" once selected

        table.select(ui_select, table, [selected, reader, delete_btn], api_visibility="private")

        def ask_to_confirm(article_id: str | None) -> tuple[Any, str]:
            if not article_id:
                return gr.update(visible=False), "Select an article in the table first."
            return gr.update(visible=True), "Delete this article? Click “Yes, delete it”."

        delete_btn.click(ask_to_confirm, selected, [confirm_btn, library_msg], api_visibility="private")

        @_friendly
        def ui_delete(article_id: str | None, query: str) -> tuple[Any, ...]:
            if not article_id:
                raise InputError("Select an article in the table first.")
            d = delete_article(article_id)
            return (
                None,
                "",
                gr.update(visible=False),
                gr.update(visible=False),
                f"Deleted: {md_escape(d['title'])}",
                library_rows(query),
                settings_md(),
            )

        outputs = [selected, reader, confirm_btn, delete_btn, library_msg, table, settings_view]
        confirm_btn.click(ui_delete, [selected, search], outputs, api_visibility="private")

        @_friendly
        def ui_answerer(name: str) -> tuple[str, Any]:
            try:
                service.use_answerer(name)
            except NewsragError as e:  # keep the working answerer and say why
                gr.Warning(str(e))
            return settings_md(), gr.update(value=service.answerer.name)

        answerer_pick.input(ui_answerer, answerer_pick, [settings_view, answerer_pick], api_visibility="private")

        gr.api(ask, api_name="ask")
        gr.api(add_article, api_name="add_article", concurrency_limit=ADD_CONCURRENCY, concurrency_id="add")
        gr.api(add_url, api_name="add_url", concurrency_limit=ADD_CONCURRENCY, concurrency_id="add")
        gr.api(list_articles, api_name="list_articles")
        gr.api(delete_article, api_name="delete_article")
        gr.api(follow_feed, api_name="follow_feed", concurrency_limit=ADD_CONCURRENCY, concurrency_id="add")
        gr.api(list_feeds, api_name="list_feeds")
        gr.api(unfollow_feed, api_name="unfollow_feed")
        gr.api(poll_feeds, api_name="poll_feeds", concurrency_limit=ADD_CONCURRENCY, concurrency_id="add")
    return app


def _status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


LOGIN_MESSAGE = "After 5 wrong passwords within a minute, logins pause for a minute after the last one."


class LoginGuard:
    """Gradio's login check, with a limit: after ``tries`` wrong passwords within ``window`` seconds,
    every login is refused (the right password too) until ``window`` seconds after the last wrong one,
    so a password cannot be guessed at the speed of the network.  Gradio's check is not told who
    asks, so the limit is the account's; the log says when it holds."""

    def __init__(self, user: str, password: str, tries: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.user, self.password, self.tries, self.window, self.clock = user, password, tries, window, clock
        self._wrong: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, user: str, password: str) -> bool:
        now = self.clock()
        with self._lock:
            self._wrong = [t for t in self._wrong if now - t < self.window]
            if len(self._wrong) >= self.tries:
                log.warning("login refused: %d wrong passwords in the last %g s", len(self._wrong), self.window)
                return False
            right = hmac.compare_digest(user.encode(), self.user.encode()) & hmac.compare_digest(
                password.encode(), self.password.encode()
            )
            if not right:
                self._wrong.append(now)
            return right


class QuestionLimit:
    """At most ``per_minute`` questions a minute from one client address (0: no limit)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._asked: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        if not self.per_minute:
            return
        now = self.clock()
        with self._lock:
            self._asked = {c: ts for c, ts in self._asked.items() if now - ts[-1] < 60.0}  # idle ones go
            recent = [t for t in self._asked.get(client, []) if now - t < 60.0]
            if len(recent) >= self.per_minute:
                wait = 60.0 - (now - recent[0])
                raise InputError(
                    f"Too many questions: {self.per_minute} a minute is the limit here (NEWSRAG_QUESTIONS_PER_MINUTE). "
                    f"Ask again in {max(1, round(wait))} s."
                )
            self._asked[client] = [*recent, now]

    @property
    def clients(self) -> int:
        """How many client addresses are remembered (those that asked within the last minute)."""
        return len(self._asked)


def _client(request: gr.Request | None) -> str:
    return str(getattr(getattr(request, "client", None), "host", "") or "local")


def auth_pair(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise InputError("NEWSRAG_AUTH must look like user:password.")
    return user, password


def exposure_warning(settings: Any) -> str | None:
    """A loud warning when the UI is reachable from other machines without a login."""
    if settings.host in LOOPBACK or settings.host.startswith("127.") or settings.auth:
        return None
    return (
        f"WARNING: the UI on {settings.host}:{settings.port} is open to every machine that can reach this one, "
        "with no login: anyone can read, add and delete articles. Set NEWSRAG_AUTH=user:password, "
        "or serve on 127.0.0.1 (the default)."
    )


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on.  SO_REUSEADDR, as uvicorn binds: the connections
    of a server that just stopped linger in TIME_WAIT, and they must not block its restart."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise InputError(
                f"Cannot serve on {host}:{port}: {e.strerror or e} (another newsrag or program may be using it). "
                "Stop it, or choose another port with --port or NEWSRAG_PORT."
            ) from None


def serve(service: Any, settings: Any, block: bool = True) -> Any:
    check_port_free(settings.host, settings.port)  # the CLI checks (and warns) before its slow start too
    app = build_app(service, settings)
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=LoginGuard(*pair) if (pair := auth_pair(settings.auth)) else None,
        auth_message=LOGIN_MESSAGE,
        show_error=True,
        head=CITE_SCRIPT,
        css=CSS,
        prevent_thread_lock=not block,
        quiet=True,
    )
    return app
