"""Citation verification, shared by every answer writer: a sentence reaches the user only if what it cites
supports it.

- Every claim: each cited passage is in the index (committed, same content) and its quote is verbatim in it.
- A generated claim (a model wrote the sentence): the verifier locates the supporting span in each cited passage
  itself (it becomes the quote), requires the figures and names of the sentence to occur in the cited passages,
  and requires the share of the sentence's content words found in the located spans (its ``support``) to reach
  ``min_support``. An extractive claim quotes itself, so it passes these checks trivially.

No NLI or cross-encoder model with weights ships on PyPI (see README), so support is measured lexically, with
the index's own stemmer; the threshold was measured on generated answers (README, "Generative writers").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from assistant.records import Answer, AnswerSentence, Citation
from assistant.text import content_terms, plain, words
from assistant.writers.base import Claim, Quote
from ingest.chunking import sentence_spans
from ingest.records import Chunk

logger = logging.getLogger(__name__)

MIN_SUPPORT = 0.75
MIN_WORDS = 3  # "Yes." or a bare word a document told the model to say is no answer sentence
SPAN_SENTENCES = 2  # a generated sentence may draw on up to two sentences of one passage
# Figures: "€4,000", "2021", "54", "30%": the digits must appear in what is cited.
_FIGURE = re.compile(r"\d[\d.,]*\d|\d")
# A capitalised word after the first word, or an acronym anywhere: a name the sources must contain.
_NAME = re.compile(r"(?<![\w’'-])(?:[A-ZÀ-Þ][\w’'-]*[A-Z0-9][\w’'-]*|[A-ZÀ-Þ][a-zß-ÿ][\w’'-]+)")

LookupChunks = Callable[[Sequence[str]], Mapping[str, Chunk]]


@dataclass(frozen=True)
class Rejection:
    """A claim that did not pass, and why (for logs and the evaluation's share of dropped sentences)."""

    claim: Claim
    problem: str


def verify_claims(
    claims: Sequence[Claim], lookup_chunks: LookupChunks, *, min_support: float = MIN_SUPPORT
) -> tuple[list[Claim], list[Rejection]]:
    """Split claims into (verified, rejected).

    ``lookup_chunks`` returns the indexed chunks for ids (the store's ``get_chunks``). A verified generated claim
    comes back with its located quotes and its support.
    """
    ids = sorted({quote.chunk.chunk_id for claim in claims for quote in claim.quotes})
    indexed = lookup_chunks(ids) if ids else {}
    verified: list[Claim] = []
    rejected: list[Rejection] = []
    for claim in claims:
        checked, problem = check_claim(claim, indexed, min_support=min_support)
        if checked is not None:
            verified.append(checked)
        else:
            rejected.append(Rejection(claim, problem))
            logger.info("dropped an unsupported sentence (%s): %r", problem, claim.sentence[:80])
    return verified, rejected


def check_claim(
    claim: Claim, indexed: Mapping[str, Chunk], *, min_support: float = MIN_SUPPORT
) -> tuple[Claim | None, str]:
    """(the verified claim, "") or (None, the problem)."""
    if not claim.quotes or not claim.sentence.strip():
        return None, "cites nothing"
    for quote in claim.quotes:
        stored = indexed.get(quote.chunk.chunk_id)
        if stored is None or stored.content_hash != quote.chunk.content_hash:
            return None, f"cites {quote.chunk.chunk_id}, which is not in the index"
    if not claim.generated:
        if all(_verbatim(q, indexed[q.chunk.chunk_id]) for q in claim.quotes):
            return claim, ""
        return None, "its quote is not verbatim in the cited passage"
    return _check_generated(claim, min_support)


def _verbatim(quote: Quote, stored: Chunk) -> bool:
    return bool(quote.text.strip()) and quote.text in quote.chunk.text and quote.text in stored.text


def _check_generated(claim: Claim, min_support: float) -> tuple[Claim | None, str]:
    if len(words(claim.sentence)) < MIN_WORDS:
        return None, "too short to be a sentence"
    cited = " ".join(q.chunk.text for q in claim.quotes)
    missing = [fact for fact in facts_of(claim.sentence) if not _occurs(fact, cited)]
    if missing:
        return None, f"{', '.join(missing)} not in the cited passages"
    terms = set(content_terms(claim.sentence))
    quotes = tuple(Quote(q.chunk, supporting_span(claim.sentence, q.chunk.text)) for q in claim.quotes)
    spans = set(content_terms(" ".join(q.text for q in quotes)))
    support = len(terms & spans) / len(terms) if terms else 0.0
    if support < min_support:
        return None, f"support {support:.2f} below {min_support:.2f}"
    return replace(claim, quotes=quotes, support=support), ""


def facts_of(sentence: str) -> list[str]:
    """The figures and names of ``sentence`` that the passages it cites must contain."""
    figures = _FIGURE.findall(sentence)
    first = words(sentence)[:1]
    names = [
        name.rstrip("’'-")
        for name in _NAME.findall(sentence)
        if name.lower() != (first[0] if first else "") and len(name) > 1
    ]
    return list(dict.fromkeys(figures + names))


def _occurs(fact: str, text: str) -> bool:
    """A figure occurs as a whole number ("4,000" is found as "4000" or "4.000"); a name without its plural s."""
    if fact[0].isdigit():
        return _digits(fact) in {_digits(found) for found in _FIGURE.findall(text)}
    return plain(fact).removesuffix("s") in plain(text)


def _digits(figure: str) -> str:
    return re.sub(r"\D", "", figure)


def supporting_span(sentence: str, passage: str) -> str:
    """The run of at most ``SPAN_SENTENCES`` consecutive passage sentences sharing most content words with
    ``sentence``, verbatim from ``passage`` (the first sentence when nothing is shared)."""
    spans = list(sentence_spans(passage))
    if not spans:
        return passage.strip()
    wanted = set(content_terms(sentence))
    best, best_score = spans[0], -1.0
    for width in range(1, SPAN_SENTENCES + 1):
        for index in range(len(spans) - width + 1):
            start, end = spans[index][0], spans[index + width - 1][1]
            shared = len(wanted & set(content_terms(passage[start:end])))
            score = shared - 0.01 * width  # a second sentence must add a shared word
            if score > best_score:
                best, best_score = (start, end), score
    return passage[best[0] : best[1]].strip()


def number_citations(claims: Sequence[Claim]) -> tuple[tuple[tuple[str, tuple[int, ...]], ...], tuple[Citation, ...]]:
    """Each claim's sentence with its citation numbers, and the numbered citations.

    One number per distinct (passage, quote): a passage quoted the same way by two sentences is one source.
    """
    numbers: dict[tuple[str, str], int] = {}
    citations: list[Citation] = []
    sentences = []
    for claim in claims:
        cited = []
        for quote in claim.quotes:
            key = (quote.chunk.chunk_id, quote.text)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(Citation(n=numbers[key], chunk=quote.chunk, quote=quote.text, support=claim.support))
            cited.append(numbers[key])
        sentences.append((claim.sentence.strip(), tuple(dict.fromkeys(cited))))
    return tuple(sentences), tuple(citations)


def quoted(citation: Citation) -> tuple[str, str]:
    """What a citation quotes: its passage and quote (one source, however the citing sentence reads)."""
    return citation.chunk.chunk_id, citation.quote


class SourceList:
    """One numbering over several answers (a draft's sections, a question's asks): the same passage and quote keep
    one number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, str], int] = {}

    def add(self, citation: Citation) -> int:
        key = quoted(citation)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(replace(citation, n=self._numbers[key]))
        return self._numbers[key]

    def renumber(self, answer: Answer) -> tuple[AnswerSentence, ...]:
        """The answer's sentences with the list's citation numbers."""
        numbers = {c.n: self.add(c) for c in answer.citations}
        return tuple(
            AnswerSentence(s.text, tuple(numbers[n] for n in s.citations if n in numbers), s.item)
            for s in answer.sentences
        )
