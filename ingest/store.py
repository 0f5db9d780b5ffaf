"""The store adapter: the only module that builds Chroma clients and llama-index vector-store objects.

Three Chroma collections per corpus (``<prefix>_chunks``, ``<prefix>_sentences``, ``<prefix>_documents``),
embedded on disk under ``config.index_dir`` or on a Chroma server (``config.chroma_url``). The documents
collection is the registry and the commit point: a document's chunks count only while the registry holds
their content hash, so an interrupted ingest leaves each document either as it was or fully updated.

A fourth, ``<prefix>_state``, holds one record: the registry's generation, a new random value after every
commit or removal. Readers keep the registry they last read and re-read it only when the generation changed
(one read by id, at most every ``REGISTRY_CHECK_S`` seconds), so a question no longer reads the whole registry
and every process on the same index (several app workers on one Chroma server) sees a new document within about
a second, without a restart.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.config import Config
from ingest.errors import StoreError
from ingest.locking import opening_lock
from ingest.records import GOOD_PRACTICE_FIELDS, Chunk, IndexedDocument, Sentence, chunk_of_sentence, sentence_id

# llama-index is imported inside the functions that use it: an ingest with nothing to do needs only Chroma.
if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

logger = logging.getLogger(__name__)

LIST_SEPARATOR = "; "  # Chroma metadata values are scalars: themes are stored joined
# Metadata that the keyword index sees with each chunk's text (the same context the chunk is embedded with).
KEYWORD_VISIBLE_FIELDS = ("title", "section", "project", "region", "country", "organisation", "themes")
_CHUNK_FIELDS = ("title", "doc_type", "source_path", "content_hash", "page", "section", "start", "end")
_REGISTRY_FIELDS = (
    "title",
    "doc_type",
    "source_path",
    "content_hash",
    "pages",
    "chunks",
    "ingested_at",
    "sentences",
    "embedding_model",
)
_BATCH = 1000
# Records per get() page. Chroma's SQLite backend binds one variable per record of a read, and SQLite refuses a
# statement with more than 32,766 variables ("too many SQL variables"): every read that could exceed it is paged.
PAGE_SIZE = 5000
# Records per page when every chunk is read with its text (the keyword-index build, ``all_chunks``). Chroma's get
# holds tens of KB per record of a page while it answers, and the allocator keeps that high-water mark: reading
# 20,000 chunks from a fresh process (93 MB) peaked at 415 MB RSS in pages of 5,000, 208 MB in pages of 1,000 and
# 180 MB in pages of 500, each in 3.2-3.6 s.
CHUNK_SCAN_PAGE = 500
# How long a reader trusts the registry it read before checking the generation again (one small read by id).
REGISTRY_CHECK_S = 1.0
_GENERATION_ID = "registry"
# What an interrupted run may have left: "writing" names the document a write or removal was in (set before it
# touches a record, cleared when its stale records are gone), so the next collection cleans that document only;
# "pending" means unknown leftovers (an index older than this record): the whole collections are scanned once
# (78.8 s and 2 GB of RSS at 100k chunks, which every ingest that wrote anything used to pay).
_GARBAGE_ID = "garbage"
# Candidates an HNSW search keeps. Chroma's default (100) barely exceeds the 80 sentences a question asks for, and
# the search then missed closer sentences, differently in each build of the same corpus (its graph differs while
# the vectors are identical): one spent answer flipped between fresh builds. At 400 the shipped corpus's searches
# are exact.
SEARCH_EF = 400
# Hits a sentence search reads beyond those asked for, so that equal distances at the cut are ordered by id.
TIE_MARGIN = 8
# A chunk's sentences are read by id, this many positions per chunk (200-token chunks hold about 10 sentences);
# a chunk that fills them all is read again by filter.
SENTENCES_BY_ID = 48
# Extra nearest neighbours fetched so that dropping an interrupted run's uncommitted chunks still leaves k.
ORPHAN_ALLOWANCE = 10


class SentenceRecord(NamedTuple):
    """Where a stored sentence belongs (what ``policydesk check`` needs of it)."""

    sentence_id: str
    chunk_id: str
    doc_id: str
    content_hash: str


class _Snapshot(NamedTuple):
    """The registry as a reader last read it, with the generation read just before."""

    generation: str | None
    documents: dict[str, IndexedDocument]
    hashes: dict[str, str]


class Store:
    """Chunks, sentences and the document registry of one corpus in Chroma."""

    def __init__(self, config: Config) -> None:
        self.config = config
        prefix = config.collection_prefix
        with opening_lock(config):  # creating the database and collections is not safe across processes
            self._client = _client(config)
            self._chunks = self._collection(f"{prefix}_chunks")
            self._sentences = self._collection(f"{prefix}_sentences")
            self._registry = self._collection(f"{prefix}_documents")
            self._state = self._collection(f"{prefix}_state")
        self._snapshot_lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = -math.inf
        self._garbage: tuple[bool, str] | None = None  # (pending, writing), as last read or written

    @contextlib.contextmanager
    def reachable(self) -> Iterator[None]:
        """A Chroma server that stops answering becomes a StoreError saying so (httpx is chromadb's HTTP client):
        the app keeps running and answers again as soon as the server is back."""
        try:
            yield
        except httpx.TransportError as exc:
            if not self.config.chroma_url:
                raise
            raise StoreError(
                f"The Chroma server at {self.config.chroma_url} does not answer ({type(exc).__name__}); "
                "questions are answered again as soon as it is back."
            ) from exc

    @functools.cached_property
    def vector_store(self) -> ChromaVectorStore:
        """llama-index's view of the chunk collection (writes go through it; dense queries read ids, see dense_ids)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._chunks)

    @property
    def location(self) -> str:
        """Where the index lives, for messages and ``policydesk stats``."""
        return self.config.chroma_url or str(self.config.index_dir.resolve())

    def _collection(self, name: str) -> Any:
        try:
            collection = self._client.get_or_create_collection(
                name, metadata={"hnsw:space": "cosine", "hnsw:search_ef": SEARCH_EF}, embedding_function=None
            )
            hnsw = (collection.configuration_json or {}).get("hnsw") or {}
            if hnsw.get("ef_search", SEARCH_EF) < SEARCH_EF:  # an index made before: raise it once, persistently
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            return collection
        except Exception as exc:  # chromadb raises many types; all mean the same to a user
            raise StoreError(f"Cannot open Chroma collection {name} at {self.location}: {exc}") from exc

    # --- the registry -------------------------------------------------------------------------------------

    def documents(self) -> dict[str, IndexedDocument]:
        """Every committed document, by doc_id."""
        result = read_all(self._registry, include=["metadatas"])
        return {
            doc_id: _to_indexed(doc_id, meta) for doc_id, meta in zip(result["ids"], result["metadatas"], strict=True)
        }

    def generation(self) -> str | None:
        """The registry's generation: changes with every commit or removal (None: an index written before it)."""
        found = self._state.get(ids=[_GENERATION_ID], include=["metadatas"])
        return str(found["metadatas"][0]["generation"]) if found["ids"] else None

    def ensure_generation(self) -> None:
        """Give an index written before generations existed its first one (readers can then keep a snapshot)."""
        if self.generation() is None:
            self._bump_generation()

    def _bump_generation(self) -> None:
        self._state.upsert(ids=[_GENERATION_ID], embeddings=[[1.0]], metadatas=[{"generation": uuid.uuid4().hex}])
        self._checked_at = -math.inf  # this process sees its own commit at once

    def committed(self, *, max_age: float = REGISTRY_CHECK_S) -> dict[str, IndexedDocument]:
        """The committed documents as last read, re-read when the generation changed (checked at most every
        ``max_age`` seconds). The query path's view of the registry; do not modify the returned dict.

        The generation is read before the registry: a commit in between makes the next check re-read, never
        hides a commit.
        """
        return self._current(max_age).documents

    def _current(self, max_age: float = REGISTRY_CHECK_S) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() - self._checked_at < max_age:
            return snapshot
        with self._snapshot_lock:
            snapshot = self._snapshot
            if snapshot is not None and time.monotonic() - self._checked_at < max_age:
                return snapshot  # another thread just checked
            generation = self.generation()
            if snapshot is None or generation is None or generation != snapshot.generation:
                documents = self.documents()
                if snapshot is not None and documents == snapshot.documents:
                    documents = snapshot.documents  # unchanged (an index without a generation): keep its identity
                hashes = {doc.doc_id: doc.content_hash for doc in documents.values()}
                snapshot = self._snapshot = _Snapshot(generation, documents, hashes)
            self._checked_at = time.monotonic()
            return snapshot

    def write_document(
        self,
        document: IndexedDocument,
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
        sentences: Sequence[Sentence],
        sentence_vectors: np.ndarray,
    ) -> None:
        """Add a document's chunks and sentences, commit it in the registry, then drop its stale chunks."""
        with self._writing(document.doc_id):
            chunk_ids = [chunk.chunk_id for chunk in chunks]
            for start in range(0, len(chunk_ids), _BATCH):  # leftovers of an interrupted run, never committed
                self.vector_store.delete_nodes(node_ids=chunk_ids[start : start + _BATCH])
            for start in range(0, len(chunks), _BATCH):
                nodes: list[BaseNode] = [
                    chunk_to_node(c, v)
                    for c, v in zip(chunks[start : start + _BATCH], chunk_vectors[start : start + _BATCH], strict=True)
                ]
                self.vector_store.add(nodes)
            by_id = {chunk.chunk_id: chunk for chunk in chunks}
            for start in range(0, len(sentences), _BATCH):
                batch = sentences[start : start + _BATCH]
                self._sentences.upsert(
                    ids=[s.sentence_id for s in batch],
                    embeddings=sentence_vectors[start : start + _BATCH].tolist(),
                    documents=[s.text for s in batch],
                    metadatas=[_sentence_metadata(s, by_id[s.chunk_id]) for s in batch],
                )
            # Chroma's upsert merges metadata into the stored record: a field the new version lacks must be cleared
            # (None deletes a key), or a country taken out of a file's metadata would stay in the filters.
            cleared = {name: None for name in GOOD_PRACTICE_FIELDS if name not in document.metadata}
            self._registry.upsert(
                ids=[document.doc_id], embeddings=[[1.0]], metadatas=[_registry_metadata(document) | cleared]
            )
            self._bump_generation()
            self._delete_where(
                {"$and": [{"doc_id": document.doc_id}, {"content_hash": {"$ne": document.content_hash}}]}
            )

    def remove_document(self, doc_id: str) -> None:
        """Uncommit a document, then delete its chunks and sentences."""
        with self._writing(doc_id):
            self._registry.delete(ids=[doc_id])
            self._bump_generation()
            self._delete_where({"doc_id": doc_id})

    @contextlib.contextmanager
    def _writing(self, doc_id: str) -> Iterator[None]:
        """Name ``doc_id`` as the document in flight while its records change; an exception leaves it named."""
        pending, unfinished = self._garbage_state()
        # An earlier write that did not finish and was not collected yet: more than one document may hold
        # leftovers, so the next collection scans everything.
        pending = pending or bool(unfinished)
        self._set_garbage_state(pending, doc_id)
        yield
        self._set_garbage_state(pending, "")

    def _garbage_state(self) -> tuple[bool, str]:
        if self._garbage is None:
            found = self._state.get(ids=[_GARBAGE_ID], include=["metadatas"])
            if found["ids"]:
                meta = found["metadatas"][0] or {}
                self._garbage = (bool(meta.get("pending")), str(meta.get("writing") or ""))
            else:
                # No record: a new index has nothing to leave behind; an older one may hold anything.
                self._garbage = (self._chunks.count() > 0 or self._sentences.count() > 0, "")
        return self._garbage

    def _set_garbage_state(self, pending: bool, writing: str) -> None:
        self._state.upsert(ids=[_GARBAGE_ID], embeddings=[[1.0]], metadatas=[{"pending": pending, "writing": writing}])
        self._garbage = (pending, writing)

    def garbage_possible(self) -> bool:
        """Whether an interrupted run may have left records: a write or removal that did not finish, or an index
        older than that record."""
        self._garbage = None  # another process may have written since
        pending, writing = self._garbage_state()
        return pending or bool(writing)

    def collect_garbage(self, *, force: bool = False) -> int:
        """Delete chunks and sentences left by interrupted runs (not matching the registry); returns how many
        chunks.

        Only the document an interrupted write or removal was in is cleaned, unless the leftovers are unknown
        (an older index) or ``force`` (``policydesk check --repair``): then every record is scanned.
        """
        self._garbage = None
        pending, writing = self._garbage_state()
        if force or pending:
            removed = self._collect_garbage()
        elif writing:
            removed = self._collect_document_garbage(writing)
        else:
            return 0
        self._set_garbage_state(False, "")
        return removed

    def _collect_document_garbage(self, doc_id: str) -> int:
        committed = self.committed_hashes().get(doc_id)
        where: dict[str, Any] = {"doc_id": doc_id}
        if committed is not None:
            where = {"$and": [where, {"content_hash": {"$ne": committed}}]}
        return self._delete_where(where)

    def _collect_garbage(self) -> int:
        committed = self.committed_hashes()
        removed = 0
        for collection in (self._chunks, self._sentences):
            found = read_all(collection, include=["metadatas"])
            stale = [
                record_id
                for record_id, meta in zip(found["ids"], found["metadatas"], strict=True)
                if committed.get(str(meta.get("doc_id"))) != meta.get("content_hash")
            ]
            delete_ids(collection, stale)
            removed += len(stale) if collection is self._chunks else 0
        return removed

    def committed_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every committed document: the version readers may see."""
        return {doc.doc_id: doc.content_hash for doc in self.documents().values()}

    def _committed_hashes(self) -> dict[str, str]:
        """``committed_hashes`` from the reader's snapshot of the registry (the query path's)."""
        return self._current().hashes

    def _delete_where(self, where: dict[str, Any]) -> int:
        """Delete the chunk and sentence records matching ``where``; returns how many chunks."""
        chunks, _ = (self._delete_matching(collection, where) for collection in (self._chunks, self._sentences))
        return chunks

    def _delete_matching(self, collection: Any, where: dict[str, Any]) -> int:
        ids = read_all(collection, where=where, include=[])["ids"]
        delete_ids(collection, ids)
        return len(ids)

    # --- reading ------------------------------------------------------------------------------------------

    def all_chunks(self) -> list[Chunk]:
        """Every committed chunk (for the keyword index)."""
        return self.committed_chunks()[1]

    def committed_chunks(self) -> tuple[dict[str, IndexedDocument], list[Chunk]]:
        """The registry as read, and the chunks of exactly those document versions.

        The registry is read first: a document committed while the chunks are read is not in the snapshot and
        none of its chunks are returned, so the pair always describes one state of the index.
        """
        documents = self.documents()
        return documents, [chunk for page in self.committed_chunk_pages(documents) for chunk in page]

    def committed_chunk_pages(self, documents: Mapping[str, IndexedDocument]) -> Iterator[list[Chunk]]:
        """The chunks of exactly these document versions (a registry snapshot read before), a page at a time: a
        caller that keeps only part of each chunk never holds them all."""
        committed = {doc.doc_id: doc.content_hash for doc in documents.values()}
        include = ["metadatas", "documents"]
        for page in _unique(_pages(self._chunks, None, include, CHUNK_SCAN_PAGE), ["ids", *include]):
            chunks = (
                _to_chunk(i, text, meta)
                for i, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            )
            yield [c for c in chunks if committed.get(c.doc_id) == c.content_hash]

    # --- inspection (policydesk check) ---------------------------------------------------------------------

    def chunk_records(self) -> list[Chunk]:
        """Every chunk record, committed or not."""
        found = read_all(self._chunks, include=["metadatas", "documents"])
        return [
            _to_chunk(i, text, meta)
            for i, text, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        ]

    def sentence_records(self) -> list[SentenceRecord]:
        """Every sentence record (without its text and vector), committed or not."""
        found = read_all(self._sentences, include=["metadatas"])
        return [
            SentenceRecord(i, str(m.get("chunk_id")), str(m.get("doc_id")), str(m.get("content_hash")))
            for i, m in zip(found["ids"], found["metadatas"], strict=True)
        ]

    def delete_records(self, *, chunk_ids: Sequence[str] = (), sentence_ids: Sequence[str] = ()) -> None:
        """Delete these chunk and sentence records (orphans found by ``policydesk check --repair``)."""
        delete_ids(self._chunks, chunk_ids)
        delete_ids(self._sentences, sentence_ids)

    def vector_dimensions(self) -> dict[str, int | None]:
        """The length of a stored vector in the chunk and sentence collections (None: the collection is empty)."""
        dimensions: dict[str, int | None] = {}
        for name, collection in (("chunks", self._chunks), ("sentences", self._sentences)):
            found = collection.get(limit=1, include=["embeddings"])
            vectors = found["embeddings"]
            dimensions[name] = len(vectors[0]) if vectors is not None and len(vectors) else None
        return dimensions

    def warm(self) -> threading.Thread:
        """Load the vector indexes in the background: Chroma reads a collection's HNSW index from disk on its
        first query (3 s for 450k sentences), which then overlaps the Assistant's own start-up (imports, the
        keyword index, the model) instead of following it. Failures are left to the first real query."""

        def load() -> None:
            with contextlib.suppress(Exception):
                dimensions = self.vector_dimensions()
                for name, collection in (("chunks", self._chunks), ("sentences", self._sentences)):
                    if dimension := dimensions[name]:
                        collection.query(query_embeddings=[[1.0] * dimension], n_results=1, include=[])

        thread = threading.Thread(target=load, name="policydesk-warm-vectors", daemon=True)
        thread.start()
        return thread

    def count_chunks(self) -> int:
        """Number of chunk records (committed or not)."""
        return int(self._chunks.count())

    def dense_search(
        self, vector: np.ndarray, k: int, *, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """The ``k`` committed chunks nearest to ``vector`` (cosine similarity), optionally within ``doc_ids``.

        Chunks of an interrupted ingest (not matching the registry) are never returned.
        """
        hits = self.dense_ids(vector, k + ORPHAN_ALLOWANCE, doc_ids=doc_ids)
        chunks = self.get_chunks([chunk_id for chunk_id, _ in hits])
        return [(chunks[chunk_id], score) for chunk_id, score in hits if chunk_id in chunks][:k]

    def dense_ids(self, vector: np.ndarray, k: int, *, doc_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine) of the ``k`` chunk records nearest to ``vector``, best first, committed or not: read
        the ones you keep with :meth:`get_chunks`, which returns only committed chunks.

        Chroma is queried directly, not through llama-index's ChromaVectorStore, which reads every hit's metadata
        and text: at 100k chunks a search of 50 took p50 21 / p95 77 ms that way and 6 / 11 ms for ids and distances.
        """
        if doc_ids is not None:
            doc_ids = list(doc_ids)
            if not doc_ids:
                return []
        where = {"doc_id": {"$in": doc_ids}} if doc_ids is not None else None
        found = self._chunks.query(query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"])
        # The collection's space is cosine: distance = 1 - cosine.
        return [
            (str(found_id), 1.0 - float(distance))
            for found_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    def sentence_search(
        self, vector: np.ndarray, k: int, *, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine) of the ``k`` sentences nearest to ``vector``, best first."""
        if doc_ids is not None:
            doc_ids = list(doc_ids)
            if not doc_ids:
                return []
        where = {"doc_id": {"$in": doc_ids}} if doc_ids is not None else None
        # Ids and distances only: a sentence's id names its chunk, and reading the hits' metadata too took a search
        # of 80 at 450k sentences from 7.2-8.8 to 13.5-27.8 ms p50.
        found = self._sentences.query(
            query_embeddings=[vector.tolist()], n_results=k + TIE_MARGIN, where=where, include=["distances"]
        )
        # The same sentence in two passages (a record's boilerplate) is two hits at one distance: at the cut Chroma
        # returns either, differently from process to process, and answers near a tie flipped between runs. Ties
        # are broken by id, among a few more hits than asked for.
        hits = sorted(zip(found["distances"][0], map(str, found["ids"][0]), strict=True))[:k]
        return [(chunk_of_sentence(found_id), 1.0 - float(distance)) for distance, found_id in hits]

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """The committed chunks with these ids, by id (an interrupted ingest's leftovers are not returned)."""
        if not chunk_ids:
            return {}
        committed = self._committed_hashes()
        found = read_all(self._chunks, ids=list(chunk_ids), include=["metadatas", "documents"])
        chunks = (
            _to_chunk(i, text, meta)
            for i, text, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        )
        return {c.chunk_id: c for c in chunks if committed.get(c.doc_id) == c.content_hash}

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """The committed chunks of one document (the version of the reader's registry snapshot), unordered."""
        content_hash = self._committed_hashes().get(doc_id)
        if content_hash is None:
            return []
        found = read_all(
            self._chunks,
            where={"$and": [{"doc_id": doc_id}, {"content_hash": content_hash}]},
            include=["metadatas", "documents"],
        )
        return [
            _to_chunk(i, text, meta)
            for i, text, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        ]

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The chunk that follows ``chunk`` in its document (same indexed version), or None at the end."""
        found = read_all(
            self._chunks,
            where={"$and": [{"doc_id": chunk.doc_id}, {"content_hash": chunk.content_hash}]},
            include=["metadatas", "documents"],
        )
        position = (chunk.page or 0, chunk.start)
        later = [
            c
            for c in (
                _to_chunk(i, text, meta)
                for i, text, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
            )
            if (c.page or 0, c.start) > position
        ]
        if not later or self._committed_hashes().get(chunk.doc_id) != chunk.content_hash:
            return None
        return min(later, key=lambda c: (c.page or 0, c.start))

    def sentences_of(self, chunk_ids: Sequence[str]) -> tuple[list[Sentence], np.ndarray]:
        """The sentences of the given chunks with their embeddings, in chunk and position order."""
        if not chunk_ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        include = ["metadatas", "documents", "embeddings"]
        ids = [sentence_id(chunk_id, n) for chunk_id in chunk_ids for n in range(SENTENCES_BY_ID)]
        found = read_all(self._sentences, ids=ids, include=include)
        per_chunk = Counter(str(meta["chunk_id"]) for meta in found["metadatas"])
        # A chunk with more sentences than were asked for by id, or none found (ids of another form): by filter.
        rest = [c for c in chunk_ids if per_chunk[c] in (0, SENTENCES_BY_ID)]
        if rest:
            more = read_all(self._sentences, where={"chunk_id": {"$in": rest}}, include=include)
            kept = [
                i for i, meta in enumerate(found["metadatas"]) if per_chunk[str(meta["chunk_id"])] != SENTENCES_BY_ID
            ]
            found = {name: [found[name][i] for i in kept] + list(more[name]) for name in ("ids", *include)}
        rows = sorted(
            zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True),
            key=lambda row: (list(chunk_ids).index(row[2]["chunk_id"]), int(row[2]["start"])),
        )
        sentences = [Sentence(i, str(m["chunk_id"]), text, int(m["start"]), int(m["end"])) for i, text, m, _ in rows]
        vectors = np.asarray([row[3] for row in rows], dtype=np.float32)
        return sentences, vectors


def read_all(
    collection: Any, *, include: list[str], where: dict[str, Any] | None = None, ids: list[str] | None = None
) -> dict[str, list[Any]]:
    """Every record of ``collection`` (matching ``where`` / ``ids``), read a page at a time.

    Returns ``{"ids": [...], <each included field>: [...]}`` like Chroma's ``get`` (only the included fields).
    A record seen twice (the collection changed between pages) is kept once.
    """
    fields = ["ids", *include]
    merged: dict[str, list[Any]] = {name: [] for name in fields}
    pages: Iterable[dict[str, Any]]
    if ids is not None:  # a get by ids binds one variable per id: ask in slices
        pages = (
            collection.get(ids=ids[start : start + PAGE_SIZE], where=where, include=include)
            for start in range(0, len(ids), PAGE_SIZE)
        )
    else:
        pages = _pages(collection, where, include)
    for page in _unique(pages, fields):
        for name in fields:
            merged[name] += page[name]
    return merged


def _unique(pages: Iterable[dict[str, Any]], fields: list[str]) -> Iterator[dict[str, list[Any]]]:
    """Each page's ``fields`` without the records seen before (the collection changed between pages)."""
    seen: set[str] = set()
    for page in pages:
        rows = []
        for row, record_id in enumerate(page["ids"]):
            if record_id not in seen:
                seen.add(record_id)
                rows.append(row)
        yield {name: [page[name][row] for row in rows] for name in fields}


def _pages(
    collection: Any, where: dict[str, Any] | None, include: list[str], page_size: int = PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = collection.get(where=where, include=include, limit=page_size, offset=offset)
        yield page
        if len(page["ids"]) < page_size:
            return
        offset += len(page["ids"])


def delete_ids(collection: Any, ids: Sequence[str]) -> None:
    """Delete these records of ``collection`` in batches (a delete binds one SQL variable per id)."""
    for start in range(0, len(ids), _BATCH):
        collection.delete(ids=list(ids[start : start + _BATCH]))


def open_store(config: Config) -> Store:
    """Open (creating if needed) the index that ``config`` names."""
    return Store(config)


def _client(config: Config) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if config.chroma_url:
            url = urlparse(config.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https", settings=settings
            )
        config.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(config.index_dir / "chroma"), settings=settings)
    except Exception as exc:
        where = config.chroma_url or config.index_dir
        hint = (
            "is the server running (`chroma run --path DIR --port PORT`)?"
            if config.chroma_url
            else "check the path and its permissions."
        )
        raise StoreError(f"Cannot open the Chroma index at {where}: {exc}; {hint}") from exc


def _flat(metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        k: LIST_SEPARATOR.join(v) if isinstance(v, (list, tuple)) else v for k, v in metadata.items() if v is not None
    }


def _unflat_good_practice(meta: dict[str, Any]) -> dict[str, Any]:
    fields = {name: meta[name] for name in GOOD_PRACTICE_FIELDS if meta.get(name) not in (None, "")}
    if "themes" in fields:
        fields["themes"] = tuple(t for t in str(fields["themes"]).split(LIST_SEPARATOR) if t)
    return fields


def _to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    page = meta.get("page")
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        text=text,
        page=int(page) if page not in (None, "") else None,
        section=meta.get("section") or None,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=str(meta["title"]),
        doc_type=str(meta["doc_type"]),
        source_path=str(meta["source_path"]),
        content_hash=str(meta["content_hash"]),
        metadata=_unflat_good_practice(meta),
    )


def node_to_chunk(node: Any) -> Chunk:
    """Convert a llama-index node of our chunk collection (or keyword index) back into a Chunk."""
    return _to_chunk(node.node_id, node.get_content(), dict(node.metadata) | {"doc_id": node.ref_doc_id})


def entry_to_chunk(entry: Mapping[str, Any]) -> Chunk:
    """A Chunk from a keyword-index corpus row (llama-index's metadata dict of a node): what
    ``node_to_chunk(metadata_dict_to_node(entry))`` gives, without building the pydantic node (half the cost of
    reading a document's 100 rows)."""
    content = json.loads(entry["_node_content"])
    return _to_chunk(str(entry["node_id"]), content["text"], dict(content["metadata"]) | {"doc_id": entry["doc_id"]})


def chunk_to_node(chunk: Chunk, vector: np.ndarray | None = None) -> TextNode:
    """A llama-index node for a chunk; only title and section join the text that is embedded or keyword-indexed."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    metadata = _flat({name: getattr(chunk, name) for name in _CHUNK_FIELDS} | chunk.metadata)
    hidden = [key for key in metadata if key not in KEYWORD_VISIBLE_FIELDS]
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        embedding=None if vector is None else vector.tolist(),
        metadata=metadata,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=hidden,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
    )


def _sentence_metadata(sentence: Sentence, chunk: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": sentence.chunk_id,
        "doc_id": chunk.doc_id,
        "content_hash": chunk.content_hash,
        "start": sentence.start,
        "end": sentence.end,
    }


def _registry_metadata(document: IndexedDocument) -> dict[str, Any]:
    fields = {name: getattr(document, name) for name in _REGISTRY_FIELDS}
    return _flat(fields | document.metadata)


def _to_indexed(doc_id: str, meta: dict[str, Any]) -> IndexedDocument:
    return IndexedDocument(
        doc_id=doc_id,
        title=str(meta["title"]),
        doc_type=str(meta["doc_type"]),
        source_path=str(meta["source_path"]),
        content_hash=str(meta["content_hash"]),
        pages=int(meta.get("pages", 0)),
        chunks=int(meta.get("chunks", 0)),
        ingested_at=str(meta.get("ingested_at", "")),
        metadata=_unflat_good_practice(meta),
        sentences=int(meta["sentences"]) if meta.get("sentences") is not None else None,
        embedding_model=str(meta["embedding_model"]) if meta.get("embedding_model") else None,
    )
