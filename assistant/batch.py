"""Batch questions (``policydesk ask --file``): one JSONL line in, one ``ask --json`` line (plus ``id``) out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from assistant.export import answer_to_dict
from assistant.records import Filters
from assistant.service import Assistant


def read_questions(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, question record) for each non-blank line, or (line number, problem) for a bad one."""
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"{path}:{number}: not valid JSON ({exc.msg}); skipped"
                continue
            if not isinstance(record, dict) or not str(record.get("question", "")).strip():
                yield number, f"{path}:{number}: needs a non-empty 'question' field; skipped"
            elif "id" not in record:
                yield number, f"{path}:{number}: needs an 'id' field; skipped"
            elif not _is_history(record.get("history", [])):
                yield number, f"{path}:{number}: 'history' must be a list of earlier questions (strings); skipped"
            else:
                yield number, record


def answer_questions(assistant: Assistant, path: Path, out: TextIO, *, filters: Filters | None = None) -> Iterator[str]:
    """Answer every question of ``path`` into ``out``; yields a message for each line skipped."""
    for _, record in read_questions(path):
        if isinstance(record, str):
            yield record
            continue
        # A follow-up line carries the conversation's earlier questions, asked first (only the last is written).
        history = assistant.replay(record.get("history") or [], filters=filters)
        answer = answer_to_dict(assistant.ask(str(record["question"]), filters=filters, history=history))
        copied = {k: v for k, v in record.items() if k != "question"}
        result = copied | answer
        # An input field named like a contract field (e.g. a reference "answer") is kept under "input".
        clashing = {k: v for k, v in copied.items() if k in answer}
        if clashing:
            result["input"] = clashing
        out.write(json.dumps({"id": record["id"]} | result, ensure_ascii=False) + "\n")
        out.flush()


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(q, str) and q.strip() for q in value)
