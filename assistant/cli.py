"""The ``policydesk`` command: a thin face over the library (parse, call, format; no logic of its own)."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from ingest.config import Config
from ingest.errors import ConfigError, PolicyDeskError

# The library is imported inside each command: `policydesk --help` must not load Chroma and llama-index (seconds).
if TYPE_CHECKING:
    from ingest.pipeline import Progress


def index_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--index-dir / --chroma-url on every command that touches the index."""

    @click.option(
        "--index-dir", type=click.Path(path_type=Path), help="Index folder [env POLICYDESK_HOME; default .policydesk]"
    )
    @click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [env POLICYDESK_CHROMA_URL]")
    @functools.wraps(command)
    def wrapper(*args: Any, index_dir: Path | None, chroma_url: str | None, **kwargs: Any) -> Any:
        return command(*args, overrides={"index_dir": index_dir, "chroma_url": chroma_url}, **kwargs)

    return wrapper


def writer_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--writer on the commands that answer (ask, serve, eval); merged into ``overrides``."""

    @click.option(
        "--writer",
        type=click.Choice(["extractive", "openai", "llamacpp"]),
        help="Answer writer [env POLICYDESK_WRITER; default extractive]: openai needs POLICYDESK_LLM_URL, "
        "llamacpp `make llm`.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, writer: str | None, overrides: dict[str, Any], **kwargs: Any) -> Any:
        return command(*args, overrides=overrides | {"writer": writer}, **kwargs)

    return wrapper


def load_config(overrides: dict[str, Any]) -> Config:
    try:
        return Config.load(overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


class _Cli(click.Group):
    """Turns PolicyDesk errors into a one-line message and exit code 1 (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolicyDeskError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Cli)
@click.version_option(package_name="policydesk")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def cli(verbose: bool) -> None:
    """PolicyDesk: grounded answers from policy briefs, helpdesk answers and good practices."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--chunk-tokens", type=int, help="Chunk size in tokens [env POLICYDESK_CHUNK_TOKENS]")
@click.option("--chunk-overlap", type=int, help="Tokens shared by neighbouring chunks [env POLICYDESK_CHUNK_OVERLAP]")
@click.option(
    "--max-file-mb", type=int, help="Skip and report files larger than this [env POLICYDESK_MAX_FILE_MB; default 100]"
)
@index_options
def ingest_command(
    paths: tuple[Path, ...],
    chunk_tokens: int | None,
    chunk_overlap: int | None,
    max_file_mb: int | None,
    overrides: dict[str, Any],
) -> None:
    """Index the files under PATHS (folders or files); unchanged files are skipped.

    Supported: PDF (.pdf), Markdown (.md, with optional YAML front matter) and text (.txt); metadata for any
    of them (a PDF's country, region, project, themes) in a sidecar NAME.meta.yaml beside it
    (brief.pdf.meta.yaml). Exits with 1 if any file failed; the others are still indexed.
    """
    from ingest.pipeline import ingest

    config = load_config(
        overrides | {"chunk_tokens": chunk_tokens, "chunk_overlap": chunk_overlap, "max_file_mb": max_file_mb}
    )
    with ProgressBars() as bars:
        report = ingest(list(paths), config, progress=bars.update)
    _print_report(report)
    if report.failed:
        sys.exit(1)


@cli.command("stats")
@index_options
def stats_command(overrides: dict[str, Any]) -> None:
    """Show what is indexed: documents and chunks per type, where, and with which model."""
    from ingest.embedding import MODEL_NAME
    from ingest.store import open_store

    config = load_config(overrides)
    documents = open_store(config).documents()
    click.echo(f"Index:           {config.chroma_url or config.index_dir.resolve()}")
    click.echo(f"Embedding model: {MODEL_NAME} (onnxruntime, offline)")
    if not documents:
        click.echo("No documents indexed yet: run `policydesk ingest corpus/`.")
        return
    docs: Counter[str] = Counter()
    chunks: Counter[str] = Counter()
    for doc in documents.values():
        docs[doc.doc_type] += 1
        chunks[doc.doc_type] += doc.chunks
    click.echo(f"{'type':<15}{'documents':>10}{'chunks':>8}")
    for doc_type in sorted(docs):
        click.echo(f"{doc_type:<15}{docs[doc_type]:>10}{chunks[doc_type]:>8}")
    click.echo(f"{'total':<15}{sum(docs.values()):>10}{sum(chunks.values()):>8}")


@cli.command("ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (a stable contract).")
@click.option(
    "--draft", is_flag=True, help="Draft a helpdesk reply (policy insights, good practices, resources) as Markdown."
)
@click.option(
    "--file",
    "questions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Answer every line of a JSONL file (fields id, question; others copied through).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="With --file: where to write JSONL (default stdout)."
)
@click.option("--k", type=click.IntRange(1, 100), help="Passages to retrieve [env POLICYDESK_TOP_K; default 10]")
@click.option(
    "--type",
    "doc_types",
    multiple=True,
    type=click.Choice(["brief", "helpdesk", "good_practice"]),
    help="Only these document types (repeatable).",
)
@click.option("--country", help="Only good practices from this country.")
@click.option("--region", help="Only good practices from this region.")
@click.option("--project", help="Only good practices of this Interreg project.")
@click.option("--theme", help="Only good practices with this theme.")
@index_options
@writer_option
def ask_command(
    question: str | None,
    as_json: bool,
    draft: bool,
    questions_file: Path | None,
    out: Path | None,
    k: int | None,
    doc_types: tuple[str, ...],
    country: str | None,
    region: str | None,
    project: str | None,
    theme: str | None,
    overrides: dict[str, Any],
) -> None:
    """Answer QUESTION with cited sentences, or say that the documents don't cover it."""
    from assistant import Assistant, Filters, answer_questions, answer_to_dict, compose_draft

    if bool(question) == bool(questions_file):
        raise click.UsageError("Give either a QUESTION or --file QUESTIONS.jsonl.")
    config = load_config(overrides | {"top_k": k})
    filters = Filters(doc_types=doc_types, country=country, region=region, project=project, theme=theme)
    assistant = Assistant(config)
    if questions_file:
        with _output(out) as stream:
            for problem in answer_questions(assistant, questions_file, stream, filters=filters):
                click.echo(problem, err=True)
        return
    if draft:
        click.echo(compose_draft(assistant, question or "", filters=filters).markdown)
        return
    answer = assistant.ask(question or "", filters=filters)
    if as_json:
        click.echo(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2))
    else:
        click.echo(_render_answer(answer))


def _render_answer(answer: Any) -> str:
    from assistant.export import source_line

    lines = [click.wrap_text(answer.text, width=100), ""]
    if answer.notice:
        lines += [click.wrap_text(f"Note: {answer.notice}", width=100), ""]
    if answer.abstention_reason:
        lines += [click.wrap_text(f"Why: {answer.abstention_reason}.", width=100), ""]
    if answer.citations:
        lines.append("Sources:")
        lines += [f"  {source_line(c)}" for c in answer.citations]
    return "\n".join(lines).rstrip()


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as stream:
        yield stream


class ProgressBars:
    """Two tqdm bars, files and chunks, on stderr so that stdout stays clean for scripts."""

    def __enter__(self) -> ProgressBars:
        self._bars: dict[str, Any] = {}
        return self

    def update(self, snapshot: Progress) -> None:
        self._set("files", snapshot.files_done, snapshot.files_total, snapshot.label)
        self._set("chunks", snapshot.chunks_done, snapshot.chunks_total, "")
        self._set("sentences", snapshot.sentences_done, snapshot.sentences_total, "")

    def _set(self, name: str, done: int, total: int, label: str) -> None:
        from tqdm import tqdm

        if name not in self._bars:
            self._bars[name] = tqdm(
                total=total, desc=f"{name:<9}", unit=name[:-1], file=sys.stderr, position=len(self._bars)
            )
        bar = self._bars[name]
        bar.total = total
        if label:
            bar.set_postfix_str(label, refresh=False)
        bar.update(done - bar.n)

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()


def _print_report(report: Any) -> None:
    counts = report.counts
    summary = ", ".join(f"{counts[s]} {s}" for s in ("added", "updated", "unchanged", "removed", "failed"))
    click.echo(f"Ingest: {summary} in {report.seconds:.1f} s; {report.chunks_written} chunks embedded.")
    click.echo(f"Index: {report.total_documents} documents, {report.total_chunks} chunks at {report.index_location}")
    for outcome in report.failed:
        click.echo(f"FAILED {outcome.source_path}: {outcome.reason}", err=True)


from assistant.cli_serve import feedback_group, serve_command  # noqa: E402

cli.add_command(serve_command)
cli.add_command(feedback_group)


from assistant.cli_eval import eval_command  # noqa: E402

cli.add_command(eval_command)


from assistant.cli_check import check_command  # noqa: E402

cli.add_command(check_command)


from assistant.cli_bench import bench_command  # noqa: E402

cli.add_command(bench_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="policydesk")
