"""Bad copies of the real ASP and DMEPOS files are refused, named, and change nothing.

Every case is built here from the real files in ASP_DATA_DIR and DMEPOS_DATA_DIR (cut,
re-encoded, re-zipped, damaged, inflated in a temporary folder), with ASP 2025-oct and
DMEPOS 2025-apr loaded; each test compares a dump of every codes_ table before and after.
"""

from __future__ import annotations

import io
import zipfile
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase

from codes.payments import dmepos, dmepos_load, tables
from tests.asp_realdata import load_quarters
from tests.builders import write_zip_bomb, zip_bytes
from tests.dbstate import database_dump
from tests.test_workbook_bounds import declaring

pytestmark = pytest.mark.integration

SHEET = "xl/worksheets/sheet1.xml"


def asp_file(name: str) -> bytes:
    return (Path(settings.ASP_DATA_DIR) / "2025-oct" / name).read_bytes()


def dmepos_file(quarter: str, name: str) -> bytes:
    return (Path(settings.DMEPOS_DATA_DIR) / quarter / name).read_bytes()


def cut_inside_row(data: bytes, row: int, column: int) -> bytes:
    """The file up to `column` bytes into its 1-based row `row`."""
    start = 0
    for _ in range(row - 1):
        start = data.index(b"\n", start) + 1
    return data[: start + column]


def cut_at_line_end(data: bytes, fraction: float) -> bytes:
    return data[: data.rindex(b"\r\n", 0, int(len(data) * fraction)) + 2]


def padded_sheet(workbook: bytes, length: int) -> bytes:
    """The workbook with `length` blanks at the start of its first sheet's data (valid XML)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET:
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * length, 1)
            target.writestr(info.filename, data)
    return out.getvalue()


def last_row(data: bytes) -> int:
    return data.count(b"\n") + 1


def damaged_member(zipped: bytes) -> bytes:
    """The zip with 64 bytes in the middle of its (only) member's data zeroed."""
    damaged = bytearray(zipped)
    middle = len(damaged) // 2
    damaged[middle : middle + 64] = bytes(64)
    return bytes(damaged)


class PaymentImportSafetyTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    @classmethod
    def setUpTestData(cls):
        load_quarters("2025-oct")
        (april,) = dmepos.read_file(Path(settings.DMEPOS_DATA_DIR) / "2025-apr/DMEPOS25_APR.csv")
        dmepos_load.load(april)

    def setUp(self):
        self.before = database_dump()
        assert len(self.before["codes_ndcpackage"]) > 8000
        assert len(self.before["codes_dmeposfee"]) > 3000

    def write(self, folder: str, name: str, data: bytes) -> Path:
        path = self.tmp / folder / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return path

    def assert_refused(self, command: str, path: Path, pattern: str, **options) -> None:
        """The import fails with one line matching `pattern` and changes nothing."""
        with pytest.raises(CommandError, match=pattern) as refused:
            call_command(command, str(path), stdout=StringIO(), stderr=StringIO(), **options)
        assert "\n" not in str(refused.value)
        assert str(refused.value).startswith("Import failed, nothing was changed.")
        assert database_dump() == self.before

    # Files cut short -------------------------------------------------------------------

    def test_asp_pricing_cut_mid_row_is_refused_with_its_row(self):
        cut = cut_inside_row(asp_file("asp_pricing.csv"), 500, 30)
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp_pricing.csv", cut),
            r"asp_pricing\.csv, row 500: the file ends without a line end: it looks cut short",
        )

    def test_asp_crosswalk_cut_at_half_its_bytes_is_refused(self):
        data = asp_file("asp_crosswalk.csv")
        cut = data[: len(data) // 2]
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp_crosswalk.csv", cut),
            rf"asp_crosswalk\.csv, row {last_row(cut)}: the file ends without a line end",
        )

    def test_dmepos_csv_cut_mid_row_is_refused_with_its_row(self):
        cut = cut_inside_row(dmepos_file("2025-apr", "DMEPOS25_APR.csv"), 2000, 120)
        self.assert_refused(
            "import_dmepos",
            self.write("2025-apr", "DMEPOS25_APR.csv", cut),
            r"DMEPOS25_APR\.csv, row 2000: the file ends without a line end",
        )

    def test_dmepos_csv_cut_at_half_its_bytes_is_refused(self):
        data = dmepos_file("2025-apr", "DMEPOS25_APR.csv")
        cut = data[: len(data) // 2]
        self.assert_refused(
            "import_dmepos",
            self.write("2025-apr", "DMEPOS25_APR.csv", cut),
            rf"DMEPOS25_APR\.csv, row {last_row(cut)}: the file ends without a line end",
        )

    def test_dmepos_workbook_cut_at_half_its_bytes_is_refused(self):
        data = dmepos_file("2025-jan", "DMEPEN_JAN.xlsx")
        self.assert_refused(
            "import_dmepos",
            self.write("2025-jan", "DMEPEN_JAN.xlsx", data[: len(data) // 2]),
            r"DMEPEN_JAN\.xlsx: not a readable workbook",
        )

    # Files re-encoded ------------------------------------------------------------------

    def test_asp_crosswalk_saved_as_utf8_is_refused_saying_so(self):
        data = asp_file("asp_crosswalk.csv")
        utf8 = data.decode("cp1252").encode("utf-8")
        row = data.count(b"\n", 0, data.index(b"\xa0")) + 1
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp_crosswalk.csv", utf8),
            rf"asp_crosswalk\.csv, row {row}: this looks like UTF-8, not the cp1252 CMS "
            r"publishes \('\\xa0' is written as the UTF-8 bytes c2 a0\)",
        )

    def test_dmepos_csv_saved_as_utf16_is_refused(self):
        utf16 = dmepos_file("2025-apr", "DMEPOS25_APR.csv").decode("cp1252").encode("utf-16")
        self.assert_refused(
            "import_dmepos",
            self.write("2025-apr", "DMEPOS25_APR.csv", utf16),
            r"DMEPOS25_APR\.csv, row 1: NUL byte: this is not a CSV text file \(UTF-16",
        )

    # Zips with two candidates or a damaged member ---------------------------------------

    def test_asp_zip_with_a_second_partial_pricing_file_is_refused_naming_both(self):
        whole = asp_file("asp_pricing.csv")
        zipped = zip_bytes(
            {"asp_pricing.csv": whole, "asp_pricing (1).csv": cut_at_line_end(whole, 0.5)}
        )
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp-2025-oct.zip", zipped),
            r"asp-2025-oct\.zip: holds the ASP pricing file twice \(asp-2025-oct\.zip/asp_pricing "
            r"\(1\)\.csv, asp-2025-oct\.zip/asp_pricing\.csv\); a quarter has one",
        )

    def test_dmepos_zip_with_a_second_partial_fee_file_is_refused_naming_both(self):
        whole = dmepos_file("2025-apr", "DMEPOS25_APR.csv")
        zipped = zip_bytes(
            {"DMEPOS25_APR.csv": whole, "DMEPOS25_APR_part.csv": cut_at_line_end(whole, 0.5)}
        )
        self.assert_refused(
            "import_dmepos",
            self.write("2025-apr", "dme25-b.zip", zipped),
            r"dme25-b\.zip: holds 2 dmepos fee files \(dme25-b\.zip/DMEPOS25_APR\.csv, "
            r"dme25-b\.zip/DMEPOS25_APR_part\.csv\); a quarter has one",
        )

    def test_asp_folder_with_a_second_partial_crosswalk_is_refused_naming_both(self):
        whole = asp_file("asp_crosswalk.csv")
        self.write("2025-oct", "asp_crosswalk.csv", whole)
        self.write("2025-oct", "asp_crosswalk_part.csv", cut_at_line_end(whole, 0.5))
        self.assert_refused(
            "import_asp",
            self.tmp / "2025-oct",
            r"2025-oct: holds the ASP NDC–HCPCS crosswalk twice \(asp_crosswalk\.csv, "
            r"asp_crosswalk_part\.csv\)",
        )

    def test_dmepos_folder_with_a_second_partial_fee_file_is_refused_naming_both(self):
        whole = dmepos_file("2025-apr", "DMEPOS25_APR.csv")
        self.write("2025-apr", "DMEPOS25_APR.csv", whole)
        self.write("2025-apr", "DMEPOS25_APR_part.csv", cut_at_line_end(whole, 0.5))
        self.assert_refused(
            "import_dmepos",
            self.tmp / "2025-apr",
            r"2025-apr: holds 2 DMEPOS fee files \(DMEPOS25_APR\.csv, DMEPOS25_APR_part\.csv\)",
        )

    def test_dmepos_folder_with_one_table_as_csv_and_workbook_lists_both_twins(self):
        folder = self.tmp / "2025-jan"
        self.write("2025-jan", "DMEPOS_JAN.xlsx", dmepos_file("2025-jan", "DMEPOS_JAN.xlsx"))
        self.write("2025-jan", "DMEPOS_JAN.csv", b"")
        names = [path.name for path in dmepos.fee_files(folder)]
        assert names == ["DMEPOS_JAN.csv", "DMEPOS_JAN.xlsx"]

    def test_asp_zip_with_a_damaged_member_is_refused_naming_it(self):
        zipped = damaged_member(zip_bytes({"asp_pricing.csv": asp_file("asp_pricing.csv")}))
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp-2025-oct.zip", zipped),
            r"asp-2025-oct\.zip: asp_pricing\.csv: cannot be read from the zip",
        )

    def test_dmepos_zip_with_a_damaged_member_is_refused_naming_it(self):
        member = dmepos_file("2025-apr", "DMEPOS25_APR.csv")
        zipped = damaged_member(zip_bytes({"DMEPOS25_APR.csv": member}))
        self.assert_refused(
            "import_dmepos",
            self.write("2025-apr", "dme25-b.zip", zipped),
            r"dme25-b\.zip: DMEPOS25_APR\.csv: cannot be read from the zip",
        )

    def test_dmepos_workbook_with_a_damaged_part_is_refused_naming_it(self):
        data = bytearray(dmepos_file("2025-jan", "DMEPEN_JAN.xlsx"))
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            info = archive.getinfo(SHEET)
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        data[start + 100 : start + 164] = bytes(64)
        self.assert_refused(
            "import_dmepos",
            self.write("2025-jan", "DMEPEN_JAN.xlsx", bytes(data)),
            rf"DMEPEN_JAN\.xlsx: {SHEET}: cannot be read from the workbook",
        )

    # Bounds ----------------------------------------------------------------------------

    def test_asp_zip_that_inflates_to_gigabytes_is_refused_before_inflating(self):
        path = self.tmp / "asp-2025-oct.zip"
        write_zip_bomb(path, "asp_pricing.csv", 3 << 30)
        self.assert_refused(
            "import_asp",
            path,
            r"asp-2025-oct\.zip: asp_pricing\.csv: the member inflates to 3,221,225,472 bytes, "
            r"more than the 50 MB an import reads .* refused before",
        )

    def test_dmepos_zip_member_lying_about_its_size_is_read_only_as_far_as_it_claims(self):
        path = self.tmp / "dme25-b.zip"
        write_zip_bomb(path, "DMEPOS25_APR.csv", 1 << 30, declared_bytes=1000)
        self.assert_refused(
            "import_dmepos", path, r"dme25-b\.zip: DMEPOS25_APR\.csv: cannot be read from the zip"
        )

    def test_dmepos_workbook_part_lying_about_its_size_is_refused_by_what_it_inflates_to(self):
        real = dmepos_file("2025-jan", "DMEPEN_JAN.xlsx")
        big = padded_sheet(real, 60 << 20)
        self.assert_refused(
            "import_dmepos",
            self.write("2025-jan", "DMEPEN_JAN.xlsx", declaring(big, SHEET, 1000)),
            rf"DMEPEN_JAN\.xlsx: {SHEET}: the workbook inflates past the bound here",
        )

    def test_asp_workbook_in_a_zip_is_bounded_by_its_parts_too(self):
        real = dmepos_file("2025-jan", "DMEPEN_JAN.xlsx")
        big = padded_sheet(real, 60 << 20)
        zipped = zip_bytes({"Pricing.xlsx": big})
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp-2025-oct.zip", zipped),
            rf"asp-2025-oct\.zip/Pricing\.xlsx: {SHEET}: the workbook inflates past the bound",
        )

    def test_file_larger_than_the_bound_is_refused_unread(self):
        for command, name in (("import_asp", "asp_pricing.csv"), ("import_dmepos", "DMEPOS.csv")):
            with self.subTest(command):
                path = self.tmp / name
                with path.open("wb") as sparse:
                    sparse.truncate(60 << 20)
                self.assert_refused(
                    command, path, rf"{name}: the file is 62,914,560 bytes, more than the 50 MB"
                )

    def test_zip_whose_tables_together_pass_the_bound_is_refused(self):
        whole = asp_file("asp_pricing.csv")
        zipped = zip_bytes({"asp_pricing.csv": whole, "asp_crosswalk.csv": whole})
        path = self.write("2025-oct", "asp-2025-oct.zip", zipped)
        with mock.patch.object(tables, "MAX_FILE_BYTES", len(whole) + 1):
            self.assert_refused(
                "import_asp",
                path,
                r"asp-2025-oct\.zip: asp_crosswalk\.csv: the zip's tables inflate past the bound",
            )

    def test_table_past_the_cell_bound_is_refused_at_its_row(self):
        path = self.write("2025-oct", "asp_pricing.csv", asp_file("asp_pricing.csv"))
        with mock.patch.object(tables, "MAX_TABLE_CELLS", 5000):
            self.assert_refused(
                "import_asp",
                path,
                # 454 rows of 11 columns fit; the header is row 9, no blank rows follow it.
                r"asp_pricing\.csv, row 464: the table passes 5,000 cells here \(11 columns",
                dry_run=True,  # the real file is loaded already: read it all the same
            )

    def test_the_real_files_pass_every_guard(self):
        for command, folder in (
            ("import_asp", Path(settings.ASP_DATA_DIR) / "2025-jan"),
            ("import_dmepos", Path(settings.DMEPOS_DATA_DIR) / "2025-jan"),
        ):
            with self.subTest(command):
                out = StringIO()
                call_command(command, str(folder), dry_run=True, stdout=out, stderr=StringIO())
                assert "Dry run: nothing written." in out.getvalue()
        assert database_dump() == self.before
