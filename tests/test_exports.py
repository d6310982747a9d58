import csv
import io
import json
from datetime import date

from django.test import TestCase
from django.urls import reverse

from codes import exports
from tests.builders import make_code


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def page_codes(response) -> list[str]:
    return [code.code for code in response.context["page"].object_list]


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code(
            "E0601",
            short_description="Cont airway pressure device",
            long_description='Airway pressure (cpap) device, "quoted", with comma',
            coverage_code="D",
            betos_code="D1C",
            type_of_service_1="P",
            type_of_service_2="R",
            pricing_indicator_1="36",
            date_added=date(1988, 1, 1),
        )
        make_code("E0602", short_description="Manual breast pump", long_description="Breast pump")
        make_code(
            "E0784",
            short_description="Ext amb infusn pump insulin",
            long_description="External ambulatory infusion pump, insulin",
            termination_date=date(2030, 12, 31),
        )
        make_code("A4231", short_description="Infusion set insulin pump", long_description="Set")
        make_code("GA", short_description="Liability waiver", long_description="Waiver")

    def test_list_csv_matches_the_page(self):
        url = reverse("codes:list")
        page = self.client.get(url, {"section": "E"})
        export = self.client.get(url, {"section": "E", "format": "csv"})
        assert export.status_code == 200
        assert export.streaming
        assert export["Content-Type"].startswith("text/csv")
        assert "attachment" in export["Content-Disposition"]
        assert [row["code"] for row in csv_rows(export)] == page_codes(page)

    def test_list_json_matches_the_page(self):
        url = reverse("codes:list")
        page = self.client.get(url, {"q": "pump"})
        export = self.client.get(url, {"q": "pump", "format": "json"})
        assert export["Content-Type"] == "application/json"
        assert [row["code"] for row in json.loads(body(export))] == page_codes(page)

    def test_search_csv_and_json_keep_the_ranking(self):
        url = reverse("codes:search")
        page = self.client.get(url, {"q": "insulin pump"})
        assert len(page_codes(page)) == 3
        as_csv = self.client.get(url, {"q": "insulin pump", "format": "csv"})
        as_json = self.client.get(url, {"q": "insulin pump", "format": "json"})
        assert [row["code"] for row in csv_rows(as_csv)] == page_codes(page)
        assert [row["code"] for row in json.loads(body(as_json))] == page_codes(page)

    def test_search_export_applies_the_filters(self):
        url = reverse("codes:search")
        export = self.client.get(url, {"q": "pump", "section": "A", "format": "json"})
        assert [row["code"] for row in json.loads(body(export))] == ["A4231"]

    def test_prefix_search_export(self):
        export = self.client.get(reverse("codes:search"), {"q": "E06", "format": "csv"})
        assert [row["code"] for row in csv_rows(export)] == ["E0601", "E0602"]

    def test_exact_code_with_a_format_exports_instead_of_redirecting(self):
        export = self.client.get(reverse("codes:search"), {"q": "E0601", "format": "json"})
        assert export.status_code == 200
        assert [row["code"] for row in json.loads(body(export))] == ["E0601"]

    def test_modifier_list_exports_modifiers(self):
        export = self.client.get(reverse("codes:modifier_list"), {"format": "csv"})
        assert [row["code"] for row in csv_rows(export)] == ["GA"]
        assert 'filename="modifiers.csv"' in export["Content-Disposition"]

    def test_csv_columns_and_values(self):
        export = self.client.get(
            reverse("codes:list"), {"from_code": "E0601", "to_code": "E0601", "format": "csv"}
        )
        reader = csv.reader(io.StringIO(body(export)))
        assert next(reader) == exports.COLUMNS
        row = dict(zip(exports.COLUMNS, next(reader), strict=True))
        assert row["long_description"].endswith('"quoted", with comma')
        assert row["type_of_service_codes"] == "P R"
        assert row["pricing_indicators"] == "36"
        assert row["date_added"] == "1988-01-01"
        assert row["status"] == "active"
        assert row["termination_date"] == ""

    def test_json_values(self):
        export = self.client.get(reverse("codes:list"), {"format": "json", "q": "infusn"})
        [row] = json.loads(body(export))
        assert row["code"] == "E0784"
        assert row["status"] == "terminated"
        assert row["termination_date"] == "2030-12-31"
        assert row["type_of_service_codes"] == []

    def test_empty_result_is_valid_csv_and_json(self):
        url = reverse("codes:list")
        assert json.loads(body(self.client.get(url, {"section": "V", "format": "json"}))) == []
        assert csv_rows(self.client.get(url, {"section": "V", "format": "csv"})) == []

    def test_invalid_filters_give_a_400_not_a_file(self):
        response = self.client.get(reverse("codes:list"), {"betos": "ZZZ", "format": "csv"})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert b"betos" in response.content

    def test_unknown_format_shows_the_page(self):
        response = self.client.get(reverse("codes:list"), {"format": "xml"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")

    def test_page_links_to_its_exports_with_the_same_filters(self):
        response = self.client.get(reverse("codes:list"), {"section": "E", "page": "1"})
        self.assertContains(response, 'href="?section=E&amp;format=csv"')
        self.assertContains(response, 'href="?section=E&amp;format=json"')

    def test_export_streams_in_chunks(self):
        export = self.client.get(reverse("codes:list"), {"format": "json"})
        chunks = list(export.streaming_content)
        assert len(chunks) > 2
