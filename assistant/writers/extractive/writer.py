"""The offline answer writer: picks and orders the corpus's own sentences (no LLM, no API key).

Sentence vectors were computed at ingest, so scoring is a matrix product: the answer step takes milliseconds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from assistant.records import Passage
from assistant.text import asked_names, asked_sentences, content_terms, is_list_question, proper_terms, stems, words
from assistant.text import plain as _plain
from assistant.writers.base import Abstention, AbstentionReason, Claim, Draft, Length, Writer, WriteRequest
from assistant.writers.extractive.answer_types import (
    asked_focus,
    asked_years,
    asks_about_later_events,
    counted_nouns,
    expected_answer_type,
    has_answer_type,
    has_count_of,
    place_forms,
    question_constraints,
    typed_part,
)
from assistant.writers.extractive.structure import (
    SectionIndex,
    defines,
    definition_subjects,
    listed_topic,
    quoted_terms,
    record_field,
    record_label,
    record_request,
    record_terms,
    starts_with_pronoun,
)
from ingest.chunking import context_header
from ingest.records import GOOD_PRACTICE, Chunk, Sentence

LEAD_IN_WORDS = 12
MAX_LIST_PASSAGES = 3  # a list is followed into at most two further passages
HEAD_WORDS = 10  # "• Reorganisation of cluster supply chain networks: …" has a head of 6 words
ENUMERATION_ITEMS = 4  # "Flanders (Belgium), Catalonia (Spain), Pomorskie (Poland), Upper Austria"
ENUMERATION_ITEM_WORDS = 4
NOVEL_SHARE = 0.5  # an elaborating sentence must bring at least this share of new content words


class SentenceSource(Protocol):
    """Where the writer gets sentences and their ingest-time vectors, and a passage's successor (the store)."""

    def sentences_of(self, chunk_ids: Sequence[str]) -> tuple[list[Sentence], np.ndarray]: ...

    def next_chunk(self, chunk: Chunk) -> Chunk | None: ...


@dataclass(frozen=True)
class WriterSettings:
    """Knobs of the extractive writer; defaults tuned on the dev half of evals/questions.jsonl."""

    passages: int = 5
    max_sentences: int = 3
    max_words: int = 120
    # The longer budget of answers that name several things (a list question, a request for good practices) and of
    # a drafted reply's sections, which answer every part of a request and are edited before they are sent: on the
    # 24 spent draft requests key-fact recall went 0.35 (3, 120) -> 0.47 (6, 240) -> 0.54 (8, 320), precision flat.
    long_sentences: int = 8
    long_words: int = 320
    keyword_weight: float = 0.35
    rank_weight: float = 0.05
    margin: float = 0.2
    redundancy: float = 0.85
    min_similarity: float = 0.45
    typed_pool: int = 3
    title_weight: float = 0.1


@dataclass(frozen=True)
class _Candidate:
    sentence: Sentence
    passage: Passage
    score: float
    similarity: float
    support: float  # the sentence's cosine, or its passage's (title and section included) if higher
    vector: np.ndarray
    is_item: bool  # a bullet point: quoted only after the sentence that introduces its list


class ExtractiveWriter(Writer):
    """Answers with the best few non-redundant sentences of the top passages, or abstains."""

    name = "extractive"

    def __init__(
        self,
        sentences: SentenceSource,
        settings: WriterSettings | None = None,
        embed_title: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.sentences = sentences
        self.settings = settings or WriterSettings()
        # The documents' heading lists, set by the Assistant from every indexed chunk (None: answer from sentences).
        self.structure: SectionIndex | None = None
        # Titles are few (one per document) and repeat, so each is embedded once per process.
        self.embed_title = functools.lru_cache(maxsize=4096)(embed_title) if embed_title else None

    def write(self, request: WriteRequest) -> Draft:
        """Compose a draft answer to the request's question (with what a follow-up points to) from its passages."""
        return self.compose(
            request.asked,
            request.query_vector,
            request.passages,
            given=request.question,
            context=request.context_names,
            length=request.length,
            named_records=request.named_records,
            ranking_vector=request.question_vector,
        )

    def compose(
        self,
        question: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        *,
        given: str | None = None,
        context: Sequence[str] = (),
        length: Length = Length.ANSWER,
        named_records: Sequence[str] = (),
        ranking_vector: np.ndarray | None = None,
    ) -> Draft:
        """Compose a draft answer to ``question`` from ``passages`` (best first).

        ``given`` is what the user wrote when ``question`` adds what a follow-up points back to: a fact only the
        added names hold ("Lithuania" of the previous answer) still answers "and in which country is that?".
        ``context`` holds names of who asks ("Portugal" of "an agency in Portugal asks …"): not required.
        ``length`` sets the budget: a chat answer's, or a drafted reply section's (longer).
        ``named_records`` (records whose place or project the request for good practices names) give the lead
        sentence, however far its wording is from the question: their fields match it.
        ``ranking_vector`` (a follow-up's own words) orders the sentences; how well they support an answer is still
        measured against ``query_vector``.
        """
        gap = self.record_gap(given or question, context)
        if gap:
            return gap
        top = list(passages[: self.settings.passages])
        candidates = self._score(question, query_vector, top)
        if not any(not c.is_item for c in candidates):
            return Draft.declined(AbstentionReason.NO_EVIDENCE, "no passage matched the question")
        sentences = [c for c in candidates if not c.is_item]
        named = [c for c in sentences if c.passage.chunk.doc_id in named_records]
        records = [c for c in _of_records(question, sentences) if c.support >= self.settings.min_similarity]
        best = max(named or records or sentences, key=lambda c: c.score)
        cells = self._table_cells(question, top)
        if cells:
            return Draft(cells, None, best.support)
        abstention, key = self._judge(
            question, best, candidates, passages, given or question, set(context), named_by_fields=bool(named)
        )
        if abstention:
            return Draft((), abstention, best.support)
        if ranking_vector is not None:  # whether to answer was judged on the resolved question; what, on its words
            lead = None if key is best else key
            candidates, key = self._reranked(candidates, ranking_vector, lead)
        listed = self._from_structure(question, passages, candidates, key) or self._records(
            question, passages, candidates
        )
        if listed:
            return Draft(listed, None, best.support)
        defining = self._definition(question, passages, candidates, best)
        if defining is not None:
            key = defining  # "What is X?" leads with the sentence that defines X
            candidates = candidates if defining in candidates else [*candidates, defining]
        chosen = self._select(question, candidates, key, self._budget(length, _asks_for_several(question)))
        return Draft(_claims(_in_reading_order(_resolved(chosen, candidates))), None, best.support)

    @staticmethod
    def _reranked(
        candidates: list[_Candidate], ranking_vector: np.ndarray, lead: _Candidate | None
    ) -> tuple[list[_Candidate], _Candidate]:
        """The candidates with their closeness to the question taken as the mean of their cosine to the resolved
        question and to ``ranking_vector``, and the sentence to lead with: the judged ``lead`` (one that holds the
        asked-for fact) kept, or, when the judge just took the closest sentence (None), the closest by the new
        score. Only the cosine term of each score changes: nothing is read or scored again."""
        reranked = [
            replace(c, score=c.score + (float(c.vector @ ranking_vector) - c.similarity) / 2) for c in candidates
        ]
        if lead is not None:  # by identity: candidates hold vectors, which == cannot compare
            return reranked, next((new for old, new in zip(candidates, reranked, strict=True) if old is lead), lead)
        return reranked, max((c for c in reranked if not c.is_item), key=lambda c: c.score)

    def _table_cells(self, question: str, passages: Sequence[Passage]) -> tuple[Claim, ...]:
        """A list question that names the labels of a retrieved table's cells ("Which actions does Table 1 list
        under 'Firm Growth'?") answered by each cell's label and items, each cited to the passage holding it; else
        nothing. Naming a label of a retrieved document is evidence enough: this comes before the judge. A question
        that asks for no list ("What does Table 1 list under …", where "list" is the verb) must name the label as
        written, capitals and all: a reference to the table, not its words in passing ("firm growth")."""
        if self.structure is None:
            return ()
        cells = self.structure.cells_for(question, (p.chunk.doc_id for p in passages))
        if not is_list_question(question):
            cells = [(cell, label) for cell, label in cells if label in question]
        return tuple(
            claim
            for cell, label in cells
            for claim in (
                Claim.quoting(f"{label}:", cell.label_chunk, label),
                *(Claim(item.text, (item,), item=True) for item in cell.items),
            )
        )

    def _from_structure(
        self, question: str, passages: Sequence[Passage], candidates: list[_Candidate], key: _Candidate
    ) -> tuple[Claim, ...]:
        """A list question answered by a document's headings ("the five recommendations"), each cited to the
        passage that holds it, after the retrieved sentence that introduces them, if any; else nothing."""
        if self.structure is None or not is_list_question(question):
            return ()
        titles = {p.chunk.doc_id: p.chunk.title for p in passages}
        heading_list = self.structure.list_for(question, titles, titles)
        if heading_list is None:
            return ()
        lead = [key] if key.passage.chunk.doc_id == heading_list.doc_id else []
        claims = _claims(lead)
        return claims + tuple(Claim(h.text, (h,), item=True) for h in heading_list.items)

    def _definition(
        self, question: str, passages: Sequence[Passage], candidates: list[_Candidate], best: _Candidate
    ) -> _Candidate | None:
        """The best sentence that defines what a "what is X" question asks about: among the candidates, else in
        the other passages of the retrieved documents that mention X (scored as the best candidate)."""
        # A term the asker quotes comes first: "… 'agglomeration economies'. How does it define that term?" is
        # not about "define" and "term".
        for subject in [*quoted_terms(question), *definition_subjects(question)]:
            found = self._defining(subject, passages, candidates, best)
            if found is not None:
                return found
        return None

    def _defining(
        self, subject: list[str], passages: Sequence[Passage], candidates: list[_Candidate], best: _Candidate
    ) -> _Candidate | None:
        defining = [c for c in candidates if not c.is_item and defines(c.sentence.text, subject)]
        if defining:
            return max(defining, key=lambda c: c.score)
        if self.structure is None:
            return None
        seen = {c.sentence.chunk_id for c in candidates}
        chunks = [
            c for c in self.structure.mentioning((p.chunk.doc_id for p in passages), subject) if c.chunk_id not in seen
        ]
        sentences, vectors = self.sentences.sentences_of([c.chunk_id for c in chunks]) if chunks else ([], None)
        by_id = {c.chunk_id: c for c in chunks}
        for index, sentence in enumerate(sentences):
            chunk = by_id[sentence.chunk_id]
            if defines(sentence.text, subject) and is_quotable(sentence.text, chunk):
                passage = Passage(chunk=chunk, rank=len(passages) + 1, score=0.0)
                assert vectors is not None
                return _Candidate(sentence, passage, best.score, best.similarity, best.support, vectors[index], False)
        return None

    def _records(self, question: str, passages: Sequence[Passage], candidates: list[_Candidate]) -> tuple[Claim, ...]:
        """A "which regions …" question about a topic and no record in particular, answered by the retrieved
        good-practice records whose title and themes cover the topic (two at least), each named with its fields
        and its best sentence; else nothing."""
        if expected_answer_type(question) != "place" or _specific_names(question, passages):
            return ()
        records: dict[str, Passage] = {}
        for passage in passages:
            if passage.chunk.doc_type == GOOD_PRACTICE:
                records.setdefault(passage.chunk.doc_id, passage)
        topic = listed_topic(question, [p.chunk for p in records.values()])
        matching = [p for p in records.values() if topic and set(topic) <= record_terms(p.chunk)]
        if len(matching) < 2:
            return ()
        claims = []
        for passage in matching:
            own = [c for c in candidates if c.passage.chunk.doc_id == passage.chunk.doc_id and not c.is_item]
            text = max(own, key=lambda c: c.score).sentence.text if own else None
            chunk = max(own, key=lambda c: c.score).passage.chunk if own else passage.chunk
            if text is None:
                found, _ = self.sentences.sentences_of([chunk.chunk_id])
                text = next((x.text for x in found if is_quotable(x.text, chunk)), None)
            if text:
                claims.append(Claim.quoting(f"{record_label(chunk)}: {text}", chunk, text, item=True))
        return tuple(claims)

    def record_gap(self, question: str, context: Sequence[str] = ()) -> Draft | None:
        """An abstention for a request for good practices that names what no record holds, else None."""
        unmatched = self.structure.unmatched_record_topic(question, context) if self.structure else []
        if not unmatched:
            return None
        return Draft.declined(
            AbstentionReason.NO_EVIDENCE, f"no good practice in the documents mentions {', '.join(unmatched)}"
        )

    def best_sentences(
        self, question: str, query_vector: np.ndarray, passages: Sequence[Passage]
    ) -> list[tuple[str, Passage]]:
        """The quotable sentences of the top passages close enough to the question, best-scoring first (the
        generative writer's evidence: a sentence unrelated to the question, such as instructions planted in a
        document, is never shown to the model)."""
        candidates = self._score(question, query_vector, list(passages[: self.settings.passages]))
        close = [c for c in candidates if not c.is_item and c.similarity >= self.settings.min_similarity]
        return [(c.sentence.text, c.passage) for c in sorted(close, key=lambda c: -c.score)]

    def _score(self, question: str, query_vector: np.ndarray, passages: list[Passage]) -> list[_Candidate]:
        by_chunk = {p.chunk.chunk_id: p for p in passages}
        sentences, vectors = self.sentences.sentences_of(list(by_chunk))
        if not sentences:
            return []
        similarities = vectors @ query_vector
        asked_terms = set(content_terms(asked_sentences(question)))
        # Context before the question counts half: it names the subject as often as the asker's own situation.
        weights = {term: 0.5 for term in content_terms(question)} | dict.fromkeys(asked_terms, 1.0)
        # A passage's title and section are part of what each of its sentences says ("It runs three stages").
        context_terms = {p.chunk.chunk_id: set(content_terms(_context(p.chunk))) for p in passages}
        candidates = []
        for sentence, vector, similarity in zip(sentences, vectors, similarities, strict=True):
            passage = by_chunk[sentence.chunk_id]
            text = sentence.text.strip()
            is_item = _is_bullet(text) and text[-1:] not in ".!?"  # a bullet that is no sentence on its own
            if (
                not (is_item or _is_prose(text))
                or _is_heading(text, passage.chunk)
                or self._heads_a_section(text, passage)
            ):
                continue  # a bullet may follow its lead-in; other sentences must be quotable
            terms = set(content_terms(sentence.text)) | context_terms[sentence.chunk_id]
            overlap = sum(w for t, w in weights.items() if t in terms) / max(1.0, sum(weights.values()))
            score = (
                float(similarity)
                + self.settings.keyword_weight * overlap
                + self.settings.rank_weight / passage.rank
                - self.settings.title_weight * self._title_similarity(vector, passage.chunk.title)
            )
            support = max(float(similarity), passage.dense_score or 0.0)
            candidates.append(_Candidate(sentence, passage, score, float(similarity), support, vector, is_item))
        return candidates

    def _heads_a_section(self, text: str, passage: Passage) -> bool:
        """A heading of another section of the passage's document (one can end a passage)."""
        return self.structure is not None and self.structure.is_heading(text, passage.chunk.doc_id)

    def _title_similarity(self, vector: np.ndarray, title: str) -> float:
        """How much a sentence just restates what its document is about: "… the innovation audit is a programme to
        assess …" matches any question about the audit but answers few ("Did the audit lead to anything concrete?")."""
        if self.embed_title is None or not title:
            return 0.0
        return float(vector @ self.embed_title(title))

    def _judge(
        self,
        question: str,
        best: _Candidate,
        candidates: list[_Candidate],
        passages: Sequence[Passage],
        given: str,
        context: set[str],
        *,
        named_by_fields: bool = False,
    ) -> tuple[Abstention | None, _Candidate]:
        """(why the evidence cannot answer ``question``, or None; the sentence the answer must lead with).

        A question asking for an amount, share, date, project, count, person or place is answered by the best of
        the strongest sentences that holds one, next to the question's rarest name and naming the year the question
        names (that sentence leads the answer); when none does, the assistant abstains. Names are looked for in
        every retrieved passage. A sentence that names all of the question's rare names, or stands in a section the
        question names, is evidence even when its cosine is low (MiniLM encodes "Who is Marek Przeor?" and "Who
        wrote the foreword?" poorly); it then leads the answer.
        """
        if best.support < self.settings.min_similarity and not named_by_fields:
            naming = _naming_sentence(_specific_names(question, passages, context), candidates) or _section_sentence(
                question, candidates
            )
            if naming is None:
                detail = "the closest sentence is too far from the question"
                return Abstention(AbstentionReason.WEAK_EVIDENCE, detail), best
            best = naming
        passage_text = " ".join(_plain(f"{_context(p.chunk)} {p.chunk.text}") for p in passages)
        # Names in the sentences around the asking one say who asks ("Bonjour, je travaille … en Occitanie.").
        # A year the question is about is named like a place: "the 2022 energy price crisis" needs a passage of 2022.
        asking = asked_sentences(question)
        asked = asked_names(asking, given) + asked_years(asking)
        missing = [t for t in asked if t not in context and not _named_in(t, passage_text)]
        if missing:
            detail = f"the documents found do not mention {', '.join(missing)}"
            return Abstention(AbstentionReason.MISSING_NAME, detail), best
        if asks_about_later_events(question):
            detail = "the documents describe the situation when they were written, not what has happened since"
            return Abstention(AbstentionReason.LATER_EVENTS, detail), best
        anchors = _specific_names(question, passages, context)
        # "Has the strategy been adopted yet, and when did the city approve it?" asks for a date in its second part.
        part = typed_part(question)
        answer_type, nouns = expected_answer_type(part), counted_nouns(part)
        if not (answer_type or nouns):
            # "What does Upper Austria fund?" is not answered by a sentence that lists Upper Austria among others
            # (unless the question lists names itself).
            listing = anchors and question.count(",") < 2
            if listing and _only_listed(anchors, candidates):
                return _missing(f"the documents only list {', '.join(anchors)} among others"), best
            kind = asked_focus(part)
            if kind and not _speaks_of(kind, _strongest(candidates, self.settings.typed_pool), candidates):
                return _missing("no passage speaks of the kind of thing the question asks for"), best
            return None, best
        # In a two-part question the fact asked for is about the names of its own part, not the other part's.
        anchors = [a for a in anchors if _named_in(a, _plain(part))]
        return self._typed_lead(given, answer_type, nouns, anchors, candidates, best, context)

    def _typed_lead(
        self,
        question: str,
        answer_type: str | None,
        nouns: set[str],
        anchors: list[str],
        candidates: list[_Candidate],
        best: _Candidate,
        context: set[str],
    ) -> tuple[Abstention | None, _Candidate]:
        """The strongest sentence holding the asked-for kind of fact (one that ``question``, as the user wrote it,
        does not name itself), about ``anchors`` and the years and countries ``question`` names; or why there is
        none."""
        asked = answer_type or "count"
        strong = _strongest(candidates, self.settings.typed_pool)
        # Sentences that state the fact themselves come first; then those that need their neighbourhood.
        found = [
            index
            for scope in ("sentence", "nearby")
            for index, c in enumerate(strong)
            if (
                has_answer_type(_typed_text(c, candidates, answer_type, scope), answer_type, question)
                or (scope == "nearby" and _field_gives(c, answer_type, question))
            )
            and (not nouns or has_count_of(c.sentence.text, nouns, question))
        ]
        typed = [strong[index] for index in dict.fromkeys(found)]
        if not typed:
            return _missing(f"no passage gives the {asked} the question asks for"), best
        anchored = [c for c in typed if all(_named_in(a, _neighbourhood(c, candidates)) for a in anchors)]
        if not anchored:
            return _missing(f"no passage gives the {asked} for {', '.join(anchors)}"), best
        # A follow-up resolved with the previous answer's names ("… Belgium, Spain") is constrained only by what the
        # user wrote: those names say what "that" was, not where the fact must be.
        constraints = [c for c in question_constraints(question) if c not in context]
        fitting = [c for c in anchored if all(_named_in(n, _neighbourhood(c, candidates)) for n in constraints)]
        if not fitting:
            return _missing(f"no passage gives the {asked} for {', '.join(constraints)}"), best
        return None, fitting[0]

    def _budget(self, length: Length, several: bool = False) -> tuple[int, int]:
        """(sentences, words) an answer of ``length`` may have."""
        if length is Length.REPLY or several:
            return self.settings.long_sentences, self.settings.long_words
        return self.settings.max_sentences, self.settings.max_words

    def _select(
        self, question: str, candidates: list[_Candidate], best: _Candidate, limits: tuple[int, int]
    ) -> list[_Candidate]:
        """Greedy MMR from ``best`` (the lead sentence) within a margin of its score, under the budgets; a slot left
        over goes to the sentence that follows the lead, which often carries on its point ("… to create and maintain
        trust between the partners. Trust is essential to …")."""
        pool = [c for c in candidates if not c.is_item and c.score >= best.score - self.settings.margin]
        max_sentences, max_words = limits
        chosen = [best]
        budget = max_words - len(words(best.sentence.text))
        # A lead-in that ends with a colon ("… five challenges for clusters, namely:") is never quoted without its list.
        if is_list_question(question) or best.sentence.text.rstrip().endswith(":"):
            items = _fit_list(self._list(best, candidates), budget)
            chosen += items
            budget -= sum(len(words(i.sentence.text)) for i in items)
        while len(chosen) < max_sentences:
            remaining = [
                c
                for c in pool
                if c not in chosen
                and c.support >= self.settings.min_similarity  # no padding with barely related sentences
                and len(words(c.sentence.text)) <= budget
            ]
            remaining = [
                c for c in remaining if max(float(c.vector @ s.vector) for s in chosen) < self.settings.redundancy
            ]
            if not remaining:
                break
            pick = max(remaining, key=lambda c: c.score - 0.5 * max(float(c.vector @ s.vector) for s in chosen))
            chosen.append(pick)
            budget -= len(words(pick.sentence.text))
        elaboration = _elaboration(best, candidates, chosen)
        if len(chosen) < max_sentences and elaboration and len(words(elaboration.sentence.text)) <= budget:
            chosen.append(elaboration)
        return chosen

    def _list(self, best: _Candidate, candidates: list[_Candidate]) -> list[_Candidate]:
        """A list's items after its lead-in ``best``, continued into the next passage when the list runs on."""
        if not _is_lead_in(best.sentence.text):
            return []
        items = _following(best, candidates)
        if items and not _is_whole(items[-1].sentence.text):
            items = items[:-1]  # cut by the passage's end; the next passage repeats it whole
        for _ in range(MAX_LIST_PASSAGES - 1):
            last = items[-1] if items else best
            more = self._continuation(last) if _runs_on(last) else []
            if not more:
                break
            items += more
        return items

    def _continuation(self, last: _Candidate) -> list[_Candidate]:
        """The list items that open the passage after ``last``'s (sentences after ``last``, up to non-items)."""
        chunk = last.passage.chunk
        following = self.sentences.next_chunk(chunk)
        if following is None:
            return []
        sentences, vectors = self.sentences.sentences_of([following.chunk_id])
        resume = chunk.start + last.sentence.end if following.page == chunk.page else None
        passage = Passage(chunk=following, rank=last.passage.rank, score=0.0)
        items: list[_Candidate] = []
        for sentence, vector in zip(sentences, vectors, strict=True):
            if resume is not None and following.start + sentence.start < resume:
                continue  # the overlap both passages share
            within_item = bool(items) and "\n" not in following.text[items[-1].sentence.end : sentence.start]
            if not (_is_bullet(sentence.text) or within_item):
                break
            items.append(_Candidate(sentence, passage, 0.0, 0.0, 0.0, vector, True))
        if items and not _is_whole(items[-1].sentence.text):
            items = items[:-1]
        return items


def _asks_for_several(question: str) -> bool:
    """A list question, or a request for good practices (named, then what each did): the longer budget."""
    return is_list_question(question) or bool(record_request(asked_sentences(question)))


def _of_records(question: str, sentences: Sequence[_Candidate]) -> list[_Candidate]:
    """The sentences of good-practice records when ``question`` asks for good practices ("Is there a good practice
    where a region pays …?"): a record answers it, a brief that mentions the topic does not."""
    if not record_request(asked_sentences(question)):
        return []
    return [c for c in sentences if c.passage.chunk.doc_type == GOOD_PRACTICE]


def _claims(chosen: Sequence[_Candidate]) -> tuple[Claim, ...]:
    """One claim per sentence, quoting itself; a good-practice record's first sentence is led by the record's name
    and fields ("Santara Valley (CLUSTERFY; Lithuania): In the Interreg Europe project …"). Each bullet is an item
    of the answer (what a follow-up's "the third one" counts), whether or not it is a sentence of its own; a
    sentence that carries on a bullet ("Moreover, …") is not."""
    claims, named = [], set()
    for c in chosen:
        chunk, text = c.passage.chunk, c.sentence.text
        sentence = text
        if chunk.doc_type == GOOD_PRACTICE and chunk.doc_id not in named:
            named.add(chunk.doc_id)
            sentence = f"{record_label(chunk)}: {text}"
        claims.append(Claim.quoting(sentence, chunk, text, item=_is_bullet(text)))
    return tuple(claims)


def _resolved(chosen: list[_Candidate], candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """The chosen sentences, each one that opens with "It", "They", "This" … preceded by the sentence before it in
    its passage (what the pronoun stands for), or left out when there is none; a good-practice record's sentence
    is led by the record's name instead (``_claims``)."""
    kept: list[_Candidate] = []
    for c in chosen:
        if c.passage.chunk.doc_type == GOOD_PRACTICE or not starts_with_pronoun(c.sentence.text):
            kept.append(c)
            continue
        before = _preceding(c, candidates)
        quoted = {(k.sentence.chunk_id, k.sentence.start) for k in [*chosen, *kept]}
        if before is not None and (before.sentence.chunk_id, before.sentence.start) not in quoted:
            kept += [before, c]
        elif before is not None or len(chosen) == 1 or _opens_section(c):
            kept.append(c)
    return kept


def _opens_section(candidate: _Candidate) -> bool:
    """Whether ``candidate`` is the first sentence under its section's heading: a pronoun there stands for what the
    heading or the document names ("5. Policy Recommendations — This policy brief provides five …")."""
    chunk = candidate.passage.chunk
    return bool(chunk.section) and chunk.text[: candidate.sentence.start].strip() == chunk.section


def _preceding(candidate: _Candidate, candidates: Sequence[_Candidate]) -> _Candidate | None:
    """The quotable sentence just before ``candidate`` in its passage."""
    before = [
        c
        for c in candidates
        if c.sentence.chunk_id == candidate.sentence.chunk_id and c.sentence.end <= candidate.sentence.start
    ]
    return max(before, key=lambda c: c.sentence.start) if before else None


def _missing(detail: str) -> Abstention:
    return Abstention(AbstentionReason.MISSING_FACT, detail)


def _strongest(candidates: Sequence[_Candidate], count: int) -> list[_Candidate]:
    """The ``count`` best-scoring sentences (not list items), best first."""
    return sorted((c for c in candidates if not c.is_item), key=lambda c: c.score, reverse=True)[:count]


def _speaks_of(kind: frozenset[str], strong: Sequence[_Candidate], candidates: Sequence[_Candidate]) -> bool:
    """Whether a strong sentence, the one before it, or its title and section holds a word (stem) for ``kind``."""
    return any(kind & set(stems(words(_neighbourhood(c, candidates)))) for c in strong)


def _specific_names(question: str, passages: Sequence[Passage], context: Iterable[str] = ()) -> list[str]:
    """The question's rarest names among the passages, if at most half mention them: what the answer is about.

    "InoStartas" in a question anchors it; "Interreg Europe", mentioned everywhere, does not.
    """
    texts = [_plain(p.chunk.text) for p in passages]
    names = [t for t in dict.fromkeys(proper_terms(question)) if t not in context]
    counts = {t: sum(_named_in(t, text) for text in texts) for t in names}
    if not counts or min(counts.values()) > len(texts) / 2:
        return []
    rarest = min(counts.values())
    return [t for t, n in counts.items() if n == rarest]


def _naming_sentence(names: Sequence[str], candidates: Sequence[_Candidate]) -> _Candidate | None:
    """The best-scoring sentence that names every one of ``names`` itself, if any."""
    naming = [
        c for c in candidates if not c.is_item and names and all(_named_in(n, _plain(c.sentence.text)) for n in names)
    ]
    return max(naming, key=lambda c: c.score) if naming else None


def _section_sentence(question: str, candidates: Sequence[_Candidate]) -> _Candidate | None:
    """The best-scoring sentence of a section the question names whole ("Who wrote the foreword?" -> "Foreword")."""
    asked = set(content_terms(question))
    in_section = [
        c
        for c in candidates
        if not c.is_item and (terms := set(content_terms(c.passage.chunk.section or ""))) and terms <= asked
    ]
    return max(in_section, key=lambda c: c.score) if in_section else None


def _only_listed(names: Sequence[str], candidates: Sequence[_Candidate]) -> bool:
    """Whether the sentences naming ``names`` merely enumerate them with others ("such as Flanders (Belgium),
    Catalonia (Spain), Pomorskie (Poland), …"): the documents mention the name but say nothing about it."""
    naming = [c.sentence.text for c in candidates if any(_named_in(n, _plain(c.sentence.text)) for n in names)]
    return bool(naming) and all(_in_enumeration(text, names) for text in naming)


def _in_enumeration(text: str, names: Sequence[str]) -> bool:
    """Whether a name stands in a run of at least ``ENUMERATION_ITEMS`` short comma-separated items ("and" joins the
    last two into one item: "Agency for Science, Innovation and Technology (MITA)" is one name, not a list)."""
    items = [_plain(item) for item in text.split(",")]
    # "Lower and Upper Austria (Austria)" is a short item: the country in brackets only places it.
    short = [len(words(re.sub(r"\([^)]*\)", "", item))) <= ENUMERATION_ITEM_WORDS for item in items]
    for index, item in enumerate(items):
        if any(_named_in(n, item) for n in names):
            start, end = index, index
            while start > 0 and short[start - 1]:
                start -= 1
            while end + 1 < len(items) and short[end + 1]:
                end += 1
            if short[index] and end - start + 1 >= ENUMERATION_ITEMS:
                return True
    return False


def _neighbourhood(candidate: _Candidate, candidates: Sequence[_Candidate], *, lower: bool = True) -> str:
    """The sentence, the one before it, and its passage's title, section and fields: what the sentence is about."""
    chunk = candidate.passage.chunk
    before = [
        c.sentence.text
        for c in candidates
        if c.sentence.chunk_id == chunk.chunk_id and c.sentence.end <= candidate.sentence.start
    ]
    text = " ".join([_context(chunk), *before[-1:], candidate.sentence.text])
    return _plain(text) if lower else text


def _field_gives(candidate: _Candidate, answer_type: str | None, question: str) -> bool:
    """Whether the sentence's record holds the fact in a field the question does not name: its Project field
    answers "which project", whatever the name's shape ("S3Seed" is no acronym)."""
    project = record_field(candidate.passage.chunk, "project") if answer_type == "project" else ""
    return bool(project) and not _named_in(project, _plain(question))


def _typed_text(candidate: _Candidate, candidates: Sequence[_Candidate], answer_type: str | None, scope: str) -> str:
    """Where a fact of ``answer_type`` may stand: the sentence, or (scope "nearby") a person or place in a record
    field, a project named just before ("… in TITTAN. The project focuses on …"); figures must be in the sentence."""
    if scope == "nearby" and answer_type == "project":
        return _neighbourhood(candidate, candidates, lower=False)
    if scope == "nearby" and answer_type in ("person", "place"):
        fields = context_header("", None, candidate.passage.chunk.metadata)  # a heading is not an answer
        return f"{fields}\n{candidate.sentence.text}"
    return candidate.sentence.text


def _named_in(name: str, text: str) -> bool:
    """Whether ``text`` (lower-cased) names ``name``, in the singular ("the basques" -> "basque"), or the country
    of a nationality ("italian" -> "italy") or the nationality of a country ("france" -> "french")."""
    name = _plain(name)
    singular = name.removesuffix("s") if len(name) > 3 else name
    return singular in text or any(form in text for form in place_forms(name))


def _context(chunk: Chunk) -> str:
    """The title, section and record fields a passage is read with (as at ingest)."""
    return context_header(chunk.title, chunk.section, chunk.metadata)


def is_quotable(text: str, chunk: Chunk) -> bool:
    """Whether a sentence of ``chunk`` can stand alone in an answer: prose, not a heading or a question."""
    return _is_prose(text) and not _is_heading(text, chunk)


def _is_heading(text: str, chunk: Chunk) -> bool:
    """A heading repeated in the text ("To promote cross-cluster collaboration." under "Policy recommendation 5.
    To promote cross-cluster collaboration."), or a question the document asks itself: neither answers."""
    bare = text.strip().rstrip(".")
    return text.rstrip().endswith("?") or any(
        bare and bare in (heading or "") for heading in (chunk.section, chunk.title)
    )


def _is_prose(text: str) -> bool:
    """Skip headings and fragments: a sentence has a few words and ends like one.

    A chunk boundary can cut a sentence ("… coordinates the implementation of the"), and so can a page break
    (its tail opens the next page in lower case: "cluster activities to achieve …"); quoting either would read as
    a broken answer, and the whole sentence is in the neighbouring chunk. A name may open in lower case
    ("iWATERMAP"), a word may not.
    """
    text = text.strip()
    return len(words(text)) >= 4 and text[-1:] in '.!?:;)"”’' and not re.match(r"[a-z]{2}", text)


def _is_lead_in(text: str) -> bool:
    """A sentence that introduces a list: it ends with ':' or is short ("Cluster-based policies have also risks.")."""
    return text.rstrip().endswith(":") or len(words(text)) < LEAD_IN_WORDS


def _following(best: _Candidate, candidates: list[_Candidate]) -> list[_Candidate]:
    """The sentences after ``best`` in its passage, in order."""
    return sorted(
        (
            c
            for c in candidates
            if c.sentence.chunk_id == best.sentence.chunk_id and c.sentence.start > best.sentence.start
        ),
        key=lambda c: c.sentence.start,
    )


def _elaboration(best: _Candidate, candidates: list[_Candidate], chosen: list[_Candidate]) -> _Candidate | None:
    """The sentence right after ``best`` in its passage, if quotable, not yet chosen and mostly saying new things
    (a good-practice record repeats its opening in a longer sentence further on)."""
    following = _following(best, candidates)[:1]
    if not following or following[0] in chosen or following[0].is_item:
        return None
    after = following[0]
    if best.passage.chunk.text[best.sentence.end : after.sentence.start].strip():
        return None  # a heading or a skipped fragment stands between them
    said = {term for c in chosen for term in content_terms(c.sentence.text)}
    terms = set(content_terms(after.sentence.text))
    return after if len(terms - said) >= NOVEL_SHARE * len(terms) else None


def _runs_on(last: _Candidate) -> bool:
    """Whether a list may go on past its passage: the passage ends with the lead-in or a list item."""
    text = last.sentence.text.strip()
    return text.endswith(":") or _is_bullet(text)


def _is_bullet(text: str) -> bool:
    """A list item: the PDF cleaner's "•", or Markdown's "- " / "* "."""
    return text.lstrip().startswith(("•", "- ", "* "))


def _is_whole(text: str) -> bool:
    return text.rstrip()[-1:] in '.!?:;,)"”’'


def _fit_list(items: list[_Candidate], budget: int) -> list[_Candidate]:
    """The whole list if it fits the budget; else each bullet's head ("• Access to talent: …" -> "• Access to
    talent") when every bullet has one and they fit; else the items that fit, in order."""
    if sum(len(words(i.sentence.text)) for i in items) <= budget:
        return items
    bullets = [i for i in items if _is_bullet(i.sentence.text)]
    heads = [_head(i) for i in bullets]
    if bullets and all(heads) and sum(len(words(h.sentence.text)) for h in heads if h) <= budget:
        return [h for h in heads if h]
    fitting = []
    for item in items:
        budget -= len(words(item.sentence.text))
        if budget < 0:
            break
        fitting.append(item)
    return fitting


def _head(item: _Candidate) -> _Candidate | None:
    """The item cut at its colon, when the colon comes within its first ``HEAD_WORDS`` words."""
    text = item.sentence.text
    colon = text.find(":")
    if colon < 0 or len(words(text[:colon])) > HEAD_WORDS:
        return None
    sentence = replace(item.sentence, text=text[:colon], end=item.sentence.start + colon)
    return replace(item, sentence=sentence)


def _in_reading_order(chosen: list[_Candidate]) -> list[_Candidate]:
    """Keep sentences of one passage together and in document order; passages in order of first choice."""
    order = list(dict.fromkeys(c.sentence.chunk_id for c in chosen))
    return sorted(chosen, key=lambda c: (order.index(c.sentence.chunk_id), c.sentence.start))
