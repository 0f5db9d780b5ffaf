"""What a question asks for and whether a sentence holds it: the rules behind abstaining on adjacent topics."""

from __future__ import annotations

import pytest

from assistant.text import asked_names, asked_sentences, is_list_question, proper_terms
from assistant.writers.extractive.answer_types import (
    asked_focus,
    asks_about_later_events,
    counted_nouns,
    expected_answer_type,
    has_answer_type,
    has_count_of,
    question_constraints,
    typed_part,
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the cluster manager at Biosaxony?", "person"),
        ("Who wrote the foreword of the brief?", "person"),
        ("Which organisation is the lead partner of CLUSTERFY?", "person"),
        ("In which city is the science park?", "place"),
        ("Which countries do the associations come from?", "place"),
        ("Where is the agency based?", "place"),
        ("Where do I find the label criteria?", None),  # a resource, not a place
        ("Where are health and social problems most common?", None),  # a circumstance, not a place
        ("Who recovered the fumble and ran the ball in?", None),  # an action, not a role
        ("How big was the team of peers?", "number"),
        ("How long does a matchmaking session last?", "duration"),
        ("How long is the questionnaire?", None),  # a length in questions, not a duration
        ("How much ERDF funding did C3-Saxony receive?", "money"),
        # Money asked for in other words: a budget with qualifiers, a fee, a price to pay, what something is worth.
        ("Roughly what was the total EU budget behind the INNOSUP projects?", "money"),
        ("Is there a fee for registering our cluster organisation?", "money"),
        ("What would a start-up have to pay to use the makerspace?", "money"),
        ("How much is one of the vouchers worth?", "money"),
        ("What is the main aim of the budget?", None),
        ("What does the programme fund?", None),
        # Found among fresh sets 6 and 7's misses after their one run: a value, a ceiling, plural organisations, a
        # department, and how often.
        ("What was the value of the innovation vouchers the firms got?", "money"),
        ("What is the maximum voucher a firm can get?", "money"),
        ("What is the value of cross-cluster collaboration?", None),  # a benefit, not an amount
        ("Which organisations manage the seven clusters?", "person"),
        ("Which department of the regional government runs the programme?", "person"),
        ("How often is the cluster mapping data updated?", "frequency"),
        ("How does our region apply for a matchmaking session?", "procedure"),
        ("Is there an online form?", "procedure"),
        ("How do regions apply smart specialisation principles?", None),  # "apply" as in use
        # Found among fresh set 9's misses after its one run.
        ("What's the typical annual budget of a cluster organisation?", "money"),
        # Found among fresh set 11's misses after its one run.
        ("How big is the budget for the new instrument?", "money"),
        ("What did the new facility cost?", "money"),
        ("How big was the team of peers?", "number"),
        ("How frequently should we report our indicators?", "frequency"),
        # Found among the 655 spent questions' misses this session: a budget asked for with "what budget has", a
        # value asked for with "worth", and who may take part or draw on a fund.
        ("What budget has the Commission earmarked for the new instrument?", "money"),
        ("What is each innovation voucher worth?", "money"),
        ("Can companies from outside the region apply for the vouchers?", "eligibility"),
        ("Can partners from non-EU countries take part in the project?", "eligibility"),
        ("Is a cluster organisation allowed to be lead partner?", "eligibility"),
        ("Does our region have to be a partner to use the helpdesk?", "eligibility"),
        ("Can our clusters get money from the Just Transition Fund?", "eligibility"),
        ("We run a coal-region cluster. Can we get funding from the Just Transition Fund?", "eligibility"),
        ("Can SMEs get support from the pôles de compétitivité?", None),  # answered by what the pôles do
        ("Can Basque firms reach Digital Innovation Hubs outside the Basque Country?", None),  # where, not who
        ("What do cluster organisations have to deliver?", None),  # an obligation asked about, not eligibility
        ("What's the deadline for applying for a peer review?", "deadline"),
        ("When does the first call for proposals close?", "deadline"),
        ("When did the programme start?", "date"),
        # Found among fresh set 13's misses after its one run.
        ("Does the makerspace charge start-ups a fee?", "money"),
        ("when?", "date"),  # the second ask of "Did the facility open, and when?"
        # Found among fresh set 14's misses after its one run.
        ("How much of the budget had to go directly to SMEs?", "percent"),
        ("What is the maximum InoStartas LT voucher an SME can get?", "money"),
        ("What is the top priority of the grants?", None),
        # Found among fresh set 16's misses after its one run.
        ("What funding does a strategic cluster partnership get under COSME?", "money"),
    ],
)
def test_the_kind_of_fact_a_question_asks_for(question: str, expected: str | None) -> None:
    assert expected_answer_type(question) == expected


def test_a_who_question_needs_a_new_name_and_the_role_it_asks_about() -> None:
    question = "Who is the managing director of NOI AG?"
    assert not has_answer_type("NOI AG manages the South Tyrol Science and Technology Park.", "person", question)
    assert has_answer_type("Anna Rossi is the managing director of NOI AG.", "person", question)
    assert not has_answer_type("The managing director of NOI AG is appointed yearly.", "person", question)


def test_a_role_said_another_way_and_names_with_particles_count() -> None:
    founding = "The Muslim Brotherhood was founded in Ismailiyah, Egypt in 1928 by Hassan al Banna."
    assert has_answer_type(founding, "person", "Who founded the Muslim Brotherhood?")
    directing = "Robert R. Gilruth's Space Task Group had been directing the manned space programme."
    assert has_answer_type(directing, "person", "Who originally led the Space Task Group?")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Working groups should meet at least twice a year to review the data.", True),
        ("The map is updated every two years.", True),
        ("Indicators are reported quarterly to the managing authority.", True),
        ("Each project paired a firm with a laboratory for eighteen months.", False),  # a duration
        ("The platform updates its cluster mapping data.", False),
    ],
)
def test_how_often_is_answered_by_a_frequency(sentence: str, expected: bool) -> None:
    assert has_answer_type(sentence, "frequency", "How often is the data updated?") is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The call is open to cluster organisations from EU Member States only.", True),
        ("Applicants must be registered in Lithuania.", True),
        ("Partners from third countries can take part at their own cost.", True),
        ("InoStartas LT offers vouchers for startups and SMEs at different Technology Readiness Levels.", False),
        ("The Basque Country introduced a pilot voucher scheme for Basque firms.", False),
    ],
)
def test_who_may_take_part_is_answered_by_terms_of_eligibility(sentence: str, expected: bool) -> None:
    question = "Can companies from outside the region apply for the vouchers?"
    assert has_answer_type(sentence, "eligibility", question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which KPIs does Piedmont use to monitor its clusters?", {"kpi", "indic", "metric"}),
        ("What criteria did the French government use?", {"criteria", "criterion"}),
        ("Which universities are part of the network?", {"univers"}),
        ("Which Digital Innovation Hubs can Basque firms use?", {"hub", "dih"}),
        ("Which company runs the park?", None),  # one name: a person-or-body question, not a kind
        ("What roles can clusters take on?", None),  # "roles" is no kind of thing to be named
        ("Which sectors are the Piedmont clusters in?", None),  # listed without the word: "Agri-food, Textile, …"
        ("Can you list the steps of the Danish design ladder?", {"step", "stage", "phase"}),  # fresh set 16
    ],
)
def test_a_question_for_things_of_a_kind_names_the_words_for_that_kind(question: str, expected: set | None) -> None:
    focus = asked_focus(question)
    assert (focus if focus is None else set(focus)) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Applications are open until 15 March 2024.", True),
        ("The call closes in September.", True),
        ("The deadline for proposals is 30 June 2022.", True),
        ("The Policy Learning Platform organised an online peer review in June 2021.", False),  # a date, no closing
        ("A new instrument is proposed for 2021-2027.", False),
    ],
)
def test_a_deadline_is_a_closing_date(sentence: str, expected: bool) -> None:
    assert has_answer_type(sentence, "deadline", "When does the call close?") is expected


def test_a_duration_is_a_span_of_time_or_an_end() -> None:
    question = "How long after the questionnaire do companies get the recommendations?"
    assert has_answer_type("Matchmaking sessions are two-hour meetings.", "duration", question)
    assert has_answer_type("A peer review lasts 2 full days.", "duration", question)
    assert has_answer_type("The plague lasted until the 19th century.", "duration", question)
    assert not has_answer_type("The audit has three phases and 45 questions.", "duration", question)


def test_part_of_a_county_is_a_place() -> None:
    text = "Newcastle was part of the county of Northumberland until 1400."
    assert has_answer_type(text, "place", "What county was Newcastle a part of until 1400?")


def test_a_text_names_its_author_without_saying_wrote() -> None:
    text = "Marek Przeor, Cluster Policy DG GROW, European Commission"
    assert has_answer_type(text, "person", "Who wrote the foreword?")


def test_a_city_is_not_answered_by_a_country_a_region_field_or_an_acronym() -> None:
    question = "In which city is Santara Valley located?"
    assert not has_answer_type("In Lithuania, Santara Valley does research in ICT.", "place", question)
    assert not has_answer_type("Region: northern Netherlands; Country: Netherlands", "place", question)
    assert not has_answer_type("In the Interreg Europe project CLUSTERFY, it grew.", "place", question)
    assert has_answer_type("The park was built in Vilnius, Lithuania.", "place", question)


def test_where_a_french_programme_is_based_is_not_answered_by_france() -> None:
    """Bug (fresh set 16): "Which of the French pôles covers aerospace, and where is it based?" was answered: the
    record's field "Region: France (national programme)" was taken for a new place."""
    question = "Which of the French pôles covers aerospace, and where is it based?"
    assert not has_answer_type("Region: France (national programme); Country: France", "place", question)
    assert not has_answer_type("The pôles are spread over France.", "place", question)
    assert has_answer_type("The aerospace pôle is based in Toulouse.", "place", question)


def test_a_region_is_answered_by_a_region_field_but_not_by_the_country() -> None:
    question = "Which region runs the Green Cluster Pathway?"
    assert has_answer_type("Region: Andalusia; Country: Spain", "place", question)
    assert not has_answer_type("Country: Spain", "place", question)


def test_a_figure_the_question_gives_is_not_its_answer() -> None:
    question = "We know 96 research groups joined — how many research groups are in the network?"
    text = "The projects involved 104 private companies and 96 research groups."
    assert has_answer_type(text, "number", question)  # 104 is new…
    assert not has_count_of(text, counted_nouns(question), question)  # …but it counts companies, not groups
    assert has_count_of(text, counted_nouns("How many research groups took part?"), "How many groups took part?")


def test_how_many_of_the_counts_the_noun_after_the_figure() -> None:
    assert counted_nouns("How many of the 198 high-performing clusters are in Germany?") == {"high-perform", "cluster"}


def test_years_and_countries_constrain_the_answer() -> None:
    assert question_constraints("How much did C3-Saxony receive in 2019 in Germany?") == ["2019", "germany"]
    assert question_constraints("Which Italian region hosted the study tour?") == ["italian"]


def test_a_year_the_question_counts_from_is_no_constraint() -> None:
    """Bug (fresh set 13): "How many clusters did Piedmont support before its 2015 revision …?" was refused with "no
    passage gives the number for 2015": the answer ("Back in 2009, … 12 clusters") is about an earlier year."""
    assert question_constraints("How many clusters did Piedmont support before its 2015 revision?") == []
    assert question_constraints("What changed after 2015 in Germany?") == ["germany"]
    assert question_constraints("How many pôles existed as of August 2021?") == []


def test_who_the_asker_is_names_nothing_the_documents_must_mention() -> None:
    """Bug (fresh set 14): "I'm with a German Land ministry and have heard of C3-Saxony. …" was refused with "the
    documents found do not mention land"."""
    question = "I'm with a German Land ministry and have heard of C3-Saxony. Which clusters does it link?"
    assert asked_names(question) == ["c3-saxony"]
    assert asked_names("I work for the Lombardy region. What does the brief say about Lombardy?") == ["lombardy"]


def test_a_pronoun_and_a_name_with_a_suffix_are_read_as_such() -> None:
    """Bugs (fresh set 18): refused with "the documents found do not mention i'd" and "… innosup-style"."""
    assert asked_names("As a board member I'd like to know what strategic governance covers.") == []
    assert asked_names("We're joining an INNOSUP-style consortium. What went to SMEs?") == ["innosup", "sme"]


def test_a_plural_acronym_is_looked_for_in_the_singular() -> None:
    assert proper_terms("Besides IPCEIs, which alliances could clusters foster?") == ["ipcei"]


def test_the_askers_own_things_are_not_names_the_documents_must_mention() -> None:
    question = "We want our ICT cluster and my Horizon team to work with Biosaxony. What is the biggest challenge?"
    assert proper_terms(question) == ["ict", "horizon", "biosaxony"]
    assert asked_names(question) == ["biosaxony"]
    assert asked_names("Which ICT cluster works with our region?") == ["ict"]


@pytest.mark.parametrize(
    ("question", "part"),
    [
        (
            "Santara Valley: how much was invested to get it started, and what does the MITA expert say matters?",
            "Santara Valley: how much was invested to get it started",
        ),
        ("What does the MITA expert say? How many firms joined?", "How many firms joined?"),
        ("What TRL jump did it support and how many firms were involved?", "how many firms were involved?"),
        ("How many projects did the seed fund finance?", "How many projects did the seed fund finance?"),
        ("What is the fund, and what does it do?", "What is the fund, and what does it do?"),  # no typed part
    ],
)
def test_the_typed_part_of_a_two_part_question(question: str, part: str) -> None:
    assert typed_part(question) == part


def test_a_minimum_number_of_things_is_a_count_of_them() -> None:
    assert counted_nouns("Was there a minimum number of member companies?") == {"member", "compani"}


def test_a_month_is_not_a_place() -> None:
    question = "Which regions did the peers come from?"
    assert not has_answer_type("The peer review took place in June 2021.", "place", question)
    assert has_answer_type("The peers came from Flanders and Upper Austria.", "place", question)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Has Szombathely adopted its 2030 strategy yet?", True),
        ("Is the Cluster Excellence Programme still open for applications?", True),
        ("Has the 2030 strategy since been adopted by the city?", True),  # fresh set 15, after its one run
        ("Did the city go on to join an Interreg Europe project?", True),
        ("Was the voucher pilot made permanent after the pilot phase?", True),
        ("Has the Commission updated the strategy since March 2020?", True),
        ("How many companies have gone through the audit so far?", True),
        ("How many customers had yet to receive the service?", False),  # "yet to": not later events
        ("Which players went on to coach a team?", False),  # what the text tells, not what came after it
        ("Who has elected the mayor since 1990?", False),
        ("Is cluster policy still relevant for small regions?", False),
    ],
)
def test_a_question_about_what_happened_after_the_documents(question: str, expected: bool) -> None:
    assert asks_about_later_events(question) is expected


def test_how_to_apply_is_answered_by_a_procedure() -> None:
    question = "How do we apply for a voucher?"
    assert has_answer_type("Applications are submitted through the online form.", "procedure", question)
    assert has_answer_type("Please contact us through our on-demand policy helpdesk.", "procedure", question)
    assert not has_answer_type("The scheme supports start-ups at three readiness levels.", "procedure", question)


def test_a_capital_that_starts_a_later_sentence_is_not_a_name() -> None:
    """Bug (fresh set 10): "… working together. According to the Saxon expert …" was refused with "the documents
    found do not mention according"."""
    question = "We want our clusters to work together. According to the Saxon expert, what matters? NOI AG agrees."
    assert proper_terms(question) == ["saxon", "noi", "ag"]


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        (
            "We're revising our S3. In which parts of the S3 process can clusters help?",
            "In which parts of the S3 process can clusters help?",
        ),
        ("Who manages the fund?", "Who manages the fund?"),
        ("What is a cluster? Is there a standard definition?", "What is a cluster? Is there a standard definition?"),
        ("Tell me about the Piedmont clusters.", "Tell me about the Piedmont clusters."),
    ],
)
def test_the_asking_sentences_of_a_question(question: str, asked: str) -> None:
    assert asked_sentences(question) == asked


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("What are the five policy recommendations of the brief?", True),
        ("Which kinds of evaluation methods does the brief describe?", True),
        ("Which Interreg Europe projects does the helpdesk answer name?", True),
        ("Which methodological tools for evaluating clusters does the brief list?", True),
        ("Our new cluster is being set up. Which actions does Table 1 list?", True),
        ("What is the role of clusters in the twin transition?", False),
        ("What is an innovation voucher?", False),
        ("Which good practice came out of the TITTAN project?", False),
        ("What does the brief say about SMEs?", False),
    ],
)
def test_a_question_for_several_things_is_told_by_its_plural(question: str, several: bool) -> None:
    """No list of nouns ("stages", "recommendations", … 50 of them, and "methods" or "projects" missing): the
    noun phrase the question asks for is plural or not."""
    assert is_list_question(question) is several


@pytest.mark.parametrize(
    ("question", "constraints"),
    [
        ("How many INNOSUP projects did Horizon 2020 fund?", []),  # the year is part of a programme's name
        ("Which projects did Europe 2020 fund in 2014?", ["2014"]),
        ("What did the city decide in March 2021?", ["2021"]),  # a month is no name
        ("In 2019, what did the agency do?", ["2019"]),  # nor is a word that opens the sentence
    ],
)
def test_a_year_inside_a_name_is_not_a_year_the_question_is_about(question: str, constraints: list[str]) -> None:
    """Bug (spent set 23, f025): "How many INNOSUP projects did Horizon 2020 fund?" required the year 2020 next to
    the count, and abstained although "Some 25 INNOSUP projects were funded" answers it."""
    assert question_constraints(question) == constraints


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Was sagt das Vorwort des Policy Briefs über die Covid-19-Pandemie?", ["covid-19"]),
        ("Wie hilft die S3-Strategie den KMU-Clustern?", ["s3", "kmu"]),
        ("What did INNOSUP-1 fund?", ["innosup-1"]),  # a code's own number stays
    ],
)
def test_a_compound_built_on_a_code_names_the_code(question: str, names: list[str]) -> None:
    """Bug (spent set 23, f037): a German question abstained because no document mentions
    "covid-19-pandemie"; the brief names COVID-19."""
    assert asked_names(question) == names


def test_the_whole_message_decides_whether_capitals_mark_names() -> None:
    """Sealed set 34 (vv029): the asking sentence alone has too few German function words, so "Litauen" and
    "Forschung" were names the English documents had to hold; the German introduction before it says otherwise."""
    message = (
        "Guten Tag, wir planen im Freistaat Thüringen einen Campus von Hochschulen und Unternehmen. "
        "Wozu wurde Santara Valley in Litauen geschaffen – ging es um öffentliche oder um private Forschung?"
    )
    asking = asked_sentences(message)

    assert "forschung" in asked_names(asking)
    assert asked_names(asking, message) == []
    assert asked_names(
        "Why was Santara Valley set up in Lithuania?", "Why was Santara Valley set up in Lithuania?"
    ) == [
        "santara",
        "valley",
        "lithuania",
    ]
