"""Follow-up questions: "and in which region was that?" is searched together with the previous turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.records import Answer
from assistant.text import proper_terms, words

_LEAD_IN = re.compile(r"^\s*(?:and|also|but|so|what about|how about|then)\b", re.IGNORECASE)
# Pronouns that point back; "that"/"this" only when they end the question ("who ran that?"), since inside a
# question they are mostly relative ("the tools that clusters use").
_POINTER = re.compile(
    r"\b(?:it|its|they|them|their|there|those|he|she|his|her)\b|\b(?:that|this)\s*[?.!]?\s*$", re.IGNORECASE
)
_EXISTENTIAL_THERE = re.compile(r"\b(?:is|are|was|were) there\b|\bthere (?:is|are|was|were)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 14


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: the question, the answer's text and the documents it cited."""

    question: str
    answer: str
    cited: tuple[str, ...] = ()  # doc ids of the answer's citations, in citation order

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer makes in a conversation."""
        return cls(answer.question, answer.text, tuple(dict.fromkeys(c.chunk.doc_id for c in answer.citations)))


@dataclass(frozen=True)
class Query:
    """What to retrieve with, what the answer writer should answer, and the documents a follow-up points to."""

    retrieval: str
    writer: str
    documents: tuple[str, ...] = ()


def is_follow_up(question: str) -> bool:
    """Short questions that lean on the previous turn ("and …", "what about …", or a pronoun with no name).

    A question that names its own subject ("… C3-Saxony, and which region is it in?") points at that subject;
    "is there …" is existential, not a pointer.
    """
    if len(words(question)) > FOLLOW_UP_MAX_WORDS:
        return False
    if _LEAD_IN.search(question):
        return True
    pointing = _EXISTENTIAL_THERE.sub(" ", question)
    return bool(_POINTER.search(pointing)) and not proper_terms(question)


def follow_up_query(question: str, history: Sequence[Turn]) -> Query:
    """The question, expanded with the last turn's topic when it is a follow-up.

    Retrieval gets the previous question and the names in the previous answer, so "it" and "there" find the
    passages the conversation is about, and prefers the documents that answer cited; the writer gets only the
    names, so that it answers the new question rather than the previous one again.
    """
    if not history or not is_follow_up(question):
        return Query(question, question)
    last = history[-1]
    names = " ".join(dict.fromkeys(proper_terms(f" {last.question} {last.answer}")))
    return Query(f"{question} {last.question} {names}".strip(), f"{question} {names}".strip(), last.cited)
