"""Labelled bullet groups: a table's cells and a short heading's list, read from the page text of the passages.

A PDF table such as the clusters brief's Table 1 reaches the text as lines: a row label ("Firm Growth"), then
its cell's bullets on one or more lines ("• Support cluster-based incubators, •Encourage …"), the last ending in a
full stop. A question that names the label ("Which actions does Table 1 list under 'Firm Growth'?") is answered
with the cell's items, each cited to the passage that holds it.

Two layout facts of pypdf's text order are used, nothing of any question's wording:
- several labels of one table row come out on one line ("Improve Cluster Dynamics New Technology"): the cell
  after that line belongs to the label at its end, so the question must name the line's last words;
- a row label taller than its neighbours comes out after its cell: a cell with no label line before it and one
  after it belongs to the label at the start of the next line ("Cluster Formation Improve … Factor Markets").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from assistant.text import word_tokens
from assistant.writers.base import Quote
from ingest.records import Chunk

_BULLET = "•"
MAX_LABEL_WORDS = 12  # a label line is short; longer lines are prose
MIN_NAMED_WORDS = 2  # a question names a label by two words of it at least ("New Technology"), not one


@dataclass(frozen=True)
class LabelledCell:
    """A cell's label line and its items (each quoted from the passage that holds it); ``label_at_end`` says which
    end of the line labels it."""

    label: str
    label_at_end: bool
    items: tuple[Quote, ...]
    label_chunk: Chunk

    def named_in(self, question_words: Sequence[str]) -> str | None:
        """The label's words that ``question_words`` (a question's ``assistant.text.words``) names: the line's
        last words, or its first for a cell the label follows; as written in the label, None when fewer than two."""
        originals = word_tokens(self.label)
        words = [w.lower() for w in originals]
        for size in range(len(words), MIN_NAMED_WORDS - 1, -1):
            part = words[-size:] if self.label_at_end else words[:size]
            # One label of a line of several starts at a capitalised word ("… Dynamics New Technology"), and the
            # next one after it ("Cluster Formation Improve …"): "on clusters" is no label of "Sources of further
            # information on clusters".
            if self.label_at_end:
                bounded = originals[-size][0].isupper()
            else:
                bounded = size == len(originals) or originals[size][0].isupper()
            if bounded and _contains(question_words, part):
                return " ".join(originals[-size:] if self.label_at_end else originals[:size])
        return None


def labelled_cells(chunks: Sequence[Chunk]) -> list[LabelledCell]:
    """The labelled bullet groups of a document's passages (sorted by page and offset), page by page."""
    cells: list[LabelledCell] = []
    for _, page_chunks in groupby(chunks, key=lambda c: c.page):
        cells += _page_cells(list(page_chunks))
    return cells


@dataclass
class _Block:
    """Consecutive lines of a page: one label or other line, or a cell's bullet lines (page offset, text)."""

    kind: str  # "label", "other" or "cell"
    lines: list[tuple[int, str]]


def _page_cells(chunks: list[Chunk]) -> list[LabelledCell]:
    if not any(_BULLET in chunk.text for chunk in chunks):
        return []  # most pages: no bullet, no cell
    blocks: list[_Block] = []
    open_cell = False
    for match in re.finditer(r"[^\n]+", _page_text(chunks)):
        line = match.group().strip()
        if not line:
            continue
        if not line.startswith(_BULLET):
            blocks.append(_Block("label" if _is_label(line) else "other", [(match.start(), line)]))
            open_cell = False
            continue
        if not open_cell:
            blocks.append(_Block("cell", []))
        blocks[-1].lines.append((match.start(), match.group()))
        open_cell = not line.endswith(".")  # a cell's last bullet ends with a full stop, the others with a comma
    found = []
    for index, block in enumerate(blocks):
        before, after = blocks[index - 1] if index else None, blocks[index + 1] if index + 1 < len(blocks) else None
        if block.kind != "cell":
            continue
        if before is not None and before.kind == "label":
            label, at_end = before.lines[0], True
        elif after is not None and after.kind == "label":
            label, at_end = after.lines[0], False
        else:
            continue
        items = tuple(_items(block.lines, chunks))
        holder = _holder(chunks, *label)
        if items and holder is not None:
            found.append(LabelledCell(label[1], at_end, items, holder))
    return found


def _is_label(line: str) -> bool:
    """A short line that is no sentence: capitalised, no closing punctuation."""
    return 0 < len(word_tokens(line)) <= MAX_LABEL_WORDS and line[0].isupper() and line[-1] not in ".!?:;,"


def _items(lines: list[tuple[int, str]], chunks: list[Chunk]) -> list[Quote]:
    items = []
    for start, line in lines:
        for piece in re.finditer(rf"{_BULLET}\s*([^{_BULLET}]+)", line):
            item = piece.group(1).strip().rstrip(",.; ").strip()
            holder = _holder(chunks, start + piece.start(1), item)
            if item and holder is not None:
                items.append(Quote(holder, item))
    return items


def _page_text(chunks: list[Chunk]) -> str:
    """The page's text put back from its (overlapping) passages at their offsets."""
    size = max((c.end for c in chunks), default=0)
    characters = [" "] * size
    for chunk in chunks:
        characters[chunk.start : chunk.start + len(chunk.text)] = chunk.text
    return "".join(characters)


def _holder(chunks: list[Chunk], start: int, text: str) -> Chunk | None:
    """The first passage that holds ``text`` whole, at page offset ``start`` or anywhere in its text."""
    for chunk in chunks:
        if chunk.start <= start and start + len(text) <= chunk.end and text in chunk.text:
            return chunk
    return next((chunk for chunk in chunks if text in chunk.text), None)


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    size = len(part)
    return any(list(words[i : i + size]) == list(part) for i in range(len(words) - size + 1))
