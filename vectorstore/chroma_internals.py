"""Every use of Chroma's internals, in one place, with the Chroma versions they were written for.

- **Reopening** (:func:`forget_system`): Chroma shares one system per folder in a process;
  to open an embedded store afresh, that cache entry is forgotten.
- **Torn vector indexes**: found, and set aside so that Chroma reads the collection again.

Chroma 1.5 saves a collection's vector index by rewriting its files in place
(``index_metadata.pickle`` and hnswlib's files).  A process killed during that save
leaves them unreadable, and every later read of that collection fails.  The records
themselves (ids, text, metadata) live in ``chroma.sqlite3`` and are intact: with the
damaged folder moved aside, Chroma reads them again, and the store writes every vector
anew (``ChromaStore.rebuild_vectors``).  The folder stays aside, as ``<segment>.torn``,
until that is done, so an interrupted repair is found and finished by the next one.
Embedded stores only: a Chroma server keeps its files to itself.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".torn"
WRITTEN_FOR = ("1.5",)  # the Chroma versions (major.minor) whose internals this module reads
_warned: set[str] = set()


def check_version() -> bool:
    """Whether the installed Chroma is one this module was written for; warned once otherwise."""
    import chromadb

    version = str(getattr(chromadb, "__version__", "unknown"))
    if ".".join(version.split(".")[:2]) in WRITTEN_FOR:
        return True
    if version not in _warned:
        _warned.add(version)
        log.warning(
            "Chroma %s is installed; newsrag's repair and reopening of an embedded store were written for Chroma %s "
            "(its segments table, its per-folder cache). If `newsrag check --repair` or a store changed by another "
            "process misbehaves, install chromadb %s.*.",
            version, " or ".join(WRITTEN_FOR), WRITTEN_FOR[-1],
        )  # fmt: skip
    return False


def forget_system(persist_directory: str) -> None:
    """Forget the system Chroma keeps for this folder, so that the next client gets its own."""
    from chromadb.api.shared_system_client import SharedSystemClient

    check_version()
    SharedSystemClient._identifier_to_system.pop(persist_directory, None)
    SharedSystemClient._identifier_to_refcount.pop(persist_directory, None)


def vector_folder(persist_dir: str, collection_id: str) -> Path | None:
    """The folder of a collection's vector index in an embedded store (None: not found)."""
    check_version()
    db = Path(persist_dir) / "chroma.sqlite3"
    if not db.is_file():
        return None
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'", (collection_id,)
        ).fetchone()
    finally:
        conn.close()
    return None if row is None else Path(persist_dir) / str(row[0])


def aside(folder: Path) -> Path:
    return folder.with_name(folder.name + SUFFIX)


def set_aside(folder: Path) -> None:
    """Move a torn index out of Chroma's way (a folder already aside stays: its repair was cut off)."""
    if aside(folder).exists():
        shutil.rmtree(folder, ignore_errors=True)
    elif folder.exists():
        folder.rename(aside(folder))


def repaired(folder: Path) -> None:
    """Every vector was written again: the torn copy can go."""
    shutil.rmtree(aside(folder), ignore_errors=True)
