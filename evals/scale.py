"""The scale benchmark behind ``policydesk bench``: ingest and query figures for one index size.

A real run ingests a corpus folder (SQuAD dev's 48 articles make about 2,000 chunks) with the real model. A
synthetic run (``synthetic: true`` in bench.json) writes ``chunks`` records of real sentences recombined, with
random unit vectors instead of embeddings, through the store's own write path, so Chroma and the keyword index
hold realistic shapes at sizes that would take hours to embed on 2 cores; its answers mean nothing, its timings
do. Each phase runs in its own process (``evals.scale_worker``): peak RSS and cold start are the phase's own.
The same run queries the index with embedded Chroma and through a ``chroma run`` server over the same files,
and times llama-index's default ``VectorStoreIndex`` retriever and plain BM25 as references.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import PolicyDeskError

SERVER_START_TIMEOUT_S = 120.0


class BenchError(PolicyDeskError):
    """A phase of the benchmark failed (its stderr is in the message)."""


@dataclass(frozen=True)
class BenchOptions:
    """What ``policydesk bench`` measures."""

    chunks: int
    out_dir: Path
    corpus: Path
    questions: Path
    synthetic: bool = False
    queries: int = 50
    server: bool = True
    seed: int = 0
    query_only: bool = False  # keep out_dir/index and its ingest figures (bench.json); measure the queries again


def run_bench(options: BenchOptions, *, on_phase: Callable[[str], None] = lambda name: None) -> dict[str, Any]:
    """Build a fresh index under ``out_dir/index``, measure it, write ``bench.json`` and ``bench.png``."""
    index_dir = options.out_dir / "index"
    base = {"index_dir": str(index_dir), "corpus": str(options.corpus)}
    questions = read_questions(options.questions, options.queries + 1)
    if options.query_only:
        earlier = _earlier(options.out_dir)
        ingest, reingest = earlier["ingest"], earlier["reingest"]
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        ingest, reingest = _build(options, base, on_phase)
    on_phase("query (embedded Chroma)")
    embedded = _query(base, questions, baselines=True)
    query = {"embedded": embedded}
    if options.server:
        on_phase("query (Chroma server)")
        with chroma_server(index_dir / "chroma", options.out_dir / "chroma-server.log") as url:
            query["server"] = _query(base | {"chroma_url": url}, questions, baselines=False)
    result = {
        "chunks": ingest["chunks"],
        "synthetic": options.synthetic,
        "corpus": str(options.corpus),
        "retrieve_p95_ms": embedded["retrieve_p95_ms"],
        "total_p95_ms": embedded["total_p95_ms"],
        "cold_start_s": embedded["cold_start_s"],
        "peak_rss_mb": max(ingest["peak_rss_mb"], embedded["peak_rss_mb"]),
        "ingest": ingest,
        "reingest": reingest,
        "query": query,
        "machine": machine(),
    }
    options.out_dir.mkdir(parents=True, exist_ok=True)
    (options.out_dir / "bench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    plot(result, options.out_dir / "bench.png")
    return result


def _build(
    options: BenchOptions, base: dict[str, Any], on_phase: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ingest (or write the synthetic records), then re-ingest the unchanged index; their figures."""
    on_phase("ingest (synthetic records)" if options.synthetic else "ingest")
    if options.synthetic:
        ingest = _phase("synthetic", base | {"chunks": options.chunks, "seed": options.seed})
    else:
        ingest = _phase("ingest", base)
    ingest["index_mb"] = folder_mb(Path(base["index_dir"]))
    on_phase("re-ingest (unchanged)")
    reingest = _phase("reingest", base | ({"corpus": None} if options.synthetic else {}))
    return ingest, reingest


def _earlier(out_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((out_dir / "bench.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise BenchError(f"--query-only needs an earlier run in {out_dir} (bench.json and index/): {exc}") from exc


def read_questions(path: Path, limit: int) -> list[str]:
    """The first ``limit`` questions of a JSONL question file."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and (question := json.loads(line).get("question")):
            questions.append(str(question))
        if len(questions) == limit:
            break
    if len(questions) < 2:
        raise BenchError(f"{path} holds fewer than 2 questions; pass a JSONL file with a `question` per line")
    return questions


def _query(args: dict[str, Any], questions: list[str], *, baselines: bool) -> dict[str, Any]:
    return _phase("query", args | {"questions": questions, "baselines": baselines, "spawned_at": time.time()})


def _phase(name: str, args: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, "-m", "evals.scale_worker", name, json.dumps(args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"bench phase {name} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[str]:
    """``chroma run`` over the index's Chroma files on a free loopback port; yields its URL."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    chroma = Path(sys.executable).parent / "chroma"
    command = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(f"chroma run did not start; see {log}") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def folder_mb(path: Path) -> float:
    """Bytes on disk under ``path``, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def machine() -> dict[str, Any]:
    """The load the figures were measured under (2 shared cores: compare ratios within one run)."""
    return {"cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def plot(result: dict[str, Any], path: Path) -> None:
    """Retrieve and total p50/p95 per configuration, as grouped bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {"PolicyDesk (embedded)": result["query"]["embedded"]}
    if "server" in result["query"]:
        rows["PolicyDesk (Chroma server)"] = result["query"]["server"]
    rows["llama-index VectorStoreIndex"] = result["query"]["embedded"].get("llamaindex_vector", {})
    rows["plain BM25"] = result["query"]["embedded"].get("bm25", {})
    series = ["retrieve_p50_ms", "retrieve_p95_ms", "total_p50_ms", "total_p95_ms"]
    figure, axis = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(series)
    for i, name in enumerate(series):
        values = [row.get(name, 0.0) for row in rows.values()]
        axis.bar([x + i * width for x in range(len(rows))], values, width, label=name.removesuffix("_ms"))
    axis.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(rows))], list(rows), fontsize=8)
    axis.set_ylabel("ms")
    kind = "synthetic (random vectors, recombined real sentences)" if result["synthetic"] else "real corpus"
    load = result["machine"]["loadavg"][0]
    axis.set_title(f"{result['chunks']:,} chunks, {kind}; load {load} on {result['machine']['cpus']} CPUs", fontsize=9)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
