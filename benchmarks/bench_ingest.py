"""Ingest throughput end to end: `policydesk ingest` of one large plain-text file, before (a git revision) vs now.

Run from the repository root with the product's venv:

    python benchmarks/bench_ingest.py [--mb 5] [--rounds 1] [--before REV]

The file is SQuAD dev text from ../shared/bench (1.7 MB) written out again until it is ``--mb`` MB; every copy
after the first rotates each sentence's words, so no chunk or sentence repeats (the embedder embeds a repeated
text once, which would flatter it) while word-piece lengths stay realistic. Each round ingests it into a fresh
temporary --index-dir with the code at ``--before`` (a `git archive` of it) and with the working tree, in a
subprocess each, with each tree's default settings, and prints chunks/s, the share of the time spent in the
embedder and the load average. Each tree's embedding graph is built before any timing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "bench" / "squad11_dev" / "corpus"
BEFORE = "cdcb313"  # the last commit before the int8 embedding

# Runs in a subprocess with the tree to measure first on sys.path: `policydesk ingest` through its click
# command, the embedder's time added up around MiniLMEmbedder.embed.
RUNNER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from ingest import embedding
from ingest.config import Config
from ingest.store import open_store
from assistant.cli import cli
assert embedding.__file__.startswith(sys.argv[1]), embedding.__file__
spent = [0.0]
real_embed = embedding.MiniLMEmbedder.embed
def timed_embed(self, texts, **kwargs):
    start = time.perf_counter()
    try:
        return real_embed(self, texts, **kwargs)
    finally:
        spent[0] += time.perf_counter() - start
embedding.MiniLMEmbedder.embed = timed_embed
start = time.perf_counter()
cli.main(["ingest", sys.argv[2], "--index-dir", sys.argv[3]], standalone_mode=False)
seconds = time.perf_counter() - start
chunks = sum(doc.chunks for doc in open_store(Config.load({"index_dir": sys.argv[3]})).documents().values())
print(json.dumps({"seconds": seconds, "embedding_seconds": spent[0], "chunks": chunks}))
"""


def write_text_file(path: Path, megabytes: float) -> int:
    """SQuAD text, copies with rotated sentence words, up to ``megabytes``; returns the size in bytes."""
    from ingest.chunking import sentence_spans

    original = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SQUAD.glob("*.txt")))
    parts, size, copy_number = [], 0, 0
    while size < megabytes * 1e6:
        text = original if copy_number == 0 else _rotated(original, copy_number, sentence_spans)
        parts.append(text)
        size += len(text.encode("utf-8"))
        copy_number += 1
    data = "\n\n".join(parts).encode("utf-8")[: int(megabytes * 1e6)]
    path.write_bytes(data.decode("utf-8", errors="ignore").encode("utf-8"))
    return path.stat().st_size


def _rotated(text: str, shift: int, sentence_spans: object) -> str:
    paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = []
        for start, end in sentence_spans(paragraph):  # type: ignore[operator]
            words = paragraph[start:end].split()
            k = shift % len(words) if words else 0
            sentences.append(" ".join(words[k:] + words[:k]))
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def export_revision(revision: str, target: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def prebuild(tree: Path, model_cache: Path) -> None:
    """Build (and cache) the embedding graph that ``tree``'s default settings use."""
    code = (
        f"import sys, pathlib; sys.path.insert(0, {str(tree)!r}); from ingest import pipeline; "
        f"from ingest.config import Config; "
        f"pipeline._default_embedder(Config(model_cache=pathlib.Path({str(model_cache)!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=tree)


def ingest_once(tree: Path, text_file: Path, work: Path, model_cache: Path) -> dict[str, float]:
    index_dir = Path(tempfile.mkdtemp(dir=work, prefix="index-"))
    env = os.environ | {"POLICYDESK_MODEL_CACHE": str(model_cache)}
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tree), str(text_file), str(index_dir)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def main() -> None:
    """Ingest the file with both trees, round by round, and print the figures and their medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of the text file in MB (default 5)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--before", default=BEFORE, help=f"git revision to compare with (default {BEFORE})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text_file = work / f"squad-{args.mb:g}mb.txt"
        size = write_text_file(text_file, args.mb)
        trees = {"before": export_revision(args.before, work / "before"), "now": ROOT}
        for tree in trees.values():
            prebuild(tree, work / "models")
        print(f"{text_file.name}: {size / 1e6:.2f} MB, {len(os.sched_getaffinity(0))} CPUs, before = {args.before}")
        results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for round_number in range(1, args.rounds + 1):
            for name, tree in trees.items():
                r = ingest_once(tree, text_file, work, work / "models")
                results[name].append(r)
                print(
                    f"round {round_number} {name}: {r['chunks']:.0f} chunks in {r['seconds']:.1f} s, "
                    f"{r['chunks'] / r['seconds']:.2f} chunks/s, {r['embedding_seconds'] / r['seconds']:.0%} "
                    f"embedding (load {r['load']:.2f})",
                    flush=True,
                )
        rates = {name: statistics.median(r["chunks"] / r["seconds"] for r in rs) for name, rs in results.items()}
        print(
            f"median chunks/s: before {rates['before']:.2f}, now {rates['now']:.2f} "
            f"({rates['now'] / rates['before']:.2f}x)"
        )


if __name__ == "__main__":
    main()
