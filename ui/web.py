"""The Gradio chat UI (a first version; the full UI is issue 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def serve(service: Any, settings: Any) -> None:
    import gradio as gr

    from rag.answer import Answer
    from vectorstore.errors import NewsragError

    def respond(message: str, history: list[dict[str, Any]]) -> Iterator[str]:
        text = ""
        try:
            for item in service.stream(message, history):
                if isinstance(item, Answer):
                    text = item.text
                else:
                    text += item
                yield text
        except NewsragError as e:
            raise gr.Error(str(e)) from None

    demo = gr.ChatInterface(respond, title="newsrag")
    demo.launch(server_name=settings.host, server_port=settings.port, share=False)
