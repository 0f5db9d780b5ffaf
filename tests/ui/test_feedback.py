"""Feedback storage (durable JSONL next to the index) and its export as eval-question lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.feedback import export_eval_questions, feedback_path, read_feedback, record_feedback
from tests.ui.fakes import abstention, cited_answer


def test_feedback_is_appended_with_question_answer_citations_and_time(tmp_path: Path) -> None:
    record_feedback(tmp_path, cited_answer(), rating="up")
    record_feedback(tmp_path, abstention(), rating="down", comment="  should know Lima ")
    stored = list(read_feedback(tmp_path))
    assert [f.rating for f in stored] == ["up", "down"]
    assert stored[0].citations[0]["title"] == "Policy Brief: Clusters" and stored[0].time.endswith("+00:00")
    assert stored[1].comment == "should know Lima" and stored[1].abstained


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    """A crash mid-write leaves a partial line; the ratings before it must still be read."""
    record_feedback(tmp_path, cited_answer(), rating="up")
    with feedback_path(tmp_path).open("a", encoding="utf-8") as stream:
        stream.write('{"question": "half')
    assert len(list(read_feedback(tmp_path))) == 1


def test_unknown_rating_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rating must be one of"):
        record_feedback(tmp_path, cited_answer(), rating="meh")


def test_export_marks_thumbs_down_as_cases_to_fix(tmp_path: Path) -> None:
    import io

    record_feedback(tmp_path, cited_answer(), rating="up")
    record_feedback(tmp_path, abstention(), rating="down", comment="should know Lima")
    out = io.StringIO()
    assert export_eval_questions(tmp_path, out) == 2
    up, down = (json.loads(line) for line in out.getvalue().splitlines())
    assert up["kind"] == "feedback" and up["id"].startswith("feedback-") and "note" not in up
    assert down["question"] == "What is the capital of Peru?"
    assert down["note"] == "Thumbs-down from a user: a case to fix. Comment: should know Lima"


def test_feedback_export_command_writes_jsonl(tmp_path: Path) -> None:
    record_feedback(tmp_path / "idx", cited_answer(), rating="down")
    out = tmp_path / "feedback-questions.jsonl"
    result = CliRunner().invoke(
        cli, ["feedback", "export", "--index-dir", str(tmp_path / "idx"), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Exported 1 feedback line(s)." in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["kind"] == "feedback"
