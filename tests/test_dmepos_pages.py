"""DMEPOS fees on code pages, the browse list and its exports, the changes, the glossary."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from codes import presentation, versioned
from codes.models import Code, DmeposFee, DmeposFile, DmeposQuarter, DmeposRuralZip
from codes.payments import dmepos_layout as layout
from codes.payments import dmepos_pages, dmepos_views
from tests.builders import make_code
from tests.test_code_pages import CODE_PAGE_QUERIES, read_once_per_version
from tests.test_drug_pages import vars_of

# A code with fee rows costs the queries of any code page: its record query carries
# them. The quarters they name are read once per data version, by its first such page.
FEE_PAGE_QUERIES = CODE_PAGE_QUERIES


def read_fee_quarters_once(client) -> None:
    """What a fee page of this data version reads once, read by the page of A4221."""
    versioned.forget_all()
    read_once_per_version()
    client.get(reverse("codes:detail", args=["A4221"]))


FEES = [["AL", "25.19", "28.41"], ["AK", "28.39", "0.00"]]


def make_fee(quarter, hcpcs="A4221", modifier="", modifier_2="", **fields):
    values = {
        "dataset": "dmepos",
        "jurisdiction": "D",
        "category": "SU",
        "ceiling": Decimal("0.00"),
        "floor": Decimal("0.00"),
        "state_fees": FEES,
        "description": f"Fee row {hcpcs}",
        "source_row": 8,
        **fields,
    }
    return DmeposFee.objects.create(
        quarter=quarter, hcpcs=hcpcs, modifier=modifier, modifier_2=modifier_2, **values
    )


class FeeDataTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.jan = DmeposQuarter.objects.create(name="2025-jan", effective_date=date(2025, 1, 1))
        cls.apr = DmeposQuarter.objects.create(name="2025-apr", effective_date=date(2025, 4, 1))
        make_code("A4221")
        make_code("E0950")
        make_code("A0021")
        make_code("RR")
        for quarter in (cls.jan, cls.apr):
            DmeposFile.objects.create(quarter=quarter, dataset="dmepos", sha256=quarter.name)
        make_fee(cls.jan, "A4221", state_fees=[["AL", "25.00", "28.41"], ["AK", "28.39", "0.00"]])
        make_fee(cls.apr, "A4221")
        make_fee(cls.apr, "E0950", "RR", category="CR", ceiling=Decimal("12.50"))
        make_fee(cls.apr, "E0950", "RR", "KU", category="CR")
        make_fee(cls.apr, "E0950", "NU", category="CR", jurisdiction="J")


class CodePageSectionTests(FeeDataTestCase):
    def test_section_shows_newest_quarter_words_caveat_and_tooltips(self):
        response = self.client.get(reverse("codes:detail", args=["E0950"]))

        self.assertContains(response, 'id="dmepos-fees"')
        self.assertContains(response, "<strong>April 2025</strong>")
        self.assertContains(response, escape(layout.DISCLAIMER))
        self.assertContains(response, "DME MAC")
        self.assertContains(response, "Joint DME MAC / Part B MAC")
        self.assertContains(response, "Capped Rental Items")
        self.assertContains(response, "$12.50")
        self.assertContains(
            response,
            f'<a class="code" href="{reverse("codes:modifier_detail", args=["RR"])}">RR</a>',
            html=True,
        )
        self.assertContains(response, "Rented")
        for field in dmepos_pages.FIELDS.values():
            doc = field.doc
            self.assertContains(response, f'id="tip-{doc.name}"', count=1)
            self.assertContains(response, escape(doc.short))
            self.assertContains(response, f'href="/glossary/#{doc.name}"')

    def test_without_a_state_every_state_is_listed_in_a_folded_table(self):
        response = self.client.get(reverse("codes:detail", args=["A4221"]))

        self.assertContains(response, '<details class="fee-states">')
        self.assertContains(response, "Alabama")
        self.assertContains(response, "$28.41")

    def test_state_choice_shows_its_non_rural_and_rural_fee_per_modifier(self):
        response = self.client.get(reverse("codes:detail", args=["A4221"]), {"state": "al"})

        self.assertContains(
            response, '<option value="AL" selected>Alabama (AL)</option>', html=True
        )
        self.assertContains(response, "Alabama non-rural")
        self.assertContains(response, '<td class="amount">$25.19</td>', html=True)
        self.assertContains(response, '<td class="amount">$28.41</td>', html=True)
        self.assertNotContains(response, '<details class="fee-states">')

    def test_the_state_form_is_a_plain_get_form_with_a_submit_button(self):
        response = self.client.get(reverse("codes:detail", args=["A4221"]))

        self.assertContains(
            response, '<form class="state-form" method="get" action="#dmepos-fees">'
        )
        self.assertContains(response, '<label for="dmepos-state">Fees in state</label>', html=True)
        self.assertContains(response, '<button type="submit">Show fees</button>', html=True)

    def test_older_quarter_is_shown_on_request(self):
        response = self.client.get(
            reverse("codes:detail", args=["A4221"]), {"quarter": "2025-jan", "state": "AL"}
        )

        self.assertContains(response, "<strong>January 2025</strong>")
        self.assertContains(response, '<td class="amount">$25.00</td>', html=True)
        self.assertContains(
            response, '<input type="hidden" name="quarter" value="2025-jan">', html=True
        )

    def test_unknown_state_and_quarter_fall_back_without_failing(self):
        response = self.client.get(
            reverse("codes:detail", args=["A4221"]), {"state": "ZZ", "quarter": "x" * 500}
        )

        assert response.status_code == 200
        self.assertContains(response, "<strong>April 2025</strong>")
        self.assertContains(response, "“ZZ” is not a state of this fee schedule")

    def test_codes_without_fees_show_nothing(self):
        for url in (
            reverse("codes:detail", args=["A0021"]),
            reverse("codes:modifier_detail", args=["RR"]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertNotContains(response, "dmepos-fees")
                self.assertNotContains(response, "N/A")

    def test_query_count_is_the_same_with_one_fee_row_or_many(self):
        read_fee_quarters_once(self.client)
        for code in ("A4221", "E0950"):
            for params in ({"state": "AL"}, {"quarter": "2025-jan"}, {}):
                url = reverse("codes:detail", args=[code])
                with (
                    self.subTest(code=code, params=params),
                    self.assertNumQueries(FEE_PAGE_QUERIES),
                ):
                    self.client.get(url, params)
        # A ZIP code asks the rural ZIP file, one query more.
        with self.assertNumQueries(FEE_PAGE_QUERIES + 1):
            self.client.get(reverse("codes:detail", args=["E0950"]), {"zip": "01223"})

    def test_first_fee_page_of_a_data_version_reads_the_quarters_once(self):
        versioned.forget_all()
        read_once_per_version()
        with self.assertNumQueries(FEE_PAGE_QUERIES + 1):
            self.client.get(reverse("codes:detail", args=["E0950"]))
        with self.assertNumQueries(FEE_PAGE_QUERIES):
            self.client.get(reverse("codes:detail", args=["A4221"]))

    def test_fee_rows_read_apart_from_the_page_are_the_same(self):
        carried = dmepos_pages.code_section(presentation.code_record("procedure", "A4221"), {})
        plain = Code.objects.get(code="A4221")
        with self.assertNumQueries(1):
            apart = dmepos_pages.code_section(plain, {})
        assert carried == apart
        for shown in (
            lambda fees: [line.fee for s in fees.schedules for line in s.lines],
            lambda fees: fees.quarters,
        ):
            assert [vars_of(row) for row in shown(carried)] == [
                vars_of(row) for row in shown(apart)
            ]
        assert [q.name for q in carried.quarters] == ["2025-apr", "2025-jan"]

    def test_code_without_fee_rows_skips_the_fee_query(self):
        read_once_per_version()
        with self.assertNumQueries(CODE_PAGE_QUERIES):
            self.client.get(reverse("codes:detail", args=["A0021"]), {"state": "AL"})

    def test_code_json_carries_the_fee_rows(self):
        data = self.client.get(reverse("codes:detail_json", args=["E0950"])).json()

        fees = data["dmepos_fees"]
        assert fees["quarter"] == "2025-apr"
        assert fees["quarters"] == ["2025-apr"]
        rows = fees["schedules"][0]["rows"]
        assert [(r["modifier"], r["modifier_2"]) for r in rows] == [
            ("RR", ""),
            ("RR", "KU"),
            ("NU", ""),
        ]
        assert rows[0]["jurisdiction_meaning"] == "DME MAC"
        assert rows[0]["ceiling"] == "12.50"
        assert rows[0]["fees"]["AL"] == {"non_rural": "25.19", "rural": "28.41"}
        assert (
            self.client.get(reverse("codes:detail_json", args=["A0021"])).json()["dmepos_fees"]
            is None
        )


class BrowseTests(FeeDataTestCase):
    def test_list_filters_by_category_and_jurisdiction_in_the_newest_quarter(self):
        response = self.client.get(
            reverse("codes:dmepos_list"), {"category": "cr", "jurisdiction": "J"}
        )

        assert [row.fee.modifier for row in response.context["rows"]] == ["NU"]
        self.assertContains(response, "1 fee row")
        self.assertContains(response, "Capped Rental Items")

    def test_list_columns_have_tooltips(self):
        response = self.client.get(reverse("codes:dmepos_list"))
        for field in dmepos_views.LIST_FIELDS.values():
            self.assertContains(response, f'id="{field.tip_id}"', count=1)
            self.assertContains(response, escape(field.doc.short))

    def test_list_shows_another_quarter_on_request(self):
        response = self.client.get(reverse("codes:dmepos_list"), {"quarter": "2025-jan"})
        assert [row.fee.hcpcs for row in response.context["rows"]] == ["A4221"]

    def test_bad_filter_values_answer_400_not_500(self):
        for params in ({"category": "ZZ"}, {"quarter": "1999-jan"}, {"code": "<script>"}):
            with self.subTest(params=params):
                assert self.client.get(reverse("codes:dmepos_list"), params).status_code == 400

    def test_list_query_count_does_not_grow_with_rows(self):
        with self.assertNumQueries(4):
            self.client.get(reverse("codes:dmepos_list"))

    def test_csv_export_has_cms_state_columns(self):
        response = self.client.get(reverse("codes:dmepos_list"), {"format": "csv", "code": "A4221"})
        lines = b"".join(response.streaming_content).decode().splitlines()

        header = lines[0].split(",")
        assert header[:10] == dmepos_views.EXPORT_COLUMNS
        assert header[10:12] == ["AL (NR)", "AL (R)"]
        row = lines[1].split(",")
        assert row[:3] == ["2025-apr", "dmepos", "A4221"]
        assert row[10:12] == ["25.19", "28.41"]

    def test_json_export_rows(self):
        response = self.client.get(
            reverse("codes:dmepos_list"), {"format": "json", "category": "CR"}
        )
        rows = json.loads(b"".join(response.streaming_content))

        assert [r["modifier"] for r in rows] == ["NU", "RR", "RR"]
        assert rows[0]["category_meaning"] == "Capped Rental Items"


class ChangesTests(FeeDataTestCase):
    def test_changes_list_fee_changes_and_added_rows_per_code(self):
        response = self.client.get(reverse("codes:dmepos_changes"))

        self.assertContains(
            response, "From January 2025 to April 2025: 3 rows added, 0 removed, 1 changed"
        )
        self.assertContains(response, "AL (NR): $25.00 → $25.19")
        self.assertContains(response, 'href="/codes/E0950/#dmepos-fees"')

    def test_changes_as_json(self):
        data = self.client.get(reverse("codes:dmepos_changes"), {"format": "json"}).json()

        assert (data["from"], data["to"], data["datasets"]) == ("2025-jan", "2025-apr", ["dmepos"])
        changed = [c for c in data["changes"] if c["change"] == "changed"]
        assert changed == [
            {
                "dataset": "dmepos",
                "hcpcs": "A4221",
                "modifiers": "",
                "change": "changed",
                "fields": [],
                "fees": [{"column": "AL (NR)", "before": "$25.00", "after": "$25.19"}],
            }
        ]

    def test_a_schedule_loaded_in_one_quarter_only_is_not_compared(self):
        make_fee(self.jan, "B4034", dataset="pen")
        data = self.client.get(reverse("codes:dmepos_changes"), {"format": "json"}).json()
        assert "B4034" not in {c["hcpcs"] for c in data["changes"]}

    def test_one_quarter_has_nothing_to_compare(self):
        DmeposFee.objects.filter(quarter=self.jan).delete()
        self.assertContains(self.client.get(reverse("codes:dmepos_changes")), "nothing to compare")


class GlossaryTests(TestCase):
    def test_glossary_explains_every_fee_schedule_field_and_table(self):
        response = self.client.get(reverse("codes:glossary"))

        for doc in layout.FIELD_DOCS.values():
            self.assertContains(response, f'<h3 id="{doc.name}">{escape(doc.label)}</h3>')
            self.assertContains(response, escape(doc.full))
        for code, meaning in layout.CATEGORIES.items():
            self.assertContains(
                response, f'<tr><td class="code">{code}</td><td>{escape(meaning)}</td></tr>'
            )
        self.assertContains(response, "Local Part B MAC")


class RuralZipTests(FeeDataTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        DmeposFile.objects.create(quarter=cls.jan, dataset="rural_zip", sha256="zip")
        DmeposRuralZip.objects.create(
            quarter=cls.jan, state="MA", zip_code="01223", year_quarter="202501", source_row=2
        )

    def ask(self, zip_code: str, **params):
        url = reverse("codes:detail", args=["A4221"])
        return self.client.get(url, {"zip": zip_code, **params})

    def test_listed_zip_is_rural_by_the_newest_file_not_after_the_quarter(self):
        response = self.ask("01223", state="MA")
        self.assertContains(response, "<strong>01223 is rural</strong>", html=True)
        self.assertContains(response, "rural ZIP code file of January 2025")

    def test_unlisted_zip_is_not_rural(self):
        self.assertContains(self.ask("02139"), "<strong>02139 is not rural</strong>", html=True)

    def test_no_rural_file_before_the_quarter_says_so(self):
        response = self.ask("01223", quarter="2025-jan")
        self.assertContains(response, "is rural")
        DmeposRuralZip.objects.all().delete()
        DmeposFile.objects.filter(dataset="rural_zip").delete()
        self.assertContains(self.ask("01223"), "cannot tell whether ZIP code 01223 is rural")

    def test_malformed_zip_is_explained_and_costs_no_query(self):
        read_fee_quarters_once(self.client)
        with self.assertNumQueries(FEE_PAGE_QUERIES):
            response = self.ask("12ab")
        self.assertContains(response, "A ZIP code is five digits")

    def test_zip_answer_costs_one_query(self):
        read_fee_quarters_once(self.client)
        with self.assertNumQueries(FEE_PAGE_QUERIES + 1):
            self.ask("01223")
