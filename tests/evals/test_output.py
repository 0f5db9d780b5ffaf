"""Thresholds for --fail-under, reading an earlier run, and bad question lines reported by line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.output import RunNotFound, failed_thresholds, load_run, parse_threshold
from evals.runner import load_questions
from evals.tables import HEADLINE_ROWS


def test_parse_threshold() -> None:
    assert parse_threshold("hit@5=0.8", HEADLINE_ROWS) == ("hit@5", 0.8)
    with pytest.raises(ValueError, match="METRIC one of"):
        parse_threshold("hit@7=0.8", HEADLINE_ROWS)
    with pytest.raises(ValueError, match="is not a number"):
        parse_threshold("hit@5=high", HEADLINE_ROWS)


def test_failed_thresholds_name_each_metric_worse_than_its_threshold() -> None:
    overall = {"hit@5": 0.7, "mrr@10": 0.9, "false_abstention": 0.2, "total_p95_ms": 80.0}
    thresholds = [("hit@5", 0.8), ("mrr@10", 0.8), ("false_abstention", 0.1), ("total_p95_ms", 100.0)]
    assert failed_thresholds(overall, thresholds) == [
        "hit@5 = 0.7 is below its threshold 0.8",
        "false_abstention = 0.2 is above its threshold 0.1 (lower is better)",
    ]


def test_bad_lines_are_reported_by_line_number(tiny_questions: Path) -> None:
    questions, problems = load_questions(tiny_questions)
    assert [q["id"] for q in questions] == ["t1", "t2", "t3"]
    assert [q["kind"] for q in questions] == ["factoid", "squad", "unanswerable"]
    assert problems == [
        f"{tiny_questions}:3: not valid JSON (Expecting property name enclosed in double quotes); skipped",
        f"{tiny_questions}:5: needs a non-empty 'question' field; skipped",
    ]
    assert len(load_questions(tiny_questions, limit=2)[0]) == 2


def test_load_run_names_the_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RunNotFound, match=r"expected metrics\.json and results\.jsonl"):
        load_run(tmp_path)
