from datetime import date

from django.http import QueryDict
from django.test import TestCase

from codes.filters import CodeFilter
from codes.models import Code
from tests.builders import make_code


def filtered(query: str, queryset=None) -> CodeFilter:
    return CodeFilter(QueryDict(query), queryset=queryset or Code.objects.all())


class CodeFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code(
            "A0425",
            short_description="Ground mileage",
            long_description="Ground mileage, per statute mile",
            coverage_code="C",
            betos_code="O1A",
            type_of_service_1="D",
            pricing_indicator_1="52",
            action_code="N",
        )
        make_code(
            "E0601",
            short_description="Cont airway pressure device",
            long_description="Continuous positive airway pressure (cpap) device",
            coverage_code="D",
            betos_code="D1C",
            type_of_service_1="P",
            type_of_service_2="R",
            pricing_indicator_1="36",
            action_code="N",
        )
        make_code(
            "E0602",
            short_description="Manual breast pump",
            long_description="Breast pump, manual, any type",
            coverage_code="D",
            betos_code="D1A",
            type_of_service_3="A",
            pricing_indicator_2="36",
            action_code="C",
        )
        make_code(
            "E1399",
            short_description="Durable medical equipment mi",
            long_description="Durable medical equipment, miscellaneous pressure device",
            coverage_code="C",
            betos_code="D1A",
            type_of_service_5="P",
            pricing_indicator_4="46",
            action_code="N",
            termination_date=date(2024, 12, 31),
        )
        make_code("GA", short_description="Liability waiver", long_description="Waiver issued")

    def assert_codes(self, query: str, expected: list[str]) -> None:
        filterset = filtered(query)
        assert filterset.is_valid(), filterset.errors
        self.assertQuerySetEqual(filterset.qs.order_by("code"), expected, transform=str_code)

    def test_no_filters_lists_everything(self):
        self.assert_codes("", ["A0425", "E0601", "E0602", "E1399", "GA"])

    def test_section_letter(self):
        self.assert_codes("section=E", ["E0601", "E0602", "E1399"])

    def test_section_letter_in_lower_case(self):
        self.assert_codes("section=e", ["E0601", "E0602", "E1399"])

    def test_section_with_query(self):
        self.assert_codes("section=E&q=pressure", ["E0601", "E1399"])

    def test_range_from(self):
        self.assert_codes("from_code=E0602", ["E0602", "E1399", "GA"])

    def test_range_to_includes_the_code(self):
        self.assert_codes("to_code=E0602", ["A0425", "E0601", "E0602"])

    def test_range_to_a_prefix_includes_every_code_it_starts(self):
        self.assert_codes("to_code=E06", ["A0425", "E0601", "E0602"])

    def test_range_from_and_to(self):
        self.assert_codes("from_code=e0601&to_code=e0602", ["E0601", "E0602"])

    def test_range_with_query(self):
        self.assert_codes("from_code=E0000&to_code=E0999&q=pump", ["E0602"])

    def test_coverage(self):
        self.assert_codes("coverage=C", ["A0425", "E1399"])

    def test_coverage_with_query(self):
        self.assert_codes("coverage=D&q=device", ["E0601"])

    def test_betos(self):
        self.assert_codes("betos=D1A", ["E0602", "E1399"])

    def test_betos_with_query(self):
        self.assert_codes("betos=D1A&q=pump", ["E0602"])

    def test_type_of_service_matches_any_of_the_five_columns(self):
        self.assert_codes("type_of_service=P", ["E0601", "E1399"])
        self.assert_codes("type_of_service=A", ["E0602"])

    def test_type_of_service_with_query(self):
        self.assert_codes("type_of_service=P&q=cpap", ["E0601"])

    def test_pricing_indicator_matches_any_of_the_four_columns(self):
        self.assert_codes("pricing=36", ["E0601", "E0602"])
        self.assert_codes("pricing=46", ["E1399"])

    def test_pricing_indicator_with_query(self):
        self.assert_codes("pricing=36&q=pump", ["E0602"])

    def test_action_code(self):
        self.assert_codes("action=C", ["E0602"])

    def test_action_code_with_query(self):
        self.assert_codes("action=N&q=device", ["E0601", "E1399"])

    def test_status_active(self):
        self.assert_codes("status=active", ["A0425", "E0601", "E0602", "GA"])

    def test_status_terminated(self):
        self.assert_codes("status=terminated", ["E1399"])

    def test_status_with_query(self):
        self.assert_codes("status=active&q=pressure", ["E0601"])

    def test_text_query_alone(self):
        self.assert_codes("q=mileage", ["A0425"])

    def test_text_query_matches_without_scoring_for_lists_in_code_order(self):
        filterset = filtered("q=pressure device")
        sql = str(filterset.qs.query)
        assert "bm25" not in sql and "ts_rank" not in sql
        assert not hasattr(filterset.qs.first(), "rank")

    def test_filters_combine(self):
        self.assert_codes(
            "section=E&coverage=D&betos=D1C&type_of_service=P&status=active", ["E0601"]
        )
        self.assert_codes("section=E&coverage=D&betos=D1C&action=C", [])

    def test_blank_values_are_ignored(self):
        self.assert_codes(
            "section=&coverage=&q=&status=", ["A0425", "E0601", "E0602", "E1399", "GA"]
        )

    def test_values_outside_the_code_tables_are_invalid(self):
        for query in [
            "section=EE",
            "section=1",
            "coverage=Q",
            "betos=ZZZ",
            "type_of_service=%3F",
            "pricing=777",
            "action=%00",
            "status=deleted",
            "from_code=E0601E0602",
            "from_code=%3Cscript%3E",
            "to_code=E%00",
        ]:
            with self.subTest(query=query):
                assert not filtered(query).is_valid()

    def test_active_filters_lists_the_filters_in_use(self):
        assert filtered("section=e&coverage=D&q=").active_filters == {
            "section": "E",
            "coverage": "D",
        }
        assert filtered("betos=ZZZ").active_filters == {}

    def test_select_fields_render_their_options_with_the_choice_selected(self):
        fields = {item["field"].name: item for item in filtered("coverage=D").fields}
        assert '<option value="D" selected>' in fields["coverage"]["options"]
        assert fields["q"]["options"] is None


def str_code(code: Code) -> str:
    return code.code
