"""Answer writers behind one protocol (``base.py``), and the factory that picks one from the config."""

from __future__ import annotations

from assistant.writers.base import (
    Abstention,
    AbstentionReason,
    Claim,
    ClaimReady,
    Draft,
    DraftDone,
    Length,
    Provisional,
    Quote,
    TextDelta,
    Writer,
    WriteRequest,
    WriterEvent,
    WriterUnavailable,
)
from assistant.writers.catalogue import CatalogueLister, catalogue_filters
from assistant.writers.extractive import ExtractiveWriter, WriterSettings
from ingest.config import Config
from ingest.errors import ConfigError

EXTRACTIVE = "extractive"

__all__ = [
    "EXTRACTIVE",
    "Abstention",
    "AbstentionReason",
    "CatalogueLister",
    "Claim",
    "ClaimReady",
    "Draft",
    "DraftDone",
    "ExtractiveWriter",
    "Length",
    "Provisional",
    "Quote",
    "TextDelta",
    "WriteRequest",
    "Writer",
    "WriterEvent",
    "WriterSettings",
    "WriterUnavailable",
    "catalogue_filters",
    "make_writer",
]


def make_writer(config: Config, *, extractive: ExtractiveWriter) -> Writer:
    """The writer ``config.writer`` names; generative backends are imported only when chosen."""
    match config.writer:
        case "extractive":
            return extractive
        case "openai":
            from assistant.writers.generative import GenerativeWriter
            from assistant.writers.llm.openai_like import OpenAILikeBackend

            return GenerativeWriter(OpenAILikeBackend(config), extractive, name="openai")
        case "llamacpp":
            from assistant.writers.generative import GenerativeWriter
            from assistant.writers.llm.llamacpp import LlamaCppBackend

            return GenerativeWriter(LlamaCppBackend(config), extractive, name="llamacpp")
        case kind:
            raise ConfigError(f"Unknown writer {kind!r}; use extractive, openai or llamacpp.")
