"""Run a question set through the Assistant and score every answer; aggregate overall and by kind."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant import Assistant, answer_to_dict, compose_draft, read_questions
from assistant.export import citation_to_dict, passage_to_dict
from assistant.writers import Writer
from evals import metrics

Result = dict[str, Any]
Question = dict[str, Any]
SHIPPED_MODE = "hybrid"
STAGES = ("retrieve", "answer", "total")
RETRIEVAL_METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10")
ANSWER_METRICS = ("key_fact_recall", "citation_coverage", "citation_precision")
ABSTENTION_METRICS = ("unanswerable_abstained", "false_abstention")
METRICS = RETRIEVAL_METRICS + ANSWER_METRICS + ABSTENTION_METRICS
# Fields of a question record that are the question itself rather than reference data.
_OWN_FIELDS = ("id", "question", "kind")
DRAFT_MODE = "draft"


def load_questions(path: Path, *, limit: int | None = None) -> tuple[list[Question], list[str]]:
    """The valid question records of a JSONL file (at most ``limit``) and a message per bad line.

    A record without ``kind`` gets "squad" when it has SQuAD-style ``answers``, else "unknown".
    """
    questions: list[Question] = []
    problems: list[str] = []
    for _, record in read_questions(path):
        if isinstance(record, str):
            problems.append(record)
        elif limit is None or len(questions) < limit:
            default_kind = "squad" if "answers" in record else "unknown"
            questions.append(record | {"id": str(record["id"]), "kind": str(record.get("kind") or default_kind)})
    return questions, problems


def reference_of(question: Mapping[str, Any]) -> dict[str, Any]:
    """The question's reference data (answer, must_contain, answers, evidence, doc_id, unknown fields …)."""
    return {key: value for key, value in question.items() if key not in _OWN_FIELDS}


def score_result(question: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """Per-question scores; answer metrics only when ``result`` holds an answer (not for retrieval-only runs)."""
    answerable = metrics.is_answerable(question)
    scores: dict[str, Any] = {"answerable": answerable}
    if answerable and metrics.has_retrieval_target(question):
        scores |= metrics.retrieval_scores(result["retrieved"], question)
    if "answer" not in result:
        return scores
    abstained = bool(result["abstained"])
    if answerable:
        scores["key_fact_recall"] = metrics.key_fact_recall(result["answer"], question, abstained)
        scores["citation_precision"] = metrics.citation_precision(result["citations"], question)
        scores["false_abstention"] = 1.0 if abstained else 0.0
    else:
        scores["unanswerable_abstained"] = 1.0 if abstained else 0.0
    scores["citation_coverage"] = metrics.citation_coverage(result["answer"], abstained, result.get("sentences"))
    return scores


def ask_result(
    assistant: Assistant, question: Mapping[str, Any], *, mode: str = SHIPPED_MODE, writer: str | Writer | None = None
) -> Result:
    """The ``ask --json`` output for one question, plus ``id``, ``kind`` and ``reference``.

    A question with ``"history": [earlier questions]`` is asked after them, with their real answers as the
    conversation (only the last is scored); one with ``"mode": "draft"`` is a request for a draft reply, scored
    on the draft's whole Markdown text.
    """
    history = assistant.replay([str(q) for q in question.get("history") or ()], mode=mode, writer=writer)
    if question.get("mode") == DRAFT_MODE:
        answer = draft_result(assistant, str(question["question"]))
    else:
        asked = assistant.ask(str(question["question"]), history=history, mode=mode, writer=writer)
        answer = answer_to_dict(asked)
    return {"id": question["id"], "kind": question["kind"]} | answer | {"reference": reference_of(question)}


def draft_result(assistant: Assistant, request: str) -> Result:
    """A draft reply to ``request`` in the ``ask --json`` shape: its Markdown is the answer, it abstains when every
    section does, and its citations are the draft's."""
    started = time.perf_counter()
    draft = compose_draft(assistant, request)
    elapsed = (time.perf_counter() - started) * 1000
    return {
        "question": request,
        # The echoed request is left out: a key fact quoted from the request is not found by the draft.
        "answer": draft.markdown.replace(f"**Request:** {request}", ""),
        "abstained": draft.abstained,
        "citations": [citation_to_dict(c) for c in draft.citations],
        "retrieved": [passage_to_dict(p) for p in draft.retrieved],
        # The sections answer one after another: the draft's own time is its answer time.
        "timings_ms": {"answer": round(elapsed, 2), "total": round(elapsed, 2)},
        "writer": "draft",
    }


def run_questions(
    questions: Iterable[Question],
    answer_one: Callable[[Question], Result],
    *,
    on_result: Callable[[Result], None] | None = None,
) -> tuple[list[Result], float]:
    """Answer and score every question with ``answer_one``; returns the results and the wall-clock seconds."""
    results = []
    started = time.perf_counter()
    for question in questions:
        result = answer_one(question)
        result["scores"] = score_result(question, result)
        results.append(result)
        if on_result:
            on_result(result)
    return results, time.perf_counter() - started


def summarise(results: Sequence[Result], *, seconds: float | None = None) -> dict[str, Any]:
    """Mean of each metric over the questions it applies to, latency percentiles, counts and questions/s."""
    summary: dict[str, Any] = {"questions": len(results)}
    for name in METRICS:
        values = [r["scores"][name] for r in results if r["scores"].get(name) is not None]
        summary[name] = round(statistics.fmean(values), 4) if values else None
    for stage in STAGES:
        times = sorted(r["timings_ms"][stage] for r in results if stage in r["timings_ms"])
        summary[f"{stage}_p50_ms"] = round(percentile(times, 50), 1) if times else None
        summary[f"{stage}_p95_ms"] = round(percentile(times, 95), 1) if times else None
    if seconds:
        summary["questions_per_second"] = round(len(results) / seconds, 2)
    return summary


def summarise_by_kind(results: Sequence[Result]) -> dict[str, dict[str, Any]]:
    """``summarise`` for each question kind."""
    kinds = sorted({r["kind"] for r in results})
    return {kind: summarise([r for r in results if r["kind"] == kind]) for kind in kinds}


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    """Linear-interpolation percentile of already sorted values (numpy's default method)."""
    index = (len(sorted_values) - 1) * percent / 100
    low = int(index)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (index - low)
