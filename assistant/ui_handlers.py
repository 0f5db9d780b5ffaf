"""The web UI's event handlers: plain methods over the library API, unit-testable without a browser.

:mod:`assistant.ui` lays out the components and wires events to these methods.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversation import Turn
from assistant.documents import (
    add_document,
    may_manage,
    progress_fraction,
)
from assistant.documents import remove_document as remove_indexed
from assistant.drafting import compose_draft
from assistant.examples import example_questions, knowledge_summary
from assistant.export import answer_from_dict, answer_to_dict, answer_to_markdown, conversation_to_markdown
from assistant.feedback import record_feedback
from assistant.records import Answer, Filters
from assistant.service import Assistant, Final, Interim
from assistant.ui_render import (
    EMPTY_INDEX,
    FILTER_FIELDS,
    chat_markdown,
    documents_table,
    filter_options,
    safe_markdown,
    sources_panel,
    type_label,
)
from assistant.writers import EXTRACTIVE
from ingest.config import Config
from ingest.errors import IndexNotFound, PolicyDeskError

logger = logging.getLogger(__name__)

STREAM_DELAY_S = 0.03  # kept for callers that pass delay=; the chat now streams what the library streams
SEARCHING = "_Searching the documents…_"
WRITING = "\n\n_Writing a fluent answer… (the answer above is the documents' own sentences)_"
Messages = list[dict[str, Any]]
Saved = dict[str, Any]  # the conversation kept in the browser: {"messages": [...], "answers": [ask --json, ...]}


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

    def knowledge(self) -> str:
        """One line on what the index holds (document counts by type, themes, countries)."""
        return knowledge_summary(self.documents())

    def example_questions(self, limit: int = 6) -> list[str]:
        """Questions built from the indexed documents that the assistant answers (the chat's examples)."""
        if self.assistant is None:
            return []
        return example_questions(self.assistant, self.documents(), self.assistant.store.all_chunks(), limit=limit)

    def require_assistant(self) -> Assistant:
        """The Assistant, or a user-facing error that says how to build the index."""
        if self.assistant is None:
            raise gr.Error(EMPTY_INDEX)
        return self.assistant

    def answer(self, question: str, answers: Sequence[Answer], filters: Filters | None = None) -> Answer:
        """Ask the library, passing the earlier answers as the conversation."""
        if not question or not question.strip():
            raise gr.Error("Type a question first.")
        history = [Turn.of(a) for a in answers]
        with user_errors():
            return self.require_assistant().ask(question.strip(), filters=filters, history=history)

    def chat(
        self, question: str, messages: Messages | None, answers: list[Answer] | None, *filter_values: Any
    ) -> Iterator[tuple[Messages, str, list[Answer], str]]:
        """Stream an answer into the chat as the library streams it (verified sentences as they come); with a
        generative writer, the extractive answer first, replaced by the fluent one when it is ready."""
        answers = list(answers or [])
        if not question or not question.strip():
            raise gr.Error("Type a question first.")
        assistant = self.require_assistant()
        history = [Turn.of(a) for a in answers]
        turn = len(answers)
        shown = [*(messages or []), {"role": "user", "content": question.strip()}]
        yield [*shown, {"role": "assistant", "content": SEARCHING}], sources_panel(answers), answers, ""
        final: Answer | None = None
        filters = make_filters(*filter_values)
        with user_errors():
            for view, final in answer_views(assistant, question.strip(), filters, history, turn):
                yield [*shown, {"role": "assistant", "content": view}], sources_panel([*answers, final]), answers, ""
        if final is None:
            raise gr.Error("No answer came back; try again.")
        answers.append(final)
        yield (
            [*shown, {"role": "assistant", "content": chat_markdown(final, turn, filters)}],
            sources_panel(answers),
            answers,
            "",
        )

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
        # Built with the documents' words escaped (assistant.markup), so it is shown as it is downloaded.
        return reply.markdown, write_download(reply.markdown, "policydesk-draft-reply.md")

    def export(self, answers: Sequence[Answer] | None) -> str | None:
        """A Markdown file of the whole conversation, every answer with its sources (for the download button)."""
        if not answers:
            return None
        return write_download(conversation_to_markdown(answers), "policydesk-conversation.md")

    def after_turn(self, messages: Messages | None, answers: Sequence[Answer] | None) -> tuple[str | None, Saved]:
        """After each answer: the conversation's export file, and the conversation to keep in the browser."""
        return self.export(answers), saved_conversation(messages, answers)

    def new_chat(self) -> tuple[Messages, str, list[Answer], None, Saved, str, Any]:
        """An empty conversation: chat, sources, answers, export, the browser's copy, feedback status and form."""
        return [], sources_panel([]), [], None, saved_conversation([], []), "", gr.Group(visible=False)

    def restore(self, saved: Saved | None) -> tuple[Messages, list[Answer], str, str | None]:
        """The conversation kept in the browser (after a page reload): chat, answers, sources and export file."""
        try:
            messages = list((saved or {}).get("messages") or [])
            answers = [answer_from_dict(data) for data in (saved or {}).get("answers") or []]
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("ignoring a conversation kept in the browser that cannot be read")
            messages, answers = [], []
        if len(messages) != 2 * len(answers):
            messages, answers = [], []
        return messages, answers, sources_panel(answers), self.export(answers)

    def rate(self, answers: Sequence[Answer] | None, index: int, liked: bool | None) -> tuple[dict[str, Any], Any, str]:
        """A thumbs click on answer ``index``: what to rate, and the feedback form (with a comment box) opened."""
        if not answers or not 0 <= index < len(answers):
            raise gr.Error("There is no answer to rate yet.")
        rating = {True: "up", False: "down"}.get(liked) if liked is not None else None
        mark = {"up": "👍", "down": "👎"}.get(rating or "", "comment")
        title = f"**Feedback on answer {index + 1}** ({mark}): _{escape_markdown(answers[index].question)}_"
        return {"index": index, "rating": rating}, gr.Group(visible=True), title

    def send_feedback(
        self, answers: Sequence[Answer] | None, target: dict[str, Any] | None, comment: str
    ) -> tuple[str, Any, str]:
        """Store the rating chosen with the thumbs and the optional comment as one record; say so."""
        index = int((target or {}).get("index", -1))
        rating = (target or {}).get("rating")
        status = self.feedback(answers, index, {"up": True, "down": False}.get(rating or ""), comment)
        return status, gr.Group(visible=False), ""

    def feedback(self, answers: Sequence[Answer] | None, index: int, liked: bool | None, comment: str = "") -> str:
        """Store a thumbs up/down (and optional comment) for answer number ``index`` (from 0)."""
        if not answers or not 0 <= index < len(answers):
            raise gr.Error("There is no answer to rate yet.")
        rating = {True: "up", False: "down"}.get(liked) if liked is not None else None
        with user_errors():
            record_feedback(self.config.index_dir, answers[index], rating=rating, comment=comment)
        what = {"up": "👍", "down": "👎"}.get(rating or "", "comment")
        extra = " with your comment" if rating and comment.strip() else ""
        message = f"Thanks — your {what}{extra} on answer {index + 1} was saved."
        gr.Info(message)
        return message

    def comment(self, answers: Sequence[Answer] | None, text: str) -> str:
        """Store a comment (no rating) on the latest answer."""
        if not text or not text.strip():
            raise gr.Error("Write a comment first.")
        return self.feedback(answers, len(answers or []) - 1, None, text)

    def chips(self, doc_types: Sequence[str] | None, *fields: str | None) -> list[Any]:
        """The filter chips above the question box: one per active filter (type, country, …), the rest hidden."""
        fields = (*fields, *[None] * (len(FILTER_FIELDS) - len(fields)))
        labels = [f"type: {', '.join(type_label(t) for t in doc_types)}" if doc_types else ""]
        labels += [f"{name}: {value}" if value else "" for name, value in zip(FILTER_FIELDS, fields, strict=True)]
        return [gr.Button(value=f"{label}  ✕", visible=bool(label)) for label in labels]

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
        country: str,
        region: str,
        project: str,
        themes: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio finds its progress bar by this default
    ) -> tuple[str, None]:
        """Check, save and ingest an uploaded file (admin only) with its country / region / project / themes
        (comma-separated); the chat and its filters see it at once. Returns the status and a cleared file box."""
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
                metadata={
                    "country": (country or "").strip(),
                    "region": (region or "").strip(),
                    "project": (project or "").strip(),
                    "themes": [t.strip() for t in (themes or "").split(",") if t.strip()],
                },
            )
            self.assistant = self.assistant or load_assistant(self.config)
        done = {"unchanged": "was already indexed (unchanged)", "updated": "was re-indexed"}
        message = f"{outcome.doc_id} {done.get(outcome.status, 'was added')}: {outcome.chunks} chunk(s)."
        gr.Info(html.escape(message))
        return safe_markdown(message), None

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

    def with_views(self, action: Callable[..., Any]) -> Callable[..., list[Any]]:
        """``action`` (an upload or removal) returning its outputs followed by :meth:`document_views`, so that one
        event both changes the index and refreshes the lists. Its signature is ``action``'s (``functools.wraps``):
        Gradio still finds the request and progress parameters."""

        @functools.wraps(action)
        def run(*args: Any, **kwargs: Any) -> list[Any]:
            outputs = action(*args, **kwargs)
            return [*(outputs if isinstance(outputs, tuple) else (outputs,)), *self.document_views()]

        return run

    def document_views(self, filter_groups: int = 2) -> list[Any]:
        """Updated documents table, remove choices and filter dropdowns (``filter_groups`` sets of four)."""
        documents = self.documents()
        options = filter_options(documents)
        removable = [(f"{d.title} ({d.doc_id})", d.doc_id) for d in documents]
        filters = [gr.Dropdown(choices=filter_choices(options[name])) for name in FILTER_FIELDS] * filter_groups
        return [documents_table(documents), gr.Dropdown(choices=removable, value=None), False, *filters]


def answer_views(
    assistant: Assistant, question: str, filters: Filters | None, history: Sequence[Turn], turn: int
) -> Iterator[tuple[str, Answer]]:
    """(chat Markdown, the answer it shows) as the answer is written, ending with the final answer; with a
    generative writer, its extractive stand-in first, then its verified sentences, each with the "writing" note."""
    generative = assistant.writer.name != EXTRACTIVE
    for event in assistant.stream(question, filters=filters, history=history):
        if isinstance(event, Interim):
            yield chat_markdown(event.answer, turn) + (WRITING if generative else ""), event.answer
        elif isinstance(event, Final):
            yield chat_markdown(event.answer, turn, filters), event.answer


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


def draft_placeholder(examples: Sequence[str]) -> str:
    """The draft request box's placeholder: one or two of the example questions as requests."""
    if not examples:
        return "Paste the request…"
    shown = " or ".join(f"“{question}”" for question in examples[:2])
    return f"Paste the request, e.g. {shown}"


def saved_conversation(messages: Messages | None, answers: Sequence[Answer] | None) -> Saved:
    """The conversation as JSON for the browser's storage (answers as the ``ask --json`` contract)."""
    return {"messages": list(messages or []), "answers": [answer_to_dict(a) for a in answers or ()]}


def escape_markdown(text: str) -> str:
    """``text`` shown literally inside Markdown (markup and emphasis characters escaped)."""
    return html.escape(text, quote=False).translate({ord(c): f"\\{c}" for c in "*_`[]#"})


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
