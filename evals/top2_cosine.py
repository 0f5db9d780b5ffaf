"""The grounded-answers issue's reference answer writer: the top-2 sentences by MiniLM cosine, never abstaining.

An evaluation baseline (``policydesk eval --baselines``), not the product's writer: no keyword, answer-type or
redundancy rules and no abstention, so that the shipped writer can be compared with the issue's figure on the same
questions. Its claims are verified by the Assistant like every writer's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.records import Passage
from assistant.writers.base import AbstentionReason, Claim, Draft, Writer, WriteRequest
from assistant.writers.extractive.writer import SentenceSource, is_quotable
from ingest.records import Sentence

TOP2_COSINE = "top2_cosine"


class TopCosineWriter(Writer):
    """Answers with the ``answer_sentences`` sentences of the top ``passages`` passages closest to the question."""

    def __init__(self, sentences: SentenceSource, *, passages: int = 5, answer_sentences: int = 2) -> None:
        self.sentences = sentences
        self.passages = passages
        self.answer_sentences = answer_sentences

    name = TOP2_COSINE

    def write(self, request: WriteRequest) -> Draft:
        return self.compose(request.query_vector, request.passages)

    def compose(self, query_vector: np.ndarray, passages: Sequence[Passage]) -> Draft:
        """Cite the quotable sentences closest to ``query_vector`` (cosine: vectors are normalised), in reading order.

        Abstains only when the passages hold no quotable sentence; the question is not read beyond its vector.
        """
        top = {passage.chunk.chunk_id: passage for passage in passages[: self.passages]}
        stored, vectors = self.sentences.sentences_of(list(top))
        # Headings, fragments cut by a chunk boundary and the documents' own questions are not sentences to quote:
        # skipping them, as the shipped writer does, keeps the reference as strong as its rule allows.
        keep = [i for i, s in enumerate(stored) if is_quotable(s.text, top[s.chunk_id].chunk)]
        if not keep:
            return Draft.declined(AbstentionReason.NO_EVIDENCE, "the retrieved passages hold no sentence")
        sentences = [stored[i] for i in keep]
        similarities = vectors[keep] @ query_vector
        chosen = closest_distinct(sentences, similarities, self.answer_sentences)
        # sentences_of lists sentences by passage rank, then by position: sorted indices are reading order.
        claims = tuple(
            Claim.quoting(sentences[i].text, top[sentences[i].chunk_id].chunk, sentences[i].text)
            for i in sorted(chosen)
        )
        return Draft(claims, None, float(similarities.max()))


def closest_distinct(sentences: Sequence[Sentence], similarities: np.ndarray, count: int) -> list[int]:
    """Indices of the ``count`` most similar sentences, best first, each text once.

    Neighbouring chunks overlap, so one sentence can come back from two passages; it is quoted once.
    """
    chosen: dict[str, int] = {}
    for index in np.argsort(-similarities, kind="stable"):
        chosen.setdefault(sentences[index].text.strip(), int(index))
        if len(chosen) == count:
            break
    return list(chosen.values())
