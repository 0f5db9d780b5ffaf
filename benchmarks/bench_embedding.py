"""Benchmark the MiniLM embedder: load time, passage throughput, query latency.

Run from the repository root with the product's venv (no torch needed):

    python benchmarks/bench_embedding.py [--passages 256] [--repeats 2]

Variants, all measured in this run:

* shipped   -- ``MiniLMEmbedder()``: fused contrib-op graph, fp32, ORT_ENABLE_ALL.
* baseline  -- the plain (standard-op) fp32 graph with default onnxruntime session options,
               like a plain ONNX export.
* int8      -- ``MiniLMEmbedder(quantized=True)``: dynamic int8, per-channel weights.

Passages are windows of the policy brief's seed text (scripts/sources), each at least 256 word-pieces
(so every one is truncated to exactly 256). Throughput is the best of ``--repeats`` runs,
because other processes on a small machine only ever make a run slower.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from safetensors.numpy import load_file

from ingest import embedding
from ingest.embedding import MAX_WORDPIECES, MiniLMEmbedder
from ingest.onnx_bert import BertConfig, build_bert_model

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scripts" / "sources" / "policy-brief-clusters.txt"
REFERENCE = ROOT / "tests" / "fixtures" / "minilm_reference.json"
QUERY = "How can clusters help SMEs with the green and digital transition?"


def make_passages(embedder: MiniLMEmbedder, count: int) -> list[str]:
    """Overlapping windows of the seed text, each >= 256 word-pieces."""
    words = SEED.read_text(encoding="utf-8").split()
    passages = []
    for i in range(count):
        start = (i * 97) % (len(words) - 400)
        passages.append(" ".join(words[start : start + 260]))
    assert all(embedder.count_wordpieces(p) >= MAX_WORDPIECES for p in passages)
    return passages


def plain_embedder(template: MiniLMEmbedder, cache_dir: Path) -> MiniLMEmbedder:
    """A copy of ``template`` whose session runs the plain graph with default session options.

    Its load time covers building (or reading) the graph and creating the session, not
    loading the tokenizer (a few tens of ms, the same for every variant).
    """
    path = cache_dir / "plain.onnx"
    if not path.is_file():
        source = embedding.model_dir()
        weights = load_file(str(source / "model.safetensors"))
        model = build_bert_model(weights, BertConfig.from_json(source / "config.json"), fused=False)
        path.write_bytes(model.SerializeToString())
    embedder = copy.copy(template)
    embedder._session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return embedder


def timed(make: Callable[[], MiniLMEmbedder]) -> tuple[float, MiniLMEmbedder]:
    start = time.perf_counter()
    embedder = make()
    return time.perf_counter() - start, embedder


def measure(name: str, make: Callable[[Path], MiniLMEmbedder], passages: list[str], repeats: int) -> dict:
    """Cold/warm load, passages/s (batch 32), query p50 and worst cosine to the reference."""
    with tempfile.TemporaryDirectory() as tmp:
        cold, _ = timed(lambda: make(Path(tmp)))
        warm, embedder = timed(lambda: make(Path(tmp)))
    embedder.embed(passages[:32])  # warm-up: first runs allocate and pre-pack
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        embedder.embed(passages, batch_size=32)
        rates.append(len(passages) / (time.perf_counter() - start))
    latencies = []
    for _ in range(50):
        start = time.perf_counter()
        embedder.embed_query(QUERY)
        latencies.append(time.perf_counter() - start)
    items = json.loads(REFERENCE.read_text(encoding="utf-8"))["items"]
    reference = np.array([item["vector"] for item in items], dtype=np.float32)
    vectors = embedder.embed([item["text"] for item in items])
    cosine = float(((vectors * reference).sum(axis=1) / np.linalg.norm(reference, axis=1)).min())
    return {
        "name": name,
        "cold_s": cold,
        "warm_s": warm,
        "per_s": max(rates),
        "query_ms": statistics.median(latencies) * 1000,
        "cosine_min": cosine,
    }


def main() -> None:
    """Measure every variant and print a table with ratios against the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = MiniLMEmbedder(cache_dir=Path(tmp))
    passages = make_passages(template, args.passages)
    print(
        f"{len(passages)} passages x {MAX_WORDPIECES} word-pieces, batch 32, "
        f"{len(os.sched_getaffinity(0))} CPUs, onnxruntime {ort.__version__}, load avg {os.getloadavg()[0]:.2f}"
    )
    variants = [
        ("baseline: plain graph, default ORT", lambda d: plain_embedder(template, d)),
        ("shipped: fused fp32, ORT_ENABLE_ALL", lambda d: MiniLMEmbedder(cache_dir=d)),
        ("int8: fused, dynamic per-channel", lambda d: MiniLMEmbedder(cache_dir=d, quantized=True)),
    ]
    rows = [measure(name, make, passages, args.repeats) for name, make in variants]
    base = rows[0]
    print(
        f"{'variant':38} {'cold s':>7} {'warm s':>7} {'passages/s':>11} {'x base':>7} "
        f"{'query ms':>9} {'x base':>7} {'cos min':>8}"
    )
    for r in rows:
        print(
            f"{r['name']:38} {r['cold_s']:7.2f} {r['warm_s']:7.2f} {r['per_s']:11.1f} "
            f"{r['per_s'] / base['per_s']:7.2f} {r['query_ms']:9.1f} {base['query_ms'] / r['query_ms']:7.2f} "
            f"{r['cosine_min']:8.5f}"
        )
    print(
        "x base: speed-up against the baseline (higher is better); cos min: worst cosine to "
        "sentence-transformers over tests/fixtures/minilm_reference.json"
    )


if __name__ == "__main__":
    main()
