"""The parser on records the tests build in the CMS formats."""

import io
import zipfile
from datetime import date
from importlib import import_module

import pytest

from codes import importer
from codes.importer import ImportFailure, parse_notes, parse_text, parse_workbook
from tests.builders import parse_lines, record_lines, text_file, workbook_bytes, zip_bytes

LONG = (
    "Home infusion of a test solution, administrative services, professional pharmacy "
    "services, care coordination and all necessary supplies and equipment, per diem "
    "(do not use this code with x9001)"
)


def test_first_line_fields_are_sliced_at_layout_positions():
    [record] = parse_lines(
        record_lines(
            "X1234",
            "Test supply",
            "Test supply short",
            pricing_indicator_1="00",
            pricing_indicator_2="11",
            multiple_pricing_indicator="9",
            cim_reference_1="60-9",
            mcm_reference_3="2049",
            statute="1861S2",
            lab_certification_8="310",
            cross_reference_5="X9999",
            coverage_code="I",
            asc_group="YY",
            asc_effective_date="20200101",
            opps_group="102",
            opps_indicator="1",
            opps_effective_date="20200401",
            processing_note="0088",
            betos_code="Z2",
            type_of_service_1="9",
            type_of_service_5="A",
            anesthesia_base_units="5",
            date_added="20020101",
            action_effective_date="20030101",
            termination_date="20191231",
            action_code="D",
        )
    )
    assert record.kind == "procedure"
    assert record.code == "X1234"
    assert record.sequence_number == "00100"
    assert record.long_description == "Test supply"
    assert record.short_description == "Test supply short"
    assert (record.pricing_indicator_1, record.pricing_indicator_2) == ("00", "11")
    assert record.pricing_indicator_3 == ""
    assert record.multiple_pricing_indicator == "9"
    assert record.cim_reference_1 == "60-9"
    assert record.mcm_reference_3 == "2049"
    assert record.statute == "1861S2"
    assert record.lab_certification_8 == "310"
    assert record.cross_reference_5 == "X9999"
    assert record.coverage_code == "I"
    assert record.asc_group == "YY"
    assert record.asc_effective_date == date(2020, 1, 1)
    assert (record.opps_group, record.opps_indicator) == ("102", "1")
    assert record.opps_effective_date == date(2020, 4, 1)
    assert record.processing_note == "0088"
    assert record.betos_code == "Z2"
    assert (record.type_of_service_1, record.type_of_service_5) == ("9", "A")
    assert record.anesthesia_base_units == 5
    assert record.date_added == date(2002, 1, 1)
    assert record.action_effective_date == date(2003, 1, 1)
    assert record.termination_date == date(2019, 12, 31)
    assert record.action_code == "D"
    assert record.unparsed == {}


def test_multi_line_long_description_is_joined_with_single_spaces():
    [record] = parse_lines(record_lines("X0001", LONG))
    assert record.long_description == LONG


def test_modifiers_are_keyed_apart_from_procedures():
    records = parse_lines(
        record_lines("GY", "Item statutorily excluded", "Statutorily excluded", modifier=True),
        record_lines("X0001"),
    )
    assert [(r.kind, r.code) for r in records] == [("modifier", "GY"), ("procedure", "X0001")]


def test_blank_disclaimer_and_short_lines_before_records_are_skipped():
    data = text_file(
        record_lines("X0001", LONG),
        header=["***Disclaimers\t\t\t", "*Inclusion\xa0does not imply coverage.", "", ""],
    )
    [record] = parse_text(data, "t.txt")
    assert record.code == "X0001"
    assert record.source_line == 5


def test_trimmed_91_character_continuation_lines_are_padded():
    lines = record_lines("X0001", LONG)
    trimmed = [lines[0], *[line.rstrip() for line in lines[1:]]]
    assert all(len(line) <= 91 for line in trimmed[1:])
    [record] = parse_lines(trimmed)
    assert record.long_description == LONG


def test_first_line_trimmed_after_the_action_code_still_parses():
    line = record_lines("X0001", action_code="N", date_added="20200101")[0][:293]
    [record] = parse_lines([line])
    assert record.action_code == "N"
    assert record.date_added == date(2020, 1, 1)


def test_cp1252_bytes_decode_to_their_characters():
    data = text_file(record_lines("X0001", "Riboflavin 5\u2019-phosphate caf\xe9"))
    assert b"\x92" in data
    [record] = parse_text(data, "t.txt")
    assert record.long_description == "Riboflavin 5\u2019-phosphate caf\xe9"


def test_byte_undefined_in_cp1252_fails_naming_the_line():
    data = text_file(record_lines("X0001"), record_lines("X0002"))
    lines = data.split(b"\r\n")
    lines[1] = lines[1][:20] + b"\x81" + lines[1][21:]
    with pytest.raises(ImportFailure, match=r"t\.txt, line 2: byte 0x81"):
        list(parse_text(b"\r\n".join(lines), "t.txt"))


def test_truncated_first_line_fails_naming_the_line():
    data = text_file(record_lines("X0001"), [record_lines("X0002")[0][:60]])
    with pytest.raises(ImportFailure, match=r"line 2: record for X0002 is truncated"):
        list(parse_text(data, "t.txt"))


def test_garbage_between_records_fails_naming_the_line():
    data = text_file(record_lines("X0001"), ["this is not a record"], record_lines("X0002"))
    with pytest.raises(ImportFailure, match=r"line 2: not a HCPCS record line"):
        list(parse_text(data, "t.txt"))


def test_continuation_of_another_code_fails():
    first = record_lines("X0001", LONG)
    other = record_lines("X0002", LONG)
    with pytest.raises(ImportFailure, match="continuation line for X0002"):
        parse_lines([first[0], other[1]])


def test_malformed_date_is_kept_verbatim_not_invented():
    [record] = parse_lines(record_lines("X0001", asc_group="20", asc_effective_date="170401"))
    assert record.asc_effective_date is None
    assert record.unparsed == {"asc_effective_date": "170401"}


def test_dos_end_of_file_byte_after_records_is_ignored():
    data = text_file(record_lines("X0001")) + b"\x1a"
    assert [r.code for r in parse_text(data, "t.txt")] == ["X0001"]


def test_file_without_records_fails():
    with pytest.raises(ImportFailure, match="no HCPCS records"):
        importer.parse(importer.ReleaseFiles("empty.txt", b""))


def test_duplicate_code_fails_naming_both_lines():
    data = text_file(record_lines("X0001"), record_lines("X0001"))
    with pytest.raises(ImportFailure, match=r"line 2: procedure X0001 appears again \(first"):
        importer.parse(importer.ReleaseFiles("dup.txt", data))


WORKBOOK_ROW = {
    "code": "X0001",
    "sequence_number": "0010",
    "record_id": "3",
    "long_description": "Test supply, per unit",
    "short_description": "Test supply",
    "pricing_indicator_1": "00",
    "multiple_pricing_indicator": "9",
    "coverage_code": "I",
    "processing_note": "0088",
    "betos_code": "Z2",
    "type_of_service_1": "9",
    "anesthesia_base_units": "  0",
    "date_added": "20020101",
    "action_effective_date": "20020101",
    "action_code": "N",
}


def test_workbook_header_may_follow_disclaimer_rows():
    data = workbook_bytes([WORKBOOK_ROW], header_row=8)
    [record] = parse_workbook(data, "w.xlsx")
    assert record.code == "X0001"
    assert record.sequence_number == "0010"
    assert record.anesthesia_base_units == 0
    assert record.date_added == date(2002, 1, 1)
    assert record.source_line == 9


def test_workbook_numeric_cells_become_text_with_their_zeros():
    row = {
        **WORKBOOK_ROW,
        "termination_date": 20250930,
        "type_of_service_1": 2,
        "pricing_indicator_1": 0,
        "processing_note": 88,
    }
    [record] = parse_workbook(workbook_bytes([row]), "w.xlsx")
    assert record.termination_date == date(2025, 9, 30)
    assert record.type_of_service_1 == "2"
    assert record.pricing_indicator_1 == "00"
    assert record.processing_note == "0088"


def test_workbook_continuation_row_extends_the_description():
    rows = [
        {**WORKBOOK_ROW, "long_description": "First part of the text"},
        {"code": "X0001", "sequence_number": "0020", "record_id": "4", "long_description": "rest"},
    ]
    [record] = parse_workbook(workbook_bytes(rows), "w.xlsx")
    assert record.long_description == "First part of the text rest"


def test_workbook_missing_a_column_fails_naming_it():
    data = workbook_bytes([WORKBOOK_ROW], drop=("BETOS",))
    with pytest.raises(ImportFailure, match=r"w\.xlsx, row 1: header lacks column\(s\) BETOS"):
        list(parse_workbook(data, "w.xlsx"))


def test_file_that_is_not_a_workbook_fails():
    with pytest.raises(ImportFailure, match="not a readable .xlsx workbook"):
        list(parse_workbook(b"plain text", "w.xlsx"))


def test_workbook_and_text_of_the_same_record_agree():
    line = record_lines(
        "X0001",
        WORKBOOK_ROW["long_description"],
        WORKBOOK_ROW["short_description"],
        sequence=10,
        **{
            k: v.strip()
            for k, v in WORKBOOK_ROW.items()
            if k not in {"code", "record_id", "long_description", "short_description"}
            and k != "sequence_number"
        },
    )
    [from_text] = parse_lines(line)
    [from_book] = parse_workbook(workbook_bytes([WORKBOOK_ROW]), "w.xlsx")
    skip = {"sequence_number", "source_line"}
    assert {k: v for k, v in from_text.values().items() if k not in skip} == {
        k: v for k, v in from_book.values().items() if k not in skip
    }


def test_processing_notes_join_wrapped_lines_and_drop_the_margin():
    text = (
        "                    PROCESSING NOTES\r\n"
        " ______________\r\n"
        "\r\n"
        "          0001--FIRST NOTE TEXT THAT WRAPS                           *\r\n"
        "                ONTO A SECOND LINE.                                  *\r\n"
        "                                                                     *\r\n"
        "          0002--SECOND NOTE.\t                                       *\r\n"
    )
    assert parse_notes(text.encode("cp1252"), "notes.txt") == {
        "0001": "FIRST NOTE TEXT THAT WRAPS ONTO A SECOND LINE.",
        "0002": "SECOND NOTE.",
    }


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_locate_prefers_the_text_file_in_a_zip_and_finds_its_notes(tmp_path):
    notes = b"          0001--A NOTE.   *\r\n"
    zipped = _zip(
        {
            "HCPC2030_CONTR_ANWEB.xlsx": workbook_bytes([WORKBOOK_ROW]),
            "HCPC2030_CONTR_ANWEB.txt": text_file(record_lines("X0001")),
            "proc_notes_2030.txt": notes,
            "HCPC2030_README.txt": b"readme",
        }
    )
    path = tmp_path / "2030-Alpha-Numeric-HCPCS-File.zip"
    path.write_bytes(zipped)
    files = importer.locate(path)
    assert files.record_name == "HCPC2030_CONTR_ANWEB.txt"
    assert files.notes_name == "proc_notes_2030.txt"
    parsed = importer.read_release(path)
    assert (parsed.name, parsed.effective_date) == ("2030-jan", date(2030, 1, 1))
    assert parsed.notes == {"0001": "A NOTE."}


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("HCPC2025_OCT_ANWEB.xlsx", "2025-oct"),
        ("HCPC2026_JAN_ANWEB_01122026.txt", "2026-jan"),
        ("HCPC17_CONTR_ANWEB.txt", "2017-jan"),
        ("HCPC2018_CONTR_ANWEB_disc.txt", "2018-jan"),
    ],
)
def test_release_name_comes_from_cms_file_names(tmp_path, file_name, expected):
    path = tmp_path / file_name
    path.write_bytes(b"")
    files = importer.ReleaseFiles(file_name, b"")
    assert importer.release_name_for(files, path)[0] == expected


def test_release_folder_name_wins_over_file_name(tmp_path):
    folder = tmp_path / "2031-apr"
    folder.mkdir()
    (folder / "anweb.xlsx").write_bytes(workbook_bytes([WORKBOOK_ROW]))
    assert importer.read_release(folder).name == "2031-apr"


def test_folder_without_a_record_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing")
    with pytest.raises(ImportFailure, match="no ANWEB"):
        importer.locate(tmp_path)


def test_unknown_path_kind_is_refused(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("a,b")
    with pytest.raises(ImportFailure, match="expected a CMS zip"):
        importer.locate(path)


# Files that do not look whole ------------------------------------------------------------


def test_file_without_a_final_line_end_is_refused_naming_its_last_line():
    data = text_file(record_lines("X0001"), record_lines("X0002"))
    with pytest.raises(ImportFailure, match=r"t\.txt, line 2: the file ends without a line end"):
        list(parse_text(data[:-2], "t.txt"))


def test_first_line_short_of_the_action_code_is_refused():
    line = record_lines("X0001", action_code="N")[0][:292]
    with pytest.raises(ImportFailure, match=r"line 1: record for X0001 is truncated: .*column 292"):
        parse_lines([line])


def test_line_longer_than_the_layout_is_refused_even_when_blank_past_it():
    line = record_lines("X0001")[0] + " "
    with pytest.raises(ImportFailure, match=r"line 1: line is 321 characters, longer than"):
        parse_lines([line])


@pytest.mark.parametrize(
    ("code", "modifier", "held"),
    [("X0001", True, "'X0001'"), ("GY", False, "'GY   '"), ("X001", False, "'X001 '")],
)
def test_code_that_does_not_fit_its_record_id_is_refused(code, modifier, held):
    lines = record_lines("GY" if modifier else "X0009", modifier=modifier)
    lines[0] = f"{code:<5}" + lines[0][5:]
    with pytest.raises(ImportFailure, match=rf"line 1: record id \d .* columns 1-5 hold {held}"):
        parse_lines(lines)


def test_continuation_line_whose_code_does_not_fit_its_record_id_is_refused():
    lines = record_lines("GY", LONG, modifier=True)
    lines[1] = "GY   " + lines[1][5:]
    with pytest.raises(ImportFailure, match=r"line 2: record id 8 \(modifier\) needs"):
        parse_lines(lines)


def test_workbook_modifier_row_with_a_five_character_code_is_refused():
    data = workbook_bytes([{**WORKBOOK_ROW, "record_id": "7"}])
    with pytest.raises(ImportFailure, match=r"w\.xlsx, row 2: RECID 7 \(modifier\) does not fit"):
        list(parse_workbook(data, "w.xlsx"))


def test_utf8_file_is_refused_saying_it_looks_like_utf8():
    records = [record_lines("X0001"), record_lines("X0002", "Riboflavin caf\xe9")]
    data = b"\r\n".join(line.encode("utf-8") for r in records for line in r) + b"\r\n"
    with pytest.raises(ImportFailure, match=r"t\.txt, line 2: this looks like UTF-8.*c3 a9"):
        list(parse_text(data, "t.txt"))


def test_utf8_byte_order_mark_is_refused():
    data = b"\xef\xbb\xbf" + text_file(record_lines("X0001"))
    with pytest.raises(ImportFailure, match=r"line 1: this looks like UTF-8 \(it starts with"):
        list(parse_text(data, "t.txt"))


def test_cp1252_text_that_is_not_valid_utf8_is_read_as_cp1252():
    data = text_file(record_lines("X0001", "Caf\xe9 \u2019quoted\u2019"))
    [record] = parse_text(data, "t.txt")
    assert record.long_description == "Caf\xe9 \u2019quoted\u2019"


# Which file in a zip or folder ----------------------------------------------------------


def test_two_anweb_text_files_are_refused_naming_both():
    names = ["HCPC2030_ANWEB.txt", "HCPC2030_ANWEB_copy.txt", "HCPC2030_ANWEB.xlsx"]
    with pytest.raises(ImportFailure, match=r"r\.zip: holds 2 ANWEB record files \(HCPC2030_A"):
        importer.choose_record_file(names, "r.zip")


def test_corrections_and_resource_forks_are_not_record_files():
    names = [
        "HCPC2025_JAN_ANWEB_12172024.xlsx",
        "HCPC2025_JAN_ANWEB_Corrections_12172024.xlsx",
        "__MACOSX/._HCPC2025_JAN_ANWEB_12172024.xlsx",
    ]
    assert importer.choose_record_file(names, "r.zip") == "HCPC2025_JAN_ANWEB_12172024.xlsx"


def test_folder_with_two_loose_record_files_is_refused(tmp_path):
    for name in ("HCPC2030_ANWEB.txt", "HCPC2030_ANWEB_v2.txt"):
        (tmp_path / name).write_bytes(text_file(record_lines("X0001")))
    with pytest.raises(ImportFailure, match="holds 2 ANWEB record files"):
        importer.locate(tmp_path)


# Limits on what is read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bound", "refusal"),
    [
        # The zip (about 250 bytes) fits, its member (322 bytes) does not.
        (300, r"r\.zip: HCPC2030_ANWEB\.txt: the member inflates to 322 bytes, more than"),
        (100, r"r\.zip: the zip is \d+ bytes, more than"),
    ],
)
def test_zip_or_member_over_the_bound_is_refused_before_it_is_read(
    tmp_path, monkeypatch, bound, refusal
):
    path = tmp_path / "r.zip"
    path.write_bytes(zip_bytes({"HCPC2030_ANWEB.txt": text_file(record_lines("X0001"))}))
    assert 100 < path.stat().st_size < 300
    monkeypatch.setattr(import_module("codes.importer.locate"), "MAX_FILE_BYTES", bound)
    with pytest.raises(ImportFailure, match=refusal):
        importer.locate(path)


def test_loose_file_over_the_bound_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "HCPC2030_ANWEB.txt"
    path.write_bytes(text_file(record_lines("X0001")))
    monkeypatch.setattr(import_module("codes.importer.locate"), "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFailure, match=r"HCPC2030_ANWEB\.txt: the file is 322 bytes"):
        importer.locate(path)


def test_workbook_part_over_the_bound_is_refused(monkeypatch):
    data = workbook_bytes([WORKBOOK_ROW])
    monkeypatch.setattr(import_module("codes.importer.parse"), "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportFailure, match=r"w\.xlsx: .*: the workbook part inflates to"):
        list(parse_workbook(data, "w.xlsx"))


def test_file_that_is_not_a_zip_despite_its_name_is_refused(tmp_path):
    path = tmp_path / "r.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFailure, match="expected a CMS zip"):
        importer.locate(path)


# Warnings -----------------------------------------------------------------------------------


def test_values_outside_the_code_tables_and_bad_dates_are_kept_and_listed_with_their_line():
    records = importer.parse(
        importer.ReleaseFiles(
            "t.txt",
            text_file(
                record_lines("X0001", coverage_code="C"),
                record_lines("X0002", coverage_code="Q", type_of_service_2="~"),
                record_lines("X0003", date_added="20231332", anesthesia_base_units="1A"),
            ),
        )
    )
    assert records[1].coverage_code == "Q"
    assert records[2].unparsed == {"date_added": "20231332", "anesthesia_base_units": "1A"}
    assert importer.record_warnings(records) == [
        "line 2 (X0002): coverage_code 'Q' is not in CMS's code table; kept as published",
        "line 2 (X0002): type_of_service_2 '~' is not in CMS's code table; kept as published",
        "line 3 (X0003): date_added '20231332' is not a YYYYMMDD date; kept as published",
        "line 3 (X0003): anesthesia_base_units '1A' is not a whole number; kept as published",
    ]


def test_a_clean_release_has_no_warnings():
    records = parse_lines(record_lines("X0001", coverage_code="C", pricing_indicator_1="00"))
    assert importer.record_warnings(records) == []
