"""Catalogue questions ("Which good practices come from Spain?") over the real index, and their field matching."""

from __future__ import annotations

import pytest

from assistant.records import Filters
from assistant.writers.catalogue import catalogue_filters, named_records
from tests.assistant.conftest import ALPINE_DOC, BALTIC_DOC, GREEN_DOC, SEED_DOC


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("Which good practices come from Spain?", GREEN_DOC),
        ("Are there any Polish good practices?", SEED_DOC),
        ("Which good practices are from Kaunas?", BALTIC_DOC),
        ("List the good practices on design", BALTIC_DOC),
        ("What good practices came out of the GreenBridge project?", GREEN_DOC),
    ],
)
def test_a_catalogue_question_lists_exactly_the_matching_records(shared_assistant, question: str, doc_id: str) -> None:
    answer = shared_assistant.ask(question)

    assert not answer.abstained, answer.text
    assert [c.chunk.doc_id for c in answer.citations] == [doc_id]
    citation = answer.citations[0]
    assert answer.text.startswith(f"{citation.chunk.title}: {citation.quote} [1]")
    assert citation.quote in citation.chunk.text
    assert {p.chunk.doc_id for p in answer.retrieved} == {doc_id}


def test_a_filter_chosen_by_the_caller_wins_over_the_question(shared_assistant) -> None:
    answer = shared_assistant.ask("Which good practices come from Spain?", filters=Filters(country="Poland"))

    assert {p.chunk.doc_id for p in answer.retrieved} == {SEED_DOC}


def test_questions_that_are_not_catalogue_questions_are_left_to_retrieval(shared_assistant) -> None:
    documents = shared_assistant.documents()

    assert catalogue_filters("How much did the Spanish good practice cost?", documents) is None  # not a list
    assert catalogue_filters("Which good practices come from Finland?", documents) is None  # no such record
    assert catalogue_filters("Which good practices come from Spain?", documents) == Filters(
        doc_types=("good_practice",), country="Spain"
    )


def test_a_request_for_good_practices_names_the_records_of_its_place_or_project(shared_assistant) -> None:
    documents = shared_assistant.documents()

    assert named_records("Is there a good practice from Spain?", documents) == (GREEN_DOC,)
    assert named_records("Do you have a good practice of the GreenBridge project?", documents) == (GREEN_DOC,)
    assert named_records("What does Spain do for clusters?", documents) == ()  # asks for no good practice


def test_a_request_for_good_practices_is_answered_by_a_record_and_a_plural_acronym_is_a_record_word(
    shared_assistant,
) -> None:
    """Sealed set 34 (vv017's first turn): "Is there a good practice where a region pays for its SMEs …?" abstained
    because "SMEs" was looked for among the records' words as "sme"; once answered, it led with a brief's sentence
    on the topic rather than with the record that is the good practice."""
    answer = shared_assistant.ask("Is there a good practice that helps SMEs work with a cluster partner?")

    assert not answer.abstained, answer.abstention_reason
    assert answer.citations[0].chunk.doc_type == "good_practice", answer.text
    assert answer.text.startswith("Alpine Cluster Voucher"), answer.text


def test_a_request_for_good_practices_leads_with_a_record_not_a_brief_on_the_topic(shared_assistant) -> None:
    """The brief's voucher sentence is closer to the words of the question; the record is what it asks for."""
    answer = shared_assistant.ask("Is there a good practice on financing clusters with vouchers for small firms?")

    assert answer.text.startswith("Alpine Cluster Voucher"), answer.text
    assert answer.citations[0].chunk.doc_id == ALPINE_DOC
