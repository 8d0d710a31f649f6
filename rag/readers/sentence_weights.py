"""Weights of the extractive answerer's models (:mod:`.sentence_model`).  Written by
``benchmarks/fit_sentences.py``; refit rather than edit by hand."""

SPACE = "minilm"  # the similarities were this embedding space's
WEIGHTS = {
    "bias": -2.5455,
    "similarity": 1.0202,
    "embedded": 0.252,
    "similarity_gap": -3.1802,
    "lexical": 2.4706,
    "lexical_gap": -2.1037,
    "bigrams": 0.7239,
    "previous_lexical": -0.2437,
    "next_lexical": -0.8715,
    "rank": -0.3566,
    "retrieval": 0.9507,
    "typed_number": 0.0435,
    "typed_date": 0.2514,
    "typed_place": 0.8675,
    "typed_name": 0.4578,
    "untyped": -0.6677,
    "title_new": 0.0684,
    "new_names": -0.2861,
    "name_support": 0.4311,
    "quotable": -1.0027,
    "words": 0.3763,
}
ANSWERABLE = {
    "bias": -1.6029,
    "relevance": 2.4106,
    "best": 0.1418,
    "best_lexical": -0.0502,
    "best_similarity": 0.3645,
    "missing": -0.3897,
    "missing_names": 0.8573,
    "kind_missing": -0.5848,
}
THRESHOLD = 0.31
