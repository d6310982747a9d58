"""What a coder does in a browser: search, jump to a code, filter, pick a suggestion;
with JavaScript and without."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CODE_URL = re.compile(r"/codes/(?P<code>[A-Z]\d{4})/$")


def results_table(page):
    return page.locator("table.code-table")


def test_search_from_the_home_page_leads_to_a_code_page(page):
    page.goto("/")

    page.get_by_role("main").get_by_role("combobox").fill("insulin pump")
    page.get_by_role("main").get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search/\?q=insulin\+pump$"))
    expect(page.locator("h1")).to_contain_text("insulin pump")
    first = results_table(page).locator("tbody tr").first.get_by_role("link").first
    code = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/codes/{code}/$"))
    expect(page.locator("h1")).to_contain_text(code)


def test_search_results_find_the_insulin_pump_codes(page):
    page.goto("/search/?q=insulin+pump")

    codes = results_table(page).locator("tbody th a").all_inner_texts()
    assert "E0784" in codes


def test_typing_an_exact_code_in_the_header_jumps_to_its_page(page):
    page.goto("/glossary/")

    page.locator("#header-q").fill("s9329")
    page.locator("#header-q").press("Enter")

    expect(page).to_have_url(re.compile(r"/codes/S9329/$"))
    expect(page.locator("h1")).to_contain_text("S9329")


def test_typing_a_modifier_jumps_to_the_modifier_page(page):
    page.goto("/")

    page.locator("#home-q").fill("GY")
    page.locator("#home-q").press("Enter")

    expect(page).to_have_url(re.compile(r"/modifiers/GY/$"))


def test_section_filter_on_the_code_list_shows_only_that_section(page):
    page.goto("/codes/")

    page.get_by_label("Section", exact=True).select_option("E")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"[?&]section=E(&|$)"))
    codes = results_table(page).locator("tbody th a").all_inner_texts()
    assert codes and all(code.startswith("E") for code in codes), codes
    expect(page.get_by_label("Section", exact=True)).to_have_value("E")


def test_suggestions_appear_while_typing_and_arrows_and_enter_pick_one(page):
    page.goto("/")
    box = page.locator("#home-q")

    box.press_sequentially("S932")

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    options = listbox.get_by_role("option")
    expect(options.filter(has_text="S9329")).to_have_count(1)
    codes = [text.split()[0] for text in options.all_inner_texts()]
    assert codes == sorted(codes) and all(code.startswith("S932") for code in codes), codes
    for _ in range(codes.index("S9329") + 1):
        box.press("ArrowDown")
    chosen = options.nth(codes.index("S9329"))
    expect(chosen).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", chosen.get_attribute("id"))
    expect(listbox.locator("[aria-selected=true]")).to_have_count(1)
    expect(box).to_be_focused()
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/codes/S9329/$"))


def test_arrow_keys_wrap_around_the_suggestions(page):
    page.goto("/")
    box = page.locator("#home-q")
    box.press_sequentially("wheelchair")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_be_visible()

    box.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(options.last).to_have_attribute("aria-selected", "false")


def test_escape_closes_the_suggestions_and_keeps_the_text(page):
    page.goto("/")
    box = page.locator("#home-q")
    box.press_sequentially("wheelchair")
    expect(page.get_by_role("listbox")).to_be_visible()

    box.press("Escape")

    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("wheelchair")
    expect(box).to_be_focused()


def test_enter_without_choosing_a_suggestion_submits_the_search(page):
    page.goto("/")
    box = page.locator("#home-q")
    box.press_sequentially("wheelchair")
    expect(page.get_by_role("listbox")).to_be_visible()

    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=wheelchair$"))


def test_clicking_a_suggestion_opens_its_page(page):
    page.goto("/")
    page.locator("#home-q").press_sequentially("E0784")

    page.get_by_role("option").filter(has_text="E0784").click()

    expect(page).to_have_url(re.compile(r"/codes/E0784/$"))


def test_without_javascript_search_jump_and_filters_still_work(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    box = page.locator("#home-q")
    assert box.get_attribute("role") is None

    box.fill("insulin pump")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=insulin\+pump$"))
    results_table(page).get_by_role("link", name="E0784").click()
    expect(page).to_have_url(re.compile(r"/codes/E0784/$"))

    page.locator("#header-q").fill("s9329")
    page.locator("#header-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/codes/S9329/$"))

    page.goto("/codes/")
    page.locator(".filters-heading").click()  # the filters are a closed disclosure
    page.get_by_label("Section", exact=True).select_option("L")
    page.get_by_role("button", name="Apply").click()
    codes = results_table(page).locator("tbody th a").all_inner_texts()
    assert codes and all(code.startswith("L") for code in codes), codes


def test_suggestions_in_the_search_page_box_show_a_terminated_codes_status(page):
    page.goto("/search/")

    page.locator("#search-q").press_sequentially("J0135")

    option = page.get_by_role("option").first
    expect(option).to_contain_text("J0135")
    expect(option).to_contain_text("Terminated 2024-12-31")


def test_a_brand_name_is_searched_as_the_code_cms_bills_it_under(page):
    page.goto("/search/?q=keytruda")

    # CMS's NDC–HCPCS crosswalk (loaded for the browser site) names Keytruda under J9271.
    expect(page.locator("p.notice").first).to_contain_text("keytruda as J9271 (drug name)")
    codes = results_table(page).locator("tbody th a").all_inner_texts()
    assert codes[0] == "J9271"
