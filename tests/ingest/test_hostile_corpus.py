"""A hostile corpus written by the test: every file is either reported by name with a reason (and the index is
unchanged for it) or ingested safely; nothing crashes the ingest."""

from __future__ import annotations

import random
from pathlib import Path

from ingest import Config, ingest, open_store
from ingest.check import check_index
from ingest.keyword_index import load_keyword_index
from tests.conftest import BRIEF_PAGES, write_pdf

SCRIPT_TITLE = '<script>alert("x")</script> Cluster voucher ![x](http://example.invalid/p.png)'


def _no_text_pdf(path: Path) -> None:
    """A one-page PDF with drawings but no text layer (what a scan without OCR looks like to pypdf)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.rect(72, 72, 300, 400, fill=1)
    pdf.circle(300, 600, 50)
    pdf.showPage()
    pdf.save()


def _encrypted_pdf(path: Path) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    encryption = pdfencrypt.StandardEncryption("user-secret", ownerPassword="owner-secret", strength=128)
    pdf = canvas.Canvas(str(path), encrypt=encryption, invariant=1)
    pdf.drawString(72, 720, "Confidential: the cluster budget is 2 million euro.")
    pdf.showPage()
    pdf.save()


def _truncated_pdf(path: Path) -> None:
    write_pdf(path, BRIEF_PAGES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def write_hostile_files(root: Path) -> dict[str, str]:
    """Write the hostile files under ``root``; returns each failing file's name -> expected start of its reason."""
    rng = random.Random(1234)
    helpdesk = root / "helpdesk"
    _write(helpdesk / "empty.md", b"")
    _truncated_pdf(root / "briefs" / "truncated.pdf")
    _write(root / "briefs" / "random-bytes.pdf", bytes(rng.randrange(256) for _ in range(4096)))
    _write(
        root / "briefs" / "page.pdf", "<!doctype html><html><head><title>Not a PDF</title></head><body>Hi</body></html>"
    )
    _no_text_pdf(root / "briefs" / "scanned.pdf")
    _encrypted_pdf(root / "briefs" / "encrypted.pdf")
    _write(helpdesk / "latin1.md", "# Région Sud\n\nLa Région finance les pôles de compétitivité.\n".encode("latin-1"))
    _write(helpdesk / "broken-front-matter.md", "---\ntitle: [unclosed\nregion: : :\n---\n# Body\n\nText.\n")
    _write(helpdesk / "binary.md", bytes([0, 255, 254, 0, 1, 2, 3]) + bytes(rng.randrange(256) for _ in range(2048)))
    _write(helpdesk / "slides.pptx", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(512)))
    _write(
        root / "good_practices" / "script-title.md",
        f"---\ntitle: '{SCRIPT_TITLE}'\ncountry: Austria\n---\n# {SCRIPT_TITLE}\n\n"
        "![x](http://example.invalid/p.png)\n\nThe agency gives small firms a voucher of 3,000 euro for design work.\n",
    )
    return {
        "empty.md": "the file is empty; add content or remove it from the corpus",
        "truncated.pdf": "the PDF is corrupt or unreadable (",
        "random-bytes.pdf": "is not a PDF: it has no %PDF- header; save the real PDF or fix the suffix",
        "page.pdf": "is not a PDF (it looks like HTML): it has no %PDF- header; save the real PDF or fix the suffix",
        "scanned.pdf": "no text could be extracted (a scanned image?); add a text layer (OCR) first",
        "encrypted.pdf": "the PDF is encrypted (password-protected); save an unprotected copy",
        "latin1.md": "is not UTF-8 text (byte ",
        "broken-front-matter.md": "the front matter is not valid YAML (line 3: expected ',' or ']', but got ':'); "
        "fix it between the '---' lines",
        "binary.md": "is not UTF-8 text (byte ",
        "slides.pptx": "unsupported file type '.pptx'; supported types: ",
    }


def test_hostile_files_are_reported_or_ingested_safely(corpus: Path, embedder, tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "index")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    store = open_store(config)
    before = store.documents()
    expected = write_hostile_files(corpus)

    report = ingest([corpus], config, embedder_factory=lambda: embedder)

    reasons = {Path(o.source_path).name: o.reason for o in report.failed}
    assert sorted(reasons) == sorted(expected)
    for name, start in expected.items():
        assert reasons[name].startswith(start), (name, reasons[name])
        assert "\n" not in reasons[name], name  # one line each in the CLI's report
    after = open_store(config).documents()
    assert set(after) - set(before) == {"good_practices/script-title"}
    assert {doc_id: after[doc_id] for doc_id in before} == before  # nothing failed touched the index
    safe = after["good_practices/script-title"]
    assert safe.title == SCRIPT_TITLE  # kept as data, verbatim: the faces escape it when they render it
    hits = load_keyword_index(store).search("voucher design work", 3)
    assert hits[0][0].doc_id == "good_practices/script-title"
    assert check_index(config).ok


def test_a_good_file_turned_hostile_keeps_its_indexed_version(corpus: Path, embedder, tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "index")
    ingest([corpus], config, embedder_factory=lambda: embedder)
    before = open_store(config).documents()
    brief = corpus / "briefs" / "test-brief.pdf"
    brief.write_bytes(brief.read_bytes()[:500])
    (corpus / "helpdesk" / "cluster-finance.md").write_bytes(b"\xff\xfe binary now")
    report = ingest([corpus], config, embedder_factory=lambda: embedder)
    assert {Path(o.source_path).name for o in report.failed} == {"test-brief.pdf", "cluster-finance.md"}
    assert open_store(config).documents() == before
    assert check_index(config).ok
