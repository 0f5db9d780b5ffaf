"""Metric definitions, one small function each (the report quotes their docstrings)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_MARKER = re.compile(r"\s*\[\d+\]")


def normalise(text: str) -> str:
    """Lower case, citation markers removed, whitespace collapsed, curly quotes straightened."""
    text = _MARKER.sub("", text).replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def is_answerable(question: dict[str, Any]) -> bool:
    """A question with no must_contain, answers or evidence is unanswerable: the right reply is to abstain."""
    return bool(question.get("must_contain") or question.get("answers") or question.get("evidence"))


def passage_holds_evidence(passage_text: str, question: dict[str, Any]) -> bool:
    """A passage is a hit if it contains the evidence span (whitespace-insensitive) or an accepted answer."""
    text = normalise(passage_text)
    if question.get("evidence"):
        return normalise(question["evidence"]) in text
    return any(normalise(a) in text for a in question.get("answers") or [])


def first_hit_rank(passages: Sequence[str], question: dict[str, Any]) -> int | None:
    """1-based rank of the first retrieved passage holding the evidence, or None."""
    for rank, text in enumerate(passages, start=1):
        if passage_holds_evidence(text, question):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    """hit@k: 1 if a passage holding the evidence is among the top k."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    """MRR@k term: 1/rank of the first hit within the top k, else 0."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def key_fact_recall(answer_text: str, question: dict[str, Any], abstained: bool) -> float:
    """Share of must_contain facts found in the answer (all must appear), or 1 if any accepted answer appears."""
    if abstained:
        return 0.0
    text = normalise(answer_text)
    if question.get("must_contain"):
        facts = question["must_contain"]
        return sum(normalise(f) in text for f in facts) / len(facts)
    if question.get("answers"):
        return 1.0 if any(normalise(a) in text for a in question["answers"]) else 0.0
    return 0.0


def citation_coverage(answer_text: str, abstained: bool) -> float | None:
    """Share of answer sentences that end with a citation marker (None for an abstention)."""
    if abstained:
        return None
    sentences = [s for s in re.split(r"(?<=\])\s+|(?<=[.!?])\s+(?=[A-Z])", answer_text.strip()) if s.strip()]
    if not sentences:
        return 0.0
    return sum(bool(re.search(r"\[\d+\]\s*$", s)) for s in sentences) / len(sentences)


def citation_precision(citations: Sequence[dict[str, Any]], question: dict[str, Any]) -> float | None:
    """Share of citations whose quote is in their passage and, where evidence exists, whose passage holds it."""
    if not citations:
        return None
    good = 0
    for citation in citations:
        quoted = bool(citation["quote"]) and citation["quote"] in citation["text"]
        supports = passage_holds_evidence(citation["text"], question) if question.get("evidence") else True
        good += quoted and supports
    return good / len(citations)
