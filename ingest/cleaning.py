"""Clean extracted text: drop running headers/footers and page numbers, rejoin lines, find section headings.

Written by hand because llama-index's readers keep PDF lines as extracted (hard-wrapped, footers included)
and have no notion of the headings ("Policy recommendation 3. …", "Box 8. …") that our citations name.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence

from ingest.records import CleanPage, Document, Page, Section

# Headings recognised by their form wherever they stand.
_NUMBERED_HEADING = re.compile(
    r"^(?:(?:Box|Table|Figure) \d+[.:]|Policy recommendation \d+\b|\d{1,2}\.\s+[A-Z][^.]{2,60}$)"
)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
_BULLET = re.compile(r"^[▪•◦‣●■\-–*]\s*")
_SENTENCE_END = re.compile(r"[.!?:;)\"”’]$")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
# A link or image keeps its text; its URL may hold balanced brackets ("…/Cluster_(economics)").
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")

# A line repeated at the top or bottom of this share of pages is a running header/footer.
RUNNING_LINE_SHARE = 0.5
EDGE_LINES = 3


def clean_document(document: Document) -> tuple[CleanPage, ...]:
    """Clean every page of ``document``; headings carry over page breaks as the section of what follows."""
    is_markdown = document.source_path.lower().endswith((".md", ".markdown"))
    pages = document.pages if is_markdown else _strip_running_lines(document.pages)
    cleaned: list[CleanPage] = []
    section: str | None = None
    for page in pages:
        paragraphs = _markdown_paragraphs(page.text) if is_markdown else _pdf_paragraphs(page.text)
        clean_page, section = _assemble(page.number, paragraphs, section)
        cleaned.append(clean_page)
    return tuple(cleaned)


def _strip_running_lines(pages: Sequence[Page]) -> list[Page]:
    """Remove bare page numbers and lines repeated at the edges of many pages."""
    page_lines = [[line.strip() for line in page.text.splitlines()] for page in pages]
    running: set[str] = set()
    if len(pages) >= 3:
        edge_counts = Counter(_shape(line) for lines in page_lines for line in set(_edges(lines)) if line)
        running = {shape for shape, n in edge_counts.items() if n >= RUNNING_LINE_SHARE * len(pages)}
    stripped = []
    for page, lines in zip(pages, page_lines, strict=True):
        edges = set(_edges(lines))
        kept = [line for line in lines if not (line in edges and (_PAGE_NUMBER.match(line) or _shape(line) in running))]
        stripped.append(Page(number=page.number, text="\n".join(kept)))
    return stripped


def _edges(lines: list[str]) -> list[str]:
    non_empty = [line for line in lines if line]
    return non_empty[:EDGE_LINES] + non_empty[-EDGE_LINES:]


def _shape(line: str) -> str:
    """A line with its digits masked, so 'Page 3' and 'Page 4' count as the same running line."""
    return re.sub(r"\d+", "#", line.lower())


def _pdf_paragraphs(text: str) -> list[tuple[str, bool]]:
    """Rejoin hard-wrapped lines into paragraphs; returns (text, is_heading) pairs."""
    lines = [line.strip() for line in text.splitlines()]
    widths = [len(line) for line in lines if len(line) > 20]
    full_width = statistics.median(widths) if widths else 80
    paragraphs: list[tuple[str, bool]] = []
    current: list[str] = []
    previous = ""

    def flush() -> None:
        if current:
            paragraphs.append((_join_lines(current), False))
            current.clear()

    for index, line in enumerate(lines):
        if not line or _BULLET.fullmatch(line):
            flush() if not line else None
            previous = line or previous
            continue
        at_page_start = not paragraphs and not current and index < 3
        previous_is_heading = not current and bool(paragraphs) and paragraphs[-1] == (previous, True)
        continued = index + 1 < len(lines) and lines[index + 1][:1].islower()  # a wrapped sentence, not a title
        if not continued and _is_heading(line, previous, at_page_start=at_page_start or previous_is_heading):
            flush()
            paragraphs.append((line, True))
        else:
            if _BULLET.match(line) or (current and _ends_paragraph(current[-1], full_width)):
                flush()
            current.append(line)
        previous = line
    flush()
    return paragraphs


def _is_heading(line: str, previous: str, *, at_page_start: bool) -> bool:
    if len(line) > 90:
        return False
    if _NUMBERED_HEADING.match(line):
        return True
    words = line.split()
    return (
        len(line) <= 70
        and line[0].isupper()
        and (len(words) >= 2 or at_page_start)
        and "," not in line
        and not _BULLET.match(line)
        and not re.search(r"[.,;:]$", line)
        and (at_page_start or not previous or bool(_SENTENCE_END.search(previous)))
    )


def _ends_paragraph(line: str, full_width: float) -> bool:
    """A line that ends a sentence well short of the text width closes its paragraph."""
    return bool(_SENTENCE_END.search(line)) and len(line) < 0.8 * full_width


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = _BULLET.sub("• ", line) if _BULLET.match(line) and not line.startswith("-") else line
        if not text:
            text = line
        elif text.endswith("-") and line[:1].islower():
            text += line  # a word hyphenated at the line end: keep the hyphen, no space
        else:
            text += " " + line
    return re.sub(r"[ \t]+", " ", text)


def _markdown_paragraphs(text: str) -> list[tuple[str, bool]]:
    """Split Markdown into paragraphs (blank-line separated), headings and list items; drop markup."""
    paragraphs: list[tuple[str, bool]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append((_strip_markup(" ".join(current)), False))
            current.clear()

    for raw in text.splitlines():
        line = raw.strip()
        heading = _MD_HEADING.match(line)
        if not line or heading or re.match(r"^(?:[-*+]|\d+[.)])\s+", line):
            flush()
        if heading:
            paragraphs.append((_strip_markup(heading.group(1)), True))
        elif line:
            current.append(line)
    flush()
    return [(text, is_heading) for text, is_heading in paragraphs if text]


def _strip_markup(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _assemble(
    number: int | None, paragraphs: list[tuple[str, bool]], section: str | None
) -> tuple[CleanPage, str | None]:
    """Join paragraphs with blank lines, recording where each heading starts."""
    parts: list[str] = []
    sections: list[Section] = [Section(title=section, start=0)] if section else []
    offset = 0
    for text, is_heading in paragraphs:
        if is_heading:
            section = text
            if sections and sections[-1].start == offset:
                sections.pop()  # the carried-over section is replaced at once
            sections.append(Section(title=text, start=offset))
        parts.append(text)
        offset += len(text) + 2
    return CleanPage(number=number, text="\n\n".join(parts), sections=tuple(sections)), section
