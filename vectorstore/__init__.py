"""Articles, chunks, embeddings and the Chroma store."""
