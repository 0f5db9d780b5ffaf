"""The report's plots, drawn with matplotlib (Agg, no display) and returned as base64 PNG for inline <img>."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from evals.output import is_lower_better

GOOD, BAD = "#2a9d8f", "#e76f51"


def to_base64_png(figure: Figure) -> str:
    """Encode a figure as base64 PNG and release it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def grouped_bars(groups: Mapping[str, Mapping[str, Any]], metric_names: Sequence[str], title: str) -> str:
    """Bars of ``metric_names`` (x axis) for each group (a kind, or a system), scores in [0, 1]."""
    names = [m for m in metric_names if any(g.get(m) is not None for g in groups.values())]
    figure, axes = plt.subplots(figsize=(11, 3.8))
    width = 0.8 / max(len(groups), 1)
    for i, (label, summary) in enumerate(groups.items()):
        values = [summary.get(m) or 0.0 for m in names]
        axes.bar([x + i * width for x in range(len(names))], values, width, label=label)
    axes.set_xticks([x + width * (len(groups) - 1) / 2 for x in range(len(names))], names, rotation=20, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, ncols=min(len(groups), 4), loc="upper center", bbox_to_anchor=(0.5, -0.28))
    return to_base64_png(figure)


def latency_histogram(results: Sequence[Mapping[str, Any]]) -> str:
    """Histogram of retrieve, answer and total milliseconds per question."""
    figure, axes = plt.subplots(figsize=(11, 3.2))
    for stage in ("retrieve", "answer", "total"):
        values = [r["timings_ms"][stage] for r in results if stage in r["timings_ms"]]
        if values:
            axes.hist(values, bins=30, alpha=0.55, label=stage)
    axes.set_xlabel("milliseconds per question")
    axes.set_ylabel("questions")
    axes.set_title("Latency (shipped stack)")
    axes.legend()
    return to_base64_png(figure)


def delta_bars(deltas: Mapping[str, Mapping[str, Any]], metric_names: Sequence[str]) -> str:
    """Horizontal bars of after − before per metric, green where the change is an improvement."""
    names = [m for m in metric_names if m in deltas]
    values = [deltas[m]["delta"] for m in names]
    colours = [GOOD if (v < 0) == is_lower_better(m) and v != 0 else BAD for m, v in zip(names, values, strict=True)]
    figure, axes = plt.subplots(figsize=(11, 0.35 * len(names) + 1))
    axes.barh(names, values, color=colours)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.invert_yaxis()
    axes.set_title("Change against the previous run (green: better)")
    axes.grid(axis="x", alpha=0.3)
    return to_base64_png(figure)
