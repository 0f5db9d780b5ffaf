"""Cleaning: running footers and page numbers go, hard-wrapped lines are rejoined, headings become sections."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.cleaning import clean_document
from ingest.loading import load_document
from ingest.records import Document, Page

REC_1 = "Policy recommendation 1. Build trust between cluster members"
REC_2 = "Policy recommendation 2. Fund innovation vouchers for small firms"


def _pdf_document(*page_texts: str) -> Document:
    pages = tuple(Page(number=i, text=text) for i, text in enumerate(page_texts, start=1))
    return Document("d", "Title", "brief", "d.pdf", "hash", pages)


def _brief(corpus: Path):
    return clean_document(load_document(corpus / "briefs" / "test-brief.pdf", "briefs/test-brief"))


def test_running_footer_and_page_numbers_are_removed(corpus: Path) -> None:
    pages = _brief(corpus)
    assert [page.number for page in pages] == [1, 2, 3]
    for page in pages:
        assert "Test Brief" not in page.text
        assert not re.search(r"(?m)^\s*\d+\s*$", page.text), page.text
        assert page.text == page.text.strip()


def test_hard_wrapped_lines_are_rejoined_into_paragraphs(corpus: Path) -> None:
    first, second, _ = _brief(corpus)
    paragraphs = first.text.split("\n\n")
    assert paragraphs[0] == REC_1
    assert len(paragraphs) == 2
    # In the PDF this sentence is broken over two lines.
    assert (
        "According to “Müller”, the ‘trust first’ approach paid off within two years, because members began"
        in (paragraphs[1])
    )
    assert "\n" not in paragraphs[1]
    assert paragraphs[1].endswith("the regional agency measured the effect with a survey of members.")
    assert second.text.split("\n\n")[1] == REC_2


def test_headings_become_sections_carried_across_pages(corpus: Path) -> None:
    first, second, third = _brief(corpus)
    assert [(s.title, s.start) for s in first.sections] == [(REC_1, 0)]
    # Page 2 opens in the middle of recommendation 1 and starts recommendation 2 further down.
    assert [(s.title, s.start) for s in second.sections] == [(REC_1, 0), (REC_2, second.text.index(REC_2))]
    assert [(s.title, s.start) for s in third.sections] == [(REC_2, 0)]


def test_running_lines_are_found_by_shape_on_three_or_more_pages() -> None:
    bodies = [
        f"Paragraph {word} of the brief, which is long enough to count as a full line of text."
        for word in ("one", "two", "three")
    ]
    pages = [f"Interreg Europe brief\n{body}\nPage {n} of 3" for n, body in enumerate(bodies, start=1)]
    cleaned = clean_document(_pdf_document(*pages))
    assert [page.text for page in cleaned] == bodies


def test_with_fewer_than_three_pages_only_bare_page_numbers_go() -> None:
    body = "A sentence of ordinary prose that is long enough to count as a full line of text."
    cleaned = clean_document(_pdf_document(f"{body}\nTest Brief\n1", f"{body}\nTest Brief\n2"))
    assert [page.text for page in cleaned] == [f"{body}\n\nTest Brief"] * 2


def test_line_repeated_in_the_middle_of_pages_is_kept() -> None:
    filler = "\n".join(f"Line {n} of a long and ordinary paragraph that goes on and on." for n in range(8))
    middle = "Clusters matter for regions"
    pages = [f"{filler}\n\n{middle}\n\n{filler}\n{n}" for n in (1, 2, 3)]
    cleaned = clean_document(_pdf_document(*pages))
    assert all(middle in page.text for page in cleaned)


def test_hyphenated_line_ends_keep_the_hyphen_without_a_space() -> None:
    text = (
        "In most regions, the agencies run a programme of cluster support in close co-\n"
        "operation with the universities, the chambers of commerce and the larger firms.\n"
        "Their budgets are set every year by the regional government and its parliament."
    )
    (page,) = clean_document(_pdf_document(text))
    assert page.text == (
        "In most regions, the agencies run a programme of cluster support in close co-operation with the "
        "universities, the chambers of commerce and the larger firms. Their budgets are set every year by the "
        "regional government and its parliament."
    )


def test_a_short_wrapped_line_after_a_heading_is_prose_not_another_heading() -> None:
    text = (
        "Policy recommendation 3. To offer personalised support services.\n"
        "The third policy recommendation is for clusters to offer personalised\n"
        "services to SMEs to address regional research and innovation weaknesses."
    )
    (page,) = clean_document(_pdf_document(text))
    assert page.text.endswith(
        "The third policy recommendation is for clusters to offer personalised services to SMEs to address "
        "regional research and innovation weaknesses."
    )
    assert [s.title for s in page.sections] == ["Policy recommendation 3. To offer personalised support services."]


def test_markdown_headings_sections_and_markup(corpus: Path) -> None:
    document = load_document(corpus / "helpdesk" / "cluster-finance.md", "helpdesk/cluster-finance")
    (page,) = clean_document(document)
    assert page.number is None
    assert page.text == (
        "Helpdesk answer on cluster finance\n\n"
        "Question\n\n"
        "How can a region finance its cluster organisations after the start-up phase?\n\n"
        "Answer\n\n"
        "Regions combine membership fees, paid services and competitive project funding. "
        "A typical mature cluster covers half of its budget from its own income."
    )
    assert [(s.title, page.text[s.start : s.start + len(s.title)]) for s in page.sections] == [
        ("Helpdesk answer on cluster finance", "Helpdesk answer on cluster finance"),
        ("Question", "Question"),
        ("Answer", "Answer"),
    ]


def test_markdown_links_and_list_items() -> None:
    text = "Intro with a [link](https://example.org) and __bold__.\n- first item\n- second item\n"
    document = Document("d", "T", "document", "d.md", "h", (Page(number=None, text=text),))
    (page,) = clean_document(document)
    assert page.text == "Intro with a link and bold.\n\n- first item\n\n- second item"


def test_markdown_links_keep_their_text_whole_even_with_brackets_in_the_url() -> None:
    """Bug: the cleaner cut a Markdown link at the first ")" of its URL, leaving "economics))" in the text, and an
    image kept its "!"."""
    from ingest.cleaning import _strip_markup

    text = "See [the wiki](https://en.wikipedia.org/wiki/Cluster_(economics)) and ![logo](http://t.example/p.png)."

    assert _strip_markup(text) == "See the wiki and logo."
