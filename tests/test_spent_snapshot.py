"""Every spent question's answer on the shipped corpus equals the snapshot (tests/snapshots/spent_answers.jsonl).

A refactor that should not change behaviour (the writer boundary) must leave the file as it is; a deliberate
change rewrites it with ``python -m tests.snapshots.spent`` and the diff shows what it changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snapshots.spent import SNAPSHOT, answer_all, shipped_assistant, spent_questions


@pytest.mark.slow
def test_spent_answers_equal_the_snapshot(tmp_path: Path) -> None:
    expected = [json.loads(line) for line in SNAPSHOT.read_text(encoding="utf-8").splitlines() if line.strip()]
    actual = answer_all(shipped_assistant(tmp_path / "index"), spent_questions())
    assert [(a["set"], a["id"]) for a in actual] == [(e["set"], e["id"]) for e in expected]
    changed = [f"{a['set']}:{a['id']}" for a, e in zip(actual, expected, strict=True) if a != e]
    assert not changed, f"{len(changed)} of {len(expected)} spent answers changed: {', '.join(changed[:20])}"
