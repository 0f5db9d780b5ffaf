"""PolicyDesk's assistant: retrieval, grounded answers with citations, and the CLI/UI faces over them.

The API is re-exported lazily (PEP 562): ``policydesk --help`` imports ``assistant.cli`` through this package and
must not load Chroma, llama-index and the model, which take seconds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.batch import answer_questions, read_questions
    from assistant.conversation import Turn
    from assistant.drafting import DraftReply, compose_draft
    from assistant.export import answer_to_dict, answer_to_markdown
    from assistant.feedback import export_eval_questions, record_feedback
    from assistant.records import Answer, AnswerSentence, Citation, Filters, NearestDocument, Passage
    from assistant.service import Assistant, Final, Interim, Writing
    from assistant.writers import EXTRACTIVE

_EXPORTS = {
    "answer_questions": "assistant.batch",
    "read_questions": "assistant.batch",
    "Turn": "assistant.conversation",
    "DraftReply": "assistant.drafting",
    "compose_draft": "assistant.drafting",
    "answer_to_dict": "assistant.export",
    "answer_to_markdown": "assistant.export",
    "export_eval_questions": "assistant.feedback",
    "record_feedback": "assistant.feedback",
    "Answer": "assistant.records",
    "AnswerSentence": "assistant.records",
    "Citation": "assistant.records",
    "Filters": "assistant.records",
    "NearestDocument": "assistant.records",
    "Passage": "assistant.records",
    "Assistant": "assistant.service",
    "Final": "assistant.service",
    "Interim": "assistant.service",
    "Writing": "assistant.service",
    "EXTRACTIVE": "assistant.writers",
}

__all__ = [
    "EXTRACTIVE",
    "Answer",
    "AnswerSentence",
    "Assistant",
    "Citation",
    "DraftReply",
    "Filters",
    "Final",
    "Interim",
    "NearestDocument",
    "Passage",
    "Turn",
    "Writing",
    "answer_questions",
    "answer_to_dict",
    "answer_to_markdown",
    "compose_draft",
    "export_eval_questions",
    "read_questions",
    "record_feedback",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
