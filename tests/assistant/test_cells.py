"""Labelled bullet groups (a PDF table's cells) parsed from a page's passages, and found by the labels a question
names."""

from __future__ import annotations

from assistant.text import words
from assistant.writers.extractive.cells import labelled_cells
from ingest.records import Chunk

# Table 1 of the clusters brief as pypdf orders it: two labels of one row on a line, and a row label that comes
# after its own cell ("Cluster Formation", taller than the cells beside it).
PAGE = (
    "The tools can be regrouped into three lines of action (See Table 1).\n\n"
    "Improve Cluster Dynamics New Technology\n\n"
    "• Facilitate the diffusion of technology (events, workshops), •Build demonstrators and FabLabs,\n\n"
    "• Create an observatory and technology watch.\n\n"
    "Inter-Actor Network\n\n"
    "• Foster firm networks, •Form export networks.\n\n"
    "• Conduct competence audit, •Undertake strategic study and analysis,\n\n"
    "• Promote cluster marketing.\n\n"
    "Cluster Formation Improve Cluster Environment Factor Markets\n\n"
    "• Provide management and technical training, •Promote joint financing.\n\n"
    "Table 1. Possible cluster actions. Interregional learning is crucial."
)


def _chunks(text: str, cut: int, overlap: int = 40) -> list[Chunk]:
    """The page as two overlapping passages, as the chunker makes them."""
    spans = [(0, cut), (cut - overlap, len(text))]
    return [
        Chunk(f"c{i}", "briefs/b", text[a:b], 8, "Implementation", a, b, "Brief", "brief", "b.pdf", "h")
        for i, (a, b) in enumerate(spans)
    ]


def test_each_cell_gets_the_label_pypdf_puts_beside_it() -> None:
    chunks = _chunks(PAGE, PAGE.index("• Conduct") + 10)
    cells = {(cell.label, cell.label_at_end): [item.text for item in cell.items] for cell in labelled_cells(chunks)}
    assert cells[("Improve Cluster Dynamics New Technology", True)] == [
        "Facilitate the diffusion of technology (events, workshops)",
        "Build demonstrators and FabLabs",
        "Create an observatory and technology watch",
    ]
    assert cells[("Inter-Actor Network", True)] == ["Foster firm networks", "Form export networks"]
    label = "Cluster Formation Improve Cluster Environment Factor Markets"
    assert cells[(label, False)] == [
        "Conduct competence audit",
        "Undertake strategic study and analysis",
        "Promote cluster marketing",
    ]
    assert cells[(label, True)] == ["Provide management and technical training", "Promote joint financing"]


def test_every_item_is_verbatim_in_the_passage_it_is_cited_to() -> None:
    chunks = _chunks(PAGE, PAGE.index("• Conduct") + 10)  # cuts a bullet line: its items lie in the next passage
    for cell in labelled_cells(chunks):
        assert cell.label in cell.label_chunk.text
        for item in cell.items:
            assert item.text in item.chunk.text


def test_a_question_names_a_label_by_the_words_at_the_cells_end_of_the_line() -> None:
    cells = labelled_cells(_chunks(PAGE, len(PAGE) // 2))
    named = {
        question: [label for cell in cells if (label := cell.named_in(words(question)))]
        for question in (
            "Which actions does Table 1 list under 'New Technology'?",
            "Which actions does Table 1 list under 'Cluster Formation'?",
            "In Table 1, which actions fall under factor markets?",
            "What does a technology watch involve?",  # one word of a label is no name for it
            "Which actions improve cluster dynamics?",  # the line's other label, not this cell's
        )
    }
    assert list(named.values()) == [["New Technology"], ["Cluster Formation"], ["Factor Markets"], [], []]


def test_a_label_is_named_from_a_capitalised_word_on() -> None:
    """Bug: "on clusters" in a question named the label "Sources of further information on clusters"."""
    text = "Sources of further information on clusters\n\n• ECCP,\n\n• TCI Network."
    (cell,) = labelled_cells(_chunks(text, len(text)))
    assert cell.named_in(words("Which services of the helpdesk on clusters do you recommend?")) is None
    named = cell.named_in(words("Which are the sources of further information on clusters?"))
    assert named == "Sources of further information on clusters"


def test_prose_lists_and_sentences_are_no_cells() -> None:
    text = "Clusters offer three services:\n\n• training,\n\n• networking.\n\nThey are funded by regions."
    assert labelled_cells(_chunks(text, len(text) // 2)) == []
