"""``policydesk check [--repair]``: a thin command over ``ingest.check.check_index``.

Registered on the ``policydesk`` group by ``assistant.cli``; import the group from there.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from assistant.cli import index_options, load_config


@click.command("check")
@click.option(
    "--repair", is_flag=True, help="Delete orphans, re-embed incomplete documents, rebuild the keyword index."
)
@index_options
def check_command(repair: bool, overrides: dict[str, Any]) -> None:
    """Verify the index by document: chunks and sentences present and counted, no orphans, the keyword index
    equal to the committed chunks, the embedding model. Exits with 1 if problems remain."""
    from ingest.check import check_index

    report = check_index(load_config(overrides), repair=repair)
    for line in render_check(report):
        click.echo(line)
    if not report.ok:
        sys.exit(1)


def render_check(report: Any) -> list[str]:
    """The report as text lines: a table by document, then the index-wide findings and the repairs."""
    lines = [f"Index:           {report.location}", f"Embedding model: {report.embedding_model}", ""]
    width = max([len("document"), *(len(d.doc_id) for d in report.documents)])
    lines.append(f"{'document':<{width}}  {'chunks':>9}  {'sentences':>11}  status")
    for doc in report.documents:
        expected = "?" if doc.expected_sentences is None else str(doc.expected_sentences)
        status = "; ".join(doc.problems) or "ok"
        lines.append(
            f"{doc.doc_id:<{width}}  {f'{doc.chunks}/{doc.expected_chunks}':>9}  "
            f"{f'{doc.sentences}/{expected}':>11}  {status}"
        )
    lines += ["", f"Keyword index: {report.keyword_index}"]
    lines += [f"PROBLEM: {problem}" for problem in report.problems]
    lines += [f"Repaired: {repair}" for repair in report.repairs]
    if report.ok:
        lines.append(f"OK: {len(report.documents)} documents checked, no problems.")
    else:
        hint = "" if report.repairs else "; run `policydesk check --repair`"
        lines.append(f"{report.problem_count} problem(s) remain{hint}.")
    return lines
