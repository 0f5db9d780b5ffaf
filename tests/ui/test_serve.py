"""``policydesk serve``: defaults, login, warnings, and gradio_client against a real running server."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.cli_serve import is_loopback, parse_auth
from tests.ui.conftest import FINANCE_QUESTION


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture ``launch`` keywords instead of serving (the empty index needs no model)."""
    captured: dict[str, Any] = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: captured.update(kwargs))
    return captured


def test_serve_binds_loopback_without_login_by_default(launched: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert launched["server_name"] == "127.0.0.1" and launched["server_port"] == 7860
    assert launched["auth"] is None and "WARNING" not in result.output


def test_public_host_without_login_warns(launched: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "9000"], catch_exceptions=False)
    assert "WARNING: serving on 0.0.0.0 without a login" in result.output
    assert launched["server_port"] == 9000


def test_login_comes_from_the_environment_and_is_never_echoed(
    launched: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYDESK_AUTH", "admin:s3cret-pw,staff:other-pw")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], catch_exceptions=False)
    assert launched["auth"] == [("admin", "s3cret-pw"), ("staff", "other-pw")]
    assert "WARNING" not in result.output and "s3cret" not in result.output


def test_auth_file_and_malformed_entries(tmp_path) -> None:
    path = tmp_path / "users"
    path.write_text("admin:pw1\nstaff:pw2\n", encoding="utf-8")
    assert parse_auth({"POLICYDESK_AUTH_FILE": str(path)}) == [("admin", "pw1"), ("staff", "pw2")]
    with pytest.raises(Exception, match="Auth entry 2 must look like user:password"):
        parse_auth({"POLICYDESK_AUTH": "admin:pw,nopassword"})


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_serve_has_help() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"], catch_exceptions=False)
    assert "--host" in result.output and "POLICYDESK_AUTH" in result.output


def test_ask_api_answers_with_citations(ui_server: str) -> None:
    from gradio_client import Client

    client = Client(ui_server, verbose=False)
    markdown, data = client.predict(FINANCE_QUESTION, api_name="/ask")
    assert not data["abstained"], markdown
    assert data["citations"] and data["citations"][0]["title"] == "Helpdesk answer on cluster finance"
    assert "**Sources**" in markdown and "[1] Helpdesk answer on cluster finance" in markdown


def test_chat_api_streams_a_cited_message(ui_server: str) -> None:
    from gradio_client import Client

    client = Client(ui_server, verbose=False)
    messages, sources, _ = client.predict(FINANCE_QUESTION, [], [], "", "", "", "", api_name="/chat")
    reply = messages[-1]
    text = "".join(part["text"] for part in reply["content"] if part["type"] == "text")
    assert reply["role"] == "assistant" and "(#source-0-1)" in text
    assert 'id="source-0-1"' in sources and "<mark>" in sources


def test_pdfs_are_served_by_document_id_only(tmp_path, pdf_writer) -> None:
    """Regression: the "open PDF" link showed the server's file path (/gradio_api/file=/home/…/brief.pdf)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.ui_files import document_route
    from ingest.records import IndexedDocument

    pdf = pdf_writer(tmp_path / "secret-folder" / "brief.pdf")
    note = tmp_path / "note.md"
    note.write_text("# Note", encoding="utf-8")
    documents = [
        IndexedDocument("briefs/brief", "Brief", "brief", str(pdf), "h", 1, 1, "2026-01-01T00:00:00", {}),
        IndexedDocument("helpdesk/note", "Note", "helpdesk", str(note), "h", 1, 1, "2026-01-01T00:00:00", {}),
    ]
    app = FastAPI(routes=[document_route(lambda: documents)])
    client = TestClient(app)
    served = client.get("/document/briefs/brief")
    assert served.status_code == 200 and served.content.startswith(b"%PDF-")
    assert served.headers["content-type"] == "application/pdf" and "secret-folder" not in str(served.headers)
    assert client.get("/document/helpdesk/note").status_code == 404  # not a PDF
    assert client.get("/document/..%2F..%2Fetc%2Fpasswd").status_code == 404
    app.auth = {"admin": "pw"}  # type: ignore[attr-defined]  # a login configured: Gradio's cookie is needed
    assert client.get("/document/briefs/brief").status_code == 401
