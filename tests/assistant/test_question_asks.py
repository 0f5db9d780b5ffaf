"""A chat question of several asks: cutting it into asks, and joining the answers to them into one answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.asks import ADDED_PER_ASK, joined
from assistant.records import Answer, AnswerSentence, Citation
from assistant.text import question_asks
from ingest.records import Chunk
from tests.assistant.conftest import GREEN_DOC, SEED_DOC


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        (
            "Which good practice supports CMOs, and what had to happen before the region introduced it?",
            ["Which good practice supports CMOs", "what had to happen before the region introduced it?"],
        ),
        ("Who runs the seed fund; when did it start?", ["Who runs the seed fund", "when did it start?"]),
        ("What did the peer review, which was held online, recommend?", None),  # a comma before "which": relative
        ("What does the Green Cluster Pathway do?", None),
        # a later ask without topic words of its own is no ask of its own
        ("How does the scheme work, and why?", ["How does the scheme work"]),
    ],
)
def test_a_question_is_cut_where_it_coordinates_a_further_ask(question: str, asks: list[str] | None) -> None:
    assert question_asks(question) == (asks or [question])


def _chunk(name: str) -> Chunk:
    text = f"{name} text."
    return Chunk(name, f"good_practices/{name}", text, None, None, 0, len(text), name, "good_practice", "x.md", "h")


def _answer(question: str, quotes: list[tuple[str, str]], *, abstained: bool = False) -> Answer:
    """An answer quoting each (chunk name, sentence) in order, one citation a sentence."""
    citations = tuple(Citation(n, _chunk(name), quote) for n, (name, quote) in enumerate(quotes, 1))
    sentences = tuple(AnswerSentence(quote, (n,)) for n, (_, quote) in enumerate(quotes, 1))
    return Answer(question, sentences, citations, abstained, (), timings_ms={"answer": 1.0})


def test_what_a_later_ask_adds_is_its_best_new_sentences_under_one_numbering() -> None:
    whole = _answer("Q", [("a", "A1."), ("b", "B1.")])
    part = _answer("ask 2", [("b", "B1."), ("c", "C1."), ("c", "C2."), ("c", "C3.")])

    answer = joined(whole, [part])

    assert [s.text for s in answer.sentences] == ["A1.", "B1.", "C1.", "C2."][: 2 + ADDED_PER_ASK]
    assert [c.n for c in answer.citations] == list(range(1, len(answer.sentences) + 1))
    assert [answer.citation(s.citations[0]).quote for s in answer.sentences] == [s.text for s in answer.sentences]
    assert answer.timings_ms["answer"] == 2.0


def test_nothing_is_added_to_a_whole_question_that_found_nothing_or_by_an_ask_that_did() -> None:
    nothing = _answer("Q", [], abstained=True)
    found = _answer("ask 2", [("c", "C1.")])
    assert joined(nothing, [found]) is nothing

    whole = _answer("Q", [("a", "A1.")])
    assert joined(whole, [_answer("ask 2", [("c", "C1.")], abstained=True)]) is whole


def test_each_ask_of_a_chat_question_is_answered(shared_assistant) -> None:
    """Bug (spent sets): "Who runs the Pomeranian Seed Fund, and what happens during the pilot of the Green
    Cluster Pathway?" was answered from the seed fund alone: the whole question's words found one record."""
    answer = shared_assistant.ask(
        "Who runs the Pomeranian Seed Fund, and what happens during the pilot of the Green Cluster Pathway?"
    )

    cited = [answer.citation(s.citations[0]).chunk.doc_id for s in answer.sentences]
    assert cited[0] == SEED_DOC and GREEN_DOC in cited, answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_the_first_ask_is_answered_too_when_the_whole_question_is_drawn_to_a_later_one(shared_assistant) -> None:
    """Bug: "What does the Green Cluster Pathway do, and how many projects did the Pomeranian Seed Fund finance?"
    was answered from the seed fund alone: the count the second ask wants drew the whole question to it."""
    answer = shared_assistant.ask(
        "What does the Green Cluster Pathway do, and how many projects did the Pomeranian Seed Fund finance?"
    )

    assert {GREEN_DOC, SEED_DOC} <= {c.chunk.doc_id for c in answer.citations}, answer.text


def test_a_quote_the_answer_already_gives_is_not_added_again_under_the_records_name() -> None:
    """Bug: an ask's answer named the record before the same quote ("Rec (Project; Place): A1."), so comparing
    texts let the whole answer's sentence in twice."""
    whole = _answer("Q", [("a", "A1.")])
    part = _answer("ask", [("a", "A1."), ("c", "C1.")])
    part = replace(part, sentences=(AnswerSentence("Rec (Project; Place): A1.", (1,)), part.sentences[1]))

    assert [s.text for s in joined(whole, [part]).sentences] == ["A1.", "C1."]
