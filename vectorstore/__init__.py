"""Articles, passages, embeddings and the Chroma store, in rooms:

- ``records.py``, ``article.py``, ``errors.py`` — what every room passes around: stored
  articles, retrieved passages and the scope of a search; the article and its id; the
  exception tree.  They import nothing of the package.
- ``embedders/`` — the ``Embedder`` Protocol, its registry and the MiniLM backends.
- ``store/`` — the Chroma store: opening it, its reads, writes and check.
- ``keyword/`` — the ``KeywordIndex`` Protocol, its terms, and SQLite FTS5 (``fts.py``).
- ``ingest/`` — loaders, fetching, feeds, the chunker, stories and the ingestor.
- ``changelog.py``, ``chroma_config.py``, ``chroma_internals.py`` — what the store and the
  keyword index share about Chroma: the change log they follow, its save thresholds, and
  every use of its internals (reopening a store, setting a torn vector index aside).

A room imports the shared modules and the rooms below it (store → keyword, ingest.dedup;
ingest → embedders), never one that imports it: tests/test_structure.py checks for circles.
"""
