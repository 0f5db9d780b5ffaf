"""Evaluating against another corpus (``policydesk eval --corpus DIR``): its own index, cached between runs."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from ingest import Config, IngestReport, Progress, ingest

SLUG_LENGTH = 80


def corpus_slug(corpus: Path) -> str:
    """A folder-name-safe slug of the corpus's resolved path, e.g. ``work-shared-bench-squad11-dev-corpus``."""
    resolved = str(corpus.expanduser().resolve())
    slug = re.sub(r"[^a-z0-9]+", "-", resolved.lower()).strip("-")
    if len(slug) <= SLUG_LENGTH:
        return slug
    # Long paths keep their readable tail plus a hash of the whole, so two corpora never share an index.
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:8]
    return f"{slug[-(SLUG_LENGTH - 9) :].strip('-')}-{digest}"


def corpus_config(config: Config, corpus: Path) -> Config:
    """``config`` pointed at the corpus's own index: ``<index_dir>/corpora/<slug>`` (or its own collections)."""
    slug = corpus_slug(corpus)
    index_dir = config.index_dir / "corpora" / slug
    prefix = f"{config.collection_prefix}_{hashlib.sha256(slug.encode()).hexdigest()[:12]}"
    # On a Chroma server the collections are shared by name, so the corpus needs its own prefix too.
    return dataclasses.replace(
        config, index_dir=index_dir, collection_prefix=prefix if config.chroma_url else config.collection_prefix
    )


def ensure_corpus_index(
    corpus: Path, config: Config, *, progress: Callable[[Progress], None] | None = None
) -> tuple[Config, IngestReport]:
    """Ingest ``corpus`` into its own index (incremental: unchanged files are skipped on re-runs).

    Returns:
        The config naming that index, and the ingest report.
    """
    own = corpus_config(config, corpus)
    return own, ingest([corpus], own, progress=progress)
