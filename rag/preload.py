"""The models a first question waits for, loaded in a thread while the rest is imported and opened.

Loading the embedding model and the span reader is mostly native code (OpenVINO, ONNX Runtime) that
runs on a second core beside Python's imports of LangChain and Chroma and the store's opening: a cold
``newsrag ask`` waits for the longer of the two, not for their sum.  Made here (cheap), loaded in
the thread; :meth:`Models.wait` before either is used.  A model that fails to load here is loaded
again where it is first used, and fails there with its own message.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading

from vectorstore.embedders import Embedder, make_embedder

from .readers.span import SpanReader
from .settings import Settings

log = logging.getLogger(__name__)

# The packages both threads import (the models' loaders and LangChain's and Chroma's imports),
# imported before the thread starts: two threads importing the same package at once are safe
# until their imports cross in a package that imports itself in a cycle (email, multiprocessing,
# importlib.metadata …), where Python may hand one of them a module still half made.
SHARED = (
    "argparse", "base64", "bisect", "bz2", "calendar", "csv", "email.feedparser", "email.message",
    "email.parser", "email.utils", "gettext", "http.client", "importlib.metadata", "importlib.resources", "json",
    "locale", "lzma", "multiprocessing", "multiprocessing.context", "multiprocessing.reduction", "packaging.version",
    "random", "selectors", "shutil", "signal", "socket", "ssl", "subprocess", "tempfile", "urllib.request", "uuid",
)  # fmt: skip


class Models:
    """The embedder and the span reader (None when answers are read by sentences only)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or make_embedder(settings.embedder, settings.models_dir)
        self.span = None if settings.reader == "sentences" else SpanReader()  # loads its model on first use
        self._thread: threading.Thread | None = None

    def start(self) -> Models:
        """Load both now, in a thread."""
        for name in SHARED:
            with contextlib.suppress(ImportError):  # not installed: nothing to import twice
                importlib.import_module(name)
        self._thread = threading.Thread(target=self._load, name="load-models", daemon=True)
        self._thread.start()
        return self

    def _load(self) -> None:
        try:
            # a model still to prepare (a first run) is left to its first use, after its message
            if getattr(self.embedder, "prepared", True):
                self.embedder.embed(["load"])
            if self.span is not None:
                self.span.load()
        except Exception:  # said where it is used again (the same error, on the caller's thread)
            log.debug("preloading the models failed", exc_info=True)

    def wait(self) -> None:
        """Until the thread (if started) is done: then neither is loaded twice at once."""
        if self._thread is not None:
            self._thread.join()
