"""Driving the web app in a real browser: open it, ask a question and wait for the whole answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BOT = "#chat [data-testid='bot']"
LAST_BOT_TEXT = (
    "() => { const m = document.querySelectorAll(\"#chat [data-testid='bot']\");"
    " return m.length ? m[m.length - 1].innerText.trim() : ''; }"
)


# No component shows Gradio's progress overlay, which covers it while the page's load events run (slowly, on a
# busy machine): what is measured or pressed then is the overlay.
IDLE = "() => ![...document.querySelectorAll('[data-testid=status-tracker]')].some(t => !t.classList.contains('hide'))"


def open_app(page: Any, url: str) -> None:
    """Open the app at ``url`` and wait until its load events are done."""
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.wait_for_function(IDLE)


def ask(page: Any, question: str) -> str:
    """Type ``question``, press Enter and wait until the answer is complete (its sources are in the panel)."""
    answers = page.locator(BOT).count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length > {answers}')
    wait_for_sources(page, question)
    page.wait_for_function("() => !document.querySelector('#chat .pending, #chat .generating')")
    return str(page.evaluate(LAST_BOT_TEXT))


@contextmanager
def expect_file_chooser(page: Any) -> Iterator[Any]:
    """``page.expect_file_chooser()`` that Chromium is ready for before the body runs (the body opens the chooser).

    Starting the wait turns on Chromium's file chooser interception (``Page.setInterceptFileChooserDialog``), but
    Playwright sends that without waiting for the reply, and a busy renderer runs input before DevTools commands:
    a key pressed at once may open the chooser first, un-intercepted, which headless Chromium cancels, and no
    "filechooser" event ever comes. A call into the page on the same DevTools session is answered only after that
    command has been handled."""
    with page.expect_file_chooser() as chooser:
        page.evaluate("() => document.activeElement?.tagName")
        yield chooser


def wait_for_uploaded(page: Any, stem: str) -> None:
    """Wait until the file box holds the uploaded file ``stem`` (it shows the stem and the suffix apart, and the
    whole name only while the file is still uploading)."""
    page.wait_for_function(
        "s => { const t = document.querySelector('#upload-file').innerText;"
        " return t.includes(s) && t.includes('KB') && !t.includes('Uploading'); }",
        arg=stem,
    )


def wait_for_sources(page: Any, question: str) -> None:
    page.wait_for_function("q => document.querySelector('#sources .pd-question')?.innerText.includes(q)", arg=question)
