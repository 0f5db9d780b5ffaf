"""Keyboard reach: with Tab / Shift+Tab / Enter / Space / arrow keys only, every control of every tab is reached
and operated, in a real browser against a real ``policydesk serve`` (the rich corpus, which has a PDF).

Two checks per view: each control the test operates is found by pressing Tab (never clicked), and a sweep over
the whole Tab order must visit every visible control on the page (a button, link, field, summary or tab), each
with an accessible name. A control with ``tabindex=-1``, or one only a mouse can reach, fails the sweep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_pdf
from tests.ui.pages import BOT, IDLE, LAST_BOT_TEXT, expect_file_chooser, open_app, wait_for_sources, wait_for_uploaded

TRUST_QUESTION = "How can a region build trust between cluster members?"
DRAFT_REQUEST = "Our agency wants to give SMEs innovation vouchers for work with clusters. What has worked?"
TAB_LIMIT = 120

# Everything a user can operate, by what it is rather than by whether it is focusable: a button with
# tabindex=-1 is still listed here, and then fails the sweep. A grid (the documents table) is one Tab stop whose
# cells the arrow keys reach, as the ARIA grid pattern has it; its test checks the arrows.
CONTROLS = """() => [...document.querySelectorAll(`button, a[href], input:not([type=hidden]), textarea, select,
    summary, [role=tab], [role=button], [role=checkbox], [role=radio], [role=combobox]`)]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden' && !e.disabled
    && !e.closest('[inert], [aria-hidden=true], [role=grid]'))"""
DESCRIBE = """e => `${e.tagName.toLowerCase()} "${(e.getAttribute('aria-label') || e.innerText || e.value || '')
  .trim().slice(0, 40)}" in #${e.closest('[id]')?.id || '?'}`"""
ACCESSIBLE_NAME = """e => (e.getAttribute('aria-label') || e.innerText || e.title || e.placeholder
  || [...(e.labels || [])].map(l => l.innerText).join(' ') || e.closest('label')?.innerText
  || (e.getAttribute('aria-labelledby') && document.getElementById(e.getAttribute('aria-labelledby'))?.innerText)
  || '').trim()"""


def press_until(page: Any, predicate: str, *, key: str = "Tab", what: str = "") -> None:
    """Press ``key`` until the focused element satisfies the JS ``predicate`` (``e => …``); fail if it never does."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press(key)
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!e && ({predicate})(e); }}"):
            return
    pytest.fail(f"{what or predicate} is not reachable with {key}")


def tab_to(page: Any, selector: str, *, back: bool = False) -> None:
    """Tab (Shift+Tab with ``back``) to the first element matching ``selector``."""
    press_until(page, f"e => e.matches({selector!r})", key="Shift+Tab" if back else "Tab", what=selector)


def assert_every_control_is_reached(page: Any) -> None:
    """Sweep the whole Tab order once; every visible control must be visited and have an accessible name."""
    page.evaluate("() => document.querySelectorAll('[data-pd-reached]').forEach(e => delete e.dataset.pdReached)")
    first = None
    for _ in range(TAB_LIMIT * 2):
        page.keyboard.press("Tab")
        marked = page.evaluate(
            "() => { const e = document.activeElement; if (!e || e === document.body) return 'body';"
            " const again = e.dataset.pdReached === '1'; e.dataset.pdReached = '1'; return again ? 'again' : 'new'; }"
        )
        first = first or marked
        if marked == "again":
            break
    missed = page.evaluate(f"() => ({CONTROLS})().filter(e => e.dataset.pdReached !== '1').map({DESCRIBE})")
    assert not missed, f"not reachable with Tab: {missed}"
    nameless = page.evaluate(f"() => ({CONTROLS})().filter(e => !({ACCESSIBLE_NAME})(e)).map({DESCRIBE})")
    assert not nameless, f"controls without an accessible name: {nameless}"


def choose_option(page: Any, combobox: str, text: str) -> None:
    """Tab to a dropdown, type ``text`` over what it shows (Ctrl+A first), wait until that option is highlighted
    and pick it with Enter; return once the pick is taken."""
    tab_to(page, combobox)
    page.evaluate("() => { document.activeElement.dataset.pdChoosing = '1'; }")
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    # Any open list counts (Gradio leaves the lists of dropdowns Tab passed through open).
    highlighted = "t => [...document.querySelectorAll('[role=option].active')].some(o => o.ariaLabel === t)"
    page.wait_for_function(highlighted, arg=text)
    page.keyboard.press("Enter")
    page.wait_for_function("t => document.querySelector('[data-pd-choosing]').value === t", arg=text)
    # The typed text equals the option before Gradio has taken the pick; it takes it, then blurs the input. A Tab
    # before that left the input unpicked, and Gradio cleared it (a clean-clone CI run failed so 3 times in 5).
    page.wait_for_function("() => !document.activeElement.matches('[data-pd-choosing]')")
    page.evaluate("() => document.querySelectorAll('[data-pd-choosing]').forEach(e => delete e.dataset.pdChoosing)")


def _answers(page: Any) -> int:
    return int(page.evaluate(f'() => document.querySelectorAll("{BOT}").length'))


def _wait_answered(page: Any, count: int) -> None:
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === {count}')
    page.wait_for_function(f"() => ({LAST_BOT_TEXT})().includes('[1]')")
    page.wait_for_function("() => !document.querySelector('#chat .pending, #chat .generating')")


def test_the_ask_tab_by_keyboard_only(rich_server: str, page: Any) -> None:
    open_app(page, rich_server)
    page.wait_for_selector("#chat button.example")
    assert_every_control_is_reached(page)  # the empty state: tabs, examples, question box, buttons

    tab_to(page, "#chat button.example")
    page.keyboard.press("Enter")
    _wait_answered(page, 1)
    tab_to(page, "#question textarea")
    page.keyboard.type(TRUST_QUESTION)
    page.keyboard.press("Tab")  # the question box's own send button
    assert page.evaluate("() => document.activeElement.closest('#question') && document.activeElement.tagName")
    page.keyboard.press("Enter")
    _wait_answered(page, 2)
    wait_for_sources(page, TRUST_QUESTION)

    press_until(page, "e => e.matches('button.label-wrap') && e.innerText.includes('Filters')", what="Filters")
    page.keyboard.press("Enter")
    tab_to(page, ".filter-type input[type=checkbox]")
    page.keyboard.press("Space")
    page.locator("#chip-type").wait_for()
    choose_option(page, ".filter-country input", "Austria")
    page.locator("#chip-country").wait_for()

    page.keyboard.press("Shift+Tab")  # off the dropdown, whose options would take the sweep's first Tab
    assert_every_control_is_reached(page)  # answers, thumbs, citations, PDF link, open filters, two chips

    tab_to(page, "#chip-country", back=True)
    page.keyboard.press("Enter")
    page.locator("#chip-country").wait_for(state="hidden")
    tab_to(page, "#chip-type", back=True)
    page.keyboard.press("Space")
    page.locator("#chip-type").wait_for(state="hidden")
    assert page.locator(".filter-type input:checked").count() == 0

    _rate_by_keyboard(page)
    _follow_citations_by_keyboard(page)

    tab_to(page, "#export")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert f"## 2. {TRUST_QUESTION}" in Path(download.value.path()).read_text(encoding="utf-8")
    tab_to(page, "#new-chat", back=True)
    page.keyboard.press("Space")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 0')


def _rate_by_keyboard(page: Any) -> None:
    """Like answer 1 then cancel; dislike answer 2 with a comment and send it."""
    tab_to(page, "#chat button[aria-label='Like']", back=True)
    page.keyboard.press("Enter")
    form = page.locator("#feedback-form").first
    form.wait_for()
    tab_to(page, "#feedback-cancel")
    page.keyboard.press("Enter")
    form.wait_for(state="hidden")
    second = "e => e === document.querySelectorAll(\"#chat button[aria-label='Dislike']\")[1]"
    press_until(page, second, key="Shift+Tab", what="the second answer's Dislike")
    page.keyboard.press("Enter")
    form.wait_for()
    assert "answer 2" in form.inner_text()
    tab_to(page, "#comment textarea")
    page.keyboard.type("Cites the brief, good.")
    page.keyboard.press("Shift+Tab")
    assert_every_control_is_reached(page)  # with the comment form open
    tab_to(page, "#feedback-send")
    page.keyboard.press("Enter")
    page.get_by_text("with your comment on answer 2 was saved.").first.wait_for()


def _follow_citations_by_keyboard(page: Any) -> None:
    """Enter on a citation marks its card; Enter on the PDF link opens the document; Enter opens earlier sources."""
    press_until(page, "e => e.matches(\"#chat a[href^='#source-1-']\")", key="Shift+Tab", what="a citation")
    target = page.evaluate("() => document.activeElement.getAttribute('href').slice(1)")
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById(id).classList.contains('pd-current')", arg=target)
    tab_to(page, "#sources a[href^='/document/']")
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    assert "/document/briefs/trust-brief" in opened.value.url
    opened.value.close()
    page.bring_to_front()
    tab_to(page, "#sources summary")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#sources details.pd-earlier').open")


def test_the_draft_tab_by_keyboard_only(rich_server: str, page: Any) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_app(page, rich_server)
    press_until(page, "e => e.getAttribute('role') === 'tab' && e.innerText.includes('Draft')", what="Draft tab")
    page.keyboard.press("Enter")
    tab_to(page, "#draft-request textarea")
    page.keyboard.type(DRAFT_REQUEST)
    press_until(page, "e => e.matches('button.label-wrap') && e.innerText.includes('Filters')", what="Filters")
    page.keyboard.press("Enter")
    choose_option(page, ".filter-theme input", "SMEs")  # the Ask tab's filters are hidden: Tab skips them
    tab_to(page, "#draft-run")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#draft-reply')?.innerText.includes('Sources')")
    tab_to(page, "#draft-download")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    press_until(page, "e => e.matches('button.label-wrap') && e.innerText.includes('Markdown to paste')")
    page.keyboard.press("Enter")
    tab_to(page, "#draft-markdown button")
    page.keyboard.press("Enter")
    # The copy button writes the clipboard asynchronously: wait until it holds the draft (times out if it never does).
    page.wait_for_function("async m => (await navigator.clipboard.readText()) === m", arg=markdown, timeout=10_000)
    assert_every_control_is_reached(page)


def test_the_documents_tab_by_keyboard_only(rich_server: str, page: Any, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "keyboard-brief.pdf")
    open_app(page, rich_server)
    press_until(page, "e => e.getAttribute('role') === 'tab' && e.innerText.includes('Documents')", what="tab")
    page.keyboard.press("Enter")
    tab_to(page, "#documents [role=gridcell]")
    before = page.evaluate("() => document.activeElement.innerText")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("b => document.activeElement.innerText !== b", arg=before, timeout=10_000)

    tab_to(page, "#upload-file button")
    with expect_file_chooser(page) as chooser:  # not page.expect_file_chooser(): see there
        page.keyboard.press("Enter")
    chooser.value.set_files(str(pdf))
    wait_for_uploaded(page, "keyboard-brief")
    # Gradio's radios are one Tab stop each (no shared name, so arrow keys do not move between them): Space picks.
    checked = "() => document.querySelector('input[type=radio]:checked').closest('label').innerText.trim()"
    tab_to(page, "input[type=radio]:not(:checked)")
    page.keyboard.press("Space")
    assert page.evaluate(checked) == "helpdesk answer"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    assert page.evaluate(checked) == "policy brief"
    tab_to(page, "#upload-country textarea")
    page.keyboard.type("Estonia")
    page.keyboard.press("Shift+Tab")
    assert_every_control_is_reached(page)  # a file chosen: its own remove button too
    tab_to(page, "#upload-run")
    page.keyboard.press("Enter")
    page.get_by_text("briefs/keyboard-brief was added").first.wait_for()
    # The upload's event refreshes the lists too: wait for what it brings, the new document's row in the table.
    page.wait_for_function("() => document.querySelector('#documents').innerText.includes('briefs/keyboard-brief')")
    page.wait_for_function(IDLE)

    choose_option(page, "#remove-choice input", "Clusters in practice: a test brief (briefs/keyboard-brief)")
    tab_to(page, "#remove-confirm input")
    page.keyboard.press("Space")
    assert page.locator("#remove-confirm input").is_checked()
    tab_to(page, "#remove-run")
    assert (
        page.locator("#remove-choice input").input_value()
        == "Clusters in practice: a test brief (briefs/keyboard-brief)"
    )
    page.keyboard.press("Enter")
    page.get_by_text("Removed Clusters in practice: a test brief (briefs/keyboard-brief).").first.wait_for()
