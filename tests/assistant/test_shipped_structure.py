"""The six requests of the structure issue, asked of the shipped corpus (corpus/, really ingested once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Turn, compose_draft
from assistant.writers import Length
from tests.snapshots.spent import shipped_assistant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return shipped_assistant(Path(tmp_path_factory.mktemp("shipped")) / "index")


def test_the_five_recommendations_are_named_each_cited_to_its_heading(shipped: Assistant) -> None:
    """Bug: "What are the five policy recommendations of the brief?" got a sentence saying there are five,
    never naming them."""
    answer = shipped.ask("What are the five policy recommendations of the brief?")
    for n, words in enumerate(
        ["drivers of change", "Smart Specialisation", "personalised support", "university-industry", "cross-cluster"],
        start=1,
    ):
        sentence = next(s for s in answer.sentences if s.text.startswith(f"Policy recommendation {n}."))
        assert words in sentence.text
        cited = answer.citation(sentence.citations[0])
        assert cited is not None and sentence.text in cited.chunk.text


def test_table_1_cells_are_answered_with_their_items_each_cited_to_the_brief(shipped: Assistant) -> None:
    """Bug: Table 1's rows came out as inline "•" runs and "Which actions does Table 1 list under …" quoted other
    cells' bullets or prose about networking; "Cluster Formation" stood after its own cell in the text."""
    answer = shipped.ask("Which actions does Table 1 of the brief list under 'Firm Growth' and 'Cluster Formation'?")
    texts = [s.text for s in answer.sentences]
    assert texts[:5] == [
        "Firm Growth:",
        "Support cluster-based incubators",
        "Encourage entrepreneur networks",
        "Facilitate the creation spinoffs",
        "Support funding opportunities for startups",
    ]
    assert texts[5:] == [
        "Cluster Formation:",
        "Conduct competence audit",
        "Undertake strategic study and analysis",
        "Engaged actors and communicate",
        "Promote cluster marketing",
    ]
    assert all(s.item for s in answer.sentences if not s.text.endswith(":"))
    assert {c.chunk.doc_id for c in answer.citations} == {"briefs/policy-brief-clusters"}
    assert {c.chunk.page for c in answer.citations} == {8}


def test_what_is_an_innovation_voucher_leads_with_its_definition(shipped: Assistant) -> None:
    """Bug: "What is an innovation voucher?" got sentences mentioning vouchers, not the helpdesk's definition."""
    answer = shipped.ask("What is an innovation voucher?")
    assert "small lines of credit" in answer.sentences[0].text
    assert "purchase services from knowledge providers" in answer.sentences[0].text


@pytest.mark.parametrize(
    "question", ["What is an innovation voucher, basically?", "What exactly are innovation vouchers?"]
)
def test_a_word_the_definition_question_adds_does_not_hide_the_definition(shipped: Assistant, question: str) -> None:
    """Bug (spent q029, sealed-then-spent ss008): "basically", "exactly" counted as part of what was to be defined,
    and no sentence opens with "exactly innovation vouchers are"."""
    assert "small lines of credit" in shipped.ask(question).sentences[0].text


def test_a_term_the_asker_quotes_is_the_subject_of_the_definition(shipped: Assistant) -> None:
    """Spent r007: the asking sentence's words are no subject a sentence opens with; the quoted term is
    ("Strategic governance refers to …")."""
    answer = shipped.ask(
        "When the brief talks about the 'strategic governance' of a cluster, as opposed to the operational level, "
        "what does it mean?"
    )

    assert answer.sentences[0].text.startswith("Strategic governance refers to"), answer.text


def test_the_tail_of_a_sentence_cut_by_a_page_break_is_not_quoted(shipped: Assistant) -> None:
    """Spent y006: "cluster activities to achieve strategic cluster objectives." (page 6 opens with the end of a
    sentence of page 5) led the answer on strategic governance."""
    answer = shipped.ask("As opposed to the day-to-day side, what falls under 'strategic governance' of a cluster?")

    assert all(not s.text[:2].islower() for s in answer.sentences), answer.text
    assert "appointing cluster managers" in answer.text


def test_a_pronoun_sentence_under_a_heading_keeps_the_sentence_it_points_back_to(shipped: Assistant) -> None:
    """Spent ww021: "This policy brief provides five policy recommendations, from more general to more specific
    …" (the first sentence under its heading, no sentence before it in its passage) was dropped for opening with
    "This", while "They are illustrated with good practices …", which points back to it, was kept."""
    answer = shipped.ask("Do the brief's five recommendations follow a particular order, or is it arbitrary?")

    assert not answer.sentences[0].text.startswith("They"), answer.text
    assert "from more general to more specific" in answer.text, answer.text


def test_which_regions_run_voucher_schemes_lists_the_records(shipped: Assistant) -> None:
    """Bug: "Which regions in these documents run innovation voucher schemes?" was said not to be covered."""
    answer = shipped.ask("Which regions in these documents run innovation voucher schemes?")
    assert not answer.abstained
    cited = {c.chunk.doc_id for c in answer.citations}
    assert {
        "good_practices/basque-interregional-innovation-voucher-pilot",
        "good_practices/inostartas-lt-sunrise-valley",
        "good_practices/san-sebastian-technological-voucher",
    } <= cited
    assert "Basque Country, Spain" in answer.text and "Lithuania" in answer.text


def test_a_draft_for_an_agency_in_portugal_fills_both_sections(shipped: Assistant) -> None:
    """Bug: "A regional development agency in Portugal asks …" drafted two empty sections (Portugal is in no
    document; it says who asks, not what)."""
    draft = compose_draft(
        shipped,
        "A regional development agency in Portugal asks how to set up an innovation voucher scheme for SMEs.",
    )
    assert [s.abstained for s in draft.sections[:2]] == [False, False]
    good_practices = draft.sections[1].text.splitlines()
    assert all(line.startswith("- **") for line in good_practices)
    assert len({line.split("**")[1] for line in good_practices}) == len(good_practices)  # one bullet per record
    sources = draft.markdown.split("## Sources\n\n")[1]
    assert sources.startswith("- [1] ")


def test_a_drafted_reply_section_says_more_than_a_chat_answer(shipped: Assistant) -> None:
    """A draft is edited and sent, and answers every part of a request: its policy insights may run past the
    chat answer's three sentences, each still cited."""
    request = "How should a region monitor and evaluate its cluster policy?"
    chat = shipped.ask(request)
    reply = shipped.ask(request, length=Length.REPLY)

    assert len(chat.sentences) <= 3 < len(reply.sentences)
    assert [s.text for s in reply.sentences[:1]] == [s.text for s in chat.sentences[:1]]  # the same lead
    assert all(s.citations for s in reply.sentences)


def test_a_request_for_a_good_practice_by_its_place_is_answered_by_that_record(shipped: Assistant) -> None:
    """Bug (spent set 22, d035): "Do you have any good practice located in Flanders?" was answered with a brief's
    sentence about a workshop in Flanders; the record whose region field is Flanders was never named (its
    sentences are far from the question's wording, so the cosine floor left it out)."""
    answer = shipped.ask("Do you have any good practice located in Flanders?")

    assert not answer.abstained, answer.text
    first = answer.citations[answer.sentences[0].citations[0] - 1]
    assert first.chunk.doc_id == "good_practices/biobase-europe-multi-country-voucher-scheme"
    assert answer.sentences[0].text.startswith("Multi-country voucher scheme (Biobase Europe"), answer.text
    assert "Flanders" in answer.sentences[0].text


def test_a_heading_that_ends_a_passage_is_never_quoted_as_a_sentence(shipped: Assistant) -> None:
    """Bug (spent set 22, d012's first turn): the helpdesk answer's heading "Policy Insights 2. Other Interreg
    Europe Policy Learning Platform activities." ends the passage before its section, where the passage's own
    section names another heading, so its second half was quoted as the answer's first sentence."""
    answer = shipped.ask(
        "Besides good practices, which Policy Learning Platform services does the helpdesk answer on clusters and "
        "the twin transition recommend?"
    )

    assert not answer.abstained, answer.text
    assert all("Platform activities" not in s.text for s in answer.sentences), answer.text
    assert any("peer review" in s.text for s in answer.sentences), answer.text


def test_a_table_cell_named_as_written_is_answered_when_list_is_the_verb(shipped: Assistant) -> None:
    """Bug (spent set 30, dd002): "What does Table 1 list under 'Inter-Actor Network'?" is no list question by its
    words ("list" is the verb), so the cell was never looked for; a label named in lower case in passing is not
    a reference to the table."""
    answer = shipped.ask("What does Table 1 list under 'Inter-Actor Network'?")
    assert [s.text for s in answer.sentences][:3] == [
        "Inter-Actor Network:",
        "Foster intra- and extra-cluster firm networks",
        "Form export networks",
    ]
    passing = shipped.ask("Does a cluster's inter-actor network matter for its members?")
    assert not any(s.text == "Inter-Actor Network:" for s in passing.sentences)


def test_a_draft_asking_about_a_named_platform_requires_the_documents_to_answer_it(shipped: Assistant) -> None:
    """Bug (spent set 29, cc006): every name of a draft request was taken for who asks, so the European Cluster
    Collaboration Platform was not required either and both sections filled with loosely related sentences; only
    Slovakia, named before the ask, is who asks."""
    draft = compose_draft(
        shipped,
        "A national cluster association in Slovakia asks which organisation runs the European Cluster Collaboration "
        "Platform on the Commission's behalf and how many staff it has. Please draft a reply.",
    )

    assert [s.abstained for s in draft.sections[:2]] == [True, True]


def test_a_draft_does_not_require_the_names_of_who_asks(shipped: Assistant) -> None:
    """Bug: "Trade" (of the ministry's name) was required of the documents, so both sections of this draft were
    "not covered"; only a name inside the request for good practices is."""
    draft = compose_draft(
        shipped,
        "The Czech Ministry of Industry and Trade asks us how to set up monitoring and evaluation for its national "
        "cluster programme: what should the indicators cover? Please draft a reply.",
    )

    assert [s.abstained for s in draft.sections[:2]] == [False, False]


def test_a_draft_asking_for_good_practices_from_a_country_no_record_holds_declines_that_section(
    shipped: Assistant,
) -> None:
    draft = compose_draft(
        shipped, "A ministry in Portugal asks whether there are good practices on clusters from Cyprus. Draft a reply."
    )

    assert draft.sections[1].abstained


def test_each_ask_of_a_draft_request_is_answered(shipped: Assistant) -> None:
    """Bug (spent set 22, d036): both sections were declined ("Greece", who asks, was required of the records),
    and the request's second ask, how big vouchers usually are, was never answered on its own."""
    draft = compose_draft(
        shipped,
        "A cluster manager in Greece asks whether there are good practices on using innovation vouchers in cluster "
        "policy, and how big such vouchers usually are. Please draft a reply.",
    )

    assert not draft.sections[0].abstained
    assert "€2000 to €20,000" in draft.sections[0].text


def test_a_draft_whose_asks_the_documents_lack_declines(shipped: Assistant) -> None:
    """The whole request finds too little and its first ask, on its own, asks for an amount no passage gives: the
    second ask ("how it distributes it …") on its own must not fill the section with loosely related sentences."""
    draft = compose_draft(
        shipped,
        "The Danish Business Authority asks for a reply summarising how much national funding Cluster Excellence "
        "Denmark receives each year and how it distributes it among Danish clusters. Please draft a reply.",
    )

    assert draft.sections[0].abstained, draft.sections[0].text


def test_a_follow_up_finds_the_country_of_the_cited_record(shipped: Assistant) -> None:
    """Bug: "and in which country is that?" after a Santara Valley answer was "not covered", although the cited
    record says Lithuania."""
    first = shipped.ask("What did Santara Valley do?")
    assert "good_practices/santara-valley" in Turn.of(first).cited
    follow_up = shipped.ask("and in which country is that?", history=[Turn.of(first)])
    assert not follow_up.abstained
    assert "Lithuania" in follow_up.text
    assert follow_up.citations[0].chunk.doc_id == "good_practices/santara-valley"


def test_a_follow_up_reads_on_into_the_section_the_cited_passage_runs_into(shipped: Assistant) -> None:
    """Bug (spent set 27): the foreword's author was quoted from the end of page 2's passage, and "which digital
    technologies does he say …" was answered from other pages: the foreword goes on in the next two passages."""
    first = shipped.ask("Who wrote the foreword to the clusters policy brief?")
    assert "Marek Przeor" in first.text
    follow_up = shipped.ask(
        "Which digital technologies does he say clusters can help more companies take up?", history=[Turn.of(first)]
    )
    assert "Internet of Things" in follow_up.text and "5G" in follow_up.text, follow_up.text
    quoted = next(c for c in follow_up.citations if "Internet of Things" in c.quote)
    assert quoted.chunk.section == "Foreword"


def test_a_follow_up_whose_name_comes_after_its_pronoun_follows_the_conversation(shipped: Assistant) -> None:
    """Bug (spent set 27): "COVID-19" after "it" made the question count as naming its own subject, so "it" (the
    ECCP of the previous answer) was lost and the answer listed the Commission's COVID-19 challenges."""
    first = shipped.ask("What is the European Cluster Collaboration Platform, according to the clusters brief?")
    follow_up = shipped.ask(
        "And what did it do during COVID-19 — and how big is the cluster alliance mentioned in that same passage?",
        history=[Turn.of(first)],
    )
    assert "European Alliance Against Coronavirus" in follow_up.text, follow_up.text
    assert "14 National Cluster Associations" in follow_up.text


def test_who_wrote_the_foreword_cites_the_foreword(shipped: Assistant) -> None:
    """Bug: "Who wrote the foreword?" was answered from the peer-review record."""
    answer = shipped.ask("Who wrote the foreword?")
    assert "Marek Przeor" in answer.text
    assert answer.citations[0].chunk.section == "Foreword"


def test_an_abstention_says_what_was_not_found_without_a_similarity(shipped: Assistant) -> None:
    answer = shipped.ask("What is the unemployment rate in Greece?")
    assert answer.abstained
    assert answer.text.startswith("I found nothing in the documents about the unemployment rate in Greece.")
    assert "similarity" not in answer.text + answer.abstention_reason


def test_a_german_question_is_not_refused_for_its_nouns(shipped: Assistant) -> None:
    """Bug: German capitalises nouns, and each noun was taken for a name the documents must mention."""
    answer = shipped.ask("Was ist Santara Valley und wo liegt es?")
    assert not answer.abstained
    assert "Lithuania" in answer.text


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Do you have any good practices on clusters from Greece or Cyprus?", "greece, cyprus"),
        ("Which good practice came out of the CLIPPER project on maritime industries?", "clipper"),
    ],
)
def test_a_request_for_records_no_record_holds_is_declined_by_name(shipped: Assistant, question, missing) -> None:
    """Bug: asking for good practices from a country or project that no record has listed unrelated records
    (C3-Saxony for "Greece or Cyprus"): the records' own fields and text are what such a request must match."""
    answer = shipped.ask(question)

    assert answer.abstained
    assert answer.abstention_reason == f"no good practice in the documents mentions {missing}"


def test_a_request_for_records_that_exist_is_still_answered(shipped: Assistant) -> None:
    answer = shipped.ask("Which good practices come from Italian regions?")

    assert not answer.abstained
    assert any("Emilia-Romagna" in s.text or "NOI" in s.text for s in answer.sentences)


def test_the_chat_examples_come_from_the_documents_and_are_answered(shipped: Assistant) -> None:
    """The empty chat offers questions built from headings and good-practice titles, each one answered."""
    from assistant.examples import example_questions, knowledge_summary

    documents = shipped.documents()
    examples = example_questions(shipped, documents, shipped.store.all_chunks())
    assert 4 <= len(examples) <= 6, examples
    assert "How can a region offer personalised support services?" in examples
    titles = {d.title for d in documents if d.doc_type == "good_practice"}
    assert any(q.removeprefix("What is ").removesuffix("?") in titles for q in examples), examples
    assert not any(shipped.ask(q).abstained for q in examples)
    summary = knowledge_summary(documents)
    assert summary.startswith("I know 17 documents (1 policy brief, 15 good practices, 1 helpdesk answer).")
    assert "innovation vouchers" in summary and "Lithuania" in summary and "not stated" not in summary


def test_the_third_one_after_the_five_recommendations_is_the_third_recommendation(shipped: Assistant) -> None:
    """Bug: "… the third one?" after the five recommendations was "not covered": the ordinal counted nothing."""
    first = shipped.ask("What are the five policy recommendations of the brief?")
    turn = Turn.of(first)
    assert len(turn.items) == 5 and "personalised support" in turn.items[2].text

    follow_up = shipped.ask("What does the brief say about the third one?", history=[turn])

    assert not follow_up.abstained, follow_up.text
    assert "personalised" in follow_up.sentences[0].text


def test_the_third_one_of_a_list_inside_a_sentence(shipped: Assistant) -> None:
    """Bug (spent set 25, o007): the answer listed C3-Saxony's three instruments inside one sentence, so "the third
    one" counted the cited documents (two) and the follow-up was "not covered"."""
    first = shipped.ask("Which three policy instruments does C3-Saxony use to promote cross-cluster collaboration?")
    turn = Turn.of(first)
    assert [i.text for i in turn.items][-1:] == ["innovation vouchers"], first.text

    follow_up = shipped.ask(
        "How does the third one work elsewhere in your material — what are they, and how big are they usually?",
        history=[turn],
    )

    assert "€2000 to €20,000" in follow_up.text, follow_up.text


def test_a_german_question_is_answered_from_the_english_sentence_that_answers_it(shipped: Assistant) -> None:
    """Bug: every German question abstained or got the English signals' guess; e5's shared space finds the
    sentence that names the alliances, and the asker's introduction (who she is, in German) does not steer it.

    (The Thüringen question "Was versteht der Policy Brief unter Cluster-Governance, und wessen Interessen vertritt
    sie?" that this test asked before is a tie in e5's space: answered with the introduction, missed without it.)"""
    answer = shipped.ask(
        "Ich bin Referentin im Thüringer Wirtschaftsministerium. Welche industriellen Allianzen nennt der Policy "
        "Brief, bei denen Cluster eine wichtige Rolle spielen könnten?"
    )

    assert shipped.multilingual is not None
    assert not answer.abstained, answer.text
    assert "European Battery Alliance" in answer.text


def test_the_third_one_counts_every_bullet_of_the_previous_list(shipped: Assistant) -> None:
    """Bug: the first COVID-19 challenge (a bullet that is a sentence of its own) was not counted as an item and
    the sentence carrying on the fourth ("Moreover, …") was, so "the third one" was the fourth challenge."""
    first = shipped.ask(
        "What are the five challenges for clusters that the European Commission identified from the COVID-19 pandemic?"
    )
    turn = Turn.of(first)
    assert len(turn.items) == 5, [i.text for i in turn.items]

    follow_up = shipped.ask(
        "Can you say more about the third one — why does it matter for the recovery?", history=[turn]
    )

    assert "Reinforcing technology clusters" in follow_up.sentences[0].text, follow_up.text


def test_an_english_question_does_not_take_the_multilingual_path(shipped: Assistant) -> None:
    assert shipped._multilingual("Whose interests does cluster governance represent?", shipped.extractive, None) is None


def test_ask_file_answers_a_follow_up_line_after_its_history(shipped: Assistant, tmp_path: Path) -> None:
    """``ask --file`` lines may carry the earlier turns, as eval question lines do (``"history"``)."""
    import io
    import json

    from assistant import answer_questions

    questions = tmp_path / "questions.jsonl"
    follow_up = "and in which country is that?"
    lines = [
        {"id": "alone", "question": follow_up},
        {"id": "after", "question": follow_up, "history": ["Tell me about the Santara Valley good practice."]},
        {"id": "bad", "question": follow_up, "history": "Tell me about Santara Valley."},
    ]
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = io.StringIO()

    skipped = list(answer_questions(shipped, questions, out))

    assert skipped == [f"{questions}:3: 'history' must be a list of earlier questions (strings); skipped"]
    rows = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert set(rows) == {"alone", "after"}
    assert rows["alone"]["abstained"]
    assert "Lithuania" in rows["after"]["answer"] and not rows["after"]["abstained"]
    assert rows["after"]["history"] == lines[1]["history"]  # input fields are copied through
    assert any("santara" in c["doc_id"] for c in rows["after"]["citations"])
