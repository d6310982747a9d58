"""A field CMS adds in a later release, against the real releases that predate it.

A copy of the record layout gets one more field, `since` a release newer than the real
data, past the end of today's 320-character record (as if CMS lengthened it). The real
2019-jan .txt (lines of 320 characters, so shorter than the field's positions) and the
real 2020-apr workbook (no such column) are read through the import's reading step
with that copy: both are imported whole with the field blank, every other value as the
real layout reads it. The same workbook given as a release at the field's `since` is
refused, naming the column and its header row.
"""

import pytest

from codes import datafiles
from tests.alternate_layout import future_date_entry, records_digest, run_with_layout
from tests.realdata import parsed_release, release_path

TEXT_RELEASE, WORKBOOK_RELEASE = "2019-jan", "2020-apr"
# Each release read with the layout copy: what became of the field, and a digest of
# every other value; then the releases refused, with the failure's message.
PROGRAM = """
for folder, name in arguments["read"]:
    parsed = locate.read_release(Path(folder), name)
    print(json.dumps({
        "name": parsed.name,
        "source": parsed.source_name,
        "records": len(parsed.records),
        "future dates": sorted({str(r.future_date) for r in parsed.records}),
        "warnings": parsed.warnings,
        "digest": records_digest(parsed.records, ("future_date",)),
    }))
for folder, name in arguments["refused"]:
    try:
        locate.read_release(Path(folder), name)
    except parse.ImportFailure as failure:
        print(json.dumps(str(failure)))
    else:
        print(json.dumps(f"{folder} was read as {name}"))
"""


@pytest.fixture(scope="module")
def read_with_future_field(tmp_path_factory):
    """What the reading step makes of the real releases with the layout copy (one run)."""
    text = datafiles.RECORD_LAYOUT_FILE.read_text(encoding="utf-8")
    assert "\nrecord_length = 320\n" in text
    copy = tmp_path_factory.mktemp("layout") / "record_layout.toml"
    copy.write_text(
        text.replace("\nrecord_length = 320\n", "\nrecord_length = 330\n")
        + "\n[[field]]\n"
        + future_date_entry(321),
        encoding="utf-8",
    )
    text_folder, workbook_folder = (
        str(release_path(TEXT_RELEASE)),
        str(release_path(WORKBOOK_RELEASE)),
    )
    *read, refused = run_with_layout(
        copy,
        PROGRAM,
        {
            "read": [[text_folder, None], [workbook_folder, None], [text_folder, "2026-jan"]],
            "refused": [[workbook_folder, "2026-jan"]],
        },
    )
    return {found["name"]: found for found in read}, refused


@pytest.mark.parametrize(
    ("release", "source"),
    [(TEXT_RELEASE, "HCPC2019_CONTR_ANWEB.txt"), (WORKBOOK_RELEASE, "HCPC2020_APR_ANWEB.xlsx")],
)
def test_an_older_release_is_imported_whole_with_the_new_field_blank(
    read_with_future_field, release, source
):
    found = read_with_future_field[0][release]
    real = parsed_release(release)

    assert found["source"] == source == real.source_name
    assert found["future dates"] == ["None"]
    assert (found["records"], found["warnings"]) == (len(real.records), real.warnings)
    assert found["digest"] == records_digest(real.records)


def test_a_text_file_of_a_release_at_since_shorter_than_the_field_reads_it_blank(
    read_with_future_field,
):
    # CMS's .txt trims nothing but a file may: a line ending before a field is a blank
    # value, as it is for any other field, not a refusal.
    found = read_with_future_field[0]["2026-jan"]

    assert found["future dates"] == ["None"]
    assert found["digest"] == records_digest(parsed_release(TEXT_RELEASE).records)


def test_a_workbook_of_a_release_at_since_without_the_column_is_refused_naming_it(
    read_with_future_field,
):
    assert read_with_future_field[1] == (
        "HCPC2020_APR_ANWEB.xlsx, row 11: header lacks column(s) FUTURE DT "
        "(in the record from 2026-jan on)"
    )
