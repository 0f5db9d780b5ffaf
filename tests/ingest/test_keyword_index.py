"""The BM25 keyword index: built from committed chunks, persisted with a stamp, rebuilt only when stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import Config, ingest, keyword_index, open_store
from ingest.keyword_index import STAMP_FILE, keyword_index_dir, load_keyword_index


@pytest.fixture
def indexed(corpus: Path, embedder, tmp_path: Path):
    config = Config(index_dir=tmp_path / "index")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    return open_store(config)


def test_search_is_stemmed_and_filtered(indexed) -> None:
    index = load_keyword_index(indexed)
    hits = index.search("financing cluster organisation", 5)  # stems: finance, organisations
    assert hits[0][0].doc_id == "helpdesk/cluster-finance"
    assert all(score > 0 for _, score in hits)
    only = index.search("voucher", 10, doc_ids=["good_practices/alpine-cluster-voucher"])
    assert only and {chunk.doc_id for chunk, _ in only} == {"good_practices/alpine-cluster-voucher"}
    assert index.search("voucher", 10, doc_ids=[]) == []
    assert index.search("   ", 10) == []
    assert index.search("zyxwvut", 10) == []


def test_current_index_is_loaded_not_rebuilt(indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (keyword_index_dir(indexed) / STAMP_FILE).is_file()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the keyword index was rebuilt although the registry did not change")

    monkeypatch.setattr(keyword_index, "build_keyword_index", no_rebuild)
    assert load_keyword_index(indexed).size == len(indexed.all_chunks())


def test_stale_index_is_rebuilt(indexed) -> None:
    indexed.remove_document("helpdesk/cluster-finance")
    index = load_keyword_index(indexed)
    assert index.size == len(indexed.all_chunks())
    assert all(chunk.doc_id != "helpdesk/cluster-finance" for chunk, _ in index.search("membership fees", 10))


def test_empty_store_gives_an_empty_index(tmp_path: Path) -> None:
    index = load_keyword_index(open_store(Config(index_dir=tmp_path / "empty")))
    assert index.size == 0
    assert index.search("cluster", 5) == []
