"""Measure retrieval modes and fusion weights side by side (hit@1, hit@5, MRR@10) on question sets.

Usage: python benchmarks/tune_retrieval.py INDEX_DIR QUESTIONS.jsonl [--split dev] [--sample N] [--exclude FILE]
Tuning happens on a dev split (our set) or on SQuAD questions outside questions_300.jsonl, never on the test set.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
from pathlib import Path

from assistant.retrieval import FusionWeights, Retriever
from evals import metrics
from ingest import Config, open_store
from ingest.embedding import load_embedder
from ingest.keyword_index import load_keyword_index


def load(path: Path, split: str | None, sample: int | None, exclude: Path | None) -> list[dict]:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if metrics.is_answerable(q) and (split is None or q.get("split") == split)]
    if exclude:
        excluded = {json.loads(line)["id"] for line in exclude.read_text(encoding="utf-8").splitlines() if line.strip()}
        questions = [q for q in questions if q["id"] not in excluded]
    if sample and len(questions) > sample:
        questions = random.Random(0).sample(questions, sample)
    return questions


def score(retriever: Retriever, questions: list[dict], vectors: list, **kwargs) -> dict[str, float]:
    ranks = []
    for question, vector in zip(questions, vectors, strict=True):
        passages = retriever.retrieve(question["question"], vector, k=10, **kwargs)
        ranks.append(metrics.first_hit_rank([p.chunk.text for p in passages], question))
    return {
        "hit@1": statistics.fmean(r is not None and r <= 1 for r in ranks),
        "hit@5": statistics.fmean(r is not None and r <= 5 for r in ranks),
        "mrr@10": statistics.fmean(1 / r if r is not None and r <= 10 else 0.0 for r in ranks),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--split")
    parser.add_argument("--sample", type=int)
    parser.add_argument("--exclude", type=Path)
    parser.add_argument("--grid", action="store_true", help="also try a grid of fusion weights")
    args = parser.parse_args()
    store = open_store(Config.load({"index_dir": args.index_dir}))
    retriever = Retriever(store, load_keyword_index(store))
    questions = load(args.questions, args.split, args.sample, args.exclude)
    embedder = load_embedder()
    vectors = list(embedder.embed([q["question"] for q in questions]))
    print(f"{len(questions)} answerable questions from {args.questions}")
    rows = [(mode, score(retriever, questions, vectors, mode=mode)) for mode in ("dense", "keyword", "rrf", "hybrid")]
    if args.grid:
        for dense, sentence in itertools.product((0.0, 0.15, 0.3, 0.45), (0.0, 0.15, 0.3, 0.45)):
            keyword = round(1.0 - dense - sentence, 2)
            if keyword < 0:
                continue
            retriever.weights = FusionWeights(dense=dense, sentence=sentence, keyword=keyword)
            rows.append((f"hybrid d={dense} s={sentence} k={keyword}", score(retriever, questions, vectors)))
    for name, result in rows:
        print(f"{name:<34} " + "  ".join(f"{k} {v:.3f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
