"""The offline answer writer over the real index: facts, lists, abstentions, and no query-time sentence embedding."""

from __future__ import annotations

import pytest

from assistant.service import NOT_COVERED
from assistant.writers.extractive.writer import ExtractiveWriter, WriterSettings, _in_enumeration, _named_in, _plain
from ingest.embedding import MiniLMEmbedder
from tests.assistant.conftest import (
    BROADBAND,
    BROADBAND_BARRIERS,
    FIGURE_SENTENCE,
    GREEN_DOC,
    LIST_SENTENCE,
    RANKING_SENTENCE,
    SEED_DOC,
)


def cited_quotes(answer) -> list[str]:
    return [c.quote for c in answer.citations]


@pytest.mark.parametrize(
    "question",
    [
        "How many projects were financed by the Pomeranian scheme?",
        "How many projects did the Pomeranian Seed Fund finance?",
        "How much money did the Pomeranian seed fund provide?",
    ],
)
def test_a_factual_question_gets_the_sentence_with_the_figure(shared_assistant, question: str) -> None:
    """Bug: for "how many" / "how much" questions the writer checked that one of the top sentences holds a number
    (else it abstained) but then answered with the best-scoring sentence whether or not it held one, so "How many
    projects did the Pomeranian Seed Fund finance?" was answered "The Pomeranian Development Agency runs a seed
    fund …" without the 23 projects."""
    answer = shared_assistant.ask(question)

    assert not answer.abstained, answer.text
    assert FIGURE_SENTENCE in cited_quotes(answer), answer.text
    assert answer.citations[cited_quotes(answer).index(FIGURE_SENTENCE)].chunk.doc_id == SEED_DOC


def test_a_factual_answer_is_not_padded_with_other_documents(shared_assistant) -> None:
    """Bug: after the sentence with the figure, MMR filled the answer up to three sentences with anything within
    the score margin, so "How many projects did the Pomeranian Seed Fund finance?" ended with the helpdesk's
    "Regions combine membership fees, paid services and competitive project funding. [3]", a sentence about
    another subject presented as part of the answer."""
    answer = shared_assistant.ask("How many projects did the Pomeranian Seed Fund finance?")

    assert not answer.abstained, answer.text
    assert {c.chunk.doc_id for c in answer.citations} == {SEED_DOC}, answer.text


def test_a_list_question_gets_the_whole_list_sentence(shared_assistant) -> None:
    answer = shared_assistant.ask("What are the stages of the programme?")

    assert not answer.abstained, answer.text
    assert cited_quotes(answer)[0] == LIST_SENTENCE
    # A good-practice record's first sentence is led by the record's name and fields.
    assert answer.text.startswith(f"Green Cluster Pathway (GreenBridge; Andalusia, Spain): {LIST_SENTENCE} [1]")
    assert answer.citations[0].chunk.doc_id == GREEN_DOC


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does the Green Cluster Pathway do?", "The Andalusian Energy Agency helps clusters"),
        ("What are the stages of the Green Cluster Pathway?", LIST_SENTENCE),
    ],
)
def test_a_question_naming_a_good_practice_by_its_title_is_answered(
    shared_assistant, question: str, expected: str
) -> None:
    """Bug: sentences are scored against the question without their document's title, so a question that names a
    good practice by title ("the Green Cluster Pathway") matches no sentence closely enough (best similarity about
    0.32-0.36, threshold 0.45) and the assistant abstains although the top passage is that good practice and
    answers it."""
    answer = shared_assistant.ask(question)

    assert answer.retrieved[0].chunk.doc_id == GREEN_DOC
    assert not answer.abstained, answer.text
    assert any(quote.startswith(expected) for quote in cited_quotes(answer)), answer.text


def test_a_short_factual_answer_stays_within_the_budget(shared_assistant) -> None:
    answer = shared_assistant.ask("How should regions choose indicators for monitoring?")

    assert not answer.abstained, answer.text
    assert 1 <= len(answer.sentences) <= 3
    assert len(answer.text.split()) <= 130
    assert all(c.chunk.doc_id == "briefs/monitoring-strategies" for c in answer.citations)


def test_a_question_for_several_things_gets_the_list_budget(shared_assistant) -> None:
    """ "Which indicators …" asks for a plural: the answer may run past a chat answer's three sentences (to the
    list budget), and stays on the one brief that holds them."""
    answer = shared_assistant.ask("Which indicators should regions choose for monitoring?")

    assert not answer.abstained, answer.text
    assert 3 < len(answer.sentences) <= WriterSettings().long_sentences
    assert len(answer.text.split()) <= WriterSettings().long_words + 10 * len(answer.citations)
    assert all(c.chunk.doc_id == "briefs/monitoring-strategies" for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "nearest"),
    [
        ("How much did the Green Cluster Pathway cost?", GREEN_DOC),
        ("What was the budget of the Baltic Design Sprint?", "good_practices/baltic-design-sprint"),
        ("What cluster programme does Finland run?", None),
        ("How does Estonia support its clusters?", None),
        # A name without the role asked about, a region for a city, another year: adjacent, not answered.
        ("Who is the director of the Pomeranian Development Agency?", SEED_DOC),
        ("In which city is the Andalusian Energy Agency based?", GREEN_DOC),
        ("How many projects did the Pomeranian Seed Fund finance in 2019?", SEED_DOC),
    ],
)
def test_an_unanswerable_question_on_an_adjacent_topic_abstains_listing_the_nearest_documents(
    shared_assistant, question: str, nearest: str | None
) -> None:
    answer = shared_assistant.ask(question)

    assert answer.abstained, answer.text
    assert answer.citations == ()
    assert answer.retrieved, "an abstention still shows what was found"
    assert 1 <= len(answer.nearest) <= 3
    assert len({d.doc_id for d in answer.nearest}) == len(answer.nearest)
    assert answer.nearest[0].doc_id == answer.retrieved[0].chunk.doc_id
    if nearest:
        assert answer.nearest[0].doc_id == nearest
    said, _, listed = answer.text.partition(" The nearest documents are: ")
    assert listed, answer.text
    assert said == NOT_COVERED or said.startswith("I found nothing in the documents about "), said
    for document in answer.nearest:
        assert document.title in answer.text
    assert "[1]" not in answer.text


def test_the_answer_step_embeds_only_the_question(shared_assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentence vectors come from the index: one text (the question) is embedded per ask, however many
    sentences the retrieved passages hold; a document's title is embedded once per process, when first met."""
    questions = ["What are the stages of the programme?", "What cluster programme does Finland run?"]
    embedded: list[str] = []
    real_embed = MiniLMEmbedder.embed

    def counting_embed(self, texts, **kwargs):
        embedded.extend(texts)
        return real_embed(self, texts, **kwargs)

    monkeypatch.setattr(MiniLMEmbedder, "embed", counting_embed)
    for question in questions:
        shared_assistant.ask(question)
    titles = [text for text in embedded if text not in questions]
    assert len(titles) == len(set(titles))
    assert set(titles) <= {d.title for d in shared_assistant.documents()}
    embedded.clear()

    answer = shared_assistant.ask(questions[0])
    shared_assistant.ask(questions[1])

    assert not answer.abstained
    assert embedded == questions


def test_timings_add_up(shared_assistant) -> None:
    timings = shared_assistant.ask("What are the stages of the programme?").timings_ms

    assert set(timings) == {"retrieve", "answer", "total"}
    assert min(timings.values()) >= 0
    assert timings["retrieve"] + timings["answer"] == pytest.approx(timings["total"], abs=0.01)


@pytest.mark.parametrize(
    ("question", "doc_id", "fact"),
    [
        ("Who runs the Pomeranian seed fund?", SEED_DOC, "Pomeranian Development Agency"),
        ("Which region is the Green Cluster Pathway from?", GREEN_DOC, None),
    ],
)
def test_who_and_which_region_questions_the_documents_cover_are_answered(
    shared_assistant, question: str, doc_id: str, fact: str | None
) -> None:
    answer = shared_assistant.ask(question)

    assert not answer.abstained, answer.text
    assert answer.citations[0].chunk.doc_id == doc_id
    assert fact is None or fact in answer.text


def test_a_question_about_a_rare_name_is_answered_from_the_sentence_that_names_it(shared_assistant) -> None:
    """MiniLM gives "What did Müller lead?" a low cosine to every sentence; the name itself is the evidence."""
    answer = shared_assistant.ask("What did Müller lead?")

    assert not answer.abstained, answer.text
    assert "Müller" in answer.citations[0].quote


def test_a_question_naming_a_section_is_answered_from_that_section(shared_assistant) -> None:
    """A terse question is far from every sentence by cosine, but it names the section it is about."""
    answer = shared_assistant.ask("Involving stakeholders: what then?")

    assert not answer.abstained, answer.text
    assert answer.citations[0].chunk.section == "Involving stakeholders"


@pytest.fixture(scope="module")
def broadband_assistant(tmp_path_factory: pytest.TempPathFactory):
    """A real index (real model, embedded Chroma) of one helpdesk answer whose list spans two passages."""
    from assistant.service import Assistant
    from ingest import Config, ingest

    corpus = tmp_path_factory.mktemp("broadband") / "corpus"
    (corpus / "helpdesk").mkdir(parents=True)
    (corpus / "helpdesk" / "rural-broadband.md").write_text(BROADBAND, encoding="utf-8")
    config = Config(index_dir=tmp_path_factory.mktemp("broadband-index"))
    assert not ingest([corpus], config).failed
    return Assistant(config)


def test_a_list_that_runs_over_a_passage_boundary_is_given_whole(broadband_assistant) -> None:
    """Six long items do not fit one passage: every item is quoted, from both passages, whole when the list
    budget allows and by its head otherwise."""
    answer = broadband_assistant.ask("What barriers to rural broadband did the working group identify?")

    assert not answer.abstained, answer.text
    for head, _ in BROADBAND_BARRIERS:
        assert f"- {head}" in answer.text
    assert len({c.chunk.chunk_id for c in answer.citations}) >= 2
    assert all(c.quote in c.chunk.text for c in answer.citations)


def test_a_lead_in_ending_with_a_colon_brings_its_list_whatever_the_question_says(broadband_assistant) -> None:
    """Bug (fresh set 8, "What problems did COVID create for clusters?"): a question not worded as a list question
    was answered with the lead-in alone, "… five challenges for clusters …, namely: [1]", and one item."""
    question = "What is holding back rural broadband, according to the working group on connectivity?"
    answer = broadband_assistant.ask(question)

    assert not answer.abstained, answer.text
    assert answer.citations[0].quote.endswith("namely:"), answer.text
    for head, _ in BROADBAND_BARRIERS:
        assert f"- {head} [" in answer.text


def test_an_answer_quotes_no_question_the_document_asks_itself(broadband_assistant) -> None:
    answer = broadband_assistant.ask("How were the six barriers chosen?")

    assert not answer.abstained, answer.text
    assert RANKING_SENTENCE in [c.quote for c in answer.citations]
    assert all(not c.quote.rstrip().endswith("?") for c in answer.citations)


def test_the_sentence_after_the_lead_completes_the_answer(shared_assistant) -> None:
    """Bug (fresh set 6, "What does trust actually make possible between the partners?"): the answer was the one
    sentence that names the subject ("… to create and maintain trust between the partners"); the sentence after it,
    which says what the question asks ("Trust is essential to create an atmosphere wherein …"), scored below the
    similarity floor for extra sentences and was left out."""
    lead = "Working groups of firms, universities and public bodies should meet at least twice a year to review the"
    after = "Their members often notice bottlenecks, such as slow payments or unclear eligibility rules, before any"

    answer = shared_assistant.ask("How often should the working groups meet to review the data?")

    assert not answer.abstained, answer.text
    quotes = cited_quotes(answer)
    assert quotes[0].startswith(lead), answer.text
    assert any(q.startswith(after) for q in quotes), answer.text
    assert quotes.index(next(q for q in quotes if q.startswith(after))) == 1  # read in the document's order


@pytest.mark.parametrize(
    "question",
    [
        # Bug (fresh set 8): "the documents found do not mention ict" - the asker's own cluster, not the subject.
        "Our Lisbon cluster is setting up monitoring. Which indicators should regions choose?",
        # Bug (fresh set 8): "the documents found do not mention basques" - the text says "Basque".
        "What do the Pomeranians finance with their seed fund?",
        # Bug (spent set 33, ss025): a request typed into the chat, "the documents found do not mention portugal".
        "Draft a reply to a managing authority in Portugal that asks how the Pomeranian Seed Fund pairs firms with "
        "universities.",
    ],
)
def test_a_question_is_not_refused_for_the_askers_own_names_or_a_plural(shared_assistant, question: str) -> None:
    answer = shared_assistant.ask(question)

    assert not answer.abstained, answer.abstention_reason


def test_a_sentence_that_restates_its_documents_title_scores_lower(shared_assistant) -> None:
    """A record's opening sentence ("… the innovation audit is a programme to assess …") matches any question about
    the record; 0.1 × its cosine to the title is taken off so that a sentence saying something more can lead."""
    question = "Did the Pomeranian Seed Fund achieve anything concrete?"
    vector = shared_assistant.embedder.embed_query(question)
    passages = shared_assistant.ask(question).retrieved[:5]
    plain = ExtractiveWriter(shared_assistant.store, WriterSettings(title_weight=0.0))
    writer = ExtractiveWriter(shared_assistant.store, WriterSettings(), shared_assistant.embedder.embed_query)

    before = {c.sentence.sentence_id: c for c in plain._score(question, vector, passages)}
    after = writer._score(question, vector, passages)

    assert after and len(after) == len(before)
    for candidate in after:
        title = shared_assistant.embedder.embed_query(candidate.passage.chunk.title)
        expected = before[candidate.sentence.sentence_id].score - 0.1 * float(candidate.vector @ title)
        assert candidate.score == pytest.approx(expected, abs=1e-6)
    assert len({c.passage.chunk.title for c in after}) > 1  # several documents, several titles


def test_a_two_part_questions_figure_is_not_required_next_to_the_other_parts_names(shared_assistant) -> None:
    """Bug (fresh set 9): "Santara Valley: how much was invested …, and what does the MITA contributor say …?" was
    refused with "no passage gives the money for mita": the amount had to stand next to the other part's name."""
    question = "How many projects did the Pomeranian Seed Fund finance, and what does the Andalusian Energy Agency do?"
    answer = shared_assistant.ask(question)

    assert not answer.abstained, answer.abstention_reason
    assert FIGURE_SENTENCE in cited_quotes(answer), answer.text


def test_a_second_ask_for_a_date_the_documents_do_not_give_is_not_answered(shared_assistant) -> None:
    """Bug (fresh set 9): "Has Szombathely's strategy been adopted yet, and when did the city approve it?" was
    answered with "… is currently designing its strategy": only a question that starts with "when" asked for a date."""
    answer = shared_assistant.ask("What does the Pomeranian Seed Fund support, and when did it start?")

    assert answer.abstained, answer.text
    assert "date" in answer.abstention_reason


def test_a_question_about_what_has_happened_since_is_not_answered(shared_assistant) -> None:
    """Bug (fresh sets 7-9): "Has Szombathely adopted its 2030 strategy yet?" was answered with "… is currently
    designing its economic development strategy": the documents are a snapshot and cannot say what came after."""
    answer = shared_assistant.ask("Is the Pomeranian Seed Fund still running?")

    assert answer.abstained, answer.text
    assert "since" in answer.abstention_reason
    assert answer.nearest[0].doc_id == SEED_DOC


def test_a_question_about_who_may_take_part_is_not_answered_by_what_the_scheme_does(shared_assistant) -> None:
    """Spent sets' misses: "Can companies from outside the region apply for InoStartas LT vouchers?" was answered
    with what the vouchers are for; nothing in the documents says who may apply."""
    answer = shared_assistant.ask("Can firms from outside Pomerania apply to the Pomeranian Seed Fund?")

    assert answer.abstained, answer.text
    assert "eligibility" in answer.abstention_reason
    assert answer.nearest[0].doc_id == SEED_DOC


def test_a_question_for_things_of_a_kind_the_passages_never_speak_of_is_not_answered(shared_assistant) -> None:
    """Spent sets' misses: "Which KPIs does Piedmont use to monitor its seven clusters?" was answered with how
    Piedmont set up its clusters; no passage speaks of indicators for them."""
    answer = shared_assistant.ask("What criteria did the Pomeranian Seed Fund use to pick its projects?")

    assert answer.abstained, answer.text
    assert "kind of thing" in answer.abstention_reason


def test_a_question_for_things_of_a_kind_the_passages_speak_of_is_answered(shared_assistant) -> None:
    answer = shared_assistant.ask("Which steps does theory-based evaluation trace?")

    assert not answer.abstained, answer.abstention_reason
    assert any("traces the steps" in quote for quote in cited_quotes(answer)), answer.text


@pytest.mark.parametrize(
    ("sentence", "name", "expected"),
    [
        (
            "Several regions have a long track record, such as Flanders (Belgium), Catalonia (Spain), "
            "Lower and Upper Austria (Austria), Pomorskie (Poland) and Berlin-Brandenburg (Germany).",
            "upper austria",
            True,
        ),
        # Bug (fresh set 13): "the documents only list mita among others" - an organisation's name with commas in it
        # ("Agency for Science, Innovation and Technology") was taken for a list.
        (
            "Rima Dijkstra, Agency for Science, Innovation and Technology (MITA), highlights that effective "
            "science-industry cooperation requires mutual benefits.",
            "mita",
            False,
        ),
    ],
)
def test_a_name_only_listed_among_others_is_told_from_a_name_with_commas(
    sentence: str, name: str, expected: bool
) -> None:
    assert _in_enumeration(sentence, [name]) is expected


def test_a_name_is_found_whatever_its_accents() -> None:
    """Bug (fresh set 13): "I'm with Région Sud. Does the brief say anything about what our clusters do on climate?"
    was refused: the brief's paragraph says "Region SUD", without the accent."""
    text = _plain("In some regions, such as Region SUD Provence-Alpes-Côte-d’Azur, clusters support climate plans.")

    assert _named_in("région", text)
    assert _named_in("cote", text)
    assert not _named_in("occitanie", text)


def test_a_country_is_found_as_its_nationality() -> None:
    """Bug (fresh set 14): "In what year did France start its pôles de compétitivité programme …?" was refused: the
    sentence says "the French Government launched …"."""
    text = _plain("In 2005, the French Government launched a national cluster programme.")

    assert _named_in("france", text)
    assert _named_in("french", text)
    assert not _named_in("italy", text)


def test_a_year_no_passage_mentions_is_missing_like_a_name(shared_assistant) -> None:
    """Spent set 24 (l002): a request about "the 2022 energy price crisis" was answered with cluster figures of
    no year; a year the question is about must be in the passages, as its names must."""
    answer = shared_assistant.ask("How did the Green Cluster Pathway change its energy use in 2031?")
    assert answer.abstained
    assert answer.abstention_reason == "the documents found do not mention 2031"

    answered = shared_assistant.ask("How did the Green Cluster Pathway change its energy use?")
    assert not answered.abstained, answered.text
