"""Opening Chroma: an embedded store in a folder made ready for it, or a server."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vectorstore.errors import BackendUnavailable, ConfigError

log = logging.getLogger(__name__)


def open_client(data_dir: str | None = None, host: str | None = None, port: int = 8000) -> Any:
    """An embedded Chroma under ``data_dir``, or a Chroma server when ``host`` is set.

    Telemetry is always off.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
        except Exception as e:  # chromadb raises several types for a dead server
            raise BackendUnavailable(
                f"The Chroma server at http://{host}:{port} is not reachable ({type(e).__name__}). "
                f"Start it with `chroma run --host {host} --port {port} --path DIR`, "
                "or unset NEWSRAG_CHROMA_HOST to use the embedded store."
            ) from None
        return client
    if not data_dir:
        raise ConfigError("No data directory: set NEWSRAG_DATA_DIR (or NEWSRAG_CHROMA_HOST for a server).")
    try:
        return chromadb.PersistentClient(path=data_dir, settings=settings)
    except Exception as e:  # a damaged or foreign chroma.sqlite3, a store from another Chroma version
        raise ConfigError(
            f"The store in {data_dir} cannot be opened: it is damaged or not a Chroma store "
            f"({type(e).__name__}: {str(e)[:200]}). Move that folder away (your articles must then be ingested "
            "again), or point NEWSRAG_DATA_DIR at another folder."
        ) from None


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory, or say exactly why it cannot be used."""
    hint = "Set NEWSRAG_DATA_DIR (or --data-dir) to a folder newsrag may write to."
    for parent in [data_dir, *data_dir.parents]:
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == data_dir else f"lies under {parent}, which is a file"
            raise ConfigError(f"The data directory {data_dir} {what}, not a folder. {hint}")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"The data directory {data_dir} cannot be written ({e.strerror}). {hint}") from None


@dataclass(frozen=True)
class StorePlace:
    """Where a store lives: an embedded Chroma under ``data_dir``, or a Chroma server at
    ``host``:``port`` (its keyword index still in ``data_dir``); ``collection``: the names' prefix."""

    data_dir: Path
    host: str | None = None
    port: int = 8000
    collection: str = "newsrag"

    @property
    def where(self) -> str:
        if self.host:
            return f"Chroma server at http://{self.host}:{self.port}"
        return f"embedded Chroma store in {(self.data_dir / 'chroma').resolve()}"

    @property
    def keyword_db(self) -> Path:
        name = f"{self.collection}-{self.host}-{self.port}" if self.host else self.collection
        return self.data_dir / f"keywords-{name}.sqlite3"
