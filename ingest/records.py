"""The typed records that flow from loading to indexing (and on to the assistant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOC_TYPES = ("brief", "helpdesk", "good_practice", "document")
GOOD_PRACTICE = "good_practice"  # the doc type of good-practice records, whose fields answer catalogue questions

# Good-practice fields copied from front matter into every chunk's metadata (and usable as filters).
GOOD_PRACTICE_FIELDS = ("project", "region", "country", "themes", "organisation", "source")


@dataclass(frozen=True)
class Page:
    """One page of a document's text (Markdown and text files are a single page numbered ``None``)."""

    number: int | None
    text: str


@dataclass(frozen=True)
class Document:
    """A loaded source file, before cleaning.

    Attributes:
        doc_id: stable id derived from the file's path (``briefs/policy-brief-clusters``).
        content_hash: sha256 of the file's bytes; once indexed, of the bytes and the chunk settings
            (``pipeline.index_version``). An unchanged hash means nothing to re-ingest.
        metadata: good-practice fields and other front-matter values (``themes`` is a tuple).
    """

    doc_id: str
    title: str
    doc_type: str
    source_path: str
    content_hash: str
    pages: tuple[Page, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A heading and where its text starts in the cleaned page text."""

    title: str
    start: int


@dataclass(frozen=True)
class CleanPage:
    """A page after cleaning: paragraphs joined by blank lines, headings found."""

    number: int | None
    text: str
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: a piece of one page of one document.

    ``start``/``end`` are character offsets into the cleaned page text; ``text == page.text[start:end]``.
    """

    chunk_id: str
    doc_id: str
    text: str
    page: int | None
    section: str | None
    start: int
    end: int
    title: str
    doc_type: str
    source_path: str
    content_hash: str
    metadata: dict[str, Any] = field(default_factory=dict)


def sentence_id(chunk_id: str, position: int) -> str:
    """The id of a chunk's ``position``-th sentence: readers find a chunk's sentences by id (a lookup by key),
    not by a metadata filter (a scan: 41 ms a read at 450k sentences)."""
    return f"{chunk_id}:{position}"


def chunk_of_sentence(sentence_id: str) -> str:
    """The chunk id a sentence id was made from (:func:`sentence_id`)."""
    return sentence_id.rpartition(":")[0]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk, embedded at ingest so answers need no embedding at query time.

    ``start``/``end`` are character offsets into the chunk's text.
    """

    sentence_id: str
    chunk_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class IndexedDocument:
    """What the index knows of one document: its registry entry, written last when it is (re)ingested.

    ``sentences`` and ``embedding_model`` are None for documents indexed before they were recorded.
    """

    doc_id: str
    title: str
    doc_type: str
    source_path: str
    content_hash: str
    pages: int
    chunks: int
    ingested_at: str
    metadata: dict[str, Any] = field(default_factory=dict)
    sentences: int | None = None
    embedding_model: str | None = None
