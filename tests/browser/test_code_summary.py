"""The code page summary: its values in the first screen, clean copying, one printed page."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import MOBILE

pytestmark = pytest.mark.browser

FIRST_SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": MOBILE}
CODES = {
    "S9329": "/codes/S9329/",
    "E0601": "/codes/E0601/",
    "J0135": "/codes/J0135/",
    "G0556": "/codes/G0556/",
    "S0039": "/codes/S0039/",
    "G9197": "/codes/G9197/",
    "GY": "/modifiers/GY/",
}


def bottoms(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "nodes => nodes.map(n => n.getBoundingClientRect().bottom)"
    )


@pytest.mark.parametrize("screen", FIRST_SCREENS)
@pytest.mark.parametrize("code", CODES)
def test_summary_values_are_in_the_first_screen(new_context, screen, code, screenshots):
    viewport = FIRST_SCREENS[screen]
    page = new_context(viewport=viewport, is_mobile=screen == "phone").new_page()
    page.goto(CODES[code])

    facts = bottoms(page, ".facts .fact")
    heading = bottoms(page, "h1, .status-row")
    page.screenshot(path=screenshots / f"summary-{code}-{screen}.png")

    assert len(facts) >= (4 if code == "GY" else 9)
    assert max(facts + heading) <= viewport["height"], (code, screen, facts)


TARGET_BOXES = """nodes => nodes.map(n => {
  const box = n.getBoundingClientRect();
  return [box.left, box.top, box.right, box.bottom];
})"""


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("code", ["S9329", "S0039", "G9197"])
def test_phone_summary_help_targets_are_24_px_and_apart(new_context, code):
    page = new_context(viewport=MOBILE, is_mobile=True).new_page()
    page.goto(CODES[code])

    boxes = page.eval_on_selector_all(".facts .tip-trigger", TARGET_BOXES)

    assert len(boxes) >= 9
    assert all(right - left >= 24 and bottom - top >= 24 for left, top, right, bottom in boxes)
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
    assert overlapping == []


def test_phone_header_keeps_every_main_link_in_one_row_that_scrolls(new_context):
    page = new_context(viewport=MOBILE, is_mobile=True, java_script_enabled=False).new_page()
    page.goto("/codes/S0039/")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")

    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert links.count() == 7
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in boxes), boxes
    assert page.locator(".site-header").bounding_box()["height"] < 90
    links.last.focus()
    strip = page.locator(".main-nav").bounding_box()
    last = links.last.bounding_box()
    assert strip["x"] <= last["x"] and last["x"] + last["width"] <= strip["x"] + strip["width"]


def test_phone_code_page_has_no_wcag_violations(new_context):
    page = new_context(viewport=MOBILE, is_mobile=True).new_page()
    page.goto("/codes/S0039/")

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}}
    violations = Axe().run(page, options=options).response["violations"]

    assert [violation["id"] for violation in violations] == []


def test_terminated_code_shows_its_end_date_in_the_first_screen(new_context):
    page = new_context(viewport=MOBILE).new_page()
    page.goto("/codes/J0135/")

    banner = page.locator(".banner-terminated")
    assert "Ended on December 31, 2024" in banner.inner_text()
    assert banner.bounding_box()["y"] + banner.bounding_box()["height"] <= MOBILE["height"]


def test_selecting_a_value_copies_code_and_meaning_with_a_space(page):
    page.goto("/codes/S9329/")

    copied = page.evaluate(
        """() => {
            const value = document.querySelector('#field-action_code dd');
            const range = document.createRange();
            range.selectNodeContents(value);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }"""
    )

    assert copied == "N No maintenance for this code"


def test_copy_button_puts_the_code_on_the_clipboard(new_context):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/codes/S9329/")

    page.get_by_role("button", name="Copy S9329").click()

    assert page.evaluate("() => navigator.clipboard.readText()") == "S9329"
    assert page.get_by_role("status").filter(has_text="Copied S9329").count() == 1


def test_without_javascript_there_is_no_copy_button(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/codes/S9329/")

    assert page.get_by_role("button", name="Copy S9329").count() == 0


def printed_pages(page) -> tuple[int, str]:
    pdf = page.pdf(format="Letter", print_background=False)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf)), page.locator(".print-meta").inner_text()


def test_s9329_prints_on_one_page_with_its_address_and_the_date(page):
    page.goto("/codes/S9329/")
    page.emulate_media(media="print")

    pages, meta = printed_pages(page)

    assert pages == 1
    assert re.search(r"Printed from http://127\.0\.0\.1:\d+/codes/S9329/ on \d{4}-\d\d-\d\d", meta)
    assert page.locator(".code-neighbours").is_hidden()
    assert page.locator(".copy-button").is_hidden()


def test_g0556_prints_on_two_pages(page):
    page.goto("/codes/G0556/")

    pages, _meta = printed_pages(page)

    assert pages <= 2


def test_history_table_on_a_phone_breaks_between_words(mobile_page):
    mobile_page.goto("/codes/J0135/")

    widths = mobile_page.eval_on_selector_all(
        ".history-changes td", "cells => cells.map(c => c.getBoundingClientRect().width)"
    )

    # Broken letter by letter, cells were a few characters wide.
    assert widths and min(widths) > 60, widths
