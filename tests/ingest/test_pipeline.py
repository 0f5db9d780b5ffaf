"""End to end: the test corpus through the real model into real Chroma (embedded and server), incrementally,
with bad files reported and each document committed atomically."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.retrieval import Retriever
from ingest import Config, Progress, Store, embedding, ingest, open_store
from ingest.errors import DocumentError
from ingest.keyword_index import STAMP_FILE, build_keyword_index, keyword_index_dir, load_keyword_index
from tests.conftest import CORPUS_DOC_IDS

HELPDESK = Path("helpdesk/cluster-finance.md")
ALPINE = Path("good_practices/alpine-cluster-voucher.md")


class Interrupted(Exception):
    """Stands for the process dying at a chosen point."""


def _no_model():
    raise AssertionError("the embedding model was loaded although nothing needed embedding")


def _run(corpus: Path, config: Config, embedder, **kwargs):
    return ingest([corpus], config, embedder_factory=lambda: embedder, **kwargs)


def _ingested(corpus: Path, embedder) -> tuple[Config, Store]:
    """The test corpus ingested with the default config, and its store opened afresh."""
    config = Config.load()
    _run(corpus, config, embedder)
    return config, open_store(config)


def _status(report) -> dict[str, str]:
    return {o.doc_id: o.status for o in report.outcomes}


def assert_consistent(store: Store) -> None:
    """Exactly the committed version of every document is stored: no leftovers, no duplicates."""
    documents = store.documents()
    chunks = store.all_chunks()
    assert store.count_chunks() == sum(doc.chunks for doc in documents.values()) == len(chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for doc_id, doc in documents.items():
        assert {c.content_hash for c in chunks if c.doc_id == doc_id} == {doc.content_hash}
    sentences, _ = store.sentences_of([c.chunk_id for c in chunks])
    assert store._sentences.count() == len(sentences), "sentence records of no committed chunk are left"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_first_ingest_adds_everything(corpus: Path, embedder, _isolated_home: Path) -> None:
    snapshots: list[tuple[int, int, int, int]] = []
    sentences: list[tuple[int, int]] = []

    def progress(snapshot: Progress) -> None:
        snapshots.append((snapshot.files_done, snapshot.files_total, snapshot.chunks_done, snapshot.chunks_total))
        sentences.append((snapshot.sentences_done, snapshot.sentences_total))

    config = Config.load()
    report = _run(corpus, config, embedder, progress=progress)
    assert _status(report) == dict.fromkeys(CORPUS_DOC_IDS, "added")
    assert report.failed == ()
    assert report.counts == {"added": 4, "updated": 0, "unchanged": 0, "removed": 0, "failed": 0}
    assert report.index_location == str(_isolated_home.resolve())
    assert report.total_documents == 4
    assert report.chunks_written == report.total_chunks >= 4
    assert snapshots[-1] == (4, 4, report.total_chunks, report.total_chunks)
    # The sentences' embedding is progress too: it advances after a document's chunks are done.
    assert sentences[-1][0] == sentences[-1][1] > report.total_chunks
    done = [d for d, _ in sentences]
    assert done == sorted(done) and len(set(done)) == 1 + 4, "each document's sentences are reported when embedded"

    store = open_store(config)
    assert_consistent(store)
    chunks = store.all_chunks()
    brief = [c for c in chunks if c.doc_id == "briefs/test-brief"]
    assert brief and all(c.page in (1, 2, 3) for c in brief)
    assert {c.page for c in brief} == {1, 2, 3}
    assert all(c.page is None for c in chunks if c.doc_type != "brief")
    assert {c.doc_type for c in chunks} == {"brief", "good_practice", "helpdesk"}
    assert store.documents()["good_practices/alpine-cluster-voucher"].metadata["themes"] == (
        "innovation vouchers",
        "SMEs",
    )
    # The keyword index sits next to the Chroma index and knows the committed chunks.
    assert (keyword_index_dir(store) / STAMP_FILE).is_file()
    hits = load_keyword_index(store).search("membership fees", 3)
    assert hits[0][0].doc_id == "helpdesk/cluster-finance"
    # Dense retrieval with the real model finds the passage that answers.
    # (Two passages tie within 0.001 here, so the answering one must be among the top two, not first.)
    hits = store.dense_search(embedder.embed_query("How much are the innovation vouchers worth?"), 2)
    assert any("€" in chunk.text and score > 0.3 for chunk, score in hits)


def test_reingest_is_a_no_op_and_never_loads_the_model(corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config.load()
    first = _run(corpus, config, embedder)
    before = sorted(c.chunk_id for c in open_store(config).all_chunks())

    again = ingest([corpus], config, embedder_factory=_no_model)
    assert _status(again) == dict.fromkeys(CORPUS_DOC_IDS, "unchanged")
    assert again.chunks_written == 0
    assert again.total_chunks == first.total_chunks

    # The default path (no factory) must not load the model either.
    monkeypatch.setattr(embedding, "load_embedder", lambda **kwargs: _no_model())
    third = ingest([corpus], config)
    assert third.counts["unchanged"] == 4 and third.chunks_written == 0
    store = open_store(config)
    assert sorted(c.chunk_id for c in store.all_chunks()) == before
    assert_consistent(store)


def test_modified_file_is_updated_and_its_old_chunks_are_gone(corpus: Path, embedder) -> None:
    config, store = _ingested(corpus, embedder)
    old_ids = {c.chunk_id for c in store.all_chunks() if c.doc_id == "helpdesk/cluster-finance"}
    _append(corpus / HELPDESK, "\n## Follow-up\n\nSome regions also tax cluster members on a sliding scale.\n")

    report = _run(corpus, config, embedder)
    assert _status(report) == dict.fromkeys(CORPUS_DOC_IDS, "unchanged") | {"helpdesk/cluster-finance": "updated"}
    assert report.chunks_written == store.documents()["helpdesk/cluster-finance"].chunks
    helpdesk = [c for c in store.all_chunks() if c.doc_id == "helpdesk/cluster-finance"]
    assert not old_ids & {c.chunk_id for c in helpdesk}
    assert any("sliding scale" in c.text for c in helpdesk)
    assert store.sentences_of(sorted(old_ids))[0] == []
    assert_consistent(store)


def test_a_field_taken_out_of_a_file_leaves_the_registry(corpus: Path, embedder) -> None:
    """Regression: Chroma's upsert merges metadata into the stored registry record, so a country deleted from a
    good practice's front matter stayed in the registry (and the country filter) after the file was re-ingested."""
    config, store = _ingested(corpus, embedder)
    assert store.documents()["good_practices/alpine-cluster-voucher"].metadata["country"] == "Austria"
    path = corpus / ALPINE
    path.write_text(path.read_text(encoding="utf-8").replace("country: Austria\n", ""), encoding="utf-8")
    assert _status(_run(corpus, config, embedder))["good_practices/alpine-cluster-voucher"] == "updated"
    metadata = open_store(config).documents()["good_practices/alpine-cluster-voucher"].metadata
    assert "country" not in metadata and metadata["region"] == "Tyrol"


def test_deleted_file_is_removed_with_its_chunks(corpus: Path, embedder) -> None:
    config = Config.load()
    _run(corpus, config, embedder)
    (corpus / ALPINE).unlink()
    report = ingest([corpus], config, embedder_factory=_no_model)
    assert _status(report)["good_practices/alpine-cluster-voucher"] == "removed"
    assert report.counts == {"added": 0, "updated": 0, "unchanged": 3, "removed": 1, "failed": 0}
    store = open_store(config)
    assert "good_practices/alpine-cluster-voucher" not in store.documents()
    assert all(c.doc_id != "good_practices/alpine-cluster-voucher" for c in store.all_chunks())
    assert all(
        hit.doc_id != "good_practices/alpine-cluster-voucher"
        for hit, _ in load_keyword_index(store).search("voucher", 10)
    )
    assert_consistent(store)


def test_single_file_keeps_its_folder_id_and_removes_nothing(corpus: Path, embedder) -> None:
    config = Config.load()
    report = _run(corpus / "briefs" / "test-brief.pdf", config, embedder)
    assert _status(report) == {"briefs/test-brief": "added"}
    full = _run(corpus, config, embedder)
    assert _status(full)["briefs/test-brief"] == "unchanged"
    assert full.counts["added"] == 3
    # Ingesting one file does not remove the documents that live elsewhere.
    alone = ingest([corpus / "briefs" / "test-brief.pdf"], config, embedder_factory=_no_model)
    assert alone.counts == {"added": 0, "updated": 0, "unchanged": 1, "removed": 0, "failed": 0}
    assert alone.total_documents == 4


def test_type_folder_ingested_on_its_own_keeps_the_corpus_ids(corpus: Path, embedder) -> None:
    """Regression: ``doc_id_for`` made ids relative to the ingested folder, so ``policydesk ingest
    corpus/helpdesk`` after ``policydesk ingest corpus`` added every helpdesk answer a second time under a
    new id (``cluster-finance`` beside ``helpdesk/cluster-finance``): duplicate documents and retrieval hits.
    A single file already keeps its ``<folder>/<stem>`` id; a type folder must too."""
    config = Config.load()
    _run(corpus, config, embedder)
    report = ingest([corpus / "helpdesk"], config, embedder_factory=_no_model)
    assert _status(report) == {"helpdesk/cluster-finance": "unchanged"}
    assert report.total_documents == 4


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-corpus"
    with pytest.raises(DocumentError) as caught:
        ingest([missing], Config.load(), embedder_factory=_no_model)
    assert str(caught.value) == f"{missing}: does not exist; pass a corpus folder or a file"


def test_bad_files_are_reported_and_the_others_added(corpus: Path, embedder) -> None:
    corrupt = corpus / "briefs" / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.4\nthis is not a PDF body")
    docx = corpus / "helpdesk" / "answer.docx"
    docx.write_bytes(b"PK\x03\x04")
    config = Config.load()
    report = _run(corpus, config, embedder)
    assert _status(report) == dict.fromkeys(CORPUS_DOC_IDS, "added") | {
        "briefs/corrupt": "failed",
        "helpdesk/answer": "failed",
    }
    reasons = {o.source_path: o.reason for o in report.failed}
    assert reasons[str(corrupt)].startswith("the PDF is corrupt or unreadable (")
    assert reasons[str(docx)].startswith("unsupported file type '.docx'")
    assert report.total_documents == 4
    assert_consistent(open_store(config))


def test_cli_ingest_reports_a_bad_file_on_stderr_with_exit_code_1(corpus: Path) -> None:
    corrupt = corpus / "good_practices" / "broken.pdf"
    corrupt.write_bytes(b"\x00\x01 definitely not a pdf")
    result = CliRunner().invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Ingest: 4 added, 0 updated, 0 unchanged, 0 removed, 1 failed in " in result.stdout
    assert "Index: 4 documents, " in result.stdout
    assert (
        f"FAILED {corrupt}: is not a PDF: it has no %PDF- header; save the real PDF or fix the suffix" in result.stderr
    )
    assert "FAILED" not in result.stdout

    corrupt.unlink()
    again = CliRunner().invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "Ingest: 0 added, 0 updated, 4 unchanged, 0 removed, 0 failed in " in again.stdout
    assert "; 0 chunks embedded." in again.stdout


# --- atomicity: an interrupted update leaves each document as it was or fully updated ---------------------


def _versions(store: Store, doc_id: str) -> set[str]:
    return {c.content_hash for c in store.all_chunks() if c.doc_id == doc_id}


NEW_SENTENCE = "Regions also sell cluster membership to universities."


def _interrupt_update(corpus: Path, store: Store, embedder, monkeypatch: pytest.MonkeyPatch, *, at: str) -> None:
    """Change the helpdesk answer and re-ingest it, the process dying before or after the registry commit."""
    _append(corpus / HELPDESK, f"\n{NEW_SENTENCE}\n")
    if at == "commit":
        real_registry = store._registry

        class DyingRegistry:
            def __getattr__(self, name):
                return getattr(real_registry, name)

            def upsert(self, **kwargs):
                raise Interrupted("killed while committing")

        monkeypatch.setattr(store, "_registry", DyingRegistry())
    else:
        monkeypatch.setattr(Store, "_delete_where", lambda self, where: _raise(Interrupted("killed after the commit")))
    with pytest.raises(Interrupted):
        ingest([corpus], store.config, store=store, embedder_factory=lambda: embedder)
    monkeypatch.undo()


def _raise(exc: Exception):
    raise exc


def test_interrupted_before_the_commit_keeps_the_old_version(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store = _ingested(corpus, embedder)
    old = store.documents()["helpdesk/cluster-finance"]
    _interrupt_update(corpus, store, embedder, monkeypatch, at="commit")

    # The new chunks were written but not committed: readers still see exactly the old version.
    assert store.count_chunks() > sum(doc.chunks for doc in store.documents().values())
    assert store.documents()["helpdesk/cluster-finance"] == old
    assert _versions(store, "helpdesk/cluster-finance") == {old.content_hash}
    assert len([c for c in store.all_chunks() if c.doc_id == "helpdesk/cluster-finance"]) == old.chunks
    assert all(NEW_SENTENCE not in c.text for c in store.all_chunks())
    assert all(
        NEW_SENTENCE not in c.text for c, _ in load_keyword_index(store).search("sell membership universities", 10)
    )

    report = _run(corpus, config, embedder, store=store)  # the next run finishes the job
    assert _status(report)["helpdesk/cluster-finance"] == "updated"
    new = store.documents()["helpdesk/cluster-finance"]
    assert new.content_hash != old.content_hash
    assert _versions(store, "helpdesk/cluster-finance") == {new.content_hash}
    assert any(NEW_SENTENCE in c.text for c in store.all_chunks())
    assert_consistent(store)


def test_interrupted_after_the_commit_serves_the_new_version(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store = _ingested(corpus, embedder)
    _interrupt_update(corpus, store, embedder, monkeypatch, at="cleanup")

    new = store.documents()["helpdesk/cluster-finance"]
    assert store.count_chunks() > sum(doc.chunks for doc in store.documents().values())  # stale chunks remain
    assert _versions(store, "helpdesk/cluster-finance") == {new.content_hash}
    assert len([c for c in store.all_chunks() if c.doc_id == "helpdesk/cluster-finance"]) == new.chunks

    report = ingest([corpus], config, store=store, embedder_factory=_no_model)
    assert report.counts["unchanged"] == 4  # nothing to re-embed: garbage collection cleans up
    assert_consistent(store)


@pytest.mark.parametrize("at", ["commit", "cleanup"])
def test_dense_search_serves_one_version_after_an_interrupted_update(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch, at: str
) -> None:
    """Regression: ``Store.dense_search`` returned every chunk record, committed or not, so after an update
    interrupted before the commit (new chunks written) or after it (stale chunks not yet deleted) retrieval
    served both versions of the document until the next ingest collected the garbage, although the store
    promises that a document is either as it was or fully updated (``all_chunks`` does filter)."""
    _config, store = _ingested(corpus, embedder)
    _interrupt_update(corpus, store, embedder, monkeypatch, at=at)
    committed = store.documents()["helpdesk/cluster-finance"].content_hash
    hits = store.dense_search(embedder.embed_query(NEW_SENTENCE), 20, doc_ids=["helpdesk/cluster-finance"])
    assert {chunk.content_hash for chunk, _ in hits} == {committed}


@pytest.mark.parametrize("at", ["commit", "cleanup"])
def test_hybrid_retrieval_serves_one_version_after_an_interrupted_update(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch, at: str
) -> None:
    """Hybrid retrieval reads dense and sentence hits by id and only then their chunks: the uncommitted version of
    an interrupted update is found by both searches (its vectors are nearest) but never served."""
    _config, store = _ingested(corpus, embedder)
    _interrupt_update(corpus, store, embedder, monkeypatch, at=at)
    committed = store.documents()["helpdesk/cluster-finance"].content_hash
    retriever = Retriever(store, build_keyword_index(store))
    passages = retriever.retrieve(NEW_SENTENCE, embedder.embed_query(NEW_SENTENCE), k=20)
    assert {p.chunk.content_hash for p in passages if p.chunk.doc_id == "helpdesk/cluster-finance"} == {committed}
    # The search by id does find records of the version not committed (what the retriever must drop).
    found = [i for i, _ in store.dense_ids(embedder.embed_query(NEW_SENTENCE), 20)]
    assert set(found) - set(store.get_chunks(found))


def test_interrupted_between_deleting_chunks_and_sentences_leaves_no_orphans(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: ``Store._delete_where`` deletes a document's chunks, then its sentences; a run that died in
    between left sentence records whose chunks were gone, and ``collect_garbage`` (which only looks for stale
    *chunks*) never deleted them, so they stayed in the sentences collection forever."""
    _config, store = _ingested(corpus, embedder)

    def chunks_only(self, where):
        self._chunks.delete(where=where)
        raise Interrupted("killed between the two deletes")

    monkeypatch.setattr(Store, "_delete_where", chunks_only)
    with pytest.raises(Interrupted):
        store.remove_document("helpdesk/cluster-finance")
    monkeypatch.undo()

    assert "helpdesk/cluster-finance" not in store.documents()
    store.collect_garbage()
    assert_consistent(store)


def test_interrupted_removal_is_finished_by_the_next_run(
    corpus: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store = _ingested(corpus, embedder)
    (corpus / ALPINE).unlink()
    monkeypatch.setattr(Store, "_delete_where", lambda self, where: (_ for _ in ()).throw(Interrupted()))
    with pytest.raises(Interrupted):
        ingest([corpus], config, store=store, embedder_factory=_no_model)
    monkeypatch.undo()
    assert "good_practices/alpine-cluster-voucher" not in store.documents()
    assert all(c.doc_id != "good_practices/alpine-cluster-voucher" for c in store.all_chunks())

    ingest([corpus], config, store=store, embedder_factory=_no_model)
    assert_consistent(store)


# --- the same against a real Chroma server ------------------------------------------------------------------


def test_ingest_into_a_chroma_server(chroma_server: str, corpus: Path, embedder, tmp_path: Path) -> None:
    config = Config(
        chroma_url=chroma_server, collection_prefix=f"e2e_{uuid.uuid4().hex[:8]}", index_dir=tmp_path / "local"
    )
    report = _run(corpus, config, embedder)
    assert report.counts["added"] == 4 and report.failed == ()
    assert report.index_location == chroma_server
    store = open_store(config)
    assert_consistent(store)
    assert not (tmp_path / "local" / "chroma").exists()
    # The keyword index lives locally, next to where the embedded index would be.
    assert (keyword_index_dir(store) / STAMP_FILE).is_file()
    assert keyword_index_dir(store).parent == tmp_path / "local"
    hits = load_keyword_index(store).search("design sprint prototype", 2)
    assert hits[0][0].doc_id == "good_practices/baltic-design-sprint"
    dense = store.dense_search(embedder.embed_query("design sprint for manufacturers"), 1)
    assert dense[0][0].doc_id == "good_practices/baltic-design-sprint"
    assert np.isfinite(dense[0][1])

    again = ingest([corpus], config, embedder_factory=_no_model)
    assert again.counts["unchanged"] == 4 and again.chunks_written == 0

    _append(corpus / HELPDESK, "\nA new paragraph about cluster audits.\n")
    (corpus / ALPINE).unlink()
    third = _run(corpus, config, embedder)
    assert _status(third)["helpdesk/cluster-finance"] == "updated"
    assert _status(third)["good_practices/alpine-cluster-voucher"] == "removed"
    assert_consistent(store)


def test_cli_against_a_chroma_server(chroma_server: str, corpus: Path, tmp_path: Path, monkeypatch) -> None:
    prefix = f"cli_{uuid.uuid4().hex[:8]}"
    config_file = tmp_path / "policydesk.toml"
    config_file.write_text(f'collection_prefix = "{prefix}"\n', encoding="utf-8")
    monkeypatch.setenv("POLICYDESK_CONFIG", str(config_file))
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", "--chroma-url", chroma_server, str(corpus)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Index: 4 documents, " in result.stdout and f" chunks at {chroma_server}" in result.stdout
    stats = runner.invoke(cli, ["stats", "--chroma-url", chroma_server], catch_exceptions=False)
    assert stats.exit_code == 0
    assert f"Index:           {chroma_server}" in stats.stdout
    assert "good_practice           2" in stats.stdout
    assert "total                   4" in stats.stdout
