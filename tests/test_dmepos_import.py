"""The DMEPOS fee schedule importer on small files the tests write (csv, xlsx, zip)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from codes.models import DmeposFee, DmeposFile, DmeposQuarter, DmeposRuralZip
from codes.payments import dmepos
from codes.payments.dmepos import FeeFileError

TITLE = [
    ["Durable Medical Equipment,"],
    ["Prosthetics, Orthotics, and Supplies"],
    ["(DMEPOS)"],
    ["April 2025 Fee Schedule"],
    [],
    [],
]
DMEPOS_HEADER = ["HCPCS", "Mod", "Mod2", "JURIS", "CATG", "Ceiling", "Floor"]
STATES = ("AL", "AK")


def fee_row(
    code="A4221",
    mod="",
    mod2="",
    juris="D",
    catg="SU",
    ceiling="0.00",
    floor="0.00",
    fees=(("25.19", "28.41"), ("28.39", "0.00")),
    description="Supp non-insulin cath",
):
    return [
        code,
        mod,
        mod2,
        juris,
        catg,
        ceiling,
        floor,
        *[a for pair in fees for a in pair],
        description,
    ]


def dmepos_rows(*rows, title=TITLE):
    header = DMEPOS_HEADER + [f"{s} ({k})" for s in STATES for k in ("NR", "R")] + ["Description"]
    return [*title, header, *rows]


def csv_bytes(rows) -> bytes:
    width = max(len(r) for r in rows)
    lines = [",".join(_csv_cell(c) for c in r + [""] * (width - len(r))) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _csv_cell(value) -> str:
    text = str(value)
    return f'"{text}"' if "," in text else text


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([_number(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(cell):
    """Amounts become workbook numbers; ZIP codes with a leading zero stay text, as CMS's."""
    if isinstance(cell, str) and cell.startswith("0") and "." not in cell:
        return cell
    try:
        return float(cell)
    except (TypeError, ValueError):
        return cell


class FileTestCase(TestCase):
    def setUp(self):
        self.folder = Path(self.enterContext(TemporaryDirectory()))

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def run_import(self, *args) -> str:
        out = StringIO()
        call_command("import_dmepos", *map(str, args), stdout=out)
        return out.getvalue()


class ParseTests(FileTestCase):
    def test_csv_with_title_rows_finds_header_quarter_and_fees(self):
        path = self.write("DMEPOS25_APR.csv", csv_bytes(dmepos_rows(fee_row(), fee_row(mod="NU"))))

        (parsed,) = dmepos.read_file(path)

        assert (parsed.dataset, parsed.quarter) == ("dmepos", "2025-apr")
        assert parsed.effective_date.isoformat() == "2025-04-01"
        assert "April 2025 Fee Schedule" in parsed.title
        first = parsed.fees[0]
        assert (first.hcpcs, first.jurisdiction, first.category) == ("A4221", "D", "SU")
        assert first.ceiling == Decimal("0.00")
        assert first.state_fees == (("AL", "25.19", "28.41"), ("AK", "28.39", "0.00"))
        assert first.source_row == 8
        assert parsed.fees[1].modifier == "NU"

    def test_xlsx_numbers_keep_two_decimal_places(self):
        rows = dmepos_rows(fee_row(ceiling="0.60", fees=(("3.5", "4"), ("", "0.00"))))
        path = self.write("DMEPOS_JAN.xlsx", xlsx_bytes(rows))

        (parsed,) = dmepos.read_file(path)

        fee = parsed.fees[0]
        assert fee.ceiling == Decimal("0.60") and str(fee.ceiling) == "0.60"
        assert fee.state_fees == (("AL", "3.50", "4.00"), ("AK", None, "0.00"))

    def test_pen_file_is_told_by_its_header(self):
        header = ["HCPCS", "MOD", "MOD2", "AL(NR)", "AL(R)", "Desc"]
        rows = [
            ["PEN Fee Schedule"],
            ["January 2025 Fee Schedule"],
            header,
            ["B4034", "", "", "3.84", "6.03", "Enter feed supkit syr by day"],
        ]
        (parsed,) = dmepos.read_file(self.write("DMEPEN_JAN.csv", csv_bytes(rows)))

        assert (parsed.dataset, parsed.quarter) == ("pen", "2025-jan")
        fee = parsed.fees[0]
        assert (fee.jurisdiction, fee.category, fee.ceiling, fee.floor) == ("", "", None, None)
        assert fee.description == "Enter feed supkit syr by day"

    def test_pen_layout_with_a_year_column_checks_the_year(self):
        header = ["YEAR", "HCPCS", "MOD", "MOD2", "AL(NR)", "AL(R)", "Desc"]
        rows = [
            ["January 2025 Fee Schedule"],
            header,
            ["2025", "B4034", "", "", "3.84", "6.03", ""],
        ]
        (parsed,) = dmepos.read_file(self.write("DMEPEN.csv", csv_bytes(rows)))
        assert parsed.fees[0].state_fees == (("AL", "3.84", "6.03"),)

        rows[2][0] = "2024"
        path = self.write("DMEPEN.csv", csv_bytes(rows))
        with self.assertRaisesMessage(FeeFileError, "row 3: YEAR '2024' is not 2025"):
            dmepos.read_file(path)

    def test_cpt_rows_are_skipped_and_counted(self):
        rows = dmepos_rows(fee_row(code="90371"), fee_row(code="0001F"), fee_row())
        (parsed,) = dmepos.read_file(self.write("DMEPOS.csv", csv_bytes(rows)))

        assert [f.hcpcs for f in parsed.fees] == ["A4221"]
        assert parsed.cpt_rows_skipped == 2

    def test_a_code_neither_level_ii_nor_cpt_is_refused_with_its_row(self):
        for bad in ("1234A", "AB123"):
            with self.subTest(bad=bad):
                path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row(code=bad))))
                with self.assertRaisesMessage(FeeFileError, f"HCPCS {bad!r} is not a HCPCS code"):
                    dmepos.read_file(path)

    def test_bad_number_is_refused_with_its_row(self):
        rows = dmepos_rows(fee_row(), fee_row(mod="RR", fees=(("12.x", "1.00"), ("1", "1"))))
        path = self.write("DMEPOS.csv", csv_bytes(rows))

        with self.assertRaisesMessage(FeeFileError, "DMEPOS.csv, row 9: AL (NR) '12.x'"):
            dmepos.read_file(path)

    def test_amounts_finer_than_cents_or_negative_are_refused(self):
        for bad in ("1.234", "-2.00"):
            with self.subTest(bad=bad):
                path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row(floor=bad))))
                with self.assertRaisesMessage(FeeFileError, f"row 8: Floor '{bad}'"):
                    dmepos.read_file(path)

    def test_repeated_code_and_modifier_is_refused(self):
        path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row(), fee_row())))
        with self.assertRaisesMessage(FeeFileError, "row 9: A4221 repeats row 8"):
            dmepos.read_file(path)

    def test_title_quarter_must_agree_with_the_quarter_asked_for(self):
        path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row())))
        with self.assertRaisesMessage(FeeFileError, "the title rows say 2025-apr, not 2025-jan"):
            dmepos.read_file(path, "2025-jan")

    def test_file_without_a_dated_title_needs_a_quarter(self):
        path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row(), title=[["DMEPOS"]])))
        with self.assertRaisesMessage(FeeFileError, "name the quarter"):
            dmepos.read_file(path)
        (parsed,) = dmepos.read_file(path, "2025-oct")
        assert parsed.effective_date.isoformat() == "2025-10-01"

    def test_rural_zip_file_gives_its_quarter_in_a_column(self):
        rows = [
            ["STATE", "DMEPOS RURAL ZIP CODE", "YEAR/QTR"],
            ["MA", "01223", "202501"],
            ["WA", "99371", "202501"],
        ]
        path = self.write("DME Rural ZIP Code Quarter 1, 2025.xlsx", xlsx_bytes(rows))

        (parsed,) = dmepos.read_file(path)

        assert (parsed.dataset, parsed.quarter) == ("rural_zip", "2025-jan")
        assert [(z.state, z.zip_code) for z in parsed.zips] == [("MA", "01223"), ("WA", "99371")]

    def test_zip_holding_csv_and_xlsx_of_one_table_reads_it_once(self):
        rows = dmepos_rows(fee_row())
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("DMEPOS25_APR.csv", csv_bytes(rows))
            zf.writestr("DMEPOS25_APR.xlsx", xlsx_bytes(rows))
        path = self.write("dme25-b.zip", archive.getvalue())

        (parsed,) = dmepos.read_file(path)

        assert parsed.source_name == "dme25-b.zip/DMEPOS25_APR.csv"


class CommandTests(FileTestCase):
    def test_import_writes_rows_and_summary_then_does_nothing_again(self):
        path = self.write("DMEPOS25_APR.csv", csv_bytes(dmepos_rows(fee_row(), fee_row("E0100"))))

        first = self.run_import(path)
        again = self.run_import(path)

        assert (
            "2025-apr dmepos: DMEPOS25_APR.csv, 2 rows read, 0 CPT rows skipped; 2 created" in first
        )
        assert "already loaded; unchanged" in again
        fee = DmeposFee.objects.get(hcpcs="A4221")
        assert fee.state_fees == [["AL", "25.19", "28.41"], ["AK", "28.39", "0.00"]]
        assert DmeposFile.objects.get().row_count == 2

    def test_summary_counts_cpt_rows_skipped(self):
        path = self.write("DMEPOS.csv", csv_bytes(dmepos_rows(fee_row("90371"), fee_row())))
        assert "1 rows read, 1 CPT rows skipped" in self.run_import(path)

    def test_replacement_file_updates_adds_and_removes_rows_of_its_quarter_only(self):
        self.run_import(self.write("a.csv", csv_bytes(dmepos_rows(fee_row(), fee_row("E0100")))))
        jan = dmepos_rows(fee_row(), title=[["January 2025 Fee Schedule"]])
        self.run_import(self.write("jan.csv", csv_bytes(jan)))
        changed = fee_row(fees=(("26.00", "28.41"), ("28.39", "0.00")))

        out = self.run_import(
            self.write("b.csv", csv_bytes(dmepos_rows(changed, fee_row("E0200"))))
        )

        assert "1 created, 1 updated, 0 unchanged, 1 removed" in out
        april = DmeposFee.objects.filter(quarter__name="2025-apr")
        assert sorted(april.values_list("hcpcs", flat=True)) == ["A4221", "E0200"]
        assert april.get(hcpcs="A4221").state_fees[0] == ["AL", "26.00", "28.41"]
        assert DmeposFee.objects.filter(quarter__name="2025-jan").count() == 1

    def test_bad_file_changes_nothing_and_names_file_and_row(self):
        self.run_import(self.write("a.csv", csv_bytes(dmepos_rows(fee_row()))))
        bad = dmepos_rows(fee_row("E0100"), fee_row("E0200", ceiling="lots"))

        with self.assertRaisesMessage(CommandError, "nothing was changed. b.csv, row 9: Ceiling"):
            self.run_import(self.write("b.csv", csv_bytes(bad)))

        assert list(DmeposFee.objects.values_list("hcpcs", flat=True)) == ["A4221"]

    def test_dry_run_writes_nothing(self):
        out = self.run_import(self.write("a.csv", csv_bytes(dmepos_rows(fee_row()))), "--dry-run")
        assert "Dry run: nothing written" in out
        assert not DmeposQuarter.objects.exists()

    def test_all_reads_quarter_folders_and_only_fee_files(self):
        apr = self.folder / "2025-apr"
        apr.mkdir()
        (apr / "DMEPOS25_APR.csv").write_bytes(csv_bytes(dmepos_rows(fee_row())))
        (apr / "Former CBA Fee Schedule File_APR 2025.csv").write_bytes(b"not a fee file")
        rural = [["STATE", "DMEPOS RURAL ZIP CODE", "YEAR/QTR"], ["MA", "01223", "202502"]]
        (apr / "DME Rural ZIP Code Quarter 2, 2025.csv").write_bytes(csv_bytes(rural))

        with override_settings(DMEPOS_DATA_DIR=self.folder):
            self.run_import("--all")

        assert DmeposFee.objects.filter(quarter__name="2025-apr").count() == 1
        assert DmeposRuralZip.objects.get().zip_code == "01223"

    def test_unreadable_path_is_a_command_error(self):
        with self.assertRaisesMessage(CommandError, "missing.csv: cannot be read"):
            self.run_import(self.folder / "missing.csv")

    def test_bad_quarter_option_is_refused(self):
        with self.assertRaisesMessage(CommandError, "--quarter '2025-q2'"):
            self.run_import(self.folder, "--quarter", "2025-q2")
