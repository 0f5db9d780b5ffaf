"""Retrieval: hybrid and baseline modes over the real index, metadata filters, deduplication."""

from __future__ import annotations

import re

import pytest

from assistant import Filters
from assistant.retrieval import MODES
from assistant.service import NOT_COVERED
from tests.assistant.conftest import ALPINE_DOC, BALTIC_DOC, GREEN_DOC, SEED_DOC

QUESTION = "How do small firms get vouchers for innovation services?"
GOOD_PRACTICES = {ALPINE_DOC, BALTIC_DOC, GREEN_DOC, SEED_DOC}


def test_modes_are_the_documented_ones() -> None:
    assert MODES == ("hybrid", "dense", "keyword", "rrf")


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_ranks_passages_one_to_k_by_descending_score(shared_assistant, mode: str) -> None:
    answer = shared_assistant.ask(QUESTION, k=5, mode=mode)

    passages = answer.retrieved
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]
    assert passages[0].chunk.doc_id in {ALPINE_DOC, "briefs/test-brief"}


def test_dense_and_keyword_modes_report_their_own_scores(shared_assistant) -> None:
    dense = shared_assistant.ask(QUESTION, k=3, mode="dense").retrieved
    keyword = shared_assistant.ask(QUESTION, k=3, mode="keyword").retrieved

    assert all(p.dense_score == p.score and p.keyword_score is None for p in dense)
    assert all(p.keyword_score == p.score and p.dense_score is None for p in keyword)


def test_hybrid_puts_the_named_good_practice_first(shared_assistant) -> None:
    answer = shared_assistant.ask("Kaunas design sprint for manufacturers")

    assert answer.retrieved[0].chunk.doc_id == BALTIC_DOC


def test_unknown_mode_is_not_silently_hybrid(shared_assistant) -> None:
    """Bug: an unknown ``mode`` (a typo such as "bm25") fell through to the hybrid branch, so a baseline run with a
    misspelt mode silently measured the shipped retriever."""
    with pytest.raises(ValueError, match="unknown retrieval mode 'bm25'"):
        shared_assistant.ask(QUESTION, mode="bm25")


@pytest.mark.parametrize("mode", MODES)
def test_no_two_passages_repeat_each_other(shared_assistant, mode: str) -> None:
    passages = shared_assistant.ask("cluster members training firms regions", k=30, mode=mode).retrieved

    texts = [re.sub(r"\W+", " ", p.chunk.text.lower()).strip() for p in passages]
    assert len(texts) == len(set(texts))
    assert len({p.chunk.chunk_id for p in passages}) == len(passages)
    for i, a in enumerate(passages):
        for b in passages[:i]:
            if (a.chunk.doc_id, a.chunk.page) == (b.chunk.doc_id, b.chunk.page):
                shared = min(a.chunk.end, b.chunk.end) - max(a.chunk.start, b.chunk.start)
                assert shared <= 0.5 * (a.chunk.end - a.chunk.start), (a.chunk.chunk_id, b.chunk.chunk_id)


def test_k_larger_than_the_index_returns_every_chunk_once(shared_assistant) -> None:
    passages = shared_assistant.ask(QUESTION, k=50).retrieved

    assert len(passages) == len(shared_assistant.store.all_chunks()) == 11


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(doc_types=("brief",)), {"briefs/test-brief", "briefs/monitoring-strategies"}),
        (Filters(doc_types=("helpdesk", "good_practice")), {"helpdesk/cluster-finance"} | GOOD_PRACTICES),
        (Filters(country="SPAIN"), {GREEN_DOC}),
        (Filters(region="kaunas"), {BALTIC_DOC}),
        (Filters(project="s3seed"), {SEED_DOC}),
        (Filters(theme="Green Transition"), {GREEN_DOC}),
        (Filters(doc_types=("good_practice",), theme="smes"), {ALPINE_DOC}),
    ],
)
def test_filters_restrict_every_passage(shared_assistant, filters: Filters, expected: set[str], mode: str) -> None:
    passages = shared_assistant.ask(QUESTION, filters=filters, k=20, mode=mode).retrieved

    found = {p.chunk.doc_id for p in passages}
    if mode == "keyword":  # BM25 finds only the documents that share a term with the question
        assert found <= expected
    else:  # k exceeds the chunks admitted, so every admitted document shows up
        assert found == expected


@pytest.mark.parametrize(
    "filters",
    [Filters(country="Finland"), Filters(doc_types=("brief",), country="Austria"), Filters(theme="hydrogen")],
)
def test_a_filter_matching_nothing_abstains_without_passages(shared_assistant, filters: Filters) -> None:
    answer = shared_assistant.ask(QUESTION, filters=filters)

    assert answer.retrieved == ()
    assert answer.abstained
    assert answer.citations == ()
    assert answer.nearest == ()
    assert answer.text.startswith(NOT_COVERED)  # "How do small firms …" names no topic to repeat
    assert answer.text.endswith(" were searched; try again without the filter.")


def test_keyword_mode_honours_filters(shared_assistant) -> None:
    unfiltered = shared_assistant.ask("energy clusters firms", k=20, mode="keyword").retrieved
    filtered = shared_assistant.ask("energy clusters firms", filters=Filters(country="spain"), k=20, mode="keyword")

    assert len({p.chunk.doc_id for p in unfiltered}) > 1
    assert {p.chunk.doc_id for p in filtered.retrieved} == {GREEN_DOC}


def test_concurrent_questions_get_the_answers_they_get_one_at_a_time(shared_assistant) -> None:
    """The web app answers several requests at once (Gradio's queue, ``CONCURRENCY``): one Assistant, its
    Chroma client, embedder and keyword index shared by the threads must give each question its own answer."""
    from concurrent.futures import ThreadPoolExecutor

    questions = [
        "How much is the Tyrol innovation voucher worth?",
        "What are the stages of the Green Cluster Pathway?",
        "How many projects did the Pomeranian seed fund finance?",
        "Why does monitoring of innovation strategies matter?",
    ] * 4
    alone = {q: shared_assistant.ask(q) for q in dict.fromkeys(questions)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(shared_assistant.ask, questions))
    for question, answer in zip(questions, together, strict=True):
        assert answer.text == alone[question].text
        assert [p.chunk.chunk_id for p in answer.retrieved] == [p.chunk.chunk_id for p in alone[question].retrieved]
