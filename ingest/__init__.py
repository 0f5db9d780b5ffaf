"""PolicyDesk ingestion: load, clean, chunk, embed and index documents into Chroma (+ a keyword index)."""

from ingest.offline import configure_offline

configure_offline()  # before anything imports tiktoken, nltk or chromadb

from ingest.config import Config  # noqa: E402
from ingest.errors import (  # noqa: E402
    ConfigError,
    DocumentError,
    IndexNotFound,
    ModelNotInstalled,
    PolicyDeskError,
    StoreError,
)
from ingest.pipeline import FileOutcome, IngestReport, Progress, ingest  # noqa: E402
from ingest.records import Chunk, Document, IndexedDocument, Sentence  # noqa: E402
from ingest.store import Store, open_store  # noqa: E402

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
