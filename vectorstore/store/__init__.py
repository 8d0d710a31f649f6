"""The Chroma-backed store of articles and their chunks.

Two collections: ``<prefix>_chunks`` (one record per passage, with its
embedding) and ``<prefix>_articles`` (one record per article: full text and
metadata).  The article record is written *last* and acts as the commit
marker: chunks whose article record is missing, or whose content hash differs
from it, are invisible to queries and are cleaned up on the next write of that
article.  So a crash half-way through an article never leaves a partial
article behind, and re-running the same ingest converges to one copy.

The room: ``client.py`` opens Chroma (embedded or a server); ``base.py`` holds the shared
state and the guard of every call; ``reads.py``, ``writes.py`` and ``check.py`` are what
the store does, one job each; ``chroma.py`` puts them together as :class:`ChromaStore`.
It may import the package's records, errors, change log, keyword index and story index.
"""

from vectorstore.store.base import CHROMA_MAX_BATCH
from vectorstore.store.check import CheckReport
from vectorstore.store.chroma import ChromaStore, open_store
from vectorstore.store.client import StorePlace, open_client, prepare_data_dir

__all__ = [
    "CHROMA_MAX_BATCH",
    "CheckReport",
    "ChromaStore",
    "StorePlace",
    "open_client",
    "open_store",
    "prepare_data_dir",
]
