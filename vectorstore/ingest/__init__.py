"""Getting articles in: files and pages loaded into articles (``loaders.py``, one registry of
file types; ``fetch.py``, pages on the user's request; ``feeds.py``, followed RSS/Atom feeds),
cut into passages (``chunker.py``), grouped into stories (``dedup.py``), and written, embedded
and idempotent (``ingestor.py``, through the ``ArticleWriter`` it asks of a store).

It may import the package's records, article, errors and embedders; never the store (the
ingestor is given one).
"""
