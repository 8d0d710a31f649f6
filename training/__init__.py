"""Training the reader (``make reader``): never imported by the product, which only loads
the exported model (:mod:`rag.readers.span`).

- :mod:`.examples`: one training window (question, passage, answer span or none) and the
  product's own chunking, so the reader learns on passages shaped like the ones it reads;
- :mod:`.squad_pages`: SQuAD 2.0 and 1.1 dev, rebuilt from the explorer's per-article pages;
- :mod:`.news`: RealTimeQA weeks by distant supervision (answers located by string match);
- :mod:`.train`: fine-tunes all-MiniLM-L6-v2 with a span head (transformers' Trainer);
- :mod:`.export`: the trained model as dynamic int8 ONNX, the file the product ships.
"""
