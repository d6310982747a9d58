"""Drug pricing in a real browser: WCAG checks, the NDC table's fold and tooltips by
keyboard, and the same content without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to
from tests.browser.test_accessibility import axe_violations, describe
from tests.browser.test_mobile import assert_fits

pytestmark = pytest.mark.browser

DRUG_PAGES = {
    "drug code": "/codes/J9271/",
    "drug code with many NDCs": "/codes/J7512/",
    "ndc": "/ndc/00006-3026-02/",
    "drug list": "/drugs/?sort=-limit",
    "drug changes": "/drugs/changes/",
}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", DRUG_PAGES)
def test_drug_page_has_no_wcag_violations(new_context, name, theme):
    page = new_context(color_scheme=theme).new_page()
    response = page.goto(DRUG_PAGES[name])
    assert response.status == 200, f"{name}: HTTP {response.status}"
    for fold in page.locator("details").all():
        fold.evaluate("element => { element.open = true; }")

    violations = axe_violations(page)

    assert len(violations) == 0, f"{name} ({theme}):\n{describe(violations)}"


def test_ndc_fold_opens_with_the_keyboard(page):
    page.goto("/codes/J7512/")
    summary = page.locator(".ndc-fold summary")
    table = page.locator(".ndc-fold table")
    expect(table).to_be_hidden()

    tab_to(page, summary)
    page.keyboard.press("Enter")

    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(175)


def test_tooltip_in_the_ndc_table_header_shows_on_focus(page):
    page.goto("/codes/J9271/")
    trigger = page.locator(".ndc-table thead .tip-trigger").first
    tooltip = page.locator(".ndc-table thead [role=tooltip]").first

    tab_to(page, trigger)

    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("National Drug Code")


def test_drug_section_and_fold_work_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/codes/J7512/")
    expect(page.locator("#drug-pricing-heading")).to_be_visible()
    page.locator(".ndc-fold summary").click()
    expect(page.locator(".ndc-fold table")).to_be_visible()


@pytest.mark.parametrize("name", DRUG_PAGES)
def test_drug_page_fits_a_375_px_screen(mobile_page, name):
    mobile_page.goto(DRUG_PAGES[name])
    for fold in mobile_page.locator("details").all():
        fold.evaluate("element => { element.open = true; }")

    assert_fits(mobile_page)
