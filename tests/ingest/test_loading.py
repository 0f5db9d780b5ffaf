"""Loading: PDFs page by page, Markdown with front matter, stable ids, and bad files named with a reason."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.errors import DocumentError
from ingest.loading import doc_id_for, find_source_files, load_document

BRIEF = Path("briefs/test-brief.pdf")
ALPINE = Path("good_practices/alpine-cluster-voucher.md")


def test_pdf_pages_are_numbered_from_one_and_keep_unicode_text(corpus: Path) -> None:
    path = corpus / BRIEF
    document = load_document(path, "briefs/test-brief")
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert document.pages[0].text.startswith("Policy recommendation 1. Build trust between cluster members\n")
    assert "spent €60,000 on joint training" in document.pages[0].text
    assert "According to “Müller”, the ‘trust first’ approach" in document.pages[0].text
    assert "€45,000" in document.pages[1].text and "€45,000" not in document.pages[2].text
    assert "The ‘voucher habit’ became part" in document.pages[2].text
    assert document.doc_type == "brief"
    assert document.title == "Clusters in practice: a test brief"  # from the PDF's metadata
    assert document.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document.source_path == str(path)
    assert document.metadata == {}


def test_pdf_without_a_title_is_named_after_its_file(tmp_path: Path, pdf_writer) -> None:
    """Regression: reportlab (and other producers) write the placeholder title "untitled" into PDFs nobody
    titled; it was taken as the document title, so every citation of such a brief said "untitled"."""
    path = pdf_writer(tmp_path / "briefs" / "regional-growth.pdf", title=None)
    assert load_document(path, "briefs/regional-growth").title == "Regional growth"


def test_front_matter_becomes_metadata(corpus: Path) -> None:
    document = load_document(corpus / ALPINE, "good_practices/alpine-cluster-voucher")
    assert document.title == "Alpine Cluster Voucher"
    assert document.doc_type == "good_practice"
    assert document.metadata == {
        "project": "ClusterGrowth",
        "region": "Tyrol",
        "country": "Austria",
        "themes": ("innovation vouchers", "SMEs"),
        "organisation": "Tyrol Innovation Agency",
        "source": "https://example.org/alpine-voucher",
    }
    # The front matter is not part of the text; a Markdown file is one page without a number.
    assert [page.number for page in document.pages] == [None]
    assert document.pages[0].text.startswith("# Alpine Cluster Voucher\n")
    assert "ClusterGrowth" not in document.pages[0].text


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        ("[design, digitalisation]", ("design", "digitalisation")),
        ("design, digitalisation ,", ("design", "digitalisation")),
        ("\n  - design\n  - ' digitalisation '", ("design", "digitalisation")),
    ],
)
def test_themes_are_a_tuple_whatever_the_yaml_form(tmp_path: Path, themes: str, expected: tuple[str, ...]) -> None:
    path = tmp_path / "good_practices" / "x.md"
    path.parent.mkdir()
    path.write_text(f"---\ntitle: X\nthemes: {themes}\n---\nSome text.\n", encoding="utf-8")
    assert load_document(path, "good_practices/x").metadata == {"themes": expected}


def test_doc_type_comes_from_front_matter_before_folder(tmp_path: Path) -> None:
    path = tmp_path / "good_practices" / "faq.md"
    path.parent.mkdir()
    path.write_text("---\ndoc_type: helpdesk\n---\nAn answer.\n", encoding="utf-8")
    assert load_document(path, "good_practices/faq").doc_type == "helpdesk"


@pytest.mark.parametrize(
    ("relative", "doc_type"),
    [
        ("briefs/a.txt", "brief"),
        ("helpdesk/a.md", "helpdesk"),
        ("good_practices/nested/a.md", "good_practice"),
        ("elsewhere/a.md", "document"),
    ],
)
def test_doc_type_comes_from_the_folder(tmp_path: Path, relative: str, doc_type: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text("Some text.\n", encoding="utf-8")
    assert load_document(path, "x").doc_type == doc_type


def test_invalid_doc_type_names_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "memo.md"
    path.write_text("---\ndoc_type: memo\n---\nText.\n", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_document(path, "memo")
    assert caught.value.path == path
    assert caught.value.reason == (
        "front matter field 'doc_type' is 'memo'; use one of brief, helpdesk, good_practice, document"
    )


def test_title_falls_back_to_the_first_heading_then_the_file_name(tmp_path: Path) -> None:
    with_heading = tmp_path / "with-heading.md"
    with_heading.write_text("Intro line.\n\n## Cluster finance ##\n\nText.\n", encoding="utf-8")
    without = tmp_path / "cluster_finance-notes.txt"
    without.write_text("Just text.\n", encoding="utf-8")
    assert load_document(with_heading, "a").title == "Cluster finance"
    assert load_document(without, "b").title == "Cluster finance notes"


def test_doc_id_for_a_folder_and_for_a_single_file(corpus: Path) -> None:
    pdf = corpus / BRIEF
    assert doc_id_for(pdf, corpus) == "briefs/test-brief"
    assert doc_id_for(pdf, corpus / "briefs") == "briefs/test-brief"  # a type folder keeps its corpus ids
    # A file ingested on its own gets the id it has when its corpus folder is ingested.
    assert doc_id_for(pdf, pdf) == "briefs/test-brief"
    nested = corpus / "good_practices" / "2024" / "x.md"
    assert doc_id_for(nested, corpus) == "good_practices/2024/x"


def test_find_source_files_skips_hidden_files_and_readmes_but_keeps_unsupported(corpus: Path) -> None:
    (corpus / "README.md").write_text("About this corpus.\n", encoding="utf-8")
    (corpus / ".hidden.md").write_text("x\n", encoding="utf-8")
    (corpus / "_drafts").mkdir()
    (corpus / "_drafts" / "draft.md").write_text("x\n", encoding="utf-8")
    (corpus / "helpdesk" / "notes.docx").write_bytes(b"PK\x03\x04")
    found = [p.relative_to(corpus).as_posix() for p in find_source_files(corpus)]
    assert found == [
        "briefs/test-brief.pdf",
        "good_practices/alpine-cluster-voucher.md",
        "good_practices/baltic-design-sprint.md",
        "helpdesk/cluster-finance.md",
        "helpdesk/notes.docx",
    ]
    assert find_source_files(corpus / BRIEF) == [corpus / BRIEF]


# --- bad files: each is reported by name, with what is wrong and what to do ----------------------------


def _corrupt_pdf(path: Path, corpus: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(3000))


def _truncated_pdf(path: Path, corpus: Path) -> None:
    data = (corpus / BRIEF).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _encrypted_pdf(path: Path, corpus: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(corpus / BRIEF))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(path)


def _blank_pdf(path: Path, corpus: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(path)


BAD_FILES = {
    "corrupt.pdf": (_corrupt_pdf, "the PDF is corrupt or unreadable ("),
    "truncated.pdf": (_truncated_pdf, "the PDF is corrupt or unreadable ("),
    "encrypted.pdf": (_encrypted_pdf, "the PDF is encrypted (password-protected); save an unprotected copy"),
    "scanned.pdf": (_blank_pdf, "no text could be extracted (a scanned image?); add a text layer (OCR) first"),
    "empty.md": (lambda p, c: p.write_bytes(b""), "the file is empty; add content or remove it from the corpus"),
    "blank.txt": (lambda p, c: p.write_bytes(b" \n\t\n"), "the file is empty"),
    "notes.docx": (
        lambda p, c: p.write_bytes(b"PK\x03\x04 not really a docx"),
        "unsupported file type '.docx'; supported types: .markdown, .md, .pdf, .txt",
    ),
    "Makefile": (lambda p, c: p.write_text("all:\n", encoding="utf-8"), "unsupported file type '(none)'"),
    "bad-yaml.md": (
        lambda p, c: p.write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8"),
        "the front matter is not valid YAML (",
    ),
    "list-yaml.md": (
        lambda p, c: p.write_text("---\n- a\n- b\n---\nText.\n", encoding="utf-8"),
        "the front matter must be 'key: value' lines between '---' lines",
    ),
    "latin1.txt": (
        lambda p, c: p.write_bytes("Café policy €\n".encode("cp1252")),
        "is not UTF-8 text (byte 3); save it as UTF-8",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_named_with_its_reason(corpus: Path, tmp_path: Path, name: str) -> None:
    make, reason = BAD_FILES[name]
    path = tmp_path / "bad" / name
    path.parent.mkdir()
    make(path, corpus)
    with pytest.raises(DocumentError) as caught:
        load_document(path, f"bad/{name}")
    assert caught.value.path == path
    assert caught.value.reason.startswith(reason)
    assert str(caught.value) == f"{path}: {caught.value.reason}"


def test_pdf_with_only_an_owner_password_is_read(corpus: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(corpus / BRIEF))
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "briefs" / "restricted.pdf"
    path.parent.mkdir()
    writer.write(path)
    document = load_document(path, "briefs/restricted")
    assert "€60,000" in document.pages[0].text
    assert len(document.pages) == 3
