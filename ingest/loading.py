"""Load source files into ``Document`` records: PDFs page by page (pypdf), Markdown/text with front matter,
either with the fields of its metadata sidecar (``NAME.meta.yaml``, see :mod:`ingest.sidecar`)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest.errors import DocumentError
from ingest.records import DOC_TYPES, GOOD_PRACTICE_FIELDS, Document, Page
from ingest.sidecar import describe_yaml_error, is_sidecar, parse_sidecar, sidecar_bytes

logger = logging.getLogger(__name__)

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES

# The corpus folder a file sits in tells its type unless front matter says otherwise.
FOLDER_DOC_TYPES = {"briefs": "brief", "helpdesk": "helpdesk", "good_practices": "good_practice"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def find_source_files(root: Path) -> list[Path]:
    """Every file under ``root`` (or ``root`` itself) that ingestion should look at, sorted.

    Hidden files and folders are skipped, and so are README files of a corpus folder and metadata sidecars
    (read with their document). Unsupported types are *included* so that the report can name them.
    """
    return scan_sources(root)[0]


def scan_sources(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """``find_source_files`` plus the folders that could not be read, each with a reason that says what to do."""
    if root.is_file():
        return [root], []
    unreadable: list[tuple[Path, str]] = []

    def report(error: OSError) -> None:
        reason = f"the folder cannot be read ({error.strerror}); give it read and search permission (chmod u+rx)"
        unreadable.append((Path(error.filename), reason + " or move its files to a readable folder"))

    files = []
    for folder, subfolders, names in os.walk(root, onerror=report):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith((".", "_")))
        for name in names:
            path = Path(folder) / name
            if _is_source(path, root) and _is_file(path):
                files.append(path)
    return sorted(files), sorted(unreadable)


def _is_source(path: Path, root: Path) -> bool:
    return not _is_hidden(path.relative_to(root)) and path.name.lower() != "readme.md" and not is_sidecar(path)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # cannot even be looked at (a folder without search permission): reading it will say why
        return True


def doc_id_for(path: Path, root: Path) -> str:
    """A stable id from the file's path: relative to the ingested folder, without the suffix.

    A single file or a type folder (briefs/, helpdesk/, good_practices/) ingested on its own keeps the id it has
    when its corpus folder is ingested (``corpus/briefs/x.pdf`` -> ``briefs/x``).
    """
    if root.is_file() or path == root:
        base = path.parent.parent
    elif root.name in FOLDER_DOC_TYPES:
        base = root.parent  # a type folder ingested on its own keeps the ids it has within its corpus
    else:
        base = root
    return path.relative_to(base).with_suffix("").as_posix()


def load_document(path: Path, doc_id: str) -> Document:
    """Read one file into a Document.

    Raises:
        DocumentError: the file is of an unsupported type, corrupt, encrypted, empty or malformed.
    """
    suffix = path.suffix.lower()
    if is_sidecar(path):
        raise DocumentError(path, "is a metadata sidecar; ingest its document (or the folder), which reads it")
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(path, f"unsupported file type '{suffix or '(none)'}'; supported types: {supported}")
    data = _read_bytes(path)
    if not data.strip():
        raise DocumentError(path, "the file is empty; add content or remove it from the corpus")
    sidecar = sidecar_bytes(path)
    front: dict[str, Any] = {}
    if suffix in PDF_SUFFIXES:
        _check_pdf_header(path, data)
        pages, pdf_title = _pdf_pages(path), _pdf_title(path)
    else:
        front, body = _split_front_matter(path, _decode(path, data))
        pages, pdf_title = (Page(number=None, text=body),), None
    if sidecar is not None:
        front |= parse_sidecar(path, sidecar)  # the sidecar is set from outside the file: it has the last word
    if not any(page.text.strip() for page in pages):
        raise DocumentError(path, "no text could be extracted (a scanned image?); add a text layer (OCR) first")
    return Document(
        doc_id=doc_id,
        title=_title(front, pdf_title, pages, path),
        doc_type=_doc_type(front, path),
        source_path=str(path),
        content_hash=_content_hash(data, sidecar),
        pages=pages,
        metadata=_metadata(front),
    )


def content_hash_of(path: Path) -> str:
    """sha256 of a file's bytes and its sidecar's, the same hash ``load_document`` records."""
    return _content_hash(_read_bytes(path), sidecar_bytes(path))


def _content_hash(data: bytes, sidecar: bytes | None) -> str:
    """sha256 of the file's bytes; with a sidecar, of both (a file without one keeps the hash it always had)."""
    digest = hashlib.sha256(data)
    if sidecar is not None:
        digest.update(b"\0policydesk-sidecar\0" + sidecar)
    return digest.hexdigest()


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) for part in relative.parts)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror}); check the file's permissions") from exc


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _check_pdf_header(path: Path, data: bytes) -> None:
    """A PDF has ``%PDF-`` in its first 1 KB; anything else (a web page saved as .pdf, random bytes) is not one."""
    if b"%PDF-" in data[:1024]:
        return
    looks = " (it looks like HTML)" if data.lstrip()[:1] == b"<" else ""
    raise DocumentError(path, f"is not a PDF{looks}: it has no %PDF- header; save the real PDF or fix the suffix")


def _open_pdf(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is encrypted (password-protected); save an unprotected copy")
        return reader
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(path, f"the PDF is corrupt or unreadable ({exc}); re-export or re-download it") from exc


def _pdf_pages(path: Path) -> tuple[Page, ...]:
    reader = _open_pdf(path)
    try:
        return tuple(Page(number=i, text=page.extract_text() or "") for i, page in enumerate(reader.pages, start=1))
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(path, f"the PDF is corrupt or unreadable ({exc}); re-export or re-download it") from exc


def _pdf_title(path: Path) -> str | None:
    metadata = _open_pdf(path).metadata
    title = (metadata.title if metadata else None) or ""
    return title.strip() if title.strip().lower() not in {"", "untitled"} else None  # reportlab's default


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        problem = describe_yaml_error(exc, first_line=2)  # the front matter starts on the file's line 2
        reason = f"the front matter is not valid YAML ({problem}); fix it between the '---' lines"
        raise DocumentError(path, reason) from exc
    if not isinstance(front, dict):
        raise DocumentError(path, "the front matter must be 'key: value' lines between '---' lines")
    doc_type = front.get("doc_type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise DocumentError(path, f"front matter field 'doc_type' is {doc_type!r}; use one of {', '.join(DOC_TYPES)}")
    return front, text[match.end() :]


def _title(front: dict[str, Any], pdf_title: str | None, pages: Iterable[Page], path: Path) -> str:
    if front.get("title"):
        return str(front["title"]).strip()
    if pdf_title:
        return pdf_title
    first_text = next(iter(pages)).text
    heading = _MD_HEADING.search(first_text) if path.suffix.lower() != ".pdf" else None
    if heading:
        return heading.group(1).strip()
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize()


def _doc_type(front: dict[str, Any], path: Path) -> str:
    if front.get("doc_type"):
        return str(front["doc_type"])
    for folder in reversed(path.parent.parts):
        if folder in FOLDER_DOC_TYPES:
            return FOLDER_DOC_TYPES[folder]
    return "document"


def _metadata(front: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for name in GOOD_PRACTICE_FIELDS:
        value = front.get(name)
        if value in (None, "", []):
            continue
        if name == "themes":
            items = value if isinstance(value, list) else str(value).split(",")
            metadata[name] = tuple(str(item).strip() for item in items if str(item).strip())
        else:
            metadata[name] = str(value).strip()
    return metadata
