"""Baselines scored in the same run as the shipped stack: BM25 only, dense only, plain RRF, the grounded-answers
issue's reference writer, llama-index default.

The first four go through ``Assistant.ask(mode=..., writer=...)`` and so are scored on answers too; the reference
writer answers with the top-2 sentences by cosine of plain RRF's top 5 passages and never abstains. The
llama-index default ``VectorStoreIndex`` retriever (same embedder, same Chroma chunk collection) is scored on
retrieval only: the Assistant's answer writer is not fed from outside retrievers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from assistant import EXTRACTIVE, Assistant
from assistant.writers import Writer
from evals.runner import Question, Result, ask_result, run_questions
from evals.top2_cosine import TOP2_COSINE, TopCosineWriter
from ingest.records import Chunk

# Baseline name -> the (retrieval mode, answer writer) it asks the Assistant with.
ASK_BASELINES = {
    "bm25_only": ("keyword", EXTRACTIVE),
    "dense_only": ("dense", EXTRACTIVE),
    "rrf": ("rrf", EXTRACTIVE),
    TOP2_COSINE: ("rrf", TOP2_COSINE),
}
LLAMA_INDEX_BASELINE = "llama_index_vector"
BASELINES = (*ASK_BASELINES, LLAMA_INDEX_BASELINE)
LABELS = {
    "shipped": "shipped (hybrid)",
    "bm25_only": "BM25 only",
    "dense_only": "dense only",
    "rrf": "plain RRF",
    TOP2_COSINE: "top-2 cosine writer (issue's reference)",
    LLAMA_INDEX_BASELINE: "llama-index VectorStoreIndex",
}
SHORT_LABELS = {
    "shipped": "shipped",
    "bm25_only": "bm25",
    "dense_only": "dense",
    "rrf": "rrf",
    TOP2_COSINE: "top2cos",
    LLAMA_INDEX_BASELINE: "llamaindex",
}


def baseline_answerers(assistant: Assistant) -> dict[str, Callable[[Question], Result]]:
    """One ``answer_one(question) -> result`` per baseline, by name."""
    from ingest.llama_adapters import default_vector_retriever

    writers: dict[str, str | Writer] = {EXTRACTIVE: EXTRACTIVE, TOP2_COSINE: TopCosineWriter(assistant.store)}
    answerers: dict[str, Callable[[Question], Result]] = {
        name: partial(ask_result, assistant, mode=mode, writer=writers[writer])
        for name, (mode, writer) in ASK_BASELINES.items()
    }
    retrieve = default_vector_retriever(assistant.store, assistant.embedder, k=assistant.config.top_k)
    answerers[LLAMA_INDEX_BASELINE] = partial(_retrieval_only_result, retrieve)
    return answerers


def run_baselines(
    assistant: Assistant, questions: Sequence[Question], *, on_result: Callable[[Result], None] | None = None
) -> dict[str, tuple[list[Result], float]]:
    """Results and wall-clock seconds of every baseline on ``questions``."""
    return {
        name: run_questions(questions, answer_one, on_result=on_result)
        for name, answer_one in baseline_answerers(assistant).items()
    }


def _retrieval_only_result(retrieve: Callable[[str], list[tuple[Chunk, float]]], question: Question) -> Result:
    started = time.perf_counter()
    hits = retrieve(str(question["question"]))
    elapsed = (time.perf_counter() - started) * 1000
    return {
        "id": question["id"],
        "kind": question["kind"],
        "retrieved": [_passage(chunk, rank, score) for rank, (chunk, score) in enumerate(hits, start=1)],
        "timings_ms": {"retrieve": round(elapsed, 2), "total": round(elapsed, 2)},
    }


def _passage(chunk: Chunk, rank: int, score: float) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "page": chunk.page,
        "score": round(score, 6),
        "text": chunk.text,
    }


def compact_scores(results_by_baseline: Mapping[str, Sequence[Result]]) -> dict[str, dict[str, dict[str, Any]]]:
    """question id -> baseline name -> that baseline's scores (to attach to each line of results.jsonl)."""
    by_id: dict[str, dict[str, dict[str, Any]]] = {}
    for name, results in results_by_baseline.items():
        for result in results:
            by_id.setdefault(result["id"], {})[name] = result["scores"]
    return by_id
