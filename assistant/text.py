"""Small text helpers shared by the answer writer and conversation handling: words, terms, question shapes."""

from __future__ import annotations

import functools
import re
import unicodedata

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.chunking import sentence_spans

# Words that shape a question but say nothing about its topic.
QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how does do did is are was were can could should would tell me
    give list name describe explain please about kind type example examples there any much many mean means main
    key role roles""".split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def word_tokens(text: str) -> list[str]:
    """Word tokens as written, without the quote marks or hyphens at their ends ("'Firm Growth'" -> Firm, Growth)."""
    return [token for w in _WORD.findall(text) if (token := w.strip("’'-"))]


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in word_tokens(text)]


def content_terms(text: str) -> list[str]:
    """Stemmed topic words of ``text``: no stop words, no question words, no one-letter tokens."""
    kept = [w for w in words(text) if len(w) > 1 and w not in STOPWORDS_EN_PLUS and w not in QUESTION_WORDS]
    return stems(kept)


def stems(tokens: list[str]) -> list[str]:
    """English Snowball stems (the keyword index's stemmer), so 'projects' matches 'project'."""
    return _stemmer().stemWords(tokens)


_ASKS_WHICH = re.compile(r"\b(?:what|which|list|name)\b", re.IGNORECASE)


def is_list_question(question: str) -> bool:
    """Whether ``question`` asks for several things: the noun phrase after "what"/"which"/"list"/"name" (past a
    leading "are the", up to its first function word) holds a plural ("Which Interreg Europe projects …", "What
    are the five recommendations …", "which kinds of methods …"; not "What is the role of clusters …")."""
    asked = asked_sentences(question)
    for match in _ASKS_WHICH.finditer(asked):
        tokens = words(asked[match.end() :])
        start = next((i for i, t in enumerate(tokens) if t not in STOPWORDS_EN_PLUS), len(tokens))
        end = next((i for i in range(start, len(tokens)) if tokens[i] in STOPWORDS_EN_PLUS), len(tokens))
        if any(_is_plural(token) for token in tokens[start:end]):
            return True
    return False


def _is_plural(token: str) -> bool:
    """A regular English plural noun ("projects", "stages", "SMEs"), not a verb or a singular in -s."""
    if len(token) < 4 or token in STOPWORDS_EN_PLUS or token in QUESTION_WORDS or token.endswith(("ss", "us", "is")):
        return False
    return token.endswith("s") and stems([token])[0] != token


def proper_terms(question: str) -> list[str]:
    """Capitalised words and acronyms inside a question (names, places, programmes), lower-cased."""
    return [name for _, name in _proper_tokens(question)]


_OWN = re.compile(
    r"\b(?:our|my)\s+(?:[\w’'-]+\s+)?$"
    # "I'm with a German Land ministry", "I work for the Pomorskie regional office": who the asker is.
    r"|\b(?:I[’']m|I am|we[’']re|we are) (?:with|from|at|in) (?:the |a |an )?(?:[\w’'-]+\s+){0,2}$"
    r"|\bI work (?:for|at|in) (?:the |a |an )?(?:[\w’'-]+\s+){0,2}$",
    re.IGNORECASE,
)


def asked_names(question: str, message: str | None = None) -> list[str]:
    """The question's names minus those the asker gives their own things ("our ICT cluster", "my Horizon team"):
    the documents need not mention the asker's own cluster to answer about cross-cluster work. ``message`` (the
    whole message ``question`` was taken from) decides its language: one asking sentence has too few function
    words to tell German ("Wozu wurde Santara Valley in Litauen geschaffen?") from English."""
    return [name for start, name in _proper_tokens(question, message) if not _OWN.search(question[:start])]


def _is_acronym(word: str) -> bool:
    """Whether ``word`` is an acronym or a code ("INNOSUP-1", "S3", "NOI"): a name wherever it stands; a compound
    of capitalised words ("Cluster-Governance") is not."""
    return any(sum(c.isupper() or c.isdigit() for c in part) >= 2 for part in word.split("-"))


# Function words of German, which capitalises every noun: in a German question a capital names nothing by itself.
_GERMAN = frozenset(
    """der die das den dem des ein eine einen einem einer und oder für wie was welche welcher welches wer wo wann
    warum ist sind gibt es mit von zu zum zur im auf bei nicht werden wird können kann unsere unser wir ich ihr
    haben hat sich auch über nach""".split()  # noqa: SIM905 - a word list reads better as text
)
GERMAN_SHARE = 0.2


def capitalises_nouns(question: str) -> bool:
    """Whether ``question`` is German (by its share of German function words), where every noun has a capital."""
    tokens = words(question)
    return bool(tokens) and sum(t in _GERMAN for t in tokens) >= max(2, GERMAN_SHARE * len(tokens))


def _code_head(word: str) -> str:
    """A German compound built on an acronym or code, up to that part: German joins nouns to names
    ("S3-Strategie" -> "S3", "Covid-19-Pandemie" -> "Covid-19"), and the documents name the code, not the compound
    (in English "C3-Saxony" is one name)."""
    parts = word.split("-")
    codes = [index for index, part in enumerate(parts) if _is_acronym(part)]
    if not codes or not all(part.isalpha() and len(part) > 2 for part in parts[codes[-1] + 1 :]):
        return word  # no code, or a code's own number ("INNOSUP-1")
    return "-".join(parts[: codes[-1] + 1])


def _proper_tokens(question: str, message: str | None = None) -> list[tuple[int, str]]:
    """(offset, lower-cased name) of each capitalised word or acronym inside ``question``; in a German question
    (or one from a German ``message``) only acronyms and codes ("KMU", "S3"), since its nouns are capitalised too."""
    starts = {start for start, _ in sentence_spans(question)}
    german = capitalises_nouns(message or question)
    found = []
    for index, match in enumerate(_WORD.finditer(question)):
        bare = re.sub(r"[’']s$", "", match.group()).strip("’'-")
        bare = re.sub(r"^([A-Z0-9]{2,})s$", r"\1", bare)  # a plural acronym: "IPCEIs" is found as "IPCEI"
        bare = re.sub(r"-(?:style|like|type|based|wide|related)$", "", bare, flags=re.I)  # "INNOSUP-style"
        if german:
            bare = _code_head(bare)  # "Covid-19-Pandemie": the name is the code the compound is built on
        if index == 0 or len(bare) < 2 or not bare[0].isupper() or re.match(r"I[’'](?:d|m|ve|ll)$", bare):
            continue  # "I'd like to know …" names nobody
        if (match.start() in starts or german) and not _is_acronym(bare):
            continue  # "… working together. According to …": a capital that starts a sentence names nothing
        if bare.lower() in QUESTION_WORDS or bare.lower() in STOPWORDS_EN_PLUS:
            continue
        found.append((match.start(), bare.lower()))
    return found


def asked_sentences(question: str) -> str:
    """The sentences of ``question`` that ask (end with "?"), without the context before them ("We're revising our
    smart specialisation strategy. In which parts of the S3 process …?"); the whole question if none or all ask."""
    sentences = [question[start:end].strip() for start, end in sentence_spans(question)]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking and len(asking) < len(sentences) else question


@functools.lru_cache(maxsize=8192)  # passages and their sentences recur from question to question
def plain(text: str) -> str:
    """Lower-cased, with plain apostrophes and no accents: "Région Sud" is found as "Region SUD"."""
    lowered = text.lower().replace("’", "'")
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_ASKING = frozenset(
    """what which who whom whose when where why how is are was were does do did can could should would will tell me
    please there""".split()  # noqa: SIM905 - a word list reads better as text
)
_NOUN_PHRASE_START = re.compile(r"^(?:(?:the|a|an|any|some|this|these|those)\b|[A-Z0-9])", re.UNICODE)


def question_topic(question: str) -> str:
    """What a question is about, for "I found nothing about …": the asked sentence without its opening question
    words ("What is the unemployment rate in Greece?" -> "the unemployment rate in Greece"); "" when what is
    left does not start like a noun phrase (then the caller quotes nothing)."""
    asked = asked_sentences(question).strip().rstrip("?.! ")
    tokens = asked.split()
    index = 0
    while index < len(tokens) and tokens[index].lower().strip(",") in _ASKING:
        index += 1
    rest = " ".join(tokens[index:])
    return rest if index and rest and _NOUN_PHRASE_START.match(rest) else ""


# Where a request joins a further ask to the one before: ", and whether …", "; how …", " and what …". The words are
# English's interrogatives and complementisers (function words), so this splits coordination, not topics.
ASK_WORDS = r"(?:whether|how|what|which|who|whom|whose|where|when|why|if)\b"
_COORDINATION = r",?\s+(?:and|or)|;"
_FURTHER_ASK = re.compile(rf"(?:{_COORDINATION}|,)\s+(?={ASK_WORDS})", re.IGNORECASE)
_ASKS = re.compile(rf"\b{ASK_WORDS}|\?\s*['’”]?\s*$", re.IGNORECASE)
# In a question (not a request), a bare comma before "which"/"who" mostly opens a relative clause ("the peer
# review, which was held online"): only the coordination splits it.
_COORDINATED_ASK = re.compile(rf"(?:{_COORDINATION})\s+(?={ASK_WORDS})", re.IGNORECASE)


_ASK_WORD = re.compile(rf"\b{ASK_WORDS}", re.IGNORECASE)
# A relative clause between commas says more about a name; its "who" or "which" asks nothing ("Rui Matos, who
# manages a cluster in the Alentejo, asks how …": who asks, and from where, comes before "how").
_RELATIVE_CLAUSE = re.compile(r",\s+(?:who|whom|whose|which)\b[^,?]*(?=,)", re.IGNORECASE)


def blank_relative_clauses(text: str) -> str:
    """``text`` with each relative clause between commas blanked out (same length, so offsets still hold)."""
    return _RELATIVE_CLAUSE.sub(lambda m: " " * len(m.group()), text)


_INTRODUCED = re.compile(r":\s")


def names_of_who_asks(request: str) -> list[str]:
    """The names in what a request says about who asks, not in what it asks: a sentence that asks nothing ("I
    work for a CCDR in Portugal.") and an ask's words before its first interrogative ("A national cluster
    association in Slovakia asks which organisation runs the European Cluster Collaboration Platform …": Slovakia;
    the platform is asked about, and the documents must name it)."""
    spans = []
    for start, end in sentence_spans(request):
        sentence = blank_relative_clauses(request[start:end])
        # The ask starts at its first interrogative, or after a colon that introduces it ("Our Land's ministry
        # wants evidence: do clusters make firms more productive?").
        ask = min((m.start() for m in (_ASK_WORD.search(sentence), _INTRODUCED.search(sentence)) if m), default=None)
        if ask is not None:
            spans.append((start, start + ask))
        elif not sentence.rstrip().endswith("?"):  # "Are there good practices in Cyprus?" asks as a whole
            spans.append((start, end))
    return [name for offset, name in _proper_tokens(request) if any(a <= offset < b for a, b in spans)]


def request_asks(request: str) -> list[str]:
    """The separate asks of a request, in order: its sentences that ask something (an interrogative, or a "?"),
    each cut where it coordinates a further ask ("… asks whether there are good practices on vouchers, and how
    big such vouchers usually are."). Who asks ("I work for a CCDR in Portugal.") and what to do with the answer
    ("Please draft a reply.") ask nothing."""
    asks = []
    for start, end in sentence_spans(request):
        for part in _FURTHER_ASK.split(request[start:end]):
            if _ASKS.search(part) and content_terms(part):
                asks.append(part.strip())
    return asks


def question_asks(question: str) -> list[str]:
    """The asks of a question, in order: its asking sentences, each cut where it coordinates a further ask ("Which
    good practice supports CMOs, and what had to happen before the region introduced it?" asks two things). The
    first ask keeps what the question opens with; each later one needs topic words of its own."""
    asked = asked_sentences(question)
    parts = [p.strip() for start, end in sentence_spans(asked) for p in _COORDINATED_ASK.split(asked[start:end])]
    return [p for index, p in enumerate(parts) if p and (index == 0 or content_terms(p))]
