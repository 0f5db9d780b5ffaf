"""The runner's conversation and draft questions, on the tiny corpus with the real model and Chroma."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistant import Assistant
from evals.runner import ask_result
from ingest import Config, ingest


class RecordingAssistant(Assistant):
    """The real Assistant, noting each question it is asked and the conversation it was given."""

    asked: list[tuple[str, list[Any]]]

    def ask(self, question: str, **options: Any):  # type: ignore[override]
        self.asked.append((question, list(options.get("history") or ())))
        return super().ask(question, **options)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingAssistant]:
    from tests.evals.conftest import TINY_CORPUS

    root = tmp_path_factory.mktemp("tiny")
    corpus = root / "corpus"
    # Typed by folder, so that a draft's sections (briefs and helpdesk answers; good practices) find them.
    for name, text in TINY_CORPUS.items():
        folder = corpus / ("good_practices" if name == "sprint.md" else "helpdesk")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    config = Config(index_dir=root / "index")
    assert not ingest([corpus], config).failed
    recording = RecordingAssistant(config)
    recording.asked = []
    yield recording


def test_history_is_asked_first_and_only_the_last_question_is_scored(assistant: RecordingAssistant) -> None:
    assistant.asked.clear()
    question = {
        "id": "f1",
        "kind": "follow_up",
        "question": "And how long does it last?",
        "history": ["What does Kaunas Science Park run for manufacturers?"],
        "answers": ["two-week"],
    }
    result = ask_result(assistant, question)
    assert [q for q, _ in assistant.asked] == [question["history"][0], question["question"]]
    (turn,) = assistant.asked[1][1]
    assert turn.question == question["history"][0]
    assert "design sprint" in turn.answer  # the real earlier answer, not a placeholder
    assert turn.cited == ("good_practices/sprint",)
    assert result["question"] == question["question"]
    assert "two-week" in result["answer"]
    assert result["reference"]["history"] == question["history"]


def test_a_draft_question_is_scored_on_the_draft_markdown(assistant: RecordingAssistant) -> None:
    question = {
        "id": "d1",
        "kind": "draft",
        "mode": "draft",
        "question": "A firm in Tyrol asks how much the innovation voucher is worth.",
        "must_contain": ["4,000"],
    }
    result = ask_result(assistant, question)
    assert result["answer"].startswith("# Draft helpdesk reply")
    assert "## Policy insights" in result["answer"]
    assert "4,000" in result["answer"]
    assert not result["abstained"]
    assert result["citations"] and {c["doc_id"] for c in result["citations"]} >= {"helpdesk/voucher"}
    assert result["retrieved"]


def test_a_draft_abstains_when_every_section_does(assistant: RecordingAssistant) -> None:
    question = {"id": "d2", "mode": "draft", "kind": "unanswerable", "question": "What is the VAT on bananas in Peru?"}
    result = ask_result(assistant, question)
    assert result["abstained"]
    assert result["answer"].count("The documents don't cover this.") == 2  # further resources may still point on
