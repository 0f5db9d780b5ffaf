"""Citation verification, shared by every answer writer: a claim reaches the user only if its quote is verbatim
in the cited passage and that passage is in the index (committed, same content)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.records import Citation
from ingest.records import Chunk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A sentence a writer proposes, with the passage it cites and the quote that supports it."""

    sentence: str
    chunk: Chunk
    quote: str


def verify_claims(
    claims: Sequence[Claim], lookup_chunks: Callable[[Sequence[str]], Mapping[str, Chunk]]
) -> tuple[list[Claim], list[Claim]]:
    """Split claims into (verified, rejected).

    ``lookup_chunks`` returns the indexed chunks for ids (the store's ``get_chunks``); a claim passes when its
    quote is non-empty and occurs verbatim in both the passage it carries and the indexed passage.
    """
    indexed = lookup_chunks(sorted({claim.chunk.chunk_id for claim in claims})) if claims else {}
    verified: list[Claim] = []
    rejected: list[Claim] = []
    for claim in claims:
        stored = indexed.get(claim.chunk.chunk_id)
        ok = (
            bool(claim.quote.strip())
            and stored is not None
            and stored.content_hash == claim.chunk.content_hash
            and claim.quote in claim.chunk.text
            and claim.quote in stored.text
        )
        (verified if ok else rejected).append(claim)
    for claim in rejected:
        logger.warning("dropped an unverifiable citation to %s: %r", claim.chunk.chunk_id, claim.quote[:80])
    return verified, rejected


def number_citations(claims: Sequence[Claim]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a ``[n]`` after every sentence, and the numbered citations (one per sentence)."""
    citations = tuple(Citation(n=n, chunk=claim.chunk, quote=claim.quote) for n, claim in enumerate(claims, start=1))
    text = " ".join(f"{claim.sentence.strip()} [{c.n}]" for claim, c in zip(claims, citations, strict=True))
    return text, citations
