"""The exception tree of newsrag.

Every message says what went wrong *and what to do about it*.  The UI and the
CLI translate these once, at the edge; library code only raises them.
"""

from __future__ import annotations


class NewsragError(Exception):
    """Base class of every error meant for a user."""


class ConfigError(NewsragError):
    """A setting is missing, malformed or names something unknown."""


class InputError(NewsragError):
    """A question or another user input cannot be used as given."""


class IngestError(NewsragError):
    """An article or file could not be added to the store."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)
        self.reason = message


class BackendUnavailable(NewsragError):
    """A server newsrag depends on (Chroma, an LLM server) cannot be reached."""


class NotFound(NewsragError):
    """An article id that is not in the store."""
