"""The OpenAI-compatible backend (OpenAI, Azure OpenAI, Ollama, vLLM, a llama.cpp server …), through llama-index's
``OpenAILike`` LLM: streaming, a timeout per attempt and bounded retries.

The API key is read from ``POLICYDESK_LLM_API_KEY`` only, here, and is never logged or put in a message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence

from assistant.writers.base import WriterUnavailable
from assistant.writers.llm import Message
from ingest.config import Config
from ingest.errors import ConfigError

logger = logging.getLogger(__name__)

API_KEY_ENV = "POLICYDESK_LLM_API_KEY"
MAX_RETRIES = 2
# llama-index's OpenAI client needs some key; servers that check none (llama.cpp, Ollama, vLLM) accept any.
NO_KEY = "not-needed"


class OpenAILikeBackend:
    """Chat completions from the server at ``config.llm_url``."""

    def __init__(self, config: Config, *, environ: dict[str, str] | None = None) -> None:
        from llama_index.llms.openai_like import OpenAILike  # imported only when this writer is configured

        if not config.llm_url:
            raise ConfigError("writer 'openai' needs llm_url: set POLICYDESK_LLM_URL=http://HOST:PORT/v1.")
        self.url = config.llm_url
        self.name = f"openai ({config.llm_model} at {self.url})"
        key = (environ if environ is not None else os.environ).get(API_KEY_ENV) or NO_KEY
        self._llm = OpenAILike(
            model=config.llm_model,
            api_base=self.url,
            api_key=key,
            is_chat_model=True,
            temperature=0.0,
            timeout=config.llm_timeout,
            max_retries=MAX_RETRIES,
            context_window=4096,
        )

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        try:
            for response in self._llm.stream_chat(chat, max_tokens=max_tokens):
                if response.delta:
                    yield response.delta
        except Exception as exc:  # the client raises many kinds (connection, timeout, HTTP status, bad JSON)
            # The message names the server and the kind of failure, never the key or the request's text.
            raise WriterUnavailable(f"The LLM server at {self.url} did not answer ({type(exc).__name__})") from exc
