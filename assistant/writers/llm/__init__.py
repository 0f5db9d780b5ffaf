"""LLM backends: thin transports from chat messages to streamed text, chosen by ``config.writer``.

Each adapter module is the only code that touches its client library (llama-index's OpenAI-like LLM, or
llama-cpp-python), imported only when that writer is configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class Backend(Protocol):
    """Where generated text comes from. ``complete`` raises ``WriterUnavailable`` when the model cannot answer."""

    name: str

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]: ...


__all__ = ["Backend", "Message"]
