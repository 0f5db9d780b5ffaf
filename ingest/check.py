"""``policydesk check``: verify that the index is whole and consistent, and repair what is derived.

Checked, by document: every chunk record of the committed version is there (the registry counts them), and so
is every sentence (counted by the registry since it records them; before that, every chunk must have some); the
document was embedded with the model that queries use. Across the index: no chunk or sentence records of another
version or of a removed document (orphans: leftovers of an interrupted run); the stored vectors have the model's
dimension; the keyword index's stamp is the committed registry's and it holds exactly the committed chunks.

With ``repair=True`` (under the ingest lock) orphans are deleted, documents with missing records are embedded
again from their source files and the keyword index is rebuilt; then everything is checked again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.config import Config
from ingest.embedding import DIMENSION, INT8_SUFFIX, MODEL_NAME
from ingest.keyword_index import build_keyword_index, keyword_index_dir, persisted_chunks, read_stamp, registry_stamp
from ingest.locking import ingest_lock
from ingest.pipeline import Embedder, reingest_documents
from ingest.records import Chunk, IndexedDocument
from ingest.store import SentenceRecord, Store, open_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentCheck:
    """One registry document: what its records should be, what was found, and what is wrong."""

    doc_id: str
    source_path: str
    chunks: int
    expected_chunks: int
    sentences: int
    expected_sentences: int | None  # None: indexed before sentence counts were recorded
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """The result of ``check_index``: per document, across the index, and what a repair did."""

    location: str
    embedding_model: str
    documents: tuple[DocumentCheck, ...]
    keyword_index: str  # one line: how the keyword index stands
    problems: tuple[str, ...]  # across the index (orphans, vectors, keyword index)
    repairs: tuple[str, ...] = ()

    @property
    def problem_count(self) -> int:
        """Problems found, document and index-wide."""
        return len(self.problems) + sum(len(d.problems) for d in self.documents)

    @property
    def ok(self) -> bool:
        """Whether the index passed every check."""
        return self.problem_count == 0


@dataclass
class _Findings:
    """What a repair needs to know beyond the report."""

    orphan_chunks: list[str] = field(default_factory=list)
    orphan_sentences: list[str] = field(default_factory=list)
    incomplete: list[IndexedDocument] = field(default_factory=list)
    keyword_index_bad: bool = False


def check_index(
    config: Config, *, repair: bool = False, embedder_factory: Callable[[], Embedder] | None = None
) -> CheckReport:
    """Check the index that ``config`` names; with ``repair``, fix what is derived and check again."""
    store = open_store(config)
    if not repair:
        return _inspect(store)[0]
    with ingest_lock(config):
        findings = _inspect(store)[1]
        repairs = _repair(store, config, findings, embedder_factory)
        after, _ = _inspect(store)
    return dataclasses.replace(after, repairs=tuple(repairs))


def _inspect(store: Store) -> tuple[CheckReport, _Findings]:
    documents = store.documents()
    chunks, sentences = store.chunk_records(), store.sentence_records()
    findings = _Findings()
    committed = _committed_chunks(documents, chunks)
    by_chunk: dict[str, list[SentenceRecord]] = defaultdict(list)
    for sentence in sentences:
        by_chunk[sentence.chunk_id].append(sentence)
    checks = [_check_document(doc, committed[doc_id], by_chunk, findings) for doc_id, doc in documents.items()]
    problems = _orphans(documents, chunks, sentences, committed, findings)
    problems += _vector_problems(store)
    keyword_line, keyword_problems, per_document = _keyword_index(store, documents, committed, findings)
    checks = [dataclasses.replace(c, problems=c.problems + per_document.get(c.doc_id, ())) for c in checks]
    report = CheckReport(
        location=store.location,
        embedding_model=f"{MODEL_NAME} ({DIMENSION}-d)",
        documents=tuple(sorted(checks, key=lambda c: c.doc_id)),
        keyword_index=keyword_line,
        problems=tuple(problems + keyword_problems),
    )
    return report, findings


def _committed_chunks(documents: dict[str, IndexedDocument], chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    committed: dict[str, list[Chunk]] = {doc_id: [] for doc_id in documents}
    for chunk in chunks:
        doc = documents.get(chunk.doc_id)
        if doc is not None and doc.content_hash == chunk.content_hash:
            committed[chunk.doc_id].append(chunk)
    return committed


def _check_document(
    doc: IndexedDocument, chunks: list[Chunk], by_chunk: dict[str, list[SentenceRecord]], findings: _Findings
) -> DocumentCheck:
    chunk_ids = {c.chunk_id for c in chunks}
    own = [s for c in chunk_ids for s in by_chunk.get(c, ()) if s.content_hash == doc.content_hash]
    problems = []
    if len(chunks) != doc.chunks:
        problems.append(f"{len(chunks)} of its {doc.chunks} chunks are stored")
    if doc.sentences is not None and len(own) != doc.sentences:
        problems.append(f"{len(own)} of its {doc.sentences} sentences are stored")
    bare = len(chunk_ids - {s.chunk_id for s in own})
    if bare:
        problems.append(f"{bare} chunk{'s' if bare > 1 else ''} without sentences")
    incomplete = bool(problems)
    # Either precision of the model is the queries' vector space; another model is not.
    if doc.embedding_model and doc.embedding_model.removesuffix(INT8_SUFFIX) != MODEL_NAME:
        problems.append(
            f"embedded with {doc.embedding_model}, but queries use {MODEL_NAME}: delete the index folder and "
            "run `policydesk ingest` again"
        )
    if incomplete:
        findings.incomplete.append(doc)
    return DocumentCheck(doc.doc_id, doc.source_path, len(chunks), doc.chunks, len(own), doc.sentences, tuple(problems))


def _orphans(
    documents: dict[str, IndexedDocument],
    chunks: list[Chunk],
    sentences: list[SentenceRecord],
    committed: dict[str, list[Chunk]],
    findings: _Findings,
) -> list[str]:
    """Records of no committed chunk, grouped by the document they name."""
    committed_ids = {c.chunk_id for doc_chunks in committed.values() for c in doc_chunks}
    hashes = {doc_id: doc.content_hash for doc_id, doc in documents.items()}
    by_doc: dict[str, Counter[str]] = defaultdict(Counter)
    for chunk in chunks:
        if chunk.chunk_id not in committed_ids:
            findings.orphan_chunks.append(chunk.chunk_id)
            by_doc[chunk.doc_id]["chunk"] += 1
    for sentence in sentences:
        if sentence.chunk_id not in committed_ids or hashes.get(sentence.doc_id) != sentence.content_hash:
            findings.orphan_sentences.append(sentence.sentence_id)
            by_doc[sentence.doc_id]["sentence"] += 1
    return [
        f"orphan records of {doc_id}{'' if doc_id in documents else ' (not in the registry)'}: "
        + ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))
        + " of no committed chunk (left by an interrupted run); `policydesk check --repair` deletes them"
        for doc_id, counts in sorted(by_doc.items())
    ]


def _vector_problems(store: Store) -> list[str]:
    return [
        f"the {name} collection holds {size}-d vectors, but {MODEL_NAME} gives {DIMENSION}-d: delete the index "
        "folder and run `policydesk ingest` again"
        for name, size in store.vector_dimensions().items()
        if size is not None and size != DIMENSION
    ]


def _keyword_index(
    store: Store, documents: dict[str, IndexedDocument], committed: dict[str, list[Chunk]], findings: _Findings
) -> tuple[str, list[str], dict[str, tuple[str, ...]]]:
    """The keyword index's status line, its index-wide problems and its problems per document."""
    expected = {c.chunk_id: c for doc_chunks in committed.values() for c in doc_chunks}
    stamp = read_stamp(keyword_index_dir(store)).get("stamp")
    indexed = persisted_chunks(store) if stamp is not None else None
    if not expected and indexed is None:
        return "empty (nothing committed)", [], {}
    problems: list[str] = []
    per_document: dict[str, tuple[str, ...]] = {}
    if indexed is None:
        problems.append("the keyword index is missing or unreadable; `policydesk check --repair` rebuilds it")
        indexed = []
    elif stamp != registry_stamp(documents.values()):
        problems.append("the keyword index's stamp is not the committed registry's (stale); --repair rebuilds it")
    held = Counter(c.doc_id for c in indexed if expected.get(c.chunk_id) == c)
    for doc_id, doc_chunks in committed.items():
        if held[doc_id] != len(doc_chunks):
            per_document[doc_id] = (f"the keyword index holds {held[doc_id]} of its {len(doc_chunks)} chunks",)
    extra = sum(1 for c in indexed if expected.get(c.chunk_id) != c)
    if extra:
        problems.append(f"the keyword index holds {extra} chunks that are not committed (as they are)")
    findings.keyword_index_bad = bool(problems or per_document)
    status = "does not match the committed chunks" if findings.keyword_index_bad else "current"
    return f"{len(indexed)} chunks, {status}", problems, per_document


def _repair(
    store: Store, config: Config, findings: _Findings, embedder_factory: Callable[[], Embedder] | None
) -> list[str]:
    repairs = []
    if findings.orphan_chunks or findings.orphan_sentences:
        store.delete_records(chunk_ids=findings.orphan_chunks, sentence_ids=findings.orphan_sentences)
        repairs.append(
            f"deleted {len(findings.orphan_chunks)} orphan chunks and {len(findings.orphan_sentences)} orphan sentences"
        )
    present = [doc for doc in findings.incomplete if Path(doc.source_path).is_file()]
    for doc in findings.incomplete:
        if doc not in present:
            repairs.append(f"cannot re-embed {doc.doc_id}: its source {doc.source_path} is gone; ingest a copy")
    for outcome in reingest_documents(present, config, store, embedder_factory=embedder_factory):
        if outcome.status == "failed":
            repairs.append(f"cannot re-embed {outcome.doc_id} from {outcome.source_path}: {outcome.reason}")
        else:
            repairs.append(f"re-embedded {outcome.doc_id} from {outcome.source_path} ({outcome.chunks} chunks)")
    if repairs or findings.keyword_index_bad:
        index = build_keyword_index(store)
        repairs.append(f"rebuilt the keyword index ({index.size} chunks)")
    for line in repairs:
        logger.info("repair: %s", line)
    return repairs


__all__ = ["CheckReport", "DocumentCheck", "check_index"]
