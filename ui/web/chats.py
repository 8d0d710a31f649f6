"""The conversations panel beside the chat: the list of kept conversations (a reload or a
restart reopens the last one), a new one, and for the open one its name, its export as
Markdown or JSON, and deleting it (asked to confirm).  Layout and wiring only: what each
step does is :class:`KeptActions`'."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from ..format import md_escape
from .friendly import friendly
from .kept import KeptActions, asked_with, browser_id, owner_of
from .page import SOURCE_HINT

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
# the hidden download button, clicked once an export is written into it
CLICK_DOWNLOAD = """() => { const el = document.querySelector('#conv-download');
  (el && el.tagName === 'BUTTON' ? el : el?.querySelector('button'))?.click(); }"""


def conversations_panel(secret: str) -> SimpleNamespace:
    """Built inside the chat tab's row, before the chat's column; ``secret``: the key of the
    browser's stored id (kept.browser_secret, the same across restarts)."""
    k = SimpleNamespace()
    with gr.Column(scale=1, min_width=220, elem_id="conversations"):
        k.new = gr.Button("New conversation", elem_id="conv-new", size="sm")
        k.list = gr.Radio([], label="Conversations", elem_id="conv-list", info="Kept on this server")
        with gr.Accordion("This conversation", open=False, elem_id="conv-tools"):
            k.name = gr.Textbox(label="Name", elem_id="conv-name")
            k.rename = gr.Button("Rename", elem_id="conv-rename", size="sm")
            with gr.Row():  # each writes its file when clicked (not after every answer), then downloads it
                k.export_md = gr.Button("Markdown", elem_id="conv-export-md", size="sm")
                k.export_json = gr.Button("JSON", elem_id="conv-export-json", size="sm")
            k.download = gr.DownloadButton("Download", elem_id="conv-download", visible="hidden", value=None)
            k.delete = gr.Button("Delete", elem_id="conv-delete", size="sm", variant="stop")
            with gr.Row(visible=False) as k.confirm_row:
                k.confirm = gr.Button("Delete for good", elem_id="conv-confirm", size="sm", variant="stop")
                k.cancel = gr.Button("Cancel", elem_id="conv-cancel", size="sm")
        k.said = gr.Markdown(elem_id="conv-said")
    k.browser = gr.BrowserState("", storage_key="newsrag-browser", secret=secret)  # this browser's id (no login)
    k.conv_id = gr.State("")  # the open conversation ("" until its first answer)
    return k


THUMBS = {"up": "Like", "down": "Dislike"}  # a rating as the chat's thumbs show it


def chat_view(messages: list[dict[str, Any]], answers: dict[int, Any]) -> Any:
    """The chat showing ``messages``, each answer's 👍/👎 as it was rated (none for a new one)."""
    return gr.update(
        value=messages,
        feedback_value=[
            THUMBS.get(answers[key].rating) if key in answers else None
            for key, m in enumerate(messages)
            if m["role"] == "assistant"
        ],
    )


def wire_conversations(
    app: gr.Blocks, kept: KeptActions, k: SimpleNamespace, c: SimpleNamespace, asked: Any, rated: Any
) -> None:
    """``c``: the chat's components; ``asked``: the event of an answered question, ``rated``: of a
    thumbs (the conversation is kept after each)."""

    def shown(owner: str, conv_id: str) -> tuple[Any, ...]:
        """The list and this conversation's name."""
        return gr.update(choices=kept.choices(owner), value=conv_id or None), kept.title(owner, conv_id)

    listing = [k.list, k.name]
    fields = [c.as_of, c.since, c.until, c.outlet]  # set to what the conversation was last asked with

    @friendly
    def on_load(browser: Any, request: gr.Request) -> tuple[Any, ...]:
        bid = browser_id(browser)
        owner = owner_of(request, bid)
        conv_id = kept.latest(owner)
        messages, answers = kept.open(owner, conv_id) if conv_id else ([], {})
        return bid, conv_id, chat_view(messages, answers), answers, *shown(owner, conv_id), *asked_with(answers)

    app.load(on_load, [k.browser], [k.browser, k.conv_id, c.chatbot, c.asked, *listing, *fields], **PRIVATE)

    @friendly
    def keep(answers: Any, conv_id: str, browser: Any, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request, browser)
        conv_id = kept.keep(answers, conv_id, owner)
        return conv_id, *shown(owner, conv_id)

    # One at a time, in order: a thumbs given while the answer's keep still runs would otherwise read
    # no conversation id yet and keep the conversation a second time.
    for event in (asked, rated):
        event.then(keep, [c.asked, k.conv_id, k.browser], [k.conv_id, *listing], **PRIVATE,
                   concurrency_limit=1, concurrency_id="keep-conversation")  # fmt: skip

    @friendly
    def open_one(conv_id: str, browser: Any, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request, browser)
        messages, answers = kept.open(owner, conv_id)
        return (
            conv_id,
            chat_view(messages, answers),
            answers,
            SOURCE_HINT,
            "",
            *shown(owner, conv_id),
            *asked_with(answers),
        )

    opened = [k.conv_id, c.chatbot, c.asked, c.source_view, k.said, *listing, *fields]
    k.list.input(open_one, [k.list, k.browser], opened, **PRIVATE)

    @friendly
    def new(browser: Any, request: gr.Request) -> tuple[Any, ...]:
        return "", chat_view([], {}), {}, SOURCE_HINT, "", *shown(owner_of(request, browser), ""), *asked_with({})

    k.new.click(new, [k.browser], opened, **PRIVATE)
    c.chatbot.clear(new, [k.browser], opened, **PRIVATE)  # the chat's own Clear starts a new one too

    _wire_management(kept, k, opened, shown, listing)


def _wire_management(kept: KeptActions, k: SimpleNamespace, opened: list[Any], shown: Any, listing: list[Any]) -> None:
    """Rename, delete (after a confirmation) and export the open conversation."""

    @friendly
    def rename(conv_id: str, name: str, browser: Any, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request, browser)
        kept.rename(owner, conv_id, name)
        return "Renamed.", *shown(owner, conv_id)

    k.rename.click(rename, [k.conv_id, k.name, k.browser], [k.said, *listing], **PRIVATE)
    k.delete.click(lambda: gr.update(visible=True), None, k.confirm_row, **PRIVATE)
    k.cancel.click(lambda: gr.update(visible=False), None, k.confirm_row, **PRIVATE)

    @friendly
    def delete(conv_id: str, browser: Any, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request, browser)
        title = kept.delete(owner, conv_id)
        return ("", chat_view([], {}), {}, SOURCE_HINT, f"Deleted “{md_escape(title)}”.", *shown(owner, ""),
                *asked_with({}), gr.update(visible=False))  # fmt: skip

    k.confirm.click(delete, [k.conv_id, k.browser], [*opened, k.confirm_row], **PRIVATE)

    for button, kind in ((k.export_md, "md"), (k.export_json, "json")):

        @friendly
        def export(conv_id: str, browser: Any, request: gr.Request, kind: str = kind) -> str:
            return str(kept.export_file(owner_of(request, browser), conv_id, kind))

        button.click(export, [k.conv_id, k.browser], k.download, **PRIVATE).success(None, js=CLICK_DOWNLOAD)
