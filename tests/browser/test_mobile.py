"""A 375 px touch screen: the whole flow without sideways scrolling; screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, MOBILE, PAGES, page_width

pytestmark = pytest.mark.browser

SCREENSHOT_PAGES = {
    "home": "/",
    "search-results": "/search/?q=insulin+pump",
    "S9329": "/codes/S9329/",
}


def assert_fits(page) -> None:
    width = page_width(page)
    assert width <= MOBILE["width"], f"{page.url} is {width} px wide at {MOBILE['width']} px"


def test_search_to_code_page_on_a_phone_never_scrolls_sideways(mobile_page):
    mobile_page.goto("/")
    assert_fits(mobile_page)

    mobile_page.get_by_role("main").get_by_role("combobox").fill("insulin pump")
    mobile_page.get_by_role("main").get_by_role("button", name="Search").tap()
    expect(mobile_page).to_have_url(re.compile(r"/search/\?q=insulin\+pump$"))
    assert_fits(mobile_page)

    mobile_page.locator("table.code-table").get_by_role("link", name="E0784").tap()
    expect(mobile_page).to_have_url(re.compile(r"/codes/E0784/$"))
    assert_fits(mobile_page)

    mobile_page.locator("#header-q").fill("s9329")
    mobile_page.locator("#header-q").press("Enter")
    expect(mobile_page).to_have_url(re.compile(r"/codes/S9329/$"))
    assert_fits(mobile_page)
    mobile_page.locator("#field-processing_note .tip-trigger").tap()
    expect(mobile_page.locator("#field-processing_note [role=tooltip]")).to_be_visible()
    assert_fits(mobile_page)


def test_open_suggestions_fit_a_phone_screen(mobile_page):
    mobile_page.goto("/")
    mobile_page.locator("#home-q").press_sequentially("wheelchair")

    listbox = mobile_page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    box = listbox.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]
    assert_fits(mobile_page)
    listbox.get_by_role("option").first.tap()
    expect(mobile_page).to_have_url(re.compile(r"/codes/[A-Z]\d{4}/$"))


@pytest.mark.parametrize("name", [*PAGES, "release, all sections"])
def test_page_fits_a_375_px_screen(mobile_page, name):
    mobile_page.goto(PAGES.get(name, "/releases/2025-oct/"))

    assert_fits(mobile_page)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "mobile"])
@pytest.mark.parametrize("name", SCREENSHOT_PAGES)
def test_screenshot_is_saved_for_people_to_look_at(new_context, screenshots, name, device, theme):
    if device == "mobile":
        context = new_context(viewport=MOBILE, has_touch=True, is_mobile=True, color_scheme=theme)
    else:
        context = new_context(viewport=DESKTOP, color_scheme=theme)
    page = context.new_page()
    page.goto(SCREENSHOT_PAGES[name])
    path = screenshots / f"{name}-{device}-{theme}.png"
    path.unlink(missing_ok=True)

    page.screenshot(path=path, full_page=True)

    assert path.stat().st_size > 1000
