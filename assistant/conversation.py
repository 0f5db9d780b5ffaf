"""Follow-up questions: "and in which region was that?" is searched together with the previous turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text import content_terms, proper_terms, words

_FOLLOW_UP = re.compile(
    r"^(?:and|also|but|so|what about|how about|and what|then)\b"
    r"|\b(?:that|this|it|its|they|them|their|there|those|these|he|she)\b",
    re.IGNORECASE,
)
_EXISTENTIAL_THERE = re.compile(r"\b(?:is|are|was|were) there\b|\bthere (?:is|are|was|were)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 14


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


def is_follow_up(question: str) -> bool:
    """Short questions that lean on the previous turn (pronouns, 'and …', 'what about …').

    "Is there …" / "there are …" is existential, not a pointer back to the conversation.
    """
    pointing = _EXISTENTIAL_THERE.sub(" ", question)
    return len(words(question)) <= FOLLOW_UP_MAX_WORDS and bool(_FOLLOW_UP.search(pointing))


def search_query(question: str, history: Sequence[Turn]) -> str:
    """The text to retrieve with: the question, expanded with the last turn's topic when it is a follow-up.

    The expansion adds the previous question and the names in the previous answer, so "that" and "there" find
    the passages the conversation is about.
    """
    if not history or not is_follow_up(question):
        return question
    last = history[-1]
    names = " ".join(dict.fromkeys(proper_terms(" " + last.answer)))
    topic = " ".join(dict.fromkeys(content_terms(last.question)))
    return f"{question} {last.question} {names}".strip() if topic else question
