"""The records the assistant returns: retrieved passages, citations and the answer itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.records import Chunk


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents. Empty fields do not restrict.

    ``doc_types`` holds brief / helpdesk / good_practice; the other fields match good-practice metadata
    (case-insensitive; ``theme`` matches one of a record's themes).
    """

    doc_types: tuple[str, ...] = ()
    country: str | None = None
    region: str | None = None
    project: str | None = None
    theme: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.doc_types or self.country or self.region or self.project or self.theme)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank (1 = best) and fused score."""

    chunk: Chunk
    rank: int
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: the passage and the exact quote that supports a sentence."""

    n: int
    chunk: Chunk
    quote: str

    @property
    def label(self) -> str:
        """'Title, p. 4, Section' — how a source is named to a reader."""
        parts = [self.chunk.title]
        if self.chunk.page is not None:
            parts.append(f"p. {self.chunk.page}")
        if self.chunk.section:
            parts.append(self.chunk.section)
        return ", ".join(parts)


@dataclass(frozen=True)
class NearestDocument:
    """A document listed when the assistant abstains: the closest the corpus has."""

    doc_id: str
    title: str
    doc_type: str
    page: int | None
    score: float


@dataclass(frozen=True)
class Answer:
    """The assistant's answer: sentences ending in ``[n]`` markers, their citations, or an abstention."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    retrieved: tuple[Passage, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    nearest: tuple[NearestDocument, ...] = ()
    confidence: float = 0.0
    abstention_reason: str = ""  # why the documents do not answer it ("no passage gives the person …")
