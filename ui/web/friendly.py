"""Every failure of a UI action or an API call becomes a clear message, never a traceback."""

from __future__ import annotations

import html
import inspect
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from vectorstore.errors import NewsragError

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
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
