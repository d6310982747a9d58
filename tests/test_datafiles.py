"""The reference data files of codes/data/: read once, and refused when malformed."""

import re

import pytest

from codes import datafiles, reference
from codes.datafiles import DataFileError


def edited_copy(tmp_path, original, old, new):
    """A copy of a data file with `old` replaced by `new` (once)."""
    text = original.read_text(encoding="utf-8")
    assert old in text
    copy = tmp_path / original.name
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('label = "Coverage codes"\n', "", "table 'coverage': missing label"),
        ('"C" = "Carrier judgment"', '"C" = 3', "table 'coverage': value 'C' needs a non-empty"),
        ('"C" = "Carrier judgment"', '"C" = ""', "table 'coverage': value 'C' needs a non-empty"),
        ("[coverage.values]", "colour = 1\n[coverage.values]", "table 'coverage': unknown key"),
        ('"C" = "Carrier judgment"', '"C" = "Carrier', "code_tables.toml: is not valid TOML"),
        (
            '[coverage.values]\n"C" = "Carrier judgment"',
            'values = "C"\n[coverages.values]\n"C" = "Carrier judgment"',
            "table 'coverage': values must be a table",
        ),
    ],
)
def test_a_malformed_code_table_is_refused_naming_the_file_and_table(tmp_path, old, new, message):
    copy = edited_copy(tmp_path, datafiles.CODE_TABLES_FILE, old, new)

    with pytest.raises(DataFileError, match=re.escape(message)) as raised:
        datafiles.read_code_tables(copy)
    assert str(raised.value).startswith(str(copy))


def test_a_missing_data_file_is_named():
    with pytest.raises(DataFileError, match="nowhere.toml: cannot be read"):
        datafiles.read_code_tables(datafiles.DATA_DIR / "nowhere.toml")


def test_errors_name_the_files_of_the_project_by_their_path_in_it():
    with pytest.raises(DataFileError) as raised:
        datafiles.Entry(datafiles.SECTIONS_FILE, "section 'x'", {}).fail("bad")
    assert str(raised.value) == "codes/data/sections.toml, section 'x': bad"


def test_sections_come_from_their_file_in_code_order():
    assert reference.SECTIONS[0] == (
        "A0021",
        "A0999",
        "Transportation services including ambulance",
    )
    assert reference.SECTIONS[-1] == ("V5008", "V5364", "Hearing services")
    assert ("J7177", "J7212", "Clotting factors") in reference.SUBSECTIONS
    assert [s.slug for s in reference.SECTION_RANGES][:2] == [
        "transportation-services-including-ambulance",
        "matrix-for-wound-management",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('first = "A2001"', 'first = "A0500"', "section 'Matrix for wound management': starts"),
        ('last = "A0999"', 'last = "B0999"', "A0021-B0999 is not a range of codes of one letter"),
        ('first = "A0021"', 'first = "a0021"', "'a0021' is not a Level II code"),
        ('heading = "Vision services"', 'title = "Vision services"', "section number 26: missing"),
        ('first = "J7177"', 'first = "J7100"', "subsection 'Clotting factors': starts"),
    ],
)
def test_a_malformed_section_is_refused_naming_the_file_and_section(tmp_path, old, new, message):
    copy = edited_copy(tmp_path, datafiles.SECTIONS_FILE, old, new)

    with pytest.raises(DataFileError, match=re.escape(message)):
        datafiles.read_sections(copy)


def test_a_file_without_its_tables_of_entries_is_refused(tmp_path):
    copy = tmp_path / "sections.toml"
    copy.write_text('section = "A0021"\nsubsection = []\n', encoding="utf-8")

    with pytest.raises(DataFileError, match=re.escape("sections.toml: needs [[section]] tables")):
        datafiles.read_sections(copy)


@pytest.mark.parametrize("name", ["2026-jan", "2025-oct", "2019-dec"])
def test_a_release_is_named_by_year_and_month_and_read_as_its_first_day(name):
    entry = datafiles.Entry(datafiles.RECORD_LAYOUT_FILE, "field 'x'", {"since": name})

    effective = entry.release("since")
    assert (effective.day, datafiles.release_name(effective)) == (1, name)


def test_a_release_not_given_is_none():
    entry = datafiles.Entry(datafiles.RECORD_LAYOUT_FILE, "field 'x'", {})
    assert entry.release("since") is None


@pytest.mark.parametrize("value", ["2026-01", "2026-Jan", "26-jan", "2026-jan ", "", 2026])
def test_a_malformed_release_name_is_refused_naming_the_file_and_entry(value):
    entry = datafiles.Entry(datafiles.RECORD_LAYOUT_FILE, "field 'x'", {"since": value})

    with pytest.raises(DataFileError) as raised:
        entry.release("since")
    assert str(raised.value) == (
        "codes/data/record_layout.toml, field 'x': since must name a release like "
        '"2026-jan" (its year and the first three letters of its month, lower case), '
        f"not {value!r}"
    )
