"""Draft helpdesk replies: sections by document type, one renumbered source list, further resources."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from assistant.drafting import compose_draft
from assistant.markup import escape_markdown
from assistant.records import Answer, AnswerSentence, Filters, Passage
from assistant.writers import Length
from tests.ui.conftest import FINANCE_QUESTION
from tests.ui.fakes import abstention, chunk, cited_answer, verify_verbatim


class SectionAssistant:
    """Briefs answer with two citations; good practices re-cite one of them and add one of their own."""

    verify = staticmethod(verify_verbatim)

    def asker_names(self, text: str) -> tuple[str, ...]:
        return ()

    def __init__(self) -> None:
        self.filters: list[Filters] = []
        self.lengths: list[Length] = []

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        context_names: Sequence[str] = (),
        length: Length = Length.ANSWER,
    ) -> Answer:
        self.filters.append(filters)
        self.lengths.append(length)
        briefs = cited_answer(question)
        if filters.doc_types != ("good_practice",):
            return briefs
        sprint = chunk("Gdansk runs a design sprint.", title="Gdansk sprint", page=None)
        own = dataclasses.replace(briefs.citations[0], n=1, chunk=sprint, quote="Gdansk runs a design sprint.")
        other = chunk("Riga pays for mentors. It works.", title="Riga mentors", doc_type="good_practice", page=None)
        return dataclasses.replace(
            briefs,
            sentences=(
                AnswerSentence("Tyrol gives vouchers to firms.", (2,)),
                AnswerSentence("Gdansk runs a design sprint.", (1,)),
            ),
            citations=(own, dataclasses.replace(briefs.citations[1], n=2)),
            retrieved=(Passage(other, 1, 0.5),),
        )


def test_sections_follow_the_helpdesk_structure_with_one_source_list() -> None:
    assistant = SectionAssistant()
    draft = compose_draft(assistant, "How do vouchers work?", filters=Filters(country="Austria"))
    assert [s.heading for s in draft.sections] == [
        "Policy insights",
        "Relevant good practices",
        "Further resources",
    ]
    assert [f.doc_types for f in assistant.filters] == [("brief", "helpdesk"), ("good_practice",)]
    assert assistant.lengths == [Length.REPLY, Length.REPLY]  # a reply section gets the longer budget
    assert all(f.country == "Austria" for f in assistant.filters)
    assert draft.sections[0].text.endswith("[2]")
    # the re-cited source keeps its number; the new one continues the list
    assert draft.sections[1].text == (
        f"- **{escape_markdown(draft.citations[1].chunk.title)}**: Tyrol gives vouchers to firms. [2]\n"
        "- **Gdansk sprint**: Gdansk runs a design sprint. [3]"
    )
    assert draft.sections[2].text == "- **Riga mentors** (good practice) [4]"
    assert [c.n for c in draft.citations] == [1, 2, 3, 4]
    assert draft.citations[3].quote == "Riga pays for mentors."


def test_markdown_has_every_section_and_numbered_sources() -> None:
    markdown = compose_draft(SectionAssistant(), "How do vouchers work?").markdown
    assert markdown.startswith("# Draft helpdesk reply\n\n**Request:** How do vouchers work?")
    assert (
        markdown.index("## Policy insights")
        < markdown.index("## Relevant good practices")
        < markdown.index("## Sources")
    )
    assert "[4] Riga mentors — good practice" in markdown


def test_uncovered_sections_say_so() -> None:
    class Nothing:
        verify = staticmethod(verify_verbatim)

        def ask(self, question: str, **_: object) -> Answer:
            return abstention(question)

        def asker_names(self, text: str) -> tuple[str, ...]:
            return ()

    draft = compose_draft(Nothing(), "What is the capital of Peru?")
    assert [s.text for s in draft.sections] == ["The documents don't cover this."] * 2
    assert draft.citations == ()


def test_draft_api_on_the_running_app(ui_server: str) -> None:
    from gradio_client import Client

    markdown, path = Client(ui_server, verbose=False).predict(FINANCE_QUESTION, [], "", "", "", "", api_name="/draft")
    assert "## Policy insights" in markdown and "[1] Helpdesk answer on cluster finance" in markdown
    assert Path(path).read_text(encoding="utf-8").startswith("# Draft helpdesk reply")


def test_further_resources_pass_citation_verification() -> None:
    """Regression: the draft's "Further resources" citations were built without verification, breaking the rule
    that every cited statement reaching a user has passed it."""
    assistant = SectionAssistant()
    assistant.verify = lambda claims: []  # nothing verifies

    draft = compose_draft(assistant, "How do clusters help SMEs?")

    assert "Further resources" not in [s.heading for s in draft.sections]
    assert "Further resources" in [
        s.heading for s in compose_draft(SectionAssistant(), "How do clusters help SMEs?").sections
    ]
