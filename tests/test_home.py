from datetime import date

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from codes import presentation
from codes.models import Code
from codes.reference import SECTION_RANGES, SECTIONS
from tests.builders import make_code
from tests.realdata import RealDataTestCase


def section(response, heading: str) -> dict:
    [found] = [s for s in response.context["sections"] if s["heading"] == heading]
    return found


class HomeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code in ["A0021", "A0425", "A2001", "A4253", "C1713", "C9901", "E0100"]:
            make_code(code)
        make_code("E0101", termination_date=date(2024, 12, 31))
        make_code("GA")
        make_code("KX")

    def test_has_a_prominent_search_box(self):
        response = self.client.get(reverse("codes:home"))
        self.assertContains(response, '<form class="home-search" role="search" action="/search/"')
        self.assertContains(response, '<label for="home-q">', html=False)
        self.assertContains(response, 'id="home-q" type="search" name="q"', html=False)

    def test_shows_the_release_loaded(self):
        response = self.client.get(reverse("codes:home"))
        self.assertContains(response, "2030-jan")
        self.assertContains(response, "8 procedure codes")
        self.assertContains(response, "2 modifiers")

    def test_sections_count_codes_and_show_first_and_last_code_from_the_data(self):
        response = self.client.get(reverse("codes:home"))
        transport = section(response, "Transportation services including ambulance")
        assert (transport["count"], transport["first"], transport["last"]) == (2, "A0021", "A0425")
        matrix = section(response, "Matrix for wound management")
        assert (matrix["count"], matrix["first"], matrix["last"]) == (1, "A2001", "A2001")

    def test_a_code_past_the_published_range_end_joins_the_section_before_it(self):
        response = self.client.get(reverse("codes:home"))
        outpatient = section(response, "Outpatient PPS")
        assert (outpatient["count"], outpatient["first"], outpatient["last"]) == (
            2,
            "C1713",
            "C9901",
        )

    def test_terminated_codes_are_counted_apart(self):
        response = self.client.get(reverse("codes:home"))
        equipment = section(response, "Durable medical equipment")
        assert (equipment["count"], equipment["active"]) == (2, 1)
        self.assertContains(response, "(1 active)")

    def test_empty_section_says_so_without_a_link(self):
        response = self.client.get(reverse("codes:home"))
        assert section(response, "Dental procedures")["count"] == 0
        self.assertContains(response, "None in this release")

    def test_sections_link_to_their_pages_and_letters_to_the_filtered_list(self):
        response = self.client.get(reverse("codes:home"))
        list_url = reverse("codes:list")
        transport = reverse("codes:section", args=["transportation-services-including-ambulance"])
        self.assertContains(response, f'href="{transport}"')
        self.assertContains(response, f'href="{list_url}?section=A"')

    def test_letters_and_sections_without_codes_are_not_links(self):
        response = self.client.get(reverse("codes:home"))

        self.assertNotContains(response, "?section=D")
        self.assertNotContains(response, reverse("codes:section", args=["dental-procedures"]))

    def test_every_heading_of_the_reference_is_listed(self):
        from codes.reference import SECTIONS

        response = self.client.get(reverse("codes:home"))
        for _first, _last, heading in SECTIONS:
            self.assertContains(response, heading)

    def test_query_count_is_small_and_constant(self):
        with self.assertNumQueries(2):
            self.client.get(reverse("codes:home"))
        make_code("V2020")
        with self.assertNumQueries(2):
            self.client.get(reverse("codes:home"))


class EmptyHomeTests(TestCase):
    def test_without_data_the_page_says_how_to_load_it(self):
        response = self.client.get(reverse("codes:home"))
        assert response.status_code == 200
        self.assertContains(response, "No CMS release is loaded")


class HomeWithOlderReleaseTests(TestCase):
    def test_codes_no_longer_listed_are_not_counted_in_the_current_release(self):
        from codes.models import Release

        older = Release.objects.create(
            name="2029-jan", effective_date=date(2029, 1, 1), source_name="t", sha256="1" * 64
        )
        make_code("A0021")
        make_code("A0080", release=older)
        response = self.client.get(reverse("codes:home"))
        transport = section(response, "Transportation services including ambulance")
        assert (transport["count"], transport["last"]) == (1, "A0021")


class OneSectionDefinitionTests(RealDataTestCase):
    """Every code of 2025-oct is labelled with one section, the same everywhere."""

    def section_page_codes(self, slug: str) -> list[str]:
        codes, number = [], 1
        while True:
            response = self.client.get(reverse("codes:section", args=[slug]), {"page": number})
            page = response.context["page"]
            codes += [c.code for c in page.object_list]
            if not page.has_next():
                return codes
            number += 1

    def test_each_code_has_the_same_section_on_its_page_the_home_page_and_its_list(self):
        home = {s["heading"]: s for s in self.client.get(reverse("codes:home")).context["sections"]}
        on_code_pages: dict[str, list[str]] = {}
        for code in Code.objects.in_current_release().procedures().order_by("code"):
            heading = presentation.section_of(code).heading
            on_code_pages.setdefault(heading, []).append(code.code)

        for heading, codes in on_code_pages.items():
            assert home[heading]["count"] == len(codes), heading
            assert (home[heading]["first"], home[heading]["last"]) == (codes[0], codes[-1])
            slug = next(s.slug for s in SECTION_RANGES if s.heading == heading)
            assert self.section_page_codes(slug) == codes, heading
        assert sum(s["count"] for s in home.values()) == 8463

    def test_codes_past_a_published_range_end_show_the_home_page_section(self):
        outside = [
            code
            for code in Code.objects.in_current_release().procedures()
            if not any(first <= code.code <= last for first, last, _ in SECTIONS)
        ]
        assert len(outside) > 30
        for code in outside:
            heading = presentation.section_of(code).heading
            response = self.client.get(code.get_absolute_url())
            self.assertContains(response, f"{escape(heading)}</a></li>")
        a2022 = next(c for c in outside if c.code == "A2022")
        assert presentation.section_of(a2022).heading == "Matrix for wound management"


class SectionPageTests(RealDataTestCase):
    def test_section_page_has_its_name_ranges_and_codes_with_long_descriptions(self):
        response = self.client.get(reverse("codes:section", args=["medical-and-surgical-supplies"]))

        self.assertContains(response, "<h1>Medical and surgical supplies</h1>", html=True)
        self.assertContains(response, "<title>Medical and surgical supplies: HCPCS codes A")
        self.assertContains(response, "Incontinence")
        first = response.context["page"].object_list[0]
        self.assertContains(response, f'<span class="long-text">{escape(first.long_description)}')

    def test_section_heading_says_what_is_counted(self):
        response = self.client.get(reverse("codes:section", args=["durable-medical-equipment"]))

        self.assertContains(response, "codes in the 2025-oct release")
        self.assertContains(response, "active")

    def test_section_address_is_case_normalised_and_unknown_ones_404(self):
        url = reverse("codes:section", args=["durable-medical-equipment"])
        self.assertRedirects(
            self.client.get(url.upper().replace("/SECTIONS/", "/sections/")), url, 301
        )
        assert self.client.get("/sections/no-such-section/").status_code == 404

    def test_page_past_the_last_is_a_404_that_says_so(self):
        url = reverse("codes:section", args=["durable-medical-equipment"])
        self.assertContains(self.client.get(url, {"page": 999}), "No page 999", status_code=404)

    def test_sitemap_lists_every_offered_section_page(self):
        content = self.client.get(
            reverse("sitemap_section", kwargs={"section": "pages"})
        ).content.decode()

        assert "/sections/durable-medical-equipment/" in content
        assert "/sections/dental-procedures/" not in content

    def test_section_page_query_count_does_not_grow_with_the_section(self):
        counts = []
        for slug in ("coronavirus-diagnostic-panel", "procedures-professional-services-temporary"):
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("codes:section", args=[slug]))
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 5
