"""The BM25 keyword index: built from committed chunks, persisted with a stamp, rebuilt only when stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import Config, ingest, keyword_index, open_store
from ingest import store as store_module
from ingest.keyword_index import STAMP_FILE, IndexedChunks, keyword_index_dir, load_keyword_index
from ingest.store import chunk_to_node


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


def test_document_chunks_from_the_corpus_equal_the_stores(indexed) -> None:
    index, documents = load_keyword_index(indexed), indexed.documents()
    assert len(documents) > 3
    for doc_id in documents:
        from_index = index.document_chunks(doc_id)
        assert from_index is not None
        assert sorted(from_index, key=lambda c: c.chunk_id) == sorted(
            indexed.document_chunks(doc_id), key=lambda c: c.chunk_id
        ), doc_id
    assert index.document_chunks("briefs/no-such-document") == []
    assert IndexedChunks(index, indexed).document_chunks("briefs/no-such-document") == []


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


def test_document_committed_during_a_build_is_not_stamped_as_indexed(
    corpus: Path, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the build read the chunks, then stamped from a fresh read of the registry, so a document
    that a concurrent ingest committed between the two reads was stamped as indexed without being in the index;
    every later load trusted the stamp and that document never reached keyword search."""
    from tests.ingest.test_store import prepare

    late = corpus / "helpdesk" / "cluster-finance.md"
    parts = prepare(late, "helpdesk/cluster-finance", embedder)
    late.unlink()
    config = Config(index_dir=tmp_path / "index")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    store = open_store(config)
    real_pages = store.committed_chunk_pages

    def another_ingest_commits_after_the_registry_was_read(documents):
        store.write_document(*parts)  # its chunks are in Chroma while the build reads them
        yield from real_pages(documents)

    monkeypatch.setattr(store, "committed_chunk_pages", another_ingest_commits_after_the_registry_was_read)
    built = keyword_index.build_keyword_index(store)
    assert all(chunk.doc_id != "helpdesk/cluster-finance" for chunk, _ in built.search("membership fees", 10))
    stamp = keyword_index.read_stamp(keyword_index_dir(store))["stamp"]
    assert stamp != keyword_index.registry_stamp(store.documents().values())  # so the next load rebuilds

    reloaded = load_keyword_index(open_store(config))
    assert reloaded.size == len(store.all_chunks())
    assert reloaded.search("membership fees", 1)[0][0].doc_id == "helpdesk/cluster-finance"


def test_build_persists_the_files_llama_index_builds_from_all_nodes(
    indexed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build streams pages of chunks into bm25s instead of handing every node to
    ``BM25Retriever.from_defaults``; the persisted files must not change (pages of 2 chunks: many pages)."""
    monkeypatch.setattr(store_module, "CHUNK_SCAN_PAGE", 2)
    built = keyword_index_dir(indexed)
    keyword_index.build_keyword_index(indexed)
    nodes = [chunk_to_node(chunk) for chunk in indexed.all_chunks()]
    reference = tmp_path / "reference"
    keyword_index._bm25_class().from_defaults(nodes=nodes, similarity_top_k=1).persist(str(reference))
    names = sorted(path.name for path in reference.iterdir())
    assert len(nodes) > 2 and "corpus.jsonl" in names
    assert {name: (built / name).read_bytes() == (reference / name).read_bytes() for name in names} == dict.fromkeys(
        names, True
    )


def test_index_whose_contents_disagree_with_its_stamp_is_rebuilt(indexed) -> None:
    stamp_file = keyword_index_dir(indexed) / STAMP_FILE
    info = json.loads(stamp_file.read_text(encoding="utf-8"))
    stamp_file.write_text(json.dumps(info | {"chunks": info["chunks"] + 1}), encoding="utf-8")
    index = load_keyword_index(indexed)
    assert index.size == len(indexed.all_chunks())
    assert json.loads(stamp_file.read_text(encoding="utf-8")) == info


def test_stamp_records_what_was_read_per_document(indexed) -> None:
    info = keyword_index.read_stamp(keyword_index_dir(indexed))
    documents = indexed.documents()
    assert info["documents"] == {d.doc_id: [d.content_hash, d.chunks] for d in documents.values()}
    assert info["stamp"] == keyword_index.registry_stamp(documents.values())
    persisted = keyword_index.persisted_chunks(indexed)
    assert persisted is not None
    assert sorted(persisted, key=lambda c: c.chunk_id) == sorted(indexed.all_chunks(), key=lambda c: c.chunk_id)


def test_index_of_a_store_emptied_is_removed(indexed) -> None:
    for doc_id in indexed.documents():
        indexed.remove_document(doc_id)
    assert load_keyword_index(indexed).size == 0
    assert not keyword_index_dir(indexed).exists()


@pytest.mark.parametrize("name", ["corpus.jsonl", "retriever.json"])
def test_corrupt_index_files_are_rebuilt_on_load(indexed, name: str) -> None:
    (keyword_index_dir(indexed) / name).write_text("not json\n", encoding="utf-8")
    index = load_keyword_index(indexed)
    assert index.size == len(indexed.all_chunks())
    assert index.search("membership fees", 1)[0][0].doc_id == "helpdesk/cluster-finance"


def test_searches_from_many_threads_get_their_own_hits(indexed) -> None:
    """The keyword index is memory-mapped, and bm25s reads a corpus row by seek + readline on one shared mmap, so
    two threads could read each other's rows (the web app answers 8 requests at once); searches hold a lock. The
    race needs a thread switch between the two calls: this test guards the threaded use, it rarely catches it."""
    from concurrent.futures import ThreadPoolExecutor

    index = load_keyword_index(indexed)
    queries = ["membership fees", "innovation voucher", "design sprint", "cluster managers training"] * 25
    alone = {q: [c.chunk_id for c, _ in index.search(q, 3)] for q in set(queries)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: [c.chunk_id for c, _ in index.search(q, 3)], queries))
    assert together == [alone[q] for q in queries]
