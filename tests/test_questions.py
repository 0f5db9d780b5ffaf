"""The evaluation questions: schema, coverage, and evidence that really occurs in the corpus as PolicyDesk
sees it (loaded and cleaned by the ingest pipeline), in the stated document and on the stated page."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.cleaning import clean_document
from ingest.loading import doc_id_for, find_source_files, load_document

REPO_ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = REPO_ROOT / "evals" / "questions.jsonl"
# Independent sets written by helpers who never ran the assistant, every evals/questions_holdout*.jsonl: split name
# ("holdout7") -> file, in order. Each was scored once on first use (README, "Evaluation") and is spent after it; a
# set still sealed is named in tests/snapshots/spent.py's SEALED (38 and 39 are now). These tests read only the files.
HOLDOUTS = {
    path.stem.removeprefix("questions_"): path
    for path in sorted((REPO_ROOT / "evals").glob("questions_holdout*.jsonl"), key=lambda p: (len(p.stem), p.stem))
}
CORPUS = REPO_ROOT / "corpus"
KINDS = {"factoid", "definition", "list", "comparison", "multi-hop", "good-practice lookup", "unanswerable"}
# Sets 21 and later also have helpdesk-style kinds: a good-practice question, a draft request, a follow-up, another
# language.
KINDS |= {"good-practice", "draft", "follow-up", "multilingual"}
SPLITS = {"dev", "test"}
HOLDOUT_SPLITS = set(HOLDOUTS)
FIELDS = {"id", "question", "answer", "must_contain", "evidence", "doc_id", "page", "kind", "split"}
# "history": the earlier questions of a follow-up's conversation; "mode": "draft" for a request to draft a reply.
OPTIONAL_FIELDS = {"history", "mode"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _load_questions(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


QUESTION_LIST = _load_questions(QUESTIONS)
HOLDOUT_SETS = {split: _load_questions(path) for split, path in HOLDOUTS.items()}
ALL_QUESTIONS = QUESTION_LIST + [q for questions in HOLDOUT_SETS.values() for q in questions]
ANSWERABLE = [q for q in ALL_QUESTIONS if q.get("kind") != "unanswerable"]


@pytest.fixture(scope="module")
def corpus_pages() -> dict[str, dict[int | None, str]]:
    """doc_id -> page number -> whitespace-normalised cleaned text."""
    pages: dict[str, dict[int | None, str]] = {}
    for path in find_source_files(CORPUS):
        document = load_document(path, doc_id_for(path, CORPUS))
        pages[document.doc_id] = {page.number: _norm(page.text) for page in clean_document(document)}
    return pages


def test_every_line_has_the_schema() -> None:
    problems = []
    for q in ALL_QUESTIONS:
        qid = q.get("id", "?")
        if not FIELDS <= set(q) <= FIELDS | OPTIONAL_FIELDS:
            problems.append(f"{qid}: fields {sorted((set(q) - OPTIONAL_FIELDS) ^ FIELDS)} missing or unexpected")
            continue
        if "history" in q and not (
            isinstance(q["history"], list) and q["history"] and all(isinstance(h, str) and h for h in q["history"])
        ):
            problems.append(f"{qid}: history must be a non-empty list of earlier questions")
        if q.get("mode", "draft") != "draft":
            problems.append(f"{qid}: mode must be 'draft'")
        if not (isinstance(q["question"], str) and q["question"].strip()):
            problems.append(f"{qid}: empty question")
        if not isinstance(q["answer"], str) or not q["answer"].strip():
            problems.append(f"{qid}: empty answer")
        if not (isinstance(q["must_contain"], list) and all(isinstance(m, str) and m for m in q["must_contain"])):
            problems.append(f"{qid}: must_contain must be a list of non-empty strings")
        if not isinstance(q["evidence"], str):
            problems.append(f"{qid}: evidence must be a string")
        if q["doc_id"] is not None and not isinstance(q["doc_id"], str):
            problems.append(f"{qid}: doc_id must be a string or null")
        if q["page"] is not None and not (isinstance(q["page"], int) and q["page"] >= 1):
            problems.append(f"{qid}: page must be a positive integer or null")
        if q["kind"] not in KINDS:
            problems.append(f"{qid}: kind {q['kind']!r} not in {sorted(KINDS)}")
        if q["split"] not in SPLITS | HOLDOUT_SPLITS:
            problems.append(f"{qid}: split {q['split']!r} not in {sorted(SPLITS | HOLDOUT_SPLITS)}")
    assert not problems, "\n".join(problems)


def test_ids_are_unique() -> None:
    duplicates = [qid for qid, n in Counter(q["id"] for q in ALL_QUESTIONS).items() if n > 1]
    assert not duplicates


def test_enough_questions_and_unanswerables() -> None:
    assert len(QUESTION_LIST) >= 60
    unanswerable = [q for q in QUESTION_LIST if q["kind"] == "unanswerable"]
    assert len(unanswerable) >= 8
    for q in unanswerable:
        assert (q["must_contain"], q["evidence"], q["doc_id"]) == ([], "", None), q["id"]


def test_answerable_questions_name_their_evidence() -> None:
    problems = [q["id"] for q in ANSWERABLE if not (q["must_contain"] and q["evidence"].strip() and q["doc_id"])]
    assert not problems, f"answerable questions without must_contain/evidence/doc_id: {problems}"


def test_each_file_uses_its_own_splits() -> None:
    assert {q["split"] for q in QUESTION_LIST} == SPLITS
    for split, questions in HOLDOUT_SETS.items():
        assert {q["split"] for q in questions} == {split}, HOLDOUTS[split].name


@pytest.mark.parametrize("split", sorted(HOLDOUT_SETS))
def test_each_holdout_set_is_balanced_and_new(split: str) -> None:
    questions = HOLDOUT_SETS[split]
    unanswerable = [q for q in questions if q["kind"] == "unanswerable"]
    assert len(questions) >= 40 and len(unanswerable) >= 20
    for q in unanswerable:
        assert (q["must_contain"], q["evidence"], q["doc_id"]) == ([], "", None), q["id"]
    others = QUESTION_LIST + [q for other, qs in HOLDOUT_SETS.items() if other != split for q in qs]
    known = {_norm(q["question"]).lower() for q in others}
    assert not [q["id"] for q in questions if _norm(q["question"]).lower() in known]


@pytest.mark.parametrize("question", ANSWERABLE, ids=[q["id"] for q in ANSWERABLE])
def test_evidence_occurs_in_the_stated_document_and_page(question: dict, corpus_pages) -> None:
    doc_id, page, evidence = question["doc_id"], question["page"], _norm(question["evidence"])
    assert doc_id in corpus_pages, f"unknown doc_id {doc_id!r}"
    pages = corpus_pages[doc_id]
    if doc_id.startswith("briefs/"):
        assert page in pages, f"{doc_id} has no page {page}"
        found_on = [number for number, text in pages.items() if evidence in text]
        assert page in found_on, f"evidence not on page {page} of {doc_id} (found on {found_on}): {evidence!r}"
    else:
        assert any(evidence in text for text in pages.values()), f"evidence not in {doc_id}: {evidence!r}"


def test_must_contain_appears_in_the_answer() -> None:
    problems = [
        (q["id"], term) for q in ANSWERABLE for term in q["must_contain"] if term.lower() not in q["answer"].lower()
    ]
    assert not problems, problems
