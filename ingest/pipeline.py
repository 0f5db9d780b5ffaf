"""Incremental ingestion: find files, skip unchanged ones, load → clean → chunk → embed → commit per document."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.chunking import embedding_text, split_document, split_sentences
from ingest.cleaning import clean_document
from ingest.config import Config
from ingest.errors import DocumentError
from ingest.keyword_index import ensure_keyword_index
from ingest.loading import content_hash_of, doc_id_for, load_document, scan_sources
from ingest.locking import ingest_lock
from ingest.records import Chunk, Document, IndexedDocument
from ingest.store import Store, open_store

logger = logging.getLogger(__name__)

EMBED_BATCH = 64
SENTENCE_BATCH = 512  # sentences are short: a larger call sorts more of them into evenly long batches
# Bump when what is embedded or indexed per chunk changes (2: good-practice fields in the context header;
# 3: a wrapped line after a heading is no longer taken for a heading; 4: sentences are not cut after "e.g.").
INDEX_FORMAT = 4
STATUSES = ("added", "updated", "unchanged", "removed", "failed")


class Embedder(Protocol):
    """What ingestion needs from an embedding model."""

    model_name: str

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...

    def count_wordpieces(self, text: str) -> int: ...


@dataclass
class Progress:
    """A snapshot of the run's progress, passed to the ``progress`` callback after each step."""

    files_done: int = 0
    files_total: int = 0
    chunks_done: int = 0
    chunks_total: int = 0
    label: str = ""
    # Every chunk's sentences are embedded too (about as much work again): counted so a long file's progress
    # does not stall at 100% of its chunks.
    sentences_done: int = 0
    sentences_total: int = 0


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file (or to a document whose file is gone)."""

    doc_id: str
    source_path: str
    status: str
    chunks: int = 0
    reason: str = ""


@dataclass(frozen=True)
class IngestReport:
    """The result of one ingest run."""

    outcomes: tuple[FileOutcome, ...]
    seconds: float
    index_location: str
    total_documents: int = 0
    total_chunks: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        """The files that could not be ingested."""
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def chunks_written(self) -> int:
        """Chunks embedded and written by this run."""
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))


def ingest(
    roots: Sequence[Path],
    config: Config,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    store: Store | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IngestReport:
    """Bring the index up to date with the files under ``roots``.

    Unchanged files (same content hash) are skipped without loading the model; changed files have their chunks
    replaced; documents whose file under a given folder is gone are removed. A bad file is reported and
    skipped. Each document is committed on its own, so an interruption never leaves one half-updated.

    Holds the index's ingest lock throughout; another ingest of the same index waits for it.

    Raises:
        IndexBusy: another ingest held the lock longer than ``config.ingest_lock_timeout`` seconds.
        DocumentError: a path in ``roots`` does not exist.
    """
    started = time.perf_counter()
    store = store or open_store(config)
    with ingest_lock(config):  # one writer at a time: commits and keyword-index builds never interleave
        outcomes = _update(roots, config, store, embedder_factory, progress or (lambda snapshot: None))
        documents = store.documents()
    return IngestReport(
        outcomes=tuple(outcomes),
        seconds=time.perf_counter() - started,
        index_location=store.location,
        total_documents=len(documents),
        total_chunks=sum(doc.chunks for doc in documents.values()),
        counts={status: sum(o.status == status for o in outcomes) for status in STATUSES},
    )


def _update(
    roots: Sequence[Path],
    config: Config,
    store: Store,
    embedder_factory: Callable[[], Embedder] | None,
    notify: Callable[[Progress], None],
) -> list[FileOutcome]:
    committed = store.documents()  # read under the lock: no other ingest commits until we are done
    outcomes: list[FileOutcome] = []
    pending: list[tuple[Path, str, str]] = []  # (path, doc_id, status)
    unreadable: list[Path] = []  # folders whose documents must not be taken for deleted
    for root in roots:
        if not _exists(root):
            raise DocumentError(root, "does not exist; pass a corpus folder or a file")
        files, folders = scan_sources(root)
        for folder, reason in folders:
            unreadable.append(folder)
            outcomes.append(FileOutcome(str(folder), str(folder), "failed", reason=reason))
        for path in files:
            doc_id = doc_id_for(path, root)
            outcome = _triage(path, doc_id, committed, config)
            outcomes.append(outcome) if outcome else pending.append((path, doc_id, _new_status(doc_id, committed)))
    seen = {doc_id for _, doc_id, _ in pending} | {o.doc_id for o in outcomes}
    outcomes += _remove_missing(roots, committed, seen, store, unreadable)
    if pending:  # the model is loaded only when a file needs embedding
        embedder = (embedder_factory or functools.partial(_default_embedder, config))()
        outcomes += _ingest_pending(pending, config, store, embedder, notify)
    store.collect_garbage()
    ensure_keyword_index(store)  # rebuilds only when the registry changed
    store.ensure_generation()  # an index from before registry generations gets one: readers may then cache
    return outcomes


def reingest_documents(
    documents: Sequence[IndexedDocument],
    config: Config,
    store: Store,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
) -> list[FileOutcome]:
    """Embed and write these indexed documents again from their source files, keeping their ids.

    For ``policydesk check --repair``: the caller holds the ingest lock. A document whose file is gone or
    unreadable comes back as a "failed" outcome and is left as it was.
    """
    outcomes: list[FileOutcome] = []
    pending: list[tuple[Path, str, str]] = []
    for doc in documents:
        too_large = _size_problem(Path(doc.source_path), config)
        if too_large:
            outcomes.append(FileOutcome(doc.doc_id, doc.source_path, "failed", reason=too_large))
        else:
            pending.append((Path(doc.source_path), doc.doc_id, "updated"))
    if pending:
        embedder = (embedder_factory or functools.partial(_default_embedder, config))()
        outcomes += _ingest_pending(pending, config, store, embedder, lambda snapshot: None)
    return outcomes


def index_version(file_hash: str, config: Config) -> str:
    """The content hash a document is indexed under: its bytes, the chunk settings and the index format.

    Folding them in means that changing ``chunk_tokens`` (or what a chunk embeds, ``INDEX_FORMAT``, or the
    embedding's precision) re-chunks every document on the next ingest, through the same atomic replace as an
    edited file. fp32 adds nothing, so indexes built before the setting existed stay current.
    """
    settings = f"{file_hash}|{config.chunk_tokens}|{config.chunk_overlap}|{INDEX_FORMAT}"
    if config.embed_precision != "fp32":
        settings += f"|{config.embed_precision}"
    return hashlib.sha256(settings.encode()).hexdigest()


def _ingest_pending(
    pending: list[tuple[Path, str, str]],
    config: Config,
    store: Store,
    embedder: Embedder,
    notify: Callable[[Progress], None],
) -> list[FileOutcome]:
    snapshot = Progress(files_total=len(pending))
    outcomes = []
    for path, doc_id, status in pending:
        snapshot.label = path.name
        outcomes.append(_ingest_file(path, doc_id, status, config, store, embedder, lambda: notify(snapshot), snapshot))
        snapshot.files_done += 1
        notify(snapshot)
    return outcomes


def _triage(path: Path, doc_id: str, committed: dict[str, IndexedDocument], config: Config) -> FileOutcome | None:
    """An outcome for a file that needs no work (unchanged, unreadable or too large), else None."""
    too_large = _size_problem(path, config)
    if too_large:
        return FileOutcome(doc_id, str(path), "failed", reason=too_large)
    try:
        content_hash = index_version(content_hash_of(path), config)
    except DocumentError as exc:
        return FileOutcome(doc_id, str(path), "failed", reason=exc.reason)
    known = committed.get(doc_id)
    if known and known.content_hash == content_hash:
        return FileOutcome(doc_id, str(path), "unchanged", chunks=known.chunks)
    return None


def _size_problem(path: Path, config: Config) -> str | None:
    """Why ``path`` is over the per-file size limit, or None."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it will say what is wrong
    if size <= config.max_file_mb * 2**20:
        return None
    return (
        f"is {size / 2**20:.1f} MB, over the {config.max_file_mb} MB limit per file; split or compress it, or "
        "raise the limit (--max-file-mb, env POLICYDESK_MAX_FILE_MB, or max_file_mb in policydesk.toml)"
    )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a parent folder cannot be searched: it exists, and reading it will say why
        return True


def _new_status(doc_id: str, committed: dict[str, IndexedDocument]) -> str:
    return "updated" if doc_id in committed else "added"


def _remove_missing(
    roots: Sequence[Path],
    committed: dict[str, IndexedDocument],
    seen: set[str],
    store: Store,
    unreadable: Sequence[Path] = (),
) -> list[FileOutcome]:
    """Remove documents whose file lay under one of the ingested folders and no longer exists.

    A document under a folder that could not be read is kept: its file may well be there.
    """
    folders = [root.resolve() for root in roots if root.is_dir()]
    hidden = [folder.resolve() for folder in unreadable]
    removed = []
    for doc in committed.values():
        source = Path(doc.source_path).resolve()
        if doc.doc_id in seen or _exists(source) or not any(source.is_relative_to(f) for f in folders):
            continue
        if any(source.is_relative_to(folder) for folder in hidden):
            continue
        store.remove_document(doc.doc_id)
        removed.append(FileOutcome(doc.doc_id, doc.source_path, "removed", chunks=doc.chunks))
    return removed


def _ingest_file(
    path: Path,
    doc_id: str,
    status: str,
    config: Config,
    store: Store,
    embedder: Embedder,
    notify: Callable[[], None],
    snapshot: Progress,
) -> FileOutcome:
    try:
        document = load_document(path, doc_id)
        document = dataclasses.replace(document, content_hash=index_version(document.content_hash, config))
        pages = clean_document(document)
        chunks = split_document(
            document,
            pages,
            chunk_tokens=config.chunk_tokens,
            chunk_overlap=config.chunk_overlap,
            count_wordpieces=embedder.count_wordpieces,
        )
        if not chunks:
            raise DocumentError(path, "no text left after cleaning; check that the file has readable content")
    except DocumentError as exc:
        return FileOutcome(doc_id, str(path), "failed", reason=exc.reason)
    sentences = [s for chunk in chunks for s in split_sentences(chunk)]
    snapshot.chunks_total += len(chunks)
    snapshot.sentences_total += len(sentences)

    def chunks_embedded(count: int) -> None:
        snapshot.chunks_done += count
        notify()

    def sentences_embedded(count: int) -> None:
        snapshot.sentences_done += count
        notify()

    chunk_vectors = _embed([embedding_text(c) for c in chunks], embedder, chunks_embedded, EMBED_BATCH)
    sentence_vectors = _embed([s.text for s in sentences], embedder, sentences_embedded, SENTENCE_BATCH)
    indexed = indexed_document(document, chunks, sentences=len(sentences), embedding_model=embedder.model_name)
    store.write_document(indexed, chunks, chunk_vectors, sentences, sentence_vectors)
    logger.info("%s %s: %d chunks, %d sentences", status, doc_id, len(chunks), len(sentences))
    return FileOutcome(doc_id, str(path), status, chunks=len(chunks))


def _embed(texts: list[str], embedder: Embedder, embedded: Callable[[int], None], batch: int) -> np.ndarray:
    """Embed ``texts`` ``batch`` at a time, reporting each batch done (the embedder sorts each call's texts by
    length, so a larger batch pads less)."""
    if not texts:
        return embedder.embed([])
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(embedder.embed(texts[start : start + batch]))
        embedded(len(parts[-1]))
    return np.concatenate(parts)


def indexed_document(
    document: Document, chunks: list[Chunk], *, sentences: int | None = None, embedding_model: str | None = None
) -> IndexedDocument:
    """The registry entry for ``document`` split into ``chunks`` (and ``sentences``), stamped now."""
    return IndexedDocument(
        doc_id=document.doc_id,
        title=document.title,
        doc_type=document.doc_type,
        source_path=document.source_path,
        content_hash=document.content_hash,
        pages=len(document.pages),
        chunks=len(chunks),
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metadata=dict(document.metadata),
        sentences=sentences,
        embedding_model=embedding_model,
    )


def _default_embedder(config: Config) -> Embedder:
    from ingest.embedding import embedder_for  # imported late: an unchanged corpus never loads the model

    return embedder_for(config)


__all__ = ["Embedder", "FileOutcome", "IngestReport", "Progress", "ingest", "reingest_documents"]
