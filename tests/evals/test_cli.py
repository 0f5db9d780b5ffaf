"""``policydesk eval`` end to end on a tiny corpus made by the test (real model, real Chroma, real report)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from evals.baselines import BASELINES
from evals.corpus import corpus_slug
from evals.runner import METRICS

TABLE_COLUMNS = ["shipped", "bm25", "dense", "rrf", "top2cos", "llamaindex"]


def invoke(*args: str):
    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def test_eval_with_baselines_then_compare_and_fail_under(
    tiny_corpus: Path, tiny_questions: Path, tmp_path: Path, _isolated_home: Path
) -> None:
    first = tmp_path / "run1"
    result = invoke(str(tiny_questions), "--corpus", str(tiny_corpus), "--baselines", "--out", str(first))
    assert result.exit_code == 0, result.output
    assert f"{tiny_questions}:3: not valid JSON" in result.stderr
    assert f"{tiny_questions}:5: needs a non-empty 'question' field; skipped" in result.stderr
    assert result.stdout.splitlines()[0].split() == ["metric", *TABLE_COLUMNS]
    assert (_isolated_home / "corpora" / corpus_slug(tiny_corpus) / "chroma").is_dir()
    assert {p.name for p in first.iterdir()} == {"results.jsonl", "metrics.json", "report.html"}

    metrics = json.loads((first / "metrics.json").read_text())
    assert {"overall", "by_kind", "baselines", "run"} <= set(metrics)
    assert set(metrics["overall"]) >= {*METRICS, "total_p50_ms", "total_p95_ms", "questions_per_second"}
    assert set(metrics["by_kind"]) == {"factoid", "squad", "unanswerable"}
    assert set(metrics["baselines"]) == set(BASELINES)
    assert metrics["baselines"]["llama_index_vector"]["overall"]["hit@10"] is not None
    reference = metrics["baselines"]["top2_cosine"]["overall"]  # the reference writer never abstains
    assert (reference["unanswerable_abstained"], reference["false_abstention"]) == (0.0, 0.0)
    assert reference["key_fact_recall"] is not None and reference["citation_coverage"] == 1.0
    assert len(metrics["run"]["skipped_lines"]) == 2
    lines = [json.loads(line) for line in (first / "results.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == ["t1", "t2", "t3"]
    assert {"answer", "citations", "retrieved", "timings_ms", "scores", "baselines"} <= set(lines[0])
    page = (first / "report.html").read_text()
    assert "<!DOCTYPE html>" in page
    assert "<th>top-2 cosine writer (issue&#x27;s reference)</th>" in page

    second = tmp_path / "run2"
    result = invoke(
        str(tiny_questions),
        "--corpus",
        str(tiny_corpus),
        "--compare",
        str(first),
        "--out",
        str(second),
        "--fail-under",
        "hit@1=1.01",
        "--fail-under",
        "hit@10=0",
    )
    assert result.exit_code == 1
    assert "FAIL hit@1 = " in result.stderr and "is below its threshold 1.01" in result.stderr
    assert "FAIL hit@10" not in result.stderr
    comparison = json.loads((second / "metrics.json").read_text())["comparison"]
    assert comparison["previous_run"] == str(first)
    assert comparison["regressions"] == []  # same index, same questions: nothing changed


def test_unknown_fail_under_metric_is_a_usage_error(tiny_questions: Path) -> None:
    result = invoke(str(tiny_questions), "--fail-under", "accuracy=0.9")
    assert result.exit_code == 2
    assert "'accuracy=0.9': expected METRIC=VALUE with METRIC one of hit@1, hit@5" in result.output


def test_compare_with_a_folder_that_is_not_a_run(tiny_questions: Path, tmp_path: Path) -> None:
    result = invoke(str(tiny_questions), "--compare", str(tmp_path), "--out", str(tmp_path / "run"))
    assert result.exit_code == 1
    assert f"No earlier run in {tmp_path}: expected metrics.json and results.jsonl" in result.output
