"""``policydesk check [--repair]`` on a healthy index and on damaged ones (real model, real embedded Chroma)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from ingest import Config, ingest, open_store
from ingest.check import check_index
from ingest.keyword_index import keyword_index_dir, load_keyword_index, persisted_chunks, read_stamp, registry_stamp
from ingest.store import Store, _registry_metadata, chunk_to_node
from tests.conftest import CORPUS_DOC_IDS

BRIEF = "briefs/test-brief"
HELPDESK = "helpdesk/cluster-finance"


@pytest.fixture
def indexed(corpus: Path, embedder, _isolated_home: Path) -> Store:
    """The test corpus ingested into the isolated home (where the CLI looks too)."""
    config = Config.load()
    ingest([corpus], config, embedder_factory=lambda: embedder)
    return open_store(config)


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def _damage(store: Store) -> None:
    """Two sentence records of the brief deleted, an orphan chunk and sentence added, the keyword index corrupted."""
    found = store._sentences.get(where={"doc_id": BRIEF}, include=[])
    store._sentences.delete(ids=sorted(found["ids"])[:2])
    helpdesk = next(c for c in store.all_chunks() if c.doc_id == HELPDESK)
    orphan = dataclasses.replace(helpdesk, chunk_id="orphan-chunk", content_hash="a-version-never-committed")
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    store.vector_store.add([chunk_to_node(orphan, vector)])
    store._sentences.upsert(
        ids=["orphan-chunk:0"],
        embeddings=[vector.tolist()],
        documents=[orphan.text[:20]],
        metadatas=[
            {"chunk_id": "orphan-chunk", "doc_id": HELPDESK, "content_hash": orphan.content_hash, "start": 0, "end": 20}
        ],
    )
    (keyword_index_dir(store) / "corpus.jsonl").write_text("not json\n", encoding="utf-8")


def _sentence_total(store: Store) -> int:
    return store._sentences.count()


def test_healthy_index_passes(indexed: Store) -> None:
    report = check_index(indexed.config)
    assert report.ok and report.problems == () and report.repairs == ()
    assert [d.doc_id for d in report.documents] == sorted(CORPUS_DOC_IDS)
    registry = indexed.documents()
    for doc in report.documents:
        assert doc.problems == ()
        assert (doc.chunks, doc.sentences) == (registry[doc.doc_id].chunks, registry[doc.doc_id].sentences)
        assert doc.expected_sentences and doc.expected_sentences > 0
    assert report.keyword_index == f"{len(indexed.all_chunks())} chunks, current"
    code, output = _check()
    assert code == 0
    assert "OK: 4 documents checked, no problems." in output
    assert "Embedding model: sentence-transformers/all-MiniLM-L6-v2 (384-d)" in output


def test_damaged_index_is_reported_by_document_then_repaired(indexed: Store) -> None:
    sentences_before = _sentence_total(indexed)
    expected = indexed.documents()[BRIEF].sentences
    assert expected is not None
    _damage(indexed)

    report = check_index(indexed.config)
    assert not report.ok
    by_doc = {d.doc_id: d for d in report.documents}
    assert by_doc[BRIEF].sentences == expected - 2
    assert f"{expected - 2} of its {expected} sentences are stored" in by_doc[BRIEF].problems
    assert report.problems == (
        f"orphan records of {HELPDESK}: 1 chunk, 1 sentence of no committed chunk (left by an interrupted run); "
        "`policydesk check --repair` deletes them",
        "the keyword index is missing or unreadable; `policydesk check --repair` rebuilds it",
    )
    code, output = _check()
    assert code == 1
    assert f"{expected - 2} of its {expected} sentences are stored" in output
    assert "problem(s) remain; run `policydesk check --repair`." in output

    code, output = _check("--repair")
    assert code == 0, output
    assert "Repaired: deleted 1 orphan chunks and 1 orphan sentences" in output
    assert f"Repaired: re-embedded {BRIEF} from " in output
    assert "Repaired: rebuilt the keyword index" in output
    assert "OK: 4 documents checked, no problems." in output
    assert _check()[0] == 0
    assert _sentence_total(indexed) == sentences_before
    assert "orphan-chunk" not in {c.chunk_id for c in indexed.chunk_records()}
    persisted = persisted_chunks(indexed)
    assert persisted is not None and sorted(c.chunk_id for c in persisted) == sorted(
        c.chunk_id for c in indexed.all_chunks()
    )


def test_stale_keyword_index_is_reported_and_rebuilt(indexed: Store, embedder) -> None:
    indexed.remove_document(HELPDESK)  # the keyword index is not rebuilt by a removal
    report = check_index(indexed.config)
    assert "the keyword index's stamp is not the committed registry's (stale); --repair rebuilds it" in report.problems
    assert any("chunks that are not committed" in p for p in report.problems)
    repaired = check_index(indexed.config, repair=True, embedder_factory=lambda: embedder)
    assert repaired.ok
    assert read_stamp(keyword_index_dir(indexed))["stamp"] == registry_stamp(indexed.documents().values())


def test_a_document_whose_source_is_gone_cannot_be_repaired(indexed: Store, corpus: Path, embedder) -> None:
    found = indexed._chunks.get(where={"doc_id": HELPDESK}, include=[])
    indexed._chunks.delete(ids=found["ids"][:1])
    (corpus / "helpdesk" / "cluster-finance.md").unlink()
    report = check_index(indexed.config, repair=True, embedder_factory=lambda: embedder)
    assert not report.ok
    assert any(r.startswith(f"cannot re-embed {HELPDESK}: its source ") for r in report.repairs)
    assert "0 of its 1 chunks are stored" in {d.doc_id: d for d in report.documents}[HELPDESK].problems
    assert _check("--repair")[0] == 1


def test_a_document_embedded_with_another_model_is_reported(indexed: Store) -> None:
    doc = dataclasses.replace(indexed.documents()[HELPDESK], embedding_model="some/other-model")
    indexed._registry.upsert(ids=[doc.doc_id], embeddings=[[1.0]], metadatas=[_registry_metadata(doc)])
    load_keyword_index(indexed)  # the registry's stamp does not cover the model: the keyword index stays current
    report = check_index(indexed.config)
    problems = {d.doc_id: d for d in report.documents}[HELPDESK].problems
    assert problems == (
        "embedded with some/other-model, but queries use sentence-transformers/all-MiniLM-L6-v2: delete the "
        "index folder and run `policydesk ingest` again",
    )
    assert report.problem_count == 1
