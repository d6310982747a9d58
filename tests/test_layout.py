"""The one description of the CMS record, and what is derived from it."""

import subprocess
import sys
from pathlib import Path

from django.db import models

from codes import layout
from codes.models import CmsRecord
from codes.presentation import FIELD_GROUPS
from codes.reference import FIELD_DOCS

MODEL_FIELD = {
    layout.TEXT: models.CharField,
    layout.KIND: models.CharField,
    layout.LONG_TEXT: models.TextField,
    layout.DATE: models.DateField,
    layout.INTEGER: models.PositiveSmallIntegerField,
}


def test_every_layout_column_is_a_model_column_of_its_type_and_width():
    for column in layout.COLUMNS:
        field = layout.FIELD_OF_COLUMN[column]
        model_field = CmsRecord._meta.get_field(column)
        assert type(model_field) is MODEL_FIELD[field.type], column
        if field.type == layout.TEXT:
            assert model_field.max_length == field.width, column


def test_the_model_has_no_record_column_the_layout_lacks():
    assert set(CmsRecord.record_field_names()) == {*layout.COLUMNS, "unparsed"}


def test_repeated_fields_lie_end_to_end_in_the_record():
    for field in layout.FIELDS:
        spans = field.spans
        assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:], strict=False)), field.name


def test_fields_do_not_overlap_and_end_before_the_action_code_ends():
    taken = [p for f in layout.FIELDS for first, last in f.spans for p in range(first, last + 1)]
    assert len(taken) == len(set(taken))
    assert max(taken) == 293


def test_every_field_stands_in_one_page_group_in_glossary_order():
    grouped = [name for _, _, names in layout.GROUPS for name in names]
    assert sorted(grouped) == sorted(layout.BY_NAME)
    assert FIELD_GROUPS is layout.GROUPS
    assert grouped == list(FIELD_DOCS)


def test_glossary_positions_come_from_the_layout():
    assert FIELD_DOCS["pricing_indicators"].positions == "120–127"
    assert FIELD_DOCS["pricing_indicators"].repeats == 4
    assert FIELD_DOCS["action_code"].positions == "293"
    assert FIELD_DOCS["coverage_code"].table == "coverage"


NEW_FIELD = (
    '    Field("future_flag", 294, 1, "FUTURE FLAG"),\n'
    '    Field("future_dates", 295, 8, "FUTDT", DATE, repeats=2, prefix="future_date"),\n'
)
# Runs without Django: the layout with two more fields, then the parser built on it.
PROGRAM = """
import sys, types
from pathlib import Path
source = Path("codes/layout.py").read_text()
marker = "]\\n\\nBY_NAME"
source = source.replace(marker, sys.argv[1] + marker, 1)
module = types.ModuleType("codes.layout")
module.__file__ = "codes/layout.py"
sys.modules["codes.layout"] = module
exec(compile(source, "codes/layout.py", "exec"), module.__dict__)
package = types.ModuleType("codes.importer")
package.__path__ = ["codes/importer"]
sys.modules["codes.importer"] = package
from codes.importer import parse
line = "X0001" + "00010" + "3" + "Long".ljust(80) + "Short".ljust(28)
line = line.ljust(292) + "N" + "Y" + "20300101" + "2030010X"
data = (line + "\\r\\n").encode("cp1252")
record = next(parse.parse_text(data, "t.txt"))
print(record.future_flag, record.future_date_1, record.future_date_2, dict(record.unparsed))
print(parse.WORKBOOK_COLUMNS["FUTURE FLAG"], parse.WORKBOOK_COLUMNS["FUTDT2"])
print(sorted(m for m in sys.modules if m.startswith("django")))
"""


def test_a_field_added_to_the_layout_is_parsed_with_its_type_and_no_django():
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, NEW_FIELD],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "Y 2030-01-01 None {'future_date_2': '2030010X'}",
        "future_flag future_date_2",
        "[]",
    ]


def test_a_field_in_a_page_group_and_the_glossary_shows_as_a_page_row_and_in_json(monkeypatch):
    from codes import presentation
    from codes.models import Code
    from codes.reference import FieldDoc

    doc = FieldDoc(name="future_flag", label="Future flag", short="A flag.", full="A flag.")
    monkeypatch.setitem(FIELD_DOCS, "future_flag", doc)
    index = [key for key, _, _ in layout.GROUPS].index("status")
    key, heading, names = layout.GROUPS[index]
    groups = list(layout.GROUPS)
    groups[index] = (key, heading, (*names, "future_flag"))
    monkeypatch.setattr(presentation, "FIELD_GROUPS", groups)
    record = Code(kind="procedure", code="X0001", short_description="Short")
    record.future_flag = "Y"  # the model column its migration would add

    status = next(g for g in presentation.field_groups(record) if g.key == "status")
    row = status.rows[-1]
    assert (row.name, row.label, row.columns) == ("future_flag", "Future flag", ("future_flag",))
    assert row.as_json()["values"] == [{"value": "Y", "meaning": None}]
