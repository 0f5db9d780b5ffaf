"""One real-browser test: headless Debian Chromium against a running ``policydesk serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import HOSTILE_QUESTION

MARKER_TITLE = "policydesk-mounted"
LAST_ASSISTANT_TEXT = (
    "() => { const m = document.querySelectorAll('#chat .message.bot');"
    " return m.length ? m[m.length - 1].innerText.trim() : ''; }"
)


def test_ask_click_a_citation_and_hostile_markup_stays_inert(ui_server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    shot = tmp_path / "policydesk-browser.png"
    seen: list[str] = []
    try:
        page.goto(ui_server)
        page.wait_for_selector("#question textarea")
        page.evaluate(f"document.title = '{MARKER_TITLE}'")  # Gradio resets the title on mount: mark after it
        page.fill("#question textarea", HOSTILE_QUESTION)
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => ({LAST_ASSISTANT_TEXT})().length > 0", polling=20)
        seen.append(page.evaluate(LAST_ASSISTANT_TEXT))  # the first streamed text
        marker = page.locator("#chat a[href='#source-0-1']")
        marker.wait_for()
        page.wait_for_selector("#sources #source-0-1")
        seen.append(page.evaluate(LAST_ASSISTANT_TEXT))
        marker.click()
        target = page.locator("#sources #source-0-1")
        page.wait_for_function("() => location.hash === '#source-0-1'")
        page.screenshot(path=str(shot), full_page=True)
        note = f"(screenshot: {shot}; chat text seen: {seen})"

        # The first text is the "searching…" state shown at once, or already the start of the answer.
        searching = seen[0].startswith("Searching the documents")
        assert searching or seen[-1].startswith(seen[0][:20]), f"the streamed answer did not build up {note}"
        assert target.is_visible(), note
        assert target.locator("mark").first.is_visible(), note
        assert "welding academy" in target.locator("mark").first.inner_text().lower(), note
        assert page.title() == MARKER_TITLE, f"an injected handler changed the title {note}"
        assert page.locator("#sources img, #sources script, #chat .message img[src='x']").count() == 0, note
        shown = page.locator("#sources").inner_text()
        assert "<img src=x onerror=" in shown, f"hostile markup not shown as text {note}"
    finally:
        if not shot.exists():
            page.screenshot(path=str(shot), full_page=True)
        page.close()
