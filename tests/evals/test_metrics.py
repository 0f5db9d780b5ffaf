"""Metric definitions on small hand-made cases: a hit, a miss, an abstention, a broken citation, SQuAD answers."""

from __future__ import annotations

import pytest

from evals import metrics
from evals.runner import score_result, summarise
from tests.evals.conftest import make_result, passage

QUESTION = {
    "id": "q1",
    "question": "How much is the voucher?",
    "must_contain": ["4,000", "research centres"],
    "evidence": "a voucher of 4,000 euros to buy services",
    "kind": "factoid",
}
SQUAD = {"id": "s1", "question": "How long is the sprint?", "answers": ["two-week", "two weeks"], "kind": "squad"}
UNANSWERABLE = {"id": "u1", "question": "What is the VAT on bananas?", "kind": "unanswerable"}


def test_hit_at_rank_two_is_whitespace_insensitive() -> None:
    passages = [passage("Nothing relevant here.", 1), passage("gives a voucher   of\n4,000 euros to buy services", 2)]
    scores = metrics.retrieval_scores(passages, QUESTION)
    assert scores == {"first_hit_rank": 2, "hit@1": 0.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 0.5}


def test_whitespace_is_ignored_even_where_extraction_dropped_it() -> None:
    assert metrics.passage_holds_evidence("a voucher of4,000 euros to buyservices", QUESTION)


def test_miss_scores_zero() -> None:
    passages = [passage(f"Unrelated passage {i}.", i) for i in range(1, 11)]
    scores = metrics.retrieval_scores(passages, QUESTION)
    assert scores == {"first_hit_rank": None, "hit@1": 0.0, "hit@5": 0.0, "hit@10": 0.0, "mrr@10": 0.0}


def test_hit_beyond_ten_does_not_count() -> None:
    passages = [passage("Unrelated.", i) for i in range(1, 11)] + [
        passage("a voucher of 4,000 euros to buy services", 11)
    ]
    assert metrics.retrieval_scores(passages, QUESTION)["mrr@10"] == 0.0


def test_squad_answers_count_as_evidence_and_key_facts() -> None:
    scores = score_result(
        SQUAD,
        make_result(
            SQUAD,
            answer="The sprint lasts two weeks [1].",
            retrieved=[passage("Kaunas runs a Two-Week design sprint.")],
        ),
    )
    assert scores["hit@1"] == 1.0
    assert scores["key_fact_recall"] == 1.0
    assert scores["citation_coverage"] == 1.0


def test_key_fact_recall_is_the_share_of_facts_found() -> None:
    assert metrics.key_fact_recall("The voucher is worth 4,000 euros [1].", QUESTION, abstained=False) == 0.5
    assert metrics.key_fact_recall("4,000 from research  centres [1].", QUESTION, abstained=False) == 1.0
    assert metrics.key_fact_recall("4,000 from research centres.", QUESTION, abstained=True) == 0.0


def test_abstention_on_unanswerable_is_right_and_on_answerable_is_false() -> None:
    abstained = {"answer": "The documents don't cover this question.", "abstained": True}
    right = score_result(UNANSWERABLE, make_result(UNANSWERABLE, **abstained))
    wrong = score_result(QUESTION, make_result(QUESTION, **abstained))
    assert right["unanswerable_abstained"] == 1.0
    assert "hit@1" not in right and right["citation_coverage"] is None
    assert wrong["false_abstention"] == 1.0
    assert wrong["key_fact_recall"] == 0.0
    assert metrics.failed_checks(right) == []
    assert "false_abstention" in metrics.failed_checks(wrong)


def test_broken_citation_whose_quote_is_not_in_its_passage_is_imprecise() -> None:
    text = "The agency gives small firms a voucher of 4,000 euros to buy services from research centres."
    good = {"n": 1, "quote": "a voucher of 4,000 euros", "text": text}
    broken = {"n": 2, "quote": "a voucher of 9,000 euros", "text": text}
    assert metrics.citation_precision([good, broken], QUESTION) == 0.5


def test_citation_of_a_passage_without_the_evidence_is_imprecise() -> None:
    other = {"n": 1, "quote": "Sprints end with a prototype", "text": "Sprints end with a prototype."}
    assert metrics.citation_precision([other], QUESTION) == 0.0
    assert metrics.citation_precision([other], SQUAD) == 1.0  # no evidence span: only the quote is checked


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("One. [1] Two. [2]", 1.0),
        ("One [1]. Two [2].", 1.0),
        ("One [1]. Two without a marker.", 0.5),
        ("No markers at all.", 0.0),
    ],
)
def test_citation_coverage(answer: str, expected: float) -> None:
    assert metrics.citation_coverage(answer, abstained=False) == expected


def test_bracketed_text_inside_a_sentence_does_not_end_it() -> None:
    """SQuAD passages keep Wikipedia's "[citation needed]"; splitting after any "]" counted half an answer uncited."""
    answer = "It was the first community to be built[citation needed] and there are now many more. [1]"
    assert metrics.answer_sentences(answer) == [answer]
    assert metrics.citation_coverage(answer, abstained=False) == 1.0


def test_an_initial_does_not_end_a_sentence() -> None:
    """Answers naming "Lyndon B. Johnson" were split at the initial and counted half uncited."""
    answer = "A memo went to Vice President Lyndon B. Johnson about NASA. [1] It was read. [2]"
    assert metrics.answer_sentences(answer) == [
        "A memo went to Vice President Lyndon B. Johnson about NASA. [1]",
        "It was read. [2]",
    ]


def test_summary_averages_over_the_questions_each_metric_applies_to() -> None:
    results = [
        make_result(QUESTION, answer="4,000 research centres [1].", retrieved=[passage(QUESTION["evidence"])]),
        make_result(UNANSWERABLE, answer="Not covered.", abstained=True),
    ]
    for result, question in zip(results, (QUESTION, UNANSWERABLE), strict=True):
        result["scores"] = score_result(question, result)
    summary = summarise(results, seconds=2.0)
    assert summary["hit@1"] == 1.0
    assert summary["unanswerable_abstained"] == 1.0
    assert summary["false_abstention"] == 0.0
    assert summary["questions_per_second"] == 1.0
    assert summary["total_p50_ms"] == 15.0


def test_citation_coverage_reads_the_sentences_field_when_present() -> None:
    """The JSON's sentences carry their citation numbers: no [n] parsing (a bracket in the text is no citation)."""
    sentences = [{"text": "Vouchers [sic] are grants.", "citations": [1]}, {"text": "Uncited.", "citations": []}]

    assert metrics.citation_coverage("Vouchers [sic] are grants. [1] Uncited.", False, sentences) == 0.5
    assert metrics.citation_coverage("", False, []) == 0.0
    assert metrics.citation_coverage("x", True, sentences) is None
