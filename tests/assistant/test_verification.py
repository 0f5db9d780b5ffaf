"""The shared verifier on generated sentences: each is checked against the passages it cites, over the real index."""

from __future__ import annotations

import pytest

from assistant.citations import MIN_SUPPORT, facts_of, supporting_span, verify_claims
from assistant.writers import Claim, Quote
from ingest.records import Chunk
from tests.assistant.conftest import FIGURE_SENTENCE, LIST_SENTENCE
from tests.assistant.test_citations import chunk_with


@pytest.fixture(scope="module")
def seed_chunk(shared_assistant) -> Chunk:
    return chunk_with(shared_assistant.store, FIGURE_SENTENCE)


@pytest.fixture(scope="module")
def green_chunk(shared_assistant) -> Chunk:
    return chunk_with(shared_assistant.store, LIST_SENTENCE)


def generated(sentence: str, *chunks: Chunk) -> Claim:
    return Claim(sentence, tuple(Quote(c, "") for c in chunks), generated=True)


def check(shared_assistant, claim: Claim) -> tuple[list[Claim], list[str]]:
    verified, rejected = verify_claims([claim], shared_assistant.store.get_chunks)
    return verified, [r.problem for r in rejected]


def test_a_faithful_paraphrase_passes_with_its_located_quote(shared_assistant, seed_chunk) -> None:
    verified, problems = check(
        shared_assistant, generated("The seed fund financed 23 projects with €2 million.", seed_chunk)
    )

    assert problems == []
    (claim,) = verified
    assert FIGURE_SENTENCE in claim.quote  # the span is located in the passage, verbatim
    assert claim.quote in seed_chunk.text
    assert claim.support >= MIN_SUPPORT


def test_a_wrong_number_is_dropped(shared_assistant, seed_chunk) -> None:
    _, problems = check(shared_assistant, generated("The scheme financed 32 projects with €2 million.", seed_chunk))

    assert problems == ["32 not in the cited passages"]


def test_a_name_the_passage_lacks_is_dropped(shared_assistant, seed_chunk) -> None:
    _, problems = check(
        shared_assistant, generated("The Horizon fund financed 23 projects with €2 million.", seed_chunk)
    )

    assert problems == ["Horizon not in the cited passages"]


def test_an_unsupported_sentence_is_dropped(shared_assistant, seed_chunk) -> None:
    claim = generated("The fund mostly supports start-ups in biotechnology and tourism.", seed_chunk)

    _, problems = check(shared_assistant, claim)

    assert problems and problems[0].startswith("support 0.")


def test_a_sentence_citing_the_wrong_passage_is_dropped(shared_assistant, green_chunk) -> None:
    _, problems = check(shared_assistant, generated("The scheme financed 23 projects with €2 million.", green_chunk))

    assert problems == ["23, 2 not in the cited passages"]


def test_a_sentence_citing_nothing_is_dropped(shared_assistant) -> None:
    _, problems = check(shared_assistant, Claim("The programme has three stages.", (), generated=True))

    assert problems == ["cites nothing"]


def test_a_bare_word_is_no_answer_sentence(shared_assistant, green_chunk) -> None:
    _, problems = check(shared_assistant, generated("Pilot.", green_chunk))

    assert problems == ["too short to be a sentence"]


def test_facts_are_figures_and_names_after_the_first_word() -> None:
    assert facts_of("The Tyrol agency paid €4,000 to 23 SMEs in 2021.") == ["4,000", "23", "2021", "Tyrol", "SMEs"]


def test_the_supporting_span_is_the_passage_sentence_sharing_most_words() -> None:
    passage = "Clusters help firms. The fund paid for joint research with universities. It ran for two years."

    assert supporting_span("Joint research with universities was paid by the fund.", passage) == (
        "The fund paid for joint research with universities."
    )
