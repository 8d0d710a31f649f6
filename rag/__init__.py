"""Retrieval and answering over the article store."""
