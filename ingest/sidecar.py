"""Metadata sidecars: ``NAME.meta.yaml`` next to a document gives it the fields Markdown front matter would.

A PDF cannot carry front matter, so its country, region, project, themes (or title, doc_type …) go in a small
file named after the document's whole file name plus ``.meta.yaml`` (``brief.pdf`` -> ``brief.pdf.meta.yaml``),
written as the same ``key: value`` lines as front matter (YAML, so a JSON object works too). It works beside any
document; for a Markdown file its fields override the front matter's. The loader folds the sidecar's bytes
into the document's content hash, so editing, adding or deleting a sidecar re-ingests its document; the sidecar
itself is never a document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import DocumentError
from ingest.records import DOC_TYPES, GOOD_PRACTICE_FIELDS

SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_FIELDS = ("title", "doc_type", *GOOD_PRACTICE_FIELDS)
LIST_FIELDS = frozenset({"themes"})


def sidecar_path(document: Path) -> Path:
    """Where the metadata of ``document`` lives: ``brief.pdf`` -> ``brief.pdf.meta.yaml``."""
    return document.with_name(document.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    """Whether ``path`` is a metadata sidecar (never ingested as a document of its own)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def sidecar_bytes(document: Path) -> bytes | None:
    """The raw bytes of ``document``'s sidecar, or None when it has none."""
    path = sidecar_path(document)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = f"{_named(document)} cannot be read ({exc.strerror}); check its permissions"
        raise DocumentError(document, reason) from exc


def parse_sidecar(document: Path, data: bytes) -> dict[str, Any]:
    """The fields of ``document``'s sidecar ``data``, checked: known names only, text values, a known doc_type.

    Raises:
        DocumentError: on ``document``, naming the sidecar file, the field and what to change.
    """
    try:
        loaded = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        reason = f"{_named(document)} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise DocumentError(document, reason) from exc
    except yaml.YAMLError as exc:
        problem = describe_yaml_error(exc, first_line=1)
        raise DocumentError(document, f"{_named(document)} is not valid YAML ({problem}); fix or delete it") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DocumentError(document, f"{_named(document)} must be 'key: value' lines, e.g. 'country: Austria'")
    return {str(name): _checked(document, str(name), value) for name, value in loaded.items() if value is not None}


def write_sidecar(document: Path, fields: Mapping[str, str | Sequence[str]]) -> Path | None:
    """Write ``fields`` (empty values left out) as ``document``'s sidecar; returns its path, or None when none is
    set (then no file is written)."""
    kept = {name: list(value) if name in LIST_FIELDS else str(value) for name, value in fields.items() if value}
    if not kept:
        return None
    for name, value in kept.items():
        _checked(document, name, value)
    path = sidecar_path(document)
    header = f"# Metadata of {document.name}, read by `policydesk ingest` (fields as in Markdown front matter)\n"
    path.write_text(header + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def describe_yaml_error(exc: yaml.YAMLError, *, first_line: int) -> str:
    """A one-line description of a YAML error, with its line in the file (the YAML starting at ``first_line``)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + first_line}: {problem}" if mark is not None else problem


def _checked(document: Path, name: str, value: object) -> object:
    """``value`` if field ``name`` may hold it; else DocumentError saying what the field takes."""
    where = f"{_named(document)}: field '{name}'"
    if name not in SIDECAR_FIELDS:
        raise DocumentError(document, f"{where} is not known; use {', '.join(SIDECAR_FIELDS)}")
    items = value if name in LIST_FIELDS and isinstance(value, list) else [value]
    if not all(isinstance(item, str | int | float) for item in items):
        kind = "a text or a list of texts" if name in LIST_FIELDS else "one text value"
        raise DocumentError(document, f"{where} must be {kind}, not {type(value).__name__}")
    if name == "doc_type" and value not in DOC_TYPES:
        raise DocumentError(document, f"{where} is {value!r}; use one of {', '.join(DOC_TYPES)}")
    return value


def _named(document: Path) -> str:
    return f"its metadata file {sidecar_path(document).name}"


__all__ = [
    "SIDECAR_FIELDS",
    "SIDECAR_SUFFIX",
    "describe_yaml_error",
    "is_sidecar",
    "parse_sidecar",
    "sidecar_bytes",
    "sidecar_path",
    "write_sidecar",
]
