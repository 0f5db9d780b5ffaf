"""The Assistant facade: the one object the CLI, the UI and the evaluation runner call."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.answering import Draft, ExtractiveWriter, WriterSettings
from assistant.catalogue import catalogue_filters, list_records
from assistant.citations import Claim, number_citations, verify_claims
from assistant.conversation import Turn, follow_up_query
from assistant.records import Answer, Citation, Filters, NearestDocument, Passage
from assistant.reference_writer import TOP2_COSINE, TopCosineWriter
from assistant.retrieval import FusionWeights, Retriever
from ingest.config import Config
from ingest.errors import IndexNotFound
from ingest.keyword_index import load_keyword_index
from ingest.store import Store, open_store

NOT_COVERED = "The documents don't cover this question."
EXTRACTIVE = "extractive"


class AnswerWriter(Protocol):
    """What the Assistant asks of an answer writer: a draft from the passages, verified afterwards."""

    def write(self, question: str, query_vector: np.ndarray, passages: Sequence[Passage]) -> Draft: ...


class Assistant:
    """Answers questions from the index that ``config`` names; loads the model and indexes once."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        weights: FusionWeights | None = None,
        settings: WriterSettings | None = None,
    ) -> None:
        from ingest.embedding import load_embedder  # the model loads once per process

        self.config = config
        self.store = store or open_store(config)
        if not self.store.documents():
            raise IndexNotFound(
                f"No documents in the index at {self.store.location} — run `policydesk ingest corpus/` first."
            )
        self.embedder = load_embedder(cache_dir=config.model_cache)
        self.retriever = Retriever(self.store, load_keyword_index(self.store), weights=weights)
        self.writer = ExtractiveWriter(self.store, settings, self.embedder.embed_query)
        self.reference_writer = TopCosineWriter(self.store)

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        k: int | None = None,
        mode: str = "hybrid",
        writer: str = EXTRACTIVE,
    ) -> Answer:
        """Answer ``question`` with verified per-sentence citations, or abstain and list the nearest documents.

        Args:
            question: what the user asked.
            filters: restrict to document types / good-practice fields.
            history: earlier turns of the conversation, oldest first (for follow-up questions).
            k: passages to retrieve (default ``config.top_k``).
            mode: retrieval mode, "hybrid" (shipped), or "dense" / "keyword" / "rrf" for comparisons.
            writer: answer writer, "extractive" (shipped), or "top2_cosine" (the issue's reference) for comparisons.
        """
        answer_writer = self._writer(writer)
        started = time.perf_counter()
        query = follow_up_query(question, history)
        query_vector = self.embedder.embed_query(query.retrieval)
        catalogue = self._catalogue_filters(question, filters, writer)
        passages = self.retriever.retrieve(
            query.retrieval, query_vector, k=k or self.config.top_k, filters=catalogue or filters, mode=mode
        )
        retrieved_at = time.perf_counter()
        if catalogue:
            draft = list_records(passages, self.store)
        else:
            writer_vector = query_vector if query.writer == query.retrieval else self.embedder.embed_query(query.writer)
            draft = answer_writer.write(query.writer, writer_vector, passages)
        verified = self.verify(draft.claims)
        abstained = draft.abstained or not verified
        reason = draft.reason or ("no quoted sentence could be verified in the index" if abstained else "")
        citations: tuple[Citation, ...] = ()
        if abstained:
            text = _abstention_text(passages)
        else:
            text, citations = number_citations(verified)
        finished = time.perf_counter()
        return Answer(
            question=question,
            text=text,
            citations=citations,
            abstained=abstained,
            retrieved=tuple(passages),
            timings_ms={
                "retrieve": (retrieved_at - started) * 1000,
                "answer": (finished - retrieved_at) * 1000,
                "total": (finished - started) * 1000,
            },
            nearest=nearest_documents(passages) if abstained else (),
            confidence=draft.confidence,
            abstention_reason=reason,
        )

    def _writer(self, name: str) -> AnswerWriter:
        # Looked up on each ask, so that a writer set on ``self.writer`` (an LLM backend, a test's) is the one used.
        writers: dict[str, AnswerWriter] = {EXTRACTIVE: self.writer, TOP2_COSINE: self.reference_writer}
        if name not in writers:
            raise ValueError(f"unknown answer writer {name!r}; use one of {', '.join(writers)}")
        return writers[name]

    def _catalogue_filters(self, question: str, filters: Filters | None, writer: str) -> Filters | None:
        """The record filter of a catalogue question, when the shipped writer answers and the caller sets none.

        "Which good practices come from Spain?" is a question about record fields, answered from the records;
        the issue's reference writer answers every question from plain retrieval, as the issue measured it.
        """
        if writer != EXTRACTIVE or (filters and not filters.is_empty):
            return None
        return catalogue_filters(question, self.retriever.documents.values())

    def verify(self, claims: Sequence[Claim]) -> list[Claim]:
        """The claims whose quotes are verbatim in committed, indexed passages (every writer's last step)."""
        return verify_claims(claims, self.store.get_chunks)[0]

    def documents(self) -> list:
        """What is indexed (for the UI's documents tab and filters)."""
        return sorted(self.retriever.documents.values(), key=lambda d: (d.doc_type, d.title))

    def refresh(self) -> None:
        """See documents ingested or removed since this Assistant was built (the UI's documents tab)."""
        self.retriever.documents = self.store.documents()
        self.retriever.keyword_index = load_keyword_index(self.store)


def nearest_documents(passages: Sequence[Passage], limit: int = 3) -> tuple[NearestDocument, ...]:
    """The distinct documents of the best passages, best first."""
    nearest: dict[str, NearestDocument] = {}
    for passage in passages:
        chunk = passage.chunk
        if chunk.doc_id not in nearest:
            nearest[chunk.doc_id] = NearestDocument(
                chunk.doc_id, chunk.title, chunk.doc_type, chunk.page, passage.score
            )
    return tuple(nearest.values())[:limit]


def _abstention_text(passages: Sequence[Passage]) -> str:
    names = [f"{d.title}" + (f" (p. {d.page})" if d.page else "") for d in nearest_documents(passages)]
    if not names:
        return NOT_COVERED
    return f"{NOT_COVERED} The nearest documents are: {'; '.join(names)}."
