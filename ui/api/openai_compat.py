"""OpenAI's chat completions, so any client or chat front-end that speaks it can add newsrag as a
model: ``GET /v1/models`` and ``POST /v1/chat/completions``, streamed (server-sent events, as the
official client reads them) or not.  The reply's ``content`` is the answer as the CLI prints it,
with its [n]; its structure (citations with the cited sentence, the short answer, conflicts, the
mode) rides in fields OpenAI clients keep and ignore: ``choices[0].message`` — on the last chunk's
``delta`` when streamed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.answer import Answer
from rag.condense import message_text
from ui.render import answer_text, term_safe

from .core import ApiCore, answer_structure, filters_of, kept_filters
from .errors import ApiError, error_response
from .keys import caller_of

MODEL = "newsrag"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[Any] | None = None


class ChatRequest(BaseModel):
    """OpenAI's request (fields it has and newsrag does not use are accepted and ignored), with
    newsrag's filters as extra body fields: the CLI's --as-of, --since, --until and --source."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    as_of: str | None = Field(None, description="Ask as of this day (YYYY-MM-DD; default today).")
    since: str | None = Field(None, description="Only articles published on or after this day (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only articles published on or before this day (YYYY-MM-DD).")
    source: str | list[str] | None = Field(None, description="Only articles from this outlet (or these).")
    conversation: str | None = Field(None, description='Keep the exchange: "new", or the id a reply gave.')


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """The question (the last message, the user's) and the conversation before it (for follow-ups)."""
    last = messages[-1]
    if last.role != "user":
        raise ApiError(f"The last message must be the user's question (role 'user'), not {last.role!r}.",
                       param="messages")  # fmt: skip
    question = message_text(last.content)
    if question is None:  # (an empty one is refused as the chat refuses it)
        raise ApiError("The last message holds no text: put the question in its content.", param="messages")
    history = [{"role": m.role, "content": message_text(m.content) or ""} for m in messages[:-1]
               if m.role in ("user", "assistant")]  # fmt: skip
    return question, history


def completion(answer: Answer, model: str, conversation: str | None = None) -> dict[str, Any]:
    """A whole chat completion (with the id of the conversation it was kept in)."""
    message = {"role": "assistant", "content": answer_text(answer, width=0), **answer_structure(answer),
               **({"conversation": conversation} if conversation else {})}  # fmt: skip
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}  # fmt: skip


def chunks(items: Iterator[str | Answer], model: str, conversation: str | None = None) -> Iterator[str]:
    """Server-sent events of ``chat.completion.chunk``: the answer's text as it is written (up to
    its first [n]), then the rest of what the CLI prints with the structure, then ``[DONE]``.  A
    failure mid-answer is an ``error`` event (the official client raises it)."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model}  # fmt: skip

    def event(delta: dict[str, Any], finish: Literal["stop"] | None = None) -> str:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    written, sent = "", ""  # the text so far; the part of it already sent
    try:
        for item in items:
            if isinstance(item, Answer):
                full = answer_text(item, width=0)
                rest = full[len(sent) :] if full.startswith(sent) else "\n\n" + full  # (an answerer rewrote it)
                kept = {"conversation": conversation} if conversation else {}
                yield event({"content": rest, **answer_structure(item), **kept}, "stop")
                continue
            written += term_safe(item)
            # sent as it is written up to its first [n]: the markers are renumbered at the end, so
            # what follows one comes with the final chunk
            live = written.split("[", 1)[0]
            if len(live) > len(sent):
                yield event({"content": live[len(sent) :]})
                sent = live
    except Exception as e:  # every failure said in the stream, never a traceback
        body = json.loads(bytes(error_response(e).body))
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def openai_router(core: ApiCore, route_class: type) -> APIRouter:
    router = APIRouter(prefix="/v1", route_class=route_class, tags=["OpenAI-compatible"])

    @router.get("/models")
    def models() -> dict[str, Any]:
        """The one model: ``newsrag`` (the answerer the server is configured with)."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "newsrag"}]}

    @router.post("/chat/completions", response_model=None)
    def chat_completions(body: ChatRequest, request: Request) -> Any:
        """Answer the last user message from the articles, the messages before it as the
        conversation (a follow-up is searched as a whole question, as in the chat)."""
        if body.model != MODEL:
            raise ApiError(f"The model {body.model!r} does not exist here: use {MODEL!r} (GET /v1/models).", 404,
                           "model_not_found", "model")  # fmt: skip
        filters = filters_of(body.as_of, body.since, body.until, body.source)
        question, history = split_messages(body.messages)
        caller = caller_of(request)
        core.admit(caller, request.client.host if request.client else "")
        if not body.stream or body.conversation:  # (a kept exchange is answered whole, then sent)
            answer, kept = core.ask_kept(caller, body.conversation, question, history, filters,
                                         kept_filters(body.since, body.until, body.source))  # fmt: skip
            if not body.stream:
                return completion(answer, body.model, kept)
            return StreamingResponse(chunks(iter([answer]), body.model, kept), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})  # fmt: skip
        items = core.stream(question, history, filters)
        first = next(items)  # a refused question (empty, too long) is a 400, not an event in a 200 stream

        def replay() -> Iterator[str | Answer]:
            yield first
            yield from items

        return StreamingResponse(chunks(replay(), body.model), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})  # fmt: skip

    return router
