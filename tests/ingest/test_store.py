"""The store adapter on real Chroma (embedded): round trips, dense search, sentences, removal, garbage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import embedding_text, split_document, split_sentences
from ingest.cleaning import clean_document
from ingest.config import Config
from ingest.errors import StoreError
from ingest.loading import load_document
from ingest.pipeline import indexed_document
from ingest.store import Store, open_store
from tests.conftest import write_corpus

DOCS = {
    "briefs/test-brief": "briefs/test-brief.pdf",
    "good_practices/alpine-cluster-voucher": "good_practices/alpine-cluster-voucher.md",
    "good_practices/baltic-design-sprint": "good_practices/baltic-design-sprint.md",
    "helpdesk/cluster-finance": "helpdesk/cluster-finance.md",
}


def prepare(path: Path, doc_id: str, embedder, *, chunk_tokens: int = 40):
    """Everything ``Store.write_document`` takes, for one file (small chunks: several per page)."""
    document = load_document(path, doc_id)
    chunks = split_document(
        document,
        clean_document(document),
        chunk_tokens=chunk_tokens,
        chunk_overlap=0,
        count_wordpieces=embedder.count_wordpieces,
    )
    sentences = [s for chunk in chunks for s in split_sentences(chunk)]
    indexed = indexed_document(document, chunks)
    chunk_vectors = embedder.embed([embedding_text(c) for c in chunks])
    sentence_vectors = embedder.embed([s.text for s in sentences])
    return indexed, chunks, chunk_vectors, sentences, sentence_vectors


@pytest.fixture(scope="module")
def module_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("store") / "corpus")


@pytest.fixture(scope="module")
def prepared(module_corpus: Path, embedder) -> dict:
    """write_document's arguments for each test document, embedded once per module."""
    return {doc_id: prepare(module_corpus / relative, doc_id, embedder) for doc_id, relative in DOCS.items()}


def _fill(index_dir: Path, prepared: dict) -> Store:
    store = open_store(Config(index_dir=index_dir))
    for parts in prepared.values():
        store.write_document(*parts)
    return store


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, prepared: dict) -> tuple[Store, dict]:
    """A filled store for the tests that only read."""
    return _fill(tmp_path_factory.mktemp("shared-index"), prepared), prepared


@pytest.fixture
def filled(tmp_path: Path, prepared: dict) -> tuple[Store, dict]:
    """A filled store of this test's own, for the tests that change it."""
    return _fill(tmp_path / "index", prepared), prepared


def test_round_trip_of_chunks_and_registry(shared) -> None:
    store, written = shared
    chunks = {c.chunk_id: c for c in store.all_chunks()}
    expected = {c.chunk_id: c for _, doc_chunks, *_ in written.values() for c in doc_chunks}
    assert chunks == expected  # every field, page None, section None, themes as a tuple
    assert store.count_chunks() == len(expected)
    alpine = next(c for c in chunks.values() if c.doc_id == "good_practices/alpine-cluster-voucher")
    assert alpine.page is None and alpine.metadata["themes"] == ("innovation vouchers", "SMEs")
    assert {c.page for c in chunks.values() if c.doc_id == "briefs/test-brief"} == {1, 2, 3}
    assert store.documents() == {doc_id: parts[0] for doc_id, parts in written.items()}


def test_location_is_the_resolved_index_dir(tmp_path: Path) -> None:
    store = open_store(Config(index_dir=tmp_path / "index"))
    assert store.location == str((tmp_path / "index").resolve())
    assert (tmp_path / "index" / "chroma").is_dir()


def test_data_survives_reopening(shared) -> None:
    store, _ = shared
    reopened = open_store(store.config)
    assert reopened.documents() == store.documents()
    assert sorted(c.chunk_id for c in reopened.all_chunks()) == sorted(c.chunk_id for c in store.all_chunks())


def test_dense_search_scores_are_cosines_and_filters_apply(shared, embedder) -> None:
    store, written = shared
    _, chunks, vectors, *_ = written["helpdesk/cluster-finance"]
    target = next(i for i, c in enumerate(chunks) if "membership fees" in c.text)
    query = vectors[target]
    hits = store.dense_search(query, 3)
    assert len(hits) == 3
    assert hits[0][0] == chunks[target]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    all_vectors = {c.chunk_id: v for _, cs, vs, *_ in written.values() for c, v in zip(cs, vs, strict=True)}
    for chunk, score in hits:
        assert score == pytest.approx(float(np.dot(query, all_vectors[chunk.chunk_id])), abs=1e-4)

    others = ["briefs/test-brief", "good_practices/baltic-design-sprint"]
    filtered = store.dense_search(query, 50, doc_ids=others)
    assert filtered and {chunk.doc_id for chunk, _ in filtered} <= set(others)
    assert len(filtered) == sum(len(written[d][1]) for d in others)


def test_dense_search_within_no_documents_finds_nothing(shared) -> None:
    """Regression: a filter that selects no documents (``doc_ids=[]``, e.g. filters that match nothing) made
    Chroma raise "Expected where operand value to be a non-empty list" instead of returning no hits, unlike
    the keyword index, which returns []."""
    store, written = shared
    assert store.dense_search(written["briefs/test-brief"][2][0], 5, doc_ids=[]) == []


def test_next_chunk_walks_a_document_in_page_and_position_order(shared) -> None:
    store, written = shared
    _, chunks, *_ = written["briefs/test-brief"]
    ordered = sorted(chunks, key=lambda c: (c.page or 0, c.start))
    assert len(ordered) >= 3
    walked = [ordered[0]]
    while (following := store.next_chunk(walked[-1])) is not None:
        walked.append(following)
    assert [c.chunk_id for c in walked] == [c.chunk_id for c in ordered]


def test_sentences_of_a_long_chunk_or_of_other_ids_are_all_found(filled, tmp_path: Path, embedder) -> None:
    """Sentences are read by id, SENTENCES_BY_ID positions per chunk; a chunk with more, or whose sentences
    have ids of another form (written by an older version), is read by filter, so none is lost."""
    import dataclasses

    from ingest.store import SENTENCES_BY_ID

    store, _ = filled
    path = tmp_path / "memo.md"
    count = SENTENCES_BY_ID + 12
    path.write_text(" ".join(f"Point {n} holds." for n in range(count)) + "\n", encoding="utf-8")
    indexed, chunks, chunk_vectors, sentences, sentence_vectors = prepare(
        path, "helpdesk/memo", embedder, chunk_tokens=400
    )
    assert len(chunks) == 1 and len(sentences) == count
    store.write_document(indexed, chunks, chunk_vectors, sentences, sentence_vectors)
    found, vectors = store.sentences_of([chunks[0].chunk_id])
    assert [x.text for x in found] == [x.text for x in sentences] and len(vectors) == count

    other = [dataclasses.replace(x, sentence_id=f"{x.chunk_id}-{n}") for n, x in enumerate(sentences[:5])]
    store.write_document(indexed, chunks, chunk_vectors, other, sentence_vectors[:5])
    store.collect_garbage(force=True)
    store._sentences.delete(ids=[x.sentence_id for x in sentences])
    found, _ = store.sentences_of([chunks[0].chunk_id])
    assert [x.sentence_id for x in found] == [x.sentence_id for x in other]


def test_sentences_of_follow_the_requested_chunk_order(shared, embedder) -> None:
    store, written = shared
    _, chunks, _, sentences, sentence_vectors = written["briefs/test-brief"]
    wanted = [chunks[2].chunk_id, chunks[0].chunk_id]
    found, vectors = store.sentences_of(wanted)
    expected = [s for cid in wanted for s in sentences if s.chunk_id == cid]
    assert len(expected) >= 3
    assert found == expected
    assert vectors.shape == (len(expected), 384)
    index = {s.sentence_id: i for i, s in enumerate(sentences)}
    np.testing.assert_allclose(vectors, sentence_vectors[[index[s.sentence_id] for s in expected]], atol=1e-5)
    empty, no_vectors = store.sentences_of([])
    assert empty == [] and no_vectors.size == 0


def test_remove_document_leaves_the_others(filled) -> None:
    store, written = filled
    removed = written["briefs/test-brief"][1]
    store.remove_document("briefs/test-brief")
    assert "briefs/test-brief" not in store.documents()
    assert all(c.doc_id != "briefs/test-brief" for c in store.all_chunks())
    assert store.count_chunks() == sum(
        len(parts[1]) for doc_id, parts in written.items() if doc_id != "briefs/test-brief"
    )
    assert store.sentences_of([c.chunk_id for c in removed])[0] == []
    assert store.sentences_of([written["helpdesk/cluster-finance"][1][0].chunk_id])[0]


def test_rewriting_a_document_replaces_its_chunks(filled, corpus: Path, embedder) -> None:
    store, written = filled
    path = corpus / "helpdesk" / "cluster-finance.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new paragraph about regional budgets.\n", encoding="utf-8")
    new = prepare(path, "helpdesk/cluster-finance", embedder)
    store.write_document(*new)
    helpdesk = [c for c in store.all_chunks() if c.doc_id == "helpdesk/cluster-finance"]
    assert {c.content_hash for c in helpdesk} == {new[0].content_hash}
    assert sorted(c.chunk_id for c in helpdesk) == sorted(c.chunk_id for c in new[1])
    assert store.count_chunks() == sum(doc.chunks for doc in store.documents().values())
    old_ids = [c.chunk_id for c in written["helpdesk/cluster-finance"][1]]
    assert store.sentences_of(old_ids)[0] == []


def test_collect_garbage_drops_chunks_of_an_uncommitted_version(filled, corpus: Path, embedder) -> None:
    store, written = filled
    path = corpus / DOCS["good_practices/baltic-design-sprint"]
    path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added later.\n", encoding="utf-8")
    new = prepare(path, "good_practices/baltic-design-sprint", embedder)
    committed_before = store.documents()
    chunks_before = store.all_chunks()
    real_registry = store._registry
    store._registry = _CrashingRegistry()  # the run dies at the commit, after the new chunks were added
    with pytest.raises(_Crash):
        store.write_document(*new)
    store._registry = real_registry
    expected = sum(len(parts[1]) for parts in written.values())
    assert store.count_chunks() == expected + len(new[1])  # the new version's chunks are there...
    assert store.documents() == committed_before
    assert sorted(store.all_chunks(), key=_key) == sorted(chunks_before, key=_key)  # ...but do not count
    assert store.collect_garbage() == len(new[1])
    assert store.count_chunks() == expected
    assert store.sentences_of([c.chunk_id for c in new[1]])[0] == []
    assert store.collect_garbage() == 0


def _key(chunk) -> str:
    return chunk.chunk_id


class _Crash(RuntimeError):
    pass


class _CrashingRegistry:
    """Stands in for the registry collection: the process 'dies' when the document is committed."""

    def upsert(self, **kwargs) -> None:
        raise _Crash("interrupted before the commit")


def test_unreachable_server_says_how_to_start_one() -> None:
    with pytest.raises(StoreError) as caught:
        open_store(Config(chroma_url="http://127.0.0.1:9"))
    message = str(caught.value)
    assert message.startswith("Cannot open the Chroma index at http://127.0.0.1:9: ")
    assert message.endswith("is the server running (`chroma run --path DIR --port PORT`)?")


def test_store_on_a_chroma_server(chroma_server: str, corpus: Path, embedder, tmp_path: Path) -> None:
    config = Config(chroma_url=chroma_server, collection_prefix="store_test", index_dir=tmp_path / "index")
    store = open_store(config)
    assert store.location == chroma_server
    parts = prepare(corpus / DOCS["helpdesk/cluster-finance"], "helpdesk/cluster-finance", embedder)
    store.write_document(*parts)
    assert open_store(config).documents() == {"helpdesk/cluster-finance": parts[0]}
    hits = store.dense_search(parts[2][0], 1)
    assert hits[0][0] == parts[1][0]
    store.remove_document("helpdesk/cluster-finance")
    assert store.count_chunks() == 0 and store.documents() == {}
    assert not (tmp_path / "index" / "chroma").exists()  # nothing embedded was created locally


def test_a_reader_sees_another_stores_commit_and_removal_by_the_generation(filled, tmp_path: Path) -> None:
    """Readers keep the registry they read (a question no longer reads it whole); every commit or removal makes
    a new generation, so a second Store on the same index (another process) re-reads it at its next check."""
    writer, written = filled
    reader = open_store(Config(index_dir=tmp_path / "index"))
    before = reader.committed(max_age=0)
    assert set(before) == set(DOCS)
    assert reader.committed() is before, "unchanged: the snapshot is kept, not re-read"

    generation = writer.generation()
    writer.remove_document("helpdesk/cluster-finance")
    assert writer.generation() != generation
    assert reader.committed() is before, "within REGISTRY_CHECK_S the reader trusts its snapshot"
    assert "helpdesk/cluster-finance" not in reader.committed(max_age=0)

    writer.write_document(*written["helpdesk/cluster-finance"])
    assert "helpdesk/cluster-finance" in reader.committed(max_age=0)
    assert "helpdesk/cluster-finance" in writer.committed(), "a store sees its own commits at once"


def test_an_index_without_a_generation_is_read_each_check_and_gets_one_at_the_next_ingest(filled) -> None:
    store, _ = filled
    store._state.delete(ids=["registry"])  # an index written before registry generations
    assert store.generation() is None
    first = store.committed(max_age=0)
    assert store.committed(max_age=0) is first, "re-read, but unchanged: the same snapshot"
    store.ensure_generation()
    assert store.generation() is not None


def test_garbage_collection_cleans_only_what_an_interrupted_run_left(filled, corpus: Path, embedder) -> None:
    """Every ingest that wrote anything scanned every chunk and sentence record for an interrupted run's leftovers
    (78.8 s and 2 GB of RSS at 100k chunks). A write or removal now names its document while it runs: after
    finished ones there is nothing to collect, after an interrupted one only that document is cleaned."""
    store, written = filled
    assert not store.garbage_possible(), "finished writes on a new index leave nothing behind"
    assert store.collect_garbage() == 0
    store.remove_document("helpdesk/cluster-finance")
    assert not store.garbage_possible()
    store.write_document(*written["helpdesk/cluster-finance"])
    assert not open_store(store.config).garbage_possible()

    path = corpus / DOCS["good_practices/baltic-design-sprint"]
    path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added later.\n", encoding="utf-8")
    new = prepare(path, "good_practices/baltic-design-sprint", embedder)
    real_registry = store._registry
    store._registry = _CrashingRegistry()
    with pytest.raises(_Crash):
        store.write_document(*new)
    store._registry = real_registry
    assert open_store(store.config).garbage_possible(), "the document in flight is in the index, seen by the next run"
    scanned: list[str] = []
    real_collect_all = store._collect_garbage
    store._collect_garbage = lambda: scanned.append("all") or real_collect_all()  # type: ignore[method-assign]
    assert store.collect_garbage() == len(new[1])
    assert scanned == [], "one document's leftovers are found without reading every record"
    assert not store.garbage_possible()
    assert store.collect_garbage(force=True) == 0 and scanned == ["all"]


def test_a_second_unfinished_write_makes_the_next_collection_scan_everything(filled, corpus: Path, embedder) -> None:
    store, _ = filled
    real_registry = store._registry
    store._registry = _CrashingRegistry()
    leftovers = 0
    for doc_id in ("good_practices/baltic-design-sprint", "helpdesk/cluster-finance"):
        path = corpus / DOCS[doc_id]
        path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        new = prepare(path, doc_id, embedder)
        leftovers += len(new[1])
        with pytest.raises(_Crash):
            store.write_document(*new)
    store._registry = real_registry
    assert store.collect_garbage() == leftovers
    assert store.count_chunks() == sum(doc.chunks for doc in store.documents().values())


def test_an_index_older_than_the_record_is_scanned_once(filled) -> None:
    store, _ = filled
    store._state.delete(ids=["garbage"])
    reopened = open_store(store.config)
    assert reopened.garbage_possible(), "records but no garbage record: an older index, anything may be left"
    reopened.collect_garbage()
    assert not reopened.garbage_possible()


def test_warming_the_vector_indexes_in_the_background_finishes_on_empty_and_filled_indexes(
    shared, tmp_path: Path, embedder
) -> None:
    """``Store.warm`` (the Assistant's start-up) queries each collection once, in a thread of its own."""
    empty = open_store(Config(index_dir=tmp_path / "empty"))
    for store in (empty, shared[0]):
        thread = store.warm()
        thread.join(timeout=120)
        assert not thread.is_alive()
    hits = shared[0].dense_search(embedder.embed_query("cluster finance"), 3)
    assert len(hits) == 3


def test_vector_searches_keep_enough_candidates_on_new_and_older_indexes(tmp_path: Path) -> None:
    """Chroma's default ef_search (100) barely exceeded the 80 sentences a question asks for, and the search then
    missed closer sentences, differently in each build of the same corpus; a spent answer flipped between builds."""
    from ingest.store import SEARCH_EF

    config = Config(index_dir=tmp_path / "index")
    store = open_store(config)
    for collection in (store._chunks, store._sentences):
        assert collection.configuration_json["hnsw"]["ef_search"] == SEARCH_EF
        collection.modify(configuration={"hnsw": {"ef_search": 100}})  # as an index made before
    reopened = open_store(config)
    for collection in (reopened._chunks, reopened._sentences):
        assert collection.configuration_json["hnsw"]["ef_search"] == SEARCH_EF


def test_sentence_hits_at_one_distance_are_cut_in_id_order(filled, tmp_path: Path, embedder) -> None:
    """Bug (CI, one spent answer flipping between runs): the same sentence in several passages is several hits at
    one distance, and at the search's cut Chroma returned any of them. The cut now keeps the smallest ids."""
    store, _ = filled
    boilerplate = "The helpdesk answer on clusters also cites this practice."
    chunk_ids = []
    for n in range(6):
        path = tmp_path / f"record-{n}.md"
        path.write_text(
            f"# Record {n}\n\nRecord {n} funds pilot lines in region {n}. {boilerplate}\n", encoding="utf-8"
        )
        parts = prepare(path, f"good_practices/record-{n}", embedder, chunk_tokens=400)
        store.write_document(*parts)
        chunk_ids += [s.chunk_id for s in parts[3] if s.text == boilerplate]
    assert len(chunk_ids) == 6

    hits = store.sentence_search(embedder.embed_query(boilerplate), 3)

    assert [chunk for chunk, _ in hits] == sorted(chunk_ids)[:3]
    assert len({round(score, 6) for _, score in hits}) == 1
