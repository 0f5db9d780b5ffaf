"""Measure answer-writer settings side by side (key-fact recall, abstention, false abstentions, citation precision,
answer length) on question sets, one Assistant per setting over the same index.

Usage: python benchmarks/tune_writer.py QUESTIONS.jsonl [MORE.jsonl ...] [--split dev ...] [--index-dir DIR]
Tune on dev questions and spent fresh sets only; a sealed fresh set is scored once, after tuning, with `policydesk
eval`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path

from assistant.service import Assistant
from assistant.writers.extractive.writer import WriterSettings
from evals.runner import ask_result, score_result
from ingest import Config

GRID = (
    {},
    {"max_sentences": 4},
    {"margin": 0.15},
    {"margin": 0.25},
    {"keyword_weight": 0.25},
    {"keyword_weight": 0.45},
    {"typed_pool": 4},
    {"passages": 4},
    {"passages": 6},
)


def load(paths: list[Path], splits: list[str] | None) -> list[dict]:
    questions = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [q for q in questions if not splits or q.get("split") in splits]


def measure(assistant: Assistant, questions: list[dict]) -> dict[str, float]:
    results = []
    for question in questions:
        result = ask_result(assistant, question)
        result["scores"] = score_result(question, result)
        results.append(result)

    def mean(name: str) -> float:
        values = [r["scores"][name] for r in results if r["scores"].get(name) is not None]
        return round(statistics.fmean(values), 3) if values else float("nan")

    words = [len(r["answer"].split()) for r in results if not r["abstained"]]
    return {
        "recall": mean("key_fact_recall"),
        "abstained": mean("unanswerable_abstained"),
        "false": mean("false_abstention"),
        "precision": mean("citation_precision"),
        "words": round(statistics.fmean(words), 1) if words else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--split", action="append", help="keep only these splits (repeatable)")
    parser.add_argument("--index-dir", type=Path, default=Path(".policydesk"))
    args = parser.parse_args()
    questions = load(args.questions, args.split)
    config = Config.load({"index_dir": str(args.index_dir)})
    base = Assistant(config)
    print(f"{len(questions)} questions")
    for change in GRID:
        base.writer.settings = dataclasses.replace(WriterSettings(), **change)
        print(json.dumps(change or "shipped"), measure(base, questions))


if __name__ == "__main__":
    main()
