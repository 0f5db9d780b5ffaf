"""Follow-up questions: "and in which region was that?" is searched together with the previous turn."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.records import Answer
from assistant.text import content_terms, proper_terms, words
from ingest.records import Chunk

_LEAD_IN = re.compile(r"^\s*(?:and|also|but|so|what about|how about|then)\b", re.IGNORECASE)
# Pronouns that point back; "that"/"this" only when they end a clause ("who ran that?", "which project was that,
# and …"), since inside a clause they are mostly relative or determiners ("the tools that clusters use").
_POINTER = re.compile(
    r"\b(?:it|its|they|them|their|there|those|he|she|his|her)\b|\b(?:that|this)\s*(?:[?.!,;:]|$)", re.IGNORECASE
)
# "the third one", "the second", "the last of them": an ordinal standing for a noun, so it counts the previous
# answer's items; "the first recommendation" names its own noun and is a question of its own.
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINAL_REFERENCE = re.compile(
    rf"\bthe\s+({'|'.join(_ORDINALS)}|last)(?:\s+(?:one|item|of\s+them|of\s+those)\b|\s*(?=[?.!,;:]|$))",
    re.IGNORECASE,
)
# "One of them", "both of them": a quantifier before a pronoun is not what the pronoun stands for.
_QUANTIFIERS = frozenset({"one", "two", "three", "both", "each", "either", "neither"})
# "those vouchers", "these projects": a determiner and its noun (not "those that …", "these are …").
_DEMONSTRATIVE = re.compile(
    r"(?:those|these)\s+(?!(?:that|which|who|are|were|of|in|on|with)\b)[a-z][\w-]+", re.IGNORECASE
)
_EXISTENTIAL_THERE = re.compile(r"\b(?:is|are|was|were) there\b|\bthere (?:is|are|was|were)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 14
# A list inside a sentence: its items are short noun phrases, separated by commas and a final "and"/"or".
_LIST_SEPARATOR = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
ENUMERATED_WORDS = 5


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: the question, the answer's text and the documents it cited."""

    question: str
    answer: str
    cited: tuple[str, ...] = ()  # doc ids of the answer's citations, in citation order
    items: tuple[Item, ...] = ()  # what the answer enumerated, in order: "the second one" of a follow-up
    passages: tuple[str, ...] = ()  # chunk ids of the answer's citations: "that same passage"

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer makes in a conversation."""
        documents = {c.n: c.chunk for c in answer.citations}
        items = tuple(
            Item(s.text, documents[s.citations[0]].doc_id)
            for s in answer.sentences
            if s.item and s.citations and s.citations[0] in documents
        )
        if not items:  # a list inside a sentence ("… three instruments: networking events, …, and vouchers.")
            items = _first_enumeration(answer, documents)
        if not items:  # an answer that lists nothing: its cited documents are what it named, in order
            items = tuple(Item(chunk.title, chunk.doc_id) for chunk in _first_per_document(answer))
        cited = tuple(dict.fromkeys(c.chunk.doc_id for c in answer.citations))
        passages = tuple(dict.fromkeys(c.chunk.chunk_id for c in answer.citations))
        return cls(answer.question, answer.text, cited, items, passages)


@dataclass(frozen=True)
class Item:
    """One thing an answer enumerated and the document it was cited to."""

    text: str
    doc_id: str


@dataclass(frozen=True)
class Query:
    """What to retrieve with, what the answer writer should answer, and the documents a follow-up points to."""

    retrieval: str
    writer: str
    documents: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()  # chunk ids the previous answer quoted: the follow-up is about them first


def is_follow_up(question: str) -> bool:
    """Questions that lean on the previous turn: short ones opening with "and …", "what about …", and those
    with a pronoun that stands for nothing the question names itself.

    A question that names its own subject before the pronoun ("… C3-Saxony, and which region is it in?") points
    at that subject; "is there …" is existential, not a pointer.
    """
    short = len(words(question)) <= FOLLOW_UP_MAX_WORDS
    if short and _LEAD_IN.search(question):
        return True
    pointer = _POINTER.search(_EXISTENTIAL_THERE.sub(" ", question))
    # A pronoun stands for something named before it: "… C3-Saxony, and which region is it in?" names its own
    # subject, "And what did it do during COVID-19?" does not (the name comes after the pronoun).
    if pointer is None:
        return False
    antecedent = _antecedent_span(question, pointer)
    if proper_terms(antecedent):
        return False
    # A longer question points back only when its pronoun comes before any topic word of its own it could stand
    # for: "One of them sounds like … — which is it, and …?" does; "What did the agency learn … when it …?" not.
    # A demonstrative before a noun names what it points at ("Can start-ups use those vouchers too, …?"): the
    # words before it are not what it stands for.
    return (
        short
        or _DEMONSTRATIVE.match(question, pointer.start()) is not None
        or not (set(content_terms(antecedent)) - _QUANTIFIERS)
    )


def _antecedent_span(question: str, pointer: re.Match[str]) -> str:
    """The part of ``question`` before ``pointer`` where what it stands for could be named. A clause-ending
    "that"/"this" ("Under which Interreg project was that, …?") stands for something outside its own clause, so
    names in that clause ("Interreg") are not it; "it" may stand for a name earlier in its clause."""
    before = question[: pointer.start()]
    if pointer.group().lower().startswith(("that", "this")):
        clause_start = max(before.rfind(mark) for mark in ",;:?!.")
        return before[:clause_start] if clause_start >= 0 else ""
    return before


def referenced_item(question: str, turn: Turn) -> tuple[str, Item] | None:
    """``question`` with the item of ``turn``'s answer that its ordinal stands for ("the third one") put in the
    ordinal's place, and that item; None when it has no such ordinal or the answer fewer items."""
    found = _ORDINAL_REFERENCE.search(question)
    if found is None or not turn.items:
        return None
    ordinal = found.group(1).lower()
    index = len(turn.items) - 1 if ordinal == "last" else _ORDINALS.index(ordinal)
    if index >= len(turn.items):
        return None
    item = turn.items[index]
    named = f"{question[: found.start()]}“{item.text.rstrip('. ')}”{question[found.end() :]}"
    return named, item


def follow_up_query(question: str, history: Sequence[Turn], *, continues: bool = False) -> Query:
    """The question, expanded with the last turn's topic when it is a follow-up, or when it ``continues`` the last
    turn (an ask of the question that turn answered) without naming a subject of its own: "and how much was
    invested?" is about what the ask before it was about, "and what does the Andalusian agency do?" is not.

    Retrieval gets the previous question and the names in the previous answer, so "it" and "there" find the
    passages the conversation is about, and prefers the documents that answer cited; the writer gets only the
    names, so that it answers the new question rather than the previous one again.
    """
    if not history:
        return Query(question, question)
    last = history[-1]
    referenced = referenced_item(question, last)
    if referenced is not None:  # the item stands in for its ordinal, and its document is the one to prefer
        named, item = referenced
        return Query(named, named, (item.doc_id,))
    if not (is_follow_up(question) or (continues and not proper_terms(question))):
        return Query(question, question)
    return resumed_query(question, last)


def resumed_query(question: str, last: Turn) -> Query:
    """``question`` asked about what ``last`` was about: retrieval gets the previous question and the names of the
    previous answer, the writer only the names, and the documents and passages that answer cited come first."""
    names = " ".join(dict.fromkeys(proper_terms(f" {last.question} {last.answer}")))
    retrieval, writer = f"{question} {last.question} {names}".strip(), f"{question} {names}".strip()
    return Query(retrieval, writer, last.cited, last.passages)


def leans_on(own_vector: np.ndarray, found: np.ndarray, quoted: np.ndarray, floor: float) -> bool:
    """Whether a question that names nothing to point back with ("Which author is that reasoning credited to?",
    "Where are the facilities the firms get to use?") is about the previous answer: a sentence of the passages
    that answer quoted (``quoted``, sentence vectors) is at least as close to the question's own words as every
    sentence of the passages found for the question alone (``found``), or none of those is as close as ``floor``
    (the evidence an answer needs: alone, the question would find nothing). No wording is looked for: a pronoun
    list cannot know every way a question continues the one before."""
    if not quoted.size:
        return False
    closest = float((found @ own_vector).max()) if found.size else -1.0
    return closest < floor or float((quoted @ own_vector).max()) >= closest


def enumerated(sentence: str) -> list[str]:
    """The items of a list that ``sentence`` gives after its last colon, split at commas and the final "and"/"or"
    ("…: networking events, matchmaking events, and innovation vouchers."); none unless there are two or more,
    each of at most ``ENUMERATED_WORDS`` words (a colon before a clause introduces no list)."""
    _, colon, tail = sentence.rpartition(":")
    if not colon:
        return []
    parts = [p.strip() for p in _LIST_SEPARATOR.split(tail.strip().rstrip(".;!?")) if p and p.strip()]
    if len(parts) < 2 or any(len(words(p)) > ENUMERATED_WORDS for p in parts):
        return []
    return parts


def _first_enumeration(answer: Answer, documents: Mapping[int, Chunk]) -> tuple[Item, ...]:
    """The items of the first list inside one of the answer's cited sentences, each with its document."""
    for sentence in answer.sentences:
        listed = enumerated(sentence.text)
        if listed and sentence.citations and sentence.citations[0] in documents:
            return tuple(Item(text, documents[sentence.citations[0]].doc_id) for text in listed)
    return ()


def _first_per_document(answer: Answer) -> list[Chunk]:
    """The first cited passage of each document the answer cites, in citation order."""
    firsts: dict[str, Chunk] = {}
    for citation in answer.citations:
        firsts.setdefault(citation.chunk.doc_id, citation.chunk)
    return list(firsts.values())
