"""The real CMS DMEPOS files (../shared/data/dmepos): 2025-jan workbooks, 2025-apr csv."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from codes.models import DmeposFee, DmeposFile, DmeposRuralZip
from codes.payments import dmepos_layout as layout
from tests.realdata import RealDataTestCase

pytestmark = pytest.mark.integration


def load_real_dmepos() -> str:
    data_dir = Path(settings.DMEPOS_DATA_DIR)
    if not (data_dir / "2025-apr").is_dir():
        raise AssertionError(f"DMEPOS quarters not found in {data_dir}")
    out = StringIO()
    call_command("import_dmepos", "--all", stdout=out)
    return out.getvalue()


class RealDmeposTests(RealDataTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.summary = load_real_dmepos()

    def test_a4221_row_in_april_2025(self):
        fee = DmeposFee.objects.get(quarter__name="2025-apr", dataset="dmepos", hcpcs="A4221")

        assert (fee.modifier, fee.modifier_2, fee.jurisdiction, fee.category) == ("", "", "D", "SU")
        assert (fee.ceiling, fee.floor) == (Decimal("0.00"), Decimal("0.00"))
        assert fee.state_fees[0] == ["AL", "25.19", "28.41"]
        assert fee.description == "Supp non-insulin inf cath/wk"

    def test_counts_per_dataset_and_quarter(self):
        files = {
            (f.quarter.name, f.dataset): f for f in DmeposFile.objects.select_related("quarter")
        }

        assert {key: f.row_count for key, f in files.items()} == {
            ("2025-jan", "dmepos"): 3487,
            ("2025-jan", "pen"): 50,
            ("2025-jan", "rural_zip"): 15913,
            ("2025-apr", "dmepos"): 3511,
        }
        assert all(f.cpt_rows_skipped == 0 for f in files.values())
        assert DmeposFee.objects.filter(quarter__name="2025-apr").count() == 3511
        assert DmeposRuralZip.objects.count() == 15913
        assert files["2025-apr", "dmepos"].title.endswith("April 2025 Fee Schedule")

    def test_every_row_has_cms_state_columns_and_known_codes(self):
        fee = DmeposFee.objects.get(quarter__name="2025-jan", dataset="dmepos", hcpcs="A4221")
        assert [s for s, _nr, _r in fee.state_fees] == list(layout.STATES)
        categories = set(
            DmeposFee.objects.filter(dataset="dmepos").values_list("category", flat=True)
        )
        assert categories <= set(layout.CATEGORIES)
        dmepos_modifiers = DmeposFee.objects.filter(dataset="dmepos").values_list("modifier")
        assert {m for (m,) in dmepos_modifiers} - {""} <= set(layout.MODIFIERS)
        # The PEN file also uses MS (six-month maintenance) and BA, which DMEREAD's list omits.
        pen = DmeposFee.objects.filter(dataset="pen")
        assert set(pen.values_list("modifier", flat=True)) - set(layout.MODIFIERS) == {"", "MS"}
        assert set(pen.values_list("modifier_2", flat=True)) - set(layout.MODIFIERS) == {"", "BA"}

    def test_pen_workbook_rows(self):
        fee = DmeposFee.objects.get(quarter__name="2025-jan", dataset="pen", hcpcs="B4034")
        assert fee.state_fees[0] == ["AL", "3.84", "6.03"]
        assert (fee.jurisdiction, fee.ceiling) == ("", None)

    def test_importing_again_changes_nothing(self):
        assert "already loaded; unchanged" in load_real_dmepos()

    def test_code_page_shows_alabama_fee_with_tooltips(self):
        response = self.client.get(reverse("codes:detail", args=["A4221"]), {"state": "AL"})

        self.assertContains(response, "<strong>April 2025</strong>")
        self.assertContains(response, "DME MAC")
        self.assertContains(response, "Supplies")
        self.assertContains(response, '<td class="amount">$25.19</td>', html=True)
        self.assertContains(response, '<td class="amount">$28.41</td>', html=True)
        self.assertContains(response, 'id="tip-dmepos_jurisdiction"')

    def test_rural_zip_answer_from_the_january_file(self):
        url = reverse("codes:detail", args=["A4221"])
        rural = self.client.get(url, {"state": "MA", "zip": "01223"})
        self.assertContains(rural, "<strong>01223 is rural</strong>", html=True)
        self.assertContains(rural, "rural ZIP code file of January 2025")
        self.assertContains(self.client.get(url, {"zip": "02139"}), "02139 is not rural")

    def test_changes_from_january_to_april(self):
        data = self.client.get(reverse("codes:dmepos_changes"), {"format": "json"}).json()

        kinds = [c["change"] for c in data["changes"]]
        assert (kinds.count("added"), kinds.count("removed"), kinds.count("changed")) == (24, 0, 11)
        assert {"hcpcs": "E0201", "modifiers": "NU"}.items() <= next(
            c for c in data["changes"] if c["hcpcs"] == "E0201"
        ).items()
