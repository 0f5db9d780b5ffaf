"""A run on disk: results.jsonl, metrics.json and report.html in one folder; thresholds for CI gating."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from evals.metrics import LOWER_IS_BETTER
from ingest.errors import PolicyDeskError

RESULTS_FILE = "results.jsonl"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.html"
RUNS_DIR = Path("evals") / "runs"


class RunNotFound(PolicyDeskError):
    """A folder given to ``--compare`` holds no earlier run."""


def default_out_dir(now: datetime | None = None) -> Path:
    """``evals/runs/<timestamp>/`` (relative to the working directory)."""
    return RUNS_DIR / (now or datetime.now()).strftime("%Y%m%d-%H%M%S")


def write_run(out_dir: Path, results: Iterable[Mapping[str, Any]], metrics: Mapping[str, Any], html: str) -> None:
    """Write the three files of a run into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / RESULTS_FILE).open("w", encoding="utf-8") as stream:
        for result in results:
            stream.write(json.dumps(result, ensure_ascii=False) + "\n")
    (out_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / REPORT_FILE).write_text(html, encoding="utf-8")


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The metrics and results of an earlier run.

    Raises:
        RunNotFound: ``run_dir`` lacks metrics.json or results.jsonl.
    """
    metrics_path, results_path = run_dir / METRICS_FILE, run_dir / RESULTS_FILE
    if not metrics_path.is_file() or not results_path.is_file():
        raise RunNotFound(
            f"No earlier run in {run_dir}: expected {METRICS_FILE} and {RESULTS_FILE} — pass a folder written by "
            "`policydesk eval --out DIR`."
        )
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    with results_path.open(encoding="utf-8") as stream:
        results = [json.loads(line) for line in stream if line.strip()]
    return metrics, results


def is_lower_better(metric: str) -> bool:
    """Latencies and the false-abstention rate improve downwards; everything else upwards."""
    return metric in LOWER_IS_BETTER or metric.endswith("_ms")


def parse_threshold(text: str, known: Sequence[str]) -> tuple[str, float]:
    """``"hit@5=0.8"`` -> ``("hit@5", 0.8)``.

    Raises:
        ValueError: not METRIC=NUMBER, or an unknown metric (the message lists the known ones).
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or name not in known:
        raise ValueError(f"{text!r}: expected METRIC=VALUE with METRIC one of {', '.join(known)}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{text!r}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r}: {value!r} is not a finite number")
    return name, number


def failed_thresholds(overall: Mapping[str, Any], thresholds: Sequence[tuple[str, float]]) -> list[str]:
    """A message for each metric worse than its threshold (below it; above it when lower is better)."""
    failures = []
    for name, limit in thresholds:
        value = overall.get(name)
        if value is None:
            failures.append(f"{name} was not measured in this run (threshold {limit:g})")
        elif is_lower_better(name) and value > limit:
            failures.append(f"{name} = {value:g} is above its threshold {limit:g} (lower is better)")
        elif not is_lower_better(name) and value < limit:
            failures.append(f"{name} = {value:g} is below its threshold {limit:g}")
    return failures
