"""Build ``corpus/briefs/policy-brief-clusters.pdf`` from the seed text layer (dev-only: needs reportlab).

The seed (``policy-brief-clusters.txt``) is the text layer of the published Interreg Europe policy brief
"Clusters". This script turns it back into a PDF with one PDF page per page of the publication, so that the
page numbers our answers cite are the publication's page numbers:

* A line starting with a single space is the first line of a new page (the space is stripped).
* One page break was lost in extraction; only the page's footer/header lines survived (``11`` /
  ``Policy Brief: Clusters`` / ``Policy Learning Platform on Research and innovation``). That footer block
  ends a page, so it is treated as a page break and then dropped like the other leftover lines.
* That footer says the page with Box 4 is page 11, which is the 10th page of the text layer: the
  publication's cover (page 1) has no text in the seed. Page 1 of the PDF is therefore a plain cover
  carrying only the two title strings found in the seed, so that PDF page n == publication page n.
* The seed ends with an empty page (the back cover); it is kept as an empty page.
* Lone ``▪`` lines (bullets lost in extraction) become a ``• `` prefix on the line that starts each item.
  ``▪`` is not in the embedded font; ``•`` is.
* Body lines keep the source line breaks (one source line = one PDF line); a line is wrapped only if it
  is wider than the text area, and a page's font size is reduced (never below ``MIN_FONT_SIZE``) if its
  lines would not fit, so a source page never spills onto a second PDF page.
* Every text page gets a real running header and footer (title left, page number right), as real PDFs do.

The text is set in reportlab's bundled Bitstream Vera TrueType fonts, embedded, so that €, curly quotes,
dashes and accented names survive ``pypdf`` text extraction. ``invariant=1`` makes the output
byte-identical across runs.

Usage: ``python scripts/build_brief_pdf.py [--seed PATH] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# A verbatim copy of shared/seeds/policy-brief-clusters.txt ships in scripts/sources, so a clone builds and tests
# the brief on its own; POLICYDESK_SEEDS points at another seed folder.
DEFAULT_SEEDS_DIR = REPO_ROOT / "scripts" / "sources"
DEFAULT_SEED = Path(os.environ.get("POLICYDESK_SEEDS", DEFAULT_SEEDS_DIR)) / "policy-brief-clusters.txt"
DEFAULT_OUT = REPO_ROOT / "corpus" / "briefs" / "policy-brief-clusters.pdf"

TITLE = "Policy Brief: Clusters"
PLATFORM = "Policy Learning Platform on Research and innovation"
# Leftover footer/header lines in the seed (exact strings) and the bare page numbers next to them.
LEFTOVER_LINES = frozenset({TITLE, PLATFORM})
_BARE_NUMBER = re.compile(r"^\d{1,3}$")

LOST_BULLET = "\u25aa"  # ▪ (not in Vera)
BULLET = "\u2022 "  # • (in Vera)
# Characters missing from Vera, mapped to safe equivalents. Only ▪ occurs in the seed (and is handled as a
# bullet first); the others (→ ● ■ ◦) are here in case the seed is refreshed. ≥ ≤ € ‘’“” – — … • are in Vera.
CHAR_MAP = {LOST_BULLET: "\u2022", "\u2192": "->", "\u25cf": "\u2022", "\u25a0": "\u2022", "\u25e6": "-"}

FONT = "Vera"
FONT_BOLD = "VeraBd"
FONT_SIZE = 9.0
MIN_FONT_SIZE = 7.0
LEADING_FACTOR = 1.2
BLANK_FACTOR = 0.5  # an empty source line takes half a line
MARGIN_X = 56.0
MARGIN_TOP = 50.0
MARGIN_BOTTOM = 50.0
HEADER_FOOTER_SIZE = 8.0

# Lines set in bold: section titles, boxes, recommendations (cosmetic; the text is unchanged).
_HEADING = re.compile(
    r"^(Summary|Foreword|\d\. [A-Z].*|Box \d+\. .*|Policy recommendation \d\. .*|Cluster Life Cycle – .*"
    r"|Sources of further information on clusters|Annexe 1: .*|Recommendations from Interreg Europe community"
    r"|Insights from the Policy Learning Platform)$"
)


def register_fonts() -> tuple[str, str]:
    """Register reportlab's bundled Unicode TrueType fonts (Vera, Vera Bold); return their names.

    Core PDF fonts are Latin-1 only; these are embedded (subset) and round-trip €, ‘’“”, – — and ü.
    """
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts_dir = Path(reportlab.__file__).resolve().parent / "fonts"
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in ((FONT, "Vera.ttf"), (FONT_BOLD, "VeraBd.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(fonts_dir / filename)))
    return FONT, FONT_BOLD


def map_chars(line: str) -> str:
    return "".join(CHAR_MAP.get(ch, ch) for ch in line)


def _is_leftover(lines: list[str], i: int) -> bool:
    """True if ``lines[i]`` is a bare page number directly followed by the leftover title line."""
    return bool(_BARE_NUMBER.match(lines[i])) and i + 1 < len(lines) and lines[i + 1] == TITLE


def split_seed_pages(text: str) -> list[list[str]]:
    """The seed's pages (publication order, without the cover), each a list of lines.

    Splits at lines starting with a single space (stripping it) and after leftover footer blocks
    (``<n>`` / ``Policy Brief: Clusters`` / ``Policy Learning Platform on Research and innovation``),
    dropping the leftover lines. Leading/trailing blank lines of a page are removed; an empty page stays.
    """
    raw = text.split("\n")
    pages: list[list[str]] = []
    current: list[str] | None = None
    i = 0
    while i < len(raw):
        line = raw[i].rstrip("\r")
        if line.startswith(" ") and not line.startswith("  "):
            if current is not None:
                pages.append(current)
            current = [line[1:]]
        elif current is None:
            current = [line]
        elif _is_leftover(raw, i):
            # A footer block: the page ends here. Skip the number, the title and the platform line.
            i += 1
            while i < len(raw) and (raw[i].strip() in LEFTOVER_LINES or not raw[i].strip()):
                i += 1
            pages.append(current)
            current = []
            continue
        elif line.strip() in LEFTOVER_LINES:
            pass
        else:
            current.append(line)
        i += 1
    if current is not None:
        pages.append(current)
    return [_trim(page) for page in pages]


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return [line.rstrip() for line in lines[start:end]]


def restore_bullets(lines: list[str]) -> list[str]:
    """Replace each run of lone ``▪`` lines by a ``• `` prefix on the first line of each list item.

    Items follow the run: if the next block (up to a blank line) has exactly as many lines as there were
    bullets, each line is an item; otherwise an item starts at the block's first line and after each
    line that ends with a full stop. A count mismatch raises, rather than guessing.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != LOST_BULLET:
            out.append(lines[i])
            i += 1
            continue
        count = 0
        while i < len(lines) and lines[i].strip() in (LOST_BULLET, ""):
            count += lines[i].strip() == LOST_BULLET
            i += 1
        block_end = i
        while block_end < len(lines) and lines[block_end].strip():
            block_end += 1
        block = lines[i:block_end]
        if len(block) == count:
            starts = set(range(len(block)))
        else:
            starts = {0} | {k + 1 for k, line in enumerate(block[:-1]) if line.rstrip().endswith(".")}
        if len(starts) != count:
            raise ValueError(f"{count} lost bullets but {len(starts)} list items found before {block[:1]}")
        out.extend(BULLET + line if k in starts else line for k, line in enumerate(block))
        i = block_end
    return out


def publication_pages(text: str) -> list[list[str]]:
    """Every page of the publication as PDF lines: page 1 is the cover (title lines), then the seed pages."""
    cover = [TITLE, PLATFORM]
    return [cover] + [[map_chars(line) for line in restore_bullets(page)] for page in split_seed_pages(text)]


def _wrap(line: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(line, font, size) <= width:
        return [line]
    words, rows, row = line.split(" "), [], ""
    for word in words:
        candidate = f"{row} {word}" if row else word
        if row and stringWidth(candidate, font, size) > width:
            rows.append(row)
            row = word
        else:
            row = candidate
    rows.append(row)
    return rows


def _layout(lines: list[str], size: float, width: float) -> tuple[list[tuple[str, str, float]], float]:
    """(text, font, advance) rows for a page at ``size``, and the total height they take."""
    rows, height = [], 0.0
    for line in lines:
        if not line.strip():
            advance = size * LEADING_FACTOR * BLANK_FACTOR
            rows.append(("", FONT, advance))
            height += advance
            continue
        font = FONT_BOLD if _HEADING.match(line) else FONT
        for row in _wrap(line, font, size, width):
            advance = size * LEADING_FACTOR
            rows.append((row, font, advance))
            height += advance
    return rows, height


def build_pdf(seed: Path, out: Path) -> int:
    """Write the PDF; return its page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    register_fonts()
    pages = publication_pages(seed.read_text(encoding="utf-8"))
    page_w, page_h = A4
    text_w = page_w - 2 * MARGIN_X
    text_h = page_h - MARGIN_TOP - MARGIN_BOTTOM
    out.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(out), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(TITLE)
    c.setAuthor("Interreg Europe Policy Learning Platform")
    c.setSubject(PLATFORM)
    c.setCreator("PolicyDesk scripts/build_brief_pdf.py")
    for number, lines in enumerate(pages, start=1):
        if number == 1:  # cover
            c.setFont(FONT_BOLD, 28)
            c.drawString(MARGIN_X, page_h / 2 + 40, lines[0])
            c.setFont(FONT, 14)
            c.drawString(MARGIN_X, page_h / 2, lines[1])
            c.showPage()
            continue
        if not lines:  # back cover: empty in the publication's text layer
            c.showPage()
            continue
        size = FONT_SIZE
        rows, height = _layout(lines, size, text_w)
        while height > text_h:
            size = round(size - 0.25, 2)
            if size < MIN_FONT_SIZE:
                raise ValueError(f"page {number} does not fit on one A4 page even at {MIN_FONT_SIZE}pt")
            rows, height = _layout(lines, size, text_w)
        y = page_h - MARGIN_TOP - size
        for text, font, advance in rows:
            if text:
                c.setFont(font, size)
                c.drawString(MARGIN_X, y, text)
            y -= advance
        assert y + size * LEADING_FACTOR >= MARGIN_BOTTOM - 0.01, f"page {number} overflows"
        # Running header and footer, in the margins, like the publication's.
        c.setFont(FONT, HEADER_FOOTER_SIZE)
        c.drawRightString(page_w - MARGIN_X, page_h - 30, PLATFORM)
        c.drawString(MARGIN_X, 24, TITLE)
        c.drawRightString(page_w - MARGIN_X, 24, str(number))
        c.showPage()
    c.save()
    return len(pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="seed text layer (policy-brief-clusters.txt)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PDF to write")
    args = parser.parse_args(argv)
    if not args.seed.is_file():
        print(f"seed not found: {args.seed} (set POLICYDESK_SEEDS or pass --seed)", file=sys.stderr)
        return 1
    count = build_pdf(args.seed, args.out)
    print(f"wrote {args.out} ({count} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
