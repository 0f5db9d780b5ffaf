"""UI fixtures: a tiny corpus with hostile HTML in it, its real index, and a real ``policydesk serve``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN
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


@pytest.fixture(scope="session")
def ui_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index (real embedding model, embedded Chroma) of the UI corpus; returns its folder."""
    from ingest import Config, ingest

    base = tmp_path_factory.mktemp("ui-corpus")
    root = base / "corpus"
    for relative, text in UI_CORPUS.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    index_dir = base / "index"
    report = ingest([root], Config(index_dir=index_dir))
    assert not report.failed, report.failed
    return index_dir


@pytest.fixture(scope="session")
def ui_server(ui_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``policydesk serve`` subprocess on a free loopback port; yields its URL."""
    log = tmp_path_factory.mktemp("ui-server") / "serve.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [str(VENV_BIN / "policydesk"), "serve", "--port", str(port), "--index-dir", str(ui_index)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYDESK_AUTH")}
    env |= {"GRADIO_ANALYTICS_ENABLED": "False", "POLICYDESK_HOME": str(ui_index)}
    with running_server(command, url, log, env=env, timeout=SERVE_TIMEOUT_S):
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
