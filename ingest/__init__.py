"""PolicyDesk ingestion: load, clean, chunk, embed and index documents into Chroma (+ a keyword index).

The API is re-exported lazily (PEP 562): a light submodule (``ingest.config``, ``ingest.errors``) or
``policydesk --help`` must not import Chroma and llama-index, which take seconds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ingest.offline import configure_offline

configure_offline()  # before anything imports tiktoken, nltk or chromadb

if TYPE_CHECKING:
    from ingest.config import Config
    from ingest.errors import (
        ConfigError,
        DocumentError,
        IndexNotFound,
        ModelNotInstalled,
        PolicyDeskError,
        StoreError,
    )
    from ingest.pipeline import FileOutcome, IngestReport, Progress, ingest
    from ingest.records import Chunk, Document, IndexedDocument, Sentence
    from ingest.store import Store, open_store

_EXPORTS = {
    "Config": "ingest.config",
    "ConfigError": "ingest.errors",
    "DocumentError": "ingest.errors",
    "IndexNotFound": "ingest.errors",
    "ModelNotInstalled": "ingest.errors",
    "PolicyDeskError": "ingest.errors",
    "StoreError": "ingest.errors",
    "FileOutcome": "ingest.pipeline",
    "IngestReport": "ingest.pipeline",
    "Progress": "ingest.pipeline",
    "ingest": "ingest.pipeline",
    "Chunk": "ingest.records",
    "Document": "ingest.records",
    "IndexedDocument": "ingest.records",
    "Sentence": "ingest.records",
    "Store": "ingest.store",
    "open_store": "ingest.store",
}

__all__ = [
    "Chunk",
    "Config",
    "ConfigError",
    "Document",
    "DocumentError",
    "FileOutcome",
    "IndexNotFound",
    "IndexedDocument",
    "IngestReport",
    "ModelNotInstalled",
    "PolicyDeskError",
    "Progress",
    "Sentence",
    "Store",
    "StoreError",
    "ingest",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
