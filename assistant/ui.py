"""The Gradio web UI: a thin face over :class:`~assistant.service.Assistant` (render records, call the library).

Event handlers live on :class:`Handlers` as plain methods, so they are unit-testable without a browser;
:func:`build_ui` only lays out components and wires events to them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.documents import (
    MAX_UPLOAD_BYTES,
    UPLOAD_FOLDERS,
    may_manage,
    uploads_dir,
)
from assistant.export import DOC_TYPE_LABELS
from assistant.records import Answer
from assistant.service import Assistant
from assistant.ui_handlers import Handlers, filter_choices
from assistant.ui_render import (
    CSS,
    DOCUMENT_HEADERS,
    EMPTY_INDEX,
    FILTER_FIELDS,
    documents_table,
    filter_options,
    sources_panel,
    type_label,
)
from ingest.config import Config

logger = logging.getLogger(__name__)

# Requests the app works on at once (Gradio's default is 1: every request waited for the one before). An answer is
# short CPU work that releases the GIL in onnxruntime, Chroma and SQLite, so a few overlap well; far more than a
# few per core only adds contention (measured with benchmarks/bench_load.py, README "Web app").
CONCURRENCY = 8


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


def build_ui(
    assistant: Assistant | None, config: Config, *, admin: str | None = None, concurrency: int = CONCURRENCY
) -> gr.Blocks:
    """The PolicyDesk web app over ``assistant`` (``None`` when nothing is indexed yet).

    ``admin`` names the user allowed to manage documents when a login is configured; ``concurrency`` is how many
    requests are worked on at once (the others wait in Gradio's queue).
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
    return app.queue(default_concurrency_limit=concurrency)


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
        liked = data.liked if isinstance(data.liked, bool) else None  # other feedback kinds carry no rating
        return handlers.feedback(answers, index // 2, liked)

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
