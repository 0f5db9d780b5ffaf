"""PolicyDesk's assistant: retrieval, grounded answers with citations, and the CLI/UI faces over them."""

from assistant.batch import answer_questions, read_questions
from assistant.conversation import Turn
from assistant.drafting import DraftReply, compose_draft
from assistant.export import answer_to_dict, answer_to_markdown
from assistant.feedback import export_eval_questions, record_feedback
from assistant.records import Answer, AnswerSentence, Citation, Filters, NearestDocument, Passage
from assistant.service import Assistant, Final, Interim, Writing
from assistant.writers import EXTRACTIVE

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
