"""Small text helpers shared by the answer writer and conversation handling: terms, numbers, question shapes."""

from __future__ import annotations

import functools
import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

# Words that shape a question but say nothing about its topic.
QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how does do did is are was were can could should would tell me
    give list name describe explain please about kind type example examples there any much many mean means main
    key role roles""".split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand million billion"
)
HAS_NUMBER = re.compile(rf"\d|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b", re.IGNORECASE)
HAS_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
LIST_QUESTION = re.compile(
    r"\b(?:what|which|list|name)\b.*\b(?:are|were)?\s*(?:the\s+)?(?:\w+\s+){0,3}?"
    r"(?:stages|steps|phases|recommendations|objectives|goals|aims|roles|types|elements|components|instruments|"
    r"tools|actions|measures|activities|principles|priorities|challenges|benefits|criteria|areas|levels|pillars)\b",
    re.IGNORECASE,
)
AMOUNT_QUESTION = re.compile(
    r"\bhow (?:much|many)\b|\bwhat (?:share|percentage|proportion|number|amount)\b", re.IGNORECASE
)
DATE_QUESTION = re.compile(r"\bwhen\b|\b(?:what|which) year\b|\bsince when\b", re.IGNORECASE)


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.strip("’'-").lower() for w in _WORD.findall(text) if w.strip("’'-")]


def content_terms(text: str) -> list[str]:
    """Stemmed topic words of ``text``: no stop words, no question words, no one-letter tokens."""
    kept = [w for w in words(text) if len(w) > 1 and w not in STOPWORDS_EN_PLUS and w not in QUESTION_WORDS]
    return _stemmer().stemWords(kept)


def is_list_question(question: str) -> bool:
    """'What are the stages / recommendations / objectives …' and the like."""
    return bool(LIST_QUESTION.search(question))


def expected_answer_type(question: str) -> str | None:
    """'number' for how much/many questions, 'year' for when questions, else None."""
    if AMOUNT_QUESTION.search(question):
        return "number"
    if DATE_QUESTION.search(question):
        return "year"
    return None


def has_answer_type(text: str, answer_type: str | None) -> bool:
    """Whether ``text`` could answer a question expecting ``answer_type``."""
    if answer_type == "number":
        return bool(HAS_NUMBER.search(text))
    if answer_type == "year":
        return bool(HAS_YEAR.search(text))
    return True


def proper_terms(question: str) -> list[str]:
    """Capitalised words and acronyms inside a question (names, places, programmes), lower-cased."""
    tokens = _WORD.findall(question)
    found = []
    for index, token in enumerate(tokens):
        bare = token.strip("’'-")
        if index == 0 or len(bare) < 2 or not bare[0].isupper():
            continue
        if bare.lower() in QUESTION_WORDS or bare.lower() in STOPWORDS_EN_PLUS:
            continue
        found.append(bare.lower())
    return found
