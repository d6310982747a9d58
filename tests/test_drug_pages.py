"""Drug pricing on code pages, the NDC page, the payment limit list and the change view."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from codes import presentation, versioned
from codes.models import Code, DrugDataset
from codes.payments import drugs
from tests.asp_builders import (
    csv_bytes,
    make_dataset,
    make_packages,
    make_price,
    price_row,
    pricing_rows,
    write,
)
from tests.asp_realdata import AspRealDataTestCase
from tests.builders import make_code
from tests.realdata import load_releases
from tests.test_code_pages import CODE_JSON_QUERIES, CODE_PAGE_QUERIES, read_once_per_version

Kind = DrugDataset.DatasetKind
# A code the drug files list costs the queries of any code page (see test_code_pages),
# however many rows they hold: its record query carries its payment limits and NDC
# packages. The datasets they name are read once per data version, by its first such page.
DRUG_PAGE_QUERIES = CODE_PAGE_QUERIES
DRUG_JSON_QUERIES = CODE_JSON_QUERIES


def read_drug_datasets_once(client, code: str) -> None:
    """What a drug page of this data version reads once, read by the page of `code`."""
    versioned.forget_all()
    read_once_per_version()
    client.get(reverse("codes:detail", args=[code]))


class DrugSectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code in ("J0001", "J0002", "J0003", "A0001"):
            make_code(code)
        make_code("JW")
        cls.april = make_dataset(Kind.ASP_PRICING, "2031-apr")
        cls.january = make_dataset(Kind.ASP_PRICING, "2031-jan")
        cls.crosswalk = make_dataset(Kind.ASP_CROSSWALK, "2031-apr")
        make_price(cls.april, "J0001", "10.500", vaccine_awp_percent="95.000")
        make_price(cls.january, "J0001", "9.250")
        make_price(cls.april, "J0002", "1.000")
        make_price(cls.april, "J0003", None, payment_limit_text="N/A", notes="Priced elsewhere")
        make_packages(cls.crosswalk, "J0001", 2, name="Caf\xe9drug")
        make_packages(make_dataset(Kind.ASP_CROSSWALK, "2031-jan"), "J0001", 5, name="Olddrug")
        make_packages(cls.crosswalk, "J0002", 200)

    def page(self, code: str):
        return self.client.get(reverse("codes:detail", args=[code]))

    def test_drug_code_shows_unit_limit_quarter_and_the_files_caveat(self):
        response = self.page("J0001")
        self.assertContains(response, 'id="drug-pricing-heading"')
        self.assertContains(response, "$10.500</span> per 1 MG")
        self.assertContains(response, "2031-apr")
        self.assertContains(response, "does not indicate whether the test plan covers a drug.")
        self.assertContains(response, "95.000%")
        self.assertContains(response, "Payment limit of J0001 by quarter")
        self.assertContains(response, "$9.250")

    def test_every_figure_has_a_tooltip_linking_the_glossary(self):
        html = self.page("J0001").content.decode()
        for name in ("asp_dosage", "asp_payment_limit", "asp_coinsurance_percent", "ndc"):
            assert f'aria-describedby="tip-{name}"' in html
            assert f'id="tip-{name}"' in html
            assert f'href="{reverse("codes:glossary")}#{name}"' in html

    def test_newest_crosswalk_packages_only_unfolded_when_few(self):
        response = self.page("J0001")
        self.assertContains(response, "Café" + "drug", count=2)
        self.assertNotContains(response, "Olddrug")
        self.assertNotContains(response, "ndc-fold")
        self.assertContains(response, reverse("codes:ndc_detail", args=["12345-0000-01"]))

    def test_many_packages_fold(self):
        response = self.page("J0002")
        self.assertContains(response, '<details class="ndc-fold"><summary>Show the 200 NDC')

    def test_not_a_number_limit_shows_as_published(self):
        response = self.page("J0003")
        self.assertContains(response, '<span class="value">N/A</span>')
        self.assertContains(response, "Priced elsewhere")

    def test_code_without_pricing_shows_nothing(self):
        response = self.page("A0001")
        self.assertNotContains(response, "drug-pricing")
        self.assertNotContains(response, "N/A")

    def test_query_count_is_constant_whatever_the_packages(self):
        read_drug_datasets_once(self.client, "J0003")
        for code in ("J0003", "J0001", "J0002"):
            with self.subTest(code=code), self.assertNumQueries(DRUG_PAGE_QUERIES):
                self.page(code)

    def test_code_no_drug_file_lists_skips_the_drug_queries(self):
        read_once_per_version()
        with self.assertNumQueries(CODE_PAGE_QUERIES):
            self.page("A0001")

    def test_first_drug_page_of_a_data_version_reads_the_datasets_once(self):
        versioned.forget_all()
        read_once_per_version()
        with self.assertNumQueries(DRUG_PAGE_QUERIES + 1):
            self.page("J0001")
        with self.assertNumQueries(DRUG_PAGE_QUERIES):
            self.page("J0002")

    def test_pricing_read_apart_from_the_page_is_the_same(self):
        record = presentation.code_record("procedure", "J0001")
        plain = Code.objects.get(code="J0001")
        with self.assertNumQueries(2):
            apart = drugs.code_pricing(plain)
        carried = drugs.code_pricing(record)
        for read in ("prices", "packages"):
            assert [vars_of(row) for row in getattr(carried, read)] == [
                vars_of(row) for row in getattr(apart, read)
            ], read
        assert carried.packages_dataset.title_rows == apart.packages_dataset.title_rows

    def test_code_json_carries_the_drug_fields(self):
        read_drug_datasets_once(self.client, "J0003")
        with self.assertNumQueries(DRUG_JSON_QUERIES):
            data = self.client.get(reverse("codes:detail_json", args=["J0001"])).json()
        pricing = data["drug_pricing"]
        assert [p["quarter"] for p in pricing["prices"]] == ["2031-apr", "2031-jan"]
        assert pricing["prices"][0]["payment_limit"] == "10.500"
        assert pricing["prices"][0]["billing_unit"] == "1 MG"
        assert pricing["ndc_quarter"] == "2031-apr"
        assert pricing["ndc_packages"][0]["ndc"] == "12345-0000-01"
        assert pricing["ndc_packages"][0]["billing_units_per_package"] == "100.0000"
        plain = self.client.get(reverse("codes:detail_json", args=["A0001"])).json()
        assert "drug_pricing" not in plain

    def test_code_list_exports_carry_the_newest_drug_figures(self):
        response = self.client.get(reverse("codes:list"), {"format": "json"})
        rows = {row["code"]: row for row in json.loads(b"".join(response.streaming_content))}
        figures = ("asp_quarter", "billing_unit", "payment_limit")
        assert [rows["J0001"][k] for k in figures] == ["2031-apr", "1 MG", "10.500"]
        assert [rows["J0003"][k] for k in figures] == ["2031-apr", "1 MG", None]
        assert [rows["A0001"][k] for k in figures] == [None, None, None]

    def test_modifier_page_has_no_drug_section(self):
        response = self.client.get(reverse("codes:modifier_detail", args=["JW"]))
        self.assertNotContains(response, "drug-pricing")

    def test_glossary_explains_every_drug_field(self):
        response = self.client.get(reverse("codes:glossary"))
        for name in drugs.FIELDS:
            self.assertContains(response, f'<h3 id="{name}">')

    def test_trade_names_come_from_the_newest_crosswalk(self):
        names = drugs.trade_names()
        assert names == {"café" + "drug": {"J0001"}, "testdrug": {"J0002"}}


def vars_of(row) -> dict:
    """A model instance's column values and its related objects' keys."""
    values = {name: repr(value) for name, value in vars(row).items() if name != "_state"}
    return {**values, "related": {k: v.pk for k, v in row._state.fields_cache.items()}}


class NdcPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("J0001")
        crosswalk = make_dataset(Kind.ASP_CROSSWALK, "2031-apr")
        make_packages(crosswalk, "J0001", 1)

    def test_any_form_redirects_to_the_hyphenated_page(self):
        for typed in ("12345000001", "NDC 12345 0000 01"):
            response = self.client.get(reverse("codes:ndc_detail", args=[typed]))
            self.assertRedirects(
                response, reverse("codes:ndc_detail", args=["12345-0000-01"]), status_code=301
            )

    def test_page_shows_package_units_and_links_the_code(self):
        response = self.client.get(reverse("codes:ndc_detail", args=["12345-0000-01"]))
        self.assertContains(response, "<h1>NDC 12345-0000-01</h1>", html=True)
        self.assertContains(response, f'href="{reverse("codes:detail", args=["J0001"])}"')
        self.assertContains(response, "4 × 1")
        self.assertContains(response, 'id="tip-ndc_billing_units_per_package"')
        self.assertContains(response, "not intended to be a comprehensive list")

    def test_unknown_and_non_ndc_text_are_404(self):
        unknown = self.client.get(reverse("codes:ndc_detail", args=["99999-9999-99"]))
        self.assertContains(unknown, "No loaded CMS NDC–HCPCS crosswalk lists", status_code=404)
        junk = self.client.get(reverse("codes:ndc_detail", args=["<b>x" * 30]))
        self.assertContains(junk, "This is not a National Drug Code", status_code=404)

    def test_search_sends_an_ndc_to_its_page(self):
        response = self.client.get(reverse("codes:search"), {"q": "12345-0000-01"})
        self.assertRedirects(response, reverse("codes:ndc_detail", args=["12345-0000-01"]))

    def test_search_for_an_unlisted_ndc_searches_as_usual(self):
        response = self.client.get(reverse("codes:search"), {"q": "99999-9999-99"})
        assert response.status_code == 200


class DrugListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        april = make_dataset(Kind.ASP_PRICING, "2031-apr")
        january = make_dataset(Kind.ASP_PRICING, "2031-jan")
        make_price(april, "J0001", "10.500")
        make_price(april, "J0002", "2.000")
        make_price(april, "J0003", None, payment_limit_text="N/A")
        make_price(april, "J0005", "7.000")
        make_price(january, "J0001", "9.000")
        make_price(january, "J0002", "2.000")
        make_price(january, "J0004", "3.000")

    def codes_listed(self, response) -> list[str]:
        return [p.hcpcs_code for p in response.context["page"].object_list]

    def test_newest_quarter_by_default_and_codes_without_a_limit_left_out(self):
        response = self.client.get(reverse("codes:drug_prices"))
        assert self.codes_listed(response) == ["J0001", "J0002", "J0005"]
        self.assertContains(response, 'id="tip-asp_payment_limit"')
        self.assertContains(response, "3 codes with a payment limit in 2031-apr")

    def test_sorted_by_limit_and_filtered_by_quarter(self):
        url = reverse("codes:drug_prices")
        assert self.codes_listed(self.client.get(url, {"sort": "-limit"})) == [
            "J0001",
            "J0005",
            "J0002",
        ]
        january = self.client.get(url, {"quarter": "2031-jan", "sort": "limit"})
        assert self.codes_listed(january) == ["J0002", "J0004", "J0001"]
        assert self.codes_listed(self.client.get(url, {"code": "j0002"})) == ["J0002"]

    def test_bad_filters_are_400_not_500(self):
        url = reverse("codes:drug_prices")
        for params in ({"quarter": "1999-jan"}, {"sort": "nonsense"}, {"code": "<x>"}):
            assert self.client.get(url, params).status_code == 400
        assert self.client.get(url, {"quarter": "x", "format": "csv"}).status_code == 400
        assert self.client.get(url, {"page": "999"}).status_code == 200

    def test_csv_and_json_exports(self):
        url = reverse("codes:drug_prices")
        response = self.client.get(url, {"format": "csv", "sort": "-limit"})
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [(r["hcpcs_code"], r["payment_limit"], r["quarter"]) for r in rows] == [
            ("J0001", "10.500", "2031-apr"),
            ("J0005", "7.000", "2031-apr"),
            ("J0002", "2.000", "2031-apr"),
        ]
        data = json.loads(b"".join(self.client.get(url, {"format": "json"}).streaming_content))
        assert data[0]["billing_unit"] == "1 MG" and data[0]["coinsurance_percent"] == "20.000"

    def test_changes_from_one_quarter_to_the_next(self):
        response = self.client.get(reverse("codes:drug_price_changes"))
        groups = response.context["groups"]
        assert [(c.code, c.old, c.new, c.percent) for c in groups.changed] == [
            ("J0001", Decimal("9.000"), Decimal("10.500"), Decimal("16.7"))
        ]
        assert [c.code for c in groups.added] == ["J0003", "J0005"]
        assert [c.code for c in groups.removed] == ["J0004"]
        assert groups.unchanged_count == 1
        self.assertContains(response, "1 changed, 2 added, 1 no longer listed, 1 unchanged")

    def test_changes_export_and_bad_quarters(self):
        url = reverse("codes:drug_price_changes")
        response = self.client.get(url, {"from": "2031-jan", "to": "2031-apr", "format": "json"})
        data = json.loads(b"".join(response.streaming_content))
        assert {row["hcpcs_code"]: row["status"] for row in data} == {
            "J0001": "changed",
            "J0002": "unchanged",
            "J0003": "added",
            "J0004": "removed",
            "J0005": "added",
        }
        assert data[0]["difference"] == "1.500"
        assert self.client.get(url, {"from": "1999-jan"}).status_code == 400

    def test_one_quarter_loaded_says_so(self):
        DrugDataset.objects.filter(quarter="2031-jan").delete()
        response = self.client.get(reverse("codes:drug_price_changes"))
        self.assertContains(response, "Two ASP pricing quarters are needed to compare")


class EmptyDrugListTests(TestCase):
    def test_no_data_loaded(self):
        self.assertContains(self.client.get(reverse("codes:drug_prices")), "No ASP pricing file")
        self.assertContains(
            self.client.get(reverse("codes:drug_price_changes")), "Two ASP pricing quarters"
        )


@pytest.mark.integration
class RealDrugPageTests(AspRealDataTestCase):
    @classmethod
    def setUpTestData(cls):
        load_releases("2025-oct")
        super().setUpTestData()

    def test_j9271_page_shows_keytruda_and_the_october_limit(self):
        response = self.client.get(reverse("codes:detail", args=["J9271"]))
        self.assertContains(response, "$60.291</span> per 1 MG")
        self.assertContains(response, "<td>Keytruda</td>", count=2)
        self.assertContains(response, "Merck Sharp &amp; Dohme LLC")
        self.assertContains(response, "00006-3026-02")
        self.assertContains(
            response,
            "The absence or presence of a HCPCS code and the payment allowance limits in this "
            "table does not indicate whether Medicare covers a drug.",
        )
        self.assertContains(response, "$57.603")  # 2025-jan, in the quarters table

    def test_j2506_lists_neulasta(self):
        self.assertContains(self.client.get(reverse("codes:detail", args=["J2506"])), "Neulasta")

    def test_both_ndc_forms_reach_j9271(self):
        target = reverse("codes:ndc_detail", args=["00006-3026-02"])
        for typed in ("0006302602", "00006-3026-02"):
            response = self.client.get(reverse("codes:search"), {"q": typed}, follow=True)
            assert response.redirect_chain[-1][0] == target, typed
            self.assertContains(response, f'href="{reverse("codes:detail", args=["J9271"])}"')

    def test_code_page_query_count_with_many_packages(self):
        read_drug_datasets_once(self.client, "J9271")
        # J7512 has the most crosswalk rows (175), J9271 two.
        for code in ("J7512", "J9271"):
            with self.subTest(code=code), self.assertNumQueries(DRUG_PAGE_QUERIES):
                self.client.get(reverse("codes:detail", args=[code]))
        with self.assertNumQueries(CODE_PAGE_QUERIES):
            self.client.get(reverse("codes:detail", args=["E0100"]))

    def test_list_and_changes_on_the_real_quarters(self):
        response = self.client.get(reverse("codes:drug_prices"), {"sort": "-limit"})
        assert response.context["page"].paginator.count == 977  # A9606 has no figure
        response = self.client.get(reverse("codes:drug_price_changes"))
        assert (response.context["old"].quarter, response.context["new"].quarter) == (
            "2025-jan",
            "2025-oct",
        )


class DrugDataCachingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("J0001")

    def test_loading_drug_data_changes_the_page_validators(self):
        url = reverse("codes:detail", args=["J0001"])
        etag = self.client.get(url).headers["ETag"]
        with tempfile.TemporaryDirectory() as folder:
            rows = pricing_rows(price_row("J0001"))
            path = write(Path(folder) / "2031-apr", "p.csv", csv_bytes(rows, pad_to=11))
            call_command("import_asp", str(path), stdout=StringIO(), stderr=StringIO())
        response = self.client.get(url, headers={"if_none_match": etag})
        assert response.status_code == 200
        assert response.headers["ETag"] != etag
        self.assertContains(response, "drug-pricing-heading")


class DrugAdminTests(TestCase):
    def test_drug_data_is_read_only_and_searchable_in_the_admin(self):
        from django.conf import settings
        from django.contrib.auth.models import User

        make_packages(make_dataset(Kind.ASP_CROSSWALK, "2031-apr"), "J0001", 1, name="Findme")
        self.client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))
        base = f"/{settings.ADMIN_PATH}codes/"
        response = self.client.get(f"{base}ndcpackage/", {"q": "Findme"})
        self.assertContains(response, "12345-0000-01")
        for model in ("drugdataset", "aspprice", "ndcpackage"):
            assert self.client.get(f"{base}{model}/").status_code == 200
            assert self.client.get(f"{base}{model}/add/").status_code == 403
