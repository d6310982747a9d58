import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codes.models import Code, Release
from tests.builders import make_code
from tests.realdata import RealDataTestCase

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(content: bytes) -> list[str]:
    return [loc.text for loc in ET.fromstring(content).iterfind(".//sm:loc", SITEMAP_NS)]


def section_url(section: str) -> str:
    return reverse("sitemap_section", kwargs={"section": section})


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.release = Release.objects.create(
            name="2030-jan", effective_date=date(2030, 1, 1), source_name="test", sha256="0" * 64
        )
        make_code("A0001", release=cls.release)
        make_code("A0002", release=cls.release, termination_date=date(2020, 12, 31))
        make_code("E0784", release=cls.release, short_description="Insulin pump")
        make_code("GY", release=cls.release, short_description="Statutorily excluded")

    def test_index_lists_the_pages_modifiers_and_each_code_letter_in_use(self):
        response = self.client.get(reverse("sitemap_index"))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/xml")
        assert sitemap_locations(response.content) == [
            "http://testserver/sitemap-pages.xml",
            "http://testserver/sitemap-modifiers.xml",
            "http://testserver/sitemap-codes-a.xml",
            "http://testserver/sitemap-codes-e.xml",
        ]

    def test_letter_section_lists_every_code_of_that_letter_terminated_too(self):
        response = self.client.get(section_url("codes-a"))

        assert sitemap_locations(response.content) == [
            "http://testserver/codes/A0001/",
            "http://testserver/codes/A0002/",
        ]

    def test_section_queries_do_not_grow_with_its_codes(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get(section_url("codes-a"))
        for n in range(3, 13):
            make_code(f"A{n:04d}", release=self.release)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(section_url("codes-a"))

        assert len(sitemap_locations(response.content)) == 12
        assert len(many) == len(few)

    def test_letter_section_gives_the_release_date_as_lastmod(self):
        response = self.client.get(section_url("codes-e"))

        assert b"<lastmod>2030-01-01</lastmod>" in response.content

    def test_modifier_section_lists_modifier_pages_only(self):
        response = self.client.get(section_url("modifiers"))

        assert sitemap_locations(response.content) == ["http://testserver/modifiers/GY/"]

    def test_pages_section_lists_browse_pages_and_each_release(self):
        response = self.client.get(section_url("pages"))

        locations = sitemap_locations(response.content)
        for name in ("home", "list", "modifier_list", "glossary", "contact", "releases"):
            assert "http://testserver" + reverse(f"codes:{name}") in locations
        assert "http://testserver/releases/2030-jan/" in locations

    def test_unknown_section_is_not_found(self):
        response = self.client.get(section_url("codes-zz"))

        assert response.status_code == 404

    def test_letter_without_codes_is_an_empty_section(self):
        response = self.client.get(section_url("codes-x"))

        assert response.status_code == 200
        assert sitemap_locations(response.content) == []


@pytest.mark.integration
class RealSitemapTests(RealDataTestCase):
    def test_sections_together_list_every_code_and_modifier_of_the_release(self):
        index = self.client.get(reverse("sitemap_index"))
        listed: list[str] = []
        for section in sitemap_locations(index.content):
            response = self.client.get(section.removeprefix("http://testserver"))
            locations = sitemap_locations(response.content)
            assert len(locations) < 50_000
            listed.extend(locations)

        expected = {"http://testserver" + code.get_absolute_url() for code in Code.objects.all()}
        assert expected <= set(listed)
        assert "http://testserver/codes/S9329/" in listed
        assert "http://testserver/modifiers/GY/" in listed
        assert len(listed) == len(set(listed))


class RobotsTests(TestCase):
    def test_robots_txt_points_crawlers_at_the_sitemap(self):
        response = self.client.get("/robots.txt")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()

    def test_robots_txt_keeps_crawlers_out_of_search_results(self):
        response = self.client.get("/robots.txt")

        lines = response.content.decode().splitlines()
        assert "User-agent: *" in lines
        assert "Disallow: /search/" in lines


class OpenSearchTests(TestCase):
    def test_description_names_the_search_address_template(self):
        response = self.client.get("/opensearch.xml")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/opensearchdescription+xml")
        root = ET.fromstring(response.content)
        ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
        assert root.findtext("os:ShortName", namespaces=ns) == "HCPCS Reference"
        templates = {url.get("type"): url.get("template") for url in root.iterfind("os:Url", ns)}
        assert templates["text/html"] == "http://testserver/search/?q={searchTerms}"
        assert templates["application/x-suggestions+json"] == (
            "http://testserver/search/suggest?format=opensearch&q={searchTerms}"
        )

    def test_every_page_links_the_description_and_the_favicon(self):
        response = self.client.get(reverse("codes:home"))

        html = response.content.decode()
        assert re.search(
            r'<link rel="search" type="application/opensearchdescription\+xml"'
            r' title="HCPCS Reference" href="/opensearch.xml">',
            html,
        )
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html

    def test_every_search_box_offers_suggestions(self):
        for url in [reverse("codes:home"), reverse("codes:search"), reverse("codes:glossary")]:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                boxes = re.findall(r'<input [^>]*type="search"[^>]*>', html)
                assert boxes
                assert all('data-suggest-url="/search/suggest"' in box for box in boxes)
        response = self.client.get(reverse("codes:home"))

        html = response.content.decode()
        assert '<script defer src="/static/js/suggest.js"></script>' in html
        assert '<link rel="stylesheet" href="/static/css/suggest.css">' in html

    def test_favicon_is_served(self):
        response = self.client.get("/static/favicon.svg")

        assert response.status_code == 200
        assert b"<svg" in b"".join(response.streaming_content)


class SuggestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E0784", short_description="External amb infusion pump", long_description="")
        make_code("E0785", short_description="Replacement impl pump cathe", long_description="")
        make_code("A9274", short_description="Ext amb insulin delivery sys", long_description="")
        make_code("S1034", short_description="Artificial pancreas device", long_description="")
        make_code("GY", short_description="Statutorily excluded", long_description="")
        make_code("G0001", short_description="Drawing blood", long_description="")

    def suggest(self, q: str, **params):
        return self.client.get(reverse("codes:suggest"), {"q": q, **params})

    def codes(self, response) -> list[str]:
        return [item["code"] for item in response.json()["results"]]

    def test_code_prefix_offers_matching_codes_in_order(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.suggest("e07")

        assert response.status_code == 200
        assert self.codes(response) == ["E0784", "E0785"]
        assert len([q for q in queries if "codes_code" in q["sql"]]) == 2

    def test_active_codes_come_before_terminated_ones_and_say_their_status(self):
        make_code("C9001", short_description="Old drug", termination_date=date(2010, 1, 1))
        make_code(
            "C9002",
            short_description="Old drug two",
            termination_date=date(2011, 1, 1),
            cross_reference_1="C9003",
        )
        make_code("C9003", short_description="New drug")

        results = self.suggest("C900").json()["results"]

        assert [(r["code"], r["status"]) for r in results] == [
            ("C9003", ""),
            ("C9001", "Terminated 2010-01-01"),
            ("C9002", "Terminated 2011-01-01, see C9003"),
        ]

    def test_two_characters_offer_the_modifier_and_the_codes_they_start(self):
        make_code("G0", short_description="Telestroke")

        assert self.codes(self.suggest("G0"))[:2] == ["G0", "G0001"]

    def test_brand_names_are_suggested_as_their_generic_codes(self):
        make_code("J9271", short_description="Inj pembrolizumab")

        assert self.codes(self.suggest("keytruda")) == ["J9271"]

    def test_exact_code_comes_before_longer_codes_with_that_prefix(self):
        response = self.suggest("G")

        assert self.codes(response)[:2] == ["GY", "G0001"]

    def test_words_match_descriptions(self):
        response = self.suggest("insulin")

        assert self.codes(response) == ["A9274"]

    def test_word_prefix_matches_while_typing(self):
        response = self.suggest("pancr")

        assert self.codes(response) == ["S1034"]

    def test_each_result_has_code_description_and_page_address(self):
        response = self.suggest("GY")

        assert response.json()["results"][0] == {
            "code": "GY",
            "short_description": "Statutorily excluded",
            "kind": "modifier",
            "url": "/modifiers/GY/",
            "status": "",
        }

    def test_results_link_procedure_codes_to_their_code_page(self):
        response = self.suggest("E0784")

        assert response.json()["results"][0]["url"] == reverse("codes:detail", args=["E0784"])

    def test_no_more_than_eight_results(self):
        for n in range(10):
            make_code(f"K00{n:02d}", short_description="Wheelchair part")

        assert len(self.codes(self.suggest("wheelchair"))) == 8
        assert len(self.codes(self.suggest("K00"))) == 8

    def test_blank_query_gives_no_results_without_querying(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.suggest("   ")

        assert response.json() == {"query": "   ", "results": []}
        assert not [q for q in queries if "codes_code" in q["sql"]]

    def test_search_syntax_and_very_long_text_never_error(self):
        for q in ['"', "pump OR", "NEAR(a b)", "*", "E07*", "a" * 5000, "\x00", "ü-ß"]:
            response = self.suggest(q)
            assert response.status_code == 200, q
            assert isinstance(response.json()["results"], list)

    def test_missing_query_parameter_gives_no_results(self):
        response = self.client.get(reverse("codes:suggest"))

        assert response.json()["results"] == []

    def test_opensearch_format_gives_browsers_their_suggestion_shape(self):
        response = self.suggest("e07", format="opensearch")

        assert response["Content-Type"] == "application/x-suggestions+json"
        assert response.json() == [
            "e07",
            ["E0784", "E0785"],
            ["External amb infusion pump", "Replacement impl pump cathe"],
            ["http://testserver/codes/E0784/", "http://testserver/codes/E0785/"],
        ]

    def test_only_get_is_allowed(self):
        response = self.client.post(reverse("codes:suggest"), {"q": "e07"})

        assert response.status_code == 405

    def test_answers_may_be_cached_briefly(self):
        response = self.suggest("e07")

        assert "max-age=300" in response["Cache-Control"]
