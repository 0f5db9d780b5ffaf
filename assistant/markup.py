"""Document text shown as text in Markdown: titles, quotes and answer sentences come from documents, which are
not ours to trust, so their Markdown syntax is neutralised wherever the app renders Markdown. Only the app's own
markup (citation links, the PDF link, headings of a draft) stays live.

An image in a title (``![x](http://…)``) would make every browser that shows it fetch the URL (a tracking pixel);
a link in a PDF's text would become a live link in an answer. HTML is escaped too (``<`` and ``&``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import groupby

from assistant.records import AnswerSentence

# Backslash-escapable ASCII punctuation that starts Markdown syntax (CommonMark: any escaped punctuation renders
# as itself, so escaping shows the text unchanged). Not "(", ")" or "!": they only make a link or an image after
# an unescaped "]" or before "[", and escaping them filled a draft sent as plain text with "\(CMO\)".
_SYNTAX = re.compile(r"([\\`*_\[\]#+|~>])")
# "&" starts an entity only as "&name;" or "&#123;": "R&D" is text as it stands, and "R&amp;D" in a draft sent as
# plain text was wrong.
_ENTITY_START = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LINE_START = re.compile(r"^(\s*)(-|\d+\.)(\s)", re.MULTILINE)  # a list item or an ordered item at a line start
_URL_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|www)(:|\.)")  # autolinked literals ("http://…", "www.…")


def escape_markdown(text: str) -> str:
    """``text`` as inert Markdown: it renders as the same characters, with no link, image, emphasis or HTML."""
    escaped = _ENTITY_START.sub("&amp;", text).replace("<", "&lt;")
    escaped = _SYNTAX.sub(r"\\\1", escaped)
    escaped = _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}{m.group(3)}", escaped)
    return _URL_SCHEME.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def marked_markdown(sentence: AnswerSentence) -> str:
    """An answer sentence as inert Markdown, followed by its citation markers (ours: kept as they are)."""
    return " ".join([escape_markdown(sentence.text), *(f"[{n}]" for n in sentence.citations)])


def joined_markdown(parts: Iterable[tuple[str, bool]]) -> str:
    """Sentences already in Markdown (markers included) as text: running sentences in one paragraph, and each list
    item (``True``: a heading, a table cell's bullet, a record of a list) on its own "- " line."""
    blocks = (
        "\n".join(f"- {text}" for text, _ in run) if item else " ".join(text for text, _ in run)
        for item, run in groupby(parts, key=lambda part: part[1])
    )
    return "\n\n".join(blocks)
