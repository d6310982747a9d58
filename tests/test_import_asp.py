"""import_asp: the four ASP drug files in every format, one transaction each, idempotent."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from codes.models import AspPrice, DrugDataset, NdcPackage, NocPackage, NocPrice
from tests.asp_builders import (
    NOC_CROSSWALK_HEADER,
    NOC_PRICING_HEADER,
    crosswalk_rows,
    csv_bytes,
    package_row,
    preamble,
    price_row,
    pricing_rows,
    write,
    xls_bytes,
    xlsx_bytes,
)


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_asp", *[str(a) for a in args], stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def state() -> dict:
    return {
        "datasets": sorted(DrugDataset.objects.values_list("kind", "quarter", "sha256")),
        "prices": sorted(AspPrice.objects.values_list("hcpcs_code", "payment_limit", "dataset")),
        "packages": sorted(NdcPackage.objects.values_list("hcpcs_code", "ndc", "dataset")),
    }


class AspImportTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def pricing(self, *rows, name="pricing.csv", folder="2031-apr", **kwargs) -> Path:
        return write(self.tmp / folder, name, csv_bytes(pricing_rows(*rows, **kwargs), pad_to=11))

    def test_csv_with_preamble_loads_decimals_and_keeps_blanks_blank(self):
        path = self.pricing(
            price_row("J0001", "134.194"),
            price_row("J0002", "0.169", Vaccine_AWP_="95", Notes="see the test page"),
        )
        out = run(path)
        assert (
            "ASP pricing file 2031-apr (pricing.csv): 2 rows (0 CPT rows skipped); created." in out
        )
        first, second = AspPrice.objects.order_by("hcpcs_code")
        assert first.payment_limit == Decimal("134.194")
        assert first.coinsurance_percent == Decimal("20.000")
        assert (
            first.vaccine_awp_percent is None and first.notes == "" and first.vaccine_limit is None
        )
        assert first.dosage == "1 MG" and first.source_row == 10
        assert second.notes == "see the test page"
        dataset = DrugDataset.objects.get()
        assert (dataset.effective_start, dataset.effective_end) == (
            date(2031, 4, 1),
            date(2031, 6, 30),
        )
        assert "does not indicate" in dataset.title_rows

    def test_cpt_rows_are_skipped_and_counted(self):
        path = self.pricing(price_row("90371"), price_row("J0001"), price_row("0001A"))
        out = run(path)
        assert "1 rows (2 CPT rows skipped)" in out
        assert list(AspPrice.objects.values_list("hcpcs_code", flat=True)) == ["J0001"]
        assert DrugDataset.objects.get().cpt_rows_skipped == 2

    def test_not_a_number_payment_limit_is_kept_verbatim(self):
        run(self.pricing(price_row("A0001", "N/A", Notes="priced elsewhere")))
        price = AspPrice.objects.get()
        assert price.payment_limit is None and price.payment_limit_text == "N/A"

    def test_bad_number_refused_with_file_and_row_and_nothing_changed(self):
        run(self.pricing(price_row("J0001", "1.000")))
        before = state()
        bad = self.pricing(price_row("J0001", "2.000"), price_row("J0002", "12..5"), folder="x")
        with pytest.raises(CommandError, match=r"pricing\.csv, row 11: Payment Limit '12\.\.5'"):
            run(bad, quarter="2031-apr")
        assert state() == before

    def test_more_decimals_than_published_refused_in_csv(self):
        with pytest.raises(CommandError, match=r"row 10: Payment Limit 1\.2345 has more than 3"):
            run(self.pricing(price_row("J0001", "1.2345")))

    def test_repeated_code_refused_naming_both_rows(self):
        with pytest.raises(CommandError, match=r"row 11: repeats row 10 \(J0001\)"):
            run(self.pricing(price_row("J0001"), price_row("J0001")))

    def test_malformed_code_and_missing_header_refused(self):
        with pytest.raises(CommandError, match=r"row 10: 'J00X' is not a HCPCS code"):
            run(self.pricing(price_row("J00X")))
        no_header = write(self.tmp / "y", "p.csv", csv_bytes(preamble("Title only")))
        with pytest.raises(CommandError, match=r"p\.csv: no header row starting with"):
            run(no_header)

    def test_reimporting_the_same_file_changes_nothing(self):
        path = self.pricing(price_row("J0001"))
        run(path)
        loaded = DrugDataset.objects.get().loaded_at
        assert "already loaded; unchanged" in run(path)
        assert DrugDataset.objects.get().loaded_at == loaded

    def test_same_rows_in_another_format_are_unchanged(self):
        rows = pricing_rows(price_row("J0001", "10.500"))
        run(write(self.tmp / "2031-apr", "p.csv", csv_bytes(rows)))
        before = state()
        out = run(write(self.tmp / "other", "p.xlsx", xlsx_bytes(rows)))
        assert "unchanged" in out
        assert state()["prices"] == before["prices"]

    def test_new_file_for_a_loaded_quarter_replaces_its_rows(self):
        run(self.pricing(price_row("J0001", "1.000"), price_row("J0002")))
        out = run(self.pricing(price_row("J0001", "2.000"), folder="again"))
        assert "replaced" in out
        assert list(AspPrice.objects.values_list("hcpcs_code", "payment_limit")) == [
            ("J0001", Decimal("2.000"))
        ]

    def test_quarters_load_side_by_side(self):
        run(self.pricing(price_row("J0001", "1.000")))
        run(
            self.pricing(
                price_row("J0001", "2.000"),
                folder="2031-jul",
                period="Effective July 1, 2031 through September 30, 2031",
            )
        )
        assert sorted(DrugDataset.objects.values_list("quarter", flat=True)) == [
            "2031-apr",
            "2031-jul",
        ]
        assert AspPrice.objects.filter(hcpcs_code="J0001").count() == 2

    def test_xlsx_workbook_numbers_rounded_to_the_published_places(self):
        rows = pricing_rows(price_row("J0001", "0.3087723288"))
        run(write(self.tmp / "2031-apr", "p.xlsx", xlsx_bytes(rows)))
        assert AspPrice.objects.get().payment_limit == Decimal("0.309")

    def test_legacy_xls_workbook(self):
        rows = pricing_rows(price_row("J0001", "155.89499999999998", Notes="Caf\xe9 note"))
        run(write(self.tmp / "2031-apr", "p.xls", xls_bytes(rows)))
        price = AspPrice.objects.get()
        assert (price.payment_limit, price.notes) == (Decimal("155.895"), "Café note")
        assert DrugDataset.objects.get().effective_end == date(2031, 6, 30)

    def test_zip_holding_xls_twin_and_csv_reads_the_csv(self):
        rows = pricing_rows(price_row("J0001", "1.500"))
        path = self.tmp / "2031-apr" / "q.zip"
        path.parent.mkdir()
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("Pricing.xlsx", xlsx_bytes(rows))
            archive.writestr("section 508 version of Pricing.csv", csv_bytes(rows))
        assert "q.zip/section 508 version of Pricing.csv" in run(path)
        assert AspPrice.objects.get().payment_limit == Decimal("1.500")
        assert "q.zip: already loaded; unchanged." in run(path)

    def test_crosswalk_keeps_cp1252_trade_names_and_normalises_ndcs(self):
        path = write(
            self.tmp / "2031-apr",
            "crosswalk.csv",
            csv_bytes(
                crosswalk_rows(
                    package_row("J0001", "12345-6789-01", "Caf\xe9drug\u2122 "),
                    package_row("J0001", "GG100"),
                    package_row("90371", "11111-2222-33"),
                ),
                pad_to=250,
            ),
        )
        out = run(path)
        assert (
            "ASP NDC–HCPCS crosswalk 2031-apr (crosswalk.csv): 2 rows (1 CPT rows skipped)" in out
        )
        ndc, other = NdcPackage.objects.order_by("ndc")
        assert (ndc.ndc, ndc.ndc11, ndc.drug_name) == ("12345-6789-01", "12345678901", "Cafédrug™")
        assert ndc.billing_units_per_package == Decimal("100")
        assert (other.ndc, other.ndc11) == ("GG100", "")

    def test_noc_files(self):
        folder = self.tmp / "2031-apr"
        write(
            folder,
            "noc_pricing.csv",
            csv_bytes(
                [
                    *preamble("NOC Drugs"),
                    NOC_PRICING_HEADER,
                    ["Testamab (Testra)", "1 MG", "$2.462", ""],
                ]
            ),
        )
        write(
            folder,
            "noc_crosswalk.csv",
            csv_bytes(
                [
                    *preamble("NOC crosswalk", "April 1, 2031 through June 30, 2031"),
                    NOC_CROSSWALK_HEADER,
                    [
                        "Testamab (Testra)",
                        "Test, LLC",
                        "81298-8552-03",
                        "Testra",
                        "1 MG",
                        "1",
                        "10",
                        "20",
                        "200",
                    ],
                ]
            ),
        )
        out = run(folder)
        assert "NOC pricing file 2031-apr" in out and "NOC NDC–HCPCS crosswalk 2031-apr" in out
        assert NocPrice.objects.get().payment_limit == Decimal("2.462")
        package = NocPackage.objects.get()
        assert (package.ndc11, package.labeler_name) == ("81298855203", "Test, LLC")

    def test_all_imports_every_quarter_folder_oldest_first(self):
        self.pricing(price_row("J0001", "1.000"), folder="2031-apr")
        self.pricing(
            price_row("J0001", "2.000"),
            folder="2031-jul",
            period="Effective July 1, 2031 through September 30, 2031",
        )
        (self.tmp / "notes").mkdir()
        with override_settings(ASP_DATA_DIR=self.tmp):
            out = run(all=True)
        assert out.index("2031-apr") < out.index("2031-jul")
        assert DrugDataset.objects.count() == 2

    def test_all_without_data_says_so_and_succeeds(self):
        with override_settings(ASP_DATA_DIR=self.tmp / "missing"):
            assert "No ASP quarter folder under" in run(all=True)
        with pytest.raises(CommandError, match="Give a path or --all"):
            run()

    def test_quarter_that_contradicts_the_title_is_refused(self):
        with pytest.raises(CommandError, match="the title rows say 2031-apr, not 2031-jul"):
            run(self.pricing(price_row("J0001")), quarter="2031-jul")

    def test_dry_run_writes_nothing(self):
        out = run(self.pricing(price_row("J0001")), dry_run=True)
        assert "Dry run: nothing written." in out
        assert not DrugDataset.objects.exists()

    def test_no_period_needs_a_quarter(self):
        rows = [["Title"], pricing_rows(price_row("J0001"))[8], price_row("J0001")]
        path = write(self.tmp / "misc", "p.csv", csv_bytes(rows))
        with pytest.raises(CommandError, match="no effective period in the title rows"):
            run(path)
        run(path, quarter="2031-jan")
        assert DrugDataset.objects.get().effective_start == date(2031, 1, 1)
