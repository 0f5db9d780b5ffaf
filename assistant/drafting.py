"""Draft helpdesk replies, structured like the real ones: policy insights, good practices, further resources.

Each section is answered by the Assistant restricted to its document types, so every statement carries a
verified ``[n]`` citation; the sections' citations are renumbered into one source list for the whole draft.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.asks import distinct
from assistant.citations import SourceList
from assistant.conversation import Turn
from assistant.export import DOC_TYPE_LABELS, source_line
from assistant.markup import escape_markdown, joined_markdown, marked_markdown
from assistant.records import Answer, AnswerSentence, Citation, Filters, Passage
from assistant.text import request_asks
from assistant.writers import AbstentionReason, Claim, Length
from ingest.records import Chunk

NOT_COVERED = "The documents don't cover this."
FURTHER_RESOURCES = "Further resources"
# The writer's verdicts that the documents lack what a request asks for (not merely that its wording is far).
_LACKING = frozenset({AbstentionReason.MISSING_NAME, AbstentionReason.MISSING_FACT, AbstentionReason.LATER_EVENTS})
MAX_RESOURCES = 4
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Policy insights", ("brief", "helpdesk")),
    ("Relevant good practices", ("good_practice",)),
)


class Asker(Protocol):
    """What drafting needs from the Assistant."""

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        context_names: Sequence[str] = (),
        length: Length = Length.ANSWER,
    ) -> Answer: ...

    def asker_names(self, text: str) -> tuple[str, ...]: ...

    def verify(self, claims: Sequence[Claim]) -> list[Claim]: ...


@dataclass(frozen=True)
class DraftSection:
    """One section of a draft: its heading and sentences ending in draft-wide ``[n]`` markers."""

    heading: str
    text: str
    abstained: bool = False


@dataclass(frozen=True)
class DraftReply:
    """A cited draft reply to a helpdesk request, with one numbered source list."""

    request: str
    sections: tuple[DraftSection, ...]
    citations: tuple[Citation, ...]
    retrieved: tuple[Passage, ...] = ()  # what the sections retrieved, section by section

    @property
    def abstained(self) -> bool:
        """Whether every answered section abstains (further resources only point at documents)."""
        return all(section.abstained for section in self.sections if section.heading != FURTHER_RESOURCES)

    @property
    def markdown(self) -> str:
        """The draft ready to paste or download: sections, then the numbered sources with their quotes."""
        lines = ["# Draft helpdesk reply", "", f"**Request:** {escape_markdown(self.request)}", ""]
        for section in self.sections:
            lines += [f"## {section.heading}", "", section.text, ""]
        if self.citations:
            lines += ["## Sources", ""]
            lines += [f"- {source_line(c, markdown=True)}\n  > {escape_markdown(c.quote)}" for c in self.citations]
        return "\n".join(lines).rstrip() + "\n"


def compose_draft(assistant: Asker, request: str, *, filters: Filters | None = None) -> DraftReply:
    """Draft a reply to ``request``: policy insights from briefs and helpdesk answers, then good practices,
    then further resources (other relevant documents), every statement cited.

    Args:
        assistant: answers each section (normally :class:`~assistant.service.Assistant`).
        request: the helpdesk request, e.g. "How can clusters drive the twin transition?".
        filters: optional country / region / project / theme restrictions; document types are set per section.
    """
    base = filters or Filters()
    sources = SourceList()
    sections, answers = [], []
    # Who asks ("a regional development agency in Portugal asks …") is context, not what the documents must say:
    # the request's names that no indexed document mentions are not required.
    context = assistant.asker_names(request)
    asks = request_asks(request)
    for heading, doc_types in SECTIONS:
        section_filters = dataclasses.replace(base, doc_types=doc_types)
        whole = assistant.ask(request, filters=section_filters, context_names=context, length=Length.REPLY)
        section_answers = [*_asks_answered(assistant, asks, whole, section_filters, context), whole]
        answers += section_answers
        said = [a for a in section_answers if not a.abstained]
        sentences = distinct(s for a in said for s in sources.renumber(a))
        if not said:
            text = NOT_COVERED
        elif doc_types == ("good_practice",):
            text = _bulleted_by_document(sentences, sources.citations)
        else:
            text = joined_markdown((marked_markdown(s), s.item) for s in sentences)
        sections.append(DraftSection(heading, text, not said))
    resources = further_resources(answers, sources, assistant.verify)
    if resources:
        sections.append(DraftSection(FURTHER_RESOURCES, resources))
    retrieved = tuple(p for answer in answers for p in answer.retrieved)
    return DraftReply(request, tuple(sections), tuple(sources.citations), retrieved)


def further_resources(
    answers: Sequence[Answer],
    sources: SourceList,
    verify: Callable[[Sequence[Claim]], list[Claim]],
    limit: int = MAX_RESOURCES,
) -> str:
    """Bullets naming relevant documents the sections did not cite, each cited to its best passage's opening
    (a quote that passes the same verification as every answer sentence)."""
    cited = {c.chunk.doc_id for c in sources.citations}
    uncited = [
        p.chunk for p in _best_per_document(p for a in answers for p in a.retrieved) if p.chunk.doc_id not in cited
    ]
    claims = verify([Claim.quoting(_opening(chunk), chunk, _opening(chunk)) for chunk in uncited[:limit]])
    lines: list[str] = []
    for claim in claims:
        chunk = claim.chunk
        n = sources.add(Citation(0, chunk, claim.quote))
        source = str((chunk.metadata or {}).get("source") or "")
        # The record's declared source, as text: a document's URL is data, not a link the app vouches for.
        link = f" — {escape_markdown(source)}" if source.startswith(("http://", "https://")) else ""
        label = DOC_TYPE_LABELS.get(chunk.doc_type, chunk.doc_type)
        lines.append(f"- **{escape_markdown(chunk.title)}** ({label}){link} [{n}]")
    return "\n".join(lines)


def _bulleted_by_document(sentences: Sequence[AnswerSentence], citations: Sequence[Citation]) -> str:
    """One bullet per record, led by its name in bold (the writer's "Title (fields): " lead, else the title), then
    what the record says, in the order the answer gives it."""
    documents = {c.n: c.chunk for c in citations}
    bullets: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for sentence in sentences:
        chunk = documents.get(sentence.citations[0]) if sentence.citations else None
        key = chunk.doc_id if chunk else sentence.text
        marked = marked_markdown(sentence)
        if chunk is not None and key not in labels:
            label, colon, rest = marked.partition(": ")
            title = escape_markdown(chunk.title)
            named = colon and label.startswith(title)
            labels[key], marked = (label, rest) if named else (title, marked)
        bullets.setdefault(key, []).append(marked)
    return "\n".join(
        f"- **{labels[key]}**: {' '.join(texts)}" if key in labels else f"- {' '.join(texts)}"
        for key, texts in bullets.items()
    )


def _asks_answered(
    assistant: Asker, asks: Sequence[str], whole: Answer, filters: Filters, context: Sequence[str]
) -> list[Answer]:
    """Each ask of a request of several answered on its own (a chat answer's length), before what the whole
    request finds: "… whether there are good practices on vouchers, and how big such vouchers usually are" gets
    the sentence that gives their size; a later ask is a follow-up of the one before. None when the request asks
    one thing, or when the whole request found nothing and an ask on its own is for what the documents lack (a
    name, a kind of fact, later events): the other asks alone lose what they are about ("… and how it distributes
    it among Danish clusters")."""
    if len(asks) < 2:
        return []
    # Asked as a conversation: "… and how it distributes it" points back to the ask before it, as a follow-up does.
    answers: list[Answer] = []
    for ask in asks:
        history = [Turn.of(answers[-1])] if answers else []
        answers.append(assistant.ask(ask, filters=filters, context_names=context, history=history))
    if whole.abstained and any(a.abstention_kind in _LACKING for a in answers):
        return []  # the whole request found too little, and one of its asks is for what the documents lack
    return answers


def _best_per_document(passages: Iterable[Passage]) -> list[Passage]:
    best: dict[str, Passage] = {}
    for passage in passages:
        current = best.get(passage.chunk.doc_id)
        if current is None or passage.score > current.score:
            best[passage.chunk.doc_id] = passage
    return sorted(best.values(), key=lambda p: -p.score)


def _opening(chunk: Chunk, limit: int = 200) -> str:
    """The passage's first sentence after any heading (at most ``limit`` characters, cut at a word), verbatim."""
    lines = [line.strip() for line in chunk.text.splitlines() if line.strip()]
    prose = [line for line in lines if line not in (chunk.title, chunk.section) and not line.startswith("#")]
    first = re.split(r"(?<=[.!?])\s", (prose or lines or [""])[0], maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0]
