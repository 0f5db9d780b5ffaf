"""Run-vs-run comparison (``policydesk eval --compare PREVIOUS_DIR``): metric deltas and per-question changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.output import is_lower_better
from evals.runner import METRICS

EPSILON = 1e-9


def metric_deltas(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, float | None]]:
    """For each numeric metric in both summaries: before, after and after − before."""
    deltas: dict[str, dict[str, float | None]] = {}
    for name, value in after.items():
        old = before.get(name)
        if name == "questions" or not isinstance(value, int | float) or not isinstance(old, int | float):
            continue
        deltas[name] = {"before": old, "after": value, "delta": round(value - old, 4)}
    return deltas


def question_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(regressions, improvements): per question present in both runs, the metrics that got worse / better."""
    previous = {r["id"]: r for r in before}
    regressions, improvements = [], []
    for result in after:
        old = previous.get(result["id"])
        if old is None:
            continue
        worse, better = _changed_metrics(old["scores"], result["scores"])
        entry = {"id": result["id"], "kind": result.get("kind"), "question": result.get("question", "")}
        if worse:
            regressions.append(entry | {"metrics": worse})
        if better:
            improvements.append(entry | {"metrics": better})
    return regressions, improvements


def _changed_metrics(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    worse: dict[str, list[float]] = {}
    better: dict[str, list[float]] = {}
    for name in METRICS:
        if old.get(name) is None or new.get(name) is None or abs(new[name] - old[name]) < EPSILON:
            continue
        improved = (new[name] < old[name]) if is_lower_better(name) else (new[name] > old[name])
        (better if improved else worse)[name] = [old[name], new[name]]
    return worse, better


def compare_runs(
    previous_metrics: Mapping[str, Any],
    previous_results: Sequence[Mapping[str, Any]],
    metrics: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The comparison block of metrics.json: overall and per-kind deltas, regressions and improvements."""
    kinds = sorted(set(metrics.get("by_kind", {})) & set(previous_metrics.get("by_kind", {})))
    regressions, improvements = question_changes(previous_results, results)
    return {
        "previous_run": previous_metrics.get("run", {}).get("out_dir"),
        "overall": metric_deltas(previous_metrics["overall"], metrics["overall"]),
        "by_kind": {k: metric_deltas(previous_metrics["by_kind"][k], metrics["by_kind"][k]) for k in kinds},
        "regressions": regressions,
        "improvements": improvements,
    }
