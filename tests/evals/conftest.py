"""Fixtures for the evaluation tests: hand-made results and a tiny Markdown corpus with its questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TINY_CORPUS = {
    "voucher.md": (
        "---\ntitle: Innovation vouchers\n---\n# Innovation vouchers\n\n"
        "The Tyrol agency gives small firms a voucher of 4,000 euros to buy services from research centres.\n\n"
        "More than two hundred firms used the voucher in its first three years.\n"
    ),
    "sprint.md": (
        "---\ntitle: Design sprints\n---\n# Design sprints\n\n"
        "Kaunas Science Park runs a two-week design sprint for manufacturers that want to digitalise products.\n\n"
        "Each sprint ends with a prototype that the firm tests with its customers.\n"
    ),
    "finance.md": (
        "---\ntitle: Cluster finance\n---\n# Cluster finance\n\n"
        "Mature clusters cover half of their budget from membership fees and paid services.\n"
    ),
}

TINY_QUESTIONS = [
    {
        "id": "t1",
        "question": "How much is the Tyrol innovation voucher worth?",
        "must_contain": ["4,000"],
        "evidence": "gives small firms a voucher of 4,000 euros",
        "kind": "factoid",
    },
    {
        "id": "t2",
        "question": "How long is the Kaunas design sprint?",
        "answers": ["two-week", "two weeks"],
    },
    {"id": "t3", "question": "What is the VAT rate on bananas in Peru?", "kind": "unanswerable"},
]


def make_result(question: dict[str, Any], **answer: Any) -> dict[str, Any]:
    """An ``ask --json``-shaped result for a hand-made case (defaults: answered, no citations, no passages)."""
    return {
        "id": question["id"],
        "kind": question.get("kind", "unknown"),
        "question": question["question"],
        "answer": "",
        "abstained": False,
        "citations": [],
        "retrieved": [],
        "timings_ms": {"retrieve": 10.0, "answer": 5.0, "total": 15.0},
        "confidence": 0.5,
        "reference": {k: v for k, v in question.items() if k not in ("id", "question", "kind")},
    } | answer


def passage(text: str, rank: int = 1, **fields: Any) -> dict[str, Any]:
    """A retrieved passage dict as in ``ask --json``."""
    return (
        {"rank": rank, "chunk_id": f"c{rank}", "doc_id": "d", "title": "Doc", "page": 1, "score": 0.5}
        | {"text": text}
        | fields
    )


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """Three short Markdown documents written by the test."""
    root = tmp_path / "tiny-corpus"
    root.mkdir()
    for name, text in TINY_CORPUS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tiny_questions(tmp_path: Path) -> Path:
    """The tiny question set, with one broken line (line 3) and one line without a question (line 5)."""
    lines = [json.dumps(TINY_QUESTIONS[0]), json.dumps(TINY_QUESTIONS[1]), "{not json", json.dumps(TINY_QUESTIONS[2])]
    lines.append(json.dumps({"id": "t4"}))
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
