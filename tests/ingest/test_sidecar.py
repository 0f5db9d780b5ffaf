"""Metadata sidecars (``NAME.meta.yaml``): read with their document, checked, part of its content hash, never a
document of their own; end to end through the real model into real Chroma with real PDFs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.records import Filters
from assistant.service import Assistant
from ingest import Config, ingest, open_store
from ingest.errors import DocumentError
from ingest.loading import content_hash_of, find_source_files, load_document
from ingest.sidecar import parse_sidecar, sidecar_path, write_sidecar

BRIEF = Path("briefs/test-brief.pdf")
BRIEF_ID = "briefs/test-brief"
SIDECAR = "country: Slovenia\nregion: Savinjska\nthemes: [trust, joint training]\n"
TRUST_QUESTION = "How can a region build trust between cluster members?"


def _no_model():
    raise AssertionError("the embedding model was loaded although nothing needed embedding")


def _statuses(report) -> dict[str, str]:
    return {o.doc_id: o.status for o in report.outcomes}


def test_a_pdf_takes_its_fields_from_its_sidecar(corpus: Path) -> None:
    pdf = corpus / BRIEF
    sidecar_path(pdf).write_text(SIDECAR + "title: Trust in clusters\ndoc_type: helpdesk\n", encoding="utf-8")
    document = load_document(pdf, BRIEF_ID)
    assert document.metadata == {"country": "Slovenia", "region": "Savinjska", "themes": ("trust", "joint training")}
    assert (document.title, document.doc_type) == ("Trust in clusters", "helpdesk")
    assert document.content_hash == content_hash_of(pdf) != hashlib.sha256(pdf.read_bytes()).hexdigest()


def test_a_sidecar_overrides_markdown_front_matter(corpus: Path) -> None:
    note = corpus / "good_practices" / "alpine-cluster-voucher.md"
    sidecar_path(note).write_text('{"country": "Switzerland"}', encoding="utf-8")  # JSON is YAML too
    document = load_document(note, "good_practices/alpine-cluster-voucher")
    assert document.metadata["country"] == "Switzerland" and document.metadata["region"] == "Tyrol"


def test_sidecars_are_not_documents(corpus: Path) -> None:
    sidecar = sidecar_path(corpus / BRIEF)
    sidecar.write_text(SIDECAR, encoding="utf-8")
    assert sidecar not in find_source_files(corpus) and corpus / BRIEF in find_source_files(corpus)
    with pytest.raises(DocumentError, match="is a metadata sidecar; ingest its document"):
        load_document(sidecar, "briefs/test-brief.pdf.meta")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("contry: Austria\n", "field 'contry' is not known; use title, doc_type, project, region, country, themes"),
        ("country: [Austria, Italy]\n", "field 'country' must be one text value, not list"),
        ("themes: [skills, {a: b}]\n", "field 'themes' must be a text or a list of texts, not list"),
        ("doc_type: memo\n", "field 'doc_type' is 'memo'; use one of brief, helpdesk, good_practice, document"),
        ("country: Austria\nregion: [Tyrol\n", "is not valid YAML (line 3: "),
        ("- country: Austria\n", "must be 'key: value' lines, e.g. 'country: Austria'"),
    ],
)
def test_a_bad_sidecar_is_named_with_its_field_and_the_fix(tmp_path: Path, pdf_writer, text: str, reason: str) -> None:
    pdf = pdf_writer(tmp_path / "briefs" / "b.pdf")
    sidecar_path(pdf).write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_document(pdf, "briefs/b")
    assert caught.value.path == pdf
    assert caught.value.reason.startswith(f"its metadata file b.pdf.meta.yaml{': ' if 'field' in reason else ' '}")
    assert reason in caught.value.reason


def test_a_sidecar_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"b.pdf.meta.yaml is not UTF-8 text \(byte 9\); save it as UTF-8"):
        parse_sidecar(tmp_path / "b.pdf", b"country: \xe9sterreich")


def test_written_sidecars_read_back_and_empty_fields_write_none(tmp_path: Path, pdf_writer) -> None:
    pdf = pdf_writer(tmp_path / "briefs" / "b.pdf")
    assert write_sidecar(pdf, {"country": "", "themes": []}) is None and not sidecar_path(pdf).exists()
    written = write_sidecar(pdf, {"country": "Österreich", "project": "", "themes": ["skills", "SMEs"]})
    assert written == sidecar_path(pdf)
    assert load_document(pdf, "briefs/b").metadata == {"country": "Österreich", "themes": ("skills", "SMEs")}


# --- the real thing: real PDFs, real model, real Chroma ------------------------------------------------------


def test_a_sidecar_change_reingests_its_pdf_and_an_unchanged_pair_is_skipped(corpus: Path, embedder) -> None:
    config = Config.load()
    assert not ingest([corpus], config, embedder_factory=lambda: embedder).failed
    sidecar = sidecar_path(corpus / BRIEF)
    sidecar.write_text(SIDECAR, encoding="utf-8")

    added = ingest([corpus], config, embedder_factory=lambda: embedder)
    assert _statuses(added)[BRIEF_ID] == "updated" and added.counts["updated"] == 1, _statuses(added)
    assert not any("meta" in o.doc_id for o in added.outcomes), "the sidecar was taken for a document"
    store = open_store(config)
    assert store.documents()[BRIEF_ID].metadata["country"] == "Slovenia"
    assert {c.metadata.get("country") for c in store.all_chunks() if c.doc_id == BRIEF_ID} == {"Slovenia"}
    cited = Assistant(config).ask(TRUST_QUESTION, filters=Filters(country="Slovenia")).citations
    assert cited and {c.chunk.doc_id for c in cited} == {BRIEF_ID}

    unchanged = ingest([corpus], config, embedder_factory=_no_model)
    assert set(_statuses(unchanged).values()) == {"unchanged"}

    sidecar.write_text(SIDECAR.replace("Slovenia", "Croatia"), encoding="utf-8")
    edited = ingest([corpus], config, embedder_factory=lambda: embedder)
    assert _statuses(edited)[BRIEF_ID] == "updated"
    assert open_store(config).documents()[BRIEF_ID].metadata["country"] == "Croatia"

    sidecar.unlink()
    dropped = ingest([corpus], config, embedder_factory=lambda: embedder)
    assert _statuses(dropped)[BRIEF_ID] == "updated"
    assert "country" not in open_store(config).documents()[BRIEF_ID].metadata


def test_a_bad_sidecar_fails_its_document_and_keeps_the_indexed_version(corpus: Path, embedder) -> None:
    config = Config.load()
    sidecar = sidecar_path(corpus / BRIEF)
    sidecar.write_text(SIDECAR, encoding="utf-8")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    sidecar.write_text("country: [Slovenia, Croatia]\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 1
    assert (
        f"FAILED {corpus / BRIEF}: its metadata file test-brief.pdf.meta.yaml: field 'country' must be one text "
        "value, not list" in result.stderr
    )
    assert open_store(config).documents()[BRIEF_ID].metadata["country"] == "Slovenia"


def test_removing_the_pdf_removes_the_document_whatever_its_sidecar(corpus: Path, embedder) -> None:
    config = Config.load()
    sidecar_path(corpus / BRIEF).write_text(SIDECAR, encoding="utf-8")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    (corpus / BRIEF).unlink()
    report = ingest([corpus], config, embedder_factory=_no_model)
    assert _statuses(report)[BRIEF_ID] == "removed" and not report.failed
    assert BRIEF_ID not in open_store(config).documents()
    assert all(c.doc_id != BRIEF_ID for c in open_store(config).all_chunks())
