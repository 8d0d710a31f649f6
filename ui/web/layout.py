"""The page: one builder per tab for its components, one per tab for its wiring to
:class:`WebActions`, and the API endpoints.  Nothing here decides anything."""

from __future__ import annotations

import html
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import gradio as gr

from rag.settings import Settings
from vectorstore.errors import NewsragError
from vectorstore.ingest.loaders import supported_text

from ..format import FEED_COLUMNS, feed_rows
from .actions import Asked, Rated, Service, WebActions
from .chats import conversations_panel, wire_conversations
from .friendly import friendly
from .kept import KeptActions, browser_secret
from .page import BACK_TO_ANSWER, SHOW_CITED_SENTENCE, SHOW_LAST_QUESTION, SOURCE_HINT

LIBRARY_COLUMNS = ["title", "outlet", "date", "passages", "url"]
# Adds run beside questions (their own queue) and two at a time, so one long paste
# holds up neither the chat nor another user's add.
ADD_CONCURRENCY = 2
ADDS: dict[str, Any] = {"concurrency_limit": ADD_CONCURRENCY, "concurrency_id": "add"}
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
CACHE_KEPT = (900, 3600)  # Gradio's delete_cache: how often, and past what age (seconds)


def build_app(service: Service, settings: Settings) -> gr.Blocks:
    actions = WebActions(service, settings)
    # Gradio's copies of downloads and uploads: those over an hour old go every 15 minutes, all at exit
    with gr.Blocks(title="newsrag", analytics_enabled=False, delete_cache=CACHE_KEPT) as app:
        gr.Markdown("# newsrag — answers from your news articles, every claim cited")
        with gr.Accordion("Settings", open=False) as settings_box:
            top = SimpleNamespace(box=settings_box, view=gr.Markdown(actions.views.settings_md()))
            top.answerer = gr.Dropdown(service.answerer_names(), value=service.answerer.name, label="Answerer")
        chat = chat_tab(actions, browser_secret(settings.data_dir))
        add = add_tab()
        feeds = feeds_tab(actions, settings)
        library = library_tab(actions)
        answered, rated = wire_chat(app, actions, chat, top)
        wire_conversations(app, KeptActions(service), chat.kept, chat, answered, rated)
        wire_add(app, actions, add, top, library)
        wire_feeds(app, actions, feeds, top, library)
        wire_library(app, actions, library, top)
        wire_api(actions)
    return app


def chat_tab(actions: WebActions, secret: str) -> SimpleNamespace:
    c = SimpleNamespace()
    with gr.Tab("Chat"), gr.Row():
        c.kept = conversations_panel(secret)
        with gr.Column(scale=3):
            c.welcome = gr.Markdown(elem_id="welcome")
            with gr.Row(elem_id="examples"):
                c.examples = [gr.Button(visible=False, size="sm", elem_classes=["example"]) for _ in range(3)]
            # the chat grows with the conversation and the page scrolls (the question box stays in
            # view at the bottom); no "copy conversation" (it copied the chat's markup) and no share
            # (offline): the conversations panel exports clean Markdown or JSON
            c.chatbot = gr.Chatbot(label="Conversation", height=None, min_height=320, sanitize_html=True,
                                   elem_id="chat", autoscroll=False, buttons=["copy"])  # fmt: skip
            with gr.Group(visible=False, elem_id="feedback-more") as c.more:  # after a 👍 or 👎
                c.thanks = gr.Markdown(elem_id="feedback-said")
                with gr.Row():
                    c.correction = gr.Textbox(label="The right answer (optional)", elem_id="feedback-correction")
                    c.comment = gr.Textbox(label="Comment (optional)", elem_id="feedback-comment")
                c.send_more = gr.Button("Send", elem_id="feedback-send", size="sm")
            c.question = gr.Textbox(label="Question", placeholder="Ask about the articles…", submit_btn=True,
                                    elem_id="question")  # fmt: skip
            with gr.Row():
                c.as_of = gr.DateTime(label="As of", include_time=False, type="string",
                                      info="No later articles", elem_id="as-of")  # fmt: skip
                c.since = gr.DateTime(label="Since", include_time=False, type="string", info="Optional",
                                      elem_id="since")  # fmt: skip
                c.until = gr.DateTime(label="Until", include_time=False, type="string", info="Optional",
                                      elem_id="until")  # fmt: skip
                c.outlet = gr.Dropdown(label="Outlet", choices=actions.views.outlets(), value="",
                                       allow_custom_value=True, info="Optional")  # fmt: skip
        with gr.Column(scale=2):
            c.back = gr.Button("↑ Back to the answer", elem_id="source-back", size="sm")  # shown on a phone
            c.source_view = gr.HTML(SOURCE_HINT, elem_id="source-panel", label="Source")
        # a clicked [n] link writes "source-KEY-N@time" here (page script, see page.CITE_SCRIPT)
        c.cite_request = gr.Textbox(elem_id="cite-request", show_label=False, container=False)
        c.asked = gr.State({})  # every answer in this conversation, by its place in it (actions.Asked)
        c.rated = gr.State(None)  # the rating just given (actions.Rated)
    return c


def add_tab() -> SimpleNamespace:
    a = SimpleNamespace()
    with gr.Tab("Add articles"), gr.Row():
        with gr.Column():
            a.title = gr.Textbox(label="Title (required)")
            a.text = gr.Textbox(label="Text (required)", lines=8)
            with gr.Row():
                a.source = gr.Textbox(label="Source / outlet")
                a.date = gr.Textbox(label="Date (YYYY-MM-DD)")
                a.url = gr.Textbox(label="URL")
            a.add_btn = gr.Button("Add article", variant="primary")
            a.result = gr.Markdown(elem_id="add-said")
            with gr.Row():
                a.link = gr.Textbox(label="Article URL", placeholder="https://…", scale=4)
                a.link_btn = gr.Button("Fetch and add", scale=1)
            a.link_said = gr.Markdown(elem_id="link-said")  # under the URL it is about, not under the paste form
        with gr.Column():
            # No file_types filter: Gradio would refuse the whole batch; our loaders
            # refuse each bad file with its reason and still add the good ones.
            a.files = gr.File(label=f"Upload files ({supported_text(' ')})", file_count="multiple",
                              elem_id="upload")  # fmt: skip
            a.upload_btn = gr.Button("Add files", variant="primary")
            a.upload_said = gr.Markdown()
            a.upload_result = gr.Dataframe(
                headers=["file", "status", "title", "reason"], interactive=False, wrap=True,
                column_widths=["20%", "12%", "28%", "40%"], elem_id="upload-result",
            )  # fmt: skip
    return a


def feeds_tab(actions: WebActions, settings: Settings) -> SimpleNamespace:
    f = SimpleNamespace()
    with gr.Tab("Feeds"):
        gr.Markdown("Followed RSS/Atom feeds: new items are added while the server runs "
                    f"(every {settings.feed_minutes:g} minutes), or now with *Poll now*.")  # fmt: skip
        with gr.Row():
            f.url = gr.Textbox(label="Feed URL", placeholder="https://…/feed.xml", scale=4)
            f.follow_btn = gr.Button("Follow feed", variant="primary", scale=1)
            f.unfollow_btn = gr.Button("Stop following", scale=1)
            f.poll_btn = gr.Button("Poll now", scale=1)
        f.msg = gr.Markdown()
        f.table = gr.Dataframe(headers=FEED_COLUMNS, value=feed_rows(actions.service.feeds), interactive=False)
    return f


def library_tab(actions: WebActions) -> SimpleNamespace:
    b = SimpleNamespace()
    with gr.Tab("Library"):
        b.search = gr.Textbox(label="Search title, outlet and text")
        b.msg = gr.Markdown(elem_id="library-said")
        b.table = gr.Dataframe(headers=LIBRARY_COLUMNS, interactive=False, elem_id="library")
        b.ids = gr.State([])  # the article id of each row
        b.selected = gr.State(None)
        b.reader_head = gr.Markdown(elem_id="library-head")
        b.reader = gr.Textbox(label="Article", lines=10, interactive=False)
        with gr.Row():
            b.delete_btn = gr.Button("Delete selected", variant="stop", visible=False)
            b.confirm_btn = gr.Button("Yes, delete it", variant="stop", visible=False)
            b.cancel_btn = gr.Button("Cancel", visible=False, elem_id="library-cancel")
    return b


def wire_chat(app: gr.Blocks, actions: WebActions, c: SimpleNamespace, top: SimpleNamespace) -> Any:
    """Wires the chat; returns the events of a question answered and of an answer rated (the
    conversation is kept after each)."""

    @friendly
    def chat(
        message: str,
        history: list[dict[str, Any]],
        asked: dict[int, Asked],
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> Iterator[tuple[Any, ...]]:
        yield from actions.conversation.chat(
            message, history, asked, as_of, since, until, outlet, request, warn=gr.Warning
        )

    inputs = [c.question, c.chatbot, c.asked, c.as_of, c.since, c.until, c.outlet]
    answered = c.question.submit(chat, inputs, [c.chatbot, c.question, c.asked], **PRIVATE)
    answered.then(actions.views.settings_md, None, top.view, **PRIVATE)
    c.question.submit(None, None, None, js=SHOW_LAST_QUESTION)
    c.question.submit(lambda: SOURCE_HINT, None, c.source_view, **PRIVATE)  # the last answer's source goes
    # the outlets and the counts are the store's now, not the server's start's (another process, a feed
    # poll or another visitor may have added articles since); opening Settings reads them again.  (The
    # as-of date is set with the conversation the page opens: chats.wire_conversations.)
    views = actions.views
    app.load(lambda: (gr.update(choices=views.outlets()), views.settings_md()), None, [c.outlet, top.view],
             **PRIVATE)  # fmt: skip
    top.box.expand(actions.views.settings_md, None, top.view, **PRIVATE)

    @friendly
    def welcome() -> tuple[Any, ...]:
        said, asks = actions.views.welcome()
        return said, *(gr.update(value=q, visible=True) if q else gr.update(visible=False)
                       for q in [*asks, "", "", ""][:3])  # fmt: skip

    app.load(welcome, None, [c.welcome, *c.examples], **PRIVATE)
    for example in c.examples:  # a suggestion goes into the question box, to send or edit
        example.click(lambda q: q, example, c.question, **PRIVATE)
    c.cite_request.change(
        friendly(actions.conversation.open_cited), [c.cite_request, c.asked], c.source_view, **PRIVATE
    ).then(None, None, None, js=SHOW_CITED_SENTENCE)
    c.back.click(None, None, None, js=BACK_TO_ANSWER)

    @friendly
    def switch_answerer(name: str) -> tuple[str, Any]:
        try:
            actions.service.use_answerer(name)
        except NewsragError as e:  # keep the working answerer and say why
            gr.Warning(str(e))
        return actions.views.settings_md(), gr.update(value=actions.service.answerer.name)

    top.answerer.input(switch_answerer, top.answerer, [top.view, top.answerer], **PRIVATE)
    return answered, wire_feedback(c, actions)


def wire_feedback(c: SimpleNamespace, actions: WebActions) -> Any:
    """👍/👎 under each answer keep a rating; the box that opens takes the right answer and a comment."""

    @friendly
    def rate(asked: dict[int, Asked], evt: gr.LikeData, request: gr.Request) -> tuple[Any, ...]:
        if not isinstance(evt.liked, bool) or not isinstance(evt.index, int):
            return asked, gr.skip(), gr.skip(), gr.skip()  # a thumbs taken back: the rating stays as it was
        rated = actions.conversation.rate_turn(asked, evt.index, evt.liked, request)
        said = "Thank you (helpful)." if evt.liked else "Thank you (not helpful). What would have been right?"
        return asked, rated, gr.update(visible=True), said

    liked = c.chatbot.like(rate, [c.asked], [c.asked, c.rated, c.more, c.thanks], **PRIVATE)
    # a new question closes the box: what it asks is about the answer that was rated
    c.question.submit(lambda: (gr.update(visible=False), None), None, [c.more, c.rated], **PRIVATE)

    @friendly
    def tell(rated: Rated | None, comment: str, correction: str, request: gr.Request) -> tuple[Any, ...]:
        return actions.conversation.tell_more(rated, comment, correction, request), "", ""

    c.send_more.click(tell, [c.rated, c.comment, c.correction], [c.thanks, c.comment, c.correction], **PRIVATE)
    return liked


def wire_add(app: gr.Blocks, actions: WebActions, a: SimpleNamespace, top: Any, library: SimpleNamespace) -> None:
    # A refused article (no text, a bad date, a page that would not load) is said under the form and
    # the fields keep what was typed, to be fixed: raised, Gradio would mark every output "Error".
    @friendly
    def add(title: str, text: str, source: str, date: str, url: str) -> tuple[Any, ...]:
        try:
            said = actions.views.added_said(actions.api.add_article(title, text, source, date, url))
        except NewsragError as e:
            return (actions.views.refused_said(e), gr.update(), *[gr.update()] * 5)
        return said, actions.views.settings_md(), "", "", "", "", ""  # the form is cleared for the next article

    @friendly
    def add_link(url: str) -> tuple[Any, Any]:
        try:
            return actions.views.added_said(actions.api.add_url(url)), actions.views.settings_md()
        except NewsragError as e:
            return actions.views.refused_said(e), gr.update()

    @friendly
    def add_files(fs: list[Any] | None, progress: gr.Progress = gr.Progress()) -> list[list[str]]:
        """Add articles from files; one row per article or refused file: file, status, title, reason."""
        rows = actions.api.add_files(fs, progress)
        failed = [f"{r[0]}: {r[3]}" for r in rows if r[1] == "failed"]
        if failed:
            gr.Warning(html.escape("Not added — " + "; ".join(failed), quote=False))
        return rows

    def upload_summary(rows: Any) -> tuple[str, None]:
        """What the upload did, in one line; the file picker is emptied for the next batch."""
        statuses = list(rows["status"]) if hasattr(rows, "columns") else [r[1] for r in rows or []]
        return actions.views.upload_summary(statuses), None

    form = [a.title, a.text, a.source, a.date, a.url]
    refresh = (actions.views.library_view, library.search, [library.table, library.ids, library.msg])
    a.add_btn.click(add, form, [a.result, top.view, *form], **PRIVATE, **ADDS).then(*refresh, **PRIVATE)
    a.link_btn.click(add_link, a.link, [a.link_said, top.view], **PRIVATE, **ADDS).then(*refresh, **PRIVATE)
    a.upload_btn.click(add_files, a.files, a.upload_result, api_name="add_files", **ADDS).then(
        upload_summary, a.upload_result, [a.upload_said, a.files], **PRIVATE
    ).then(actions.views.settings_md, None, top.view, **PRIVATE).then(*refresh, **PRIVATE)


def wire_feeds(app: gr.Blocks, actions: WebActions, f: SimpleNamespace, top: Any, library: SimpleNamespace) -> None:
    def then_table(said: Any) -> Any:
        return friendly(lambda *args: (said(*args), feed_rows(actions.service.feeds)))

    views = actions.views
    for btn, fn, inputs in ((f.follow_btn, views.follow_said, f.url), (f.unfollow_btn, views.unfollow_said, f.url),
                            (f.poll_btn, views.poll_said, None)):  # fmt: skip
        btn.click(then_table(fn), inputs, [f.msg, f.table], **PRIVATE, **ADDS).then(
            actions.views.library_view, library.search, [library.table, library.ids, library.msg], **PRIVATE
        ).then(actions.views.settings_md, None, top.view, **PRIVATE)
    app.load(lambda: feed_rows(actions.service.feeds), None, f.table, **PRIVATE)


def wire_library(app: gr.Blocks, actions: WebActions, b: SimpleNamespace, top: Any) -> None:
    listing = [b.table, b.ids, b.msg]
    b.search.change(actions.views.library_view, b.search, listing, **PRIVATE)
    app.load(actions.views.library_view, b.search, listing, **PRIVATE)

    @friendly
    def select(ids: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        article_id = ids[row]
        head, text = actions.views.library_reader(article_id)
        return article_id, head, text, gr.update(visible=True)  # "Delete" once selected

    b.table.select(select, b.ids, [b.selected, b.reader_head, b.reader, b.delete_btn], **PRIVATE)

    def ask_to_confirm(article_id: str | None) -> tuple[Any, ...]:
        if not article_id:
            return gr.update(visible=False), gr.update(visible=False), "Select an article in the table first."
        shown = gr.update(visible=True)
        return shown, shown, "Delete this article? Click “Yes, delete it”, or Cancel."

    b.delete_btn.click(ask_to_confirm, b.selected, [b.confirm_btn, b.cancel_btn, b.msg], **PRIVATE)
    b.cancel_btn.click(lambda: (gr.update(visible=False), gr.update(visible=False), "Not deleted."), None,
                       [b.confirm_btn, b.cancel_btn, b.msg], **PRIVATE)  # fmt: skip

    @friendly
    def delete(article_id: str | None, query: str) -> tuple[Any, ...]:
        said = actions.views.delete_said(article_id)
        hidden = gr.update(visible=False)
        rows, ids, _ = actions.views.library_view(query)
        return None, "", "", hidden, hidden, hidden, said, rows, ids, actions.views.settings_md()

    outputs = [b.selected, b.reader_head, b.reader, b.confirm_btn, b.cancel_btn, b.delete_btn, b.msg, b.table,
               b.ids, top.view]  # fmt: skip
    b.confirm_btn.click(delete, [b.selected, b.search], outputs, **PRIVATE)


def wire_api(actions: WebActions) -> None:
    """The endpoints for ``gradio_client``: each one of :class:`WebActions`' methods, its docstring the API's."""
    gr.api(friendly(actions.api.ask), api_name="ask")
    gr.api(friendly(actions.api.add_article), api_name="add_article", **ADDS)
    gr.api(friendly(actions.api.add_url), api_name="add_url", **ADDS)
    gr.api(friendly(actions.api.list_articles), api_name="list_articles")
    gr.api(friendly(actions.api.delete_article), api_name="delete_article")
    gr.api(friendly(actions.api.follow_feed), api_name="follow_feed", **ADDS)
    gr.api(friendly(actions.api.list_feeds), api_name="list_feeds")
    gr.api(friendly(actions.api.unfollow_feed), api_name="unfollow_feed")
    gr.api(friendly(actions.api.poll_feeds), api_name="poll_feeds", **ADDS)
    gr.api(friendly(actions.api.feedback), api_name="feedback")
