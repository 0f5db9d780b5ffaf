"""The answer writers side by side in one run: the extractive writer and a generative one on the same questions.

    python benchmarks/bench_writers.py QUESTIONS.jsonl [...] --writer llamacpp [--corpus DIR] [--limit N]
        [--threads 1] [--out DIR]

Prints and writes (``DIR/writers.json``, ``DIR/results.jsonl``) per writer: key-fact recall, unanswerables
abstained, false abstentions, the share of generated sentences that passed verification and the share dropped,
time to the first verified text and total p50/p95. A benchmark, not a test: figures, no thresholds.
Questions with ``history`` are asked after their earlier turns (real answers as the conversation); ``mode:
draft`` questions are drafted (every section with the writer) and scored on the draft's Markdown, as the eval
runner scores them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import Assistant, Final, Interim, Turn, compose_draft
from assistant.records import Answer, Filters
from assistant.writers import Claim
from evals import metrics
from evals.runner import load_questions, percentile
from ingest import Config


class _WriterAsker:
    """The Assistant with one writer, for drafting (compose_draft asks with the configured writer otherwise)."""

    def __init__(self, assistant: Assistant, writer: str | None) -> None:
        self.assistant, self.writer = assistant, writer

    def ask(self, question: str, *, filters: Filters | None = None, context_names: Sequence[str] = ()) -> Answer:
        return self.assistant.ask(question, filters=filters, context_names=context_names, writer=self.writer)

    def asker_names(self, text: str) -> tuple[str, ...]:
        return self.assistant.asker_names(text)

    def verify(self, claims: Sequence[Claim]) -> list[Claim]:
        return self.assistant.verify(claims)


def draft_timed(assistant: Assistant, question: dict[str, Any], writer: str | None) -> dict[str, Any]:
    """A draft reply, scored on its Markdown (without the echoed request)."""
    request = str(question["question"])
    started = time.perf_counter()
    draft = compose_draft(_WriterAsker(assistant, writer), request)
    total = time.perf_counter() - started
    text = draft.markdown.replace(f"**Request:** {request}", "")
    return {
        "id": question["id"],
        "answerable": metrics.is_answerable(question),
        "abstained": draft.abstained,
        "recall": metrics.key_fact_recall(text, question, draft.abstained),
        "writer": writer or assistant.writer.name,
        "shown": 0,
        "dropped": 0,
        "first_s": total,
        "total_s": total,
        "kind": "draft",
        "answer": text,
    }


def ask_timed(assistant: Assistant, question: dict[str, Any], writer: str | None) -> dict[str, Any]:
    """One question (after its earlier turns), with the time to the first verified sentence and in total."""
    if question.get("mode") == "draft":
        return draft_timed(assistant, question, writer)
    history: list[Turn] = []
    for earlier in question.get("history") or ():
        history.append(Turn.of(assistant.ask(earlier, history=history, writer=writer)))
    started = time.perf_counter()
    first: float | None = None
    answer = None
    name = writer or assistant.writer.name
    for event in assistant.stream(str(question["question"]), history=history, writer=writer):
        # The first verified sentence of this writer (a generative writer's extractive stand-in does not count).
        if isinstance(event, Interim) and first is None and event.answer.writer == name:
            first = time.perf_counter() - started
        if isinstance(event, Final):
            answer = event.answer
    assert answer is not None
    total = time.perf_counter() - started
    abstained = answer.abstained
    return {
        "id": question["id"],
        "answerable": metrics.is_answerable(question),
        "abstained": abstained,
        "recall": metrics.key_fact_recall(answer.text, question, abstained),
        "writer": answer.writer,
        "shown": 0 if abstained else len(answer.sentences),
        "dropped": answer.dropped,
        "first_s": first if first is not None else total,
        "total_s": total,
        "kind": answer.abstention_kind,
        "answer": answer.text,
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    recalls = [r["recall"] for r in answerable if r["recall"] is not None]
    shown, dropped = sum(r["shown"] for r in rows), sum(r["dropped"] for r in rows)
    firsts = sorted(r["first_s"] for r in rows if not r["abstained"])
    totals = sorted(r["total_s"] for r in rows)

    def pct(values: list[float], p: float) -> float | None:
        return round(percentile(values, p), 2) if values else None

    return {
        "questions": len(rows),
        "key_fact_recall": round(statistics.fmean(recalls), 3) if recalls else None,
        "unanswerable_abstained": round(statistics.fmean(r["abstained"] for r in unanswerable), 3)
        if unanswerable
        else None,
        "false_abstention": round(statistics.fmean(r["abstained"] for r in answerable), 3) if answerable else None,
        "sentences_shown": shown,
        "sentences_dropped": dropped,
        "verified_share": round(shown / (shown + dropped), 3) if shown + dropped else None,
        "first_text_p50_s": pct(firsts, 50),
        "total_p50_s": pct(totals, 50),
        "total_p95_s": pct(totals, 95),
        "fell_back": sum(r["writer"] == "extractive" for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="+", type=Path)
    parser.add_argument("--writer", default="llamacpp", choices=["openai", "llamacpp"])
    parser.add_argument("--corpus", type=Path, help="ingest this corpus into its own index first (e.g. SQuAD's)")
    parser.add_argument("--limit", type=int, help="the first N questions of each file")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench-writers"))
    args = parser.parse_args()

    config = Config.load({"writer": args.writer, "llm_threads": args.threads})
    if args.corpus:
        from evals.corpus import ensure_corpus_index

        config, _ = ensure_corpus_index(args.corpus, config)
    assistant = Assistant(config)
    questions = [q for path in args.questions for q in load_questions(path, limit=args.limit)[0]]
    rows: dict[str, list[dict[str, Any]]] = {"extractive": [], args.writer: []}
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "results.jsonl").open("w", encoding="utf-8") as results:
        for number, question in enumerate(questions, start=1):
            for name, writer in (("extractive", "extractive"), (args.writer, None)):
                row = ask_timed(assistant, question, writer) | {"bench_writer": name}
                rows[name].append(row)
                results.write(json.dumps(row, ensure_ascii=False) + "\n")
                results.flush()
            print(f"{number}/{len(questions)} {question['id']}", flush=True)
    report = {name: summary(values) for name, values in rows.items()}
    report["run"] = {
        "questions_files": [str(p) for p in args.questions],
        "limit": args.limit,
        "threads": args.threads,
        "backend": getattr(getattr(assistant.writer, "backend", None), "name", args.writer),
    }
    (args.out / "writers.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
