"""The Documents tab: upload checks, upload → indexed → answerable, removal, and admin-only access."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant.documents import (
    MAX_UPLOAD_BYTES,
    add_document,
    check_upload,
    may_manage,
    progress_fraction,
    remove_document,
    safe_file_name,
    save_upload,
    uploads_dir,
)
from assistant.service import Assistant
from assistant.ui import build_ui
from assistant.ui_handlers import Handlers
from ingest.config import Config
from ingest.errors import DocumentError
from ingest.pipeline import Progress
from ingest.sidecar import sidecar_path
from tests.ui.conftest import UI_CORPUS
from tests.ui.fakes import FakeAssistant

BATTERY_QUESTION = "How does the Danube battery school train battery technicians?"
BATTERY_NOTE = """\
---
title: Danube battery school
country: Hungary
---
# Danube battery school

The Danube battery school trains battery technicians in a nine-month evening course run with local factories.
Each technician spends one day a week repairing battery packs in a partner workshop.
"""


def _file(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _request(username: str | None) -> gr.Request:
    return gr.Request(username=username)


# --- checks without a model --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.docx", b"PK\x03\x04 a zip", "not a supported file type"),
        ("brief.pdf", b"<html>not a pdf</html>", "not a PDF"),
        ("notes.md", b"caf\xe9 au lait", r"not UTF-8 text \(byte 3\)"),
        ("empty.md", b"", "is empty"),
    ],
)
def test_uploads_are_checked_by_suffix_and_content(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        check_upload(_file(tmp_path, name, data))


def test_uploads_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "big.md", "")
    with path.open("wb") as stream:
        stream.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no 20 MB written to disk
    with pytest.raises(DocumentError, match="over the 20 MB limit"):
        check_upload(path)


def test_real_pdf_and_utf8_markdown_pass(tmp_path: Path, pdf_writer) -> None:
    check_upload(pdf_writer(tmp_path / "brief.pdf"))
    check_upload(_file(tmp_path, "note.md", "# Café\n\nÜber clusters."))


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/.bashrc.md", "bashrc.md"), ("C:\\Users\\x\\brief.pdf", "brief.pdf"), ("<img x>.md", "_img x_.md")],
)
def test_file_names_are_sanitised(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_a_name_with_nothing_left_is_refused() -> None:
    with pytest.raises(DocumentError, match="no usable file name"):
        safe_file_name("../...")


def test_the_document_type_decides_the_folder(tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "index")
    saved = save_upload(_file(tmp_path, "x.md", "# X\n\ntext"), "good_practice", config, name="../Alpine voucher.md")
    assert saved == uploads_dir(config) / "good_practices" / "Alpine voucher.md" and saved.is_file()
    with pytest.raises(DocumentError, match="needs a document type"):
        save_upload(saved, "memo", config)


def test_progress_is_a_fraction_with_a_label() -> None:
    assert progress_fraction(Progress(0, 1, 3, 4, "a.pdf")) == (0.75, "Embedding a.pdf: 3/4 chunks")
    assert progress_fraction(Progress()) == (0.0, "Checking the file")
    # Once a document's chunks are embedded, its sentences fill the second half of the bar.
    assert progress_fraction(Progress(0, 1, 4, 4, "a.pdf", 10, 40)) == (
        0.625,
        "Embedding a.pdf: 4/4 chunks, 10/40 sentences",
    )
    assert progress_fraction(Progress(0, 1, 2, 4, "a.pdf", 0, 40))[0] == 0.25


def test_only_the_admin_manages_documents_when_a_login_is_configured(tmp_path: Path) -> None:
    assert may_manage(None, None) and may_manage("admin", "admin")
    assert not may_manage("admin", "staff") and not may_manage("admin", None)
    handlers = Handlers(FakeAssistant(), Config(index_dir=tmp_path / "index"), admin="admin")  # type: ignore[arg-type]
    upload = _file(tmp_path, "x.md", "# X\n\ntext")
    with pytest.raises(gr.Error, match="Only the admin"):
        handlers.upload(str(upload), "brief", "", "", "", "", _request("staff"))
    with pytest.raises(gr.Error, match="Only the admin"):
        handlers.remove("helpdesk/cluster-finance", True, _request(None))
    assert not uploads_dir(handlers.config).exists()


def test_document_management_is_not_an_api_endpoint(tmp_path: Path) -> None:
    app = build_ui(None, Config(index_dir=tmp_path / "index"), admin="admin")
    assert set(app.get_api_info()["named_endpoints"]) == {"/ask", "/chat", "/draft"}
    hidden = [d for d in app.fns.values() if d.fn and getattr(d.fn, "__name__", "") in ("upload", "remove")]
    assert len(hidden) == 2 and all(d.api_visibility == "private" for d in hidden)


# --- the real thing: real model, real Chroma ---------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Assistant:
    """An Assistant over a fresh real index of the UI corpus (this test may change it)."""
    from ingest import ingest

    root = tmp_path / "corpus"
    for relative, text in UI_CORPUS.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    config = Config(index_dir=tmp_path / "index")
    assert not ingest([root], config).failed
    return Assistant(config)


def _cited_docs(assistant: Assistant, question: str) -> set[str]:
    return {c.chunk.doc_id for c in assistant.ask(question).citations}


def test_upload_is_indexed_answerable_and_removable(live: Assistant, tmp_path: Path) -> None:
    seen: list[Progress] = []
    source = _file(tmp_path, "danube-batteries.md", BATTERY_NOTE)
    outcome = add_document(source, "helpdesk", live.config, assistant=live, progress=seen.append)
    assert (outcome.doc_id, outcome.status) == ("helpdesk/danube-batteries", "added")
    assert seen and seen[-1].files_done == 1 and seen[-1].chunks_done == seen[-1].chunks_total > 0
    indexed = {d.doc_id: d for d in live.documents()}["helpdesk/danube-batteries"]
    assert (indexed.title, indexed.doc_type, indexed.chunks) == ("Danube battery school", "helpdesk", outcome.chunks)
    assert "helpdesk/danube-batteries" in _cited_docs(live, BATTERY_QUESTION)

    assert add_document(source, "helpdesk", live.config, assistant=live).status == "unchanged"
    removed = remove_document(live, "helpdesk/danube-batteries")
    assert removed.title == "Danube battery school" and not Path(removed.source_path).exists()
    assert "helpdesk/danube-batteries" not in {d.doc_id for d in live.documents()}
    assert "helpdesk/danube-batteries" not in _cited_docs(live, BATTERY_QUESTION)
    with pytest.raises(DocumentError, match="not in the index"):
        remove_document(live, "helpdesk/danube-batteries")


def test_admin_uploads_a_pdf_through_the_handlers(live: Assistant, tmp_path: Path, pdf_writer) -> None:
    handlers = Handlers(live, live.config, admin="admin")
    pdf = str(pdf_writer(tmp_path / "in" / "clusters brief.pdf"))
    status, cleared = handlers.upload(pdf, "brief", "", "", "", "", _request("admin"))
    assert cleared is None  # the file box empties after an upload
    assert "briefs/clusters brief was added" in status
    table, remove_choices, confirmed, *filters = handlers.document_views()
    assert [table[0][0], table[0][2], table[0][3]] == ["briefs/clusters brief", "policy brief", 3]
    assert ("Clusters in practice: a test brief (briefs/clusters brief)", "briefs/clusters brief") in (
        remove_choices.choices
    )
    assert len(filters) == 8 and ("Austria", "Austria") in filters[0].choices and confirmed is False
    with pytest.raises(gr.Error, match="Tick 'Yes, remove it'"):
        handlers.remove("briefs/clusters brief", False, _request("admin"))
    assert "Removed Clusters in practice" in handlers.remove("briefs/clusters brief", True, _request("admin"))
    assert not list((uploads_dir(live.config) / "briefs").iterdir())


def test_a_file_that_fails_to_ingest_is_reported_and_not_kept(live: Assistant, tmp_path: Path) -> None:
    bad = _file(tmp_path, "broken.md", "---\ntitle: [unclosed\n---\nSome text.\n")
    before = {d.doc_id for d in live.documents()}
    with pytest.raises(DocumentError, match="front matter is not valid YAML"):
        add_document(bad, "good_practice", live.config, assistant=live)
    assert {d.doc_id for d in live.documents()} == before
    assert not list((uploads_dir(live.config) / "good_practices").iterdir())


def test_the_first_upload_into_an_empty_index_starts_the_assistant(tmp_path: Path) -> None:
    handlers = Handlers(None, Config(index_dir=tmp_path / "index"))
    note = str(_file(tmp_path, "danube-batteries.md", BATTERY_NOTE))
    handlers.upload(note, "good_practice", " Hungary ", "Central Transdanubia", "", "batteries, skills", _request(None))
    assert handlers.assistant is not None
    [document] = handlers.documents()
    assert document.doc_id == "good_practices/danube-batteries"
    assert document.metadata["region"] == "Central Transdanubia"
    assert document.metadata["themes"] == ("batteries", "skills")
    assert document.metadata["country"] == "Hungary" and document.title == "Danube battery school"
    *_, region, _, theme = handlers.document_views(filter_groups=1)[-3:]
    assert ("Central Transdanubia", "Central Transdanubia") in region.choices and ("skills", "skills") in theme.choices


def test_a_pdf_upload_keeps_its_metadata_in_a_sidecar(live: Assistant, tmp_path: Path, pdf_writer) -> None:
    handlers = Handlers(live, live.config)
    pdf = pdf_writer(tmp_path / "in" / "trust.pdf")
    handlers.upload(str(pdf), "brief", "Slovenia", "", "SloCluster", "trust, skills", _request(None))
    saved = uploads_dir(live.config) / "briefs" / "trust.pdf"
    assert saved.read_bytes() == pdf.read_bytes(), "the uploaded bytes were changed"
    assert "country: Slovenia" in sidecar_path(saved).read_text(encoding="utf-8")
    indexed = {d.doc_id: d for d in live.documents()}["briefs/trust"]
    assert indexed.metadata == {"country": "Slovenia", "project": "SloCluster", "themes": ("trust", "skills")}
    country, *_ = handlers.document_views(filter_groups=1)[-4:]
    assert ("Slovenia", "Slovenia") in country.choices

    handlers.remove("briefs/trust", True, _request(None))
    assert not saved.exists() and not sidecar_path(saved).exists()


def test_a_failed_reupload_puts_back_the_earlier_file_and_its_metadata(live: Assistant, tmp_path: Path) -> None:
    note = _file(tmp_path, "danube-batteries.md", BATTERY_NOTE)
    add_document(note, "good_practice", live.config, assistant=live, metadata={"region": "Pest"})
    saved = uploads_dir(live.config) / "good_practices" / "danube-batteries.md"
    sidecar = sidecar_path(saved).read_bytes()
    broken = _file(tmp_path / "second", "danube-batteries.md", "---\ntitle: [unclosed\n---\nText.\n")
    with pytest.raises(DocumentError, match="front matter is not valid YAML"):
        add_document(broken, "good_practice", live.config, assistant=live, metadata={"region": "Baranya"})
    assert saved.read_text(encoding="utf-8") == BATTERY_NOTE and sidecar_path(saved).read_bytes() == sidecar
    assert {d.doc_id: d for d in live.documents()}["good_practices/danube-batteries"].metadata["region"] == "Pest"
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name, sidecar_path(saved).name]


def test_the_app_answers_several_requests_at_once(tmp_path: Path) -> None:
    """Regression: Gradio's default concurrency limit is 1, so under 20 clients /chat waited ~6 s for the requests
    before it and throughput stayed at one request's rate; the queue now works on ``CONCURRENCY`` at once."""
    from assistant.ui import CONCURRENCY

    app = build_ui(None, Config(index_dir=tmp_path / "index"))
    assert CONCURRENCY > 1
    assert app._queue.default_concurrency_limit == CONCURRENCY
    assert build_ui(None, Config(index_dir=tmp_path / "index"), concurrency=3)._queue.default_concurrency_limit == 3
