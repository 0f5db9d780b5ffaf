"""Users' ratings of answers, stored durably next to the index and exported as evaluation questions.

Each rating is one JSON line (the question, the answer's text and citations, the writer, the whole answer as
``ask --json`` and the optional comment) in ``<index_dir>/feedback.jsonl``, appended with flush + fsync so a crash never
loses an acknowledged rating. ``export_eval_questions`` turns them into lines the evaluation runner reads
(``id``, ``question``, ``kind: "feedback"``); a thumbs-down becomes a case to fix.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from assistant.export import answer_to_dict
from assistant.records import Answer

FEEDBACK_FILE = "feedback.jsonl"
RATINGS = ("up", "down")


@dataclass(frozen=True)
class Feedback:
    """One user's rating (``up`` / ``down`` / ``None`` for a comment only) of one answer."""

    question: str
    answer: str
    citations: tuple[dict[str, Any], ...]
    rating: str | None
    comment: str
    time: str
    abstained: bool = False
    writer: str = ""  # the writer that answered (extractive, openai, llamacpp); "" in lines from before it was kept
    answer_json: dict[str, Any] = field(default_factory=dict)  # the answer as ``ask --json`` (answer_to_dict)

    @property
    def feedback_id(self) -> str:
        """A stable id: the same rating of the same answer at the same time gets the same id."""
        digest = hashlib.sha256(f"{self.time}\n{self.question}\n{self.answer}".encode()).hexdigest()
        return f"feedback-{digest[:12]}"


def feedback_path(index_dir: Path) -> Path:
    """Where the ratings of the index at ``index_dir`` are stored."""
    return Path(index_dir) / FEEDBACK_FILE


def record_feedback(index_dir: Path, answer: Answer, *, rating: str | None, comment: str = "") -> Feedback:
    """Append a rating of ``answer`` durably and return it."""
    if rating not in (*RATINGS, None):
        raise ValueError(f"rating must be one of {RATINGS} or None, got {rating!r}")
    feedback = Feedback(
        question=answer.question,
        answer=answer.text,
        citations=tuple(
            {"n": c.n, "doc_id": c.chunk.doc_id, "title": c.chunk.title, "page": c.chunk.page, "quote": c.quote}
            for c in answer.citations
        ),
        rating=rating,
        comment=(comment or "").strip(),
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        abstained=answer.abstained,
        writer=answer.writer,
        answer_json=answer_to_dict(answer),
    )
    path = feedback_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(asdict(feedback), ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    return feedback


def read_feedback(index_dir: Path) -> Iterator[Feedback]:
    """The stored ratings, oldest first (a torn last line from a crash is skipped)."""
    path = feedback_path(index_dir)
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            yield Feedback(**{**data, "citations": tuple(data.get("citations") or ())})


def eval_question(feedback: Feedback) -> dict[str, Any]:
    """The evaluation-runner line for one rating."""
    line: dict[str, Any] = {
        "id": feedback.feedback_id,
        "question": feedback.question,
        "kind": "feedback",
        "rating": feedback.rating,
        "answer": feedback.answer,
        "citations": list(feedback.citations),
        "comment": feedback.comment,
        "time": feedback.time,
        "writer": feedback.writer,
    }
    if feedback.rating == "down":
        comment = f" Comment: {feedback.comment}" if feedback.comment else ""
        line["note"] = f"Thumbs-down from a user: a case to fix.{comment}"
    return line


def export_eval_questions(index_dir: Path, stream: TextIO) -> int:
    """Write every stored rating as an eval-question JSON line to ``stream``; return how many."""
    count = 0
    for feedback in read_feedback(index_dir):
        stream.write(json.dumps(eval_question(feedback), ensure_ascii=False) + "\n")
        count += 1
    return count
