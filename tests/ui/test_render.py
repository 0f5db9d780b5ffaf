"""Rendering answers for the web UI: linked markers, streamed sentences, escaped and highlighted sources."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.records import AnswerSentence, Citation, Filters
from assistant.ui_render import (
    chat_markdown,
    citation_html,
    filter_options,
    highlight,
    pdf_link,
    sources_panel,
    stream_parts,
)
from ingest.records import IndexedDocument
from tests.ui.fakes import HOSTILE, abstention, chunk, cited_answer


def test_markers_link_to_their_source_in_the_panel() -> None:
    text = chat_markdown(cited_answer(), 3)
    assert "[[1]](#source-3-1)" in text
    assert "[[2]](#source-3-2)" in text


def test_chat_text_shows_markup_as_text() -> None:
    text = chat_markdown(cited_answer(), 0)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script\\>alert(1)&lt;/script\\>" in text  # Markdown-escaped: renders as the same characters


@pytest.mark.parametrize(
    "text",
    [
        "R&D and S&T (CMO) apply!",
        "&amp; and &#169; and &copy; are written out",
        "![x](http://tracker.example/p.png) and [click](https://evil.example)",
        "<b>bold</b> <img src=x onerror=alert(1)> a < b",
        "*emphasis* _under_ `code` ~~struck~~ a | b",
        "# not a heading",
        "1. not a list",
        "- not a bullet",
        "> not a quote",
        "see www.example.org or mailto:x@example.org",
    ],
)
def test_escaped_markdown_renders_as_the_same_characters_and_nothing_else(text: str) -> None:
    """Rendered by a real CommonMark renderer with raw HTML allowed (the riskiest setting): one paragraph holding
    exactly ``text``."""
    import html

    from markdown_it import MarkdownIt

    from assistant.markup import escape_markdown

    rendered = MarkdownIt("commonmark", {"html": True}).render(escape_markdown(text)).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    inner = rendered[3:-4]
    assert "<" not in inner, rendered  # no tag of any kind inside the paragraph
    assert html.unescape(inner) == text


def test_answer_streams_sentence_by_sentence_and_ends_complete() -> None:
    parts = list(stream_parts(cited_answer(), 0))
    assert parts[0] == "Vouchers are small grants. [[1]](#source-0-1)"
    assert parts[-1] == chat_markdown(cited_answer(), 0)
    assert len(parts) == 2


def test_abstention_is_plain_and_names_nearest_documents() -> None:
    text = chat_markdown(abstention(), 0)
    assert text.startswith("**The documents don't cover this.**")
    assert "- Santara Valley (good practice)" in text
    assert "_Why: the documents found do not mention peru &lt;script\\>" in text and "<script" not in text
    panel = sources_panel([abstention()])
    assert "The documents don&#x27;t cover this." in panel and "Santara Valley" in panel


def test_highlight_escapes_everything_and_marks_the_quote() -> None:
    html = highlight(f"Before {HOSTILE} after.", f"{HOSTILE} after")
    assert "<script" not in html and "<img" not in html
    assert html.startswith("Before <mark>&lt;script&gt;")
    assert html.endswith("</mark>.")


def test_highlight_without_the_quote_only_escapes() -> None:
    assert highlight("a < b", "missing") == "a &lt; b"


def test_source_card_has_title_type_page_section_and_a_pdf_link() -> None:
    card = citation_html(Citation(2, chunk("Vouchers are small grants."), "small grants"), 1)
    assert 'id="source-1-2"' in card
    assert "Policy Brief: Clusters" in card
    assert "policy brief · p. 4 · Policy recommendation 1" in card
    assert "<mark>small grants</mark>" in card
    assert 'href="/document/brief/policy#page=4"' in card
    assert "corpus/briefs" not in card and "clusters.pdf" not in card  # no server path in the page


def test_hostile_titles_and_passages_render_inert() -> None:
    panel = sources_panel([cited_answer()])
    assert "<script" not in panel and "<img" not in panel and 'onerror="' not in panel
    assert "&lt;img src=x onerror=" in panel


def test_markdown_sources_get_no_pdf_link() -> None:
    assert pdf_link("good_practices/a", "corpus/good_practices/a.md", None) is None
    assert pdf_link("briefs/a b", "/srv/corpus/briefs/a b.pdf", None) == "/document/briefs/a%20b"


def test_two_citations_of_one_passage_are_one_card_with_both_quotes() -> None:
    """Regression: two citations of the same passage showed the passage twice, as two cards."""
    passage = chunk("Vouchers are small grants. They buy services from research centres. Firms like them.")
    answer = dataclasses.replace(
        cited_answer(),
        sentences=(
            AnswerSentence("Vouchers are small grants.", (1,)),
            AnswerSentence("They buy services from research centres.", (2,)),
        ),
        citations=(
            Citation(1, passage, "Vouchers are small grants."),
            Citation(2, passage, "They buy services from research centres."),
        ),
    )
    panel = sources_panel([answer])
    assert panel.count('class="pd-source"') == 1 and 'data-numbers="1 2"' in panel
    assert panel.count("<mark>") == 2 and "<b>[1]</b> <b>[2]</b>" in panel
    assert chat_markdown(answer, 0).count("(#source-0-1)") == 2  # both markers reach the one card


def test_overlapping_quotes_are_one_highlight() -> None:
    assert highlight("abcdef", ["bcd", "cde"]) == "a<mark>bcde</mark>f"


def test_an_abstention_under_a_filter_names_the_filter() -> None:
    text = chat_markdown(abstention(), 0, Filters(("good_practice",), country="Austria"))
    assert "active filters were searched (type: good practice; country: Austria)" in text
    assert "filter" not in chat_markdown(abstention(), 0)


def test_earlier_answers_fold_below_the_latest() -> None:
    panel = sources_panel([cited_answer("first?"), abstention("second?")])
    assert panel.index("second?") < panel.index("<details")
    assert 'id="source-0-1"' in panel


def test_filter_options_come_from_the_index() -> None:
    def doc(**metadata: object) -> IndexedDocument:
        return IndexedDocument("d", "t", "good_practice", "p", "h", 1, 1, "2026-01-01T00:00:00", dict(metadata))

    options = filter_options(
        [
            doc(country="Austria", region="Tyrol", themes=("SMEs", "vouchers")),
            doc(country="Latvia", region="not stated", project="Not stated"),
            doc(),
        ]
    )
    assert options == {
        "country": ["Austria", "Latvia"],
        "region": ["Tyrol"],
        "project": [],
        "theme": ["SMEs", "vouchers"],
    }


def test_document_markdown_is_shown_as_text_in_markdown_exports() -> None:
    """Bug: a title with ``![x](http://…)`` made every browser that showed a draft or an exported answer fetch the
    URL (a tracking pixel), and a link in a document's text became a live link."""
    from assistant.drafting import DraftReply, DraftSection
    from assistant.export import answer_to_markdown
    from assistant.markup import escape_markdown

    hostile = "Voucher ![x](http://tracker.example/p.png) [click](https://evil.example) <b>x</b> www.evil.example"
    answer = cited_answer()
    answer = dataclasses.replace(
        answer,
        sentences=(AnswerSentence(hostile, (1,)),),
        citations=(dataclasses.replace(answer.citations[0], quote=hostile, chunk=chunk(hostile, title=hostile)),),
    )
    draft = DraftReply(hostile, (DraftSection("Policy insights", "text"),), answer.citations)

    for markdown in (answer_to_markdown(answer), draft.markdown):
        assert "![x](" not in markdown and "[click](" not in markdown and "<b>" not in markdown
        assert "http://" not in markdown and "https://" not in markdown and "www.evil" not in markdown
    assert escape_markdown(hostile) in answer_to_markdown(answer)


def test_plain_prose_is_left_as_written() -> None:
    """Bug: a draft sent as plain text read "R&amp;D \\(CMO\\)": only what can start Markdown syntax is escaped."""
    from assistant.markup import escape_markdown

    assert escape_markdown("R&D and S&T (CMO) apply, 20%!") == "R&D and S&T (CMO) apply, 20%!"


def test_list_items_render_as_a_markdown_list_after_their_lead_in() -> None:
    """Items (headings, a table cell's bullets) ran on inline after the sentence that introduces them."""
    answer = dataclasses.replace(
        cited_answer(),
        sentences=(
            AnswerSentence("Firm Growth:", (1,)),
            AnswerSentence("Support cluster-based incubators", (1,), item=True),
            AnswerSentence("Encourage entrepreneur networks", (2,), item=True),
            AnswerSentence("Both need funding.", (2,)),
        ),
    )
    assert chat_markdown(answer, 0) == (
        "Firm Growth: [[1]](#source-0-1)\n\n"
        "- Support cluster-based incubators [[1]](#source-0-1)\n"
        "- Encourage entrepreneur networks [[2]](#source-0-2)\n\n"
        "Both need funding. [[2]](#source-0-2)"
    )
