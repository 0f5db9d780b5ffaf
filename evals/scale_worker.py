"""The phases of ``policydesk bench``, each run in its own process so that its peak RSS and cold start are its own.

    python -m evals.scale_worker PHASE ARGS_JSON      (prints one JSON object on stdout)

Phases: ``ingest`` (the real pipeline over a corpus folder, embedding timed), ``synthetic`` (records of
recombined real sentences with random unit vectors, written through ``Store.write_document``, then the keyword
index built as an ingest builds it), ``reingest`` (the pipeline again over an unchanged index) and ``query``
(the Assistant from process start to first answer, then timed questions, then llama-index's default
``VectorStoreIndex`` retriever and plain BM25 over the same chunks).
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.config import Config

DIMENSION = 384
CHUNKS_PER_DOCUMENT = 100  # a long brief; fewer, larger commits keep a 100k-chunk build under an hour
SENTENCES_PER_CHUNK = (3, 7)  # recombined sentences per synthetic chunk (SQuAD sentences: ~25 words each)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _config(args: dict[str, Any]) -> Config:
    return Config.load({"index_dir": Path(args["index_dir"]), "chroma_url": args.get("chroma_url")})


class _TimedEmbedder:
    """The real embedder, with the time spent embedding added up (the ingest's share of time embedding)."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self.model_name = embedder.model_name
        self.seconds = 0.0

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self._embedder.embed(texts, batch_size=batch_size)
        finally:
            self.seconds += time.perf_counter() - started

    def count_wordpieces(self, text: str) -> int:
        return int(self._embedder.count_wordpieces(text))


def phase_ingest(args: dict[str, Any]) -> dict[str, Any]:
    """The real pipeline over ``args["corpus"]``: documents and chunks per second, the share spent embedding."""
    from ingest.embedding import embedder_for
    from ingest.pipeline import ingest

    config = _config(args)
    embedder = _TimedEmbedder(embedder_for(config))
    report = ingest([Path(args["corpus"])], config, embedder_factory=lambda: embedder)
    return {
        "seconds": report.seconds,
        "documents": report.total_documents,
        "chunks": report.total_chunks,
        "docs_per_s": report.total_documents / report.seconds,
        "chunks_per_s": report.total_chunks / report.seconds,
        "embedding_share": embedder.seconds / report.seconds,
        "failed": len(report.failed),
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_synthetic(args: dict[str, Any]) -> dict[str, Any]:
    """``args["chunks"]`` synthetic chunks of recombined real sentences, written as an ingest writes them."""
    from ingest.keyword_index import ensure_keyword_index
    from ingest.pipeline import indexed_document
    from ingest.records import Document, Page
    from ingest.store import open_store

    config = _config(args)
    store = open_store(config)
    rng = np.random.default_rng(int(args.get("seed", 0)))
    source = corpus_sentences(Path(args["corpus"]))
    total = int(args["chunks"])
    started = time.perf_counter()
    written = sentences_written = 0
    for number in range((total + CHUNKS_PER_DOCUMENT - 1) // CHUNKS_PER_DOCUMENT):
        count = min(CHUNKS_PER_DOCUMENT, total - written)
        document, chunks, sentences = synthetic_document(number, count, source, rng)
        indexed = indexed_document(
            Document(document[0], document[1], "document", document[2], document[3], (Page(None, ""),)),
            chunks,
            sentences=len(sentences),
            embedding_model="synthetic random unit vectors",
        )
        store.write_document(
            indexed, chunks, unit_vectors(rng, len(chunks)), sentences, unit_vectors(rng, len(sentences))
        )
        written += count
        sentences_written += len(sentences)
    write_seconds = time.perf_counter() - started
    keyword_started = time.perf_counter()
    ensure_keyword_index(store)
    store.ensure_generation()
    keyword_seconds = time.perf_counter() - keyword_started
    seconds = time.perf_counter() - started
    documents = len(store.documents())
    return {
        "seconds": seconds,
        "write_seconds": write_seconds,
        "keyword_index_seconds": keyword_seconds,
        "documents": documents,
        "chunks": written,
        "sentences": sentences_written,
        "docs_per_s": documents / seconds,
        "chunks_per_s": written / seconds,
        "embedding_share": 0.0,  # random vectors: nothing is embedded
        "peak_rss_mb": peak_rss_mb(),
    }


def corpus_sentences(corpus: Path) -> list[str]:
    """The sentences of every .txt/.md file under ``corpus`` (the real text synthetic chunks are made from)."""
    sentences: list[str] = []
    for path in sorted([*corpus.rglob("*.txt"), *corpus.rglob("*.md")]):
        for paragraph in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            sentences += [s.strip() for s in _SENTENCE_END.split(paragraph) if len(s.split()) >= 4]
    if not sentences:
        raise SystemExit(f"no sentences found in {corpus} (.txt / .md files)")
    return sentences


def synthetic_document(
    number: int, count: int, source: Sequence[str], rng: np.random.Generator
) -> tuple[tuple[str, str, str, str], list[Any], list[Any]]:
    """(doc_id, title, source_path, content_hash), chunks and sentences of synthetic document ``number``."""
    from ingest.records import Chunk, Sentence, sentence_id

    doc_id = f"synthetic/doc-{number:06d}"
    content_hash = hashlib.sha256(doc_id.encode()).hexdigest()
    title = f"Synthetic document {number}"
    path = f"/nonexistent/synthetic/doc-{number:06d}.txt"
    chunks, sentences = [], []
    offset = 0
    for position in range(count):
        picked = [source[i] for i in rng.integers(0, len(source), int(rng.integers(*SENTENCES_PER_CHUNK)))]
        text = " ".join(picked)
        chunk_id = hashlib.sha256(f"{doc_id}|{content_hash}|{position}".encode()).hexdigest()[:32]
        chunks.append(
            Chunk(chunk_id, doc_id, text, None, None, offset, offset + len(text), title, "document", path, content_hash)
        )
        start = 0
        for s, sentence in enumerate(picked):
            sentences.append(Sentence(sentence_id(chunk_id, s), chunk_id, sentence, start, start + len(sentence)))
            start += len(sentence) + 1
        offset += len(text) + 1
    return (doc_id, title, path, content_hash), chunks, sentences


def unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` random 384-d unit vectors (float32)."""
    vectors = rng.standard_normal((count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def phase_reingest(args: dict[str, Any]) -> dict[str, Any]:
    """The pipeline again over the unchanged index (the corpus folder, or no folder for a synthetic index)."""
    from ingest.pipeline import ingest

    roots = [Path(args["corpus"])] if args.get("corpus") else []
    report = ingest(roots, _config(args))
    return {"seconds": report.seconds, "chunks_embedded": report.chunks_written, "peak_rss_mb": peak_rss_mb()}


def phase_query(args: dict[str, Any]) -> dict[str, Any]:
    """Cold start (``args["spawned_at"]``, the parent's clock, to the first answer), then the timed questions."""
    from assistant import Assistant

    config = _config(args)
    questions: list[str] = args["questions"]
    load_started = time.perf_counter()
    assistant = Assistant(config)
    loaded = time.perf_counter() - load_started
    assistant.ask(questions[0])
    cold_start = time.time() - float(args["spawned_at"])
    timings: dict[str, list[float]] = {"retrieve": [], "answer": [], "total": []}
    for question in questions[1:]:
        answer = assistant.ask(question)
        for stage in timings:
            timings[stage].append(answer.timings_ms[stage])
    result: dict[str, Any] = {
        "cold_start_s": cold_start,
        "assistant_load_s": loaded,
        "questions": len(questions) - 1,
        **{
            f"{stage}_{name}_ms": value for stage, values in timings.items() for name, value in _summary(values).items()
        },
    }
    result |= _start_parts(assistant)
    if args.get("baselines"):
        result["llamaindex_vector"] = _timed(_llama_index_retriever(assistant), questions[1:])
        keyword = assistant.retriever.keyword_index
        result["bm25"] = _timed(lambda q: keyword.search(q, assistant.config.top_k), questions[1:])
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _start_parts(assistant: Any) -> dict[str, float]:
    """What the Assistant's start spends on its indexes, timed again once it runs (the files are then cached)."""
    from assistant.writers.extractive.structure import SectionIndex
    from ingest.keyword_index import IndexedChunks, load_keyword_index

    started = time.perf_counter()
    keyword_index = load_keyword_index(assistant.store)
    loaded = time.perf_counter()
    SectionIndex(loading=IndexedChunks(keyword_index, assistant.store))
    built = time.perf_counter()
    assistant.store.documents()
    read = time.perf_counter()
    return {
        "keyword_index_load_s": loaded - started,
        "structure_build_s": built - loaded,
        "registry_read_s": read - built,
    }


def _llama_index_retriever(assistant: Any) -> Callable[[str], Any]:
    from ingest.llama_adapters import default_vector_retriever

    return default_vector_retriever(assistant.store, assistant.embedder, k=assistant.config.top_k)


def _timed(retrieve: Callable[[str], Any], questions: Sequence[str]) -> dict[str, float]:
    """Retrieve p50/p95 of a retriever-only baseline (the question's embedding included, as in the Assistant)."""
    retrieve(questions[0])  # warm-up
    elapsed = []
    for question in questions:
        started = time.perf_counter()
        retrieve(question)
        elapsed.append((time.perf_counter() - started) * 1000)
    return {f"retrieve_{name}_ms": value for name, value in _summary(elapsed).items()}


def _summary(values: Sequence[float]) -> dict[str, float]:
    from evals.runner import percentile

    ordered = sorted(values)
    return {"p50": percentile(ordered, 50), "p95": percentile(ordered, 95)} if ordered else {}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": phase_ingest,
    "synthetic": phase_synthetic,
    "reingest": phase_reingest,
    "query": phase_query,
}


if __name__ == "__main__":
    print(json.dumps(PHASES[sys.argv[1]](json.loads(sys.argv[2]))))
