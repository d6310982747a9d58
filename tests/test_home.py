from datetime import date

from django.test import TestCase
from django.urls import reverse

from tests.builders import make_code


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

    def test_sections_link_to_the_filtered_list(self):
        response = self.client.get(reverse("codes:home"))
        list_url = reverse("codes:list")
        self.assertContains(response, f'href="{list_url}?from_code=A0021&amp;to_code=A0425"')
        self.assertContains(response, f'href="{list_url}?section=A"')

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
