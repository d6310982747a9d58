"""The one description of the CMS record, and what is derived from it."""

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import models

from codes import datafiles, layout, reference
from codes.datafiles import DataFileError
from codes.models import CmsRecord
from codes.presentation import FIELD_GROUPS
from codes.reference import FIELD_DOCS
from tests.alternate_layout import future_date_entry, run_with_layout

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_TEXT = datafiles.RECORD_LAYOUT_FILE.read_text(encoding="utf-8")

# The model column each field type is declared as, and how codes/models.py declares it.
MODEL_FIELD = {
    layout.TEXT: models.CharField,
    layout.KIND: models.CharField,
    layout.LONG_TEXT: models.TextField,
    layout.DATE: models.DateField,
    layout.INTEGER: models.PositiveSmallIntegerField,
}
DECLARATION = {
    layout.TEXT: "_char({width})",
    layout.KIND: "models.CharField(max_length=9, choices=Kind)",
    layout.LONG_TEXT: "models.TextField(blank=True)",
    layout.DATE: "models.DateField(null=True, blank=True)",
    layout.INTEGER: "models.PositiveSmallIntegerField(null=True, blank=True)",
}


def disagreements(record: layout.RecordLayout, model: type[models.Model]) -> list[str]:
    """What the model lacks or has beyond the layout, each said with how to fix it."""
    columns = {f.name: f for f in model._meta.get_fields() if f.name != "unparsed"}
    found = []
    for field in record.fields:
        for column in field.columns:
            declared = DECLARATION[field.type].format(width=field.width)
            model_field = columns.pop(column, None)
            if model_field is None:
                found.append(
                    f"{model.__name__} lacks the column {column} of layout field "
                    f"{field.name!r}: declare `{column} = {declared}` in codes/models.py, "
                    "then run manage.py makemigrations"
                )
            elif type(model_field) is not MODEL_FIELD[field.type] or (
                field.type == layout.TEXT and model_field.max_length != field.width
            ):
                found.append(
                    f"{model.__name__}.{column} is {model_field.deconstruct()[1]}"
                    f"(max_length={getattr(model_field, 'max_length', None)}), but layout field "
                    f"{field.name!r} is {field.type!r} of width {field.width}: declare "
                    f"`{column} = {declared}`"
                )
    found += [
        f"{model.__name__}.{column} is not in codes/data/record_layout.toml: add its "
        "[[field]] entry or remove the column"
        for column in columns
    ]
    return found


def with_entry(tmp_path: Path, entry: str) -> Path:
    """A copy of the record layout file with one more [[field]] entry."""
    copy = tmp_path / "record_layout.toml"
    copy.write_text(f"{LAYOUT_TEXT}\n[[field]]\n{entry}", encoding="utf-8")
    return copy


def test_the_model_declares_every_layout_column_with_its_type_and_width():
    assert disagreements(layout.RECORD, CmsRecord) == []


def test_a_layout_field_the_model_lacks_is_named_with_its_declaration(tmp_path):
    record = layout.read_layout(with_entry(tmp_path, FUTURE_FLAG))

    assert disagreements(record, CmsRecord) == [
        "CmsRecord lacks the column future_flag of layout field 'future_flag': declare "
        "`future_flag = _char(1)` in codes/models.py, then run manage.py makemigrations"
    ]


def test_a_model_column_of_the_wrong_width_or_outside_the_layout_is_named(tmp_path):
    class Extra(CmsRecord):
        statute = models.CharField(max_length=12, blank=True)
        flag = models.CharField(max_length=1, blank=True)

        class Meta:
            abstract = True

    assert disagreements(layout.RECORD, Extra) == [
        "Extra.statute is django.db.models.CharField(max_length=12), but layout field "
        "'statute' is 'text' of width 10: declare `statute = _char(10)`",
        "Extra.flag is not in codes/data/record_layout.toml: add its [[field]] entry or "
        "remove the column",
    ]


def test_repeated_fields_lie_end_to_end_in_the_record():
    for field in layout.FIELDS:
        spans = field.spans
        assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:], strict=False)), field.name


def test_fields_do_not_overlap_and_fit_the_record():
    taken = [p for f in layout.FIELDS for first, last in f.spans for p in range(first, last + 1)]
    assert len(taken) == len(set(taken))
    assert max(taken) <= layout.RECORD_LENGTH == 320


def test_every_field_stands_in_one_page_group_in_glossary_order():
    grouped = [name for _, _, names in layout.GROUPS for name in names]
    assert sorted(grouped) == sorted(layout.BY_NAME)
    assert FIELD_GROUPS is layout.GROUPS
    assert grouped == list(FIELD_DOCS)
    # The page's order, not the record's: the action code leads the status group.
    assert layout.GROUPS[1][:2] == ("status", "Status and dates")
    assert layout.GROUPS[1][2][:2] == ("action_code", "action_effective_date")


def test_glossary_entries_come_from_the_layout():
    assert FIELD_DOCS["pricing_indicators"].positions == "120–127"
    assert FIELD_DOCS["pricing_indicators"].repeats == 4
    assert FIELD_DOCS["action_code"].positions == "293"
    assert FIELD_DOCS["coverage_code"].table == "coverage"
    assert FIELD_DOCS["coverage_code"].label == layout.BY_NAME["coverage_code"].label
    assert FIELD_DOCS["statute"].full.startswith("Positions 171–180 hold a reference")


def test_code_tables_come_from_their_file_in_cms_order():
    assert list(reference.CODE_TABLES)[:2] == ["record_id", "pricing_indicator"]
    assert list(reference.CODE_TABLES["coverage"]) == ["C", "D", "I", "M", "S"]
    assert reference.CODE_TABLES["pricing_indicator"]["40"] == (
        "Lymphedema Compression Treatment Items (eff 1/1/2024)"
    )
    assert reference.CODE_TABLE_LABELS["opps_group"] == "MOG payment groups"
    assert reference.ASC_GROUP_BLANK_MEANING == "Not approved for ASC"


def test_every_explanation_opens_with_the_fields_positions():
    for field in layout.FIELDS:
        opening = "Position " if field.first == field.last else "Positions "
        assert field.full.startswith(opening + field.positions + " "), field.name


def test_every_field_table_exists_and_every_table_decodes_a_field():
    tables = {f.table for f in layout.FIELDS if f.table}
    assert tables == set(reference.CODE_TABLES)


# Malformed layout entries: (field, text in its entry, replacement, the error's words).
MALFORMED = [
    ("betos_code", 'type = "text"', 'type = "txt"', "field 'betos_code': unknown type 'txt'"),
    (
        "statute",
        "first = 171",
        "first = 165",
        "field 'statute': positions 165–174 overlap field 'mcm_references' (positions 147–170)",
    ),
    ("statute", 'group = "references"', 'group = "law"', "field 'statute': group 'law' does"),
    (
        "coverage_code",
        'table = "coverage"',
        'table = "coverages"',
        "field 'coverage_code': code table 'coverages' does not exist",
    ),
    ("statute", 'label = "Statute"\n', "", "field 'statute': missing label"),
    ("statute", "order = 30", "order = 20", "field 'statute': order 20 is field 'mcm_references'"),
    ("statute", "width = 10", "width = 10\nwidht = 10", "field 'statute': unknown key widht"),
    ("statute", "width = 10", 'width = "10"', "field 'statute': width must be a whole number"),
    ("cim_references", 'prefix = "cim_reference"\n', "", "needs a column prefix"),
    (
        "action_code",
        "first = 293\nwidth = 1",
        "first = 320\nwidth = 2",
        "field 'action_code': positions 320–321 end past the record's 320",
    ),
    ("statute", 'name = "statute"', 'name = "code"', "field 'code': its name or a column"),
    ("statute", "heading = ", "heading = ]", "record_layout.toml: is not valid TOML"),
    ("opps_group", "zero_padded = true", 'zero_padded = "yes"', "zero_padded must be true or"),
    ("kind", 'type = "kind"', 'type = "text"', "needs exactly one field of type 'kind'"),
    ("statute", 'name = "statute"', 'name = "stat ute"', "name must be a Python identifier"),
    ("statute", 'label = "Statute"', "label = 3", "field 'statute': label must be a non-empty"),
    ("statute", "width = 10", 'width = 10\nsince = "2026-01"', "'statute': since must name a"),
    ("statute", "width = 10", 'width = 10\nsince = "2026-Jan"', "'statute': since must name a"),
    ("statute", "width = 10", "width = 10\nsince = 2026-01-01", "'statute': since must name a"),
    ("kind", "width = 1", 'width = 1\nsince = "2026-jan"', "'kind': the record id is in every"),
]


@pytest.mark.parametrize(("field", "old", "new", "message"), MALFORMED)
def test_a_malformed_layout_entry_is_refused_naming_the_file_and_field(
    tmp_path, field, old, new, message
):
    blocks = LAYOUT_TEXT.split("\n[[field]]\n")
    (index,) = [n for n, b in enumerate(blocks) if b.startswith(f'name = "{field}"\n')]
    assert old in blocks[index]
    blocks[index] = blocks[index].replace(old, new, 1)
    copy = tmp_path / "record_layout.toml"
    copy.write_text("\n[[field]]\n".join(blocks), encoding="utf-8")

    with pytest.raises(DataFileError, match=re.escape(message)) as raised:
        layout.read_layout(copy)
    assert str(raised.value).startswith(str(copy))


def test_a_group_without_fields_is_refused(tmp_path):
    copy = tmp_path / "record_layout.toml"
    copy.write_text(
        LAYOUT_TEXT.replace(
            "\n[[group]]\n", '\n[[group]]\nkey = "unused"\nheading = "U"\n\n[[group]]\n', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="group 'unused': has no field"):
        layout.read_layout(copy)


def test_a_group_listed_twice_is_refused(tmp_path):
    copy = tmp_path / "record_layout.toml"
    twice = '\n[[group]]\nkey = "lab"\nheading = "Lab again"\n\n[[group]]\n'
    copy.write_text(LAYOUT_TEXT.replace("\n[[group]]\n", twice, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match="group 'lab': is listed twice"):
        layout.read_layout(copy)


# The first position after the layout's fields, where the entries added below go.
AFTER = layout.FIELDS[-1].last + 1
# One entry added to a copy of the layout file: a repeated date field after the others.
FUTURE_DATES = f"""\
name = "future_dates"
first = {AFTER}
width = 8
repeats = 2
prefix = "future_date"
heading = "FUTDT"
type = "date"
group = "status"
order = 1000
label = "Future dates"
short = "Two dates CMS might add."
full = "Two dates."
"""
# Runs without Django: the parser built on the layout file given, then one line parsed.
PROGRAM = """
import sys, types
from pathlib import Path
from codes import datafiles
datafiles.RECORD_LAYOUT_FILE = Path(sys.argv[1])
package = types.ModuleType("codes.importer")
package.__path__ = ["codes/importer"]
sys.modules["codes.importer"] = package
from codes.importer import parse
line = "X0001" + "00010" + "3" + "Long".ljust(80) + "Short".ljust(28)
line = line.ljust(int(sys.argv[2]) - 1) + "20300101" + "2030010X"
data = (line + "\\r\\n").encode("cp1252")
record = next(parse.parse_text(data, "t.txt"))
print(record.future_date_1, record.future_date_2, dict(record.unparsed))
print(parse.WORKBOOK_COLUMNS["FUTDT1"], parse.WORKBOOK_COLUMNS["FUTDT2"])
print(sorted(m for m in sys.modules if m.startswith("django")))
"""


def test_an_entry_added_to_the_layout_file_is_parsed_with_its_type_and_no_django(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(with_entry(tmp_path, FUTURE_DATES)), str(AFTER)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "2030-01-01 None {'future_date_2': '2030010X'}",
        "future_date_1 future_date_2",
        "[]",
    ]


# One entry added to a copy of the layout file: a coded flag shown with the status fields.
FUTURE_FLAG = f"""\
name = "future_flag"
first = {AFTER}
width = 1
heading = "FUTURE FLAG"
type = "text"
table = "coverage"
group = "status"
order = 1000
label = "Future flag"
short = "A flag CMS might add."
full = "A flag."
"""


def test_an_entry_added_to_the_layout_file_shows_as_a_page_row_and_in_json(tmp_path, monkeypatch):
    from codes import presentation
    from codes.models import Code

    record_layout = layout.read_layout(with_entry(tmp_path, FUTURE_FLAG))
    monkeypatch.setattr(presentation, "FIELD_GROUPS", list(record_layout.groups))
    monkeypatch.setattr(presentation, "FIELD_DOCS", reference.field_docs(record_layout))
    record = Code(kind="procedure", code="X0001", short_description="Short")
    record.future_flag = "C"  # the model column its migration would add

    status = next(g for g in presentation.field_groups(record) if g.key == "status")
    row = status.rows[-1]
    assert (row.name, row.label, row.columns) == ("future_flag", "Future flag", ("future_flag",))
    assert row.doc.positions == str(AFTER)
    assert row.as_json()["glossary"] == "A flag CMS might add."
    assert row.as_json()["values"] == [
        {"value": "C", "meaning": "Carrier judgment", "in_code_table": True}
    ]


def test_a_field_since_a_release_is_read_with_that_release_date(tmp_path):
    record = layout.read_layout(with_entry(tmp_path, f'{FUTURE_FLAG}since = "2026-jan"\n'))

    added = record.fields[-1]
    assert added.since == date(2026, 1, 1)
    assert reference.field_docs(record)["future_flag"].since == date(2026, 1, 1)
    assert all(f.since is None for f in layout.FIELDS)
    assert [layout.published(added.since, day) for day in (OCTOBER_2025, JANUARY_2026)] == [
        False,
        True,
    ]
    assert layout.published(added.since, None), "a release of unknown date has every field"


OCTOBER_2025, JANUARY_2026 = date(2025, 10, 1), date(2026, 1, 1)
# Each case parses one record with the layout holding future_date_entry and prints the
# field's value and what was kept unparsed, or the failure.
SINCE_PROGRAM = """
from datetime import date
from openpyxl import Workbook
import io

def workbook(headings):
    book = Workbook()
    row = {"HCPC": "X0001", "SEQNUM": "0010", "RECID": "3", "LONG DESCRIPTION": "Long",
           "SHORT DESCRIPTION": "Short", "ACTION CD": "N", "FUTURE DT": "20300101"}
    book.active.append(headings)
    book.active.append([row.get(h, "") for h in headings])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

line = ("X0001" + "00010" + "3" + "Long".ljust(80) + "Short".ljust(28)).ljust(292) + "N"
texts = {
    "value": line.ljust(arguments["after"] - 1) + "20300101",
    "filler": line.ljust(arguments["after"] - 1) + "2030010X",
    "short": line,
}
books = {
    "with heading": workbook(list(parse.WORKBOOK_COLUMNS)),
    "without heading": workbook([h for h in parse.WORKBOOK_COLUMNS if h != "FUTURE DT"]),
}
for kind, form, effective in arguments["cases"]:
    day = date.fromisoformat(effective) if effective else None
    try:
        if kind == "text":
            data = (texts[form] + "\\r\\n").encode("cp1252")
            [record] = parse.parse(parse.ReleaseFiles("t.txt", data), effective=day)
        else:
            [record] = parse.parse(parse.ReleaseFiles("w.xlsx", books[form]), effective=day)
    except parse.ImportFailure as failure:
        print(json.dumps(str(failure)))
    else:
        print(json.dumps([str(record.future_date), dict(record.unparsed)]))
"""
SINCE_CASES = [
    # (file, what it holds, release date) -> the value and the text kept unparsed
    (("text", "value", "2025-10-01"), ["None", {}]),
    (("text", "filler", "2025-10-01"), ["None", {}]),
    (("text", "short", "2025-10-01"), ["None", {}]),
    (("text", "value", "2026-01-01"), ["2030-01-01", {}]),
    (("text", "filler", "2026-01-01"), ["None", {"future_date": "2030010X"}]),
    (("text", "short", "2026-01-01"), ["None", {}]),
    (("text", "value", None), ["2030-01-01", {}]),
    (("workbook", "without heading", "2025-10-01"), ["None", {}]),
    (("workbook", "with heading", "2025-10-01"), ["None", {}]),
    (("workbook", "with heading", "2026-01-01"), ["2030-01-01", {}]),
    (
        ("workbook", "without heading", "2026-01-01"),
        "w.xlsx, row 1: header lacks column(s) FUTURE DT (in the record from 2026-jan on)",
    ),
    (
        ("workbook", "without heading", None),
        "w.xlsx, row 1: header lacks column(s) FUTURE DT (in the record from 2026-jan on)",
    ),
]


def test_a_release_before_a_fields_since_is_parsed_with_it_blank(tmp_path):
    """Before `since` the field is blank whatever the file holds (an old .txt has filler
    there, an old workbook no column); from `since` on it is read, and a workbook
    without its column is refused, naming it."""
    found = run_with_layout(
        with_entry(tmp_path, future_date_entry(AFTER)),
        SINCE_PROGRAM,
        {"after": AFTER, "cases": [case for case, _ in SINCE_CASES]},
    )

    assert dict(zip([tuple(c) for c, _ in SINCE_CASES], found, strict=True)) == dict(SINCE_CASES)


def test_a_field_since_a_later_release_is_left_out_of_older_pages_and_json(tmp_path, monkeypatch):
    from codes import presentation
    from codes.models import Code, Release

    record_layout = layout.read_layout(with_entry(tmp_path, f'{FUTURE_FLAG}since = "2026-jan"\n'))
    monkeypatch.setattr(presentation, "FIELD_GROUPS", list(record_layout.groups))
    monkeypatch.setattr(presentation, "FIELD_DOCS", reference.field_docs(record_layout))

    def status_names(release: Release) -> list[str]:
        record = Code(kind="procedure", code="X0001", short_description="S", release=release)
        record.future_flag = ""  # as the import leaves a release before since
        groups = presentation.field_groups(record)
        return [row.name for g in groups if g.key == "status" for row in g.rows]

    older = status_names(Release(name="2025-oct", effective_date=OCTOBER_2025))
    newer = status_names(Release(name="2026-jan", effective_date=JANUARY_2026))
    assert "future_flag" not in older
    assert newer == [*older, "future_flag"]
