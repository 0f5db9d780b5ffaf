"""Make every library we use work offline; applied when the ``ingest`` package is imported.

tiktoken downloads its encoding file on first use unless ``TIKTOKEN_CACHE_DIR`` points at a copy;
llama-index-core ships one (and punkt for sentence splitting). Hugging Face libraries must never reach for the
hub, and Chroma's telemetry must stay off. Values already set by the user win.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def llama_index_static_dir() -> Path:
    """llama-index-core's bundled data (tiktoken and nltk caches), located without importing it."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or spec.origin is None:
        raise RuntimeError("llama-index-core is not installed; run `make setup` (pip install -e .)")
    return Path(spec.origin).parent / "_static"


def configure_offline() -> None:
    """Point tiktoken and nltk at bundled data and switch hubs and telemetry off (setdefault: user wins)."""
    static = llama_index_static_dir()
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))
    os.environ.setdefault("NLTK_DATA", str(static / "nltk_cache"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
