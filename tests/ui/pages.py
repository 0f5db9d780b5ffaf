"""Driving the web app in a real browser: open it, ask a question and wait for the whole answer."""

from __future__ import annotations

from typing import Any

BOT = "#chat [data-testid='bot']"
LAST_BOT_TEXT = (
    "() => { const m = document.querySelectorAll(\"#chat [data-testid='bot']\");"
    " return m.length ? m[m.length - 1].innerText.trim() : ''; }"
)


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea")


def ask(page: Any, question: str) -> str:
    """Type ``question``, press Enter and wait until the answer is complete (its sources are in the panel)."""
    answers = page.locator(BOT).count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f'() => document.querySelectorAll("{BOT}").length > {answers}')
    wait_for_sources(page, question)
    page.wait_for_function("() => !document.querySelector('#chat .pending, #chat .generating')")
    return str(page.evaluate(LAST_BOT_TEXT))


def wait_for_sources(page: Any, question: str) -> None:
    page.wait_for_function("q => document.querySelector('#sources .pd-question')?.innerText.includes(q)", arg=question)
