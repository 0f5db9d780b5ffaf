"""PolicyDesk's domain errors.

The library raises these; the CLI turns them into a message and exit code 1, the UI into ``gr.Error``.
Every message names the problem and the fix.

    PolicyDeskError
    ├── ConfigError          a setting is missing or malformed
    ├── ModelNotInstalled    the packaged embedding model is not installed
    ├── StoreError           the index cannot be opened or written
    │   ├── IndexNotFound    nothing has been ingested yet
    │   └── IndexBusy        another ingest holds the index's lock longer than we may wait
    └── DocumentError        one input file cannot be read (corrupt, encrypted, empty, unsupported)
"""

from __future__ import annotations

from pathlib import Path


class PolicyDeskError(Exception):
    """Base class of every error PolicyDesk raises on purpose."""


class ConfigError(PolicyDeskError):
    """A configuration value is missing or malformed."""


class ModelNotInstalled(PolicyDeskError):
    """The packaged embedding model cannot be found."""


class StoreError(PolicyDeskError):
    """The index (Chroma, keyword index) cannot be opened or written."""


class IndexNotFound(StoreError):
    """The index exists but holds no documents yet."""


class IndexBusy(StoreError):
    """Another process is ingesting into the same index and did not finish within the lock timeout."""


class DocumentError(PolicyDeskError):
    """One input file cannot be ingested; the message says why and what to do."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
