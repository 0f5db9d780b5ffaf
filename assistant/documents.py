"""Index management for the web app's Documents tab: check and save an upload, ingest it, remove a document.

Plain functions over the library (no Gradio), so the rules are unit-testable: an upload is type-checked by
suffix *and* content, size-limited, saved under ``<index_dir>/uploads/<folder>/<safe name>`` (the folder tells
its document type, as in a corpus) and ingested incrementally; removing a document also deletes its uploaded
file. Failures are :class:`~ingest.errors.DocumentError` with a message that says what to do.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from assistant.service import Assistant
from ingest.config import Config
from ingest.errors import DocumentError
from ingest.loading import PDF_SUFFIXES, SUPPORTED_SUFFIXES
from ingest.pipeline import FileOutcome, Progress, ingest
from ingest.records import IndexedDocument

logger = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)  # as ingest.loading

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOADS = "uploads"
# The upload's document type decides its folder; the folder name is what ingestion reads the type from.
UPLOAD_FOLDERS = {"brief": "briefs", "helpdesk": "helpdesk", "good_practice": "good_practices"}
_UNSAFE = re.compile(r"[^\w.\- ]+")


def may_manage(admin: str | None, username: str | None) -> bool:
    """Whether ``username`` may upload and remove documents: anyone without a login, else only the admin."""
    return admin is None or (username is not None and username == admin)


def uploads_dir(config: Config) -> Path:
    """The folder that holds uploaded files (one sub-folder per document type)."""
    return config.index_dir / UPLOADS


def safe_file_name(name: str) -> str:
    """``name`` without folders, leading dots or unusual characters (``../../x.pdf`` -> ``x.pdf``)."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    if not Path(cleaned).stem:
        raise DocumentError(name, "has no usable file name; rename it (e.g. my-brief.pdf) and upload again")
    return cleaned


def check_upload(path: Path, name: str | None = None) -> None:
    """Raise DocumentError unless ``path`` is a PDF or UTF-8 Markdown/text file of at most MAX_UPLOAD_BYTES.

    The suffix of ``name`` (default: the file's own name) must match the content: a PDF starts with ``%PDF-``.
    """
    shown = name or path.name
    suffix = Path(shown).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(shown, f"is not a supported file type ({supported}); upload a PDF or Markdown file")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise DocumentError(shown, f"is {size / 2**20:.1f} MB, over the {limit} MB limit; split or compress it")
    if size == 0:
        raise DocumentError(shown, "is empty; upload a file with content")
    with path.open("rb") as stream:
        head = stream.read(5)
    if suffix in PDF_SUFFIXES:
        if head != b"%PDF-":
            raise DocumentError(shown, "is not a PDF (it does not start with %PDF-); upload the real PDF")
        return
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(shown, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 and upload again") from exc


def upload_path(source: Path, doc_type: str, config: Config, *, name: str | None = None) -> Path:
    """Check ``source`` and the type choice; returns where the upload belongs (``uploads/<folder>/<name>``)."""
    if doc_type not in UPLOAD_FOLDERS:
        raise DocumentError(name or source.name, f"needs a document type: one of {', '.join(UPLOAD_FOLDERS)}")
    check_upload(source, name)
    return uploads_dir(config) / UPLOAD_FOLDERS[doc_type] / safe_file_name(name or source.name)


def save_upload(source: Path, doc_type: str, config: Config, *, name: str | None = None) -> Path:
    """Check ``source`` and copy it to where it belongs (see :func:`upload_path`); returns the saved path."""
    target = upload_path(source, doc_type, config, name=name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


METADATA_FIELDS = ("country", "region", "project", "themes")


def with_metadata(source: Path, metadata: Mapping[str, str | Sequence[str]], *, name: str | None = None) -> Path:
    """``source`` with ``metadata`` (country / region / project / themes) set in its front matter, as a new file
    next to it; ``source`` itself when nothing is set. Only Markdown and text files carry front matter."""
    fields = {key: value for key, value in metadata.items() if key in METADATA_FIELDS and value}
    if not fields:
        return source
    shown = name or source.name
    if Path(shown).suffix.lower() in PDF_SUFFIXES:
        raise DocumentError(shown, "is a PDF: country, region, project and themes can be set on Markdown or text only")
    check_upload(source, shown)
    text = source.read_bytes().decode("utf-8-sig")
    front: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        loaded = yaml.safe_load(match.group(1))
        front = dict(loaded) if isinstance(loaded, dict) else {}
        text = text[match.end() :]
    front.update({key: list(value) if key == "themes" else str(value) for key, value in fields.items()})
    target = source.with_name(f".with-metadata-{source.name}")
    target.write_text(f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n{text}", "utf-8")
    return target


def add_document(
    source: Path,
    doc_type: str,
    config: Config,
    *,
    assistant: Assistant | None = None,
    name: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    metadata: Mapping[str, str | Sequence[str]] | None = None,
) -> FileOutcome:
    """Save an upload (with ``metadata`` written into its front matter, see :func:`with_metadata`), ingest it
    incrementally and let ``assistant`` (if any) see it at once.

    A file that cannot be ingested is deleted again (an earlier upload of the same name is put back) and its
    reason raised as DocumentError. Returns the outcome: "added", "updated" or "unchanged".
    """
    name = name or source.name
    source = with_metadata(source, metadata or {}, name=name)
    target = upload_path(source, doc_type, config, name=name)
    previous = _set_aside(target)
    try:
        saved = save_upload(source, doc_type, config, name=name)
        outcome = _ingest_one(saved, config, assistant, progress)
    except BaseException:
        _restore(target, previous)
        raise
    if previous is not None:
        previous.unlink()
    logger.info("upload %s: %s (%d chunks)", outcome.doc_id, outcome.status, outcome.chunks)
    return outcome


def _ingest_one(
    path: Path, config: Config, assistant: Assistant | None, progress: Callable[[Progress], None] | None
) -> FileOutcome:
    """Ingest one saved file, reusing the assistant's store and model; raise its failure reason."""
    if assistant is None:
        report = ingest([path], config, progress=progress)
    else:
        try:
            store, embedder = assistant.store, assistant.embedder
            report = ingest([path], config, store=store, embedder_factory=lambda: embedder, progress=progress)
        finally:
            assistant.refresh()
    outcome = report.outcomes[0]
    if outcome.status == "failed":
        raise DocumentError(path.name, outcome.reason)
    return outcome


def _set_aside(target: Path) -> Path | None:
    """Move an earlier upload of the same name out of the way (restored if the new one fails)."""
    if not target.is_file():
        return None
    aside = target.with_name(f".previous-{target.name}")
    target.replace(aside)
    return aside


def _restore(target: Path, previous: Path | None) -> None:
    target.unlink(missing_ok=True)
    if previous is not None:
        previous.replace(target)


def remove_document(assistant: Assistant, doc_id: str) -> IndexedDocument:
    """Remove ``doc_id`` from the index (and its file, if it was uploaded); returns what was removed."""
    document = assistant.store.documents().get(doc_id)
    if document is None:
        raise DocumentError(doc_id, "is not in the index; refresh the list and choose again")
    assistant.store.remove_document(doc_id)
    assistant.refresh()
    source = Path(document.source_path).resolve()
    if source.is_relative_to(uploads_dir(assistant.config).resolve()):
        source.unlink(missing_ok=True)
    logger.info("removed %s", doc_id)
    return document


def progress_fraction(snapshot: Progress) -> tuple[float, str]:
    """An ingest progress snapshot as a fraction done and a line of text for a progress bar."""
    if snapshot.chunks_total:
        fraction = snapshot.chunks_done / snapshot.chunks_total
        return fraction, f"Embedding {snapshot.label}: {snapshot.chunks_done}/{snapshot.chunks_total} chunks"
    fraction = snapshot.files_done / snapshot.files_total if snapshot.files_total else 0.0
    return fraction, f"Reading {snapshot.label}" if snapshot.label else "Checking the file"


__all__ = [
    "MAX_UPLOAD_BYTES",
    "METADATA_FIELDS",
    "UPLOAD_FOLDERS",
    "add_document",
    "check_upload",
    "may_manage",
    "progress_fraction",
    "remove_document",
    "safe_file_name",
    "save_upload",
    "upload_path",
    "uploads_dir",
    "with_metadata",
]
