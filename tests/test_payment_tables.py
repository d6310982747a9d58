"""codes.payments.tables: CMS tabular files read alike from .csv, .xlsx, .xls and zips."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings

from codes.payments import tables
from codes.payments.tables import Period, Source, TableError

PREAMBLE = [
    ["Payment Allowance Limits for Test Drugs", "", ""],
    ["", "", ""],
    ["Effective April 1, 2031 through June 30, 2031", "", ""],
    ["Note 1: a note", "", ""],
    ["", "", ""],
]
HEADER = ["Code", "Name", "Limit"]


def csv_bytes(rows: list[list[str]], encoding: str = "cp1252") -> bytes:
    lines = [",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class TestCsv:
    def test_header_found_by_its_first_cell_below_the_preamble(self):
        data = csv_bytes([*PREAMBLE, HEADER, ["A0001", "Caf\xe9 cr\xe8me", "1.250"]])
        table = tables.read_table(Source("t.csv", data), "code")
        assert table.header_row == 6
        assert table.headings == ("Code", "Name", "Limit")
        assert table.rows == [tables.Row(7, ("A0001", "Café crème", "1.250"))]
        assert table.title_rows[0] == "Payment Allowance Limits for Test Drugs"

    def test_period_read_from_the_title_rows(self):
        table = tables.read_table(Source("t.csv", csv_bytes([*PREAMBLE, HEADER])), "Code")
        assert table.period == Period(date(2031, 4, 1), date(2031, 6, 30))

    def test_cells_are_stripped_and_short_rows_padded_blank_rows_skipped(self):
        data = csv_bytes([HEADER + [""] * 40, ["A0001 ", " Name  "], ["", "", ""], ["A0002"]])
        table = tables.read_table(Source("t.csv", data), "Code")
        assert table.rows == [
            tables.Row(2, ("A0001", "Name", "")),
            tables.Row(4, ("A0002", "", "")),
        ]

    def test_quoted_line_ends_stay_in_their_cell_and_rows_count_as_a_spreadsheet_does(self):
        data = b'Code,Name,Limit\r\nA0001,"two\r\nlines",1\r\n\r\nA0002,x\x99,2\r\n'
        table = tables.read_table(Source("t.csv", data), "Code")
        assert table.rows == [
            tables.Row(2, ("A0001", "two\r\nlines", "1")),
            tables.Row(4, ("A0002", "x\u2122", "2")),
        ]

    def test_utf8_without_byte_order_mark_is_refused_saying_so(self):
        data = csv_bytes([HEADER, ["A1", "caf\xe9", "1"]], "utf-8")
        with pytest.raises(TableError, match=r"t\.csv, row 2: this looks like UTF-8"):
            tables.read_table(Source("t.csv", data), "Code")

    def test_file_without_a_final_line_end_is_refused_as_cut_short(self):
        data = csv_bytes([HEADER, ["A1", "x", "1"]]) + b"A2,x,2"
        with pytest.raises(TableError, match=r"t\.csv, row 3: the file ends without a line end"):
            tables.read_table(Source("t.csv", data), "Code")

    def test_utf8_with_byte_order_mark(self):
        data = b"\xef\xbb\xbf" + csv_bytes([HEADER, ["A1", "caf\xe9", "1"]], "utf-8")
        assert tables.read_table(Source("t.csv", data), "Code").rows[0].cells[1] == "café"

    def test_byte_cp1252_does_not_define_is_refused_with_its_row(self):
        data = csv_bytes([HEADER, ["A1", "x", "1"]]) + b"A2,\x81bad,2\r\n"
        with pytest.raises(TableError, match=r"t\.csv, row 3: byte 0x81 is not valid cp1252"):
            tables.read_table(Source("t.csv", data), "Code")

    def test_missing_header_names_the_file(self):
        with pytest.raises(TableError, match=r"t\.csv: no header row starting with 'Code'"):
            tables.read_table(Source("t.csv", csv_bytes(PREAMBLE)), "Code")

    def test_header_matched_by_pattern(self):
        data = csv_bytes([["_2031_CODE", "Name"], ["A1", "x"]])
        table = tables.read_table(Source("t.csv", data), re.compile(r"_\d{4}_CODE"))
        assert table.index(re.compile(r"_\d{4}_CODE")) == 0

    def test_row_wider_than_the_header_is_refused(self):
        data = csv_bytes([HEADER, ["A1", "x", "1", "stray"]])
        with pytest.raises(TableError, match=r"row 2: row has more cells than the header"):
            tables.read_table(Source("t.csv", data), "Code")


class TestDecimals:
    def table(self, limit: str) -> tuple[tables.Table, tables.Row]:
        table = tables.read_table(Source("t.csv", csv_bytes([HEADER, ["A1", "x", limit]])), "Code")
        return table, table.rows[0]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("134.194", Decimal("134.194")),
            ("$2.462", Decimal("2.462")),
            ("1,234.5", Decimal("1234.5")),
            ("", None),
        ],
    )
    def test_numbers_are_decimals_and_blank_stays_blank(self, text, expected):
        table, row = self.table(text)
        assert table.decimal(row, "limit") == expected

    @pytest.mark.parametrize("text", ["12..5", "N/A", "NaN", "Infinity"])
    def test_bad_number_refused_with_file_row_and_column(self, text):
        table, row = self.table(text)
        with pytest.raises(TableError, match=rf"t\.csv, row 2: Limit '{text}' is not a number"):
            table.decimal(row, "Limit")

    def test_unknown_column_names_the_header_row(self):
        table, row = self.table("1")
        with pytest.raises(TableError, match=r"row 1: header has no column 'Dosage'"):
            table.text(row, "Dosage")


class TestWorkbooks:
    def test_xlsx_numbers_read_as_their_shortest_exact_text(self):
        data = xlsx_bytes([*PREAMBLE, HEADER, ["A0001", "Caf\xe9", 146.312], ["A0002", "x", 20.0]])
        table = tables.read_table(Source("t.xlsx", data), "Code")
        assert table.header_row == 6
        assert [row.cells for row in table.rows] == [
            ("A0001", "Café", "146.312"),
            ("A0002", "x", "20"),
        ]
        assert table.decimal(table.rows[0], "Limit") == Decimal("146.312")
        assert table.period == Period(date(2031, 4, 1), date(2031, 6, 30))

    def test_legacy_xls_reads_like_the_csv(self):
        import xlwt

        book = xlwt.Workbook()
        sheet = book.add_sheet("A")
        for r, row in enumerate([*PREAMBLE, HEADER, ["A0001", "Caf\xe9", 155.89499999999998]]):
            for c, cell in enumerate(row):
                sheet.write(r, c, cell)
        out = io.BytesIO()
        book.save(out)
        table = tables.read_table(Source("t.xls", out.getvalue()), "Code")
        assert table.header_row == 6
        assert table.rows == [tables.Row(7, ("A0001", "Café", "155.895"))]
        assert table.period == Period(date(2031, 4, 1), date(2031, 6, 30))

    def test_unreadable_workbook_names_the_file(self):
        with pytest.raises(TableError, match=r"t\.xlsx: not a readable workbook"):
            tables.read_table(Source("t.xlsx", b"not a workbook"), "Code")


class TestSources:
    def test_zip_members_that_are_tables(self, tmp_path: Path):
        path = tmp_path / "q.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.csv", csv_bytes([HEADER]))
            archive.writestr("readme.pdf", b"%PDF")
            archive.writestr("__MACOSX/a.csv", b"junk")
        assert [s.name for s in tables.sources(path)] == ["q.zip/a.csv"]

    def test_bad_zip_and_other_files_refused(self, tmp_path: Path):
        (tmp_path / "q.zip").write_bytes(b"not a zip")
        (tmp_path / "q.pdf").write_bytes(b"%PDF")
        with pytest.raises(TableError, match="q.zip: not a readable zip"):
            tables.sources(tmp_path / "q.zip")
        with pytest.raises(TableError, match="q.pdf: not a .csv, .xlsx, .xls or .zip"):
            tables.sources(tmp_path / "q.pdf")
        with pytest.raises(TableError, match="missing.csv: cannot be read"):
            tables.sources(tmp_path / "missing.csv")


class TestEffectivePeriod:
    @pytest.mark.parametrize(
        ("titles", "expected"),
        [
            (
                ["Effective October 1, 2025 through December 31, 2025"],
                Period(date(2025, 10, 1), date(2025, 12, 31)),
            ),
            (
                ["x", "  October 1, 2025 through December 31, 2025"],
                Period(date(2025, 10, 1), date(2025, 12, 31)),
            ),
            (["(DMEPOS)", "April 2025 Fee Schedule"], Period(date(2025, 4, 1), None)),
            (["No dates here"], None),
        ],
    )
    def test_period_from_titles(self, titles, expected):
        assert tables.effective_period(titles) == expected


@pytest.mark.integration
def test_legacy_xls_and_its_csv_twin_in_the_real_zip_read_alike():
    zip_path = next((Path(settings.ASP_DATA_DIR) / "2025-jan").glob("*.zip"))
    xls, csv_ = sorted(tables.sources(zip_path), key=lambda s: s.suffix, reverse=True)
    assert (xls.suffix, csv_.suffix) == (".xls", ".csv")
    xls_table = tables.read_table(xls, "HCPCS Code")
    csv_table = tables.read_table(csv_, "HCPCS Code")
    assert xls_table.period == csv_table.period == Period(date(2025, 1, 1), date(2025, 3, 31))
    assert len(xls_table.rows) == len(csv_table.rows) == 877

    # The .xls holds the unrounded figures behind the three decimals it displays, which
    # are what the .csv holds.
    def figures(table: tables.Table) -> list[tuple]:
        return [tuple(_rounded(cell) for cell in row.cells) for row in table.rows]

    assert figures(xls_table) == figures(csv_table)


def _rounded(text: str):
    try:
        number = tables.parse_decimal(text)
    except ValueError:
        return text
    return None if number is None else number.quantize(Decimal("0.001"), ROUND_HALF_UP)
