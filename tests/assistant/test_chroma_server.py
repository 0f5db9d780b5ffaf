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
