"""Citation verification (shared by every answer writer) and numbering, against the real index."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from assistant.citations import number_citations, verify_claims
from assistant.writers import Claim, Draft, Writer, WriteRequest
from ingest import Config
from ingest.records import Chunk
from ingest.store import Store, chunk_to_node
from tests.assistant.conftest import FIGURE_SENTENCE, LIST_SENTENCE


def chunk_with(store: Store, sentence: str) -> Chunk:
    (chunk,) = [c for c in store.all_chunks() if sentence in c.text]
    return chunk


@pytest.fixture(scope="module")
def list_chunk(shared_assistant) -> Chunk:
    return chunk_with(shared_assistant.store, LIST_SENTENCE)


@pytest.fixture(scope="module")
def figure_chunk(shared_assistant) -> Chunk:
    return chunk_with(shared_assistant.store, FIGURE_SENTENCE)


def test_a_verbatim_quote_from_an_indexed_passage_passes(shared_assistant, list_chunk: Chunk) -> None:
    claim = Claim.quoting(LIST_SENTENCE, list_chunk, LIST_SENTENCE)

    assert verify_claims([claim], shared_assistant.store.get_chunks) == ([claim], [])


def test_claims_that_fail_any_check_are_dropped_and_logged(
    shared_assistant, list_chunk: Chunk, figure_chunk: Chunk, caplog: pytest.LogCaptureFixture
) -> None:
    good = Claim.quoting(FIGURE_SENTENCE, figure_chunk, FIGURE_SENTENCE)
    not_in_passage = Claim.quoting("The programme has four stages.", list_chunk, "The programme has four stages.")
    in_another_passage = Claim.quoting(FIGURE_SENTENCE, list_chunk, FIGURE_SENTENCE)
    not_indexed = Claim.quoting(LIST_SENTENCE, dataclasses.replace(list_chunk, chunk_id="no-such-chunk"), LIST_SENTENCE)
    other_version = Claim.quoting(LIST_SENTENCE, dataclasses.replace(list_chunk, content_hash="0" * 64), LIST_SENTENCE)
    edited_passage = Claim.quoting(
        "It has four stages.", dataclasses.replace(list_chunk, text="It has four stages."), "It has four stages."
    )
    empty_quote = Claim.quoting(LIST_SENTENCE, list_chunk, "  ")
    claims = [not_in_passage, good, in_another_passage, not_indexed, other_version, edited_passage, empty_quote]

    with caplog.at_level(logging.INFO, logger="assistant.citations"):
        verified, rejected = verify_claims(claims, shared_assistant.store.get_chunks)

    assert verified == [good]
    assert [r.claim for r in rejected] == [c for c in claims if c is not good]
    assert sum("dropped an unsupported sentence" in r.getMessage() for r in caplog.records) == 6


def test_a_quote_that_is_a_verbatim_part_of_the_sentence_passes(shared_assistant, figure_chunk: Chunk) -> None:
    claim = Claim.quoting("The scheme financed 23 projects.", figure_chunk, "financed 23 projects")

    assert verify_claims([claim], shared_assistant.store.get_chunks)[0] == [claim]


def test_no_claims_need_no_lookup() -> None:
    def lookup(ids):
        raise AssertionError("looked up chunks for no claims")

    assert verify_claims([], lookup) == ([], [])


def test_a_claim_citing_an_uncommitted_chunk_is_dropped(tmp_path: Path, list_chunk: Chunk) -> None:
    """Bug: verification looked chunks up with ``Store.get_chunks``, which also returns chunks left by an
    interrupted ingest (never committed in the registry), so a claim citing such a chunk passed although the
    passage is not in the index that readers see ("committed, same content", citations.py docstring)."""
    store = Store(Config(index_dir=tmp_path / "index"))
    vector = np.full(384, 1 / np.sqrt(384), dtype=np.float32)
    store.vector_store.add([chunk_to_node(list_chunk, vector)])  # written, never committed
    assert store.documents() == {}

    claim = Claim.quoting(LIST_SENTENCE, list_chunk, LIST_SENTENCE)

    verified, rejected = verify_claims([claim], store.get_chunks)
    assert (verified, [r.claim for r in rejected]) == ([], [claim])


def test_number_citations_numbers_consecutively(list_chunk: Chunk, figure_chunk: Chunk) -> None:
    claims = [
        Claim.quoting(FIGURE_SENTENCE, figure_chunk, FIGURE_SENTENCE),
        Claim.quoting(f"  {LIST_SENTENCE} ", list_chunk, LIST_SENTENCE),
        Claim.quoting("Design comes first.", list_chunk, "design"),
    ]

    sentences, citations = number_citations(claims)

    assert sentences == ((FIGURE_SENTENCE, (1,)), (LIST_SENTENCE, (2,)), ("Design comes first.", (3,)))
    assert [c.n for c in citations] == [1, 2, 3]
    assert [c.chunk for c in citations] == [figure_chunk, list_chunk, list_chunk]
    assert [c.quote for c in citations] == [FIGURE_SENTENCE, LIST_SENTENCE, "design"]


def test_number_citations_of_nothing_is_empty() -> None:
    assert number_citations([]) == ((), ())


def test_two_sentences_quoting_the_same_span_share_one_number(list_chunk: Chunk, figure_chunk: Chunk) -> None:
    claims = [
        Claim.quoting("First point.", list_chunk, LIST_SENTENCE),
        Claim.quoting("Second point.", figure_chunk, FIGURE_SENTENCE),
        Claim.quoting("Third point.", list_chunk, LIST_SENTENCE),
    ]

    sentences, citations = number_citations(claims)

    assert [numbers for _, numbers in sentences] == [(1,), (2,), (1,)]
    assert len(citations) == 2


class ProposingWriter(Writer):
    """A writer that proposes the given claims, whatever it is asked (a stand-in for a model that invents)."""

    name = "proposing"

    def __init__(self, claims: tuple[Claim, ...]) -> None:
        self.claims = claims

    def write(self, request: WriteRequest) -> Draft:
        return Draft(self.claims, None, 0.9)


def test_ask_returns_only_the_verified_sentence_renumbered(
    assistant, list_chunk: Chunk, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = Claim.quoting("The programme has five stages. ", list_chunk, "The programme has five stages.")
    good = Claim.quoting(LIST_SENTENCE, list_chunk, LIST_SENTENCE)
    monkeypatch.setattr(assistant, "writer", ProposingWriter((bogus, good)))

    answer = assistant.ask("What are the stages of the programme?")

    assert not answer.abstained
    assert answer.text == f"{LIST_SENTENCE} [1]"
    assert [(c.n, c.quote, c.chunk.chunk_id) for c in answer.citations] == [(1, LIST_SENTENCE, list_chunk.chunk_id)]


def test_a_configured_writer_whose_claims_all_fail_gives_the_extractive_answer(
    assistant, list_chunk: Chunk, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = Claim.quoting("The programme has five stages.", list_chunk, "The programme has five stages.")
    monkeypatch.setattr(assistant, "writer", ProposingWriter((bogus,)))

    answer = assistant.ask("What are the stages of the programme?")

    assert answer.writer == "extractive" and "could be verified" in answer.notice
    assert answer.text == assistant.ask("What are the stages of the programme?", writer="extractive").text
    assert "five stages" not in answer.text


def test_ask_abstains_when_no_proposed_claim_survives(assistant, list_chunk: Chunk) -> None:
    bogus = Claim.quoting("The programme has five stages.", list_chunk, "The programme has five stages.")

    answer = assistant.ask("What are the stages of the programme?", writer=ProposingWriter((bogus,)))

    assert answer.abstained
    assert answer.citations == ()
    assert "five stages" not in answer.text
    assert answer.text.startswith("I found nothing in the documents about the stages of the programme.")
    assert answer.nearest
