"""What browsers and crawlers find: canonical addresses, the OpenSearch engine, sitemaps."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OPENSEARCH = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.mark.parametrize("path", ["/codes/S9329/", "/modifiers/GY/"])
def test_code_pages_name_their_canonical_address(page, site_url, path):
    page.goto(path.lower())

    canonical = page.locator("link[rel=canonical]")
    expect(canonical).to_have_attribute("href", site_url + path)


def test_browser_can_add_the_site_as_a_search_engine_and_search_with_it(page):
    page.goto("/")
    href = page.locator('link[rel=search][type="application/opensearchdescription+xml"]')
    description = page.request.get(href.get_attribute("href"))
    assert description.ok
    root = ET.fromstring(description.body())
    template = root.find("os:Url[@type='text/html']", OPENSEARCH).get("template")

    page.goto(template.replace("{searchTerms}", quote("insulin pump")))

    expect(page.locator("h1")).to_contain_text("insulin pump")
    expect(page.locator("table.code-table").get_by_role("link", name="E0784")).to_be_visible()


def test_favicon_link_resolves_to_an_svg(page):
    page.goto("/")

    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(icon)
    assert response.ok
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_robots_txt_leads_to_sitemaps_that_reach_the_code_pages(page, site_url):
    robots = page.request.get("/robots.txt").text()
    index_url = re.search(r"^Sitemap: (\S+)$", robots, re.MULTILINE).group(1)
    assert index_url == site_url + "/sitemap.xml"

    index = ET.fromstring(page.request.get(index_url).body())
    sections = [loc.text for loc in index.iterfind(".//sm:loc", SITEMAP)]
    assert site_url + "/sitemap-codes-s.xml" in sections
    s_codes = ET.fromstring(page.request.get(site_url + "/sitemap-codes-s.xml").body())
    locations = [loc.text for loc in s_codes.iterfind(".//sm:loc", SITEMAP)]
    assert site_url + "/codes/S9329/" in locations

    page.goto(site_url + "/codes/S9329/")
    expect(page.locator("h1")).to_contain_text("S9329")
