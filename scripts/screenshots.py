"""Screenshots of the web app for the README: the empty chat, an answer with its sources, the draft tab.

Run against `policydesk serve` on the shipped corpus (`policydesk ingest corpus/` first):

    python scripts/screenshots.py http://127.0.0.1:7860/ docs/

Drives Debian's chromium headless (as the browser test does); it also prints, for the answer, the time from the
Enter key to the first visible text and to the first cited sentence, measured in the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
QUESTION = "What is an innovation voucher?"
REQUEST = "A regional agency wants to help its SMEs work with cluster organisations. Which good practices help?"
IDLE = "() => ![...document.querySelectorAll('[data-testid=status-tracker]')].some(t => !t.classList.contains('hide'))"
SOURCES_FOR = "q => document.querySelector('#sources .pd-question')?.innerText.includes(q)"
TIMER = """() => { window.pdTimes = {};
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !e.target.closest('#question') || window.pdTimes.enter) return;
    window.pdTimes.enter = performance.now();
    new MutationObserver((_, observer) => {
      const last = [...document.querySelectorAll("#chat [data-testid='bot']")].pop();
      if (!last) return;
      if (!window.pdTimes.text && last.innerText.trim()) window.pdTimes.text = performance.now();
      if (last.querySelector("a[href^='#source-']")) {
        window.pdTimes.cited = performance.now(); observer.disconnect();
      }
    }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
  }, {capture: true}); }"""


def main(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url)
        page.wait_for_selector("#chat button.example")
        page.wait_for_function(IDLE)  # the page's load events done: no progress timers in the picture
        page.screenshot(path=str(out / "empty-state.png"))
        page.evaluate(TIMER)
        page.fill("#question textarea", QUESTION)
        page.keyboard.press("Enter")
        page.wait_for_function(SOURCES_FOR, arg=QUESTION)
        page.wait_for_function("() => window.pdTimes.cited")
        times = page.evaluate("() => window.pdTimes")
        print(
            f"Enter -> first visible text {times['text'] - times['enter']:.0f} ms, "
            f"-> first cited sentence {times['cited'] - times['enter']:.0f} ms"
        )
        page.locator("#chat a[href^='#source-']").last.click()
        page.wait_for_timeout(300)  # let the panel's scroll settle before the picture (not a measurement)
        page.screenshot(path=str(out / "chat.png"))
        page.get_by_role("tab", name="Draft helpdesk reply").click()
        page.fill("#draft-request textarea", REQUEST)
        page.click("#draft-run")
        page.wait_for_function("() => document.querySelector('#draft-reply')?.innerText.includes('Sources')")
        page.screenshot(path=str(out / "draft.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/",
        Path(sys.argv[2] if len(sys.argv) > 2 else "docs"),
    )
