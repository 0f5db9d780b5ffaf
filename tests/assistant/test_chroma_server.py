"""The assistant over a corpus ingested into a real ``chroma run`` server."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from ingest import Config, ingest
from tests.assistant.conftest import ALPINE_DOC

pytestmark = pytest.mark.server


def test_assistant_answers_from_a_chroma_server(chroma_server: str, assistant_corpus: Path, tmp_path: Path) -> None:
    config = Config(index_dir=tmp_path / "local", chroma_url=chroma_server, collection_prefix="assistant_tests")
    report = ingest([assistant_corpus], config)
    assert not report.failed, report.failed

    answer = Assistant(config).ask("How much is the Tyrol innovation voucher worth?")

    assert not answer.abstained, answer.text
    assert answer.citations[0].chunk.doc_id == ALPINE_DOC
    assert answer.citations[0].quote in answer.citations[0].chunk.text
    assert "€4,000" in answer.text
    assert len(answer.retrieved) == 10
    assert not (tmp_path / "local" / "chroma").exists(), "the chunks went to the server, not to a local database"


def test_a_chroma_server_that_stops_answering_is_named_not_a_crash(tmp_path: Path) -> None:
    """Bug: when the Chroma server went down the app said "Something went wrong (ConnectError)"; now the error
    names the server and says that answers resume when it is back (the Assistant keeps running)."""
    import os

    from assistant import Assistant
    from ingest import Config, ingest
    from ingest.errors import StoreError
    from tests.conftest import VENV_BIN, write_corpus
    from tests.servers import free_port, running_server

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(VENV_BIN / "chroma"),
        "run",
        "--path",
        str(tmp_path / "db"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    config = Config(index_dir=tmp_path / "index", chroma_url=url)
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with running_server(command, f"{url}/api/v2/heartbeat", tmp_path / "server.log", env=env, timeout=60):
        assert not ingest([write_corpus(tmp_path / "corpus")], config).failed
        assistant = Assistant(config)
        assert not assistant.ask("What do vouchers let small firms buy?").abstained

    with pytest.raises(StoreError, match=rf"The Chroma server at {url} does not answer \(ConnectError\); questions"):
        assistant.ask("What do vouchers let small firms buy?")
