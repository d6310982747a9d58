"""Shared pieces of the browser tests."""

from __future__ import annotations

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}
MAX_TABS = 400

# One address of each page type.
PAGES = {
    "home": "/",
    "code list": "/codes/",
    "code list filtered": "/codes/?section=E",
    "modifier list": "/modifiers/",
    "search results": "/search/?q=insulin+pump",
    "search without results": "/search/?q=qqqqzzzz",
    "search by brand name": "/search/?q=keytruda+knee+brace",
    "search for a CPT code": "/search/?q=99406",
    "modifier or code prefix": "/search/?q=A4",
    "code": "/codes/S9329/",
    "terminated code": "/codes/A4397/",
    "modifier": "/modifiers/GY/",
    "glossary": "/glossary/",
    "release list": "/releases/",
    # One section: the full page lists thousands of changes and axe takes minutes on it.
    "release": "/releases/2025-oct/?section=E",
    "contact": "/contact/",
    "code not found": "/codes/Z9999/",
}


def page_width(page) -> int:
    """The document's scroll width: more than the viewport means sideways scrolling."""
    # Measured before the stylesheets apply, a page is wider than it will be.
    page.wait_for_load_state("load")
    return page.evaluate("() => document.documentElement.scrollWidth")


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator) -> int:
    """Press Tab from where focus is until `locator` has it; returns the presses needed."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return presses
    raise AssertionError(f"Tab never reached {locator} in {MAX_TABS} presses")
