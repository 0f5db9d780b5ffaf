"""An index past SQLite's 32,766-variable limit: every whole-collection read and delete is paged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from ingest import Config, ingest, open_store
from ingest.embedding import DIMENSION
from ingest.keyword_index import load_keyword_index
from ingest.records import Chunk, IndexedDocument, Sentence
from ingest.store import Store, _registry_metadata, _sentence_metadata, chunk_to_node
from tests.conftest import CORPUS_DOC_IDS

SQLITE_MAX_VARIABLES = 32_766
DOCUMENTS = 30
CHUNKS_PER_DOCUMENT = 110
SENTENCES_PER_CHUNK = 10  # 30 x 110 x 10 = 33,000 sentence records
ORPHAN_CHUNKS = 40  # an interrupted run's records: uncommitted, so garbage
FILL_BATCH = 5000  # below Chroma's maximum batch size (5,461)


def _precreate_cheap_collections(config: Config) -> None:
    """Create the store's collections with a cheap HNSW graph, so that filling them takes seconds, not a minute.

    The bug lives in Chroma's SQLite metadata reads, not in the vector index; the store opens the existing
    collections with ``get_or_create_collection`` and uses them unchanged.
    """
    client = chromadb.PersistentClient(
        path=str(config.index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    cheap = {"hnsw:space": "cosine", "hnsw:construction_ef": 8, "hnsw:M": 4}
    for kind in ("chunks", "sentences", "documents"):
        client.get_or_create_collection(f"{config.collection_prefix}_{kind}", metadata=cheap, embedding_function=None)


def _unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _synthetic_document(number: int, content_hash: str) -> tuple[IndexedDocument, list[Chunk], list[Sentence]]:
    doc_id = f"synthetic/doc-{number:03d}"
    source = f"/nonexistent/synthetic/doc-{number:03d}.md"  # outside the ingested folder: never "removed"
    chunks, sentences = [], []
    for position in range(CHUNKS_PER_DOCUMENT):
        chunk_id = hashlib.sha256(f"{doc_id}|{content_hash}|{position}".encode()).hexdigest()[:32]
        words = [f"word{number}x{position}s{s}" for s in range(SENTENCES_PER_CHUNK)]
        text = " ".join(f"{w} is sentence {s}." for s, w in enumerate(words))
        chunks.append(
            Chunk(chunk_id, doc_id, text, None, None, 0, len(text), f"Doc {number}", "document", source, content_hash)
        )
        offset = 0
        for s, word in enumerate(words):
            sentence = f"{word} is sentence {s}."
            sentences.append(Sentence(f"{chunk_id}-{s}", chunk_id, sentence, offset, offset + len(sentence)))
            offset += len(sentence) + 1
    document = IndexedDocument(
        doc_id, f"Doc {number}", "document", source, content_hash, 1, len(chunks), "2026-01-01T00:00:00+00:00"
    )
    return document, chunks, sentences


def _fill(store: Store) -> int:
    """Commit DOCUMENTS synthetic documents and leave an interrupted run's orphans; returns the sentence count.

    Written in large batches straight to the collections, in the store's own record format (``chunk_to_node``,
    the sentence and registry metadata): ``write_document`` per document takes several times longer.
    """
    rng = np.random.default_rng(7)
    documents, chunks, sentences = [], [], []
    for number in range(DOCUMENTS):
        document, doc_chunks, doc_sentences = _synthetic_document(number, f"hash-{number}")
        documents.append(document)
        chunks += doc_chunks
        sentences += doc_sentences
    # Orphans: a newer version of document 0 whose run died before its commit.
    _, doc_chunks, doc_sentences = _synthetic_document(0, "hash-uncommitted")
    chunks += doc_chunks[:ORPHAN_CHUNKS]
    sentences += [s for s in doc_sentences if s.chunk_id in {c.chunk_id for c in doc_chunks[:ORPHAN_CHUNKS]}]
    store.vector_store.add([chunk_to_node(c, v) for c, v in zip(chunks, _unit_vectors(rng, len(chunks)), strict=True)])
    by_id = {c.chunk_id: c for c in chunks}
    for start in range(0, len(sentences), FILL_BATCH):
        batch = sentences[start : start + FILL_BATCH]
        store._sentences.add(
            ids=[s.sentence_id for s in batch],
            embeddings=_unit_vectors(rng, len(batch)),
            documents=[s.text for s in batch],
            metadatas=[_sentence_metadata(s, by_id[s.chunk_id]) for s in batch],
        )
    store._registry.upsert(
        ids=[d.doc_id for d in documents],
        embeddings=[[1.0]] * len(documents),
        metadatas=[_registry_metadata(d) for d in documents],
    )
    return len(sentences)


@pytest.mark.slow
def test_ingest_and_garbage_collection_on_an_index_past_the_sqlite_variable_limit(
    tmp_path: Path, corpus: Path, embedder
) -> None:
    """Regression: ``collect_garbage()`` (run by every ingest), ``all_chunks()``, ``documents()`` and the keyword
    index build read whole collections with one ``get()``; past 32,766 records Chroma's SQLite backend refused
    with ``chromadb.errors.InternalError: ... too many SQL variables``, so once an index held that many sentences
    every ingest failed, even one with nothing to do."""
    config = Config(index_dir=tmp_path / "index")
    _precreate_cheap_collections(config)
    store = open_store(config)
    sentences = _fill(store)
    assert store._sentences.count() == sentences > SQLITE_MAX_VARIABLES

    assert store.collect_garbage() == ORPHAN_CHUNKS
    committed_sentences = DOCUMENTS * CHUNKS_PER_DOCUMENT * SENTENCES_PER_CHUNK
    assert store._sentences.count() == committed_sentences > SQLITE_MAX_VARIABLES
    assert len(store.documents()) == DOCUMENTS
    assert len(store.all_chunks()) == DOCUMENTS * CHUNKS_PER_DOCUMENT

    report = ingest([corpus], config, embedder_factory=lambda: embedder)
    assert report.counts["added"] == len(CORPUS_DOC_IDS) and not report.failed
    assert report.total_documents == DOCUMENTS + len(CORPUS_DOC_IDS)
    keyword = load_keyword_index(open_store(config))
    assert keyword.size == report.total_chunks == DOCUMENTS * CHUNKS_PER_DOCUMENT + report.chunks_written
    assert keyword.search("membership fees", 1)[0][0].doc_id == "helpdesk/cluster-finance"

    before = store._sentences.count()
    store.remove_document("synthetic/doc-001")  # a delete by metadata over the large collections
    assert store._sentences.count() == before - CHUNKS_PER_DOCUMENT * SENTENCES_PER_CHUNK
    assert "synthetic/doc-001" not in store.documents()
