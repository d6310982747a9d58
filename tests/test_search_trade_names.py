"""Search reads CMS's own trade names from the loaded NDC–HCPCS crosswalk first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from codes.expansion import CrosswalkTradeNames
from tests.asp_realdata import load_quarters
from tests.realdata import RealDataTestCase


def first_codes(response, count: int = 3) -> list[str]:
    return [code.code for code in response.context["page"].object_list[:count]]


@pytest.mark.integration
class CrosswalkTradeNameSearchTests(RealDataTestCase):
    releases = ("2025-oct",)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_quarters("2025-oct")

    def test_trade_names_map_to_the_codes_cms_bills_them_under(self):
        names = CrosswalkTradeNames().names("default", lambda word: True)

        assert names["keytruda"] == ["J9271"]
        assert names["neulasta"] == ["J2506"]

    def test_a_crosswalk_trade_name_finds_its_code_first_and_says_where_from(self):
        for brand, code in (("keytruda", "J9271"), ("Neulasta", "J2506")):
            with self.subTest(brand=brand):
                response = self.client.get(reverse("codes:search"), {"q": brand})

                assert first_codes(response, 1) == [code]
                self.assertContains(
                    response, f"<strong>{brand.lower()}</strong> as {code} (drug name)"
                )

    def test_a_trade_name_with_other_words_still_ranks_its_code_first(self):
        response = self.client.get(reverse("codes:search"), {"q": "keytruda infusion"})

        assert first_codes(response, 1) == ["J9271"]
