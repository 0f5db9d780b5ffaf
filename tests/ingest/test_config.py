"""Config precedence (defaults < file < environment < overrides) and clear errors for bad values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.config import Config
from ingest.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment() -> None:
    config = Config.load(environ={})
    assert config == Config()
    assert (config.index_dir, config.chunk_tokens, config.chunk_overlap, config.top_k) == (
        Path(".policydesk"),
        200,
        30,
        10,
    )
    assert config.chroma_url is None


def test_autouse_fixture_isolates_the_index(_isolated_home: Path) -> None:
    assert Config.load().index_dir == _isolated_home


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config_file = _write(
        tmp_path / "custom.toml", 'chunk_tokens = 150\nchunk_overlap = 10\ntop_k = 4\nindex_dir = "from-file"\n'
    )
    environ = {"POLICYDESK_CONFIG": str(config_file)}
    from_file = Config.load(environ=environ)
    assert (from_file.chunk_tokens, from_file.chunk_overlap, from_file.top_k) == (150, 10, 4)
    assert from_file.index_dir == Path("from-file")

    environ |= {"POLICYDESK_CHUNK_TOKENS": "120", "POLICYDESK_HOME": str(tmp_path / "env-home")}
    from_env = Config.load(environ=environ)
    assert (from_env.chunk_tokens, from_env.chunk_overlap, from_env.index_dir) == (120, 10, tmp_path / "env-home")

    overridden = Config.load({"chunk_tokens": 90, "index_dir": None, "top_k": None}, environ=environ)
    assert (overridden.chunk_tokens, overridden.index_dir, overridden.top_k) == (90, tmp_path / "env-home", 4)


def test_policydesk_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    _write(tmp_path / "policydesk.toml", "top_k = 3\n")  # the autouse fixture made tmp_path the cwd
    assert Config.load(environ={}).top_k == 3


def test_empty_environment_values_are_ignored() -> None:
    assert Config.load(environ={"POLICYDESK_CHUNK_TOKENS": "", "POLICYDESK_CHROMA_URL": ""}) == Config()


def test_paths_expand_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = Config.load(environ={"POLICYDESK_HOME": "~/index", "POLICYDESK_MODEL_CACHE": "~/models"})
    assert (config.index_dir, config.model_cache) == (tmp_path / "index", tmp_path / "models")


def test_chroma_url_from_environment_loses_its_trailing_slash() -> None:
    config = Config.load(environ={"POLICYDESK_CHROMA_URL": "http://127.0.0.1:8000/"})
    assert config.chroma_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"POLICYDESK_CHUNK_TOKENS": "abc"}, "Setting chunk_tokens must be a whole number, got 'abc'."),
        ({"POLICYDESK_CHUNK_TOKENS": "0"}, "Setting chunk_tokens must be positive, got 0."),
        ({"POLICYDESK_TOP_K": "-3"}, "Setting top_k must be positive, got -3."),
        ({"POLICYDESK_CHUNK_OVERLAP": "-1"}, "Setting chunk_overlap must be positive, got -1."),
        ({"POLICYDESK_CHUNK_OVERLAP": "1.5"}, "Setting chunk_overlap must be a whole number, got '1.5'."),
        ({"POLICYDESK_MAX_FILE_MB": "0"}, "Setting max_file_mb must be positive, got 0."),
        (
            {"POLICYDESK_INGEST_LOCK_TIMEOUT": "soon"},
            "Setting ingest_lock_timeout must be a number of seconds, got 'soon'.",
        ),
        (
            {"POLICYDESK_INGEST_LOCK_TIMEOUT": "-1"},
            "Setting ingest_lock_timeout must be 0 or more seconds, got '-1'.",
        ),
        (
            {"POLICYDESK_EMBED_PRECISION": "fp16"},
            "Setting embed_precision must be one of fp32, int8, got 'fp16'.",
        ),
        (
            {"POLICYDESK_CHROMA_URL": "localhost:8000"},
            "chroma_url must look like http://HOST:PORT, got 'localhost:8000'.",
        ),
    ],
)
def test_bad_environment_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.load(environ=environ)
    assert str(caught.value) == message


def test_ingest_settings_from_the_environment() -> None:
    config = Config.load(environ={"POLICYDESK_INGEST_LOCK_TIMEOUT": "2.5", "POLICYDESK_MAX_FILE_MB": "7"})
    assert (config.ingest_lock_timeout, config.max_file_mb) == (2.5, 7)
    assert (Config().ingest_lock_timeout, Config().max_file_mb) == (600.0, 100)


def test_zero_overlap_is_allowed() -> None:
    assert Config.load(environ={"POLICYDESK_CHUNK_OVERLAP": "0"}).chunk_overlap == 0


def test_unknown_setting_in_the_file_lists_the_valid_ones(tmp_path: Path) -> None:
    config_file = _write(tmp_path / "p.toml", "chunk_size = 100\n")
    with pytest.raises(ConfigError) as caught:
        Config.load(environ={"POLICYDESK_CONFIG": str(config_file)})
    assert str(caught.value) == (
        "Unknown setting(s) chunk_size; valid settings: index_dir, chroma_url, collection_prefix, chunk_tokens, "
        "chunk_overlap, top_k, model_cache, writer, llm_url, llm_model, llm_timeout, llm_threads, llm_model_file, "
        "ingest_lock_timeout, max_file_mb, embed_precision."
    )


def test_writer_settings_come_from_the_environment() -> None:
    config = Config.load(
        environ={
            "POLICYDESK_WRITER": "openai",
            "POLICYDESK_LLM_URL": "http://127.0.0.1:8080/v1/",
            "POLICYDESK_LLM_THREADS": "2",
        }
    )
    assert (config.writer, config.llm_url, config.llm_threads) == ("openai", "http://127.0.0.1:8080/v1", 2)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("POLICYDESK_WRITER", "gpt", "Setting writer must be one of extractive, openai, llamacpp, got 'gpt'."),
        ("POLICYDESK_LLM_URL", "http://127.0.0.1:8080", "llm_url must look like http://HOST:PORT/v1 (ending in /v1)"),
        ("POLICYDESK_LLM_TIMEOUT", "soon", "Setting llm_timeout must be a number of seconds, got 'soon'."),
    ],
)
def test_bad_writer_settings_say_what_is_expected(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.load(environ={variable: value})


def test_missing_config_file_named_by_the_environment(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        Config.load(environ={"POLICYDESK_CONFIG": str(missing)})
    assert str(caught.value) == f"POLICYDESK_CONFIG names {missing}, which does not exist; fix the path or unset it."


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    config_file = _write(tmp_path / "broken.toml", "chunk_tokens = = 3\n")
    with pytest.raises(ConfigError) as caught:
        Config.load(environ={"POLICYDESK_CONFIG": str(config_file)})
    assert str(caught.value).startswith(f"{config_file} is not valid TOML (")
    assert str(caught.value).endswith("); fix the file or remove it.")


def test_bad_value_in_the_file_is_named(tmp_path: Path) -> None:
    config_file = _write(tmp_path / "p.toml", 'top_k = "many"\n')
    with pytest.raises(ConfigError, match=r"^Setting top_k must be a whole number, got 'many'\.$"):
        Config.load(environ={"POLICYDESK_CONFIG": str(config_file)})


@pytest.mark.parametrize("value", ["150.7", "true"])
def test_non_integer_toml_values_are_rejected(tmp_path: Path, value: str) -> None:
    """Regression: ``int()`` silently truncated a TOML float (``chunk_tokens = 150.7`` became 150) and turned
    ``true`` into 1, where the same value from the environment is rejected; a typo must not change the index."""
    config_file = _write(tmp_path / "p.toml", f"chunk_tokens = {value}\n")
    with pytest.raises(ConfigError, match=r"^Setting chunk_tokens must be a whole number, got "):
        Config.load(environ={"POLICYDESK_CONFIG": str(config_file)})


def test_embed_precision_changes_the_content_hash_and_fp32_keeps_the_old_one() -> None:
    import hashlib

    from ingest.pipeline import INDEX_FORMAT, index_version

    fp32, int8 = Config(embed_precision="fp32"), Config(embed_precision="int8")
    before = hashlib.sha256(f"abc|{fp32.chunk_tokens}|{fp32.chunk_overlap}|{INDEX_FORMAT}".encode()).hexdigest()
    assert index_version("abc", fp32) == before  # indexes built before the setting stay current
    assert index_version("abc", int8) != before  # switching re-embeds on the next ingest
