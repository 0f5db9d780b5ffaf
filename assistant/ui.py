"""The Gradio web UI: a thin face over :class:`~assistant.service.Assistant` (render records, call the library).

Event handlers live on :class:`Handlers` as plain methods, so they are unit-testable without a browser;
:func:`build_ui` only lays out components and wires events to them.
"""

from __future__ import annotations

import contextlib
import html
import logging
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversation import Turn
from assistant.documents import (
    MAX_UPLOAD_BYTES,
    UPLOAD_FOLDERS,
    add_document,
    may_manage,
    progress_fraction,
    uploads_dir,
)
from assistant.documents import remove_document as remove_indexed
from assistant.drafting import compose_draft
from assistant.export import DOC_TYPE_LABELS, answer_to_dict, answer_to_markdown
from assistant.feedback import record_feedback
from assistant.records import Answer, Filters
from assistant.service import Assistant
from assistant.ui_render import (
    CSS,
    EMPTY_INDEX,
    FILTER_FIELDS,
    chat_markdown,
    documents_table,
    filter_options,
    safe_markdown,
    sources_panel,
    stream_parts,
    type_label,
)
from ingest.config import Config
from ingest.errors import IndexNotFound, PolicyDeskError

logger = logging.getLogger(__name__)

STREAM_DELAY_S = 0.03  # a short pause between streamed sentences, so the reader sees the answer build up
DOCUMENT_HEADERS = ["id", "title", "type", "pages", "chunks", "ingested (UTC)"]
Messages = list[dict[str, Any]]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show library errors as a message (``gr.Error``), never as a traceback."""
    try:
        yield
    except gr.Error:
        raise
    except PolicyDeskError as exc:
        raise gr.Error(html.escape(str(exc), quote=False)) from exc  # a toast renders HTML; names are not ours
    except Exception as exc:
        logger.exception("UI handler failed")
        raise gr.Error(f"Something went wrong ({type(exc).__name__}); the server log has the details.") from exc


class Handlers:
    """The UI's event handlers over one Assistant (``None`` while the index is empty)."""

    def __init__(
        self,
        assistant: Assistant | None,
        config: Config,
        *,
        delay: float = STREAM_DELAY_S,
        admin: str | None = None,
    ) -> None:
        self.assistant = assistant
        self.config = config
        self.delay = delay
        self.admin = admin

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

    def draft(self, request: str, *filter_values: Any) -> tuple[str, str]:
        """A cited draft helpdesk reply: Markdown to show (markup neutralised) and a file to download."""
        if not request or not request.strip():
            raise gr.Error("Paste the helpdesk request first.")
        with user_errors():
            reply = compose_draft(self.require_assistant(), request.strip(), filters=make_filters(*filter_values))
        return safe_markdown(reply.markdown), write_download(reply.markdown, "policydesk-draft-reply.md")

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

    def require_admin(self, request: gr.Request | None) -> None:
        """Refuse document management to anyone but the admin (when a login is configured)."""
        if not may_manage(self.admin, getattr(request, "username", None)):
            raise gr.Error("Only the admin can upload or remove documents.")

    def documents(self) -> list[Any]:
        """What is indexed now (empty while nothing is)."""
        return self.assistant.documents() if self.assistant else []

    def upload(
        self,
        file: str | None,
        doc_type: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio finds its progress bar by this default
    ) -> str:
        """Check, save and ingest an uploaded file (admin only); the chat sees it at once."""
        self.require_admin(request)
        if not file:
            raise gr.Error("Choose a PDF or Markdown file first.")
        progress(0, desc="Checking the file")
        with user_errors():
            outcome = add_document(
                Path(file),
                doc_type,
                self.config,
                assistant=self.assistant,
                progress=lambda snapshot: progress(*progress_fraction(snapshot)),
            )
            self.assistant = self.assistant or load_assistant(self.config)
        done = {"unchanged": "was already indexed (unchanged)", "updated": "was re-indexed"}
        message = f"{outcome.doc_id} {done.get(outcome.status, 'was added')}: {outcome.chunks} chunk(s)."
        gr.Info(html.escape(message))
        return safe_markdown(message)

    def remove(self, doc_id: str | None, confirmed: bool, request: gr.Request) -> str:
        """Remove a document from the index (admin only, after confirming)."""
        self.require_admin(request)
        if not doc_id:
            raise gr.Error("Choose the document to remove first.")
        if not confirmed:
            raise gr.Error("Tick 'Yes, remove it' to confirm the removal.")
        with user_errors():
            removed = remove_indexed(self.require_assistant(), doc_id)
        message = f"Removed {removed.title} ({removed.doc_id})."
        gr.Info(html.escape(message))
        return safe_markdown(message)

    def document_views(self, filter_groups: int = 2) -> list[Any]:
        """Updated documents table, remove choices and filter dropdowns (``filter_groups`` sets of four)."""
        documents = self.documents()
        options = filter_options(documents)
        removable = [(f"{d.title} ({d.doc_id})", d.doc_id) for d in documents]
        filters = [gr.Dropdown(choices=filter_choices(options[name])) for name in FILTER_FIELDS] * filter_groups
        return [documents_table(documents), gr.Dropdown(choices=removable, value=None), False, *filters]


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


def filter_choices(values: Sequence[str]) -> list[tuple[str, str]]:
    """A filter dropdown's choices: "any" first, then the indexed values."""
    return [("any", ""), *[(value, value) for value in values]]


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
    """``Blocks.launch`` keywords: our CSS, the upload limit, the indexed PDFs and the uploads folder (served)."""
    pdfs = [str(Path(d.source_path).resolve()) for d in (assistant.documents() if assistant else [])]
    uploads = [str(uploads_dir(assistant.config).resolve())] if assistant else []
    return {
        "css": CSS,
        "max_file_size": MAX_UPLOAD_BYTES,
        "allowed_paths": [p for p in pdfs if p.lower().endswith(".pdf") and Path(p).is_file()] + uploads,
        "footer_links": ["api"],
    }


def build_ui(assistant: Assistant | None, config: Config, *, admin: str | None = None) -> gr.Blocks:
    """The PolicyDesk web app over ``assistant`` (``None`` when nothing is indexed yet).

    ``admin`` names the user allowed to manage documents when a login is configured.
    """
    handlers = Handlers(assistant, config, admin=admin)
    options = filter_options(handlers.documents())
    with gr.Blocks(title="PolicyDesk") as app:
        gr.Markdown("# PolicyDesk\nGrounded answers from policy briefs, helpdesk answers and good practices.")
        if assistant is None:
            gr.Markdown(f"**{EMPTY_INDEX}**", elem_id="empty-index")
        with gr.Tab("Ask"):
            chat_filters = _chat_tab(handlers, options)
        with gr.Tab("Draft helpdesk reply"):
            draft_filters = _draft_tab(handlers, options)
        with gr.Tab("Documents", visible=admin is None, elem_id="documents-tab") as tab:
            views, changes = _documents_tab(handlers)
        views += [*chat_filters[1:], *draft_filters[1:]]  # the four dropdowns of each tab's filters
        app.load(_show_documents(admin), None, tab, api_visibility="private")
        app.load(handlers.document_views, None, views, api_visibility="private")  # other sessions' changes
        for change in changes:
            change.then(handlers.document_views, None, views, api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask", api_description="Answer one question with cited sources.")
    return app


def _show_documents(admin: str | None) -> Any:
    def show(request: gr.Request) -> gr.Tab:
        return gr.Tab(visible=may_manage(admin, request.username))

    return show


def _chat_tab(handlers: Handlers, options: dict[str, list[str]]) -> list[gr.components.Component]:
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
    return filters


def _on_like(handlers: Handlers) -> Any:
    def on_like(answers: list[Answer], data: gr.LikeData) -> str:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        return handlers.feedback(answers, index // 2, data.liked)

    return on_like


def _filter_widgets(options: dict[str, list[str]], *, with_types: bool = True) -> list[gr.components.Component]:
    with gr.Accordion("Filters", open=False):
        types = [(label, value) for value, label in DOC_TYPE_LABELS.items()]
        doc_types = gr.CheckboxGroup(types, label="Document types", visible=with_types)
        with gr.Row():
            dropdowns = [
                gr.Dropdown(filter_choices(options[name]), value="", label=name.capitalize()) for name in FILTER_FIELDS
            ]
    return [doc_types, *dropdowns]


def _draft_tab(handlers: Handlers, options: dict[str, list[str]]) -> list[gr.components.Component]:
    gr.Markdown(
        "For helpdesk staff: a reply structured like a real helpdesk answer — policy insights, relevant good "
        "practices, further resources — every statement cited, with one numbered source list."
    )
    request = gr.Textbox(label="Request", lines=3, elem_id="draft-request", placeholder="Paste the request…")
    filters = _filter_widgets(options, with_types=False)
    with gr.Row():
        run = gr.Button("Draft reply", variant="primary", elem_id="draft-run")
        download = gr.DownloadButton("Download as Markdown", value=None, elem_id="draft-download")
    reply = gr.Markdown(buttons=["copy"], elem_id="draft-reply")
    run.click(handlers.draft, [request, *filters], [reply, download], api_name="draft")
    return filters


def _documents_tab(handlers: Handlers) -> tuple[list[gr.components.Component], list[Any]]:
    """The Documents tab; returns the components :meth:`Handlers.document_views` updates, and the change events."""
    table = gr.Dataframe(
        documents_table(handlers.documents()), headers=DOCUMENT_HEADERS, interactive=False, elem_id="documents"
    )
    with gr.Row():
        with gr.Column():
            gr.Markdown(f"**Add a document** — PDF or Markdown/text, up to {MAX_UPLOAD_BYTES // 2**20} MB.")
            upload_file = gr.File(
                label="File", file_types=[".pdf", ".md", ".markdown", ".txt"], type="filepath", elem_id="upload-file"
            )
            kinds = [(type_label(value), value) for value in UPLOAD_FOLDERS]
            upload_type = gr.Radio(kinds, value="brief", label="Document type")
            upload_run = gr.Button("Upload and index", variant="primary", elem_id="upload-run")
        with gr.Column():
            gr.Markdown("**Remove a document** from the index (an uploaded file is deleted too).")
            remove_choice = gr.Dropdown(label="Document", elem_id="remove-choice")
            confirm = gr.Checkbox(label="Yes, remove it", value=False, elem_id="remove-confirm")
            remove_run = gr.Button("Remove", variant="stop", elem_id="remove-run")
    status = gr.Markdown(elem_id="documents-status")
    changes = [
        upload_run.click(handlers.upload, [upload_file, upload_type], status, api_visibility="private"),
        remove_run.click(handlers.remove, [remove_choice, confirm], status, api_visibility="private"),
    ]
    return [table, remove_choice, confirm], changes
