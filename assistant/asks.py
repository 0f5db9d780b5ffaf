"""A question of several asks, answered ask by ask: the answers joined into one, with one source list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from assistant.citations import SourceList, quoted
from assistant.records import Answer, AnswerSentence

# What an ask adds to the whole question's answer: its best new sentences, not a second answer (the whole
# question's answer already says what the asks share).
ADDED_PER_ASK = 2


def joined(whole: Answer, parts: Sequence[Answer], per_ask: int = ADDED_PER_ASK) -> Answer:
    """``whole`` (the answer to the whole question) followed by what the answers to its asks add: each one's
    ``per_ask`` best-supported sentences that ``whole`` does not say.

    Nothing is added when the whole question found nothing: its asks alone have lost what they are about.
    """
    if whole.abstained:
        return whole
    sources = SourceList()
    sentences = list(sources.renumber(whole))
    for part in parts:
        if not part.abstained:
            said = set(map(quoted, sources.citations))
            sentences += sources.renumber(_best_new(part, said, per_ask))
    if len(sentences) == len(whole.sentences):
        return whole
    answers = (whole, *parts)
    return replace(
        whole,
        sentences=tuple(sentences),
        citations=tuple(sources.citations),
        timings_ms={key: sum(a.timings_ms.get(key, 0.0) for a in answers) for key in whole.timings_ms},
        dropped=sum(a.dropped for a in answers),
    )


def _best_new(answer: Answer, said: set[tuple[str, str]], limit: int) -> Answer:
    """``answer`` cut to its ``limit`` best-supported sentences that quote something not in ``said`` (passage and
    quote pairs), in its order, and their sources. Quotes, not texts, are compared: a record's first sentence in an
    answer carries its name ("Santara Valley (CLUSTERFY; Lithuania): …"), so one quote can read two ways."""
    new = [s for s in answer.sentences if _quotes(answer, s) - said]
    best = sorted(new, key=lambda s: -max((c.support for n in s.citations if (c := answer.citation(n))), default=0))
    kept = [s for s in new if s in best[:limit]]
    used = {n for s in kept for n in s.citations}
    return replace(answer, sentences=tuple(kept), citations=tuple(c for c in answer.citations if c.n in used))


def _quotes(answer: Answer, sentence: AnswerSentence) -> set[tuple[str, str]]:
    return {quoted(c) for n in sentence.citations if (c := answer.citation(n))}


def distinct(sentences: Iterable[AnswerSentence]) -> list[AnswerSentence]:
    """The sentences, each said once (two asks can find the same sentence)."""
    first: dict[str, AnswerSentence] = {}
    for sentence in sentences:
        first.setdefault(sentence.text, sentence)
    return list(first.values())
