"""Several app workers on one Chroma server: a document ingested elsewhere is seen by every worker, no restart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest import Config, ingest
from ingest.store import REGISTRY_CHECK_S
from tests.conftest import write_corpus

pytestmark = pytest.mark.server

PREFIX = "workers_test"
NEW_DOCUMENT = """\
---
title: Lagoon Mussel Cooperative
---
# Lagoon Mussel Cooperative

The lagoon mussel cooperative of Marano shares one depuration plant among its forty-two farmers.
"""
QUESTION = "Which cooperative shares a depuration plant among its mussel farmers?"
NEW_DOC_ID = "helpdesk/lagoon-mussels"


class Worker:
    """One Assistant in its own process (``tests.assistant.worker``), with its own local index folder."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def ask(self, question: str) -> dict[str, list[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))


@contextmanager
def worker(index_dir: Path, chroma_url: str) -> Iterator[Worker]:
    command = [sys.executable, "-m", "tests.assistant.worker", str(index_dir), chroma_url, PREFIX]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield Worker(process)
    finally:
        process.kill()
        process.wait(timeout=30)


def test_two_workers_see_a_document_ingested_by_a_third_process(chroma_server: str, tmp_path: Path) -> None:
    """The issue: each app process read the registry once at start, so a document ingested afterwards (on the
    shared Chroma server, from another machine) stayed invisible to every worker until it was restarted."""
    corpus = write_corpus(tmp_path / "corpus")
    ingester = Config(index_dir=tmp_path / "ingester", chroma_url=chroma_server, collection_prefix=PREFIX)
    assert not ingest([corpus], ingester).failed

    with worker(tmp_path / "worker-1", chroma_server) as one, worker(tmp_path / "worker-2", chroma_server) as two:
        assert NEW_DOC_ID not in one.ask(QUESTION)["retrieved"]
        assert NEW_DOC_ID not in two.ask(QUESTION)["retrieved"]

        (corpus / "helpdesk" / "lagoon-mussels.md").write_text(NEW_DOCUMENT, encoding="utf-8")
        report = ingest([corpus], ingester)
        assert report.counts["added"] == 1, report.outcomes
        time.sleep(REGISTRY_CHECK_S + 0.2)  # the workers check the registry's generation at most this often

        for seen in (one.ask(QUESTION), two.ask(QUESTION)):
            assert seen["retrieved"][0] == NEW_DOC_ID, seen
            assert NEW_DOC_ID in seen["keyword"], "the worker's keyword index was rebuilt with the new document"
            assert NEW_DOC_ID in seen["dense"]
