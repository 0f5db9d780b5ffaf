"""A deterministic stand-in for the Assistant, for handler tests that need no model or index."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.citations import verify_claims
from assistant.conversation import Turn
from assistant.records import Answer, AnswerSentence, Citation, Filters, NearestDocument
from assistant.service import Final, Interim
from assistant.writers import Claim, Length
from ingest.records import Chunk

HOSTILE = "<script>alert(1)</script> <img src=x onerror=\"document.title='pwned'\">"


def chunk(text: str, *, title: str = "Policy Brief: Clusters", doc_type: str = "brief", page: int | None = 4) -> Chunk:
    """A chunk of a (pretend) PDF brief."""
    return Chunk(
        chunk_id=f"c-{abs(hash(text)) % 10_000}",
        doc_id=f"{doc_type}/{title.split()[0].lower()}",
        text=text,
        page=page,
        section="Policy recommendation 1",
        start=0,
        end=len(text),
        title=title,
        doc_type=doc_type,
        source_path="corpus/briefs/clusters.pdf",
        content_hash="h",
    )


def cited_answer(question: str = "What are vouchers?") -> Answer:
    """Two cited sentences; the second source carries hostile markup."""
    first = chunk("Vouchers are small grants. They buy services from research centres.")
    second = chunk(f"Tyrol gives {HOSTILE} vouchers to firms.", title=f"Alpine {HOSTILE}", doc_type="good_practice")
    return Answer(
        question=question,
        sentences=(
            AnswerSentence("Vouchers are small grants.", (1,)),
            AnswerSentence(f"Tyrol gives {HOSTILE} vouchers to firms.", (2,)),
        ),
        citations=(Citation(1, first, "Vouchers are small grants."), Citation(2, second, f"Tyrol gives {HOSTILE}")),
        abstained=False,
        retrieved=(),
    )


def abstention(question: str = "What is the capital of Peru?") -> Answer:
    """An abstention that names the nearest documents."""
    return Answer(
        question=question,
        sentences=(AnswerSentence("The documents don't cover this question."),),
        citations=(),
        abstained=True,
        retrieved=(),
        nearest=(NearestDocument("gp/santara", "Santara Valley", "good_practice", None, 0.4),),
        abstention_reason=f"the documents found do not mention peru {HOSTILE}",
    )


def verify_verbatim(claims: Sequence[Claim]) -> list[Claim]:
    """The real verification, against the claims' own passages (a fake has no index to look them up in)."""
    return verify_claims(claims, lambda ids: {c.chunk.chunk_id: c.chunk for c in claims})[0]


@dataclass
class FakeAssistant:
    """Records every call; answers with :func:`cited_answer`, or :func:`abstention` for 'Peru'."""

    calls: list[tuple[str, Filters | None, tuple[Turn, ...]]] = field(default_factory=list)

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        context_names: Sequence[str] = (),
        length: Length = Length.ANSWER,
    ) -> Answer:
        self.calls.append((question, filters, tuple(history)))
        return abstention(question) if "Peru" in question else cited_answer(question)

    writer = type("FakeWriter", (), {"name": "extractive"})()

    def stream(self, question: str, *, filters: Filters | None = None, history: Sequence[Turn] = ()):
        """The answer sentence by sentence, as the Assistant streams verified sentences, then the final one."""
        answer = self.ask(question, filters=filters, history=history)
        for end in range(1, len(answer.sentences)) if not answer.abstained else ():
            yield Interim(dataclasses.replace(answer, sentences=answer.sentences[:end]))
        yield Final(answer)

    def documents(self) -> list:
        return []

    def verify(self, claims: Sequence[Claim]) -> list[Claim]:
        return verify_verbatim(claims)

    def asker_names(self, text: str) -> tuple[str, ...]:
        return ()
