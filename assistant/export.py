"""Answers as data: the ``ask --json`` contract and Markdown with a numbered source list.

The JSON shape is a contract other tooling relies on: fields may be added, never renamed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.markup import escape_markdown, joined_markdown, marked_markdown
from assistant.records import Answer, AnswerSentence, Citation, NearestDocument, Passage
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
        "sentences": [{"text": s.text, "citations": list(s.citations), "item": s.item} for s in answer.sentences],
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
    return joined_markdown((marked_markdown(sentence), sentence.item) for sentence in answer.sentences)


def conversation_to_markdown(answers: Sequence[Answer]) -> str:
    """A whole conversation: every question and answer in order, each with its numbered sources."""
    parts = ["# PolicyDesk conversation", ""]
    for turn, answer in enumerate(answers, start=1):
        parts += [f"## {turn}. {escape_markdown(answer.question)}", "", answer_to_markdown(answer).rstrip(), ""]
    return "\n".join(parts).rstrip() + "\n"


def answer_from_dict(data: Mapping[str, Any]) -> Answer:
    """An Answer back from its :func:`answer_to_dict` object (a conversation kept in the browser).

    What the contract does not carry comes back empty: chunk offsets and hashes, the passages' file paths.
    """
    citations = tuple(
        Citation(int(c["n"]), _chunk(c), str(c.get("quote", "")), float(c.get("support", 1.0)))
        for c in data.get("citations") or ()
    )
    retrieved = tuple(
        Passage(_chunk(p), int(p.get("rank", 0)), float(p.get("score", 0.0))) for p in data.get("retrieved") or ()
    )
    nearest = tuple(
        NearestDocument(str(d["doc_id"]), str(d["title"]), str(d["doc_type"]), d.get("page"), 0.0)
        for d in data.get("nearest_documents") or ()
    )
    sentences = tuple(
        AnswerSentence(str(s["text"]), tuple(int(n) for n in s.get("citations") or ()), bool(s.get("item", False)))
        for s in data.get("sentences") or ()
    )
    return Answer(
        question=str(data.get("question", "")),
        sentences=sentences,
        citations=citations,
        abstained=bool(data.get("abstained")),
        retrieved=retrieved,
        timings_ms={str(k): float(v) for k, v in (data.get("timings_ms") or {}).items()},
        nearest=nearest,
        confidence=float(data.get("confidence") or 0.0),
        abstention_reason=str(data.get("abstention_reason") or ""),
        abstention_kind=str(data.get("abstention_kind") or ""),
        writer=str(data.get("writer") or "extractive"),
        notice=str(data.get("notice") or ""),
        dropped=int(data.get("dropped_sentences") or 0),
    )


def _chunk(data: Mapping[str, Any]) -> Chunk:
    text = str(data.get("text", ""))
    return Chunk(
        chunk_id=str(data["chunk_id"]),
        doc_id=str(data["doc_id"]),
        text=text,
        page=data.get("page"),
        section=data.get("section"),
        start=0,
        end=len(text),
        title=str(data.get("title", "")),
        doc_type=str(data.get("doc_type", "")),
        source_path=str(data.get("source_path", "")),
        content_hash="",
    )
