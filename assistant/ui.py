"""The Gradio web UI: a thin face over :class:`~assistant.service.Assistant` (render records, call the library).

Event handlers live on :class:`Handlers` as plain methods, so they are unit-testable without a browser;
:func:`build_ui` only lays out components and wires events to them.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversation import Turn
from assistant.export import DOC_TYPE_LABELS, answer_to_dict, answer_to_markdown
from assistant.feedback import record_feedback
from assistant.records import Answer, Filters
from assistant.service import Assistant
from assistant.ui_render import (
    CSS,
    EMPTY_INDEX,
    chat_markdown,
    filter_options,
    sources_panel,
    stream_parts,
)
from ingest.config import Config
from ingest.errors import IndexNotFound, PolicyDeskError

logger = logging.getLogger(__name__)

STREAM_DELAY_S = 0.03  # a short pause between streamed sentences, so the reader sees the answer build up
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
Messages = list[dict[str, Any]]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show library errors as a message (``gr.Error``), never as a traceback."""
    try:
        yield
    except gr.Error:
        raise
    except PolicyDeskError as exc:
        raise gr.Error(str(exc)) from exc
    except Exception as exc:
        logger.exception("UI handler failed")
        raise gr.Error(f"Something went wrong ({type(exc).__name__}); the server log has the details.") from exc


class Handlers:
    """The UI's event handlers over one Assistant (``None`` while the index is empty)."""

    def __init__(self, assistant: Assistant | None, config: Config, *, delay: float = STREAM_DELAY_S) -> None:
        self.assistant = assistant
        self.config = config
        self.delay = delay

    def require_assistant(self) -> Assistant:
        """The Assistant, or a user-facing error that says how to build the index."""
        if self.assistant is None:
            raise gr.Error(EMPTY_INDEX)
        return self.assistant

    def answer(self, question: str, answers: Sequence[Answer], filters: Filters | None = None) -> Answer:
        """Ask the library, passing the earlier answers as the conversation."""
        if not question or not question.strip():
            raise gr.Error("Type a question first.")
        history = [Turn(a.question, a.text) for a in answers]
        with user_errors():
            return self.require_assistant().ask(question.strip(), filters=filters, history=history)

    def chat(
        self, question: str, messages: Messages | None, answers: list[Answer] | None, *filter_values: Any
    ) -> Iterator[tuple[Messages, str, list[Answer], str]]:
        """Stream an answer into the chat, sentence by sentence; then show its sources."""
        answers = list(answers or [])
        answer = self.answer(question, answers, make_filters(*filter_values))
        turn = len(answers)
        shown = [*(messages or []), {"role": "user", "content": question.strip()}]
        panel = sources_panel(answers)
        for part in stream_parts(answer, turn):
            yield [*shown, {"role": "assistant", "content": part}], panel, answers, ""
            time.sleep(self.delay)
        answers.append(answer)
        final = {"role": "assistant", "content": chat_markdown(answer, turn)}
        yield [*shown, final], sources_panel(answers), answers, ""

    def api_ask(self, question: str) -> tuple[str, dict[str, Any]]:
        """``/ask``: one question, no conversation; returns the answer as Markdown and as the JSON contract."""
        answer = self.answer(question, ())
        return answer_to_markdown(answer), answer_to_dict(answer)

    def export(self, answers: Sequence[Answer] | None) -> str | None:
        """A Markdown file of the latest answer with its sources (for the download button)."""
        if not answers:
            return None
        return write_download(answer_to_markdown(answers[-1]), "policydesk-answer.md")

    def feedback(self, answers: Sequence[Answer] | None, index: int, liked: bool | None, comment: str = "") -> str:
        """Store a thumbs up/down (and optional comment) for the answer at assistant-message ``index``."""
        if not answers or not 0 <= index < len(answers):
            raise gr.Error("There is no answer to rate yet.")
        rating = {True: "up", False: "down"}.get(liked) if liked is not None else None
        with user_errors():
            record_feedback(self.config.index_dir, answers[index], rating=rating, comment=comment)
        return "Thanks — your feedback was saved."

    def comment(self, answers: Sequence[Answer] | None, text: str) -> str:
        """Store a comment (no rating) on the latest answer."""
        if not text or not text.strip():
            raise gr.Error("Write a comment first.")
        return self.feedback(answers, len(answers or []) - 1, None, text)


def make_filters(
    doc_types: Sequence[str] | None = None,
    country: str | None = None,
    region: str | None = None,
    project: str | None = None,
    theme: str | None = None,
) -> Filters | None:
    """The library's Filters from the filter widgets (``None`` when nothing restricts)."""
    filters = Filters(tuple(doc_types or ()), country or None, region or None, project or None, theme or None)
    return None if filters.is_empty else filters


def write_download(text: str, name: str) -> str:
    """Write ``text`` to a fresh temporary file called ``name`` and return its path."""
    path = Path(tempfile.mkdtemp(prefix="policydesk-")) / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_assistant(config: Config) -> Assistant | None:
    """The Assistant over the configured index, or ``None`` when nothing is indexed yet."""
    try:
        return Assistant(config)
    except IndexNotFound as exc:
        logger.warning("%s", exc)
        return None


def launch_options(assistant: Assistant | None) -> dict[str, Any]:
    """``Blocks.launch`` keywords: our CSS, the upload limit, and the indexed PDFs (only they are served)."""
    pdfs = [str(Path(d.source_path).resolve()) for d in (assistant.documents() if assistant else [])]
    return {
        "css": CSS,
        "max_file_size": MAX_UPLOAD_BYTES,
        "allowed_paths": [p for p in pdfs if p.lower().endswith(".pdf") and Path(p).is_file()],
        "footer_links": ["api"],
    }


def build_ui(assistant: Assistant | None, config: Config, *, admin: str | None = None) -> gr.Blocks:
    """The PolicyDesk web app over ``assistant`` (``None`` when nothing is indexed yet).

    ``admin`` names the user allowed to manage documents when a login is configured.
    """
    handlers = Handlers(assistant, config)
    documents = assistant.documents() if assistant else []
    with gr.Blocks(title="PolicyDesk") as app:
        gr.Markdown("# PolicyDesk\nGrounded answers from policy briefs, helpdesk answers and good practices.")
        if assistant is None:
            gr.Markdown(f"**{EMPTY_INDEX}**", elem_id="empty-index")
        with gr.Tab("Ask"):
            _chat_tab(handlers, filter_options(documents))
        gr.api(handlers.api_ask, api_name="ask", api_description="Answer one question with cited sources.")
    return app


def _chat_tab(handlers: Handlers, options: dict[str, list[str]]) -> None:
    answers = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Conversation", height=460, elem_id="chat", feedback_options=("Like", "Dislike"))
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about cluster and innovation policy…",
                    show_label=False,
                    scale=5,
                    elem_id="question",
                    submit_btn="Ask",
                )
            filters = _filter_widgets(options)
            with gr.Row():
                comment = gr.Textbox(label="Comment on the latest answer (optional)", scale=4, elem_id="comment")
                send = gr.Button("Send comment", scale=1)
                download = gr.DownloadButton("Export answer (Markdown)", value=None, scale=1, elem_id="export")
            status = gr.Markdown()
        with gr.Column(scale=2):
            sources = gr.HTML(sources_panel([]), label="Sources", elem_id="sources")
    event = question.submit(
        handlers.chat, [question, chatbot, answers, *filters], [chatbot, sources, answers, question], api_name="chat"
    )
    event.then(handlers.export, answers, download, api_visibility="private")
    chatbot.like(_on_like(handlers), answers, status, api_visibility="private")
    send.click(handlers.comment, [answers, comment], status, api_visibility="private")


def _on_like(handlers: Handlers) -> Any:
    def on_like(answers: list[Answer], data: gr.LikeData) -> str:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        return handlers.feedback(answers, index // 2, data.liked)

    return on_like


def _filter_widgets(options: dict[str, list[str]]) -> list[gr.components.Component]:
    with gr.Accordion("Filters", open=False):
        doc_types = gr.CheckboxGroup(
            [(label, value) for value, label in DOC_TYPE_LABELS.items()], label="Document types", elem_id="doc-types"
        )
        with gr.Row():
            dropdowns = [
                gr.Dropdown([("any", ""), *[(v, v) for v in options[name]]], value="", label=name.capitalize())
                for name in ("country", "region", "project", "theme")
            ]
    return [doc_types, *dropdowns]
