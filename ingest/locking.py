"""The ingest lock: one writer per index at a time, across processes (``fcntl.flock`` on a file in the data dir).

Ingest, ``policydesk check --repair`` and uploads hold it while they change the index, so two of them never
interleave their commits and keyword-index builds. Readers (asking questions) never take it. The lock file holds
the pid of its holder, so a waiter that gives up can say who holds it. The operating system releases the lock
when its holder exits, however it exits, so a crashed ingest never leaves the index locked. A second, short lock
(``opening_lock``) keeps apart processes that open the same embedded Chroma database at the same moment.

With a Chroma server (``chroma_url``) the lock file still lives under ``index_dir``: it only keeps apart the
ingests of one machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ingest.config import Config
from ingest.errors import IndexBusy

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1


def lock_path(config: Config) -> Path:
    """The lock file of ``config``'s index (one per collection prefix, like the keyword index)."""
    return config.index_dir / f"ingest_{config.collection_prefix}.lock"


@contextlib.contextmanager
def ingest_lock(config: Config) -> Iterator[None]:
    """Hold the index's ingest lock, waiting up to ``config.ingest_lock_timeout`` seconds for it.

    Raises:
        IndexBusy: another process (or thread) held the lock for the whole timeout.
    """
    path = lock_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:  # "a+": never truncate the holder's pid before we own it
        _acquire(handle, path, config)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def opening_lock(config: Config) -> Iterator[None]:
    """Held while a process opens the embedded Chroma database and its collections (milliseconds).

    Two processes opening a new index at once raced in Chroma's schema set-up ("table collections already
    exists"); every process that opens an embedded index, reader or writer, takes this short lock first.
    A Chroma server serialises that itself, so nothing is locked then.
    """
    if config.chroma_url:
        yield
        return
    config.index_dir.mkdir(parents=True, exist_ok=True)
    with (config.index_dir / "chroma_open.lock").open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocking: the holder only opens the database
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle: IO[str], path: Path, config: Config) -> None:
    deadline = time.monotonic() + config.ingest_lock_timeout
    announced = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise IndexBusy(_busy_message(path, config)) from None
            if not announced:
                logger.warning("another ingest (pid %s) is updating the index; waiting for it", holder_pid(path))
                announced = True
            time.sleep(POLL_SECONDS)


def holder_pid(path: Path) -> str:
    """The pid written in the lock file by its holder, or "unknown"."""
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"
    return pid if pid.isdigit() else "unknown"


def _busy_message(path: Path, config: Config) -> str:
    return (
        f"Another ingest (pid {holder_pid(path)}) is updating the index at {config.index_dir} (lock {path}); "
        f"gave up after {config.ingest_lock_timeout:g} s. Wait for it to finish and run again, or wait longer "
        "with the setting ingest_lock_timeout (env POLICYDESK_INGEST_LOCK_TIMEOUT, seconds)."
    )
