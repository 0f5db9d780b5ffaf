"""Answers as data: the ``ask --json`` contract and Markdown with a numbered source list.

The JSON shape is a contract other tooling relies on: fields may be added, never renamed or removed.
"""

from __future__ import annotations

from typing import Any

from assistant.markup import escape_markdown, marked_markdown
from assistant.records import Answer, Citation, Passage
from ingest.records import Chunk


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The ``policydesk ask --json`` object for an answer."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [citation_to_dict(c) for c in answer.citations],
        "retrieved": [passage_to_dict(p) for p in answer.retrieved],
        "timings_ms": {name: round(value, 2) for name, value in answer.timings_ms.items()},
        "confidence": round(answer.confidence, 4),
        "abstention_reason": answer.abstention_reason,
        "nearest_documents": [
            {"doc_id": d.doc_id, "title": d.title, "doc_type": d.doc_type, "page": d.page} for d in answer.nearest
        ],
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in answer.sentences],
        "writer": answer.writer,
        "abstention_kind": answer.abstention_kind,
        "nearest_similarity": round(answer.nearest[0].score, 4) if answer.nearest else None,
        "notice": answer.notice,
        "dropped_sentences": answer.dropped,
    }


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    """A citation as in ``ask --json``."""
    return (
        {"n": citation.n}
        | _chunk_fields(citation.chunk)
        | {
            "source_path": citation.chunk.source_path,
            "quote": citation.quote,
            "text": citation.chunk.text,
            "support": round(citation.support, 4),
        }
    )


def passage_to_dict(passage: Passage) -> dict[str, Any]:
    """A retrieved passage as in ``ask --json``."""
    return (
        {"rank": passage.rank}
        | _chunk_fields(passage.chunk)
        | {"score": round(passage.score, 6), "text": passage.chunk.text}
    )


def _chunk_fields(chunk: Chunk) -> dict[str, Any]:
    """Where a cited or retrieved passage comes from (both contract shapes carry these)."""
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "doc_type": chunk.doc_type,
        "page": chunk.page,
        "section": chunk.section,
    }


DOC_TYPE_LABELS = {"brief": "policy brief", "helpdesk": "helpdesk answer", "good_practice": "good practice"}


def source_line(citation: Citation, *, markdown: bool = False) -> str:
    """'[n] Title — policy brief, p. 4, Section' for source lists (``markdown``: the document's words inert)."""
    chunk = citation.chunk
    shown = escape_markdown if markdown else str
    parts = [DOC_TYPE_LABELS.get(chunk.doc_type, chunk.doc_type)]
    if chunk.page is not None:
        parts.append(f"p. {chunk.page}")
    if chunk.section:
        parts.append(shown(chunk.section))
    return f"[{citation.n}] {shown(chunk.title)} — {', '.join(parts)}"


def quoted_source(citation: Citation) -> str:
    """A Markdown source line with its quote below it."""
    return f"{source_line(citation, markdown=True)}  \n  > {escape_markdown(citation.quote)}"


def answer_to_markdown(answer: Answer) -> str:
    """The answer and its numbered sources, ready to paste."""
    lines = [f"**Question:** {escape_markdown(answer.question)}", "", _sentences_markdown(answer), ""]
    if answer.citations:
        lines += ["**Sources**", ""]
        lines += [quoted_source(c) for c in answer.citations]
    return "\n".join(lines).rstrip() + "\n"


def _sentences_markdown(answer: Answer) -> str:
    return " ".join(marked_markdown(sentence) for sentence in answer.sentences)
