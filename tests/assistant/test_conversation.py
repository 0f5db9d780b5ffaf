"""Follow-up questions: detection, query expansion, and retrieval that follows the conversation."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Turn
from assistant.conversation import Item, enumerated, follow_up_query, is_follow_up, leans_on, referenced_item
from tests.assistant.conftest import GREEN_DOC, SEED_DOC

GREEN_TURN = Turn(
    "What does the Green Cluster Pathway do?",
    "The Andalusian Energy Agency helps clusters of manufacturers cut the energy they use in production. [1]",
)


@pytest.mark.parametrize(
    "question",
    [
        "Which region ran it?",
        "And in which region was that?",
        "What about Poland?",
        "How much did they spend on it?",
        "Who paid for this?",
        "also the budget?",
        "Where is its office?",
    ],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "What does the Green Cluster Pathway do?",
        "How do regions finance mature cluster organisations?",
        "Which good practices support design for manufacturers?",
        "What are the stages of the Andalusian energy programme?",
        "Are there any good practices on design sprints?",
        "Is there a voucher scheme for small firms in Austria?",
    ],
)
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    """Bug (the last two cases): the existential "there" of "Are there …?" / "Is there …?" counted as a pronoun
    pointing back at the previous turn, so a new standalone question was searched mixed with the last one."""
    assert not is_follow_up(question)


def test_a_long_question_with_a_pronoun_is_not_a_follow_up() -> None:
    question = (
        "What did the regional agency in Tyrol learn about running a voucher scheme when it had to process "
        "hundreds of applications?"
    )
    assert not is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "One of them sounds like it's about sport — which is it, and what objective does the annex give for it?",
        "Why does it say those two formats help with getting the political side on board?",
        "And what did it do during COVID-19 — and how big is the cluster alliance mentioned in that same passage?",
    ],
)
def test_a_long_question_whose_pronoun_comes_first_is_a_follow_up(question: str) -> None:
    """Bug: a word limit (14) made these long follow-ups (spent sets 23 and 22) standalone questions, and both
    abstained; their pronoun stands for nothing they name before it."""
    assert is_follow_up(question)


def test_a_long_question_whose_pronoun_has_its_own_antecedent_is_not_a_follow_up() -> None:
    question = (
        "What did the regional agency learn about running a voucher scheme when it had to process hundreds of "
        "applications?"
    )
    assert not is_follow_up(question)


def test_a_follow_up_prefers_the_passages_the_previous_answer_quoted() -> None:
    turn = Turn("What does the Green Cluster Pathway do?", "It helps. [1]", (GREEN_DOC,), passages=("chunk-7",))
    query = follow_up_query("Which region ran it?", [turn])
    assert query.documents == (GREEN_DOC,) and query.passages == ("chunk-7",)
    assert follow_up_query("How do regions finance mature cluster organisations?", [turn]).passages == ()


def test_the_search_expands_a_follow_up_with_the_previous_turn() -> None:
    query = follow_up_query(
        "Which region ran it?", [Turn("Who runs the seed fund?", "Nobody. [1]"), GREEN_TURN]
    ).retrieval

    assert query.startswith("Which region ran it? What does the Green Cluster Pathway do?")
    assert "andalusian" in query.lower()
    assert "seed fund" not in query, "only the last turn counts"


def test_the_search_leaves_other_questions_alone() -> None:
    assert follow_up_query("Which region ran it?", []).retrieval == "Which region ran it?"
    standalone = "How do regions finance mature cluster organisations?"
    assert follow_up_query(standalone, [GREEN_TURN]).retrieval == standalone


def test_a_follow_up_retrieves_the_document_of_the_conversation(shared_assistant) -> None:
    alone = shared_assistant.ask("Which region ran it?")
    followed = shared_assistant.ask("Which region ran it?", history=[GREEN_TURN])

    assert followed.retrieved[0].chunk.doc_id == GREEN_DOC
    assert followed.question == "Which region ran it?"
    assert alone.retrieved[0].chunk.doc_id != GREEN_DOC, "without history the question names nothing"


def test_a_follow_up_answer_comes_from_the_conversations_document(shared_assistant) -> None:
    seed_turn = Turn(
        "What does the Pomeranian Seed Fund support?",
        "The Pomeranian Development Agency runs a seed fund for joint research between firms and universities. [1]",
    )

    answer = shared_assistant.ask("And how many projects did it finance?", history=[seed_turn])

    assert answer.retrieved[0].chunk.doc_id == SEED_DOC
    assert not answer.abstained, answer.text
    assert "23 projects" in answer.text
    assert answer.citations[0].chunk.doc_id == SEED_DOC


def test_a_question_that_names_its_own_subject_is_not_a_follow_up(shared_assistant) -> None:
    """Regression: "Which project did C3-Saxony come from, and which region is it in?" counted as a follow-up
    because of "it", so the previous question was added to the search and the answer repeated its sentences."""
    question = "Which region runs the Pomeranian Seed Fund, and what does it finance?"
    assert not is_follow_up(question)

    answer = shared_assistant.ask(question, history=[GREEN_TURN])

    assert all(c.chunk.doc_id != GREEN_DOC for c in answer.citations), answer.text


def test_relative_that_is_not_a_pointer() -> None:
    assert not is_follow_up("What are the policy instruments that clusters use?")
    assert is_follow_up("Who ran that?")


def test_the_writer_answers_the_new_question_not_the_previous_one() -> None:
    query = follow_up_query("Which region ran it?", [GREEN_TURN])

    assert GREEN_TURN.question in query.retrieval
    assert GREEN_TURN.question not in query.writer
    assert query.writer.startswith("Which region ran it?")


LIST_TURN = Turn(
    "What are the stages of the programme?",
    "The programme runs three stages. [1] Diagnosis. [2] Coaching. [3] Investment. [4]",
    ("briefs/programme",),
    (Item("Diagnosis.", "briefs/programme"), Item("Coaching.", "briefs/coaching"), Item("Investment.", "briefs/x")),
)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Which region ran the second one?", "Which region ran “Coaching”?"),
        ("And the last of them?", "And “Investment”?"),
        (
            "What did the first achieve, and what did the third?",
            "What did the first achieve, and what did “Investment”?",
        ),
    ],
)
def test_an_ordinal_counts_the_previous_answers_items(question: str, named: str) -> None:
    """ "The third one" after a list answer is that list's third item, searched and answered by its own words."""
    query = follow_up_query(question, [LIST_TURN])

    assert (query.retrieval, query.writer) == (named, named)


def test_an_ordinal_prefers_the_items_document() -> None:
    assert follow_up_query("Who leads the second one?", [LIST_TURN]).documents == ("briefs/coaching",)


@pytest.mark.parametrize(
    "question",
    ["What is the first recommendation?", "Which region ran the fifth one?", "Who came second in the ranking?"],
)
def test_an_ordinal_with_its_own_noun_or_past_the_list_is_no_reference(question: str) -> None:
    assert referenced_item(question, LIST_TURN) is None


def test_a_list_inside_a_sentence_gives_its_items() -> None:
    assert enumerated(
        "The initiative uses three main policy instruments to promote cross-cluster collaboration: networking "
        "events, matchmaking events, and innovation vouchers."
    ) == ["networking events", "matchmaking events", "innovation vouchers"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The European Commission has identified five challenges for clusters resulting from the COVID-19 pandemic:",
        "Santara Valley (CLUSTERFY; Lithuania): In the Interreg Europe project CLUSTERFY, the region set up a "
        "science and technology park, and it now hosts many firms.",
        "Clusters can promote cross-cluster collaboration at the regional, national, or EU levels.",
    ],
)
def test_a_colon_before_a_clause_or_no_colon_lists_nothing(sentence: str) -> None:
    assert enumerated(sentence) == []


def test_a_later_ask_of_one_question_continues_the_ask_before_it_unless_it_names_its_own_subject() -> None:
    """A question's later ask ("…, and how much was invested?") is about what the ask before it found, though it
    is no follow-up on its own; one that names its own subject is searched as it stands."""
    continuing = follow_up_query("how much was invested?", [GREEN_TURN], continues=True)
    assert "andalusian" in continuing.retrieval.lower() and continuing.documents == GREEN_TURN.cited

    assert follow_up_query("how much was invested?", [GREEN_TURN]).retrieval == "how much was invested?"
    own = "what does the Pomeranian Seed Fund finance?"
    assert follow_up_query(own, [GREEN_TURN], continues=True).retrieval == own


def test_that_ending_a_clause_points_back() -> None:
    """ "Which programme was that, and …?" leans on the last turn as "… was that?" does; "that" inside a clause
    is a relative pronoun or a determiner, not a pointer."""
    assert is_follow_up("Which programme was that, and what else ran under the same programme?")
    assert not is_follow_up("Which tools that clusters use does the brief list?")


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        # "that" ends its clause: it stands for something outside it, not for the name inside ("Interreg")
        ("Under which Interreg project was that, and what pushed the region to look outward in the first place?", True),
        ("Tell me about C3-Saxony, which region is that?", False),  # the name before the clause is what it stands for
    ],
)
def test_a_clause_ending_that_stands_for_nothing_named_in_its_own_clause(question: str, follows: bool) -> None:
    """Bug (spent set 32, rr009): the first question was taken as standalone, since "Interreg" came before "that",
    and abstained."""
    assert is_follow_up(question) is follows


def test_a_follow_up_for_the_project_is_answered_from_the_records_project_field(shared_assistant) -> None:
    """The Pomeranian record names its project (S3Seed) only in its fields, which no acronym pattern finds."""
    first = shared_assistant.ask("What does the Pomeranian Seed Fund do?")
    answer = shared_assistant.ask("Under which project was that, and who runs it?", history=[Turn.of(first)])

    assert not answer.abstained, answer.abstention_reason
    assert "S3Seed" in answer.text and answer.citations[0].chunk.doc_id == SEED_DOC


def test_a_follow_up_is_not_held_to_the_places_the_previous_answer_named(shared_assistant) -> None:
    """Bug (spent set 32, rr009): the previous answer's countries ("Belgium, Spain"), added to resolve "that", were
    required next to the project, so "Under which Interreg project was that?" abstained."""
    first = shared_assistant.ask(
        "Who runs the Pomeranian Seed Fund, and what happens during the pilot of the Green Cluster Pathway?"
    )
    assert {"Poland", "Spain"} <= set(first.text.replace(")", " ").split()), first.text

    answer = shared_assistant.ask("Under which project was that?", history=[Turn.of(first)])

    assert not answer.abstained, answer.abstention_reason


def test_a_question_is_about_the_previous_answer_when_its_quotes_match_it_as_well() -> None:
    own = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    found = np.array([[0.6, 0.8, 0.0]], dtype=np.float32)
    close, far = np.array([[0.7, 0.0, 0.71]], dtype=np.float32), np.array([[0.2, 0.0, 0.98]], dtype=np.float32)

    assert leans_on(own, found, close, floor=0.45)  # a quote closer than anything found alone
    assert not leans_on(own, found, far, floor=0.45)
    assert leans_on(own, found, far, floor=0.65)  # alone, the question finds no evidence: the conversation may
    assert not leans_on(own, found, np.zeros((0, 3), dtype=np.float32), floor=0.65)  # nothing quoted before


def test_a_follow_up_without_a_pronoun_is_answered_from_the_previous_answers_passage(shared_assistant) -> None:
    """Sealed set 35 (ww013): "Which author is that reasoning credited to in the brief?" names no pronoun the
    conversation rules know, so it was asked on its own and abstained. The previous answer's quotes now compete
    with what the question finds alone."""
    question = "What does each partnership need to include?"
    assert not is_follow_up(question)
    first = shared_assistant.ask("What does the Pomeranian Seed Fund finance?")
    assert any(c.chunk.doc_id == SEED_DOC for c in first.citations), first.text
    alone = shared_assistant.ask(question)

    answer = shared_assistant.ask(question, history=[Turn.of(first)])

    assert "university laboratory" in answer.text, answer.text
    assert answer.citations[0].chunk.doc_id == SEED_DOC
    assert "university laboratory" not in alone.text, "on its own the question should not find the fund"


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("Can start-ups apply for those vouchers as well, or only firms that are already established?", True),
        ("Would our university qualify for those grants, given that it already runs a science park?", True),
        ("Which strategies did the regions adopt, and which of those are the ones that Spain uses today?", False),
        ("What did the agency learn from the pilot when it looked at the results of the energy audits?", False),
    ],
)
def test_a_demonstrative_before_a_noun_points_back_in_a_long_question(question: str, follows: bool) -> None:
    """Sealed set 34 (vv021): "Can start-ups use those vouchers too, …?" has a topic word before "those", which
    made a long question its own subject; "those vouchers" names what it points back to."""
    assert is_follow_up(question) is follows
