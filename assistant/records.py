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
    support: float = 1.0  # share of the citing sentence the quote supports (1 for a quoted sentence)

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
class AnswerSentence:
    """One sentence of an answer and the numbers of the citations that support it."""

    text: str
    citations: tuple[int, ...] = ()
    item: bool = False  # one item of a list the answer enumerates (a heading, a record, a bullet)

    @property
    def marked(self) -> str:
        """The sentence with its ``[n]`` markers, as in plain-text answers."""
        return " ".join([self.text, *(f"[{n}]" for n in self.citations)])


@dataclass(frozen=True)
class Answer:
    """The assistant's answer: sentences, each with its citation numbers, and the citations; or an abstention
    (one uncited sentence saying so, the reason and the nearest documents).

    ``text`` is derived from the sentences, so no face needs to parse ``[n]`` markers back out of it.
    """

    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    abstained: bool
    retrieved: tuple[Passage, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    nearest: tuple[NearestDocument, ...] = ()
    confidence: float = 0.0
    abstention_reason: str = ""  # why the documents do not answer it ("no passage gives the person …")
    abstention_kind: str = ""  # the reason's code (``AbstentionReason``), "" when answered
    writer: str = "extractive"  # the writer that answered
    notice: str = ""  # what the reader should know about how it was answered (a writer that fell back)
    dropped: int = 0  # sentences the writer proposed that failed citation verification

    @property
    def text(self) -> str:
        """The answer as plain text, each sentence followed by its ``[n]`` markers."""
        return " ".join(sentence.marked for sentence in self.sentences)

    def citation(self, n: int) -> Citation | None:
        """Citation number ``n``."""
        return next((c for c in self.citations if c.n == n), None)
