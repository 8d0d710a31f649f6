"""Every API failure in OpenAI's error shape (``{"error": {"message", "type", "code", "param"}}``):
400 for bad input with the message that says what to do, 404 for an unknown article or model,
429 over the question limit — never a 500 with a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from vectorstore.errors import NewsragError, NotFound

log = logging.getLogger(__name__)


class ApiError(NewsragError):
    """A refusal with its HTTP status and OpenAI error code."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid_request", param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.param = status, code, param


class TooMany(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 429, "rate_limit_exceeded")


def error_body(message: str, code: str, status: int, param: str | None = None) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )
    return {"error": {"message": message, "type": kind, "code": code, "param": param}}


def error_response(e: Exception) -> JSONResponse:
    """The response for an exception raised while answering (the message a user can act on)."""
    if isinstance(e, ApiError):
        status, code, param = e.status, e.code, e.param
    elif isinstance(e, NotFound):
        status, code, param = 404, "not_found", None
    elif isinstance(e, NewsragError):
        status, code, param = 400, "invalid_request", None
    else:
        log.exception("API request failed")
        return JSONResponse(error_body("Something went wrong on the server; its log says what.", "server_error",
                                       500), status_code=500)  # fmt: skip
    return JSONResponse(error_body(str(e), code, status, param), status_code=status)


def validation_message(e: RequestValidationError) -> tuple[str, str | None]:
    """A body FastAPI could not read, said as a person would fix it."""
    first = (e.errors() or [{}])[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    what = str(first.get("msg", "is not valid"))
    if first.get("type") == "json_invalid":
        return "The request body is not valid JSON. Send a JSON object.", None
    return f"{where or 'The request body'}: {what}.", where or None


class ApiRoute(APIRoute):
    """A route whose failures all come back in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as e:
                message, param = validation_message(e)
                return JSONResponse(error_body(message, "invalid_request", 400, param), status_code=400)
            except Exception as e:  # every failure said, never a traceback
                return error_response(e)

        return guarded
