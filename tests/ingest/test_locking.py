"""The ingest lock: a second ingest of the same index waits, and after its timeout says which pid holds it."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from ingest import Config, ingest, open_store
from ingest.errors import IndexBusy
from ingest.locking import holder_pid, ingest_lock, lock_path


def test_an_ingest_gives_up_naming_the_holders_pid(corpus: Path, tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "index", ingest_lock_timeout=0)
    with ingest_lock(config):
        assert holder_pid(lock_path(config)) == str(os.getpid())
        with pytest.raises(IndexBusy) as caught:
            ingest([corpus], config, embedder_factory=_no_model)
    assert str(caught.value) == (
        f"Another ingest (pid {os.getpid()}) is updating the index at {config.index_dir} "
        f"(lock {lock_path(config)}); gave up after 0 s. Wait for it to finish and run again, or wait longer "
        "with the setting ingest_lock_timeout (env POLICYDESK_INGEST_LOCK_TIMEOUT, seconds)."
    )
    assert open_store(config).documents() == {}
    assert holder_pid(lock_path(config)) == "unknown"  # released: the pid is wiped


def test_the_lock_is_released_when_an_ingest_fails(tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "index", ingest_lock_timeout=0)
    with pytest.raises(Exception, match="does not exist"):
        ingest([tmp_path / "missing"], config)
    with ingest_lock(config):  # would raise IndexBusy if the failed ingest still held it
        pass


def test_a_waiting_ingest_proceeds_once_the_lock_is_free(corpus: Path, tmp_path: Path, embedder) -> None:
    config = Config(index_dir=tmp_path / "index", ingest_lock_timeout=600)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with ingest_lock(config):
            holding.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    results = []
    waiter = threading.Thread(
        target=lambda: results.append(ingest([corpus], config, embedder_factory=lambda: embedder))
    )
    waiter.start()
    release.set()
    holder.join()
    waiter.join()
    assert results[0].counts["added"] == 4


def test_cli_ingest_on_a_locked_index_exits_1_naming_the_pid(corpus: Path, _isolated_home: Path) -> None:
    config = dataclasses.replace(Config.load(), ingest_lock_timeout=0)
    with ingest_lock(config):
        result = CliRunner(env={"POLICYDESK_INGEST_LOCK_TIMEOUT": "0"}).invoke(
            cli, ["ingest", str(corpus)], catch_exceptions=False
        )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Another ingest (pid {os.getpid()}) is updating the index at ")


def _no_model():
    raise AssertionError("the embedding model was loaded although the index was locked")
