"""Rendering for the web UI: answers as chat Markdown, citations as an HTML sources panel.

Everything that reaches ``gr.HTML`` is built here from ``html.escape``d text plus our own tags: Gradio's HTML
component renders raw markup and runs inline event handlers, and the documents are not ours to trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from assistant.examples import known_values
from assistant.export import DOC_TYPE_LABELS
from assistant.markup import escape_markdown, joined_markdown
from assistant.records import Answer, AnswerSentence, Citation, Filters
from ingest.records import Chunk, IndexedDocument

NOT_COVERED = "The documents don't cover this."
EMPTY_INDEX = "No documents are indexed yet — run `policydesk ingest corpus/` first."
FILTER_FIELDS = ("country", "region", "project", "theme")


def anchor(turn: int, n: int) -> str:
    """The element id of citation ``n`` of answer number ``turn`` in the sources panel."""
    return f"source-{turn}-{n}"


@dataclass(frozen=True)
class SourceCard:
    """One cited passage of an answer: every citation number and quote that points at it."""

    chunk: Chunk
    numbers: tuple[int, ...]
    quotes: tuple[str, ...]


def source_cards(citations: Sequence[Citation]) -> list[SourceCard]:
    """The citations grouped by passage (one card per chunk), in order of first citation."""
    grouped: dict[str, list[Citation]] = {}
    for citation in citations:
        grouped.setdefault(citation.chunk.chunk_id, []).append(citation)
    return [
        SourceCard(group[0].chunk, tuple(c.n for c in group), tuple(dict.fromkeys(c.quote for c in group)))
        for group in grouped.values()
    ]


def card_targets(citations: Sequence[Citation]) -> dict[int, int]:
    """Citation number -> the number whose card holds it (the first number citing the same passage)."""
    return {n: card.numbers[0] for card in source_cards(citations) for n in card.numbers}


def linked_sentences(sentences: Sequence[AnswerSentence], turn: int, targets: Mapping[int, int] | None = None) -> str:
    """Chat Markdown: the documents' markup (HTML and Markdown) shown as text; each citation number a link to its
    card in the panel (the only links in an answer)."""
    targets = targets or {}
    return joined_markdown(
        (
            " ".join([escape_markdown(s.text), *(f"[[{n}]](#{anchor(turn, targets.get(n, n))})" for n in s.citations)]),
            s.item,
        )
        for s in sentences
    )


def filter_labels(filters: Filters | None) -> list[str]:
    """The active filters in words: "type: good practice", "country: Austria"."""
    if filters is None or filters.is_empty:
        return []
    labels = [f"type: {', '.join(type_label(t) for t in filters.doc_types)}"] if filters.doc_types else []
    return labels + [f"{name}: {getattr(filters, name)}" for name in FILTER_FIELDS if getattr(filters, name)]


def chat_markdown(answer: Answer, turn: int, filters: Filters | None = None) -> str:
    """The whole chat message for an answer (an abstention names the nearest documents and the active filters)."""
    if answer.abstained:
        lines = [f"**{NOT_COVERED}**"]
        if answer.abstention_reason:
            lines += ["", f"_Why: {escape_markdown(answer.abstention_reason)}._"]
        if labels := filter_labels(filters):
            searched = "; ".join(escape_markdown(label) for label in labels)
            lines += [
                "",
                f"_Only documents matching the active filters were searched ({searched}). "
                "Remove a filter chip above the question box to search all documents._",
            ]
        if answer.nearest:
            lines += ["", "The nearest documents are:"]
            lines += [f"- {escape_markdown(d.title)} ({type_label(d.doc_type)}{_page(d.page)})" for d in answer.nearest]
        return "\n".join(lines)
    text = linked_sentences(answer.sentences, turn, card_targets(answer.citations))
    return f"{text}\n\n_{escape_markdown(answer.notice)}_" if answer.notice else text


def stream_parts(answer: Answer, turn: int) -> Iterator[str]:
    """The chat message growing sentence by sentence, ending with :func:`chat_markdown`."""
    if not answer.abstained:
        targets = card_targets(answer.citations)
        for end in range(1, len(answer.sentences)):
            yield linked_sentences(answer.sentences[:end], turn, targets)
    yield chat_markdown(answer, turn)


def safe_markdown(markdown: str) -> str:
    """Markdown whose embedded HTML tags show as text (``<`` escaped; Markdown syntax such as ``>`` kept)."""
    return markdown.replace("&", "&amp;").replace("<", "&lt;")


def type_label(doc_type: str) -> str:
    """'policy brief' / 'helpdesk answer' / 'good practice'."""
    return DOC_TYPE_LABELS.get(doc_type, doc_type)


def _page(page: int | None) -> str:
    return f", p. {page}" if page is not None else ""


def highlight(text: str, quotes: str | Sequence[str]) -> str:
    """Escaped ``text`` with the first occurrence of each quote wrapped in ``<mark>`` (overlaps merged)."""
    spans: list[tuple[int, int]] = []
    for quote_text in [quotes] if isinstance(quotes, str) else quotes:
        start = text.find(quote_text) if quote_text else -1
        if start >= 0:
            spans.append((start, start + len(quote_text)))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        parts += [escape(text[position:start]), f"<mark>{escape(text[start:end])}</mark>"]
        position = end
    return "".join([*parts, escape(text[position:])])


DOCUMENT_ROUTE = "/document/"


def pdf_link(doc_id: str, source_path: str, page: int | None) -> str | None:
    """The app URL that opens a PDF document at ``page``, by document id (no server path), or None."""
    if not source_path.lower().endswith(".pdf"):
        return None
    url = f"{DOCUMENT_ROUTE}{quote(doc_id)}"
    return f"{url}#page={page}" if page is not None else url


def card_html(card: SourceCard, turn: int) -> str:
    """One source card: its numbers, title, type, page, section, the passage with every quote highlighted."""
    chunk = card.chunk
    meta = [type_label(chunk.doc_type)]
    if chunk.page is not None:
        meta.append(f"p. {chunk.page}")
    if chunk.section:
        meta.append(chunk.section)
    link = pdf_link(chunk.doc_id, chunk.source_path, chunk.page)
    open_pdf = f' · <a href="{escape(link)}" target="_blank" rel="noopener">open PDF at this page</a>' if link else ""
    numbers = " ".join(f"<b>[{n}]</b>" for n in card.numbers)
    return (
        f'<div class="pd-source" id="{anchor(turn, card.numbers[0])}" tabindex="-1" '
        f'data-numbers="{" ".join(map(str, card.numbers))}" data-chunk="{escape(chunk.chunk_id)}">'
        f'<div class="pd-source-head">{numbers} {escape(chunk.title)}</div>'
        f'<div class="pd-source-meta">{escape(" · ".join(meta))}{open_pdf}</div>'
        f'<blockquote class="pd-passage">{highlight(chunk.text, card.quotes)}</blockquote></div>'
    )


def citation_html(citation: Citation, turn: int) -> str:
    """The card of a single citation."""
    return card_html(source_cards([citation])[0], turn)


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
    return "".join(card_html(card, turn) for card in source_cards(answer.citations))


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
    """Distinct country / region / project / theme values of the indexed documents, sorted ("not stated" left
    out: it is no place or project anyone filters by)."""
    documents = list(documents)
    fields = {"country": "country", "region": "region", "project": "project", "theme": "themes"}
    return {name: sorted(known_values(documents, field), key=str.casefold) for name, field in fields.items()}


DOCUMENT_HEADERS = ["id", "title", "type", "pages", "chunks", "ingested (UTC)"]


def documents_table(documents: Iterable[IndexedDocument]) -> list[list[object]]:
    """Rows for the documents tab: id, title, type, pages, chunks, ingested at."""
    return [
        [d.doc_id, d.title, type_label(d.doc_type), d.pages, d.chunks, d.ingested_at.replace("T", " ")[:16]]
        for d in documents
    ]


# Grey metadata at #4b5563 on white is 7.6:1 (WCAG AA needs 4.5:1); #d1d5db on Gradio's dark background likewise.
CSS = """
#sources { max-height: 78vh; overflow-y: auto; overscroll-behavior: contain; }
.pd-sources { font-size: 0.92em; }
.pd-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 8px 0;
  overflow-wrap: anywhere; word-break: break-word; }
.pd-source.pd-current { outline: 3px solid var(--color-accent); }
.pd-source-meta { color: #4b5563; font-size: 0.9em; }
.dark .pd-source-meta { color: #d1d5db; }
.pd-passage { margin: 6px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.pd-passage mark { background: #fde68a; color: #111; padding: 0 2px; }
.pd-empty { color: #4b5563; }
.pd-question { font-weight: 600; overflow-wrap: anywhere; }
.pd-abstained { border-left: 4px solid #b45309; padding-left: 10px; }
#chat .message { overflow-wrap: anywhere; }
/* The empty state starts below the chat's floating label, off the box's edge, and scrolls on its own: centred, a
   tall one rose under the label, and the chat's autoscroll then showed its end, never its heading. */
#chat .placeholder { align-items: flex-start; }
#chat .placeholder-content { height: 100%; box-sizing: border-box; overflow-y: auto; padding: 22px 12px 0; }
.pd-chips { gap: 6px; flex-wrap: wrap; min-height: 0; }
.pd-chip { flex: 0 0 auto !important; min-width: 0 !important; border-radius: 999px !important; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible,
[tabindex]:focus-visible, summary:focus-visible, [role="tab"]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
"""

# A citation click scrolls only the sources panel (an anchor jump would scroll the whole page and hide the tabs),
# marks the card and moves focus to it; each answer's accessible label is its visible text, not its Markdown.
HEAD = """
<script>
(() => {
  const scroller = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && node.scrollHeight > node.clientHeight) return node;
    }
    return null;
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#source-"]') : null;
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target || !target.closest("#sources")) return;
    event.preventDefault();
    event.stopPropagation();
    const panel = scroller(target);
    if (panel) panel.scrollTop += target.getBoundingClientRect().top - panel.getBoundingClientRect().top - 8;
    document.querySelectorAll(".pd-source.pd-current").forEach((card) => card.classList.remove("pd-current"));
    target.classList.add("pd-current");
    target.focus({ preventScroll: true });
  }, true);
  let pending = false;
  const relabel = () => {
    pending = false;
    document.querySelectorAll('#chat [data-testid="bot"][aria-label]').forEach((message) => {
      const plain = "PolicyDesk's answer: " + message.innerText.replace(/\\s+/g, " ").trim();
      if (message.getAttribute("aria-label") !== plain) message.setAttribute("aria-label", plain);
    });
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(relabel); }
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  });
})();
</script>
"""


def empty_state(summary: str) -> str:
    """The chat's empty state (Markdown, document text escaped): what the index holds and how to start."""
    lines = ["### Ask about cluster and innovation policy"]
    if summary:
        lines += ["", escape(summary, quote=False)]
    lines += ["", "Type a question below, or start with one of these examples:"]
    return "\n".join(lines)
