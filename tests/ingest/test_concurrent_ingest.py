"""Two real ``policydesk ingest`` processes over the same data dir, started together, trial after trial: both
succeed (the second waits for the ingest lock) and the keyword index on disk always equals the committed chunks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import Config, open_store
from ingest.keyword_index import keyword_index_dir, persisted_chunks, read_stamp, registry_stamp
from ingest.store import Store
from tests.conftest import write_corpus

POLICYDESK = str(Path(sys.executable).parent / "policydesk")
TRIALS = 3
OPEN_TRIALS = 3


def _notes(root: Path, trial: int) -> Path:
    """A second corpus whose documents differ from the test corpus's; changes a little in every trial."""
    for number in range(3):
        path = root / "helpdesk" / f"note-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"# Helpdesk note {number}\n\nRegional agencies asked question {number} in round {trial}. "
            f"The answer names the pilot scheme number {number} and its budget of {number + trial} million.\n",
            encoding="utf-8",
        )
    return root


def _ingest_concurrently(index_dir: Path, *corpora: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "POLICYDESK_HOME": str(index_dir)}
    processes = [
        subprocess.Popen(
            [POLICYDESK, "ingest", str(corpus)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for corpus in corpora
    ]
    results = []
    for process, corpus in zip(processes, corpora, strict=True):
        stdout, stderr = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess([str(corpus)], process.returncode, stdout, stderr))
    return results


def assert_keyword_index_is_current(store: Store) -> None:
    """The persisted keyword index (read as it is on disk, not repaired by loading) holds exactly the committed
    chunks, and its stamp is the committed registry's."""
    documents = store.documents()
    assert read_stamp(keyword_index_dir(store)).get("stamp") == registry_stamp(documents.values())
    persisted = persisted_chunks(store)
    assert persisted is not None
    assert sorted(persisted, key=lambda c: c.chunk_id) == sorted(store.all_chunks(), key=lambda c: c.chunk_id)
    assert len(persisted) == sum(doc.chunks for doc in documents.values())


@pytest.mark.slow
def test_concurrent_ingests_leave_a_current_keyword_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    corpus = write_corpus(tmp_path / "corpus")
    for trial in range(TRIALS):
        notes = _notes(tmp_path / "notes", trial)
        if trial == 1:  # the trials change both corpora: first all new, then updates, then a removal
            helpdesk = corpus / "helpdesk" / "cluster-finance.md"
            helpdesk.write_text(helpdesk.read_text(encoding="utf-8") + "\nA new line on fees.\n", encoding="utf-8")
        if trial == 2:
            (corpus / "good_practices" / "baltic-design-sprint.md").unlink()
        results = _ingest_concurrently(index_dir, corpus, notes)
        for result in results:
            assert result.returncode == 0, f"trial {trial}, {result.args[0]}: {result.stderr}"
        store = open_store(Config(index_dir=index_dir))
        expected = 7 - (trial == 2)
        assert len(store.documents()) == expected, f"trial {trial}"
        assert_keyword_index_is_current(store)


def test_processes_opening_a_new_index_at_once_all_succeed(tmp_path: Path) -> None:
    """Regression: two ingests started together on a new data dir raced in Chroma's schema set-up, and one
    failed with "Cannot open the Chroma index ...: table collections already exists" (or "database is locked").
    Seen once in the full suite and in 1 of 30 opens in a loop; opening now holds a short lock."""
    script = "import sys; from pathlib import Path; from ingest import Config, open_store; "
    script += "open_store(Config(index_dir=Path(sys.argv[1])))"
    for trial in range(OPEN_TRIALS):
        index_dir = tmp_path / f"index-{trial}"
        processes = [
            subprocess.Popen([sys.executable, "-c", script, str(index_dir)], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, f"trial {trial}: {stderr}"
