"""A bare ingest for the kill tests: `python tests/ingest_worker.py DATA_DIR CORPUS.jsonl`.

The same Ingestor and store as `newsrag ingest`, with the hash embedder and small
batches so that one run has many commit points, and without the CLI's start-up cost.
It searches its keyword file after every article, so a kill can land inside an update of it too.
"""

import sys
from pathlib import Path

from vectorstore.embedders import HashEmbedder
from vectorstore.ingest.chunker import Chunker
from vectorstore.ingest.ingestor import Ingestor
from vectorstore.store import ChromaStore, open_client


def main(data: str, corpus: str) -> None:
    emb = HashEmbedder()
    store = ChromaStore(open_client(str(Path(data) / "chroma")), emb.space, emb.dim,
                        keyword_db=Path(data) / "keywords.sqlite3")  # fmt: skip

    def progress(o: object) -> None:
        print(getattr(o, "status", ""), getattr(o, "article_id", ""), flush=True)
        store.keyword_search("harbour pier", 3)  # as `serve` does: the keyword file follows each write

    report = Ingestor(store, emb, Chunker(max_words=40), batch_chunks=3).ingest_paths(
        [Path(corpus)], on_progress=progress
    )
    print("Summary:", report.summary(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
