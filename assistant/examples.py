"""What the index knows, in a line, and example questions built from it (the chat's empty state).

The examples come from the indexed documents themselves: a heading that states an aim ("Policy recommendation 3.
To offer personalised support services.") becomes "How can a region offer personalised support services?", and a
good practice's title becomes "What is <title>?". Only questions the assistant answers (it does not abstain) are
offered, so a click on one always shows a cited answer.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from assistant.export import DOC_TYPE_LABELS
from assistant.records import Answer
from ingest.chunking import NOT_STATED
from ingest.records import Chunk, IndexedDocument

logger = logging.getLogger(__name__)

# "Policy recommendation 3. To offer …" / "Box 9. To promote …" / "To create a leadership …": the aim after "To".
_AIM = re.compile(r"^(?:[^\d]*\d{1,2}[.)]\s+)?To\s+(?P<aim>[a-z][^?]*?)\s*[.:]?\s*$")
# Text a question may carry: letters, digits, spaces and plain punctuation (no markup from a hostile document).
_PLAIN = re.compile(r"^[\w\s.,;:?()'’&/–—-]+$")
MAX_WORDS = 14


class Asks(Protocol):
    """What the examples need of the Assistant."""

    def ask(self, question: str) -> Answer: ...


def known_values(documents: Iterable[IndexedDocument], name: str) -> Counter[str]:
    """How many documents carry each value of metadata field ``name`` ("not stated" left out)."""
    counts: Counter[str] = Counter()
    for document in documents:
        value = (document.metadata or {}).get(name)
        values = value if isinstance(value, (list, tuple)) else [value]
        counts.update(str(v).strip() for v in values if v and str(v).strip().lower() != NOT_STATED)
    return counts


def knowledge_summary(documents: Sequence[IndexedDocument], *, themes: int = 5, countries: int = 8) -> str:
    """One line: how many documents of each type, the commonest themes and the countries (plain text)."""
    if not documents:
        return ""
    types = Counter(d.doc_type for d in documents)
    kinds = ", ".join(
        f"{count} {DOC_TYPE_LABELS.get(kind, kind)}{'s' if count != 1 else ''}" for kind, count in sorted(types.items())
    )
    line = f"I know {len(documents)} document{'s' if len(documents) != 1 else ''} ({kinds})."
    top_themes = [theme for theme, _ in known_values(documents, "themes").most_common(themes)]
    if top_themes:
        line += f" Themes include {', '.join(top_themes)}."
    places = sorted(known_values(documents, "country"), key=str.casefold)
    if places:
        shown = places[:countries]
        more = f" and {len(places) - len(shown)} more" if len(places) > len(shown) else ""
        line += f" Good practices from {', '.join(shown)}{more}."
    return line


def candidate_questions(documents: Sequence[IndexedDocument], chunks: Iterable[Chunk]) -> Iterator[str]:
    """Questions built from section headings that state an aim and from good-practice titles, alternating."""
    aims: list[str] = []
    for chunk in chunks:
        match = _AIM.match((chunk.section or "").strip())
        if match:
            aim = match.group("aim").split(":")[0].rstrip(" .")  # "… change : Green and Digital" -> "… change"
            aims.append(f"How can a region {aim}?")
    titles = [
        f"What is {d.title.strip()}?"
        for d in sorted((d for d in documents if d.doc_type == "good_practice"), key=lambda d: len(d.title))
    ]
    heading_questions = list(dict.fromkeys(aims))
    for index in range(max(len(heading_questions), len(titles))):
        for pool in (heading_questions, titles):
            if index < len(pool) and _PLAIN.match(pool[index]) and len(pool[index].split()) <= MAX_WORDS:
                yield pool[index]


def example_questions(
    assistant: Asks, documents: Sequence[IndexedDocument], chunks: Iterable[Chunk], *, limit: int = 6, tries: int = 12
) -> list[str]:
    """Up to ``limit`` questions from the documents that the assistant answers (it is asked each, ``tries`` at
    most; answering takes milliseconds with the extractive writer)."""
    chosen: list[str] = []
    for asked, question in enumerate(candidate_questions(documents, chunks)):
        if len(chosen) >= limit or asked >= tries:
            break
        try:
            answered = not assistant.ask(question).abstained
        except Exception:  # an example is a convenience: a failure must not stop the app from starting
            logger.exception("example question %r failed", question)
            answered = False
        if answered:
            chosen.append(question)
    return chosen
