"""One typed configuration object, built once at the entry point and passed down.

Precedence: defaults < config file < environment variables < explicit overrides (CLI flags).
The config file is ``policydesk.toml`` in the working directory, or the file named by ``POLICYDESK_CONFIG``;
its keys are the field names below.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError

CONFIG_FILE_ENV = "POLICYDESK_CONFIG"
DEFAULT_CONFIG_FILE = Path("policydesk.toml")

# Environment variable for each field that may be set from the environment.
ENV_VARS: dict[str, str] = {
    "index_dir": "POLICYDESK_HOME",
    "chroma_url": "POLICYDESK_CHROMA_URL",
    "chunk_tokens": "POLICYDESK_CHUNK_TOKENS",
    "chunk_overlap": "POLICYDESK_CHUNK_OVERLAP",
    "top_k": "POLICYDESK_TOP_K",
    "model_cache": "POLICYDESK_MODEL_CACHE",
    "writer": "POLICYDESK_WRITER",
    "llm_url": "POLICYDESK_LLM_URL",
    "llm_model": "POLICYDESK_LLM_MODEL",
    "llm_timeout": "POLICYDESK_LLM_TIMEOUT",
    "llm_threads": "POLICYDESK_LLM_THREADS",
    "llm_model_file": "POLICYDESK_LLM_MODEL_FILE",
    "ingest_lock_timeout": "POLICYDESK_INGEST_LOCK_TIMEOUT",
    "max_file_mb": "POLICYDESK_MAX_FILE_MB",
    "embed_precision": "POLICYDESK_EMBED_PRECISION",
}
# The answer writers ``writer`` may name (assistant.writers.make_writer).
WRITER_KINDS = ("extractive", "openai", "llamacpp")
# The embedding graph's arithmetic (ingest.embedding): int8 is about 1.5x faster, cosine to fp32 >= 0.99.
EMBED_PRECISIONS = ("fp32", "int8")


@dataclass(frozen=True)
class Config:
    """Settings shared by ingestion and the assistant.

    Attributes:
        index_dir: where the embedded Chroma database, keyword index and caches live.
        chroma_url: ``http://HOST:PORT`` of a Chroma server; when set, chunks go there instead of ``index_dir``.
        collection_prefix: prefix of the Chroma collection names, so several corpora can share one server.
        chunk_tokens: chunk size in tiktoken (cl100k) tokens; chosen by measurement (see README).
        chunk_overlap: tokens shared by neighbouring chunks of one page.
        top_k: passages returned by retrieval.
        model_cache: where the built ONNX embedding graph is cached (``None``: the embedder's default).
        writer: the answer writer: "extractive" (instant, offline), "openai" (an OpenAI-compatible server at
            ``llm_url``) or "llamacpp" (a GGUF model run in-process by llama-cpp-python).
        llm_url: base URL of the OpenAI-compatible server, ending in ``/v1``. Its API key is read from
            ``POLICYDESK_LLM_API_KEY`` only (never from a file, never logged).
        llm_model: the model name to ask that server for.
        llm_timeout: seconds to wait for the server (each attempt).
        llm_threads: CPU threads for the in-process model (on a busy 2-core machine 1 beats 2).
        llm_model_file: the GGUF file of the in-process model (default: the packaged Qwen2.5-Coder-1.5B).
        ingest_lock_timeout: seconds an ingest waits for another one on the same index to finish.
        max_file_mb: files larger than this (in MB) are reported and skipped by ingest.
        embed_precision: "int8" or "fp32": the embedding model's dense projections (see README, "Embedding").
            Part of every document's content hash: changing it re-embeds the index on the next ingest.
    """

    index_dir: Path = Path(".policydesk")
    chroma_url: str | None = None
    collection_prefix: str = "policydesk"
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    top_k: int = 10
    model_cache: Path | None = None
    writer: str = "extractive"
    llm_url: str | None = None
    llm_model: str = "default"
    llm_timeout: float = 60.0
    llm_threads: int = 1
    llm_model_file: Path | None = None
    ingest_lock_timeout: float = 600.0
    max_file_mb: int = 100
    embed_precision: str = "int8"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
        """Build the config from defaults, the config file, the environment and ``overrides`` (highest).

        ``None`` values in ``overrides`` mean "not given" and are ignored.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        values.update(_read_config_file(environ))
        values.update({name: environ[var] for name, var in ENV_VARS.items() if environ.get(var)})
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Config:
        """Coerce raw values (strings from the environment, TOML values) into a Config."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s) {', '.join(unknown)}; valid settings: {', '.join(known)}.")
        return cls(**{name: _coerce(name, value) for name, value in values.items()})


def _read_config_file(environ: Mapping[str, str]) -> dict[str, Any]:
    path = Path(environ[CONFIG_FILE_ENV]) if environ.get(CONFIG_FILE_ENV) else DEFAULT_CONFIG_FILE
    if not path.is_file():
        if environ.get(CONFIG_FILE_ENV):
            raise ConfigError(f"{CONFIG_FILE_ENV} names {path}, which does not exist; fix the path or unset it.")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file or remove it.") from exc


def _coerce(name: str, value: Any) -> Any:
    if name in {"index_dir", "model_cache", "llm_model_file"}:
        return Path(value).expanduser()
    if name in {"ingest_lock_timeout", "llm_timeout"}:
        return _seconds(name, value, allow_zero=name == "ingest_lock_timeout")
    if name in {"chunk_tokens", "chunk_overlap", "top_k", "max_file_mb", "llm_threads"}:
        if isinstance(value, bool | float):
            raise ConfigError(f"Setting {name} must be a whole number, got {value!r}.")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"Setting {name} must be a whole number, got {value!r}.") from None
        if number < (0 if name == "chunk_overlap" else 1):
            raise ConfigError(f"Setting {name} must be positive, got {number}.")
        return number
    if name in {"writer", "embed_precision"}:
        choices = WRITER_KINDS if name == "writer" else EMBED_PRECISIONS
        if value not in choices:
            raise ConfigError(f"Setting {name} must be one of {', '.join(choices)}, got {value!r}.")
        return value
    if name == "llm_url":
        url = str(value).rstrip("/")
        if not (url.startswith(("http://", "https://")) and url.endswith("/v1")):
            raise ConfigError(f"llm_url must look like http://HOST:PORT/v1 (ending in /v1), got {value!r}.")
        return url
    if name == "chroma_url":
        url = str(value).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"chroma_url must look like http://HOST:PORT, got {value!r}.")
        return url
    return value


def _seconds(name: str, value: Any, *, allow_zero: bool) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name} must be a number of seconds, got {value!r}.") from None
    if not (seconds >= 0 if allow_zero else seconds > 0):
        raise ConfigError(
            f"Setting {name} must be {'0 or more' if allow_zero else 'more than 0'} seconds, got {value!r}."
        )
    return seconds
