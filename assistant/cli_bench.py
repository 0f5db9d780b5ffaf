"""``policydesk bench``: a thin face over ``evals.scale`` (parse, call, print a summary; no logic of its own).

Registered on the ``policydesk`` group by ``assistant.cli``; import the group from there.
"""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_CORPUS = Path("../shared/bench/squad11_dev/corpus")


@click.command("bench")
@click.option("--chunks", type=click.IntRange(min=1), default=2000, show_default=True, help="Index size (synthetic).")
@click.option(
    "--synthetic",
    is_flag=True,
    help="Random unit vectors and recombined real sentences, written through the store (timings only).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for bench.json, bench.png and the index.",
)
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_CORPUS,
    show_default=True,
    help="Real corpus (ingested as is; with --synthetic, the source of its sentences).",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("evals/questions.jsonl"),
    show_default=True,
    help="JSONL questions to time.",
)
@click.option("--queries", type=click.IntRange(min=1), default=50, show_default=True, help="Questions timed.")
@click.option("--no-server", is_flag=True, help="Skip the Chroma-server run.")
@click.option("--query-only", is_flag=True, help="Reuse OUT's index and ingest figures; measure the queries again.")
def bench_command(
    chunks: int,
    synthetic: bool,
    out: Path,
    corpus: Path,
    questions: Path,
    queries: int,
    no_server: bool,
    query_only: bool,
) -> None:
    """Measure ingest (docs/s, chunks/s, share embedding, index size, peak RSS, unchanged re-ingest) and query
    latency (retrieve/answer/total p50/p95, cold start, peak RSS) with embedded Chroma and a Chroma server, next to
    llama-index's default VectorStoreIndex and plain BM25; writes OUT/bench.json and OUT/bench.png.

    Without --synthetic the corpus is ingested with the real model (--chunks is then what it makes); with it,
    --chunks records are written with random vectors (answers meaningless, timings real)."""
    from evals.scale import BenchOptions, run_bench

    options = BenchOptions(
        chunks,
        out,
        corpus,
        questions,
        synthetic=synthetic,
        queries=queries,
        server=not no_server,
        query_only=query_only,
    )
    result = run_bench(options, on_phase=lambda name: click.echo(f"… {name}", err=True))
    ingest, embedded = result["ingest"], result["query"]["embedded"]
    kind = "synthetic" if synthetic else "real"
    click.echo(f"{result['chunks']:,} chunks ({kind}), {ingest['documents']:,} documents, load {result['machine']}")
    click.echo(
        f"ingest {ingest['seconds']:.1f} s ({ingest['chunks_per_s']:.0f} chunks/s, "
        f"{ingest['embedding_share']:.0%} embedding), index {ingest['index_mb']:.0f} MB, "
        f"peak RSS {ingest['peak_rss_mb']:.0f} MB; unchanged re-ingest {result['reingest']['seconds']:.1f} s"
    )
    for name, row in result["query"].items():
        click.echo(
            f"query {name:<9} retrieve p50/p95 {row['retrieve_p50_ms']:.1f}/{row['retrieve_p95_ms']:.1f} ms, "
            f"total {row['total_p50_ms']:.1f}/{row['total_p95_ms']:.1f} ms, cold start {row['cold_start_s']:.1f} s, "
            f"peak RSS {row['peak_rss_mb']:.0f} MB"
        )
    for name in ("llamaindex_vector", "bm25"):
        row = embedded[name]
        click.echo(f"{name:<17} retrieve p50/p95 {row['retrieve_p50_ms']:.1f}/{row['retrieve_p95_ms']:.1f} ms")
    click.echo(f"Wrote {out / 'bench.json'} and {out / 'bench.png'}")
