"""Glossary tooltips on a code page: hover, keyboard, touch, Escape, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import MOBILE, page_width, tab_to

pytestmark = pytest.mark.browser

CODE_PAGE = "/codes/S9329/"
FIELD = "#field-coverage_code"
GLOSSARY_TEXT = re.compile(r"\w+ \w+")


def tooltip_parts(page, field: str = FIELD):
    row = page.locator(field)
    return row.locator(".tip-trigger").first, row.locator("[role=tooltip]").first


def test_tooltip_is_hidden_until_asked_for(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    expect(trigger).to_be_visible()
    expect(tooltip).to_be_hidden()


def test_tooltip_appears_on_hover_and_goes_when_the_pointer_leaves(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    trigger.hover()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(GLOSSARY_TEXT)

    page.locator("h1").hover()
    expect(tooltip).to_be_hidden()


def test_pointer_can_move_onto_the_tooltip_without_it_vanishing(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    trigger.hover()
    tooltip.hover()

    expect(tooltip).to_be_visible()


def test_trigger_is_described_by_its_tooltip(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    assert trigger.get_attribute("aria-describedby") == tooltip.get_attribute("id")
    expect(trigger).to_have_accessible_name(re.compile("About Coverage code"))
    expect(trigger).to_have_accessible_description(tooltip.text_content().strip())


def test_tooltip_appears_when_tab_reaches_its_trigger(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    tab_to(page, trigger)

    expect(trigger).to_be_focused()
    expect(tooltip).to_be_visible()


def test_escape_dismisses_a_focused_tooltip_and_focus_stays(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)
    tab_to(page, trigger)
    expect(tooltip).to_be_visible()

    page.keyboard.press("Escape")

    expect(tooltip).to_be_hidden()
    expect(trigger).to_be_focused()


def test_escape_dismisses_a_hovered_tooltip(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)
    trigger.hover()
    expect(tooltip).to_be_visible()

    page.keyboard.press("Escape")

    expect(tooltip).to_be_hidden()


def test_dismissed_tooltip_comes_back_on_the_next_hover(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)
    trigger.hover()
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    page.locator("h1").hover()
    trigger.hover()

    expect(tooltip).to_be_visible()


def test_tab_moves_into_the_tooltip_link_to_the_glossary(page):
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)
    tab_to(page, trigger)

    page.keyboard.press("Tab")

    link = page.locator(FIELD).locator(".tip-link")
    expect(link).to_be_focused()
    expect(link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/glossary/#coverage_code$"))


def test_tap_opens_the_tooltip_and_a_tap_elsewhere_closes_it(mobile_page):
    mobile_page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(mobile_page)

    trigger.tap()
    expect(tooltip).to_be_visible()

    mobile_page.locator("h1").tap()
    expect(tooltip).to_be_hidden()


def test_second_tap_on_the_trigger_closes_the_tooltip(mobile_page):
    mobile_page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(mobile_page)

    trigger.tap()
    expect(tooltip).to_be_visible()
    trigger.tap()

    expect(tooltip).to_be_hidden()


def test_tapping_another_trigger_swaps_the_open_tooltip(mobile_page):
    mobile_page.goto(CODE_PAGE)
    first_trigger, first = tooltip_parts(mobile_page)
    second_trigger, second = tooltip_parts(mobile_page, "#field-betos_code")

    first_trigger.tap()
    second_trigger.tap()

    expect(second).to_be_visible()
    expect(first).to_be_hidden()


def test_open_tooltip_fits_a_375_px_screen(mobile_page):
    mobile_page.goto(CODE_PAGE)

    for row in ("#field-coverage_code", "#field-processing_note", "#field-type_of_service_codes"):
        trigger, tooltip = tooltip_parts(mobile_page, row)
        trigger.tap()
        expect(tooltip).to_be_visible()
        box = tooltip.bounding_box()
        assert box["x"] >= 0, row
        assert box["x"] + box["width"] <= MOBILE["width"], row
        assert page_width(mobile_page) <= MOBILE["width"], row
        trigger.tap()


def test_without_javascript_tooltip_text_is_in_the_page_and_shown_on_focus(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(CODE_PAGE)
    trigger, tooltip = tooltip_parts(page)

    assert GLOSSARY_TEXT.search(tooltip.text_content())
    tab_to(page, trigger)
    expect(tooltip).to_be_visible()
    trigger.blur()
    page.locator("h1").hover()
    expect(tooltip).to_be_hidden()
    trigger.hover()
    expect(tooltip).to_be_visible()
