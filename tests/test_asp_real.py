"""The real CMS ASP files: counts per dataset and facts a coder checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from codes.models import AspPrice, DrugDataset, NdcPackage, NocPackage, NocPrice
from codes.payments import drugs
from tests.asp_realdata import AspRealDataTestCase

Kind = DrugDataset.DatasetKind


@pytest.mark.integration
class RealAspFilesTests(AspRealDataTestCase):
    def dataset(self, kind: str, quarter: str) -> DrugDataset:
        return DrugDataset.objects.get(kind=kind, quarter=quarter)

    def test_counts_per_dataset_less_cpt(self):
        counts = {
            (d.kind, d.quarter): (d.row_count, d.cpt_rows_skipped)
            for d in DrugDataset.objects.all()
        }
        assert counts == {
            (Kind.ASP_PRICING, "2025-oct"): (1012 - 34, 34),
            (Kind.ASP_PRICING, "2025-jan"): (877 - 34, 34),
            (Kind.ASP_CROSSWALK, "2025-oct"): (8245 - 27, 27),
            (Kind.NOC_PRICING, "2025-oct"): (1, 0),
            (Kind.NOC_CROSSWALK, "2025-oct"): (2, 0),
        }
        assert (
            AspPrice.objects.filter(dataset=self.dataset(Kind.ASP_PRICING, "2025-oct")).count()
            == 978
        )
        assert NdcPackage.objects.count() == 8218
        assert not AspPrice.objects.filter(hcpcs_code__regex=r"^[0-9]").exists()

    def test_effective_periods_from_the_title_rows(self):
        october = self.dataset(Kind.ASP_PRICING, "2025-oct")
        january = self.dataset(Kind.ASP_PRICING, "2025-jan")
        assert (october.effective_start, october.effective_end) == (
            date(2025, 10, 1),
            date(2025, 12, 31),
        )
        assert (january.effective_start, january.effective_end) == (
            date(2025, 1, 1),
            date(2025, 3, 31),
        )
        assert january.source_name.endswith(
            ".zip/section 508 version of Jan 2025 ASP Pricing File updated 030725.csv"
        )

    def test_j9271_billing_unit_and_october_payment_limit(self):
        price = AspPrice.objects.get(hcpcs_code="J9271", dataset__quarter="2025-oct")
        assert price.dosage == "1 MG"
        assert price.short_description == "Inj pembrolizumab"
        assert price.payment_limit == Decimal("60.291")
        assert price.coinsurance_percent == Decimal("20.000")

    def test_j9271_crosswalk_rows(self):
        rows = list(
            NdcPackage.objects.filter(hcpcs_code="J9271")
            .values_list("drug_name", "labeler_name", "ndc", "billing_units_per_package")
            .order_by("ndc")
        )
        assert rows == [
            ("Keytruda", "Merck Sharp & Dohme LLC", "00006-3026-02", Decimal("100")),
            ("Keytruda", "Merck Sharp & Dohme LLC", "00006-3026-04", Decimal("200")),
        ]

    def test_trade_names_feed_search(self):
        names = drugs.trade_names()
        assert names["keytruda"] == {"J9271"}
        assert names["neulasta"] == {"J2506"}
        assert "amvuttra" in names  # "Amvuttra " with CMS's trailing blank

    def test_ndc_typed_as_ten_bare_digits_or_hyphenated_reaches_j9271(self):
        for typed in ("0006302602", "00006-3026-02", "00006302602", "0006-3026-02"):
            matches = drugs.find_ndc(typed)
            assert [(m.hyphenated, m.codes) for m in matches] == [("00006-3026-02", ["J9271"])], (
                typed
            )

    def test_not_a_number_limit_kept_with_its_note(self):
        price = AspPrice.objects.get(hcpcs_code="A9606", dataset__quarter="2025-oct")
        assert price.payment_limit is None and price.payment_limit_text == "N/A"
        assert price.notes.startswith("microCurie 100% AWP")

    def test_noc_rows(self):
        assert NocPrice.objects.get().payment_limit == Decimal("2.462")
        assert NocPackage.objects.filter(ndc11="81298855203").exists()

    def test_cp1252_trade_name(self):
        assert NdcPackage.objects.filter(drug_name="CarePatch™ Amniotic Membrane").exists()

    def test_january_to_october_changes(self):
        changes = drugs.limit_changes(
            self.dataset(Kind.ASP_PRICING, "2025-jan"), self.dataset(Kind.ASP_PRICING, "2025-oct")
        )
        by_code = {c.code: c for c in changes}
        keytruda = by_code["J9271"]
        assert (keytruda.status, keytruda.old) == ("changed", Decimal("57.603"))
        assert keytruda.difference == Decimal("2.688")
        assert keytruda.new == Decimal("60.291")
        statuses = {c.status for c in changes}
        assert {"added", "changed"} <= statuses
        assert len(changes) == len({c.code for c in changes})
