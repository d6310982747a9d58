"""A crawl of the pages a coder moves between: no internal link may lead to a 404."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from tests.realdata import RealDataTestCase

pytestmark = pytest.mark.integration


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def internal_links(page_url: str, html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    links = set()
    for href in parser.hrefs:
        url = urlsplit(urljoin(page_url, href))
        if url.scheme in ("", "http") and url.netloc in ("", "testserver"):
            links.add(url.path + (f"?{url.query}" if url.query else ""))
    return links


class InternalLinkCrawlTests(RealDataTestCase):
    releases = ("2019-jan", "2025-oct")
    # Pages link to the same release and section pages; each is fetched once per class.
    answers: dict[str, int] = {}

    def answer(self, link: str) -> int:
        if link not in self.answers:
            self.answers[link] = self.client.get(link, follow=True).status_code
        return self.answers[link]

    def assert_every_link_answers(self, page_url: str) -> int:
        response = self.client.get(page_url)
        assert response.status_code == 200, page_url
        links = internal_links(page_url, response.content.decode())
        broken = [(link, self.answer(link)) for link in sorted(links) if self.answer(link) != 200]
        assert broken == [], f"{page_url} links to {broken}"
        return len(links)

    def test_home_page_links(self):
        assert self.assert_every_link_answers(reverse("codes:home")) > 30

    def test_section_page_links(self):
        url = reverse("codes:section", args=["durable-medical-equipment"])
        assert self.assert_every_link_answers(url) > 50

    def test_code_page_links(self):
        for code in ("S9329", "J0135", "G0503"):
            with self.subTest(code=code):
                self.assert_every_link_answers(reverse("codes:detail", args=[code]))
        self.assert_every_link_answers(reverse("codes:modifier_detail", args=["GY"]))

    def test_release_page_links(self):
        url = reverse("codes:release_detail", args=["2025-oct"])
        assert self.assert_every_link_answers(f"{url}?section=medical-services-other") > 40

    def test_glossary_links(self):
        assert self.assert_every_link_answers(reverse("codes:glossary")) > 3

    def test_cpt_code_address_says_what_it_is_and_offers_no_level_ii_code(self):
        for code in ("77046", "0525T"):
            with self.subTest(code=code):
                response = self.client.get(reverse("codes:detail", args=[code]))
                self.assertContains(response, "is a CPT code", status_code=404)
                self.assertNotContains(response, "/codes/A0021/", status_code=404)
                assert response.context["suggestions"].all == []
