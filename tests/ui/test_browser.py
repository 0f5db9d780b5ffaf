"""Real-browser tests: headless Debian Chromium against a running ``policydesk serve`` on the UI corpus.

Each test opens its own browser context (its own localStorage, so no conversation leaks between tests).
Timings are measured and printed (run with ``-s`` to see them), never asserted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_pdf
from tests.ui.conftest import FINANCE_QUESTION, HOSTILE_QUESTION, LONG_WORD
from tests.ui.pages import BOT, IDLE, LAST_BOT_TEXT, ask, open_app, wait_for_sources, wait_for_uploaded

MARKER_TITLE = "policydesk-mounted"
# In-page timing: from the Enter keydown in the question box to the first text in a new bot message and to the
# first citation link (the first verified sentence).
TIMER = """() => {
  window.pdTimes = {};
  const count = () => document.querySelectorAll("#chat [data-testid='bot']").length;
  const before = count();
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !e.target.closest('#question')) return;
    if (window.pdTimes.enter) return;
    window.pdTimes.enter = performance.now();
    const observer = new MutationObserver(() => {
      const m = document.querySelectorAll("#chat [data-testid='bot']");
      if (m.length <= before) return;
      const last = m[m.length - 1];
      if (!window.pdTimes.text && last.innerText.trim()) window.pdTimes.text = performance.now();
      if (!window.pdTimes.cited && last.querySelector("a[href^='#source-']")) {
        window.pdTimes.cited = performance.now(); observer.disconnect();
      }
    });
    observer.observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
  }, {capture: true});
}"""


def test_empty_state_teaches_the_first_question_and_an_example_asks_itself(ui_server: str, page: Any) -> None:
    open_app(page, ui_server)
    chat = page.locator("#chat")
    assert "I know 3 documents (2 good practices, 1 helpdesk answer)" in chat.inner_text()
    assert "Austria" in chat.inner_text() and "not stated" not in chat.inner_text()
    examples = chat.locator("button.example")
    assert examples.count() >= 1, chat.inner_text()
    question = examples.first.inner_text().strip()
    examples.first.click()
    page.wait_for_function(f"() => ({LAST_BOT_TEXT})().includes('[1]')")
    assert page.locator("#chat [data-testid='user']").first.inner_text().strip() == question
    assert page.locator("#sources .pd-source").count() >= 1


def test_keyboard_only_ask_one_card_per_passage_and_a_citation_scrolls_only_the_panel(
    ui_server: str, page: Any
) -> None:
    open_app(page, ui_server)
    page.evaluate(TIMER)
    for _ in range(40):  # Tab from the top of the page to the question box: reachable without a mouse
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.closest('#question') !== null"):
            break
    else:
        pytest.fail("the question box is not reachable with Tab")
    page.keyboard.type(FINANCE_QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.pdTimes.cited", polling=20)
    times = page.evaluate("() => window.pdTimes")
    print(
        f"\nEnter -> first visible text: {times['text'] - times['enter']:.0f} ms; "
        f"Enter -> first cited sentence: {times['cited'] - times['enter']:.0f} ms"
    )
    wait_for_sources(page, FINANCE_QUESTION)

    cards = page.locator("#sources .pd-sources > .pd-source")
    chunks = [cards.nth(i).get_attribute("data-chunk") for i in range(cards.count())]
    numbers = [cards.nth(i).get_attribute("data-numbers").split() for i in range(cards.count())]
    assert len(chunks) == len(set(chunks)), f"a passage has two cards: {chunks}"
    assert any(len(n) > 1 for n in numbers), f"expected one passage cited twice: {numbers}"
    shared = cards.nth(next(i for i, n in enumerate(numbers) if len(n) > 1))
    assert shared.locator("mark").count() >= 2, shared.inner_html()

    # Shift+Tab back from the question box into the answer, to its last citation link; Enter follows it.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => !!document.activeElement?.matches(\"#chat a[href^='#source-']\")"):
            break
    else:
        pytest.fail("no citation link is reachable with Shift+Tab")
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    scroll_before = page.evaluate("() => window.scrollY")
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById(id).classList.contains('pd-current')", arg=href[1:])
    assert page.evaluate("() => window.scrollY") == scroll_before, "the page scrolled; the tabs would go"
    assert page.evaluate("() => location.hash") == "", "an anchor jump happened"
    assert page.locator("[role='tab']").first.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('pd-source')")

    label = page.locator(BOT).last.get_attribute("aria-label")
    assert label.startswith("PolicyDesk's answer: ") and "](#source-" not in label, label
    meta = page.locator("#sources .pd-source-meta").first
    assert _contrast(page, meta) >= 4.5
    link = page.locator("#sources .pd-source a").all()
    assert all("/gradio_api/file=" not in (a.get_attribute("href") or "") for a in link)


def _contrast(page: Any, element: Any) -> float:
    """WCAG contrast ratio of an element's text colour against the first opaque background behind it."""
    return float(
        element.evaluate(
            """el => {
          const rgb = c => c.match(/[\\d.]+/g).map(Number);
          let node = el, bg = null;
          while (node && !bg) { const c = rgb(getComputedStyle(node).backgroundColor);
            if (c.length < 4 || c[3] > 0) bg = c; node = node.parentElement; }
          bg = bg || [255, 255, 255];
          const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126*r + 0.7152*g + 0.0722*b; };
          const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
        )
    )


def test_hostile_markup_stays_inert(ui_server: str, page: Any) -> None:
    open_app(page, ui_server)
    page.evaluate(f"document.title = '{MARKER_TITLE}'")  # Gradio resets the title on mount: mark after it
    ask(page, HOSTILE_QUESTION)
    assert "welding academy" in page.locator("#sources mark").first.inner_text().lower()
    assert page.title() == MARKER_TITLE, "an injected handler changed the title"
    assert page.locator("#sources img, #sources script, #chat .message img[src='x']").count() == 0
    assert "<img src=x onerror=" in page.locator("#sources").inner_text(), "hostile markup not shown as text"
    assert LONG_WORD in page.locator("#sources").inner_text()
    width = page.evaluate("() => { const p = document.querySelector('#sources'); return p.scrollWidth-p.clientWidth }")
    assert width <= 1, f"the sources panel overflows sideways by {width}px (a long word must wrap)"


def test_an_active_filter_is_a_chip_the_abstention_names_and_a_click_removes(ui_server: str, page: Any) -> None:
    open_app(page, ui_server)
    page.get_by_text("Filters").first.click()
    country = page.locator("#chat ~ * .filter-country input, .filter-country input").first
    country.click()
    page.get_by_role("option", name="Austria").click()
    chip = page.locator("#chip-country")
    chip.wait_for()
    assert chip.inner_text().startswith("country: Austria")
    answer = ask(page, "What is the capital of Peru?")
    assert "active filters were searched (country: Austria)" in answer, answer
    chip.click()
    chip.wait_for(state="hidden")
    assert page.locator(".filter-country input").first.input_value() in ("", "any")


def test_conversation_feedback_export_reload_and_new_chat(ui_server: str, ui_index: Path, page: Any) -> None:
    open_app(page, ui_server)
    ask(page, FINANCE_QUESTION)
    second = ask(page, HOSTILE_QUESTION)
    assert "[1]" in second

    dislikes = page.locator("#chat button[aria-label='Dislike']")
    assert dislikes.count() == 2  # one per answer
    dislikes.nth(1).click()
    form = page.locator("#feedback-form").first  # Gradio puts a group's id on two nested elements
    form.wait_for()
    assert "answer 2" in form.inner_text()
    page.fill("#comment textarea", "Names the academy but not the course length.")
    page.click("#feedback-send")
    page.get_by_text("Thanks — your 👎 with your comment on answer 2 was saved.").first.wait_for()
    stored = json.loads((ui_index / "feedback.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert stored["question"] == HOSTILE_QUESTION and stored["rating"] == "down"
    assert stored["comment"] == "Names the academy but not the course length."
    assert stored["answer_json"]["question"] == HOSTILE_QUESTION and stored["writer"] == "extractive"

    with page.expect_download() as download:
        page.click("#export")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {FINANCE_QUESTION}" in text and f"## 2. {HOSTILE_QUESTION}" in text and "**Sources**" in text

    page.reload()
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 2')
    wait_for_sources(page, HOSTILE_QUESTION)

    page.click("#new-chat")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 0')
    assert page.locator("#chat button.example").count() >= 1
    assert "appear here" in page.locator("#sources").inner_text()
    page.reload()
    page.wait_for_selector("#chat button.example")
    assert page.locator(BOT).count() == 0, "New chat did not clear the kept conversation"


# The empty state's heading, the chat's floating label, and whether the heading is what shows at its own place.
HEADING_AND_LABEL = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const heading = document.querySelector('#chat .placeholder h3');
  const label = document.querySelector('#chat [data-testid=block-label]');
  const [left, top, , bottom] = box(heading);
  const shown = document.elementFromPoint(left + 4, (top + bottom) / 2);
  return {heading: box(heading), label: box(label), shown: !!shown && heading.contains(shown)};
}"""


@pytest.mark.parametrize("width", [1400, 800])
def test_the_empty_state_heading_clears_the_chat_label(rich_server: str, page: Any, width: int) -> None:
    """Regression: the empty state was centred in the chat box, so a tall one (the shipped corpus's six examples)
    rose under the box's floating "Conversation" label, and the chat's autoscroll then hid its heading."""
    page.set_viewport_size({"width": width, "height": 1000})
    open_app(page, rich_server)
    page.wait_for_selector("#chat button.example")
    geometry = page.evaluate(HEADING_AND_LABEL)
    (h_left, h_top, h_right, h_bottom), (l_left, l_top, l_right, l_bottom) = geometry["heading"], geometry["label"]
    overlap = h_left < l_right and l_left < h_right and h_top < l_bottom and l_top < h_bottom
    assert not overlap, f"the heading {geometry['heading']} overlaps the label {geometry['label']}"
    assert geometry["shown"], "the heading is covered or scrolled out of view"


def test_a_pdf_uploaded_with_a_country_is_offered_by_the_country_filter(
    rich_server: str, page: Any, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "slovenian-trust.pdf")
    open_app(page, rich_server)
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#upload-file input[type=file]", str(pdf))
    wait_for_uploaded(page, "slovenian-trust")
    page.fill("#upload-country textarea", "Slovenia")
    page.click("#upload-run")
    page.get_by_text("briefs/slovenian-trust was added").first.wait_for()
    page.wait_for_function(IDLE)  # the filters refreshed after the upload

    page.get_by_role("tab", name="Ask").click()
    page.get_by_text("Filters").first.click()
    page.locator(".filter-country input").first.click()
    page.get_by_role("option", name="Slovenia").click()
    page.locator("#chip-country").wait_for()
    ask(page, "How can a region build trust between cluster members?")
    links = {a.get_attribute("href").split("#")[0] for a in page.locator("#sources .pd-source a").all()}
    assert links == {"/document/briefs/slovenian-trust"}, links  # the same text in the corpus's brief is filtered out

    page.get_by_role("tab", name="Documents").click()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="(briefs/slovenian-trust)").click()
    page.locator("#remove-confirm input").check()
    page.click("#remove-run")
    page.get_by_text("Removed Clusters in practice: a test brief (briefs/slovenian-trust).").first.wait_for()
    page.get_by_role("tab", name="Ask").click()
    page.locator(".filter-country input").first.click()
    page.get_by_role("option", name="Austria").wait_for()
    assert page.get_by_role("option", name="Slovenia").count() == 0, "a removed document's country is still offered"
