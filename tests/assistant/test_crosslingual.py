"""Questions in another language than the documents': recognised by their words, answered in e5's space."""

from __future__ import annotations

import pytest

from assistant.crosslingual import in_corpus_language
from assistant.text import stems

VOCABULARY = frozenset(
    stems(["cluster", "governance", "policy", "brief", "stakeholders", "interests", "region", "voucher"])
)


@pytest.mark.parametrize(
    "question",
    [
        "What does the policy brief say about cluster governance?",
        "Whose interests does cluster governance represent?",
        "Which stakeholders does it speak for, in a nutshell?",  # words the corpus lacks, English function words
    ],
)
def test_questions_in_the_corpus_language_are_recognised(question: str) -> None:
    assert in_corpus_language(question, VOCABULARY)


@pytest.mark.parametrize(
    "question",
    [
        "Was versteht der Policy Brief unter Cluster-Governance, und wessen Interessen vertritt sie?",
        "Selon le policy brief, qu'est-ce qui peut enfermer une région dans un « lock-in » ?",
    ],
)
def test_questions_in_another_language_are_recognised_despite_loan_words(question: str) -> None:
    assert not in_corpus_language(question, VOCABULARY)


def test_without_a_vocabulary_every_question_is_taken_as_the_corpus_language() -> None:
    assert in_corpus_language("Was versteht der Policy Brief unter Cluster-Governance?", ())
