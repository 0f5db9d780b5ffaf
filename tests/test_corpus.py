"""The shipped corpus: the rebuilt policy brief PDF and the Markdown documents' front matter."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT / "corpus"
BRIEF_PDF = CORPUS / "briefs" / "policy-brief-clusters.pdf"
SCRIPT = REPO_ROOT / "scripts" / "build_brief_pdf.py"

GOOD_PRACTICE_FIELDS = ("title", "doc_type", "project", "region", "country", "themes", "organisation", "source")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
ROUND_TRIP = "€60,000 — ‘emerging industries’ … Müller"


def _load_script():
    spec = importlib.util.spec_from_file_location("build_brief_pdf", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def builder():
    pytest.importorskip("reportlab", reason="reportlab is a dev-only dependency")
    return _load_script()


@pytest.fixture(scope="module")
def seed_text() -> str:
    seed = _load_script().DEFAULT_SEED
    assert seed.is_file(), f"seed text not found at {seed}: it ships in scripts/sources (or set POLICYDESK_SEEDS)"
    return seed.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_pages() -> list[str]:
    assert BRIEF_PDF.is_file(), "run scripts/build_brief_pdf.py to build the brief PDF"
    return [page.extract_text() or "" for page in PdfReader(BRIEF_PDF).pages]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _front_matter(path: Path) -> dict:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: no front matter between '---' lines at the top"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict), f"{path.name}: front matter is not a mapping"
    return front


# --- (a) the embedded Unicode font round-trips through pypdf -------------------------------------------


def test_unicode_font_round_trips_through_pypdf(builder, tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    regular, bold = builder.register_fonts()
    out = tmp_path / "round-trip.pdf"
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    c.setFont(regular, 9)
    c.drawString(56, 700, ROUND_TRIP)
    c.setFont(bold, 9)
    c.drawString(56, 680, ROUND_TRIP)
    c.showPage()
    c.save()
    lines = PdfReader(out).pages[0].extract_text().splitlines()
    assert lines == [ROUND_TRIP, ROUND_TRIP]


def test_script_maps_characters_missing_from_the_font(builder):
    from reportlab.pdfbase.pdfmetrics import getFont

    builder.register_fonts()
    covered = getFont(builder.FONT).face.charToGlyph
    for source, target in builder.CHAR_MAP.items():
        assert ord(source) not in covered
        assert all(ord(ch) in covered for ch in target)


# --- (b), (c) the shipped PDF matches the seed page for page ------------------------------------------


def test_pdf_has_one_page_per_publication_page(builder, seed_text, pdf_pages):
    seed_pages = builder.split_seed_pages(seed_text)
    # The cover (page 1) has no text in the seed; every other publication page is one seed page.
    assert len(pdf_pages) == 1 + len(seed_pages) == 18


def test_each_pdf_page_starts_with_its_seed_page(builder, seed_text, pdf_pages):
    for number, lines in enumerate(builder.split_seed_pages(seed_text), start=2):
        words = " ".join(line for line in lines if line.strip() != builder.LOST_BULLET).split()[:8]
        page_text = _norm(pdf_pages[number - 1].replace("\u2022 ", ""))
        if not words:
            assert page_text == "", f"page {number} should be empty (back cover)"
            continue
        assert page_text.startswith(" ".join(words)), f"page {number} does not start with {' '.join(words)!r}"


def test_every_seed_page_break_is_a_pdf_page_break(seed_text, pdf_pages):
    # Independent of the script: each line starting with a single space opens a new page, in order.
    starts = [line[1:] for line in seed_text.split("\n") if re.match(r"^ \S", line)]
    firsts = [_norm(text) for text in pdf_pages]
    page = 0
    for start in starts:
        words = " ".join(start.split()[:6])
        page = next((i for i in range(page + 1, len(firsts)) if firsts[i].startswith(words)), None)
        assert page is not None, f"no PDF page starts with {words!r}"


def test_page_numbers_match_the_publication(pdf_pages):
    # The seed's only surviving footer says the page with Box 4 is page 11.
    page_11 = pdf_pages[10]
    assert page_11.startswith("Box 4. How can the Policy Learning Platform support?")
    assert page_11.rstrip().endswith("Policy Brief: Clusters\n11")
    assert pdf_pages[11].startswith("5. Policy Recommendations")


def test_running_footer_on_every_text_page_and_no_leftovers(pdf_pages):
    for number, text in enumerate(pdf_pages, start=1):
        if number == 1 or not text.strip():
            continue
        lines = text.splitlines()
        assert lines[-2:] == ["Policy Brief: Clusters", str(number)], f"page {number} footer"
        assert text.count("Policy Brief: Clusters") == 1, f"page {number} has a leftover title line"
        assert "\u25aa" not in text


def test_rebuilding_gives_the_shipped_pdf_byte_for_byte(builder, seed_text, tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(seed_text, encoding="utf-8")
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    builder.build_pdf(seed, first)
    builder.build_pdf(seed, second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == BRIEF_PDF.read_bytes(), "shipped PDF is stale: rerun scripts/build_brief_pdf.py"


# --- (d) Markdown front matter ---------------------------------------------------------------------------


def _good_practices() -> list[Path]:
    return sorted((CORPUS / "good_practices").glob("*.md"))


def test_there_are_good_practices():
    assert len(_good_practices()) >= 12


@pytest.mark.parametrize("path", _good_practices(), ids=lambda p: p.name)
def test_good_practice_front_matter(path):
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*\.md", path.name), f"{path.name}: use a kebab-case slug"
    front = _front_matter(path)
    missing = [name for name in GOOD_PRACTICE_FIELDS if name not in front]
    assert not missing, f"{path.name}: missing {missing}"
    for name in GOOD_PRACTICE_FIELDS:
        if name != "themes":
            assert isinstance(front[name], str) and front[name].strip(), f"{path.name}: empty {name}"
    assert front["doc_type"] == "good_practice"
    themes = front["themes"]
    assert isinstance(themes, list) and 2 <= len(themes) <= 5, f"{path.name}: themes must be a list of 2-5"
    assert all(isinstance(t, str) and t.strip() and t == t.lower() for t in themes), f"{path.name}: themes"
    body = path.read_text(encoding="utf-8")[FRONT_MATTER.match(path.read_text(encoding="utf-8")).end() :]
    assert body.lstrip().startswith(f"# {front['title']}"), f"{path.name}: body must open with '# <title>'"


def test_good_practice_titles_are_unique():
    titles = [_front_matter(path)["title"] for path in _good_practices()]
    assert len(titles) == len(set(titles))


def test_helpdesk_answer_front_matter():
    path = CORPUS / "helpdesk" / "helpdesk-answer-clusters-twin-transition.md"
    front = _front_matter(path)
    assert front["title"] == "Helpdesk topic on clusters driving the green and digital twin transitions"
    assert front["doc_type"] == "helpdesk"
    assert front["project"] == "ACCELERATE GDT"
    assert front["source"] == "Interreg Europe Policy Learning Platform – Policy Helpdesk"
    assert "(#)" not in path.read_text(encoding="utf-8")
