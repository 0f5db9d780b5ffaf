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
LIST_QUESTION = re.compile(
    r"\b(?:what|which|list|name)\b.*\b(?:are|were)?\s*(?:the\s+)?(?:\w+\s+){0,3}?"
    r"(?:stages|steps|phases|recommendations|objectives|goals|aims|roles|types|elements|components|instruments|"
    r"tools|actions|measures|activities|principles|priorities|challenges|benefits|criteria|areas|levels|pillars)\b",
    re.IGNORECASE,
)
# What kind of fact a question asks for, tried in this order; the answer must contain one of that kind.
ANSWER_TYPES = (
    ("project", re.compile(r"\b(?:which|what) (?:interreg (?:europe )?)?project\b", re.I)),
    ("percent", re.compile(r"\b(?:share|percentage|proportion|rate)\b", re.I)),
    (
        "money",
        re.compile(
            r"\bhow much\b.*\b(?:cost|spen[dt]|fund\w*|budget|financ\w*|money|paid|pay|invest\w*|euros?|dollars?)\b"
            r"|\bwhat (?:was|is|were|are) the (?:total |overall |annual )?(?:budget|cost|amount|funding)\b",
            re.I,
        ),
    ),
    ("number", re.compile(r"\bhow (?:much|many)\b|\bwhat (?:number|amount)\b|\bhow large\b", re.I)),
    (
        "date",
        re.compile(
            r"^\s*when (?:did|was|were|is|will|does|do|has|had)\b|\b(?:what|which) year\b|\bsince when\b"
            r"|\bdeadline\b|\bwhat date\b",
            re.I,
        ),
    ),
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
ANSWER_PATTERNS = {
    "project": re.compile(r"\b[A-Z][A-Z0-9.]{3,}\b"),  # Interreg projects go by acronyms: TITTAN, S34GROWTH
    "money": re.compile(r"[€$£]|\b(?:eur|euros?|usd|dollars?)\b", re.I),
    "percent": re.compile(r"%|\bper ?cent\b|\bpercentage\b", re.I),
    "number": HAS_NUMBER,
    "date": re.compile(rf"\b(?:1[89]|20)\d{{2}}\b|\b(?:{_MONTHS})\b", re.I),
}


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
    """The kind of fact asked for: 'money', 'percent', 'number', 'date', or None."""
    return next((name for name, pattern in ANSWER_TYPES if pattern.search(question)), None)


def has_answer_type(text: str, answer_type: str | None) -> bool:
    """Whether ``text`` contains a fact of the kind ``answer_type`` (always True for None)."""
    return answer_type is None or bool(ANSWER_PATTERNS[answer_type].search(text))


def proper_terms(question: str) -> list[str]:
    """Capitalised words and acronyms inside a question (names, places, programmes), lower-cased."""
    tokens = _WORD.findall(question)
    found = []
    for index, token in enumerate(tokens):
        bare = re.sub(r"[’']s$", "", token).strip("’'-")
        if index == 0 or len(bare) < 2 or not bare[0].isupper():
            continue
        if bare.lower() in QUESTION_WORDS or bare.lower() in STOPWORDS_EN_PLUS:
            continue
        found.append(bare.lower())
    return found


_COUNT_QUESTION = re.compile(r"\bhow many\s+([\w-]+)(?:\s+([\w-]+))?", re.IGNORECASE)
_NUMBER_TOKEN = re.compile(rf"^(?:\d[\d.,]*%?|{'|'.join(_NUMBER_WORDS.split())})$", re.IGNORECASE)
COUNT_WINDOW = 4


def counted_nouns(question: str) -> set[str]:
    """Stems of what a 'how many X' question counts (the one or two words after 'how many')."""
    match = _COUNT_QUESTION.search(question)
    if not match:
        return set()
    return set(content_terms(" ".join(g for g in match.groups() if g)))


def has_count_of(text: str, nouns: set[str]) -> bool:
    """Whether ``text`` puts a number shortly before one of ``nouns`` ('23 R&D projects')."""
    tokens = words(text)
    stems = _stemmer().stemWords(tokens)
    for index, token in enumerate(tokens):
        if _NUMBER_TOKEN.match(token) and nouns & set(stems[index + 1 : index + 1 + COUNT_WINDOW]):
            return True
    return False
