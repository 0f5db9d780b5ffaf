"""Inputs an ingest must skip and name: a folder it cannot read, a file over the per-file size limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from ingest import Config, ingest, open_store

POLICYDESK = str(Path(sys.executable).parent / "policydesk")
# root reads any folder whatever its mode; without these two capabilities it is held to the mode like anyone.
DROP_DAC = "-dac_override,-dac_read_search"


def _as_unprivileged(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--inh-caps={DROP_DAC}", f"--bounding-set={DROP_DAC}", *command]


@pytest.fixture
def locked_folder(corpus: Path):
    """The corpus's good_practices/ folder with no permissions (restored afterwards so tmp_path can be cleaned)."""
    folder = corpus / "good_practices"
    folder.chmod(0)
    yield folder
    folder.chmod(0o755)


def test_an_unreadable_folder_is_reported_and_its_documents_kept(
    corpus: Path, embedder, _isolated_home: Path, request: pytest.FixtureRequest
) -> None:
    """Regression: a folder that could not be read was skipped without a word (``Path.rglob`` swallows the
    PermissionError), so its files were neither ingested nor reported."""
    config = Config.load()
    ingest([corpus], config, embedder_factory=lambda: embedder)
    before = open_store(config).documents()
    folder = request.getfixturevalue("locked_folder")
    result = subprocess.run(
        _as_unprivileged([POLICYDESK, "ingest", str(corpus)]),
        capture_output=True,
        text=True,
        env={**os.environ, "POLICYDESK_HOME": str(_isolated_home)},
        timeout=600,
    )
    assert result.returncode == 1, result.stderr
    assert (
        f"FAILED {folder}: the folder cannot be read (Permission denied); give it read and search permission "
        "(chmod u+rx) or move its files to a readable folder\n"
    ) in result.stderr
    assert result.stdout.startswith("Ingest: 0 added, 0 updated, 2 unchanged, 0 removed, 1 failed in ")
    assert open_store(config).documents() == before  # the locked folder's two documents are not "deleted"


def _write_big(path: Path) -> Path:
    """A 1.2 MB Markdown file that is cheap to ingest: nearly all of it is a YAML comment in its front matter."""
    path.write_text(
        f"---\ntitle: Big answer\n# {'x' * 1_250_000}\n---\n# Big answer\n\nA line about cluster policy.\n",
        encoding="utf-8",
    )
    return path


def test_a_file_over_the_size_limit_is_reported_with_its_size_and_how_to_raise_the_limit(
    corpus: Path, embedder
) -> None:
    big = _write_big(corpus / "helpdesk" / "big-answer.md")
    config = Config(index_dir=corpus.parent / "index", max_file_mb=1)
    report = ingest([corpus], config, embedder_factory=lambda: embedder)
    (failed,) = report.failed
    assert failed.source_path == str(big)
    size = big.stat().st_size / 2**20
    assert failed.reason == (
        f"is {size:.1f} MB, over the 1 MB limit per file; split or compress it, or raise the limit "
        "(--max-file-mb, env POLICYDESK_MAX_FILE_MB, or max_file_mb in policydesk.toml)"
    )
    assert report.counts["added"] == 4
    assert "helpdesk/big-answer" not in open_store(config).documents()


def test_cli_size_limit_from_the_flag_and_the_environment(corpus: Path, _isolated_home: Path) -> None:
    big = _write_big(corpus / "helpdesk" / "big-answer.md")
    result = CliRunner().invoke(cli, ["ingest", "--max-file-mb", "1", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"FAILED {big}: is 1.2 MB, over the 1 MB limit per file; split or compress it, or raise" in result.stderr
    env = {"POLICYDESK_MAX_FILE_MB": "1"}
    again = CliRunner(env=env).invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert again.exit_code == 1 and f"FAILED {big}: is 1.2 MB, over the 1 MB limit" in again.stderr
    raised = CliRunner(env=env).invoke(cli, ["ingest", "--max-file-mb", "2", str(corpus)], catch_exceptions=False)
    assert raised.exit_code == 0, raised.stderr
    assert raised.stdout.startswith("Ingest: 1 added, 0 updated, 4 unchanged, 0 removed, 0 failed in ")
