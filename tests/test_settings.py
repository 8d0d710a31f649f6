import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.answerers import make_answerer
from rag.prompts import ANSWER_USER, Template
from rag.settings import SETTINGS_DOC, Settings
from ui.cli import main
from vectorstore.embedders import HashEmbedder, make_embedder
from vectorstore.errors import ConfigError

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_env_then_overrides() -> None:
    s = Settings.from_env({"NEWSRAG_CONTEXT_K": "7", "NEWSRAG_ANSWERER": "openai"}, answerer="extractive")
    assert s.context_k == 7 and s.answerer == "extractive"
    assert s.host == "127.0.0.1"  # private by default


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="NEWSRAG_CONTEXT_K='many' is not a whole number"):
        Settings.from_env({"NEWSRAG_CONTEXT_K": "many"})
    with pytest.raises(ConfigError, match="context_k must be between 1 and 100"):
        Settings.from_env({"NEWSRAG_CONTEXT_K": "0"})
    with pytest.raises(ConfigError, match=r"retrieve_k must be between context_k \(8\) and 1000"):
        Settings.from_env({"NEWSRAG_CONTEXT_K": "8", "NEWSRAG_RETRIEVE_K": "6"})
    with pytest.raises(ConfigError, match="NEWSRAG_TOP_K is now NEWSRAG_CONTEXT_K"):
        Settings.from_env({"NEWSRAG_TOP_K": "5"})


@pytest.mark.parametrize(
    ("var", "raw", "says"),
    [
        ("NEWSRAG_MAX_FILE_MB", "nan", "max_file_mb must be a finite number, got nan (NEWSRAG_MAX_FILE_MB)"),
        ("NEWSRAG_FEED_MINUTES", "nan", "feed_minutes must be a finite number"),
        ("NEWSRAG_MIN_SCORE", "inf", "min_score must be a finite number"),
        ("NEWSRAG_MAX_QUESTION_CHARS", "0", "max_question_chars must be at least 1, got 0"),
        ("NEWSRAG_MAX_QUESTION_CHARS", "-5", "max_question_chars must be at least 1, got -5"),
        ("NEWSRAG_FETCH_SECONDS", "0", "fetch_seconds and llm_timeout must be positive"),
        ("NEWSRAG_ALLOW_PRIVATE_URLS", "maybe", "NEWSRAG_ALLOW_PRIVATE_URLS='maybe' is not 1 or 0"),
    ],
)
def test_a_setting_that_would_switch_a_limit_off_or_refuse_everything_is_refused(var: str, raw: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        Settings.from_env({var: raw})


def test_private_urls_are_refused_unless_allowed() -> None:
    assert Settings.from_env({}).allow_private_urls is False
    assert Settings.from_env({"NEWSRAG_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls is True


def test_unknown_names_list_the_choices() -> None:
    with pytest.raises(ConfigError, match="Choose one of: extractive, openai, ollama, llamacpp"):
        make_answerer("gpt", Settings(), HashEmbedder())
    with pytest.raises(ConfigError, match="Choose one of: hash, minilm"):
        make_embedder("bert")
    with pytest.raises(
        ConfigError, match=r"Unknown keyword index 'bm25s'. Choose one of: fts5 \(NEWSRAG_KEYWORD_INDEX\)"
    ):
        Settings.from_env({"NEWSRAG_KEYWORD_INDEX": "bm25s"})


def test_a_store_of_another_vector_space_names_the_settings_that_fit_it(tmp_path: Path) -> None:
    """The hint names registry keys a user can set, the default first (a store records its
    vectors' space, "minilm", which no longer names the default embedder)."""
    from rag.service import NewsRAG

    class MiniLMSpace(HashEmbedder):  # MiniLM's space without loading the model: only the label is read
        space = "minilm"

    NewsRAG.build(Settings(data_dir=tmp_path / "a"), embedder=MiniLMSpace())
    with pytest.raises(
        ConfigError, match=r"Set NEWSRAG_EMBEDDER=minilm-auto or minilm-openvino or minilm-int8 or minilm or"
    ):
        NewsRAG.build(Settings(data_dir=tmp_path / "a"), embedder=HashEmbedder())
    NewsRAG.build(Settings(data_dir=tmp_path / "b"), embedder=HashEmbedder())
    with pytest.raises(ConfigError, match=r"in the 'hash' space, not 'minilm'.*Set NEWSRAG_EMBEDDER=hash,"):
        NewsRAG.build(Settings(data_dir=tmp_path / "b"), embedder=MiniLMSpace())


def test_the_extractive_answerer_takes_its_fitted_weights_only_in_their_space() -> None:
    from rag.readers import sentence_weights

    class MiniLMSpace(HashEmbedder):
        space = "minilm"

    from rag.answerers.reading import Calibration
    from rag.readers.span import MODEL_DIR

    fitted = Calibration.load(MODEL_DIR / "calibration.json")
    assert fitted.threshold > 0.0
    assert make_answerer("extractive", Settings(), MiniLMSpace()).calibration == fitted  # type: ignore[attr-defined]
    assert make_answerer("extractive", Settings(), HashEmbedder()).calibration.threshold == 0.0  # type: ignore[attr-defined]
    # the sentence model, as before
    old = Settings(reader="sentences")
    chooser = make_answerer("extractive", old, MiniLMSpace()).reader.chooser  # type: ignore[attr-defined]
    assert chooser.threshold == sentence_weights.THRESHOLD
    assert make_answerer("extractive", old, HashEmbedder()).reader.chooser.threshold == 0.0  # type: ignore[attr-defined]


def test_openai_answerer_without_url_or_key_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="NEWSRAG_BASE_URL"):
        make_answerer("openai", Settings(), HashEmbedder())


def test_api_key_is_never_shown() -> None:
    s = Settings(api_key="sk-secret")
    assert "sk-secret" not in repr(s) and s.public()["api_key"] == "set"


def test_every_setting_is_documented_in_the_readme() -> None:
    for name, (var, _) in SETTINGS_DOC.items():
        assert var in README, f"{var} ({name}) is missing from the README's settings table"
    assert set(SETTINGS_DOC) == {f for f in Settings.__dataclass_fields__}


def test_every_cli_command_is_documented_and_has_help() -> None:
    runner = CliRunner()
    for name in main.commands:
        assert re.search(rf"newsrag {name}\b", README), f"`newsrag {name}` is not in the README"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_templates_check_their_variables() -> None:
    with pytest.raises(KeyError, match="missing \\['question'\\]"):
        ANSWER_USER.render(passages="p")
    with pytest.raises(ValueError, match="declares"):
        Template("{a} {b}", frozenset({"a"}))
