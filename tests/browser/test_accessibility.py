"""WCAG 2.2 A/AA in a real browser: axe-core on every page type in light and dark themes,
plus what axe cannot judge alone: skip link, focus indicators, landmarks, heading order."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import PAGES, is_focused, tab_to

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

THEMES = ["light", "dark"]

axe = Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


def axe_violations(page, context: str | None = None) -> list[dict]:
    return axe.run(page, context=context, options=AXE_OPTIONS).response["violations"]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(new_context, name, theme):
    page = new_context(color_scheme=theme).new_page()
    response = page.goto(PAGES[name])
    assert response.status in (200, 404), f"{name}: HTTP {response.status}"

    violations = axe_violations(page)

    assert len(violations) == 0, f"{name} ({theme}):\n{describe(violations)}"


@pytest.mark.parametrize("theme", THEMES)
def test_open_tooltip_has_no_wcag_violations(new_context, theme):
    page = new_context(color_scheme=theme).new_page()
    page.goto("/codes/S9329/")
    page.locator("#field-coverage_code .tip-trigger").hover()

    violations = axe_violations(page, "#field-coverage_code")

    assert len(violations) == 0, f"tooltip ({theme}):\n{describe(violations)}"


@pytest.mark.parametrize("theme", THEMES)
def test_open_suggestions_have_no_wcag_violations(new_context, theme):
    page = new_context(color_scheme=theme).new_page()
    page.goto("/")
    page.locator("#home-q").press_sequentially("wheelchair")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("ArrowDown")

    violations = axe_violations(page)

    assert len(violations) == 0, f"suggestions ({theme}):\n{describe(violations)}"


@pytest.mark.parametrize("path", ["/", "/codes/S9329/", "/search/?q=insulin"])
def test_first_tab_shows_the_skip_link_and_it_jumps_to_the_content(page, path):
    page.goto(path)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


FOCUS_STYLE = """element => {
  const style = getComputedStyle(element);
  return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          shadow: style.boxShadow};
}"""


@pytest.mark.parametrize("theme", THEMES)
def test_keyboard_focus_is_visible_on_every_kind_of_control(new_context, theme):
    page = new_context(color_scheme=theme).new_page()
    page.goto("/codes/S9329/")
    controls = {
        "skip link": page.get_by_role("link", name="Skip to content"),
        "navigation link": page.get_by_role("navigation", name="Main").get_by_role("link").first,
        "search box": page.locator("#header-q"),
        "search button": page.locator(".header-search button"),
        "tooltip trigger": page.locator("#field-coverage_code .tip-trigger"),
    }
    for name, control in controls.items():
        tab_to(page, control)
        assert is_focused(control), name
        style = control.evaluate(FOCUS_STYLE)
        visible = (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none"
        assert visible, f"{name} shows no focus indicator ({theme}): {style}"


@pytest.mark.parametrize("name", PAGES)
def test_page_has_landmarks_headings_in_order_and_a_telling_title(page, name):
    page.goto(PAGES[name])

    assert page.get_by_role("banner").count() == 1, name
    assert page.get_by_role("main").count() == 1, name
    assert page.get_by_role("contentinfo").count() == 1, name
    assert page.get_by_role("search").count() >= 1, name
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    levels = page.evaluate(
        "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
        ".map(h => Number(h.tagName[1]))"
    )
    assert levels[:1] == [1] and levels.count(1) == 1, f"{name}: one h1, first: {levels}"
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"{name}: heading level jumps from {before} to {after}"
    title = page.title()
    assert title.endswith("HCPCS Reference"), f"{name}: {title}"
    assert name == "home" or title != "HCPCS Reference", f"{name}: the title is only the site name"
