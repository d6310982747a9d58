from datetime import date

from django.test import TestCase

from codes import presentation
from codes.models import CmsRecord, Code, ProcessingNote, Release
from codes.reference import FIELD_DOCS
from tests.builders import glossary_key, make_code


def _release(name: str, effective: date) -> Release:
    return Release.objects.create(
        name=name, effective_date=effective, source_name="test", sha256="0" * 64
    )


class FieldGroupTests(TestCase):
    def test_groups_hold_every_glossary_field_once_in_glossary_order(self):
        names = [name for _, _, fields in presentation.FIELD_GROUPS for name in fields]

        assert names == list(FIELD_DOCS)

    def test_every_model_field_has_glossary_text(self):
        for model_field in CmsRecord._meta.get_fields():
            if model_field.name in presentation.FOLDED_FIELDS:
                continue
            doc = FIELD_DOCS.get(glossary_key(model_field.name))
            assert doc is not None, f"{model_field.name} has no glossary entry"
            assert doc.short and doc.full and doc.label
            assert model_field.name in presentation.columns_of(doc.name)

    def test_repeated_field_columns_follow_the_model(self):
        assert presentation.columns_of("pricing_indicators") == [
            "pricing_indicator_1",
            "pricing_indicator_2",
            "pricing_indicator_3",
            "pricing_indicator_4",
        ]
        assert presentation.columns_of("coverage_code") == ["coverage_code"]


class FieldRowTests(TestCase):
    def row(self, name: str, **fields):
        return presentation.field_row(Code(code="A0001", **fields), FIELD_DOCS[name])

    def test_coded_value_shows_its_meaning(self):
        row = self.row("coverage_code", coverage_code="I")

        assert [(v.text, v.meaning, v.in_table) for v in row.values] == [
            ("I", "Not payable by Medicare", True)
        ]

    def test_value_missing_from_the_code_table_says_so(self):
        row = self.row("coverage_code", coverage_code="Q")

        assert row.values[0].meaning == "not in the CMS code table"
        assert row.values[0].unknown

    def test_repeated_field_keeps_each_value_in_order_with_its_place(self):
        row = self.row("pricing_indicators", pricing_indicator_1="11", pricing_indicator_3="99")

        assert [(v.occurrence, v.text, v.meaning) for v in row.values] == [
            (1, "11", "Price established using national rvu's"),
            (3, "99", "Value not established"),
        ]

    def test_blank_field_is_an_empty_row_without_invented_values(self):
        row = self.row("statute", statute="  ")

        assert row.is_empty
        assert row.values == ()

    def test_blank_asc_group_carries_the_layout_meaning(self):
        row = self.row("asc_group", asc_group="")

        assert row.is_empty
        assert row.empty_meaning == "Not approved for ASC"

    def test_dates_read_as_iso_dates(self):
        row = self.row("date_added", date_added=date(2002, 1, 1))

        assert row.values[0].text == "2002-01-01"

    def test_zero_anesthesia_units_is_a_value_not_a_blank(self):
        row = self.row("anesthesia_base_units", anesthesia_base_units=0)

        assert [v.text for v in row.values] == ["0"]

    def test_value_cms_wrote_in_an_unexpected_form_is_shown_verbatim(self):
        record = Code(code="A0001", date_added=None)
        record.unparsed = {"date_added": "2002XX01"}

        row = presentation.field_row(record, FIELD_DOCS["date_added"])

        assert row.values[0].text == "2002XX01"
        assert row.values[0].meaning == presentation.UNPARSED_MEANING

    def test_row_json_has_label_glossary_and_decoded_values(self):
        row = self.row("betos_code", betos_code="Z2")

        assert row.as_json() == {
            "name": "betos_code",
            "label": "BETOS code",
            "columns": ["betos_code"],
            "glossary": FIELD_DOCS["betos_code"].short,
            "values": [{"value": "Z2", "meaning": "Undefined codes", "in_code_table": True}],
            "empty_meaning": None,
        }


class CodesInTextTests(TestCase):
    def test_codes_in_text_are_found_in_any_case_once_each(self):
        text = "Do not use this code with s9330 or S9331; see s9330."

        assert presentation.codes_in_text(text) == ["S9330", "S9331"]

    def test_words_and_cpt_numbers_are_not_codes(self):
        assert presentation.codes_in_text("Per diem 77046 and AB12345 or 1 mg") == []

    def test_only_codes_with_pages_become_links(self):
        known = {"S9330": presentation.CodeLink("S9330", url="/codes/S9330/")}

        parts = presentation.linked_parts("use with s9330 or s9331", known)

        assert parts == (
            presentation.TextPart("use with "),
            presentation.TextPart("s9330", "/codes/S9330/"),
            presentation.TextPart(" or s9331"),
        )


class CodePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.old = _release("2019-jan", date(2019, 1, 1))
        cls.new = _release("2030-jan", date(2030, 1, 1))
        ProcessingNote.objects.create(release=cls.old, number="0088", text="Old note text.")
        cls.target = make_code("B1000", release=cls.new, short_description="Target")
        cls.code = make_code(
            "B2000",
            release=cls.new,
            long_description="Use with b1000 or b9999.",
            cross_reference_1="B1000",
            cross_reference_2="77046",
            processing_note="0088",
        )
        cls.referrer = make_code("B3000", release=cls.new, cross_reference_4="B2000")

    def page(self, code):
        return presentation.code_page(Code.objects.select_related("release").get(pk=code.pk))

    def test_cross_references_link_to_existing_codes_only(self):
        page = self.page(self.code)

        assert [(c.code, c.url) for c in page.cross_references] == [
            ("B1000", "/codes/B1000/"),
            ("77046", ""),
        ]

    def test_codes_referring_to_the_code_are_listed(self):
        page = self.page(self.code)

        assert [c.code for c in page.referenced_by] == ["B3000"]

    def test_mentioned_codes_are_linked_when_they_exist(self):
        page = self.page(self.code)

        assert [c.code for c in page.mentioned] == ["B1000"]
        assert presentation.TextPart("b1000", "/codes/B1000/") in page.description

    def test_neighbours_are_the_previous_and_next_code_of_the_same_kind(self):
        make_code("GY", release=self.new)

        page = self.page(self.code)

        assert (page.previous.code, page.next.code) == ("B1000", "B3000")

    def test_note_text_falls_back_to_the_newest_release_that_has_it(self):
        page = self.page(self.code)
        note = page.rows_by_name["processing_note"].values[0]

        assert note.meaning == "Old note text."
        assert "2019-jan" in note.source and "2030-jan" in note.source

    def test_note_text_from_the_code_release_is_preferred(self):
        ProcessingNote.objects.create(release=self.new, number="0088", text="New note text.")

        note = self.page(self.code).note

        assert (note.text, note.release, note.from_other_release) == (
            "New note text.",
            "2030-jan",
            False,
        )

    def test_section_links_to_its_section_page(self):
        section = self.page(self.code).section

        assert section.url == "/sections/enteral-and-parenteral-therapy/"
        assert section.heading == "Enteral and parenteral therapy"

    def test_json_holds_the_same_rows_as_the_page(self):
        page = self.page(self.code)

        data = page.as_json("http://testserver/codes/B2000/")

        assert [f["name"] for f in data["fields"]] == list(FIELD_DOCS)
        assert data["fields"] == [row.as_json() for row in page.rows()]
        assert data["processing_note"]["release"] == "2019-jan"
        assert data["referenced_by"][0]["code"] == "B3000"


class NearestCodesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code in ("S9320", "S9325", "S9328", "S9329", "S9330", "S9331", "S9335", "GY"):
            make_code(code)

    def test_neighbours_surround_the_missing_code(self):
        found = presentation.nearest_codes("procedure", "S9327")

        assert [c.code for c in found.before] == ["S9320", "S9325"]
        assert [c.code for c in found.after] == ["S9328", "S9329", "S9330"]

    def test_similar_codes_catch_typos(self):
        found = presentation.nearest_codes("procedure", "S9392")

        assert "S9329" in [c.code for c in found.similar]

    def test_blank_text_suggests_nothing(self):
        assert presentation.nearest_codes("procedure", "").all == []
