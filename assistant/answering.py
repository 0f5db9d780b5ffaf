"""The offline answer writer: picks and orders the corpus's own sentences (no LLM, no API key).

Sentence vectors were computed at ingest, so scoring is a matrix product: the answer step takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.citations import Claim
from assistant.records import Passage
from assistant.text import (
    content_terms,
    counted_nouns,
    expected_answer_type,
    has_answer_type,
    has_count_of,
    is_list_question,
    proper_terms,
    words,
)
from ingest.records import Sentence

LEAD_IN_WORDS = 12


class SentenceSource(Protocol):
    """Where the writer gets sentences and their ingest-time vectors (the store)."""

    def sentences_of(self, chunk_ids: Sequence[str]) -> tuple[list[Sentence], np.ndarray]: ...


@dataclass(frozen=True)
class WriterSettings:
    """Knobs of the extractive writer; defaults tuned on the dev half of evals/questions.jsonl."""

    passages: int = 5
    max_sentences: int = 3
    max_words: int = 120
    keyword_weight: float = 0.35
    rank_weight: float = 0.05
    margin: float = 0.2
    redundancy: float = 0.85
    min_similarity: float = 0.45


@dataclass(frozen=True)
class Draft:
    """A writer's proposal: the claims to cite, or an abstention with its reason and confidence."""

    claims: tuple[Claim, ...]
    abstained: bool
    reason: str
    confidence: float


@dataclass(frozen=True)
class _Candidate:
    sentence: Sentence
    passage: Passage
    score: float
    similarity: float
    vector: np.ndarray


class ExtractiveWriter:
    """Answers with the best few non-redundant sentences of the top passages, or abstains."""

    def __init__(self, sentences: SentenceSource, settings: WriterSettings | None = None) -> None:
        self.sentences = sentences
        self.settings = settings or WriterSettings()

    def write(self, question: str, query_vector: np.ndarray, passages: Sequence[Passage]) -> Draft:
        """Compose a draft answer to ``question`` from ``passages`` (best first)."""
        top = list(passages[: self.settings.passages])
        candidates = self._score(question, query_vector, top)
        if not candidates:
            return Draft((), True, "no passage matched the question", 0.0)
        best = max(candidates, key=lambda c: c.score)
        reason = self._abstention_reason(question, best, candidates, passages)
        if reason:
            return Draft((), True, reason, best.similarity)
        chosen = self._select(question, candidates, best)
        claims = tuple(Claim(c.sentence.text, c.passage.chunk, c.sentence.text) for c in _in_reading_order(chosen))
        return Draft(claims, False, "", best.similarity)

    def _score(self, question: str, query_vector: np.ndarray, passages: list[Passage]) -> list[_Candidate]:
        by_chunk = {p.chunk.chunk_id: p for p in passages}
        sentences, vectors = self.sentences.sentences_of(list(by_chunk))
        if not sentences:
            return []
        similarities = vectors @ query_vector
        question_terms = set(content_terms(question))
        candidates = []
        for sentence, vector, similarity in zip(sentences, vectors, similarities, strict=True):
            passage = by_chunk[sentence.chunk_id]
            if not _is_prose(sentence.text) or sentence.text.strip() in (passage.chunk.section, passage.chunk.title):
                continue
            overlap = len(question_terms & set(content_terms(sentence.text))) / max(1, len(question_terms))
            score = (
                float(similarity) + self.settings.keyword_weight * overlap + self.settings.rank_weight / passage.rank
            )
            candidates.append(_Candidate(sentence, passage, score, float(similarity), vector))
        return candidates

    def _abstention_reason(
        self, question: str, best: _Candidate, candidates: list[_Candidate], passages: Sequence[Passage]
    ) -> str:
        """Why the evidence cannot answer ``question`` ("" if it can); names are looked for in every passage."""
        if best.similarity < self.settings.min_similarity:
            return f"the closest sentence is too far from the question (similarity {best.similarity:.2f})"
        passage_text = " ".join(p.chunk.text.lower() for p in passages).replace("’", "'")
        missing = [term for term in proper_terms(question) if term not in passage_text]
        if missing:
            return f"the documents found do not mention {', '.join(missing)}"
        answer_type = expected_answer_type(question)
        strong = sorted(candidates, key=lambda c: c.score, reverse=True)[:3]
        if answer_type and not any(has_answer_type(c.sentence.text, answer_type) for c in strong):
            return f"no passage gives the {answer_type} the question asks for"
        nouns = counted_nouns(question)
        if nouns and not any(has_count_of(c.sentence.text, nouns) for c in strong):
            return "no passage counts what the question asks about"
        return ""

    def _select(self, question: str, candidates: list[_Candidate], best: _Candidate) -> list[_Candidate]:
        """Greedy MMR within a margin of the best score, under the sentence and word budgets."""
        pool = [c for c in candidates if c.score >= best.score - self.settings.margin]
        chosen = [best]
        budget = self.settings.max_words - len(words(best.sentence.text))
        if is_list_question(question):
            chosen, budget = _extend_list(best, candidates, chosen, budget)
        while len(chosen) < self.settings.max_sentences:
            remaining = [c for c in pool if c not in chosen and len(words(c.sentence.text)) <= budget]
            remaining = [
                c for c in remaining if max(float(c.vector @ s.vector) for s in chosen) < self.settings.redundancy
            ]
            if not remaining:
                break
            pick = max(remaining, key=lambda c: c.score - 0.5 * max(float(c.vector @ s.vector) for s in chosen))
            chosen.append(pick)
            budget -= len(words(pick.sentence.text))
        return chosen


def _is_prose(text: str) -> bool:
    """Skip headings and fragments: a sentence has a few words, or ends like one."""
    n = len(words(text))
    return n >= 4 and (n >= 10 or text.rstrip()[-1:] in ".!?:;)")


def _extend_list(
    best: _Candidate, candidates: list[_Candidate], chosen: list[_Candidate], budget: int
) -> tuple[list[_Candidate], int]:
    """A sentence that introduces a list (ends with ':', or is a short lead-in) brings the sentences after it."""
    text = best.sentence.text.rstrip()
    if not (text.endswith(":") or len(words(text)) < LEAD_IN_WORDS):
        return chosen, budget
    following = sorted(
        (
            c
            for c in candidates
            if c.sentence.chunk_id == best.sentence.chunk_id and c.sentence.start > best.sentence.start
        ),
        key=lambda c: c.sentence.start,
    )
    for item in following:
        cost = len(words(item.sentence.text))
        if cost > budget:
            break
        chosen.append(item)
        budget -= cost
    return chosen, budget


def _in_reading_order(chosen: list[_Candidate]) -> list[_Candidate]:
    """Keep sentences of one passage together and in document order; passages in order of first choice."""
    order = list(dict.fromkeys(c.sentence.chunk_id for c in chosen))
    return sorted(chosen, key=lambda c: (order.index(c.sentence.chunk_id), c.sentence.start))
