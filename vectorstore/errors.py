"""The exception tree of newsrag.

Every message says what went wrong *and what to do about it*.  The UI and the
CLI translate these once, at the edge; library code only raises them.
"""

from __future__ import annotations

from collections.abc import Iterator

# Exception class names that mean "the other end is not there", whichever HTTP
# library (httpx, requests, openai, chromadb) raised them.
_CONNECTION_ERRORS = {
    "APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout", "ConnectionError",
    "ConnectionRefusedError", "ReadTimeout", "RemoteProtocolError", "ReadError",
}  # fmt: skip


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


class StoreDamaged(NewsragError):
    """A crash left part of the store unreadable; ``newsrag check --repair`` rebuilds it."""


class NotFound(NewsragError):
    """An article id that is not in the store."""


def _causes(e: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def is_connection_error(e: BaseException) -> bool:
    """True when ``e`` (or what caused it) says a server could not be reached."""
    return any(type(x).__name__ in _CONNECTION_ERRORS for x in _causes(e))


def is_damaged_index(e: BaseException) -> bool:
    """True when ``e`` says Chroma could not load a collection's saved vector index.

    Chroma 1.5 rewrites a collection's ``index_metadata.pickle`` (and its index files) in
    place when it saves the index, so a process killed during that save leaves them torn:
    every later read of that collection fails with "Error constructing hnsw segment reader"
    ("Error deserializing pickle file", "Error loading hnsw index")."""
    return _internal_error_says(e, "hnsw")


def is_stale_reader(e: BaseException) -> bool:
    """True when ``e`` says this process's embedded Chroma still holds records another process
    has since replaced or deleted: a filtered search then fails with "Error finding id" until
    the client is opened again (Chroma 1.5 keeps each process's segment readers in memory)."""
    return _internal_error_says(e, "error finding id")


def _internal_error_says(e: BaseException, words: str) -> bool:
    """True when ``e``, or what caused it, is a Chroma InternalError whose message holds ``words``."""
    return any(type(x).__name__ == "InternalError" and words in str(x).lower() for x in _causes(e))
