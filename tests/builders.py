"""Test data in the CMS formats, with values chosen by each test (never CMS excerpts)."""

from __future__ import annotations

import io
from datetime import date

from codes import importer
from codes.importer import TEXT_LAYOUT, WORKBOOK_COLUMNS


def record_lines(
    code: str,
    long_description: str = "Test description",
    short_description: str = "Test short",
    *,
    modifier: bool = False,
    sequence: int = 100,
    **fields: str,
) -> list[str]:
    """The fixed-width lines (320 characters) of one record; fields use model column names."""
    code_field = f"   {code}" if modifier else code
    first_id, more_id = ("7", "8") if modifier else ("3", "4")
    pieces = [long_description[i : i + 80] for i in range(0, len(long_description), 80)] or [""]
    line = list(f"{code_field:<5}{sequence:05d}{first_id}{pieces[0]:<80}{short_description:<28}")
    line += [" "] * (320 - len(line))
    for column, first, last in TEXT_LAYOUT:
        value = fields.pop(column, "")
        width = last - first + 1
        if column == "anesthesia_base_units" and value != "":
            value = str(value).rjust(width)
        line[first - 1 : last] = list(f"{value:<{width}}"[:width])
    assert not fields, f"unknown columns: {sorted(fields)}"
    lines = ["".join(line)]
    for n, piece in enumerate(pieces[1:], start=2):
        seq = sequence * n if sequence else 0
        lines.append(f"{code_field:<5}{seq:05d}{more_id}{piece:<80}".ljust(320))
    return lines


def text_file(*records: list[str], header: list[str] | None = None, newline: str = "\r\n") -> bytes:
    lines = [*(header or []), *[line for record in records for line in record]]
    return (newline.join(lines) + newline).encode("cp1252")


def workbook_bytes(rows: list[dict], *, header_row: int = 1, drop: tuple[str, ...] = ()) -> bytes:
    """An .xlsx like CMS's: optional disclaimer rows, then the header, then one row per record."""
    from openpyxl import Workbook

    headings = [h for h in WORKBOOK_COLUMNS if h not in drop]
    column_of = {v: k for k, v in WORKBOOK_COLUMNS.items()}
    book = Workbook()
    sheet = book.active
    sheet.title = "A"
    for n in range(1, header_row):
        sheet.append([f"***Disclaimer line {n}"] if n == 1 else [])
    sheet.append(headings)
    for row in rows:
        values = dict(row)
        sheet.append([values.get(_column(h, column_of), "") for h in headings])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(heading: str, column_of: dict) -> str:
    return WORKBOOK_COLUMNS[heading]


def parse_lines(*records: list[str]) -> list[importer.CodeRecord]:
    return list(importer.parse_text(text_file(*records), "test.txt"))


def make_code(code: str = "A0001", *, release=None, **fields):
    """A saved Code (and its version) with sensible defaults; fields use model column names."""
    from codes.models import Code, CodeVersion, Release

    if release is None:
        release, _ = Release.objects.get_or_create(
            name="2030-jan",
            defaults={
                "effective_date": date(2030, 1, 1),
                "source_name": "test",
                "sha256": "0" * 64,
            },
        )
    defaults = {
        "kind": "modifier" if len(code) == 2 else "procedure",
        "sequence_number": "00100",
        "long_description": f"Long description of {code}",
        "short_description": f"Short {code}",
        "action_code": "N",
    }
    values = {**defaults, **fields}
    obj = Code.objects.create(code=code, release=release, **values)
    CodeVersion.objects.create(code=code, release=release, code_ref=obj, source_line=1, **values)
    from codes.search import rebuild_index

    rebuild_index()
    return obj
