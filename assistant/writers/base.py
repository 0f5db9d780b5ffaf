"""The answer-writer boundary: what every writer is given, what it returns, and how it streams.

A writer turns a request (the question, the retrieved passages, the conversation so far, the query vector) into a
draft: claims (a sentence and the passages it cites, each with the quote that supports it) or an abstention with
a reason. The Assistant verifies every claim with one shared verifier (``assistant.citations``) and builds the
Answer; writers never build Answers themselves, so the extractive and the generative writers share everything but
the writing. Shaped after simonw/llm's models (streaming is the primitive of streaming backends, ``write`` is
built on it) and llama-index's response-synthesizer factory (named strategies behind one factory).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from assistant.conversation import Turn
from assistant.records import Passage
from ingest.errors import PolicyDeskError
from ingest.records import Chunk


class AbstentionReason(StrEnum):
    """Why a writer (or the verifier) gives no answer; the detail string says it in words."""

    NO_EVIDENCE = "no_evidence"  # the passages hold nothing that matches the question
    WEAK_EVIDENCE = "weak_evidence"  # the closest sentence is too far from the question
    MISSING_NAME = "missing_name"  # the question names something no passage mentions
    MISSING_FACT = "missing_fact"  # no passage gives the kind of fact asked for (an amount, a date, a person …)
    LATER_EVENTS = "later_events"  # the question asks what happened after the documents were written
    MODEL_DECLINED = "model_declined"  # the generative writer said the evidence does not answer the question
    UNVERIFIED = "unverified"  # no sentence of the draft passed citation verification


@dataclass(frozen=True)
class Abstention:
    reason: AbstentionReason
    detail: str


@dataclass(frozen=True)
class Quote:
    """The span of a passage that supports a claim (verbatim in ``chunk.text`` once verified)."""

    chunk: Chunk
    text: str


@dataclass(frozen=True)
class Claim:
    """A sentence a writer proposes and the quotes that support it, one per cited passage.

    ``generated`` is True for sentences a model wrote: the verifier then locates each quote itself and checks the
    sentence against it; an extractive claim quotes itself, and the quote only has to be verbatim in the index.
    """

    sentence: str
    quotes: tuple[Quote, ...]
    generated: bool = False
    support: float = 1.0  # share of the sentence the quotes support (set by the verifier for generated claims)
    item: bool = False  # one item of a list the answer enumerates: what a follow-up's "the second one" counts

    @classmethod
    def quoting(cls, sentence: str, chunk: Chunk, quote: str, *, item: bool = False) -> Claim:
        """An extractive claim: one passage, one quote."""
        return cls(sentence, (Quote(chunk, quote),), item=item)

    @property
    def chunk(self) -> Chunk:
        """The first cited passage."""
        return self.quotes[0].chunk

    @property
    def quote(self) -> str:
        return self.quotes[0].text


@dataclass(frozen=True)
class Draft:
    """A writer's proposal: the claims to cite, or an abstention, and the writer's confidence in the evidence."""

    claims: tuple[Claim, ...]
    abstention: Abstention | None = None
    confidence: float = 0.0

    @property
    def abstained(self) -> bool:
        return self.abstention is not None

    @property
    def reason(self) -> str:
        return self.abstention.detail if self.abstention else ""

    @classmethod
    def declined(cls, reason: AbstentionReason, detail: str, confidence: float = 0.0) -> Draft:
        return cls((), Abstention(reason, detail), confidence)


class Length(StrEnum):
    """How long an answer may be: a chat answer is read at a glance; a drafted reply is edited and sent, and
    answers each part of a request, so it gets the larger budget."""

    ANSWER = "answer"
    REPLY = "reply"


@dataclass(frozen=True)
class WriteRequest:
    """What a writer is given.

    Attributes:
        question: the question as the user asked it.
        passages: the retrieved passages, best first.
        query_vector: the embedding of ``resolved`` (unit length).
        history: the earlier turns of the conversation, oldest first.
        resolved: the question with what a follow-up points back to ("and in which country is that?" plus the
            names of the previous answer); the question itself when it stands alone.
        context_names: names (lower-cased) that describe who asks rather than what is asked ("an agency in
            Portugal asks …" of a draft request): the documents need not mention them.
        length: a chat answer, or a section of a drafted reply (longer).
        named_records: the good-practice records whose place or project the question's request for good
            practices names ("any good practice located in Flanders?"): their fields are the evidence, so the
            answer leads from them.
        question_vector: the embedding of the follow-up's own words, when ``resolved`` adds to them (None
            otherwise): the conversation chose the passages, and the new question's words choose among their
            sentences ("What concrete results is it credited with?" is not the earlier answer's summary again).
    """

    question: str
    passages: Sequence[Passage]
    query_vector: np.ndarray
    history: Sequence[Turn] = ()
    resolved: str = ""
    context_names: tuple[str, ...] = ()
    length: Length = Length.ANSWER
    named_records: tuple[str, ...] = ()
    question_vector: np.ndarray | None = None

    @property
    def asked(self) -> str:
        """The question to answer, with what a follow-up points back to."""
        return self.resolved or self.question


@dataclass(frozen=True)
class TextDelta:
    """Raw text as a generative writer produces it (unverified: a face may show it only as work in progress)."""

    text: str


@dataclass(frozen=True)
class ClaimReady:
    """A finished sentence, ready to verify and show."""

    claim: Claim


@dataclass(frozen=True)
class DraftDone:
    """The writer's last event: the whole draft."""

    draft: Draft


@dataclass(frozen=True)
class Provisional:
    """A draft to show while the real one is written (the generative writer's extractive lead): verified and shown
    by the faces as a stand-in, never part of the final answer."""

    draft: Draft


WriterEvent = TextDelta | ClaimReady | Provisional | DraftDone


class Writer:
    """An answer writer. Subclasses implement ``write`` or ``stream`` (each defaults to the other)."""

    name = "writer"

    def write(self, request: WriteRequest) -> Draft:
        """The whole draft for ``request``."""
        for event in self.stream(request):
            if isinstance(event, DraftDone):
                return event.draft
        raise RuntimeError(f"writer {self.name} ended without a draft")

    def stream(self, request: WriteRequest) -> Iterator[WriterEvent]:
        """Events for ``request``, ending with :class:`DraftDone`; by default the claims of ``write`` at once."""
        draft = self.write(request)
        for claim in draft.claims:
            yield ClaimReady(claim)
        yield DraftDone(draft)


class WriterUnavailable(PolicyDeskError):
    """A generative writer's backend cannot answer (unreachable, too slow, erroring); the message names it.

    The Assistant answers with the extractive writer instead and says so.
    """
