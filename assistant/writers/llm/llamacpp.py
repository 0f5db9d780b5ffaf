"""The in-process backend: a GGUF model run by llama-cpp-python (``pip install 'policydesk[llm]'``, ``make llm``).

llama-cpp-python is used directly rather than through llama-index's ``LlamaCPP`` class: that class formats chats
with a Llama-2 prompt unless given a formatter, while ``create_chat_completion`` applies the chat template stored
in the GGUF file (Qwen's, SmolLM's). The model loads once per process; llama.cpp reuses the KV cache of the
longest shared prompt prefix, so the fixed system prompt (and a conversation's earlier turns) are not processed
again.
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.writers.base import WriterUnavailable
from assistant.writers.llm import Message
from assistant.writers.models import DEFAULT_MODEL, packaged_model_file
from ingest.config import Config
from ingest.errors import ConfigError

CONTEXT_TOKENS = 2048


class LlamaCppBackend:
    """Chat completions from a local GGUF model."""

    def __init__(self, config: Config) -> None:
        self.path = config.llm_model_file or packaged_model_file(DEFAULT_MODEL, _cache_dir(config))
        self.threads = config.llm_threads
        self.name = f"llamacpp ({self.path.name}, {self.threads} thread{'s' if self.threads > 1 else ''})"
        self._model = _load(str(self.path), self.threads)
        self._lock = threading.Lock()  # one llama.cpp context serves one request at a time

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]:
        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        with self._lock:
            try:
                stream = self._model.create_chat_completion(
                    chat, stream=True, temperature=0.0, max_tokens=max_tokens, seed=0
                )
                for part in stream:
                    text = part["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as exc:  # e.g. the prompt does not fit the context
                raise WriterUnavailable(f"The local model {self.path.name} could not answer ({exc})") from exc


def _cache_dir(config: Config) -> Path:
    return (config.model_cache or config.index_dir / "models").expanduser()


@functools.cache  # models load once per process
def _load(path: str, threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ConfigError("writer 'llamacpp' needs llama-cpp-python: run `make llm`.") from None
    if not Path(path).is_file():
        raise ConfigError(f"No GGUF model at {path}; fix llm_model_file or unset it to use the packaged model.")
    model = Llama(
        model_path=path, n_ctx=CONTEXT_TOKENS, n_threads=threads, n_threads_batch=threads, verbose=False, seed=0
    )
    atexit.register(model.close)  # freed before interpreter teardown, when llama.cpp's bindings still exist
    return model
