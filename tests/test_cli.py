"""The `policydesk` command: every command has --help and is documented in the README; clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assistant.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands() -> list[str]:
    return sorted(cli.commands)


def test_there_are_commands() -> None:
    assert {"ingest", "stats"} <= set(_commands())


def test_top_level_help() -> None:
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for name in _commands():
        assert re.search(rf"^\s+{name}\b", result.stdout, re.MULTILINE), name


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: cli {name} ")
    assert cli.commands[name].help, f"{name} has no docstring"


@pytest.mark.parametrize("name", _commands())
def test_every_command_is_in_the_readme(name: str) -> None:
    assert README.is_file(), "README.md is missing"
    assert f"policydesk {name}" in README.read_text(encoding="utf-8")


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert re.search(r"\d+\.\d+\.\d+", result.stdout)


def test_stats_on_an_empty_index_says_how_to_ingest(_isolated_home: Path) -> None:
    result = CliRunner().invoke(cli, ["stats"], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"Index:           {_isolated_home.resolve()}" in result.stdout
    assert "No documents indexed yet: run `policydesk ingest corpus/`." in result.stdout


def test_ingest_of_a_missing_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-corpus"
    result = CliRunner().invoke(cli, ["ingest", str(missing)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: does not exist; pass a corpus folder or a file\n"


def test_ingest_without_paths_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["ingest"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"POLICYDESK_CHUNK_TOKENS": "abc"}, "Setting chunk_tokens must be a whole number, got 'abc'."),
        ({"POLICYDESK_CHUNK_OVERLAP": "-2"}, "Setting chunk_overlap must be positive, got -2."),
        ({"POLICYDESK_CHROMA_URL": "db:8000"}, "chroma_url must look like http://HOST:PORT, got 'db:8000'."),
    ],
)
def test_bad_setting_is_a_usage_error_naming_it(corpus: Path, env: dict[str, str], message: str) -> None:
    result = CliRunner(env=env).invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"Error: {message}" in result.stderr
    stats = CliRunner(env=env).invoke(cli, ["stats"], catch_exceptions=False)
    assert stats.exit_code == 2 and f"Error: {message}" in stats.stderr


def test_bad_flag_value_is_a_usage_error(corpus: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "--chunk-tokens", "0", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "Error: Setting chunk_tokens must be positive, got 0." in result.stderr


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    result = CliRunner(env={"POLICYDESK_CONFIG": str(missing)}).invoke(cli, ["stats"], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"POLICYDESK_CONFIG names {missing}, which does not exist; fix the path or unset it." in result.stderr


def test_unreachable_chroma_server_is_an_error_with_a_hint() -> None:
    result = CliRunner().invoke(cli, ["stats", "--chroma-url", "http://127.0.0.1:9"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot open the Chroma index at http://127.0.0.1:9: ")
    assert "is the server running (`chroma run --path DIR --port PORT`)?" in result.stderr


def test_ingest_then_stats(corpus: Path, _isolated_home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Ingest: 4 added, 0 updated, 0 unchanged, 0 removed, 0 failed in ")
    assert "Index: 4 documents, " in result.stdout
    stats = runner.invoke(cli, ["stats"], catch_exceptions=False)
    assert stats.exit_code == 0
    rows = {line.split()[0]: line.split()[1:] for line in stats.stdout.splitlines()[3:]}
    assert rows["brief"][0] == "1" and rows["good_practice"][0] == "2" and rows["helpdesk"][0] == "1"
    assert rows["total"][0] == "4"
    assert int(rows["total"][1]) == sum(int(rows[t][1]) for t in ("brief", "good_practice", "helpdesk"))


def test_group_is_a_click_group() -> None:
    assert isinstance(cli, click.Group)
