"""Hybrid retrieval: dense (chunk and sentence vectors in Chroma) + BM25, fused by weighted relative scores.

Fusion is written here rather than with llama-index's QueryFusionRetriever because we fuse three signals, one
of them (best-matching sentence per chunk) not a llama-index retriever, and because measured on our question
set and SQuAD-300, plain reciprocal-rank fusion lost to BM25 alone at the top ranks (README, "Retrieval").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from assistant.records import Filters, Passage
from ingest.keyword_index import KeywordIndex
from ingest.records import Chunk, IndexedDocument
from ingest.store import ORPHAN_ALLOWANCE, Store

# (chunk, fused score, dense score, keyword score): a candidate on its way to becoming a Passage.
Ranked = tuple[Chunk, float, float | None, float | None]
MODES = ("hybrid", "dense", "keyword", "rrf")
RRF_K = 60
CANDIDATES_PER_PASSAGE = 3  # fused candidates read per passage returned (deduplication drops some)
_T = TypeVar("_T")


@dataclass(frozen=True)
class FusionWeights:
    """How much each normalised signal counts in the hybrid score (chosen by measurement, see README)."""

    dense: float = 0.3
    sentence: float = 0.3
    keyword: float = 0.4


class Retriever:
    """Ranks committed chunks for a query; all signals restricted by the same document filter."""

    def __init__(
        self,
        store: Store,
        keyword_index: KeywordIndex,
        *,
        weights: FusionWeights | None = None,
        candidates: int = 40,
    ) -> None:
        self.store = store
        self.keyword_index = keyword_index
        self.weights = weights or FusionWeights()
        self.candidates = candidates
        # The registry snapshot this retriever's keyword index was built for (the Assistant swaps both together).
        self.documents: dict[str, IndexedDocument] = store.committed()
        # The three searches run side by side: Chroma and BM25's numpy release the GIL, and at 100k chunks one
        # after the other took p50 45-65 ms, side by side 35-40 ms (2 cores).
        self._searches = ThreadPoolExecutor(max_workers=3, thread_name_prefix="policydesk-search")

    def retrieve(
        self,
        query: str,
        query_vector: np.ndarray,
        *,
        k: int,
        filters: Filters | None = None,
        mode: str = "hybrid",
        prefer: Sequence[str] = (),
        prefer_passages: Collection[str] = (),
    ) -> list[Passage]:
        """The ``k`` best passages for ``query`` (``query_vector`` is its embedding), best first, deduplicated.

        Passages of the documents in ``prefer`` (those a follow-up points back to) come before all others, and
        among them the passages ``prefer_passages`` names (by chunk id: those the previous answer quoted and the
        ones after them) first.
        """
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        doc_ids = self.allowed_documents(filters)
        if doc_ids is not None and not doc_ids:
            return []
        n = max(self.candidates, k * 2)
        no_hits: list[tuple[Chunk, float]] = []
        no_ids: list[tuple[str, float]] = []
        # Hybrid search reads dense hits by id (only the best fused candidates' chunks are read); the baselines
        # compare whole chunk lists.
        dense = self._start(
            mode == "hybrid", lambda: self.store.dense_ids(query_vector, n + ORPHAN_ALLOWANCE, doc_ids=doc_ids), no_ids
        )
        dense_chunks = self._start(
            mode in ("dense", "rrf"), lambda: self.store.dense_search(query_vector, n, doc_ids=doc_ids), no_hits
        )
        keyword_index = self.keyword_index
        keyword = self._start(mode != "dense", lambda: keyword_index.search(query, n, doc_ids=doc_ids), no_hits)
        no_scores: dict[str, float] = {}
        sentence = self._start(mode == "hybrid", lambda: self._sentence_scores(query_vector, n * 2, doc_ids), no_scores)
        # Without a preference only the first k distinct passages are needed (the texts of ~100 candidates cost
        # milliseconds to compare); a few times k candidates leave room for the duplicates dropped.
        needed = None if prefer else k * CANDIDATES_PER_PASSAGE
        keyword_hits = self._committed(keyword.result())
        if mode == "hybrid":
            ranked = self._fuse(dense.result(), keyword_hits, sentence.result(), n, needed)
        else:
            ranked = _ranked(mode, dense_chunks.result(), keyword_hits)
        passages = _dedupe(ranked, limit=None if prefer else k)
        if prefer:
            # Stable: best first within each group.
            passages.sort(key=lambda item: (item[0].chunk_id not in prefer_passages, item[0].doc_id not in prefer))
        passages = passages[:k]
        return [
            Passage(chunk=c, rank=i, score=s, dense_score=d, keyword_score=kw)
            for i, (c, s, d, kw) in enumerate(passages, start=1)
        ]

    def _start(self, wanted: bool, search: Callable[[], _T], nothing: _T) -> Future[_T]:
        """``search`` running in the search pool, or (not ``wanted`` in this mode) ``nothing`` at once."""
        if wanted:
            return self._searches.submit(search)
        done: Future[_T] = Future()
        done.set_result(nothing)
        return done

    def allowed_documents(self, filters: Filters | None) -> list[str] | None:
        """The doc_ids a filter admits (``None``: no restriction)."""
        if filters is None or filters.is_empty:
            return None
        return [doc.doc_id for doc in self.documents.values() if _matches(doc, filters)]

    def _committed(self, hits: Sequence[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
        """Drop keyword hits the registry no longer holds (the store already filters its own reads)."""
        return [
            (chunk, score)
            for chunk, score in hits
            if (doc := self.documents.get(chunk.doc_id)) is not None and doc.content_hash == chunk.content_hash
        ]

    def _sentence_scores(self, query_vector: np.ndarray, n: int, doc_ids: list[str] | None) -> dict[str, float]:
        best: dict[str, float] = {}
        for chunk_id, score in self.store.sentence_search(query_vector, n, doc_ids=doc_ids):
            best[chunk_id] = max(best.get(chunk_id, -1.0), score)
        return best

    def _fuse(
        self,
        dense: list[tuple[str, float]],
        keyword: list[tuple[Chunk, float]],
        sentence: dict[str, float],
        n: int,
        needed: int | None = None,
    ) -> list[Ranked]:
        """Candidates by fused score: the ``n`` best ``dense`` hits (ids, committed or not, best first), the keyword
        hits and the sentence hits. The chunks known only by id are read from the store for the first ``needed``
        candidates only (all when None): at 100k chunks reading all of them took 15 ms a question."""
        chunks = {c.chunk_id: c for c, _ in keyword}
        keyword_scores = dict((c.chunk_id, s) for c, s in keyword)

        def order_by_fused(
            dense_scores: dict[str, float], sentence_scores: dict[str, float]
        ) -> tuple[list[str], dict[str, float]]:
            signals = (
                (self.weights.dense, _normalise(dense_scores)),
                (self.weights.sentence, _normalise(sentence_scores)),
                (self.weights.keyword, _normalise(keyword_scores)),
            )
            fused = {
                i: sum(w * scores.get(i, 0.0) for w, scores in signals)
                for i in {**chunks, **dense_scores, **sentence_scores}
            }
            return sorted(fused, key=fused.__getitem__, reverse=True), fused

        dense_scores = dict(dense[:n])
        order, fused = order_by_fused(dense_scores, sentence)
        wanted = [i for i in (order if needed is None else order[:needed]) if i not in chunks]
        chunks |= self.store.get_chunks(wanted)
        if any(i not in chunks for i in wanted):
            # A hit of a chunk not committed (an interrupted or running ingest): score without the uncommitted
            # hits, as if never found. (One outside the candidates read only shifts the min-max normalisation.)
            unread = {i for i, _ in dense} | set(sentence)
            chunks |= self.store.get_chunks([i for i in unread if i not in chunks])
            dense_scores = dict([(i, s) for i, s in dense if i in chunks][:n])
            order, fused = order_by_fused(dense_scores, {i: s for i, s in sentence.items() if i in chunks})
        return [(chunks[i], fused[i], dense_scores.get(i), keyword_scores.get(i)) for i in order if i in chunks]


def _ranked(mode: str, dense: list[tuple[Chunk, float]], keyword: list[tuple[Chunk, float]]) -> list[Ranked]:
    """The baselines' candidates: dense only, keyword only, or their reciprocal-rank fusion."""
    if mode == "dense":
        return [(chunk, score, score, None) for chunk, score in dense]
    if mode == "keyword":
        return [(chunk, score, None, score) for chunk, score in keyword]
    return _rrf(dense, keyword)


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    """Min-max to [0, 1] over the candidates (relative score fusion); a lone candidate scores 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {i: (s - low) / span if span > 0 else 1.0 for i, s in scores.items()}


def _rrf(dense: list[tuple[Chunk, float]], keyword: list[tuple[Chunk, float]]) -> list[Ranked]:
    """Plain reciprocal-rank fusion (what QueryFusionRetriever's default mode computes): the baseline."""
    chunks = {c.chunk_id: c for c, _ in dense} | {c.chunk_id: c for c, _ in keyword}
    fused: dict[str, float] = {}
    for hits in (dense, keyword):
        for rank, (chunk, _) in enumerate(hits, start=1):
            fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    dense_scores = dict((c.chunk_id, s) for c, s in dense)
    keyword_scores = dict((c.chunk_id, s) for c, s in keyword)
    order = sorted(fused, key=fused.__getitem__, reverse=True)
    return [(chunks[i], fused[i], dense_scores.get(i), keyword_scores.get(i)) for i in order]


def _dedupe(ranked: list[Ranked], *, limit: int | None = None) -> list[Ranked]:
    """Drop a passage that mostly repeats a better one (same page, overlapping span, or identical text); stop
    after ``limit`` kept."""
    kept: list[Ranked] = []
    seen_text: set[str] = set()
    for item in ranked:
        if limit is not None and len(kept) == limit:
            break
        chunk = item[0]
        text_key = re.sub(r"\W+", " ", chunk.text.lower()).strip()
        if text_key in seen_text or any(_mostly_overlaps(chunk, other[0]) for other in kept):
            continue
        seen_text.add(text_key)
        kept.append(item)
    return kept


def _mostly_overlaps(chunk: Chunk, other: Chunk) -> bool:
    if chunk.doc_id != other.doc_id or chunk.page != other.page:
        return False
    shared = min(chunk.end, other.end) - max(chunk.start, other.start)
    return shared > 0.5 * (chunk.end - chunk.start)


def _matches(doc: IndexedDocument, filters: Filters) -> bool:
    if filters.doc_types and doc.doc_type not in filters.doc_types:
        return False
    for name in ("country", "region", "project"):
        wanted = getattr(filters, name)
        if wanted and str(doc.metadata.get(name, "")).casefold() != wanted.casefold():
            return False
    themes = [t.casefold() for t in doc.metadata.get("themes", ())]
    return not filters.theme or filters.theme.casefold() in themes
