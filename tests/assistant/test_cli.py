"""``policydesk ask``: the ``--json`` contract (issue 3, Interfaces), the plain source list and batch mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from tests.assistant.conftest import ALPINE_DOC, BRIEF_PDF_DOC, SEED_DOC

ANSWERED = "How much is the Tyrol innovation voucher worth?"
CITATION_FIELDS = {
    "n": int,
    "doc_id": str,
    "title": str,
    "doc_type": str,
    "source_path": str,
    "page": (int, type(None)),
    "section": (str, type(None)),
    "chunk_id": str,
    "quote": str,
    "text": str,
}
RETRIEVED_FIELDS = {
    "rank": int,
    "chunk_id": str,
    "doc_id": str,
    "page": (int, type(None)),
    "score": float,
    "text": str,
}
TOP_FIELDS = {
    "question": str,
    "answer": str,
    "abstained": bool,
    "citations": list,
    "retrieved": list,
    "timings_ms": dict,
}
# One answer sentence: text without brackets, then its marker.
SENTENCE_WITH_MARKER = re.compile(r"\s*([^\[\]]+?) \[(\d+)\]")


def ask(*args: str) -> object:
    return CliRunner().invoke(cli, ["ask", *args], catch_exceptions=False)


def assert_contract(data: dict, *, min_retrieved: int) -> None:
    """``data`` has every documented field with its documented type (more fields are allowed, by contract)."""
    for name, kind in TOP_FIELDS.items():
        assert isinstance(data[name], kind), (name, data[name])
    for citation in data["citations"]:
        for name, kind in CITATION_FIELDS.items():
            assert isinstance(citation[name], kind) and not isinstance(citation[name], bool), (name, citation)
    for passage in data["retrieved"]:
        for name, kind in RETRIEVED_FIELDS.items():
            assert isinstance(passage[name], kind) and not isinstance(passage[name], bool), (name, passage)
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert all(isinstance(v, float) and v >= 0 for v in data["timings_ms"].values())
    assert len(data["retrieved"]) >= min_retrieved
    assert [p["rank"] for p in data["retrieved"]] == list(range(1, len(data["retrieved"]) + 1))


def assert_cited_sentences(data: dict) -> None:
    """Every sentence ends with ``[n]``; n runs 1..N over the citations; every quote is verbatim in its passage."""
    answer = data["answer"]
    sentences = SENTENCE_WITH_MARKER.findall(answer)
    assert " ".join(f"{s} [{n}]" for s, n in sentences) == answer, "text outside a cited sentence"
    numbers = [int(n) for _, n in sentences]
    assert numbers == list(range(1, len(data["citations"]) + 1))
    assert [c["n"] for c in data["citations"]] == numbers
    for (sentence, _), citation in zip(sentences, data["citations"], strict=True):
        assert citation["quote"], citation
        assert citation["quote"] in citation["text"]
        assert citation["quote"] in sentence


def test_ask_json_follows_the_contract(assistant_index: Path) -> None:
    result = ask(ANSWERED, "--json", "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["question"] == ANSWERED
    assert data["abstained"] is False
    assert data["abstention_reason"] == ""
    # The index holds 11 chunks: the top 10 (the default k) are listed.
    assert_contract(data, min_retrieved=10)
    assert_cited_sentences(data)
    assert data["citations"][0]["doc_id"] == ALPINE_DOC
    assert "€4,000" in data["answer"]
    assert data["citations"][0]["source_path"].endswith("alpine-cluster-voucher.md")
    scores = [p["score"] for p in data["retrieved"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_k_option_sets_the_number_of_passages(assistant_index: Path) -> None:
    result = ask(ANSWERED, "--json", "--k", "3", "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    assert [p["rank"] for p in json.loads(result.stdout)["retrieved"]] == [1, 2, 3]


def test_ask_json_citations_carry_pdf_pages(assistant_index: Path) -> None:
    result = ask(
        "How much did cluster managers spend on joint training?", "--json", "--index-dir", str(assistant_index)
    )

    data = json.loads(result.stdout)
    assert not data["abstained"], data["answer"]
    assert_cited_sentences(data)
    first = data["citations"][0]
    assert (first["doc_id"], first["page"]) == (BRIEF_PDF_DOC, 1)
    assert first["section"] == "Policy recommendation 1. Build trust between cluster members"
    assert "€60,000" in data["answer"]


def test_ask_json_abstention_has_no_citations(assistant_index: Path) -> None:
    result = ask("What cluster programme does Finland run?", "--json", "--index-dir", str(assistant_index))

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert_contract(data, min_retrieved=10)
    assert data["abstained"] is True
    assert data["citations"] == []
    assert data["answer"].startswith("The documents don't cover this question.")
    assert data["abstention_reason"] == "the documents found do not mention finland"


def test_ask_json_with_a_filter_matching_nothing_abstains(assistant_index: Path) -> None:
    result = ask(ANSWERED, "--json", "--country", "Finland", "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert_contract(data, min_retrieved=0)
    assert (data["abstained"], data["citations"], data["retrieved"]) == (True, [], [])
    assert data["answer"] == (
        "The documents don't cover this question. Only documents with country Finland were searched; try again"
        " without the filter."
    )


@pytest.mark.parametrize(
    ("option", "value", "doc_ids"),
    [
        ("--type", "helpdesk", {"helpdesk/cluster-finance"}),
        ("--country", "poland", {SEED_DOC}),
        ("--region", "TYROL", {ALPINE_DOC}),
        ("--project", "ClusterGrowth", {ALPINE_DOC}),
        ("--theme", "smes", {ALPINE_DOC}),
    ],
)
def test_ask_filter_options_restrict_the_passages(
    assistant_index: Path, option: str, value: str, doc_ids: set[str]
) -> None:
    result = ask("Which firms get support?", "--json", option, value, "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    retrieved = json.loads(result.stdout)["retrieved"]
    assert retrieved
    assert {p["doc_id"] for p in retrieved} == doc_ids


def test_ask_prints_the_answer_and_a_numbered_source_list(assistant_index: Path) -> None:
    result = ask("How much did cluster managers spend on joint training?", "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    answer, _, sources = result.stdout.partition("\nSources:\n")
    assert "€60,000" in answer and "[1]" in answer
    lines = sources.splitlines()
    assert lines[0] == (
        "  [1] Clusters in practice: a test brief — policy brief, p. 1, "
        "Policy recommendation 1. Build trust between cluster members"
    )
    assert [line.split("]")[0] for line in lines] == [f"  [{n}" for n in range(1, len(lines) + 1)]


def test_ask_without_question_or_file_is_a_usage_error(assistant_index: Path) -> None:
    result = ask("--index-dir", str(assistant_index))

    assert result.exit_code == 2
    assert "Give either a QUESTION or --file QUESTIONS.jsonl." in result.stderr


# --- batch: ask --file questions.jsonl --out results.jsonl ------------------------------------------------


def test_ask_file_answers_each_valid_line_once_and_reports_bad_lines(
    assistant_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.embedding

    loads: list[int] = []
    real_load = ingest.embedding.load_embedder

    def counting_load(**kwargs: object) -> object:
        loads.append(1)
        return real_load(**kwargs)

    monkeypatch.setattr(ingest.embedding, "load_embedder", counting_load)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(
            [
                json.dumps({"id": "q1", "question": ANSWERED, "kind": "factoid", "extra": {"owner": "ana"}}),
                "q2: What is a cluster?",
                json.dumps({"id": "q3", "topic": "no question here"}),
                "",
                json.dumps({"id": 4, "question": "How many projects were financed by the Pomeranian scheme?"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.jsonl"

    result = ask("--file", str(questions), "--out", str(out), "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{questions}:2: not valid JSON (Expecting value); skipped",
        f"{questions}:3: needs a non-empty 'question' field; skipped",
    ]
    assert result.stdout == ""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["q1", 4]
    assert rows[0]["kind"] == "factoid" and rows[0]["extra"] == {"owner": "ana"}
    assert rows[0]["question"] == ANSWERED
    for row in rows:
        assert_contract(row, min_retrieved=10)
        assert_cited_sentences(row)
    assert loads == [1], "the model must be loaded once for the whole batch"


def test_ask_file_writes_to_stdout_without_out(assistant_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "only", "question": ANSWERED}) + "\n", encoding="utf-8")

    result = ask("--file", str(questions), "--index-dir", str(assistant_index))

    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["id"] == "only"
