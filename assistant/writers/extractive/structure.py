"""What the documents' structure says: lists of headings, definitional sentences and good-practice records.

A brief lists its five recommendations as headings ("Policy recommendation 1. …" … "5. …") and its life-cycle
stages as "Cluster Life Cycle – Identification", "– Governance" …; a question for "the five recommendations" is
answered by those headings, each cited to the passage that holds it, not by a sentence saying there are five. A
"what is X" question is answered first by a sentence that defines X ("Innovation vouchers are small lines of
credit …"). A good-practice record is named by its fields (title, project, region, country).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.text import ASK_WORDS, asked_names, asked_sentences, content_terms, stems, words
from assistant.writers.base import Quote
from assistant.writers.extractive.answer_types import place_forms
from assistant.writers.extractive.cells import LabelledCell, labelled_cells
from ingest.chunking import NOT_STATED
from ingest.records import GOOD_PRACTICE, Chunk

# "Policy recommendation 3. To offer …" -> ("Policy recommendation", "To offer …"); "Box 6. …" -> ("Box", …).
_NUMBERED = re.compile(r"^(?P<stem>\D*?\S)\s+\d{1,2}[.)]\s+(?P<item>\S.*)$")
# "Cluster Life Cycle – Governance" -> ("Cluster Life Cycle", "Governance").
_DASHED = re.compile(r"^(?P<stem>.+?\S)\s+[–—]\s+(?P<item>\S.*)$")
MIN_ITEMS = 2
# Words that only count or point at the list: "the five policy recommendations of the brief".
_NUMBER_TERMS = frozenset(stems(["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]))
# Words for the items of a list, when the heading's stem does not name them ("the stages of the life cycle").
_KIND_TERMS = frozenset(stems(["stages", "steps", "phases", "parts", "elements", "components", "items"]))
# How an English sentence defines its subject: "X is defined as / understood as …", "X refers to", "X means", or
# "X is/are" + a noun phrase — not a passive or progressive verb ("… are used", "… is growing") or "not"/"also".
_COPULA = re.compile(
    r"^\s*(?:is|are)\s+(?:defined|understood)\s+as\b|^\s*(?:refers?\s+to|means?)\b"
    r"|^\s*(?:is|are)\s+(?!\w+ed\b|\w+ing\b|not\b|also\b|often\b|only\b)\w"
)
MAX_SUBJECT_TERMS = 3  # "innovation vouchers", "cluster organisation": what a defining sentence opens with
# A term the asker puts in quote marks ("keep talking about 'knowledge spillovers'") is the term asked about, in
# whichever sentence of the message it stands: quote marks are how a message marks a term, whatever its wording.
_QUOTED = re.compile(r"(?<![\w’'])['‘“\"„«]([^'’”\"“«»\n]{2,60}?)['’”\"“»](?!\w)")
_PRONOUN_START = re.compile(r"^\s*(?:It|They|This|These|Its|Their)\b")


@dataclass(frozen=True)
class HeadingList:
    """Headings of one document that share a stem: the items of a list the document is organised by."""

    doc_id: str
    stem: str
    items: tuple[Quote, ...]

    @property
    def stem_terms(self) -> frozenset[str]:
        return frozenset(content_terms(self.stem))


class SectionIndex:
    """The heading lists of indexed documents: of the given chunks, or (``loading``) of each document as a
    question first retrieves it, so that starting or refreshing the Assistant reads no chunks at all."""

    def __init__(self, chunks: Iterable[Chunk] = (), *, loading: DocumentChunks | None = None) -> None:
        self._loading = loading
        self._lock = threading.Lock()
        self._documents: OrderedDict[str, _Document] = OrderedDict()
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        for doc_id, doc_chunks in by_doc.items():
            self._documents[doc_id] = _document(doc_id, doc_chunks)

    @property
    def lists(self) -> list[HeadingList]:
        """The heading lists of the documents held so far."""
        return [heading_list for document in list(self._documents.values()) for heading_list in document.lists]

    def _held(self) -> list[Chunk]:
        return [chunk for document in list(self._documents.values()) for chunk in document.chunks]

    def chunks_of(self, doc_id: str) -> Sequence[Chunk]:
        """A document's passages in reading order (read from the index the first time, when loading)."""
        return self._of(doc_id).chunks

    def is_heading(self, text: str, doc_id: str) -> bool:
        """Whether ``text`` (a sentence) is a heading, or part of one, of the document ``doc_id``."""
        bare = text.strip().rstrip(".")
        return bool(bare) and any(bare in heading for heading in self._of(doc_id).headings)

    def _of(self, doc_id: str) -> _Document:
        found = self._documents.get(doc_id)
        if found is not None or self._loading is None:
            return found or _EMPTY
        document = _document(doc_id, list(self._loading.document_chunks(doc_id)))
        with self._lock:
            self._documents[doc_id] = document
            while len(self._documents) > MAX_LOADED_DOCUMENTS:
                self._documents.popitem(last=False)
        return document

    @functools.cached_property
    def record_vocabulary(self) -> frozenset[str]:
        """Every word the good-practice records use, in their text and fields: what a request for records can
        match. Read once, on the first such request."""
        chunks = self._loading.chunks_of_type(GOOD_PRACTICE) if self._loading else self._held()
        return frozenset(
            term
            for chunk in chunks
            if chunk.doc_type == GOOD_PRACTICE
            for term in content_terms(f"{chunk.text} {record_fields(chunk)}")
        )

    def unmatched_record_topic(self, question: str, context: Iterable[str] = ()) -> list[str]:
        """The names in a request for good practices that no record holds ("… from Greece or Cyprus", "the
        CLIPPER project"): no record can answer it. Empty when the question does not ask for records, or when the
        index holds none. The asker's own context (names in ``context``) is not part of the request."""
        asked = record_request(asked_sentences(question))
        if not asked or not self.record_vocabulary:
            return []
        own = {term for name in context for term in content_terms(name)} | RECORD_WORDS | PLACE_KINDS
        unmatched = []
        # Only names count: a lowercase word the records lack is as often how the question is put ("steering",
        # "described") as what it asks for ("tourism"); measured on the spent questions.
        for name in asked_names(asked):
            # A plural acronym is named without its "s" ("SMEs" -> "sme"), which the stemmer keeps on in the text.
            forms = {name, f"{name}s", *place_forms(name)}
            terms = {t for form in forms for t in content_terms(form.replace("-", " "))} - own
            if terms and not terms & self.record_vocabulary:
                unmatched.append(name)
        return list(dict.fromkeys(unmatched))

    def mentioning(self, doc_ids: Iterable[str], subject: Sequence[str]) -> list[Chunk]:
        """The passages of ``doc_ids`` whose text holds every term of ``subject`` (stems, in any form)."""
        wanted = set(subject)
        return [
            chunk
            for document in map(self._of, dict.fromkeys(doc_ids))
            for chunk, terms in zip(document.chunks, document.terms, strict=True)
            if wanted <= terms
        ]

    def cells_for(self, question: str, doc_ids: Iterable[str]) -> list[tuple[LabelledCell, str]]:
        """The labelled bullet groups (table cells) of the retrieved documents whose label ``question`` names,
        with the label's words it names, in the order the question names them."""
        asked = words(question)
        named = [
            (cell, label)
            for doc_id in dict.fromkeys(doc_ids)
            for cell in self._of(doc_id).cells
            if (label := cell.named_in(asked))
        ]
        text = " ".join(asked)
        return sorted(named, key=lambda pair: text.find(pair[1].lower()))

    def list_for(self, question: str, doc_ids: Iterable[str], titles: dict[str, str]) -> HeadingList | None:
        """The heading list of a retrieved document that ``question`` asks for, if any.

        The question must name the list's stem ("policy recommendations", "cluster life cycle") and ask for
        nothing else but the items' kind ("stages") or a count; the document's own title words may stand too.
        """
        asked = set(content_terms(question))
        retrieved = list(dict.fromkeys(doc_ids))
        for heading_list in (item for doc_id in retrieved for item in self._of(doc_id).lists):
            stem = heading_list.stem_terms
            if not stem or not stem <= asked:
                continue
            rest = asked - stem - _NUMBER_TERMS - set(content_terms(titles.get(heading_list.doc_id, "")))
            if not rest or (len(rest) == 1 and rest <= _KIND_TERMS):
                return heading_list
        return None


class DocumentChunks(Protocol):
    """Where a lazy SectionIndex reads chunks (the keyword index's corpus or the store)."""

    def document_chunks(self, doc_id: str) -> Sequence[Chunk]: ...

    def chunks_of_type(self, doc_type: str) -> list[Chunk]: ...


@dataclass(frozen=True)
class _Document:
    chunks: tuple[Chunk, ...]
    lists: tuple[HeadingList, ...]

    @functools.cached_property
    def terms(self) -> tuple[frozenset[str], ...]:
        """Each passage's content terms, stemmed once per loaded document rather than on every question that
        looks for a subject in it (stemming a long document's passages took ~100 ms a question)."""
        return tuple(frozenset(content_terms(chunk.text)) for chunk in self.chunks)

    @functools.cached_property
    def cells(self) -> tuple[LabelledCell, ...]:
        """The document's labelled bullet groups (a table's cells), parsed once per loaded document."""
        return tuple(labelled_cells(self.chunks))

    @functools.cached_property
    def headings(self) -> frozenset[str]:
        """The document's section headings: one can end the passage before its section ("… latest events\n\n
        Policy Insights 2. Other … activities."), where the passage's own section does not name it."""
        return frozenset(chunk.section for chunk in self.chunks if chunk.section)


_EMPTY = _Document((), ())
MAX_LOADED_DOCUMENTS = 2048  # documents whose chunks a lazy SectionIndex keeps (least recently loaded go first)


def _document(doc_id: str, chunks: list[Chunk]) -> _Document:
    chunks.sort(key=lambda c: (c.page or 0, c.start))
    return _Document(tuple(chunks), tuple(_heading_lists(doc_id, chunks)))


def _heading_lists(doc_id: str, chunks: Sequence[Chunk]) -> list[HeadingList]:
    found: dict[str, dict[str, Quote]] = {}
    for chunk in chunks:
        heading = chunk.section
        if not heading or heading in found.get(_stem(heading) or "", {}):
            continue
        stem = _stem(heading)
        holder = _holder(heading, chunk, chunks)
        if stem and holder is not None:
            found.setdefault(stem, {})[heading] = Quote(holder, heading)
    return [
        HeadingList(doc_id, stem, tuple(items.values())) for stem, items in found.items() if len(items) >= MIN_ITEMS
    ]


def _stem(heading: str) -> str | None:
    match = _NUMBERED.match(heading) or _DASHED.match(heading)
    return match.group("stem").strip() if match else None


def _holder(heading: str, chunk: Chunk, chunks: Sequence[Chunk]) -> Chunk | None:
    """The passage whose text holds ``heading``: its own section's first, else the one before (a heading at the
    bottom of the previous passage)."""
    if heading in chunk.text:
        return chunk
    return next((c for c in chunks if c.doc_id == chunk.doc_id and heading in c.text), None)


def definition_subject(question: str) -> list[str] | None:
    """The stemmed topic words of the asked sentence when they are few enough to be a subject a sentence can
    define ("What is an innovation voucher?", "Tell me what a cluster organisation is", "Was ist Santara Valley?"
    alike), or None. No question wording is matched: a sentence that opens with exactly these words and a defining
    copula is preferred, whatever the question's phrasing."""
    terms = list(dict.fromkeys(content_terms(asked_sentences(question))))
    return terms if 0 < len(terms) <= MAX_SUBJECT_TERMS else None


def definition_subjects(question: str) -> list[list[str]]:
    """What a defining sentence may open with, most specific first: the question's subject
    (:func:`definition_subject`), then each run of all its words but one ("What exactly are innovation vouchers?"
    is about "innovation vouchers"; a word the question adds does not stop its definition being found). A run is
    two words at least, so "What is a cluster organisation?" is not answered by what "clusters" are."""
    terms = definition_subject(question)
    if not terms:
        return []
    return [terms, terms[:-1], terms[1:]] if len(terms) > 2 else [terms]


def quoted_terms(question: str) -> list[list[str]]:
    """The stemmed topic words of each term ``question`` puts in quote marks, short enough to be defined."""
    quoted = (list(dict.fromkeys(content_terms(m.group(1)))) for m in _QUOTED.finditer(question))
    return [terms for terms in quoted if 0 < len(terms) <= MAX_SUBJECT_TERMS]


def defines(sentence: str, subject: Sequence[str]) -> bool:
    """Whether ``sentence`` opens with ``subject`` (after an article and any formatting) followed by a copula that
    defines it: "**Innovation vouchers** are small lines of credit …", "A cluster is defined as …"."""
    tokens = list(re.finditer(r"[\w’'-]+", sentence))
    start = 1 if tokens and tokens[0].group().lower() in ("a", "an", "the") else 0
    head = tokens[start : start + len(subject)]
    if len(head) < len(subject) or stems([t.group().lower() for t in head]) != list(subject):
        return False
    return bool(_COPULA.match(sentence[head[-1].end() :].replace("*", "")))


def starts_with_pronoun(sentence: str) -> bool:
    """A sentence that opens with "It", "They", "This" …: it needs what comes before it to be understood."""
    return bool(_PRONOUN_START.match(sentence))


def record_label(chunk: Chunk) -> str:
    """A good-practice record named by its fields: "Santara Valley (CLUSTERFY; Lithuania)"."""
    fields = [record_field(chunk, "project")]
    place = [p for p in (record_field(chunk, "region"), record_field(chunk, "country")) if p]
    fields.append(", ".join(dict.fromkeys(place)))
    fields = [f for f in fields if f and f.lower() not in chunk.title.lower()]
    return f"{chunk.title} ({'; '.join(fields)})" if fields else chunk.title


def record_field(chunk: Chunk, name: str) -> str:
    """A good-practice record's field value ("" when absent or not stated)."""
    return _field((chunk.metadata or {}).get(name))


def _field(value: object) -> str:
    text = str(value or "").strip()
    return "" if not text or text.lower() == NOT_STATED else text


def record_request(question: str) -> str:
    """The clause of ``question`` that names good practices, from the last clause break before the name on
    ("Which of the Commission's challenges …, and which good practice helps …?" -> "which good practice helps …");
    "" when it names none."""
    found = RECORD_NOUN.search(question)
    if not found:
        return ""
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(question[: found.start()])]
    return question[breaks[-1] :] if breaks else question


def record_fields(chunk: Chunk) -> str:
    """A record's title and field values as text (project, region, country, themes, organisation)."""
    metadata = chunk.metadata or {}
    values = [chunk.title, *(_field(metadata.get(name)) for name in ("project", "region", "country", "organisation"))]
    themes = metadata.get("themes") or []
    return " ".join([*values, *map(str, themes if isinstance(themes, list | tuple) else [themes])])


def record_terms(chunk: Chunk) -> set[str]:
    """What a good-practice record is about: the stems of its title and themes."""
    themes = (chunk.metadata or {}).get("themes") or []
    themes = themes if isinstance(themes, list | tuple) else [themes]
    return set(content_terms(" ".join([chunk.title, *map(str, themes)])))


# A good-practice record is named by its document type ("good practice"): a question that names it asks about
# records, and its clause with that name is what the records must hold. No request wording is matched.
RECORD_NOUN = re.compile(r"\bgood[- ]practices?\b", re.IGNORECASE)
# Where the clause naming good practices starts: punctuation, the coordinating "and", and an interrogative or
# "whether" that opens an ask ("A cluster manager in Greece asks whether there are good practices …": who asks is
# not what the records must hold). Grammar, not a request wording.
_CLAUSE_BREAK = re.compile(rf"[,;:.?!]|\band\b|\b(?={ASK_WORDS})", re.IGNORECASE)
# The words such a question uses to ask for records: not part of what the records must be about.
RECORD_WORDS = frozenset(stems(["good", "practice", "practices"]))
# The kind of place a "which regions …" question asks for: not part of its topic.
PLACE_KINDS = frozenset(
    stems(["region", "regions", "country", "countries", "city", "cities", "place", "places", "area", "areas"])
)


def listed_topic(question: str, records: Sequence[Chunk]) -> list[str]:
    """The terms of ``question`` that the records' titles and themes use (its topic in the records' words)."""
    vocabulary = set().union(*(record_terms(r) for r in records)) if records else set()
    return [t for t in dict.fromkeys(content_terms(question)) if t in vocabulary and t not in PLACE_KINDS]
