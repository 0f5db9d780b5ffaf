"""The Gradio web UI: a thin face over :class:`~assistant.service.Assistant` (render records, call the library).

Event handlers live on :class:`Handlers` as plain methods, so they are unit-testable without a browser;
:func:`build_ui` only lays out components and wires events to them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import gradio as gr

from assistant.documents import MAX_UPLOAD_BYTES, UPLOAD_FOLDERS, may_manage
from assistant.export import DOC_TYPE_LABELS
from assistant.records import Answer
from assistant.service import Assistant
from assistant.ui_files import document_route
from assistant.ui_handlers import Handlers, draft_placeholder, filter_choices, saved_conversation
from assistant.ui_render import (
    CSS,
    DOCUMENT_HEADERS,
    EMPTY_INDEX,
    FILTER_FIELDS,
    HEAD,
    documents_table,
    empty_state,
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


def launch_options(handlers: Handlers) -> dict[str, Any]:
    """``Blocks.launch`` keywords: our CSS and script, the upload limit, and the PDF route (documents by id).

    No folder is served as files: PDFs go through ``/document/<doc_id>``, which serves indexed PDFs only.
    """
    return {
        "css": CSS,
        "head": HEAD,
        "max_file_size": MAX_UPLOAD_BYTES,
        "footer_links": ["api"],
        "app_kwargs": {"routes": [document_route(handlers.documents)]},
    }


def build_ui(
    assistant: Assistant | None, config: Config, *, admin: str | None = None, concurrency: int = CONCURRENCY
) -> gr.Blocks:
    """The PolicyDesk web app over ``assistant`` (``None`` when nothing is indexed yet).

    ``admin`` names the user allowed to manage documents when a login is configured; ``concurrency`` is how many
    requests are worked on at once (the others wait in Gradio's queue).
    """
    return build_app(Handlers(assistant, config, admin=admin), concurrency=concurrency)


def build_app(handlers: Handlers, *, concurrency: int = CONCURRENCY) -> gr.Blocks:
    """The web app over ``handlers`` (launch it with :func:`launch_options` of the same handlers)."""
    options = filter_options(handlers.documents())
    examples = handlers.example_questions()
    with gr.Blocks(title="PolicyDesk") as app:
        gr.Markdown("# PolicyDesk\nGrounded answers from policy briefs, helpdesk answers and good practices.")
        if handlers.assistant is None:
            gr.Markdown(f"**{EMPTY_INDEX}**", elem_id="empty-index")
        with gr.Tab("Ask"):
            chat_filters, restore = _chat_tab(handlers, options, examples)
        with gr.Tab("Draft helpdesk reply"):
            draft_filters = _draft_tab(handlers, options, examples)
        with gr.Tab("Documents", visible=handlers.admin is None, elem_id="documents-tab") as tab:
            # The four dropdowns of each tab's filters are refreshed with the documents tab's own lists.
            views = _documents_tab(handlers, [*chat_filters[1:], *draft_filters[1:]])
        app.load(_show_documents(handlers.admin), None, tab, api_visibility="private")
        app.load(handlers.document_views, None, views, api_visibility="private")  # other sessions' changes
        app.load(*restore, api_visibility="private")  # the conversation kept in the browser
        gr.api(handlers.api_ask, api_name="ask", api_description="Answer one question with cited sources.")
    return app.queue(default_concurrency_limit=concurrency)


def _show_documents(admin: str | None) -> Any:
    def show(request: gr.Request) -> gr.Tab:
        return gr.Tab(visible=may_manage(admin, request.username))

    return show


def _chat_tab(
    handlers: Handlers, options: dict[str, list[str]], examples: list[str]
) -> tuple[list[gr.components.Component], tuple[Any, Any, Any]]:
    """The Ask tab; returns its filter widgets and the (function, inputs, outputs) that restore a conversation."""
    answers = gr.State([])
    target = gr.State({})
    saved = gr.BrowserState(saved_conversation([], []), storage_key="policydesk-conversation")
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Conversation",
                height=460,
                elem_id="chat",
                feedback_options=("Like", "Dislike"),
                # No "share" button: it posts to Hugging Face Spaces (nothing here is online) and has no label.
                buttons=["copy", "copy_all"],
                placeholder=empty_state(handlers.knowledge()),
                examples=[{"text": question} for question in examples] or None,
            )
            with gr.Row(elem_classes=["pd-chips"], elem_id="filter-chips"):
                chips = [
                    gr.Button("", visible=False, size="sm", elem_classes=["pd-chip"], elem_id=f"chip-{name}")
                    for name in ("type", *FILTER_FIELDS)
                ]
            question = gr.Textbox(
                placeholder="Ask about cluster and innovation policy…",
                show_label=False,
                elem_id="question",
                submit_btn="Ask",
            )
            filters = _filter_widgets(options)
            with gr.Group(visible=False, elem_id="feedback-form") as form:
                form_title = gr.Markdown()
                comment = gr.Textbox(label="Comment (optional)", elem_id="comment", lines=2)
                with gr.Row():
                    send = gr.Button("Send feedback", variant="primary", elem_id="feedback-send")
                    cancel = gr.Button("Cancel", elem_id="feedback-cancel")
            status = gr.Markdown(elem_id="feedback-status")
            with gr.Row():
                new_chat = gr.Button("New chat", elem_id="new-chat")
                download = gr.DownloadButton(
                    "Export conversation (Markdown)", value=None, elem_id="export", interactive=True
                )
        with gr.Column(scale=2):
            sources = gr.HTML(sources_panel([]), label="Sources", elem_id="sources")
    chat_io = ([question, chatbot, answers, *filters], [chatbot, sources, answers, question])
    asked = question.submit(handlers.chat, *chat_io, api_name="chat")
    picked = chatbot.example_select(_example_text, None, question, api_visibility="private")
    picked = picked.then(handlers.chat, *chat_io, api_visibility="private")
    for event in (asked, picked):
        event.then(handlers.after_turn, [chatbot, answers], [download, saved], api_visibility="private")
    chatbot.like(_on_like(handlers), answers, [target, form, form_title], api_visibility="private")
    send.click(handlers.send_feedback, [answers, target, comment], [status, form, comment], api_visibility="private")
    cancel.click(lambda: gr.Group(visible=False), None, form, api_visibility="private")
    emptied = [chatbot, sources, answers, download, saved, status, form]
    new_chat.click(handlers.new_chat, None, emptied, api_visibility="private")
    chatbot.clear(handlers.new_chat, None, emptied, api_visibility="private")  # the chat's own bin icon
    gr.on([cast(Any, widget).change for widget in filters], handlers.chips, filters, chips, api_visibility="private")
    for chip, widget in zip(chips, filters, strict=True):
        cleared: list[str] | str = [] if widget is filters[0] else ""
        chip.click(lambda value=cleared: value, None, widget, api_visibility="private")
    return filters, (handlers.restore, saved, [chatbot, answers, sources, download])


def _example_text(data: gr.SelectData) -> str:
    value = data.value
    return str(value.get("text", "") if isinstance(value, dict) else value)


def _on_like(handlers: Handlers) -> Any:
    def on_like(answers: list[Answer], data: gr.LikeData) -> tuple[dict[str, Any], Any, str]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        liked = data.liked if isinstance(data.liked, bool) else None  # other feedback kinds carry no rating
        return handlers.rate(answers, index // 2, liked)

    return on_like


def _filter_widgets(options: dict[str, list[str]], *, with_types: bool = True) -> list[gr.components.Component]:
    with gr.Accordion("Filters", open=False):
        types = [(label, value) for value, label in DOC_TYPE_LABELS.items()]
        doc_types = gr.CheckboxGroup(types, label="Document types", visible=with_types, elem_classes=["filter-type"])
        with gr.Row():
            dropdowns = [
                gr.Dropdown(
                    filter_choices(options[name]), value="", label=name.capitalize(), elem_classes=[f"filter-{name}"]
                )
                for name in FILTER_FIELDS
            ]
    return [doc_types, *dropdowns]


def _draft_tab(handlers: Handlers, options: dict[str, list[str]], examples: list[str]) -> list[gr.components.Component]:
    gr.Markdown(
        "For helpdesk staff: a reply structured like a real helpdesk answer — policy insights, relevant good "
        "practices, further resources — every statement cited, with one numbered source list."
    )
    request = gr.Textbox(label="Request", lines=3, elem_id="draft-request", placeholder=draft_placeholder(examples))
    filters = _filter_widgets(options, with_types=False)
    with gr.Row():
        run = gr.Button("Draft reply", variant="primary", elem_id="draft-run")
        download = gr.DownloadButton("Download as Markdown", value=None, elem_id="draft-download")
    reply = gr.Markdown(elem_id="draft-reply")
    with gr.Accordion("Markdown to paste", open=False):
        source = gr.Textbox(label="Markdown", lines=8, buttons=["copy"], elem_id="draft-markdown", interactive=False)
    run.click(handlers.draft, [request, *filters], [reply, download], api_name="draft").then(
        _markdown_of, download, source, api_visibility="private"
    )
    return filters


# Sensible widths at 1400 px: the id and title take what the type, counts and date leave.
DOCUMENT_WIDTHS: list[str | int] = ["22%", "38%", "12%", "7%", "7%", "14%"]
UPLOAD_FIELDS = (
    ("country", "Country", "e.g. Austria"),
    ("region", "Region", "e.g. Tyrol"),
    ("project", "Project", "e.g. ClusterGrowth"),
    ("themes", "Themes (comma-separated)", "e.g. innovation vouchers, SMEs"),
)


def _markdown_of(path: str | None) -> str:
    """The draft's Markdown exactly as downloaded (the copy button copies it unescaped)."""
    return Path(path).read_text(encoding="utf-8") if path else ""


def _documents_tab(handlers: Handlers, filters: list[gr.components.Component]) -> list[gr.components.Component]:
    """The Documents tab; returns the components :meth:`Handlers.document_views` updates (its own and ``filters``).

    An upload or removal refreshes them in its own event: a refresh of its own was a second event, which could
    land after the user had chosen in the remove list and clear the choice."""
    table = gr.Dataframe(
        documents_table(handlers.documents()),
        headers=DOCUMENT_HEADERS,
        interactive=False,
        elem_id="documents",
        column_widths=DOCUMENT_WIDTHS,
        wrap=True,
    )
    with gr.Row():
        with gr.Column():
            gr.Markdown(f"**Add a document** — PDF or Markdown/text, up to {MAX_UPLOAD_BYTES // 2**20} MB.")
            upload_file = gr.File(
                label="File", file_types=[".pdf", ".md", ".markdown", ".txt"], type="filepath", elem_id="upload-file"
            )
            kinds = [(type_label(value), value) for value in UPLOAD_FOLDERS]
            upload_type = gr.Radio(kinds, value="brief", label="Document type")
            with gr.Row():
                fields = [
                    gr.Textbox(label=label, elem_id=f"upload-{name}", placeholder=hint)
                    for name, label, hint in UPLOAD_FIELDS
                ]
            upload_run = gr.Button("Upload and index", variant="primary", elem_id="upload-run")
        with gr.Column():
            gr.Markdown("**Remove a document** from the index (an uploaded file is deleted too).")
            remove_choice = gr.Dropdown(label="Document", elem_id="remove-choice")
            confirm = gr.Checkbox(label="Yes, remove it", value=False, elem_id="remove-confirm")
            remove_run = gr.Button("Remove", variant="stop", elem_id="remove-run")
    status = gr.Markdown(elem_id="documents-status")
    views = [table, remove_choice, confirm, *filters]
    upload_run.click(
        handlers.with_views(handlers.upload),
        [upload_file, upload_type, *fields],
        [status, upload_file, *views],
        api_visibility="private",
    )
    remove_run.click(
        handlers.with_views(handlers.remove), [remove_choice, confirm], [status, *views], api_visibility="private"
    )
    return views
