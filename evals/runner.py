"""Run a question set through the Assistant and score every answer; aggregate overall and by kind."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from assistant import Assistant, answer_to_dict
from evals import metrics

Result = dict[str, Any]


def score_answer(question: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Per-question scores for one ``ask --json`` answer."""
    rank = metrics.first_hit_rank([p["text"] for p in answer["retrieved"]], question)
    answerable = metrics.is_answerable(question)
    scores: dict[str, Any] = {"answerable": answerable, "first_hit_rank": rank}
    if answerable:
        scores |= {
            "hit@1": metrics.hit_at(rank, 1),
            "hit@5": metrics.hit_at(rank, 5),
            "hit@10": metrics.hit_at(rank, 10),
            "mrr@10": metrics.reciprocal_rank(rank),
            "key_fact_recall": metrics.key_fact_recall(answer["answer"], question, answer["abstained"]),
            "false_abstention": 1.0 if answer["abstained"] else 0.0,
            "citation_precision": metrics.citation_precision(answer["citations"], question),
        }
    else:
        scores["abstained_correctly"] = 1.0 if answer["abstained"] else 0.0
    scores["citation_coverage"] = metrics.citation_coverage(answer["answer"], answer["abstained"])
    return scores


def run_questions(
    assistant: Assistant,
    questions: Iterable[dict[str, Any]],
    *,
    mode: str = "hybrid",
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Ask every question; each result is the ``ask --json`` output plus ``id``, ``kind`` and ``scores``."""
    results = []
    for question in questions:
        answer = answer_to_dict(assistant.ask(question["question"], mode=mode))
        result = {"id": question["id"], "kind": question.get("kind", "unknown")} | answer
        result["scores"] = score_answer(question, answer)
        results.append(result)
        if on_result:
            on_result(result)
    return results


METRICS = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "key_fact_recall",
    "citation_coverage",
    "citation_precision",
    "unanswerable_abstained",
    "false_abstention",
)


def summarise(results: Sequence[Result]) -> dict[str, Any]:
    """Mean of each metric over the questions it applies to, plus latency percentiles and counts."""
    summary: dict[str, Any] = {"questions": len(results)}
    for name in METRICS:
        key = "abstained_correctly" if name == "unanswerable_abstained" else name
        values = [r["scores"][key] for r in results if r["scores"].get(key) is not None]
        summary[name] = round(statistics.fmean(values), 4) if values else None
    for stage in ("retrieve", "answer", "total"):
        times = sorted(r["timings_ms"][stage] for r in results)
        summary[f"{stage}_p50_ms"] = round(_percentile(times, 50), 1) if times else None
        summary[f"{stage}_p95_ms"] = round(_percentile(times, 95), 1) if times else None
    return summary


def summarise_by_kind(results: Sequence[Result]) -> dict[str, dict[str, Any]]:
    """``summarise`` for each question kind."""
    kinds = sorted({r["kind"] for r in results})
    return {kind: summarise([r for r in results if r["kind"] == kind]) for kind in kinds}


def _percentile(sorted_values: Sequence[float], percent: float) -> float:
    index = (len(sorted_values) - 1) * percent / 100
    low = int(index)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (index - low)
