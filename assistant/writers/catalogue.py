"""Catalogue questions — "Which good practices come from Spain?" — answered from the good-practice records' fields.

Retrieval ranks passages by what they say, and every record says "good practice", so a question about which
records share a country, region, project or theme is matched against the index's record fields instead, and
answered with those records, each cited by its opening sentence. llama-index's auto-retriever infers such filters
with an LLM; the offline default has none, so the field value is matched by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.records import Filters, Passage
from assistant.text import asked_sentences
from assistant.writers.base import AbstentionReason, Claim, Draft, Writer, WriteRequest
from assistant.writers.extractive.answer_types import DEMONYMS
from assistant.writers.extractive.structure import record_request
from assistant.writers.extractive.writer import ExtractiveWriter, SentenceSource, is_quotable
from ingest.chunking import NOT_STATED
from ingest.records import GOOD_PRACTICE, IndexedDocument

# Record field -> the Filters field that matches it.
CATALOGUE_FIELDS = {"country": "country", "region": "region", "project": "project", "themes": "theme"}
PLACE_FIELDS = ("country", "region", "project")
MAX_LISTED = 6
_ASKS_FOR_RECORDS = re.compile(
    r"\b(?:which|what|list|any|are there|show|name)\b.*\b(?:good[- ]practices|examples|cases)\b", re.IGNORECASE
)


def catalogue_filters(question: str, documents: Iterable[IndexedDocument]) -> Filters | None:
    """The filter a question asking which good practices have some field value stands for, or None.

    "Which Spanish good practices …" matches country Spain; the longest matching value wins, so "Basque
    Country" (a region) is preferred over a theme that happens to be a shorter word of the question.
    """
    if not _ASKS_FOR_RECORDS.search(question):
        return None
    matches = _field_matches(question, documents, CATALOGUE_FIELDS)
    if not matches:
        return None
    _, field, value, _ = max(matches)
    return Filters(doc_types=(GOOD_PRACTICE,), **{CATALOGUE_FIELDS[field]: value})


def named_records(question: str, documents: Iterable[IndexedDocument]) -> tuple[str, ...]:
    """The good-practice records whose place or project the question's request for good practices names ("Do
    you have any good practice located in Flanders?" names the record whose region is Flanders): the documents to
    answer from first. Themes are left out: they are topic words, which retrieval already weighs."""
    asked = record_request(asked_sentences(question))
    if not asked:
        return ()
    return tuple(dict.fromkeys(doc_id for *_, doc_id in _field_matches(asked, documents, PLACE_FIELDS)))


def _field_matches(
    text: str, documents: Iterable[IndexedDocument], fields: Iterable[str]
) -> list[tuple[int, str, str, str]]:
    """(length, field, value, doc id) of every good-practice record field value that ``text`` names."""
    asked = " ".join(DEMONYMS.get(word, word) for word in re.findall(r"[\w’'-]+", text.lower()))
    return [
        (len(value), field, value, document.doc_id)
        for document in documents
        if document.doc_type == GOOD_PRACTICE
        for field in fields
        for value in _values(document.metadata.get(field))
        if re.search(rf"\b{re.escape(value.lower())}\b", asked)
    ]


class CatalogueLister(Writer):
    """The writer of catalogue questions: the matching records, each named and cited."""

    name = "catalogue"

    def __init__(self, sentences: SentenceSource, extractive: ExtractiveWriter) -> None:
        self.sentences = sentences
        self.extractive = extractive

    def write(self, request: WriteRequest) -> Draft:
        gap = self.extractive.record_gap(request.question, request.context_names)
        return gap or list_records(request.passages, self.sentences)


def list_records(passages: Sequence[Passage], sentences: SentenceSource) -> Draft:
    """One claim per record among ``passages`` (best first, at most ``MAX_LISTED``): its title and the first
    sentence of its earliest retrieved passage, quoted."""
    firsts: dict[str, Passage] = {}
    for passage in passages:
        known = firsts.get(passage.chunk.doc_id)
        if known is None or passage.chunk.start < known.chunk.start:
            firsts[passage.chunk.doc_id] = passage
    chosen = list(firsts.values())[:MAX_LISTED]
    found, _ = sentences.sentences_of([p.chunk.chunk_id for p in chosen])
    claims = []
    for passage in chosen:
        opening = next(
            (s.text for s in found if s.chunk_id == passage.chunk.chunk_id and is_quotable(s.text, passage.chunk)),
            None,
        )
        if opening:
            claims.append(Claim.quoting(f"{passage.chunk.title}: {opening}", passage.chunk, opening))
    if not claims:
        return Draft.declined(AbstentionReason.NO_EVIDENCE, "no good practice matches the question")
    return Draft(tuple(claims), None, 1.0)


def _values(field: object) -> list[str]:
    values = field if isinstance(field, list | tuple) else [field]
    return [str(v) for v in values if v and str(v).strip().lower() != NOT_STATED]
