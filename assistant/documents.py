"""Index management for the web app's Documents tab: check and save an upload, ingest it, remove a document.

Plain functions over the library (no Gradio), so the rules are unit-testable: an upload is type-checked by
suffix *and* content, size-limited, saved under ``<index_dir>/uploads/<folder>/<safe name>`` (the folder tells
its document type, as in a corpus) with its metadata in a sidecar file beside it, and ingested incrementally;
removing a document also deletes its uploaded file and sidecar. Failures are
:class:`~ingest.errors.DocumentError` with a message that says what to do.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assistant.service import Assistant
from ingest.config import Config
from ingest.errors import DocumentError
from ingest.loading import PDF_SUFFIXES, SUPPORTED_SUFFIXES
from ingest.pipeline import FileOutcome, Progress, ingest
from ingest.records import IndexedDocument
from ingest.sidecar import sidecar_path, write_sidecar

logger = logging.getLogger(__name__)

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
    """Save an upload with its ``metadata`` (country / region / project / themes) in a sidecar next to it (see
    :mod:`ingest.sidecar`; the uploaded bytes are kept as they are), ingest it incrementally and let
    ``assistant`` (if any) see it at once. An upload replaces an earlier one of the same name, metadata included.

    A file that cannot be ingested is deleted again with its sidecar (an earlier upload of the same name is put
    back with its own) and its reason raised as DocumentError. Returns the outcome: "added", "updated" or
    "unchanged".
    """
    name = name or source.name
    target = upload_path(source, doc_type, config, name=name)
    fields = {key: value for key, value in (metadata or {}).items() if key in METADATA_FIELDS}
    previous = [(path, _set_aside(path)) for path in (target, sidecar_path(target))]
    try:
        saved = save_upload(source, doc_type, config, name=name)
        write_sidecar(saved, fields)
        outcome = _ingest_one(saved, config, assistant, progress)
    except BaseException:
        for path, aside in previous:
            _restore(path, aside)
        raise
    for _, aside in previous:
        if aside is not None:
            aside.unlink()
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
        sidecar_path(source).unlink(missing_ok=True)
    logger.info("removed %s", doc_id)
    return document


def progress_fraction(snapshot: Progress) -> tuple[float, str]:
    """An ingest progress snapshot as a fraction done and a line of text for a progress bar."""
    if snapshot.chunks_total:
        # A chunk and its sentences cost about the same to embed, so each half of the bar is one of them.
        done = snapshot.chunks_done / snapshot.chunks_total
        if snapshot.sentences_total:
            done = (done + snapshot.sentences_done / snapshot.sentences_total) / 2
        text = f"Embedding {snapshot.label}: {snapshot.chunks_done}/{snapshot.chunks_total} chunks"
        if snapshot.chunks_done == snapshot.chunks_total and snapshot.sentences_total:
            text += f", {snapshot.sentences_done}/{snapshot.sentences_total} sentences"
        return done, text
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
]
