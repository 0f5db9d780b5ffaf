"""``policydesk eval``: a thin face over ``evals.evaluate`` (parse, call, print a summary; no logic of its own).

Registered on the ``policydesk`` group by ``assistant.cli``; import the group from there.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from assistant.cli import ProgressBars, index_options, load_config, writer_option
from evals.output import default_out_dir, failed_thresholds, parse_threshold


def _thresholds(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, float]]:
    from evals.tables import HEADLINE_ROWS  # loads the baselines (Chroma, llama-index): not for --help

    try:
        return [parse_threshold(value, HEADLINE_ROWS) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@click.command("eval")
@click.argument("questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Run folder [default evals/runs/<timestamp>]"
)
@click.option(
    "--compare",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An earlier run folder: report metric deltas, regressions and improvements.",
)
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Evaluate against this corpus, ingested into its own cached index under <index-dir>/corpora/.",
)
@click.option(
    "--baselines",
    is_flag=True,
    help="Also score BM25-only, dense-only, RRF, the issue's top-2 cosine writer and llama-index's default.",
)
@click.option(
    "--fail-under",
    "thresholds",
    multiple=True,
    metavar="METRIC=VALUE",
    callback=_thresholds,
    help="Exit 1 if METRIC is worse than VALUE (repeatable; for false_abstention and *_ms, worse means above).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N valid questions.")
@index_options
@writer_option
def eval_command(
    questions_file: Path,
    out: Path | None,
    compare: Path | None,
    corpus: Path | None,
    baselines: bool,
    thresholds: list[tuple[str, float]],
    limit: int | None,
    overrides: dict[str, Any],
) -> None:
    """Score the assistant on QUESTIONS_FILE (JSONL) and write results.jsonl, metrics.json and report.html.

    Lines need `id` and `question`; `must_contain`, `answers`, `evidence` and `kind` are used when present.
    Bad lines are reported by line number and skipped.
    """
    from evals.evaluate import EvalOptions, run_eval  # heavy (model, plots): only when evaluating
    from evals.tables import text_table

    options = EvalOptions(questions_file, out or default_out_dir(), corpus, compare, baselines, limit)
    with ProgressBars() as ingest_bars, _QuestionBar() as question_bar:
        run = run_eval(
            options,
            load_config(overrides),
            on_skipped=lambda problem: click.echo(problem, err=True),
            on_ingest=ingest_bars.update,
            on_progress=question_bar.update,
        )
    click.echo(text_table(run.metrics))
    click.echo(f"\n{len(run.results)} questions scored; report: {run.out_dir / 'report.html'}")
    failures = failed_thresholds(run.metrics["overall"], thresholds)
    for failure in failures:
        click.echo(f"FAIL {failure}", err=True)
    if failures:
        sys.exit(1)


class _QuestionBar:
    """A tqdm bar over every question of every run, on stderr so that stdout stays clean."""

    def __enter__(self) -> _QuestionBar:
        self._bar: Any = None
        return self

    def update(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, desc="questions", unit="q", file=sys.stderr)
        self._bar.update(done - self._bar.n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
