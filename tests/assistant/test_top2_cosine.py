"""The evaluation baseline (evals/top2_cosine.py: top-2 sentences by cosine, never abstains) over the real index
(here for the assistant test corpus and its fixtures)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from assistant.records import Passage
from assistant.writers.extractive.writer import is_quotable
from evals.top2_cosine import TopCosineWriter
from tests.assistant.conftest import GREEN_DOC


@pytest.fixture(scope="module")
def top2(shared_assistant) -> TopCosineWriter:
    return TopCosineWriter(shared_assistant.store)


ON_TOPIC = "How many projects did the Pomeranian Seed Fund finance?"
OFF_TOPIC = "What is the VAT rate on bananas in Peru?"


def closest_two(shared_assistant, embedder, question: str, passages: list[Passage]) -> set[str]:
    """The two distinct quotable sentences of ``passages`` with the highest cosine to ``question``, worked out here."""
    sentences, vectors = shared_assistant.store.sentences_of([p.chunk.chunk_id for p in passages])
    chunks = {p.chunk.chunk_id: p.chunk for p in passages}
    query = embedder.embed_query(question)
    cosine: dict[str, float] = {}
    for sentence, vector in zip(sentences, vectors, strict=True):
        if not is_quotable(sentence.text, chunks[sentence.chunk_id]):
            continue  # headings and fragments are never quoted
        text = sentence.text.strip()
        similarity = float(np.dot(vector, query) / (np.linalg.norm(vector) * np.linalg.norm(query)))
        cosine[text] = max(cosine.get(text, -1.0), similarity)
    return set(sorted(cosine, key=cosine.__getitem__, reverse=True)[:2])


@pytest.mark.parametrize("question", [ON_TOPIC, OFF_TOPIC])
def test_it_cites_the_two_closest_sentences_of_the_top_five_rrf_passages(
    shared_assistant, embedder, top2, question: str
) -> None:
    answer = shared_assistant.ask(question, mode="rrf", writer=top2)

    plain_rrf = shared_assistant.ask(question, mode="rrf").retrieved
    assert [p.chunk.chunk_id for p in answer.retrieved] == [p.chunk.chunk_id for p in plain_rrf]
    top_five = list(answer.retrieved[:5])
    assert not answer.abstained, answer.text
    assert [c.n for c in answer.citations] == [1, 2]
    assert {c.quote.strip() for c in answer.citations} == closest_two(shared_assistant, embedder, question, top_five)
    rank = {p.chunk.chunk_id: p.rank for p in top_five}
    positions = [(rank[c.chunk.chunk_id], c.chunk.text.index(c.quote)) for c in answer.citations]
    assert positions == sorted(positions)  # reading order
    assert re.fullmatch(r".+ \[1\] .+ \[2\]", answer.text, flags=re.DOTALL), answer.text


def test_it_never_abstains_where_the_shipped_writer_does(shared_assistant, top2) -> None:
    reference = shared_assistant.ask(OFF_TOPIC, mode="rrf", writer=top2)

    assert shared_assistant.ask(OFF_TOPIC, mode="rrf").abstained
    assert not reference.abstained
    assert reference.abstention_reason == ""
    assert len(reference.citations) == 2


def test_it_answers_a_catalogue_question_from_plain_retrieval(shared_assistant, top2) -> None:
    """The record listing ("Which good practices come from Spain?") is the shipped writer's; the issue's reference
    answered every question from the top passages."""
    question = "Which good practices come from Spain?"
    shipped = shared_assistant.ask(question, mode="rrf")
    reference = shared_assistant.ask(question, mode="rrf", writer=top2)

    assert {c.chunk.doc_id for c in shipped.citations} == {GREEN_DOC}
    assert shipped.text.startswith("Green Cluster Pathway:")
    assert len(reference.citations) == 2
    assert not reference.text.startswith("Green Cluster Pathway:")


def test_it_quotes_fewer_sentences_when_the_passages_hold_fewer(shared_assistant) -> None:
    passage = shared_assistant.ask(ON_TOPIC, mode="rrf").retrieved[0]
    sentences, _ = shared_assistant.store.sentences_of([passage.chunk.chunk_id])
    writer = TopCosineWriter(shared_assistant.store, answer_sentences=len(sentences) + 3)

    draft = writer.compose(shared_assistant.embedder.embed_query(ON_TOPIC), [passage])

    assert not draft.abstained
    quotable = [s.text for s in sentences if is_quotable(s.text, passage.chunk)]
    assert [claim.quote for claim in draft.claims] == quotable  # all of them, in reading order


def test_an_unknown_writer_is_an_error(shared_assistant) -> None:
    with pytest.raises(ValueError, match="unknown answer writer 'top2'; use 'extractive' or the configured one"):
        shared_assistant.ask(ON_TOPIC, writer="top2")
