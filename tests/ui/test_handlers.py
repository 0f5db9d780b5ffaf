"""The UI's event handlers as plain functions: streaming, history, filters, errors, export, feedback."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import pytest

from assistant.ui_handlers import SEARCHING, Handlers, make_filters
from ingest.config import Config
from ingest.errors import StoreError
from tests.ui.fakes import FakeAssistant


@pytest.fixture
def handlers(tmp_path: Path) -> Handlers:
    return Handlers(FakeAssistant(), Config(index_dir=tmp_path / "index"), delay=0)  # type: ignore[arg-type]


def test_chat_streams_then_shows_sources(handlers: Handlers) -> None:
    steps = list(handlers.chat("What are vouchers?", [], [], [], "", "", "", ""))
    assert steps[0][0][-1]["content"] == SEARCHING  # shown at once, before any work
    first_messages, first_panel, _, _ = steps[1]
    assert first_messages[-1]["content"] == "Vouchers are small grants. [[1]](#source-0-1)"
    assert 'id="source-0-1"' in first_panel
    messages, panel, answers, cleared = steps[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert 'id="source-0-2"' in panel and len(answers) == 1 and cleared == ""


def test_follow_up_passes_the_conversation_as_history(handlers: Handlers) -> None:
    *_, (messages, _, answers, _) = handlers.chat("What are vouchers?", [], [], [], "", "", "", "")
    list(handlers.chat("And who pays for them?", messages, answers, [], "", "", "", ""))
    question, _, history = handlers.assistant.calls[-1]
    assert question == "And who pays for them?"
    assert history[0].question == "What are vouchers?"


def test_filters_reach_the_library(handlers: Handlers) -> None:
    list(handlers.chat("What are vouchers?", [], [], ["good_practice"], "Austria", "", "", "SMEs"))
    _, filters, _ = handlers.assistant.calls[-1]
    assert filters.doc_types == ("good_practice",) and filters.country == "Austria" and filters.theme == "SMEs"
    assert make_filters([], "", "", "", "") is None


def test_empty_question_is_a_message(handlers: Handlers) -> None:
    with pytest.raises(gr.Error, match="Type a question first"):
        list(handlers.chat("  ", [], [], [], "", "", "", ""))


def test_empty_index_says_how_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match=r"run `policydesk ingest corpus/`"):
        Handlers(None, Config(index_dir=tmp_path), delay=0).api_ask("Anything?")


def test_library_errors_become_messages_not_tracebacks(handlers: Handlers) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("The index is locked — close the other PolicyDesk first.")

    handlers.assistant.ask = broken  # type: ignore[method-assign]
    with pytest.raises(gr.Error, match="The index is locked"):
        handlers.api_ask("What are vouchers?")


def test_unexpected_errors_are_hidden_behind_a_message(handlers: Handlers) -> None:
    handlers.assistant.ask = lambda *a, **k: 1 / 0  # type: ignore[method-assign]
    with pytest.raises(gr.Error, match=r"Something went wrong \(ZeroDivisionError\)"):
        handlers.api_ask("What are vouchers?")


def test_api_ask_returns_markdown_and_the_json_contract(handlers: Handlers) -> None:
    markdown, data = handlers.api_ask("What are vouchers?")
    assert markdown.startswith("**Question:** What are vouchers?")
    assert [c["n"] for c in data["citations"]] == [1, 2]


def _two_turns(handlers: Handlers) -> tuple[list, list]:
    *_, (messages, _, answers, _) = handlers.chat("What are vouchers?", [], [], [], "", "", "", "")
    *_, (messages, _, answers, _) = handlers.chat("What is the capital of Peru?", messages, answers, [], "", "", "", "")
    return messages, answers


def test_export_writes_the_whole_conversation_as_markdown(handlers: Handlers) -> None:
    assert handlers.export([]) is None
    _, answers = _two_turns(handlers)
    text = Path(handlers.export(answers)).read_text(encoding="utf-8")
    assert text.startswith("# PolicyDesk conversation")
    assert text.index("## 1. What are vouchers?") < text.index("## 2. What is the capital of Peru?")
    assert "**Sources**" in text and "[1] Policy Brief: Clusters — policy brief, p. 4" in text


def test_thumbs_and_comment_are_one_record_with_the_answer_json_and_writer(handlers: Handlers) -> None:
    _, answers = _two_turns(handlers)
    target, form, title = handlers.rate(answers, 1, False)
    assert target == {"index": 1, "rating": "down"} and form.visible and "answer 2" in title and "Peru" in title
    status, form, cleared = handlers.send_feedback(answers, target, "  should know Lima ")
    assert status == "Thanks — your 👎 with your comment on answer 2 was saved." and not form.visible and cleared == ""
    handlers.comment(answers, "Missing the Basque example")
    lines = (handlers.config.index_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["rating"] == "down" and first["question"] == "What is the capital of Peru?"
    assert first["comment"] == "should know Lima" and first["writer"] == "extractive"
    assert first["answer_json"]["question"] == "What is the capital of Peru?" and first["answer_json"]["abstained"]
    assert second["rating"] is None and second["comment"] == "Missing the Basque example"
    with pytest.raises(gr.Error, match="no answer to rate"):
        handlers.feedback([], 0, True)


def test_a_conversation_survives_a_reload_through_the_browser_copy(handlers: Handlers) -> None:
    messages, answers = _two_turns(handlers)
    _, saved = handlers.after_turn(messages, answers)
    saved = json.loads(json.dumps(saved))  # what the browser stores is JSON
    restored_messages, restored, panel, export = handlers.restore(saved)
    assert restored_messages == messages
    assert [a.text for a in restored] == [a.text for a in answers]
    assert [c.chunk.title for c in restored[0].citations] == [c.chunk.title for c in answers[0].citations]
    assert panel == handlers.restore({"messages": messages, "answers": saved["answers"]})[2]
    assert 'id="source-0-1"' in panel and Path(export).read_text(encoding="utf-8").count("## ") == 2
    list(handlers.chat("And who pays for them?", restored_messages, restored, [], "", "", "", ""))
    assert handlers.assistant.calls[-1][2][0].question == "What are vouchers?"  # the follow-up sees the history
    assert handlers.restore({"messages": [1], "answers": []})[:2] == ([], [])  # a damaged copy is dropped
    assert handlers.restore(None)[:2] == ([], [])


def test_new_chat_empties_the_conversation(handlers: Handlers) -> None:
    messages, panel, answers, download, saved, status, form = handlers.new_chat()
    assert messages == [] and answers == [] and download is None and status == "" and not form.visible
    assert saved == {"messages": [], "answers": []} and "appear here" in panel


def test_active_filters_are_chips_and_an_abstention_names_them(handlers: Handlers) -> None:
    chips = handlers.chips(["good_practice"], "Austria", "", None, "")
    assert [c.visible for c in chips] == [True, True, False, False, False]
    assert chips[0].value.startswith("type: good practice") and chips[1].value.startswith("country: Austria")
    *_, (messages, _, _, _) = handlers.chat("What is the capital of Peru?", [], [], [], "Austria", "", "", "")
    assert "(country: Austria)" in messages[-1]["content"]
