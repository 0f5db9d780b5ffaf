"""Plot how query latency, cold start and memory grow with the index: one point per ``policydesk bench`` run.

    python benchmarks/plot_scale.py OUT.png RUN_DIR [RUN_DIR ...]

Each RUN_DIR holds the ``bench.json`` of one ``policydesk bench --out RUN_DIR`` run (embedded Chroma figures).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main() -> None:
    out, runs = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    results = sorted(
        (json.loads((run / "bench.json").read_text(encoding="utf-8")) for run in runs), key=lambda r: r["chunks"]
    )
    chunks = [r["chunks"] for r in results]
    embedded = [r["query"]["embedded"] for r in results]
    figure, (latency, start) = plt.subplots(1, 2, figsize=(10, 4))
    for name in ("retrieve_p50_ms", "retrieve_p95_ms", "total_p50_ms", "total_p95_ms"):
        latency.plot(chunks, [q[name] for q in embedded], marker="o", label=name.removesuffix("_ms"))
    latency.plot(
        chunks,
        [q["llamaindex_vector"]["retrieve_p95_ms"] for q in embedded],
        marker="x",
        linestyle=":",
        label="llama-index VectorStoreIndex p95",
    )
    latency.set(xscale="log", xlabel="chunks", ylabel="ms", title="answer latency (embedded Chroma)")
    latency.legend(fontsize=7)
    start.plot(chunks, [q["cold_start_s"] for q in embedded], marker="o", label="cold start (s)")
    rss = start.twinx()
    rss.plot(chunks, [q["peak_rss_mb"] for q in embedded], marker="s", color="tab:red", label="query peak RSS (MB)")
    start.set(xscale="log", xlabel="chunks", ylabel="s", title="cold start and memory")
    rss.set_ylabel("MB")
    for axis in (latency, start, rss):
        axis.set_ylim(bottom=0)
    start.legend(loc="upper left", fontsize=7)
    rss.legend(loc="lower right", fontsize=7)
    kinds = ", ".join(f"{r['chunks']:,} {'synthetic' if r['synthetic'] else 'real'}" for r in results)
    figure.suptitle(f"policydesk bench: {kinds}", fontsize=9)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
