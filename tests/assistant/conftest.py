"""Assistant fixtures: a small corpus (a real PDF, a Markdown brief, four good practices, a helpdesk answer) and
its real index (real embedding model, embedded Chroma), built once per session and shared read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_corpus

GREEN_PATHWAY = """\
---
title: Green Cluster Pathway
project: GreenBridge
region: Andalusia
country: Spain
themes: [green transition, energy efficiency]
organisation: Andalusian Energy Agency
---
# Green Cluster Pathway

The Andalusian Energy Agency helps clusters of manufacturers cut the energy they use in production.
The programme has three stages: design, pilot and evaluation.
During the pilot, neighbouring factories share smart meters and the results of their energy audits.
"""

SEED_FUND = """\
---
title: Pomeranian Seed Fund
project: S3Seed
region: Pomerania
country: Poland
themes: [smart specialisation, research and development]
organisation: Pomeranian Development Agency
---
# Pomeranian Seed Fund

The Pomeranian Development Agency runs a seed fund for joint research between firms and universities.
The scheme financed 23 projects with €2 million.
Each project paired at least one firm with a university laboratory for eighteen months.
"""

STRATEGY_BRIEF = """\
---
title: Monitoring regional innovation strategies
---
# Monitoring regional innovation strategies

## Why monitoring matters

A regional innovation strategy is only as good as the evidence that tells its managers whether it works.
Monitoring lets a managing authority see early which measures attract applicants and which stay unused.
It also gives the regional parliament a factual basis for its yearly debate on the innovation budget.
Without monitoring, a strategy drifts: calls are repeated out of habit rather than because they deliver.

## Choosing indicators

Good indicators are few, are collected anyway by the agencies, and can be compared across years.
Output indicators count what the programme produced, such as supported firms or organised events.
Result indicators describe the change in the region, such as the share of firms that introduce an innovation.
Regions should avoid indicators that need a costly survey every year unless the survey already exists.

## Involving stakeholders

The entrepreneurial discovery process does not end when the strategy is adopted.
Working groups of firms, universities and public bodies should meet at least twice a year to review the data.
Their members often notice bottlenecks, such as slow payments or unclear eligibility rules, before any indicator moves.
Minutes of these meetings should be published so that applicants see how their feedback is used.

## Evaluating impact

Evaluation asks whether the region changed because of the strategy and not for other reasons.
Counterfactual methods compare supported firms with similar firms that did not receive support.
Theory-based evaluation traces the steps from an intervention to its intended effect and checks each one.
Small regions can pool their evaluation budgets and commission a joint study with neighbouring regions.

## Learning from peers

Peer reviews bring officials from other regions to examine a strategy and suggest improvements.
Interregional projects fund study visits, staff exchanges and the transfer of good practices between regions.
A region that imports a good practice should adapt it to its own institutions rather than copy it unchanged.
"""

# A list long enough to run over a chunk boundary (chunks hold 200 tokens); indexed on its own, see
# test_answering.py, so that the shared corpus's documents and counts stay as they are.
BROADBAND_BARRIERS = (
    ("Cost of civil works", "digging trenches along country roads makes up most of the cost of every new line"),
    ("Scattered demand", "farms and villages lie far apart, so each connection serves only a few households"),
    ("Slow permits", "every municipality along a route has its own procedure and its own deadlines for permits"),
    ("Thin operator interest", "commercial operators rarely bid where they expect fewer than ten subscribers"),
    ("Missing skills", "small municipalities lack engineers who can plan a network or judge an operator's offer"),
    ("Uncertain take-up", "residents often wait to see whether neighbours subscribe before they sign a contract"),
)
RANKING_SENTENCE = "It ranked twenty candidate barriers by the stalled projects each had caused in five years."
BROADBAND = (
    "---\ntitle: Helpdesk answer on rural broadband\n---\n# Helpdesk answer on rural broadband\n\n"
    "The regional working group on connectivity identified six barriers to rural broadband roll-out, namely:\n\n"
    + "\n".join(
        f"- {head}: {detail}, and the working group returned to this barrier at every one of its meetings."
        for head, detail in BROADBAND_BARRIERS
    )
    + "\n\nThe working group will report to the regional parliament next spring.\n\n"
    "## How the barriers were chosen\n\nHow did the working group choose its six barriers?\n"
    f"{RANKING_SENTENCE}\n"
)

EXTRA_DOCUMENTS = {
    "good_practices/green-cluster-pathway.md": GREEN_PATHWAY,
    "good_practices/pomeranian-seed-fund.md": SEED_FUND,
    "briefs/monitoring-strategies.md": STRATEGY_BRIEF,
}
GREEN_DOC = "good_practices/green-cluster-pathway"
SEED_DOC = "good_practices/pomeranian-seed-fund"
ALPINE_DOC = "good_practices/alpine-cluster-voucher"
BALTIC_DOC = "good_practices/baltic-design-sprint"
BRIEF_PDF_DOC = "briefs/test-brief"
STRATEGY_DOC = "briefs/monitoring-strategies"
HELPDESK_DOC = "helpdesk/cluster-finance"
LIST_SENTENCE = "The programme has three stages: design, pilot and evaluation."
FIGURE_SENTENCE = "The scheme financed 23 projects with €2 million."


def write_assistant_corpus(root: Path) -> Path:
    """The shared test corpus (PDF brief, two good practices, helpdesk answer) plus a Markdown brief and two
    more good practices: one with a list sentence, one with a figure."""
    write_corpus(root)
    for relative, text in EXTRA_DOCUMENTS.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def assistant_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The assistant test corpus, written once (do not modify it)."""
    return write_assistant_corpus(tmp_path_factory.mktemp("assistant-corpus") / "corpus")


@pytest.fixture(scope="session")
def assistant_index(assistant_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the assistant corpus (real model, embedded Chroma), built once; returns its folder."""
    from ingest import Config, ingest

    index_dir = tmp_path_factory.mktemp("assistant-index")
    report = ingest([assistant_corpus], Config(index_dir=index_dir))
    assert not report.failed, report.failed
    assert report.total_documents == 7
    return index_dir


@pytest.fixture(scope="session")
def assistant_config(assistant_index: Path):
    from ingest import Config

    return Config(index_dir=assistant_index)


@pytest.fixture(scope="session")
def shared_assistant(assistant_config):
    """One Assistant over the shared index, for tests that only ask (never patch it)."""
    from assistant import Assistant

    return Assistant(assistant_config)


@pytest.fixture
def assistant(assistant_config):
    """A fresh Assistant over the shared index, for tests that patch its parts (cheap: the model is cached)."""
    from assistant import Assistant

    return Assistant(assistant_config)
