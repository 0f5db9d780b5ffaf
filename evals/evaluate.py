"""One evaluation run end to end: questions → shipped stack (+ baselines) → scores → files (+ comparison)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant import Assistant
from evals import report
from evals.baselines import BASELINES, compact_scores, run_baselines
from evals.compare import compare_runs
from evals.corpus import ensure_corpus_index
from evals.output import load_run, write_run
from evals.runner import (
    SHIPPED_MODE,
    Question,
    Result,
    ask_result,
    load_questions,
    run_questions,
    summarise,
    summarise_by_kind,
)
from ingest import Config, Progress

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class EvalOptions:
    """What to run: the questions file, where to write, and the optional extras of ``policydesk eval``."""

    questions_file: Path
    out_dir: Path
    corpus: Path | None = None
    compare: Path | None = None
    baselines: bool = False
    limit: int | None = None


@dataclass
class EvalRun:
    """A finished run: per-question results, metrics.json's content and the lines that were skipped."""

    out_dir: Path
    results: list[Result]
    metrics: dict[str, Any]
    skipped: list[str] = field(default_factory=list)


def run_eval(
    options: EvalOptions,
    config: Config,
    *,
    on_skipped: Callable[[str], None] | None = None,
    on_ingest: Callable[[Progress], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> EvalRun:
    """Evaluate the assistant on ``options.questions_file`` and write results.jsonl, metrics.json, report.html.

    Args:
        options: the run's inputs and outputs.
        config: index and retrieval settings (``--corpus`` points a copy of it at the corpus's own index).
        on_skipped: called with a message for each bad question line (they are skipped).
        on_ingest: ingest progress, when ``--corpus`` needs (re-)indexing.
        on_progress: ``(done, total)`` after each question of every run (shipped and baselines).
    """
    questions, skipped = load_questions(options.questions_file, limit=options.limit)
    for problem in skipped:
        (on_skipped or (lambda _: None))(problem)
    previous = load_run(options.compare) if options.compare else None  # fail before the long part
    if options.corpus:
        config, _ = ensure_corpus_index(options.corpus, config, progress=on_ingest)
    started = datetime.now().astimezone()
    assistant = Assistant(config)
    results, metrics = evaluate(assistant, questions, baselines=options.baselines, on_progress=on_progress)
    metrics["run"] = _run_info(options, config, started, skipped)
    if previous:
        metrics["comparison"] = compare_runs(*previous, metrics, results)
    write_run(options.out_dir, results, metrics, report.render(metrics, results))
    return EvalRun(options.out_dir, results, metrics, skipped)


def evaluate(
    assistant: Assistant,
    questions: Sequence[Question],
    *,
    baselines: bool = False,
    on_progress: ProgressCallback | None = None,
) -> tuple[list[Result], dict[str, Any]]:
    """Score the shipped stack (and the baselines) on ``questions``; returns the results and the metrics."""
    total = len(questions) * (1 + (len(BASELINES) if baselines else 0))
    done = 0

    def tick(_: Result) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, total)

    results, seconds = run_questions(questions, lambda q: ask_result(assistant, q, mode=SHIPPED_MODE), on_result=tick)
    metrics: dict[str, Any] = {"overall": summarise(results, seconds=seconds), "by_kind": summarise_by_kind(results)}
    if baselines:
        runs = run_baselines(assistant, questions, on_result=tick)
        metrics["baselines"] = {
            name: {"overall": summarise(rs, seconds=secs), "by_kind": summarise_by_kind(rs)}
            for name, (rs, secs) in runs.items()
        }
        by_id = compact_scores({name: rs for name, (rs, _) in runs.items()})
        for result in results:
            result["baselines"] = by_id.get(result["id"], {})
    return results, metrics


def _run_info(options: EvalOptions, config: Config, started: datetime, skipped: list[str]) -> dict[str, Any]:
    return {
        "questions_file": str(options.questions_file),
        "corpus": str(options.corpus) if options.corpus else None,
        "index": config.chroma_url or str(config.index_dir),
        "out_dir": str(options.out_dir),
        "compared_with": str(options.compare) if options.compare else None,
        "started_at": started.isoformat(timespec="seconds"),
        "mode": SHIPPED_MODE,
        "top_k": config.top_k,
        "skipped_lines": skipped,
    }
