import json
from datetime import date
from types import SimpleNamespace

from django.db import connection
from django.template import loader
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from codes import dataversion, presentation
from codes.models import CmsRecord, ContactEntry, Release
from codes.reference import FIELD_DOCS
from codes.templatetags import page_fragments
from tests.builders import glossary_key, make_code
from tests.realdata import RealDataTestCase

# Queries behind a code's JSON: the data version with the current release, the record
# (with its release, neighbours, note text, its rows in the payment files, and the
# data version again, in the same snapshot) and every other code the page links (named,
# naming it, neighbours). The page adds its history section (every release with the
# code's version in it); its contact entries, like the drug datasets and DMEPOS quarters
# payment rows name, are read once per data version, not per page.
CODE_JSON_QUERIES = 3
CODE_PAGE_QUERIES = CODE_JSON_QUERIES + 1


def read_once_per_version() -> None:
    """Read now what code pages read once per data version, as the first page of the
    version does: the query counts are those of every page after it."""
    version = dataversion.current()
    page_fragments.contact_list_html((version.epoch, version.number))


def _tooltip(doc_name: str) -> str:
    doc = FIELD_DOCS[doc_name]
    return f'<span class="tip-text" role="tooltip" id="tip-{doc.name}">{escape(doc.short)}</span>'


class CodeUrlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("S9329", short_description="Hit chemo per diem")
        make_code("S9330")
        make_code("GY", long_description="Item or service statutorily excluded")

    def test_lowercase_code_redirects_permanently_to_the_canonical_url(self):
        response = self.client.get("/codes/s9329/")

        self.assertRedirects(response, reverse("codes:detail", args=["S9329"]), status_code=301)

    def test_untrimmed_code_redirects_permanently_to_the_canonical_url(self):
        response = self.client.get("/codes/%20S9329%20/")

        self.assertRedirects(response, reverse("codes:detail", args=["S9329"]), status_code=301)

    def test_lowercase_json_url_redirects_to_the_canonical_json_url(self):
        response = self.client.get("/codes/s9329.json")

        self.assertRedirects(
            response, reverse("codes:detail_json", args=["S9329"]), status_code=301
        )

    def test_modifier_under_codes_redirects_to_its_modifier_page(self):
        response = self.client.get(reverse("codes:detail", args=["GY"]))

        self.assertRedirects(
            response, reverse("codes:modifier_detail", args=["GY"]), status_code=301
        )

    def test_procedure_under_modifiers_redirects_to_its_code_page(self):
        response = self.client.get(reverse("codes:modifier_detail", args=["S9329"]))

        self.assertRedirects(response, reverse("codes:detail", args=["S9329"]), status_code=301)

    def test_modifier_page_shows_the_modifier(self):
        response = self.client.get(reverse("codes:modifier_detail", args=["GY"]))

        self.assertContains(response, "Item or service statutorily excluded")
        self.assertContains(response, '<p class="code-kind">HCPCS modifier', html=False)

    def test_canonical_link_title_and_description_are_per_page(self):
        response = self.client.get(reverse("codes:detail", args=["S9329"]))

        self.assertContains(
            response,
            '<link rel="canonical" href="http://testserver/codes/S9329/">',
            html=True,
        )
        self.assertContains(response, "<title>HCPCS code S9329: Long description of S9329 |")
        self.assertContains(response, '<meta name="description" content="S9329: Long description')


class CodeNotFoundTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code in ("S9325", "S9328", "S9329", "S9330", "S9331"):
            make_code(code)

    def test_unknown_code_gives_404_that_says_so(self):
        response = self.client.get(reverse("codes:detail", args=["S9327"]))

        self.assertContains(response, "is not a procedure code in", status_code=404)
        self.assertContains(response, '<span class="code">S9327</span>', status_code=404)

    def test_unknown_code_offers_nearest_and_similar_codes(self):
        response = self.client.get(reverse("codes:detail", args=["S9392"]))

        for code in ("S9331", "S9329"):
            self.assertContains(
                response, f'href="{reverse("codes:detail", args=[code])}"', status_code=404
            )
        assert "S9329" in [c.code for c in response.context["suggestions"].all]

    def test_unknown_code_offers_a_search_box(self):
        response = self.client.get(reverse("codes:detail", args=["S9327"]))

        self.assertContains(
            response,
            f'<form class="search-form" role="search" action="{reverse("codes:search")}"',
            status_code=404,
        )
        self.assertContains(response, 'name="q" value="S9327"', status_code=404)

    def test_unknown_modifier_gives_404(self):
        response = self.client.get(reverse("codes:modifier_detail", args=["ZZ"]))

        self.assertContains(response, "is not a modifier in", status_code=404)

    def test_unknown_code_as_json_gives_404_with_suggestions(self):
        response = self.client.get(reverse("codes:detail_json", args=["S9327"]))

        assert response.status_code == 404
        data = response.json()
        assert data["error"] == "not found"
        assert "S9328" in [s["code"] for s in data["suggestions"]]

    def test_odd_input_never_errors(self):
        for text in ("<script>", "%00", "S9329'--", "x" * 300, "ä", "..", "S 9329", "*"):
            response = self.client.get(reverse("codes:detail", args=[text]), follow=True)
            assert response.status_code == 404, text
            assert b"<script>" not in response.content.split(b"<main")[1]

    def test_blank_code_gives_404(self):
        response = self.client.get("/codes/%20/")

        assert response.status_code == 404


class TerminatedCodeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("A4467", short_description="Belt strap sleeve garment")
        make_code(
            "A4466",
            termination_date=date(2016, 12, 31),
            cross_reference_1="A4467",
            action_code="D",
        )

    def test_terminated_code_keeps_its_page_marked_terminated_with_its_date(self):
        response = self.client.get(reverse("codes:detail", args=["A4466"]))

        self.assertContains(response, "<strong>Terminated.</strong>")
        self.assertContains(response, '<time datetime="2016-12-31">December 31, 2016</time>')

    def test_terminated_code_points_to_its_cross_reference_in_the_banner(self):
        response = self.client.get(reverse("codes:detail", args=["A4466"]))
        banner = response.content.decode().split('class="status-banner banner-terminated"')[1]
        banner = banner.split("</div>")[0]

        assert f'href="{reverse("codes:detail", args=["A4467"])}"' in banner

    def test_replacement_lists_the_terminated_code_that_refers_to_it(self):
        response = self.client.get(reverse("codes:detail", args=["A4467"]))

        self.assertContains(response, "Codes that refer to A4467")
        self.assertContains(response, f'href="{reverse("codes:detail", args=["A4466"])}"')
        self.assertContains(response, "terminated</span>")

    def test_termination_date_still_ahead_is_marked_as_being_terminated(self):
        make_code("A4468", termination_date=date(2099, 12, 31))

        response = self.client.get(reverse("codes:detail", args=["A4468"]))

        self.assertContains(response, "<strong>Being terminated.</strong>")
        self.assertContains(response, '<time datetime="2099-12-31">')

    def test_active_code_is_not_marked_terminated(self):
        response = self.client.get(reverse("codes:detail", args=["A4467"]))

        self.assertNotContains(response, "<strong>Terminated.</strong>")


class CodePageContentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.code = make_code(
            "B2000",
            long_description="Use with b1000.",
            pricing_indicator_1="00",
            pricing_indicator_2="Q9",
            coverage_code="C",
        )
        make_code("B1000")

    def get(self):
        return self.client.get(reverse("codes:detail", args=["B2000"]))

    def test_every_model_field_appears_with_its_glossary_tooltip(self):
        response = self.get()

        for model_field in CmsRecord._meta.get_fields():
            if model_field.name in presentation.FOLDED_FIELDS:
                continue
            doc_name = glossary_key(model_field.name)
            self.assertContains(response, _tooltip(doc_name), count=1)
            self.assertContains(response, f'aria-describedby="tip-{doc_name}"', count=1)
            self.assertContains(response, f'href="{reverse("codes:glossary")}#{doc_name}"')

    def test_unknown_value_says_it_is_not_in_the_code_table(self):
        response = self.get()

        self.assertContains(response, "Q9</span>")
        self.assertContains(
            response,
            '<span class="meaning meaning-unknown">not in the CMS code table</span>',
            html=True,
        )

    def test_blank_fields_are_listed_quietly_never_as_na(self):
        response = self.get()

        self.assertContains(response, "Blank in this record:")
        self.assertNotContains(response, "N/A")

    def test_code_in_the_description_links_to_its_page(self):
        response = self.get()

        self.assertContains(response, '<a href="/codes/B1000/">b1000</a>', html=True)

    def test_contact_information_comes_from_the_contact_entries(self):
        self.get()  # the contact entries of this data version are read now
        ContactEntry.objects.create(label="Test desk", value="desk@example.org", kind="email")
        dataversion.record_change()  # as the admin does with every edit

        response = self.get()

        self.assertContains(response, '<a href="mailto:desk@example.org">desk@example.org</a>')

    def test_section_and_neighbour_links(self):
        response = self.get()

        section_url = reverse("codes:section", args=["enteral-and-parenteral-therapy"])
        self.assertContains(response, f'href="{section_url}"')
        self.assertContains(response, 'rel="prev"')
        self.assertNotContains(response, 'rel="next"')

    def test_code_from_an_older_release_says_it_is_not_in_the_current_one(self):
        Release.objects.create(
            name="2031-jan", effective_date=date(2031, 1, 1), source_name="t", sha256="1" * 64
        )

        response = self.get()

        self.assertContains(response, "is not listed in the current release (2031-jan)")

    def test_page_has_no_inline_script_or_style_for_the_content_security_policy(self):
        html = self.get().content.decode()

        assert "style=" not in html
        assert "<style" not in html
        assert all(' src="' in tag for tag in html.split("<script")[1:])
        assert '<script defer src="/static/js/tooltips.js"></script>' in html

    def test_print_stylesheet_is_linked_for_print_only(self):
        self.assertContains(
            self.get(), '<link rel="stylesheet" href="/static/css/print.css" media="print">'
        )

    def test_history_section_is_included(self):
        response = self.get()

        self.assertTemplateUsed(response, "codes/_history.html")


class PageFragmentTests(TestCase):
    """The fragments rendered once and reused are the templates' output, byte for byte."""

    @classmethod
    def setUpTestData(cls):
        make_code("B3000", coverage_code="C", betos_code="O1E", cross_reference_1="B3001")
        make_code("B3001")

    def page(self):
        code = presentation.code_record("procedure", "B3000")
        return presentation.code_page(code)

    def test_field_rows_and_facts_are_their_templates_output(self):
        page = self.page()
        for row in [*page.summary, *(r for g in page.table_groups for r in g.filled_rows)]:
            with self.subTest(row=row.name):
                included = loader.get_template("codes/_field_row.html").render({"row": row})
                assert page_fragments.field_row(row) == included
                fact = loader.get_template("codes/_fact.html").render({"row": row})
                assert page_fragments.fact(row) == fact.removesuffix("\n")

    def test_fee_state_rows_are_what_the_template_loop_rendered(self):
        from django.template import engines

        loop = engines["django"].from_string(
            "{% for row in schedule.state_rows %}<tr>\n"
            '<th scope="row">{{ row.name }} <span class="code">{{ row.code }}</span></th>\n'
            "{% for non_rural, rural in row.amounts %}"
            '<td class="amount">{{ non_rural }}</td><td class="amount">{{ rural }}</td>'
            "{% endfor %}</tr>\n{% endfor %}"
        )
        row = SimpleNamespace(name="A & <B>", code="AB", amounts=[("$1.00", ""), ("", "$2")])
        schedule = SimpleNamespace(state_rows=[row, row])
        assert page_fragments.fee_state_rows(schedule) == loop.render({"schedule": schedule})

    def test_ndc_rows_are_what_the_template_loop_rendered(self):
        from django.template import engines

        # The loop of codes/_ndc_table.html as the template loader trimmed it.
        loop = engines["django"].from_string(
            "{% for package in packages %}<tr>\n"
            '<th scope="row">{% if package.ndc11 and not detailed %}<a class="code" '
            'href="{{ package.page_url }}">{{ package.ndc }}</a>{% else %}<span class="code">'
            "{{ package.ndc }}</span>{% endif %}</th>\n"
            '{% if detailed %}<td>{{ package.dataset.quarter }}</td><td><a class="code" '
            "href=\"{% url 'codes:detail' package.hcpcs_code %}\">{{ package.hcpcs_code }}</a> "
            "{{ package.short_description }}</td>{% endif %}"
            "<td>{{ package.drug_name }}</td>\n<td>{{ package.labeler_name }}</td>\n"
            "{% if detailed %}<td>{{ package.hcpcs_dosage }}</td>{% endif %}"
            '<td class="number">{{ package.package_text }}</td>\n'
            '{% if detailed %}<td class="number">{{ package.billing_units_text }}</td>{% endif %}'
            '<td class="number">{{ package.billing_units_per_package_text }}</td>\n'
            "</tr>\n{% endfor %}"
        )
        package = SimpleNamespace(
            ndc="12345-0000-01",
            ndc11="12345000001",
            page_url="/ndc/12345-0000-01/",
            dataset=SimpleNamespace(quarter="2025-oct"),
            hcpcs_code="J0001",
            short_description="Inj <drug> & co",
            drug_name='Caf\u00e9 "drug"',
            labeler_name="O'Brien Labs",
            hcpcs_dosage="5 MG",
            package_text="1 \u00d7 1",
            billing_units_text="100",
            billing_units_per_package_text="100",
        )
        unlinked = SimpleNamespace(**{**vars(package), "ndc11": ""})
        for detailed in (False, True):
            with self.subTest(detailed=detailed):
                context = {"packages": [package, unlinked], "detailed": detailed}
                expected = loop.render(context)
                assert page_fragments.ndc_rows([package, unlinked], detailed) == expected

    def test_header_keeps_each_request_s_search_text(self):
        url = reverse("codes:detail", args=["B3000"])
        for text, shown in [("abc", 'value="abc"'), ('"><b>', 'value="&quot;&gt;&lt;b&gt;"')]:
            with self.subTest(text=text):
                self.assertContains(self.client.get(url, {"q": text}), shown)
        self.assertContains(self.client.get(url), 'id="header-q" type="search" name="q" value=""')
        home = self.client.get(reverse("codes:home")).content.decode()
        assert 'id="header-q"' not in home


class CodePageQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("C1000")
        make_code("C1001", long_description="With c1000, c1002, c1003.", processing_note="0001")
        for n in range(2, 9):
            make_code(f"C100{n}", cross_reference_1="C1000", cross_reference_2="C1001")
        make_code(
            "C1010",
            long_description="Do not use with c1002 or c1003.",
            processing_note="0001",
            **{f"cross_reference_{n}": f"C100{n}" for n in range(1, 6)},
        )
        make_code("C1011", processing_note="0001", cross_reference_1="C1000")

    def test_query_count_does_not_grow_with_links_and_references(self):
        # One cross-reference; five cross-references and two mentions; three mentions and
        # seven codes referring back.
        read_once_per_version()
        for code in ("C1011", "C1010", "C1001"):
            with self.subTest(code=code), self.assertNumQueries(CODE_PAGE_QUERIES):
                self.client.get(reverse("codes:detail", args=[code]))

    def test_code_with_nothing_to_link_costs_the_same(self):
        read_once_per_version()
        with self.assertNumQueries(CODE_PAGE_QUERIES):
            self.client.get(reverse("codes:detail", args=["C1000"]))

    def test_contact_entries_are_read_once_per_data_version(self):
        url = reverse("codes:detail", args=["C1000"])

        def contact_reads() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.client.get(url)
            return sum("codes_contactentry" in q["sql"] for q in queries)

        dataversion.record_change()
        assert [contact_reads(), contact_reads()] == [1, 0]
        dataversion.record_change()
        assert contact_reads() == 1

    def test_json_query_count_is_constant_too(self):
        for code in ("C1011", "C1010", "C1001"):
            with self.subTest(code=code), self.assertNumQueries(CODE_JSON_QUERIES):
                self.client.get(reverse("codes:detail_json", args=[code]))


class CodeJsonTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("B1000")
        make_code(
            "B2000",
            long_description="Use with b1000.",
            pricing_indicator_1="00",
            type_of_service_1="9",
            type_of_service_2="R",
            coverage_code="I",
            betos_code="Z2",
            date_added=date(2002, 1, 1),
            anesthesia_base_units=0,
        )
        make_code("KX", long_description="Requirements specified in the medical policy")

    def test_json_has_every_field_with_decoded_values(self):
        data = self.client.get(reverse("codes:detail_json", args=["B2000"])).json()
        fields = {f["name"]: f for f in data["fields"]}

        assert list(fields) == list(FIELD_DOCS)
        assert fields["type_of_service_codes"]["values"] == [
            {
                "value": "9",
                "meaning": "Other medical items or services",
                "in_code_table": True,
                "occurrence": 1,
            },
            {"value": "R", "meaning": "Rental of DME", "in_code_table": True, "occurrence": 2},
        ]
        assert fields["anesthesia_base_units"]["values"] == [{"value": "0", "meaning": None}]
        assert data["url"] == "http://testserver/codes/B2000/"
        assert data["codes_mentioned"][0]["code"] == "B1000"

    def test_json_and_page_show_the_same_values_and_meanings(self):
        page = self.client.get(reverse("codes:detail", args=["B2000"])).content.decode()
        data = self.client.get(reverse("codes:detail_json", args=["B2000"])).json()

        for field in data["fields"]:
            assert f'id="tip-{field["name"]}"' in page
            for value in field["values"]:
                assert escape(value["value"]) in page, value
                if value["meaning"]:
                    assert escape(value["meaning"]) in page, value

    def test_modifier_json(self):
        response = self.client.get(reverse("codes:modifier_detail_json", args=["KX"]))

        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert (data["code"], data["kind"]) == ("KX", "modifier")
        assert data["url"] == "http://testserver/modifiers/KX/"


class ErrorPageTests(TestCase):
    def test_site_404_page_offers_search(self):
        response = self.client.get("/no-such-page/")

        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, f'action="{reverse("codes:search")}"', status_code=404)

    def test_500_page_renders_without_a_request_or_database(self):
        with self.assertNumQueries(0):
            html = loader.get_template("500.html").render()

        assert "Something went wrong" in html
        assert "American Medical Association" in html


class S9329RealDataTests(RealDataTestCase):
    """S9329 as the seed page shows it, from the real 2025-oct release (notes from 2019-jan)."""

    releases = ("2019-jan", "2025-oct")

    def setUp(self):
        self.response = self.client.get(reverse("codes:detail", args=["S9329"]))
        self.fields = {row.name: row for row in self.response.context["page"].rows()}

    def assertValue(self, field: str, value: str, meaning: str | None = None):
        shown = [(v.text, v.meaning) for v in self.fields[field].values]
        assert (value, meaning or "") in shown, (field, shown)
        self.assertContains(self.response, escape(value))
        if meaning:
            self.assertContains(self.response, escape(meaning))

    def test_seed_page_values_appear_with_their_meanings(self):
        self.assertValue(
            "pricing_indicators",
            "00",
            "Service not separately priced by part B (e.g., services not covered, bundled, "
            "used by part a only, etc.)",
        )
        self.assertValue(
            "multiple_pricing_indicator",
            "9",
            "Not applicable as HCPCS not priced separately by part B (pricing indicator is 00) "
            "or value is not established (pricing indicator is '99')",
        )
        self.assertValue("coverage_code", "I", "Not payable by Medicare")
        self.assertValue("betos_code", "Z2", "Undefined codes")
        self.assertValue("type_of_service_codes", "9", "Other medical items or services")
        self.assertValue("anesthesia_base_units", "0")
        self.assertValue("date_added", "2002-01-01")
        self.assertValue("action_effective_date", "2002-01-01")
        self.assertValue("action_code", "N", "No maintenance for this code")
        self.assertValue("short_description", "Hit chemo per diem")

    def test_processing_note_0088_shows_its_text_and_the_release_it_comes_from(self):
        self.assertValue(
            "processing_note",
            "0088",
            '"S" CODES ARE UNIQUE TEMPORARY CODES ESTABLISHED BY BCBSA AND HIAA FOR PRIVATE '
            "PAYOR USE. THEY ARE NOT VALID NOR PAYABLE BY MEDICARE.",
        )
        self.assertContains(
            self.response,
            "(text from the 2019-jan notes; none in 2025-oct)",
        )

    def test_every_field_has_a_tooltip(self):
        for name in FIELD_DOCS:
            self.assertContains(self.response, _tooltip(name), count=1)

    def test_description_links_to_s9330_and_s9331(self):
        for code in ("s9330", "s9331"):
            self.assertContains(
                self.response, f'<a href="/codes/{code.upper()}/">{code}</a>', html=True
            )

    def test_contact_information_is_shown(self):
        self.assertContains(self.response, "Contact information for HCPCS")
        self.assertContains(self.response, "HCPCS@cms.hhs.gov")
        self.assertContains(self.response, "(877) 735-1326")

    def test_release_and_cpt_note_are_on_the_page(self):
        self.assertContains(self.response, "release <strong>2025-oct</strong>")
        self.assertContains(self.response, "American Medical Association")

    def test_json_matches_the_page(self):
        data = self.client.get(reverse("codes:detail_json", args=["S9329"])).json()

        assert data["fields"] == [row.as_json() for row in self.response.context["page"].rows()]
        assert data["processing_note"] == {
            "number": "0088",
            "text": self.fields["processing_note"].values[0].meaning,
            "release": "2019-jan",
        }
        assert [c["code"] for c in data["codes_mentioned"]] == ["S9330", "S9331"]

    def test_page_runs_a_constant_number_of_queries(self):
        read_once_per_version()
        with self.assertNumQueries(CODE_PAGE_QUERIES):
            self.client.get(reverse("codes:detail", args=["S9329"]))


class RealModifierAndTerminatedTests(RealDataTestCase):
    def test_modifier_pages_work(self):
        for modifier, words in (("GY", "Statutorily excluded"), ("KX", "Documentation on file")):
            with self.subTest(modifier=modifier):
                response = self.client.get(reverse("codes:modifier_detail", args=[modifier]))
                self.assertContains(response, words)

    def test_real_terminated_code_is_marked_with_its_termination_date(self):
        response = self.client.get(reverse("codes:detail", args=["C9088"]))

        self.assertContains(response, "<strong>Terminated.</strong>")
        self.assertContains(response, '<time datetime="2025-09-30">')

    def test_terminated_code_with_a_cross_reference_links_its_replacement(self):
        response = self.client.get(reverse("codes:detail", args=["A4466"]))

        self.assertContains(response, "<strong>Terminated.</strong>")
        self.assertContains(response, f'href="{reverse("codes:detail", args=["A4467"])}"')


class CodeSummaryTests(RealDataTestCase):
    """The summary at the top of the page and the field table after it, on real codes."""

    releases = ("2019-jan", "2025-oct")

    def page(self, code: str, kind: str = "detail"):
        return self.client.get(reverse(f"codes:{kind}", args=[code]))

    def summary(self, response) -> str:
        html = response.content.decode()
        return html.split('<header class="code-head')[1].split("</header>")[0]

    def test_title_comes_from_the_long_description_cut_after_its_first_clause(self):
        self.assertContains(
            self.page("S9329"),
            "<title>HCPCS code S9329: Home infusion therapy, chemotherapy "
            "infusion | HCPCS Reference</title>",
        )

    def test_modifier_title_starts_with_a_capital_letter(self):
        response = self.page("GY", "modifier_detail")

        self.assertContains(response, "<title>Modifier GY: Item or service statutorily excluded |")

    def test_summary_holds_the_values_that_decide_a_claim_in_order(self):
        page = self.page("S9329").context["page"]

        assert [row.name for row in page.summary] == list(presentation.SUMMARY_FIELDS)
        summary = self.summary(self.page("S9329"))
        for text in ("Not payable by Medicare", "Undefined codes", "0088", "2002-01-01"):
            assert text in summary, text
        assert "<strong>Active</strong> since" in summary

    def test_value_and_meaning_are_separated_by_real_text_for_copying(self):
        self.assertContains(
            self.page("S9329"),
            '<span class="value code">N</span> <span class="meaning">No maintenance for this '
            "code</span>",
        )

    def test_each_field_is_shown_once(self):
        html = self.page("S9329").content.decode()

        for name in FIELD_DOCS:
            assert html.count(f'id="field-{name}"') == 1, name
        body = html.split("<body>")[1]
        assert body.count("administrative services, professional pharmacy services") == 1

    def test_blank_fields_are_named_together_in_one_line(self):
        response = self.page("S9329")

        self.assertContains(response, "Blank in this record:", count=1)
        self.assertNotContains(response, '<span class="occurrence">')

    def test_modifier_page_leaves_out_fields_that_never_apply_to_modifiers(self):
        html = self.page("GY", "modifier_detail").content.decode()

        for name in ("betos_code", "asc_group", "lab_certifications", "anesthesia_base_units"):
            assert f'id="field-{name}"' not in html, name
        assert 'id="field-coverage_code"' in html

    def test_item_markers_start_lines_of_the_long_description(self):
        page = self.page("G0556").context["page"]
        lines = ["".join(part.text for part in line) for line in page.description_lines]

        assert len(lines) > 5
        assert all(line.startswith("++") for line in lines[1:])
        assert " ".join(lines).split() == page.code.long_description.split()

    def test_long_description_follows_the_values_when_too_long_for_the_heading(self):
        html = self.page("G0556").content.decode()

        assert html.index('class="facts"') < html.index('id="field-long_description"')

    def test_terminated_code_says_when_it_ended(self):
        summary = self.summary(self.page("J0135"))

        assert "<strong>Terminated.</strong> Ended on" in summary
        assert '<time datetime="2024-12-31">December 31, 2024</time>' in summary

    def test_typical_code_pages_stay_within_the_page_weight_budget(self):
        for code, kind in (("S9329", "detail"), ("E0601", "detail"), ("J0135", "detail")):
            with self.subTest(code=code):
                assert len(self.page(code, kind).content) <= 30_000
        assert len(self.page("GY", "modifier_detail").content) <= 30_000

    def test_payment_sections_have_one_insertion_point_after_the_summary(self):
        source = loader.get_template("codes/code_detail.html").template.source

        assert source.index('"codes/_code_summary.html"') < source.index(
            "{% block payment_sections"
        )
