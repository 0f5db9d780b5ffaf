"""What kind of fact a question asks for, and whether a sentence holds one: the writer's answerability check.

A question asking for an amount, a share, a date or deadline, a frequency, a procedure, who may take part, a count, a
project, a person or a place is only answered by a sentence that holds such a fact; "Who manages Biosaxony?" is not
answered by a sentence that merely names Biosaxony. A question for things of a kind ("which KPIs") is only answered by
a passage that speaks of that kind. A question about what has happened since the documents were written is not
answered from them. Hand-written because llama-index has no answer-type logic for extractive answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.text import blank_relative_clauses, content_terms, proper_terms, stems, words

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand million billion"
)
HAS_NUMBER = re.compile(rf"\d|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b", re.IGNORECASE)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_SUBNATIONAL = r"(?:city|town|village|municipality|province|county|region|district)(?:s|ies)?"
_AUTHORSHIP = frozenset(stems(["wrote", "writes", "write", "written", "author", "authors"]))
# Ways of saying the same role: "Who led the group?" is answered by "… was headed by X".
_ROLE_SYNONYMS = {
    stem: group
    for synonyms in (
        "lead led leader leads head headed heads chair chaired direct directed directing directs",
        "found founded founder established establish created create",
        "run runs ran manage manages managed manager operate operates operated",
    )
    for group in [frozenset(stems(synonyms.split()))]
    for stem in group
}
# What a person is asked about: a sentence that names someone answers "who" only if it gives this role.
_ROLES = (
    r"wr[io]tes?|written|authors?|lead(?:s|er|ers)?|led|manag(?:es|ed|er|ers|ing)|found(?:ed|er|ers)"
    r"|heads?|headed|coordinat(?:es|ed|or|ors)|chair(?:s|ed|man|woman|person)?|director|president|ceo|contact"
    r"|partners?|present(?:s|ed)|speak(?:s|er)|spoke"
)

# "Which organisation …", "Which department of the regional government …": answered by a name.
_BODIES = r"person|organi[sz]ations?|agency|agencies|department|ministry|authority"
_AWARDS = r"(?:vouchers?|grants?|subsid(?:y|ies)|loans?|awards?)\b"
# Tried in this order; the first that matches names the kind of fact asked for.
ANSWER_TYPES = (
    ("project", re.compile(r"\b(?:which|what) (?:interreg (?:europe )?)?project\b", re.I)),
    # "How much of the budget had to go to SMEs?" asks for a share of it, not an amount.
    ("percent", re.compile(r"\b(?:share|percentage|proportion|rate)\b|\bhow much of (?:the|its|their|a|an)\b", re.I)),
    (
        "money",
        re.compile(
            r"\bhow much\b.*\b(?:cost|spen[dt]|fund\w*|budget|financ\w*|money|paid|pay|invest\w*|euros?|dollars?"
            r"|worth)\b"
            # "What was the total EU budget …", "Is there a fee for …", "What would a start-up have to pay …"
            r"|\bwhat(?: was| is| were| are|[’']s) the (?:[\w-]+ ){0,3}?(?:budget|cost|price|fee|amount|funding)\b"
            # "What was the value of the vouchers …", "What is the maximum voucher …" (not "the value of clusters")
            rf"|\bvalue of (?:the |a |an |each |one )?(?:[\w-]+ )?{_AWARDS}"
            rf"|\b(?:maximum|minimum|top|largest) (?:(?!of |for |to )[\w-]+ ){{0,3}}?{_AWARDS}"
            r"|\b(?:is|are) there (?:a |any )?(?:fees?|charges?|costs?)\b|\bhave to pay\b"
            # "Does NOI AG charge start-ups a fee …?"
            r"|\bcharg(?:e|es|ed|ing)\b(?: [\w-]+){0,3} (?:a |any )?(?:fees?|price)\b"
            # "How big is the budget for …", "… and what did it cost?"
            r"|\bhow (?:big|large|high)\b.*\b(?:budget|cost|price|fee|funding)\b"
            r"|\bwhat (?:did|does|will|would) (?:[\w-]+ ){1,3}?cost\b"
            # "What funding does a partnership get under COSME?"
            r"|\bwhat (?:[\w-]+ )?funding (?:does|did|do|will|can|could)\b"
            # "What budget has the Commission earmarked …", "What is each voucher worth?"
            r"|\bwhat (?:[\w-]+ )?budget (?:has|have|had|did|does|do|is|was|will)\b"
            r"|\bwhat (?:is|was|are|were) (?:[\w-]+ ){1,5}?worth\b",
            re.I,
        ),
    ),
    ("number", re.compile(r"\bhow (?:much|many)\b|\bwhat (?:number|amount)\b|\bhow (?:large|big)\b", re.I)),
    # "How does our region apply for a matchmaking session?", "Is there an online form?"
    (
        "procedure",
        re.compile(
            r"\bhow (?:do|does|can|should|could) (?:[\w-]+ ){1,3}?"
            r"(?:(?:apply|register|sign up)(?: for\b|\s*[?,])|request|book)"
            r"|\bis there an? (?:[\w-]+ )?(?:form|application)\b",
            re.I,
        ),
    ),
    # A yes/no question about who may take part or draw on a fund: "Can companies from outside the region apply …?",
    # "Is a cluster allowed to be lead partner …?", "Can our clusters get money from the Just Transition Fund?".
    # Not "Can SMEs get support from the pôles?", which a sentence saying the pôles support SMEs answers.
    (
        "eligibility",
        re.compile(
            r"^(?:[^.?]*[.:]\s+)?(?:can|could|may|is|are|do|does)\b.*\b(?:non-EU|non-member|foreign"
            r"|(?:from|based|located|compan(?:y|ies)|firms?|partners?|organi[sz]ations?|SMEs?|applicants?) outside"
            r"|from other (?:countries|regions)|allowed|eligible|entitled|permitted|have to"
            r"|get (?:money|funding|funds|grants?) from)\b",
            re.I,
        ),
    ),
    ("frequency", re.compile(r"\bhow (?:often|frequently)\b|\bat what (?:interval|frequency)\b", re.I)),
    # "How long does a session last?" asks for a duration; "How long is the questionnaire?" does not.
    (
        "duration",
        re.compile(r"\bhow long (?:does|do|did|will|would|can|should|after|before|until|has|have|had)\b", re.I),
    ),
    # "What's the deadline for applying …?", "When does the first call close?": a closing date, not any date.
    (
        "deadline",
        re.compile(
            r"\bdeadlines?\b|^\s*when (?:does|do|will|is|are) (?:[\w-]+ ){1,8}?(?:close|closes|open|opens|due)\b", re.I
        ),
    ),
    (
        "date",
        re.compile(
            r"^\s*when (?:did|was|were|is|will|does|do|has|had)\b|^\s*when\s*\?|\b(?:what|which) year\b|\bsince when\b"
            r"|\bwhat date\b",
            re.I,
        ),
    ),
    ("person", re.compile(rf"\bwho\b.*\b(?:{_ROLES})|\b(?:which|what) (?:{_BODIES})\b", re.I)),
    (
        "place",
        re.compile(
            rf"\bwhere (?:is|are|was|were)\b.*\b(?:located|based|headquartered|situated)\b"
            rf"|\b(?:which|what) (?:\w+ )?(?:{_SUBNATIONAL}|countr(?:y|ies))\b",
            re.I,
        ),
    ),
)
# "Which KPIs does Piedmont use …?", "What criteria did the government use …?" ask for things of a kind: a passage
# that answers speaks of that kind (in the sentence, the one before it, or its title and section); one that speaks
# only of the subject ("Piedmont established seven clusters …") does not. Only kinds whose instances are introduced
# by name ("the criteria are …", "University of …"): sectors, technologies or companies are often listed without the
# word ("clusters in Agri-food, Textile, Life Sciences"). Hand-written: kind -> words for it.
_FOCUS_SYNONYMS = {
    "criteria": "criteria criterion", "indicators": "indicator kpi metric", "kpis": "kpi indicator metric",
    "steps": "step stage phase", "members": "member", "universities": "university", "faculties": "faculty",
    "institutes": "institute", "hubs": "hub dih", "peers": "peer expert", "experts": "expert peer",
    "takeaways": "takeaway conclusion lesson", "conclusions": "conclusion takeaway lesson",
}  # fmt: skip
_FOCUS_QUESTION = re.compile(
    r"\b(?:which|what|list|name) (?:(?:the|all|its|their) )?(?:(?:specific|exact|other|two|three|four|five|six"
    r"|seven|main|key|concrete|participating|international|digital innovation|research|cluster) )?"
    rf"({'|'.join(_FOCUS_SYNONYMS)})\b",
    re.I,
)


def asked_focus(question: str) -> frozenset[str] | None:
    """Stems that a sentence answering ``question`` must hold when it asks for things of a kind ("which KPIs")."""
    match = _FOCUS_QUESTION.search(question)
    return frozenset(stems(_FOCUS_SYNONYMS[match.group(1).lower()].split())) if match else None


# The countries of Europe, so that "which region" is not answered by a country name ("… from Denmark").
COUNTRIES = frozenset(
    """albania andorra austria belgium bosnia bulgaria croatia cyprus czechia denmark estonia finland france germany
    greece hungary iceland ireland italy kosovo latvia liechtenstein lithuania luxembourg malta moldova monaco
    montenegro netherlands norway poland portugal romania serbia slovakia slovenia spain sweden switzerland turkey
    ukraine""".split()  # noqa: SIM905 - a word list reads better as text
)
# "an Italian region" is found in a text that says "Piemonte, Italy".
DEMONYMS = {
    "austrian": "austria", "belgian": "belgium", "bulgarian": "bulgaria", "croatian": "croatia", "czech": "czechia",
    "danish": "denmark", "dutch": "netherlands", "estonian": "estonia", "finnish": "finland", "french": "france",
    "german": "germany", "greek": "greece", "hungarian": "hungary", "irish": "ireland", "italian": "italy",
    "latvian": "latvia", "lithuanian": "lithuania", "norwegian": "norway", "polish": "poland",
    "portuguese": "portugal", "romanian": "romania", "slovak": "slovakia", "slovenian": "slovenia",
    "spanish": "spain", "swedish": "sweden", "swiss": "switzerland",
}  # fmt: skip
_NATIONALITIES = {country: demonym for demonym, country in DEMONYMS.items()}


def place_forms(word: str) -> set[str]:
    """A lower-cased word with its country or nationality: "french" -> {"french", "france"}, and back."""
    return {word, DEMONYMS.get(word, word), _NATIONALITIES.get(word, word)}


_PATTERNS = {
    "project": re.compile(r"\b[A-Z][A-Z0-9.]{3,}\b"),  # Interreg projects go by acronyms: TITTAN, S34GROWTH
    "money": re.compile(r"[€$£]|\b(?:eur|euros?|usd|dollars?)\b", re.I),
    "percent": re.compile(r"%|\bper ?cent\b|\bpercentage\b", re.I),
    "number": HAS_NUMBER,
    "procedure": re.compile(
        r"\b(?:appl(?:y|ies|ied|ying|ications?)|forms?|submit\w*|regist\w*|contact\w*|request\w*|call for|sign up)\b",
        re.I,
    ),
    # Who may take part, and on what terms.
    "eligibility": re.compile(
        r"\b(?:eligib\w*|ineligible|open to|allowed|entitled|permitted|restricted|limited to|reserved for|only|must"
        r"|required|requirements?|conditions?|regardless|(?:can|may|could|cannot|can[’']t) (?:also |not )?"
        r"(?:apply|take part|participate|join|benefit|receive|get|use|be))\b",
        re.I,
    ),
    # "twice a year", "every two years", "once per quarter", "annually"
    "frequency": re.compile(
        r"\b(?:once|twice|thrice|\w+ times) (?:a|an|per|each|every) (?:day|week|month|quarter|semester|year)\b"
        r"|\b(?:every|each) (?:\w+ )?(?:days?|weeks?|months?|quarters?|semesters?|years?)\b"
        r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|biannually|biennially)\b",
        re.I,
    ),
    "deadline": re.compile(
        rf"\b(?:deadlines?|due|clos(?:e|es|ed|ing)|until|no later than|open (?:from|until|between))\b"
        rf".*?(?:\b(?:1[89]|20)\d{{2}}\b|\b(?:{_MONTHS})\b)"
        rf"|(?:\b(?:1[89]|20)\d{{2}}\b|\b(?:{_MONTHS})\b).*?\b(?:deadlines?|due|clos(?:e|es|ed|ing))\b",
        re.I,
    ),
    "date": re.compile(rf"\b(?:1[89]|20)\d{{2}}\b|\b(?:{_MONTHS})\b", re.I),
    "duration": re.compile(
        rf"\b(?:\d+(?:[.,]\d+)?|{'|'.join(_NUMBER_WORDS.split())}|a|an|half)[\s-]+(?:full\s+|calendar\s+)?"
        r"(?:hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)|feet|foot|metres?|meters?|km|miles?)\b"
        rf"|\buntil\b|\b(?:1[0-9]|20)\d{{2}}\b|\b\d+(?:st|nd|rd|th) century\b",  # "until 1850" ends a period too
        re.I,
    ),
}
# "in the Interreg Europe project …" names a programme, not a place.
_NOT_PLACES = r"project|programme|program|platform|initiative|report|strategy|scheme|policy|cluster"
_NAME = r"[A-Z][\w’'.&-]*(?:\s+(?:of |for |de |del |the |and )?[A-Z][\w’'.&-]*)*"
# A person or organisation: two or more capitalised words ("Marek Przeor", "Pomeranian Development Agency").
_PERSON = re.compile(r"\b[A-Z][\w’'.-]+(?:\s+(?:(?:of|for|de|al|van|von|der|bin|da|di|la|le) )?[A-Z][\w’'.-]+)+")
# A place: a capitalised name after a locative word, or a record's Region / Country field.
_PLACE = re.compile(
    rf"\b(?:in|from|near|at|based in|located in|such as|including|(?:part|{_SUBNATIONAL}|state) of)\s+(?:the\s+)?"
    rf"((?>{_NAME}))(?!\s+(?:{_NOT_PLACES}))"
    r"|\bCountry: ([^;\n]+)|\bRegion: ([^;\n]+)"
)
_YEAR_DIGITS = r"(?:1[89]|20)\d{2}"
YEAR = re.compile(rf"\b{_YEAR_DIGITS}\b")


# Where a two-part question's second ask begins: "…, and what does …", "… and how many …", "…? Which …".
_NEXT_ASK = re.compile(
    r"(?:,\s*and|\?|;)\s+(?=(?:what|which|who|whom|where|when|how|why|is|are|does|do|did|was|were|can)\b)"
    r"|\s+and\s+(?=(?:what|which|who|whom|where|when|how|why)\b)",
    re.IGNORECASE,
)


# "Has the strategy been adopted yet?", "Is the programme still open?", "Did they go on to …?": what happened after
# the documents were written, which they cannot say.
_LATER_EVENTS = re.compile(
    r"\byet\b(?! to\b)|\bso far\b|\bgo on to\b|\bmade permanent\b|\bsince then\b|\bsince been\b"
    r"|\b(?:updated|changed|revised|renewed)\b(?: [\w-]+){0,6} since\b"
    r"|\bstill (?:open|running|available|active|in place|operating|funded|going)\b",
    re.IGNORECASE,
)


def asks_about_later_events(question: str) -> bool:
    """Whether ``question`` asks what has happened since the documents were written (adopted yet, still open)."""
    return bool(_LATER_EVENTS.search(question))


def typed_part(question: str) -> str:
    """The ask of a two-part question that names the kind of fact wanted, with everything before it ("Santara
    Valley: how much was invested …" of "…, and what does the MITA contributor say …?"); else the whole question.
    A relative clause asks for nothing ("Rui Matos, who manages a cluster, asks how …" wants no person)."""
    question = blank_relative_clauses(question)
    parts = _NEXT_ASK.split(question)
    if len(parts) < 2:
        return question
    return next((part for part in parts if expected_answer_type(part) or counted_nouns(part)), question)


def expected_answer_type(question: str) -> str | None:
    """The kind of fact asked for: project, percent, money, number, procedure, eligibility, frequency, duration,
    deadline, date, person, place, or None."""
    return next((name for name, pattern in ANSWER_TYPES if pattern.search(question)), None)


def has_answer_type(text: str, answer_type: str | None, question: str = "") -> bool:
    """Whether ``text`` holds a fact of the kind ``answer_type`` that ``question`` does not already name."""
    if answer_type is None:
        return True
    if answer_type == "person":
        return bool(_new_names((m.group() for m in _PERSON.finditer(text)), question)) and _gives_role(text, question)
    if answer_type == "place":
        # A record's Region field answers "which region", not "which city".
        city_level = re.search(r"\b(?:city|cities|town|village|municipality)", question, re.I)
        found = (m.group(1) or m.group(2) or ("" if city_level else m.group(3)) for m in _PLACE.finditer(text))
        # "Region: France (national programme)": the note in brackets is no place.
        places = _new_names((re.sub(r"\s*\([^)]*\)", "", p) if p else p for p in found), question)
        places = [p for p in places if not p.isupper()]  # acronyms name organisations and fields (ICT), not places
        places = [p for p in places if not re.match(rf"(?:{_MONTHS})\b", p, re.I)]  # "in June 2021" is a date
        if re.search(rf"\b{_SUBNATIONAL}\b", question, re.I):
            places = [p for p in places if p.lower() not in COUNTRIES]
        return bool(places)
    # A figure the question itself states ("the 96 research groups") is not its answer.
    given = question.lower()
    return any(m.group().lower() not in given for m in _PATTERNS[answer_type].finditer(text))


def _gives_role(text: str, question: str) -> bool:
    """Whether ``text`` speaks of the role a who-question asks about (the manager, the author …), if any."""
    asked = {stems([w])[0] for m in re.finditer(rf"\b(?:{_ROLES})\b", question, re.I) for w in words(m.group())}
    asked -= _AUTHORSHIP  # a text names its authors ("Marek Przeor, DG GROW") without saying "wrote"
    said = set(stems(words(text)))
    return all(said & _ROLE_SYNONYMS.get(role, {role}) for role in asked)


def _new_names(names: Iterable[str | None], question: str) -> list[str]:
    """Names with a word the question does not contain (the answer, not the question's own subject); a country or
    nationality the question names in the other form counts as contained."""
    asked = set(proper_terms(question)) | set(words(question))
    asked = {form for word in asked for form in place_forms(word)}  # "the French pôles" are in France
    return [n.strip() for n in names if n and set(words(n)) - asked - {"the", "of", "for", "de", "and"}]


# "before its 2015 revision", "as of August 2021": a year the asked fact is placed against, not the year it is about.
_REFERENCE_YEAR = re.compile(
    r"\b(?:before|after|since|until|prior to|following|as of)\s+(?:(?:the|its|their|our|a|an)\s+)?(?:[\w-]+\s+)?"
    r"(?:1[89]|20)\d{2}\b",
    re.IGNORECASE,
)


# A year after a capitalised word is part of a name ("Horizon 2020", "Europe 2020"), not the year a question is
# about, unless the word is a month or a function word ("March 2021", "In 2019, …").
_NAMED_YEAR = re.compile(rf"\b([A-Z][\w-]*)\s+{_YEAR_DIGITS}\b")


def _without_named_years(question: str) -> str:
    def keep_dates(match: re.Match[str]) -> str:
        word = match.group(1).lower()
        is_name = word not in STOPWORDS_EN_PLUS and not re.fullmatch(_MONTHS, word)
        return "" if is_name else match.group()

    return _NAMED_YEAR.sub(keep_dates, question)


def question_constraints(question: str) -> list[str]:
    """The years and countries a question is about ("in 2019", "in Germany"), lower-cased: the sentence that
    answers it must be about the same."""
    countries = [w for w in words(question) if w in COUNTRIES or w in DEMONYMS]
    return asked_years(question) + countries


def asked_years(question: str) -> list[str]:
    """The years a question is about: not a reference point ("since 2015") nor part of a name ("Horizon 2020")."""
    return YEAR.findall(_without_named_years(_REFERENCE_YEAR.sub("", question)))


_COUNT_QUESTION = re.compile(
    r"\b(?:how many|(?:minimum|maximum|total|exact) number of)\s+(?:of\s+(?:the|these|those|its|their)\s+)?"
    r"(?:[\d.,]+\s+)?([\w-]+)(?:\s+([\w-]+))?",
    re.IGNORECASE,
)
_NUMBER_TOKEN = re.compile(rf"^(?:\d[\d.,]*%?|{'|'.join(_NUMBER_WORDS.split())})$", re.IGNORECASE)
COUNT_WINDOW = 4


def counted_nouns(question: str) -> set[str]:
    """Stems of what a 'how many X' (or 'minimum number of X') question counts: the one or two words after."""
    match = _COUNT_QUESTION.search(question)
    if not match:
        return set()
    return set(content_terms(" ".join(g for g in match.groups() if g)))


def has_count_of(text: str, nouns: set[str], question: str = "") -> bool:
    """Whether ``text`` puts a number shortly before one of ``nouns`` ('23 R&D projects'), other than a number
    ``question`` gives itself."""
    tokens = words(text)
    token_stems = stems(tokens)
    given = set(words(question))
    for index, token in enumerate(tokens):
        if (
            _NUMBER_TOKEN.match(token)
            and token not in given
            and nouns & set(token_stems[index + 1 : index + 1 + COUNT_WINDOW])
        ):
            return True
    return False
