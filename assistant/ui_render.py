"""Rendering for the web UI: answers as chat Markdown, citations as an HTML sources panel.

Everything that reaches ``gr.HTML`` is built here from ``html.escape``d text plus our own tags: Gradio's HTML
component renders raw markup and runs inline event handlers, and the documents are not ours to trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote

from assistant.export import DOC_TYPE_LABELS
from assistant.records import Answer, AnswerSentence, Citation
from ingest.records import IndexedDocument

NOT_COVERED = "The documents don't cover this."
EMPTY_INDEX = "No documents are indexed yet — run `policydesk ingest corpus/` first."
FILTER_FIELDS = ("country", "region", "project", "theme")


def anchor(turn: int, n: int) -> str:
    """The element id of citation ``n`` of answer number ``turn`` in the sources panel."""
    return f"source-{turn}-{n}"


def linked_sentences(sentences: Sequence[AnswerSentence], turn: int) -> str:
    """Chat Markdown: markup in the text shown as text; each citation number a link to its source in the panel."""
    return " ".join(
        " ".join([escape(s.text, quote=False), *(f"[[{n}]](#{anchor(turn, n)})" for n in s.citations)])
        for s in sentences
    )


def chat_markdown(answer: Answer, turn: int) -> str:
    """The whole chat message for an answer (an abstention names the nearest documents)."""
    if answer.abstained:
        lines = [f"**{NOT_COVERED}**"]
        if answer.abstention_reason:
            lines += ["", f"_Why: {escape(answer.abstention_reason)}._"]
        if answer.nearest:
            lines += ["", "The nearest documents are:"]
            lines += [f"- {escape(d.title)} ({type_label(d.doc_type)}{_page(d.page)})" for d in answer.nearest]
        return "\n".join(lines)
    return linked_sentences(answer.sentences, turn)


def stream_parts(answer: Answer, turn: int) -> Iterator[str]:
    """The chat message growing sentence by sentence, ending with :func:`chat_markdown`."""
    if not answer.abstained:
        for end in range(1, len(answer.sentences)):
            yield linked_sentences(answer.sentences[:end], turn)
    yield chat_markdown(answer, turn)


def safe_markdown(markdown: str) -> str:
    """Markdown whose embedded HTML tags show as text (``<`` escaped; Markdown syntax such as ``>`` kept)."""
    return markdown.replace("&", "&amp;").replace("<", "&lt;")


def type_label(doc_type: str) -> str:
    """'policy brief' / 'helpdesk answer' / 'good practice'."""
    return DOC_TYPE_LABELS.get(doc_type, doc_type)


def _page(page: int | None) -> str:
    return f", p. {page}" if page is not None else ""


def highlight(text: str, quote_text: str) -> str:
    """Escaped ``text`` with the first occurrence of ``quote_text`` wrapped in ``<mark>``."""
    start = text.find(quote_text) if quote_text else -1
    if start < 0:
        return escape(text)
    end = start + len(quote_text)
    return f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"


def pdf_link(source_path: str, page: int | None) -> str | None:
    """The app URL that opens a PDF at ``page`` (served through Gradio's file route), or None."""
    if not source_path.lower().endswith(".pdf"):
        return None
    url = f"/gradio_api/file={quote(str(Path(source_path).resolve()))}"
    return f"{url}#page={page}" if page is not None else url


def citation_html(citation: Citation, turn: int) -> str:
    """One source card: number, title, type, page, section, the passage with the quote highlighted."""
    chunk = citation.chunk
    meta = [type_label(chunk.doc_type)]
    if chunk.page is not None:
        meta.append(f"p. {chunk.page}")
    if chunk.section:
        meta.append(chunk.section)
    link = pdf_link(chunk.source_path, chunk.page)
    open_pdf = f' · <a href="{escape(link)}" target="_blank" rel="noopener">open PDF at this page</a>' if link else ""
    return (
        f'<div class="pd-source" id="{anchor(turn, citation.n)}">'
        f'<div class="pd-source-head"><b>[{citation.n}]</b> {escape(chunk.title)}</div>'
        f'<div class="pd-source-meta">{escape(" · ".join(meta))}{open_pdf}</div>'
        f'<blockquote class="pd-passage">{highlight(chunk.text, citation.quote)}</blockquote></div>'
    )


def answer_sources_html(answer: Answer, turn: int) -> str:
    """The sources of one answer (or its nearest documents when it abstained)."""
    if answer.abstained:
        items = "".join(
            f"<li>{escape(d.title)} <span class='pd-source-meta'>({escape(type_label(d.doc_type))}"
            f"{escape(_page(d.page))})</span></li>"
            for d in answer.nearest
        )
        listing = f"<p>The nearest documents are:</p><ul>{items}</ul>" if items else ""
        return f'<div class="pd-abstained"><p><b>{escape(NOT_COVERED)}</b></p>{listing}</div>'
    return "".join(citation_html(c, turn) for c in answer.citations)


def sources_panel(answers: Sequence[Answer]) -> str:
    """The sources panel: the latest answer's sources first; earlier answers' folded below."""
    if not answers:
        return '<p class="pd-empty">Sources of the latest answer appear here.</p>'
    latest = len(answers) - 1
    parts = [
        f'<div class="pd-question">Sources for: <i>{escape(answers[latest].question)}</i></div>',
        answer_sources_html(answers[latest], latest),
    ]
    for turn in range(latest - 1, -1, -1):
        parts.append(
            f'<details class="pd-earlier"><summary>Earlier: {escape(answers[turn].question)}</summary>'
            f"{answer_sources_html(answers[turn], turn)}</details>"
        )
    return f'<div class="pd-sources">{"".join(parts)}</div>'


def filter_options(documents: Iterable[IndexedDocument]) -> dict[str, list[str]]:
    """Distinct country / region / project / theme values of the indexed documents, sorted."""
    values: dict[str, set[str]] = {name: set() for name in FILTER_FIELDS}
    for document in documents:
        metadata = document.metadata or {}
        for name in ("country", "region", "project"):
            if metadata.get(name):
                values[name].add(str(metadata[name]))
        values["theme"].update(str(theme) for theme in metadata.get("themes") or ())
    return {name: sorted(found, key=str.casefold) for name, found in values.items()}


DOCUMENT_HEADERS = ["id", "title", "type", "pages", "chunks", "ingested (UTC)"]


def documents_table(documents: Iterable[IndexedDocument]) -> list[list[object]]:
    """Rows for the documents tab: id, title, type, pages, chunks, ingested at."""
    return [
        [d.doc_id, d.title, type_label(d.doc_type), d.pages, d.chunks, d.ingested_at.replace("T", " ")[:16]]
        for d in documents
    ]


CSS = """
#sources { max-height: 78vh; overflow-y: auto; }
.pd-sources { font-size: 0.92em; }
.pd-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 8px 0;
  scroll-margin-top: 12px; }
.pd-source:target { outline: 3px solid var(--color-accent); }
.pd-source-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.pd-passage { margin: 6px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; }
.pd-passage mark { background: #fde68a; color: #111; padding: 0 2px; }
.pd-question { font-weight: 600; }
.pd-abstained { border-left: 4px solid #f59e0b; padding-left: 10px; }
"""
