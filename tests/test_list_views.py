from datetime import date

from django.test import TestCase
from django.urls import reverse

from codes.models import Code
from tests.builders import make_code
from tests.test_search import HOSTILE_INPUTS

FILTER_PARAMETERS = [
    "q",
    "section",
    "from_code",
    "to_code",
    "coverage",
    "betos",
    "type_of_service",
    "pricing",
    "action",
    "status",
    "page",
    "format",
]


def listed(response) -> list[str]:
    return [code.code for code in response.context["page"].object_list]


class CodeListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # 60 procedure codes (two pages), one terminated, and modifiers that must not show.
        for n in range(60):
            make_code(
                f"E{n:04d}",
                short_description=f"Equipment item {n}",
                coverage_code="D" if n % 2 else "C",
                termination_date=date(2024, 12, 31) if n == 7 else None,
            )
        make_code("A0425", short_description="Ground mileage", coverage_code="C")
        make_code("GA", short_description="Liability waiver")
        make_code("KX", short_description="Documentation on file")

    def get(self, **params):
        # Empty parameters redirect to the same list without them.
        return self.client.get(reverse("codes:list"), params, follow=True)

    def test_lists_procedure_codes_sorted_by_code_fifty_a_page(self):
        response = self.get()
        assert response.status_code == 200
        assert listed(response) == ["A0425", *[f"E{n:04d}" for n in range(49)]]
        assert response.context["page"].paginator.count == 61

    def test_second_page(self):
        assert listed(self.get(page=2)) == [f"E{n:04d}" for n in range(49, 60)]

    def test_rows_show_code_description_and_status(self):
        response = self.get(section="E", from_code="E0007", to_code="E0008")
        self.assertContains(response, '<a class="code" href="/codes/E0007/">E0007</a>', html=True)
        self.assertContains(response, "Equipment item 7")
        self.assertContains(response, "Terminated 2024-12-31")
        self.assertContains(response, '<td class="status">Active</td>', html=True)

    def test_filter_form_keeps_its_state(self):
        response = self.get(section="E", coverage="D", q="equipment")
        self.assertContains(response, '<option value="E" selected>', html=False)
        self.assertContains(response, '<option value="D" selected>', html=False)
        self.assertContains(response, 'value="equipment"', html=False)

    def test_pagination_links_keep_the_filters(self):
        response = self.get(section="E")
        self.assertContains(response, "?section=E&amp;page=2")

    def test_filters_and_text_query_narrow_the_list(self):
        response = self.get(coverage="C", q="mileage")
        assert listed(response) == ["A0425"]

    def test_text_query_list_is_still_sorted_by_code(self):
        response = self.get(q="equipment", to_code="E0003")
        assert listed(response) == ["E0000", "E0001", "E0002", "E0003"]

    def test_status_filter(self):
        assert listed(self.get(status="terminated")) == ["E0007"]

    def test_section_link_from_other_pages(self):
        response = self.get(section="A")
        assert listed(response) == ["A0425"]

    def test_no_match_says_so(self):
        response = self.get(section="B")
        self.assertContains(response, "No codes match these filters")

    def test_heading_names_the_section_or_letter_filtered_on(self):
        self.assertContains(self.get(section="E"), "<h1>Procedure codes starting with E</h1>")
        self.assertContains(
            self.get(section="durable-medical-equipment"),
            "<h1>Procedure codes: Durable medical equipment</h1>",
        )

    def test_section_filter_takes_a_section_of_the_home_page(self):
        assert listed(self.get(section="transportation-services-including-ambulance")) == ["A0425"]

    def test_letters_and_sections_without_codes_in_the_file_are_not_offered(self):
        html = self.get().content.decode()
        options = html.split('name="section"')[1].split("</select>")[0]

        assert 'value="dental-procedures"' not in options
        assert 'value="D"' not in options and 'value="Z"' not in options
        assert 'value="durable-medical-equipment"' in options

    def test_invalid_filter_is_a_400_with_the_reason_and_no_list(self):
        response = self.get(section="QQ")
        assert response.status_code == 400
        self.assertContains(response, "Some filters were not understood", status_code=400)
        assert "page" not in response.context

    def test_bad_page_numbers_give_the_first_or_last_page(self):
        last = [f"E{n:04d}" for n in range(49, 60)]
        first = listed(self.get())
        for page, expected in [
            ("abc", first),
            ("", first),
            ("1.5", first),
            ("1e9999", first),
            ("\x00", first),
            ("0", last),
            ("-1", last),
        ]:
            with self.subTest(page=page):
                response = self.get(page=page)
                assert response.status_code == 200
                assert listed(response) == expected

    def test_rows_lead_with_the_long_description_and_keep_the_abbreviation(self):
        response = self.get()

        self.assertContains(response, '<span class="long-text">Long description of E0001</span>')
        self.assertContains(response, "</span>Equipment item 1</span>")

    def test_empty_parameters_redirect_to_the_short_url(self):
        response = self.client.get(
            reverse("codes:list"), {"q": "", "section": "E", "from_code": " ", "page": "2"}
        )

        self.assertRedirects(response, f"{reverse('codes:list')}?section=E&page=2")

    def test_favicon_ico_leads_to_the_site_icon(self):
        response = self.client.get("/favicon.ico")

        assert response.status_code == 301
        assert response["Location"].endswith("favicon.svg")

    def test_page_past_the_last_says_it_is_out_of_range(self):
        for page in ("3", "999", "99999999999999999999999999"):
            with self.subTest(page=page):
                response = self.get(section="E", page=page)
                self.assertContains(response, "No page", status_code=404)
                self.assertContains(response, "?section=E", status_code=404)

    def test_query_count_is_constant(self):
        with self.assertNumQueries(4):
            self.get(section="A")
        with self.assertNumQueries(4):
            self.get()
        with self.assertNumQueries(4):
            self.get(section="E", status="active", page=2)

    def test_query_count_with_a_text_query_is_constant(self):
        self.get(q="equipment")  # loads the search vocabulary once
        with self.assertNumQueries(5):
            self.get(q="mileage")
        with self.assertNumQueries(5):
            self.get(q="equipment item")

    def test_hostile_inputs_never_fail(self):
        for parameter in FILTER_PARAMETERS:
            for text in HOSTILE_INPUTS:
                with self.subTest(parameter=parameter, text=text[:40]):
                    response = self.get(**{parameter: text})
                    assert response.status_code in (200, 400)


class ModifierListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("GA", short_description="Liability waiver", long_description="Waiver issued")
        make_code("GY", short_description="Statutorily excluded", long_description="Excluded")
        make_code("KX", short_description="Documentation on file", long_description="On file")
        make_code(
            "EY",
            short_description="No order",
            long_description="No order",
            termination_date=date(2024, 1, 1),
        )
        make_code("E0601", short_description="Cpap device")

    def get(self, **params):
        return self.client.get(reverse("codes:modifier_list"), params, follow=True)

    def test_lists_modifiers_only_sorted_by_code(self):
        response = self.get()
        assert response.status_code == 200
        assert listed(response) == ["EY", "GA", "GY", "KX"]
        self.assertContains(response, "<h1>Modifiers</h1>", html=True)

    def test_modifier_links_go_to_modifier_pages(self):
        self.assertContains(self.get(), reverse("codes:modifier_detail", args=["GA"]))

    def test_modifier_list_offers_only_filters_that_apply_to_modifiers(self):
        html = self.get().content.decode()

        for name in ("betos", "pricing", "type_of_service", "from_code", "to_code"):
            assert f'name="{name}"' not in html, name
        for name in ("q", "section", "coverage", "action", "status"):
            assert f'name="{name}"' in html, name
        self.assertContains(self.get(), "First letter")

    def test_filters_apply_to_modifiers(self):
        assert listed(self.get(section="G")) == ["GA", "GY"]
        assert listed(self.get(status="terminated")) == ["EY"]
        assert listed(self.get(q="waiver")) == ["GA"]

    def test_query_count_is_constant(self):
        with self.assertNumQueries(4):
            self.get()
        with self.assertNumQueries(4):
            self.get(section="K")

    def test_hostile_inputs_never_fail(self):
        for text in HOSTILE_INPUTS:
            for parameter in ("q", "section", "page", "from_code"):
                with self.subTest(parameter=parameter, text=text[:40]):
                    assert self.get(**{parameter: text}).status_code in (200, 400)


class ListWithoutDataTests(TestCase):
    def test_empty_database_gives_an_empty_list(self):
        response = self.client.get(reverse("codes:list"))
        assert response.status_code == 200
        assert Code.objects.count() == 0
        self.assertContains(response, "No codes match")
