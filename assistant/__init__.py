"""PolicyDesk's assistant: retrieval, grounded answers with citations, and the CLI/UI faces over them."""

from assistant.batch import answer_questions, read_questions
from assistant.conversation import Turn
from assistant.export import answer_to_dict, answer_to_markdown
from assistant.records import Answer, Citation, Filters, NearestDocument, Passage
from assistant.service import Assistant

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Filters",
    "NearestDocument",
    "Passage",
    "Turn",
    "answer_questions",
    "answer_to_dict",
    "answer_to_markdown",
    "read_questions",
]
