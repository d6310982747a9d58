"""The DMEPOS fee section in a real browser: the state form by keyboard, without JavaScript,
and axe on the fee pages (A4221 in the real 2025-apr fee schedule)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import MOBILE, page_width, tab_to
from tests.browser.test_accessibility import THEMES, axe_violations, describe

pytestmark = pytest.mark.browser

FEE_PAGES = {
    "code with fees": "/codes/A4221/",
    "code with fees, one state": "/codes/A4221/?state=AL",
    "code with fees, rural ZIP": "/codes/A4221/?state=MA&zip=01223",
    "code with fees, bad ZIP": "/codes/A4221/?zip=12ab",
    "code with modifiers": "/codes/E0950/",
    "fee schedule list": "/dmepos/?category=SU",
    "fee schedule changes": "/dmepos/changes/",
}


def test_state_selector_works_with_the_keyboard(page, screenshots):
    page.goto("/codes/A4221/")
    state = page.locator("#dmepos-state")

    tab_to(page, state)
    page.keyboard.type("Alabama")
    expect(state).to_have_value("AL")
    page.keyboard.press("Tab")
    expect(page.locator("#dmepos-zip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".state-form button")).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url("**/codes/A4221/?state=AL&zip=#dmepos-fees")
    table = page.locator("#dmepos-fees .fee-table").first
    expect(table).to_contain_text("Alabama non-rural")
    expect(table).to_contain_text("$25.19")
    expect(table).to_contain_text("$28.41")
    expect(page.locator("#dmepos-state")).to_have_value("AL")
    page.locator("#dmepos-fees").screenshot(path=screenshots / "dmepos-fees-alabama.png")


def test_state_selector_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/codes/A4221/")

    page.select_option("#dmepos-state", "AL")
    page.fill("#dmepos-zip", "35004")
    page.click(".state-form button")

    page.wait_for_url("**/codes/A4221/?state=AL&zip=35004#dmepos-fees")
    expect(page.locator("#dmepos-fees .fee-table").first).to_contain_text("$25.19")
    expect(page.locator(".zip-answer")).to_contain_text("35004 is not rural")


def test_every_state_table_unfolds_from_the_keyboard(page):
    page.goto("/codes/A4221/")
    summary = page.locator(".fee-states summary").first

    tab_to(page, summary)
    page.keyboard.press("Enter")

    expect(page.locator(".fee-state-table").first).to_be_visible()
    expect(page.locator(".fee-state-table").first).to_contain_text("Alabama")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", FEE_PAGES)
def test_fee_pages_have_no_wcag_violations(new_context, name, theme):
    page = new_context(color_scheme=theme).new_page()
    assert page.goto(FEE_PAGES[name]).status == 200
    for details in page.locator("details.fee-states").all():
        details.evaluate("element => { element.open = true; }")

    violations = axe_violations(page)

    assert len(violations) == 0, f"{name} ({theme}):\n{describe(violations)}"


@pytest.mark.parametrize("name", FEE_PAGES)
def test_fee_pages_fit_a_375_px_screen(mobile_page, name, screenshots):
    mobile_page.goto(FEE_PAGES[name])
    for details in mobile_page.locator("details.fee-states").all():
        details.evaluate("element => { element.open = true; }")

    assert page_width(mobile_page) <= MOBILE["width"]
    if name == "code with modifiers":
        mobile_page.locator("#dmepos-fees").screenshot(path=screenshots / "dmepos-fees-mobile.png")
