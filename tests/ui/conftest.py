"""UI fixtures: a tiny corpus with hostile HTML in it, its real index, and a real ``policydesk serve``; a richer
one (a PDF brief, more good practices) served apart for tests that change its index; a browser and its pages."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VENV_BIN, write_pdf
from tests.servers import free_port, running_server

SERVE_TIMEOUT_S = 90.0
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

LONG_WORD = "H2-" + "WELDINGPIPELINEHYDROGENNETWORKGRONINGEN" * 3  # one unbroken word wider than the panel
HOSTILE_PAYLOAD = "<script>alert(1)</script> <img src=x onerror=\"document.title='pwned'\">"
UI_CORPUS = {
    "helpdesk/cluster-finance.md": """\
---
title: Helpdesk answer on cluster finance
---
# Cluster finance

Regions finance mature cluster organisations with membership fees, paid services and project funding.
A typical mature cluster covers half of its budget from its own income.
""",
    "good_practices/alpine-voucher.md": """\
---
title: Alpine Cluster Voucher
project: ClusterGrowth
region: Tyrol
country: Austria
themes: [innovation vouchers, SMEs]
---
# Alpine Cluster Voucher

The Tyrol Innovation Agency gives small firms a voucher of 4,000 euros to work with a cluster partner.
More than two hundred firms used the voucher in its first three years.
""",
    "good_practices/hydrogen-welding.md": f"""\
---
title: Hydrogen valley welding academy {HOSTILE_PAYLOAD}
project: H2Skills
region: Groningen
country: Netherlands
themes: [skills]
---
# Welding academy

The hydrogen valley welding academy trains pipeline welders for hydrogen networks {HOSTILE_PAYLOAD} in six months.
Graduates of the welding academy are hired by the regional grid operator.
The course code is {LONG_WORD}.
""",
}
FINANCE_QUESTION = "How do regions finance mature cluster organisations?"
HOSTILE_QUESTION = "How does the hydrogen valley welding academy train pipeline welders?"


BRIEF_NAME = "briefs/trust-brief.pdf"
# Enough good practices for six example questions and a long "what I know" line: an empty state as tall as the
# shipped corpus's, which is what overflowed under the chat's label.
MORE_GOOD_PRACTICES = {
    f"good_practices/{slug}.md": f"""\
---
title: {title}
country: {country}
region: {region}
themes: [{theme}]
---
# {title}

{text}
"""
    for slug, title, country, region, theme, text in (
        (
            "basque-bridge",
            "Basque cluster bridge",
            "Spain",
            "Basque Country",
            "cross-cluster collaboration",
            "The Basque cluster bridge pays for joint projects of two clusters from different industries.",
        ),
        (
            "flemish-pilot",
            "Flemish pilot factory",
            "Belgium",
            "Flanders",
            "manufacturing",
            "The Flemish pilot factory lets small manufacturers test new production lines before they invest.",
        ),
        (
            "moravian-pact",
            "Moravian skills pact",
            "Czechia",
            "South Moravia",
            "skills",
            "The Moravian skills pact brings firms and vocational schools together to plan training places.",
        ),
        (
            "lapland-lab",
            "Lapland cold climate lab",
            "Finland",
            "Lapland",
            "testbeds",
            "The Lapland cold climate lab rents test tracks to firms that build vehicles for winter roads.",
        ),
    )
}


def build_index(base: Path, files: Mapping[str, str], *, pdfs: tuple[str, ...] = ()) -> Path:
    """A real index (real embedding model, embedded Chroma) of ``files`` and test-brief ``pdfs``; its folder."""
    from ingest import Config, ingest

    root = base / "corpus"
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    for relative in pdfs:
        write_pdf(root / relative)
    index_dir = base / "index"
    report = ingest([root], Config(index_dir=index_dir))
    assert not report.failed, report.failed
    return index_dir


@contextmanager
def serving(index_dir: Path, log: Path) -> Iterator[str]:
    """A real ``policydesk serve`` subprocess over ``index_dir`` on a free loopback port; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [str(VENV_BIN / "policydesk"), "serve", "--port", str(port), "--index-dir", str(index_dir)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYDESK_AUTH")}
    env |= {"GRADIO_ANALYTICS_ENABLED": "False", "POLICYDESK_HOME": str(index_dir)}
    with running_server(command, url, log, env=env, timeout=SERVE_TIMEOUT_S):
        yield url


@pytest.fixture(scope="session")
def ui_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the UI corpus; returns its folder."""
    return build_index(tmp_path_factory.mktemp("ui-corpus"), UI_CORPUS)


@pytest.fixture(scope="session")
def ui_server(ui_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``policydesk serve`` on the UI corpus; yields its URL."""
    with serving(ui_index, tmp_path_factory.mktemp("ui-server") / "serve.log") as url:
        yield url


@pytest.fixture(scope="session")
def rich_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``policydesk serve`` on the UI corpus plus a PDF brief and four more good practices, on an index of its
    own: tests here may add and remove documents (so none may count them)."""
    index_dir = build_index(tmp_path_factory.mktemp("rich-corpus"), UI_CORPUS | MORE_GOOD_PRACTICES, pdfs=(BRIEF_NAME,))
    with serving(index_dir, tmp_path_factory.mktemp("rich-server") / "serve.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (``make test`` installs it first)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install -y chromium) first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A fresh page at 1400 × 1000 in its own context; a screenshot is kept in ``tmp_path`` on the way out."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    try:
        yield opened
    finally:
        opened.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        context.close()
