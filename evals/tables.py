"""The headline table (shipped stack against the baselines), shared by the terminal summary and the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evals.baselines import LABELS, SHORT_LABELS
from evals.runner import METRICS, STAGES

HEADLINE_ROWS = (
    *METRICS,
    *(f"{stage}_p{p}_ms" for stage in STAGES for p in (50, 95)),
    "questions_per_second",
)


def headline_columns(metrics: Mapping[str, Any], *, short: bool = False) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, overall summary) for the shipped stack and each baseline of the run."""
    labels = SHORT_LABELS if short else LABELS
    columns = [(labels["shipped"], metrics["overall"])]
    columns += [(labels.get(name, name), block["overall"]) for name, block in metrics.get("baselines", {}).items()]
    return columns


def format_value(name: str, value: Any) -> str:
    """Scores with three decimals, milliseconds with one, missing values as an en dash."""
    if value is None:
        return "–"
    if name.endswith("_ms") or name == "questions_per_second":
        return f"{value:.1f}"
    return f"{value:.3f}"


def text_table(metrics: Mapping[str, Any]) -> str:
    """A one-screen plain-text headline table for the terminal."""
    columns = headline_columns(metrics, short=True)
    width = max(len(label) for label, _ in columns) + 2
    lines = ["metric".ljust(24) + "".join(label.rjust(width) for label, _ in columns)]
    for name in HEADLINE_ROWS:
        if all(summary.get(name) is None for _, summary in columns):
            continue
        lines.append(name.ljust(24) + "".join(format_value(name, s.get(name)).rjust(width) for _, s in columns))
    return "\n".join(lines)
