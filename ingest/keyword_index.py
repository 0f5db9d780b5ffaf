"""The keyword (BM25, stemmed) index over the committed chunks, persisted next to the Chroma index.

It is derived data: rebuilt from the store whenever the registry changed (its stamp differs), so the
embedded and the server deployments share one code path and it can never disagree with Chroma for long.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.records import Chunk, IndexedDocument
from ingest.store import Store, chunk_to_node, doc_id_filter, node_to_chunk

# llama-index's BM25 retriever is imported where it is used: an ingest with nothing to do never loads it.
if TYPE_CHECKING:
    from llama_index.retrievers.bm25 import BM25Retriever

logger = logging.getLogger(__name__)

STAMP_FILE = "policydesk_stamp.json"


class KeywordIndex:
    """BM25 with an English Snowball stemmer (bm25s + PyStemmer through llama-index's BM25Retriever)."""

    def __init__(self, retriever: BM25Retriever | None, size: int) -> None:
        self._retriever = retriever
        self.size = size

    def search(self, query: str, k: int, *, doc_ids: Iterable[str] | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` best-scoring chunks for ``query`` (BM25 scores), optionally within ``doc_ids``."""
        if self._retriever is None or not query.strip():
            return []
        filters = None
        if doc_ids is not None:
            allowed = list(doc_ids)
            if not allowed:
                return []
            filters = doc_id_filter(allowed)
        from llama_index.core.schema import QueryBundle

        # A retriever per query: the mask and k are per-query state, and one shared object is not thread-safe.
        retriever = _bm25_class()(
            existing_bm25=self._retriever.bm25,
            similarity_top_k=min(k, self.size),
            filters=filters,
            skip_stemming=False,
        )
        return [
            (node_to_chunk(hit.node), float(hit.score or 0.0))
            for hit in retriever.retrieve(QueryBundle(query))
            if (hit.score or 0) > 0
        ]


def registry_stamp(documents: Iterable[IndexedDocument]) -> str:
    """A fingerprint of the committed documents; the keyword index is current when its stamp matches."""
    pairs = sorted(f"{doc.doc_id}:{doc.content_hash}" for doc in documents)
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()


def keyword_index_dir(store: Store) -> Path:
    """Where the keyword index of this store's corpus is kept (always local: it is cheap to rebuild)."""
    return store.config.index_dir / f"bm25_{store.config.collection_prefix}"


def ensure_keyword_index(store: Store) -> None:
    """Rebuild the persisted keyword index if the registry changed since it was built (without loading it)."""
    if _read_stamp(keyword_index_dir(store)) != registry_stamp(store.documents().values()):
        build_keyword_index(store)


def load_keyword_index(store: Store, *, rebuild: bool = False) -> KeywordIndex:
    """Load the persisted keyword index, rebuilding (and persisting) it when it is stale or missing."""
    directory = keyword_index_dir(store)
    stamp = registry_stamp(store.documents().values())
    if not rebuild and _read_stamp(directory) == stamp:
        try:
            retriever = _bm25_class().from_persist_dir(str(directory), show_progress=False)
            return KeywordIndex(retriever, len(retriever.corpus or []))
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("keyword index at %s unreadable (%s); rebuilding", directory, exc)
    return build_keyword_index(store, stamp)


def build_keyword_index(store: Store, stamp: str | None = None) -> KeywordIndex:
    """Rebuild the keyword index from the store's committed chunks and persist it atomically."""
    chunks = store.all_chunks()
    stamp = stamp or registry_stamp(store.documents().values())
    if not chunks:
        return KeywordIndex(None, 0)
    directory = keyword_index_dir(store)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
    _bm25_class().from_defaults(nodes=[chunk_to_node(c) for c in chunks], similarity_top_k=1).persist(
        str(staging), show_progress=False
    )
    (staging / STAMP_FILE).write_text(json.dumps({"stamp": stamp, "chunks": len(chunks)}), encoding="utf-8")
    # Swap directories so a reader never sees half an index.
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    retriever = _bm25_class().from_persist_dir(str(directory), show_progress=False)
    return KeywordIndex(retriever, len(chunks))


def _bm25_class() -> type[BM25Retriever]:
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces DEBUG on its logger when imported
    return BM25Retriever


def _read_stamp(directory: Path) -> str | None:
    try:
        return json.loads((directory / STAMP_FILE).read_text(encoding="utf-8"))["stamp"]
    except (OSError, ValueError, KeyError):
        return None
