"""``policydesk bench``: a small synthetic run end to end (real Chroma embedded and as a server, real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from evals.scale_worker import corpus_sentences, synthetic_document, unit_vectors

pytestmark = [pytest.mark.slow, pytest.mark.server]

TEXT = (
    "Innovation vouchers let small firms buy services from research centres. The scheme is cheap to audit. "
    "Cluster managers organise joint training for their members. Members share equipment, staff and leads. "
    "The regional agency measured the effect with a survey of members. Evaluators found two thirds came back."
)
REQUIRED = ("chunks", "retrieve_p95_ms", "total_p95_ms", "cold_start_s", "peak_rss_mb")


def test_synthetic_records_are_real_sentences_with_unit_vectors(tmp_path: Path) -> None:
    import numpy as np

    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    source = corpus_sentences(tmp_path)
    assert len(source) == 6
    _, chunks, sentences = synthetic_document(3, 5, source, np.random.default_rng(0))
    assert len(chunks) == 5 and {c.doc_id for c in chunks} == {"synthetic/doc-000003"}
    for sentence in sentences:
        chunk = next(c for c in chunks if c.chunk_id == sentence.chunk_id)
        assert chunk.text[sentence.start : sentence.end] == sentence.text and sentence.text in source
    vectors = unit_vectors(np.random.default_rng(0), 4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_bench_writes_the_figures_and_a_plot(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    questions = tmp_path / "questions.jsonl"
    lines = ["What do innovation vouchers buy?", "Who organises joint training?", "What did evaluators find?"]
    questions.write_text("".join(json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(lines)))
    out = tmp_path / "bench"

    args = ["bench", "--synthetic", "--chunks", "120", "--queries", "2", "--out", str(out)]
    result = CliRunner().invoke(
        cli, [*args, "--corpus", str(corpus), "--questions", str(questions)], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    figures = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert all(isinstance(figures[name], int | float) for name in REQUIRED)
    assert figures["chunks"] == 120 and figures["synthetic"] is True
    assert figures["ingest"]["documents"] == 2 and figures["ingest"]["index_mb"] > 0
    assert figures["reingest"]["chunks_embedded"] == 0
    assert set(figures["query"]) == {"embedded", "server"}
    assert figures["query"]["embedded"]["questions"] == 2
    assert {"llamaindex_vector", "bm25"} <= set(figures["query"]["embedded"])
    assert (out / "bench.png").stat().st_size > 0
    assert "120 chunks (synthetic)" in result.output
