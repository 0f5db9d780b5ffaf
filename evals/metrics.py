"""Metric definitions, one small function each; ``DEFINITIONS`` holds the one-sentence forms the report shows.

Matching is "normalised containment": lower case, citation markers removed, curly quotes straightened and
all whitespace ignored, so an evidence span still matches a passage whose line breaks or spacing differ
(PDF extraction) — the whitespace-insensitive comparison the issue asks for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_MARKER = re.compile(r"\s*\[\d+\]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_CITED_END = re.compile(r"\[\d+\][.!?]?\s*$")  # "Sentence. [1]" (as written) or "Sentence [1]."
# After a [n] marker (1-3 digits; look-behinds must be fixed-width), or at . ! ? before a capital but not after an
# initial ("Lyndon B. Johnson"). Other brackets, such as Wikipedia's "[citation needed]", do not end a sentence.
_SENTENCE_END = re.compile(r"(?<=\[\d\])\s+|(?<=\[\d\d\])\s+|(?<=\[\d\d\d\])\s+|(?<!\b[A-Z]\.)(?<=[.!?])\s+(?=[A-Z])")
HIT_KS = (1, 5, 10)
MRR_K = 10

DEFINITIONS: dict[str, str] = {
    "hit@1": "Share of answerable questions whose first passage holds the evidence span or an accepted answer.",
    "hit@5": "Share of answerable questions with a passage holding the evidence (or an answer) in the top 5.",
    "hit@10": "Share of answerable questions with a passage holding the evidence (or an answer) in the top 10.",
    "mrr@10": "Mean of 1/rank of the first passage holding the evidence within the top 10 (0 when there is none).",
    "key_fact_recall": "Share of must_contain facts found in the answer text (or 1 if any accepted answer appears).",
    "citation_coverage": "Share of answer sentences that end with a citation marker [n] (answered questions only).",
    "citation_precision": "Share of citations whose quote is in the cited passage, which holds the evidence.",
    "unanswerable_abstained": "Share of unanswerable questions (no must_contain/answers/evidence) abstained on.",
    "false_abstention": "Share of answerable questions where the assistant abstained (lower is better).",
}
LOWER_IS_BETTER = frozenset({"false_abstention"})


def normalise(text: str) -> str:
    """Lower case, citation markers removed, whitespace collapsed, curly quotes straightened."""
    text = _MARKER.sub("", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().lower()


def contains(haystack: str, needle: str) -> bool:
    """Normalised containment that ignores whitespace altogether (an empty needle is never contained)."""
    squashed = re.sub(r"\s+", "", normalise(needle))
    return bool(squashed) and squashed in re.sub(r"\s+", "", normalise(haystack))


def is_answerable(question: Mapping[str, Any]) -> bool:
    """A question with no must_contain, answers or evidence is unanswerable: the right reply is to abstain."""
    return bool(question.get("must_contain") or question.get("answers") or question.get("evidence"))


def has_retrieval_target(question: Mapping[str, Any]) -> bool:
    """Retrieval is scored only when there is an evidence span or accepted answers to look for."""
    return bool(question.get("evidence") or question.get("answers"))


def passage_holds_evidence(passage_text: str, question: Mapping[str, Any]) -> bool:
    """A passage is a hit if it contains the evidence span (whitespace-insensitive) or an accepted answer."""
    if question.get("evidence"):
        return contains(passage_text, question["evidence"])
    return any(contains(passage_text, answer) for answer in question.get("answers") or [])


def first_hit_rank(passages: Sequence[str], question: Mapping[str, Any]) -> int | None:
    """1-based rank of the first retrieved passage holding the evidence, or None."""
    for rank, text in enumerate(passages, start=1):
        if passage_holds_evidence(text, question):
            return rank
    return None


def retrieval_scores(passages: Sequence[Mapping[str, Any]], question: Mapping[str, Any]) -> dict[str, Any]:
    """hit@1/5/10, MRR@10 and the first hit's rank for retrieved passages (dicts with chunk_id and text).

    llama-index's ``HitRate`` and ``MRR`` judge relevance by id against a list of expected ids, while our
    ground truth is an evidence *span*, not a chunk id (chunk ids change with chunking settings). So relevance
    is decided here by ``passage_holds_evidence`` and the ids of the relevant retrieved passages become the
    expected ids; llama-index then computes the rank metrics.
    """
    from llama_index.core.evaluation.retrieval.metrics import MRR, HitRate  # heavy: imported when scoring

    ids = [str(p["chunk_id"]) for p in passages]
    relevant = [str(p["chunk_id"]) for p in passages if passage_holds_evidence(str(p["text"]), question)]
    scores: dict[str, Any] = {"first_hit_rank": ids.index(relevant[0]) + 1 if relevant else None}
    for k in HIT_KS:
        scores[f"hit@{k}"] = HitRate().compute(expected_ids=relevant, retrieved_ids=ids[:k]).score if relevant else 0.0
    scores[f"mrr@{MRR_K}"] = MRR().compute(expected_ids=relevant, retrieved_ids=ids[:MRR_K]).score if relevant else 0.0
    return scores


def key_fact_recall(answer_text: str, question: Mapping[str, Any], abstained: bool) -> float | None:
    """Share of must_contain facts found in the answer, or 1 if any accepted answer appears (None: no facts)."""
    if not (question.get("must_contain") or question.get("answers")):
        return None
    if abstained:
        return 0.0
    if question.get("must_contain"):
        facts = question["must_contain"]
        return sum(contains(answer_text, fact) for fact in facts) / len(facts)
    return 1.0 if any(contains(answer_text, a) for a in question["answers"]) else 0.0


def answer_sentences(answer_text: str) -> list[str]:
    """The answer split into sentences (after a citation marker, or at . ! ? before a capital)."""
    return [s for s in _SENTENCE_END.split(answer_text.strip()) if s.strip()]


def citation_coverage(
    answer_text: str, abstained: bool, sentences: Sequence[Mapping[str, Any]] | None = None
) -> float | None:
    """Share of answer sentences that carry a citation (None for an abstention).

    ``sentences`` is the ``ask --json`` field (each with its citation numbers); results written before it existed
    have only the text, whose sentences are then split at their ``[n]`` markers.
    """
    if abstained:
        return None
    if sentences is not None:
        return sum(bool(s.get("citations")) for s in sentences) / len(sentences) if sentences else 0.0
    sentences_text = answer_sentences(answer_text)
    if not sentences_text:
        return 0.0
    return sum(bool(_CITED_END.search(s)) for s in sentences_text) / len(sentences_text)


def citation_is_precise(citation: Mapping[str, Any], question: Mapping[str, Any]) -> bool:
    """The quote is in the cited passage and, where the question has evidence, the passage holds it."""
    quoted = contains(str(citation["text"]), str(citation.get("quote") or ""))
    supports = passage_holds_evidence(str(citation["text"]), question) if question.get("evidence") else True
    return quoted and supports


def citation_precision(citations: Sequence[Mapping[str, Any]], question: Mapping[str, Any]) -> float | None:
    """Share of citations whose quote is in their passage and, where evidence exists, whose passage holds it."""
    if not citations:
        return None
    return sum(citation_is_precise(c, question) for c in citations) / len(citations)


# A question "fails" when one of these checks fails; hit@1 and hit@5 are shown but a later hit is not a failure.
FAILURE_CHECKS = (
    "hit@10",
    "key_fact_recall",
    "citation_coverage",
    "citation_precision",
    "unanswerable_abstained",
    "false_abstention",
)


def checks(scores: Mapping[str, Any]) -> dict[str, bool]:
    """Pass/fail of each metric that applies to one question: binary metrics as they are, shares only when 1."""
    passed = {name: scores[name] == 1.0 for name in ("hit@1", "hit@5", "hit@10") if name in scores}
    for name in ("key_fact_recall", "citation_coverage", "citation_precision", "unanswerable_abstained"):
        if scores.get(name) is not None:
            passed[name] = scores[name] == 1.0
    if scores.get("false_abstention") is not None:
        passed["false_abstention"] = scores["false_abstention"] == 0.0
    return passed


def failed_checks(scores: Mapping[str, Any]) -> list[str]:
    """The failure checks this question fails (empty: it passes)."""
    return [name for name, ok in checks(scores).items() if not ok and name in FAILURE_CHECKS]
