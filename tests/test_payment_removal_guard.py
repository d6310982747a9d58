"""The payment imports' removal guard, on copies of the real ASP and DMEPOS files.

A CSV cut exactly at a line end looks whole: re-importing a loaded quarter from one, or
importing it as a new quarter beside a whole one, is refused unless --allow-removals,
and the refusal changes nothing (a dump of every codes_ table before and after).
"""

from __future__ import annotations

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import SimpleTestCase, TestCase

from codes.models import AspPrice, DmeposFee, DrugDataset, NdcPackage
from codes.payments import asp, dmepos, dmepos_load, guard
from tests.asp_realdata import load_quarters
from tests.builders import zip_bytes
from tests.dbstate import database_dump
from tests.test_payment_import_safety import asp_file, cut_at_line_end, dmepos_file

pytestmark = pytest.mark.integration

ASP_DIR = Path(settings.ASP_DATA_DIR)
DMEPOS_DIR = Path(settings.DMEPOS_DATA_DIR)


def january_asp_pricing_csv() -> bytes:
    """The .csv member of CMS's 2025-jan zip (the table the importer reads from it)."""
    (zipped,) = (ASP_DIR / "2025-jan").glob("*.zip")
    with zipfile.ZipFile(zipped) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".csv")]
        return archive.read(name)


def without_last_rows(data: bytes, count: int) -> bytes:
    """The CSV without its last `count` lines (HCPCS codes in the ASP pricing file)."""
    return b"".join(data.splitlines(keepends=True)[:-count])


def codes_of(path: Path) -> list[str]:
    """The HCPCS codes an ASP table at `path` lists, as the parser reads them."""
    (parsed,) = asp.read(path)
    return sorted(
        " ".join(filter(None, (row["hcpcs_code"], row.get("ndc")))) for row in parsed.rows
    )


def fee_keys(path: Path) -> set[tuple[str, str, str]]:
    (parsed,) = dmepos.read_file(path)
    return {record.key for record in parsed.fees}


def load_dmepos_file(path: Path) -> None:
    for parsed in dmepos.read_file(path):
        dmepos_load.load(parsed)


class PaymentGuardCase(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def write(self, folder: str, name: str, data: bytes) -> Path:
        path = self.tmp / folder / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return path

    def run_import(self, command: str, path: Path, **options) -> str:
        out = StringIO()
        call_command(command, str(path), stdout=out, stderr=StringIO(), **options)
        return out.getvalue()

    def assert_refused(self, command: str, path: Path, pattern: str, **options) -> str:
        """The import fails with one line matching `pattern` and changes nothing."""
        before = database_dump()
        with pytest.raises(CommandError, match=pattern) as refused:
            self.run_import(command, path, **options)
        message = str(refused.value)
        assert "\n" not in message
        assert "Pass --allow-removals if this is intended" in message
        assert database_dump() == before
        return message


class ReimportingALoadedQuarterTests(PaymentGuardCase):
    """ASP 2025-oct and DMEPOS 2025-apr loaded, then re-imported from partial copies."""

    @classmethod
    def setUpTestData(cls):
        load_quarters("2025-oct")
        load_dmepos_file(DMEPOS_DIR / "2025-apr" / "DMEPOS25_APR.csv")

    def half(self, name: str) -> Path:
        return self.write("2025-oct", name, cut_at_line_end(asp_file(name), 0.5))

    def test_asp_pricing_cut_at_half_is_refused_naming_the_count_and_first_codes(self):
        path = self.half("asp_pricing.csv")
        dropped = sorted(
            set(codes_of(ASP_DIR / "2025-oct" / "asp_pricing.csv")) - set(codes_of(path))
        )
        assert 400 < len(dropped) < 600
        self.assert_refused(
            "import_asp",
            path,
            rf"^Import failed, nothing was changed\. asp_pricing\.csv: refused, it would "
            rf"remove data: {len(dropped):,} of the 978 HCPCS codes priced 2025-oct has now "
            rf"would no longer be listed \({', '.join(dropped[:10])} and {len(dropped) - 10:,} "
            r"more\)",
        )

    def test_asp_crosswalk_cut_at_half_is_refused_naming_the_count_and_first_rows(self):
        path = self.half("asp_crosswalk.csv")
        whole = codes_of(ASP_DIR / "2025-oct" / "asp_crosswalk.csv")
        dropped = sorted(set(whole) - set(codes_of(path)))
        assert len(whole) == 8218
        self.assert_refused(
            "import_asp",
            path,
            rf"asp_crosswalk\.csv: refused, it would remove data: {len(dropped):,} of the "
            rf"8,218 NDC crosswalk rows 2025-oct has now would no longer be listed "
            rf"\({dropped[0]}, {dropped[1]}, ",
        )

    def test_dmepos_csv_cut_at_half_is_refused_naming_the_count_and_first_rows(self):
        whole = DMEPOS_DIR / "2025-apr" / "DMEPOS25_APR.csv"
        path = self.write("2025-apr", whole.name, cut_at_line_end(whole.read_bytes(), 0.5))
        dropped = sorted(fee_keys(whole) - fee_keys(path))
        first = " ".join(filter(None, dropped[0]))
        self.assert_refused(
            "import_dmepos",
            path,
            rf"DMEPOS25_APR\.csv: refused, it would remove data: {len(dropped):,} of the 3,511 "
            rf"fee rows 2025-apr has now would no longer be listed \({first}, ",
        )

    def test_allow_removals_loads_the_partial_copies(self):
        self.run_import("import_asp", self.half("asp_pricing.csv"), allow_removals=True)
        pricing = DrugDataset.objects.get(kind="asp_pricing", quarter="2025-oct")
        assert AspPrice.objects.filter(dataset=pricing).count() == pricing.row_count < 978 / 2 + 50
        whole = DMEPOS_DIR / "2025-apr" / "DMEPOS25_APR.csv"
        path = self.write("2025-apr", whole.name, cut_at_line_end(whole.read_bytes(), 0.5))
        out = self.run_import("import_dmepos", path, allow_removals=True)
        kept = len(fee_keys(path))
        assert f"{3511 - kept} removed" in out
        assert DmeposFee.objects.filter(quarter__name="2025-apr").count() == kept

    def test_dry_run_reports_the_refusal_and_fails(self):
        for command, path in (
            ("import_asp", self.half("asp_crosswalk.csv")),
            ("import_dmepos", self.write("2025-apr", "DMEPOS25_APR.csv", self.half_fees())),
        ):
            with self.subTest(command):
                self.assert_refused(
                    command,
                    path,
                    r"^Dry run: the import would be refused\. .* refused, it would remove data: ",
                    dry_run=True,
                )

    def test_dry_run_with_allow_removals_passes(self):
        before = database_dump()
        out = self.run_import(
            "import_asp", self.half("asp_pricing.csv"), dry_run=True, allow_removals=True
        )
        assert "Dry run: nothing written." in out
        assert database_dump() == before

    def half_fees(self) -> bytes:
        return cut_at_line_end(dmepos_file("2025-apr", "DMEPOS25_APR.csv"), 0.5)

    def test_a_reissue_may_drop_up_to_the_limit(self):
        data = without_last_rows(asp_file("asp_pricing.csv"), guard.REMOVAL_LIMIT)
        out = self.run_import("import_asp", self.write("2025-oct", "asp_pricing.csv", data))
        assert "ASP pricing file 2025-oct (asp_pricing.csv): 968 rows" in out
        assert "replaced." in out

    def test_a_reissue_dropping_one_more_than_the_limit_is_refused(self):
        data = without_last_rows(asp_file("asp_pricing.csv"), guard.REMOVAL_LIMIT + 1)
        self.assert_refused(
            "import_asp",
            self.write("2025-oct", "asp_pricing.csv", data),
            r"refused, it would remove data: 11 of the 978 HCPCS codes priced 2025-oct has "
            r"now would no longer be listed \(Q9958, Q9961, Q9963, Q9965, Q9966, Q9967, Q9991, "
            r"Q9992, Q9997, Q9998 and 1 more\)",
        )

    def test_a_zip_whose_second_table_is_refused_loads_neither(self):
        zipped = self.write(
            "2025-oct",
            "asp-2025-oct.zip",
            zip_bytes(
                {
                    "asp_pricing.csv": without_last_rows(asp_file("asp_pricing.csv"), 3),
                    "asp_crosswalk.csv": cut_at_line_end(asp_file("asp_crosswalk.csv"), 0.5),
                }
            ),
        )
        self.assert_refused("import_asp", zipped, r"asp_crosswalk\.csv: refused")
        assert NdcPackage.objects.count() == 8218

    def test_a_dmepos_zip_whose_fee_file_is_refused_loads_none_of_its_files(self):
        zipped = zip_bytes(
            {
                "DMEPEN_JAN.xlsx": dmepos_file("2025-jan", "DMEPEN_JAN.xlsx"),
                "DMEPOS25_APR.csv": self.half_fees(),
            }
        )
        self.assert_refused(
            "import_dmepos",
            self.write("upload", "dme25-b.zip", zipped),  # each file's title names its quarter
            r"dme25-b\.zip/DMEPOS25_APR\.csv: refused, it would remove data",
        )


class ANewQuarterBesideALoadedOneTests(PaymentGuardCase):
    """ASP 2025-oct and DMEPOS 2025-jan loaded; a half file arrives as another quarter."""

    @classmethod
    def setUpTestData(cls):
        load_quarters("2025-oct")
        load_dmepos_file(DMEPOS_DIR / "2025-jan" / "DMEPOS_JAN.xlsx")

    def half_january_pricing(self) -> Path:
        return self.write(
            "2025-jan", "asp_pricing.csv", cut_at_line_end(january_asp_pricing_csv(), 0.5)
        )

    def half_april_fees(self) -> Path:
        data = cut_at_line_end(dmepos_file("2025-apr", "DMEPOS25_APR.csv"), 0.5)
        return self.write("2025-apr", "DMEPOS25_APR.csv", data)

    def test_half_a_quarter_of_asp_pricing_is_refused_beside_a_whole_newer_one(self):
        path = self.half_january_pricing()
        count = len(codes_of(path))
        self.assert_refused(
            "import_asp",
            path,
            rf"asp_pricing\.csv: refused, it would remove data: it holds {count:,} HCPCS codes "
            r"priced, fewer than 70% of the 978 of 2025-oct\. Pass --allow-removals",
        )

    def test_half_a_quarter_of_dmepos_fees_is_refused_beside_a_whole_older_one(self):
        path = self.half_april_fees()
        count = len(fee_keys(path))
        assert count > 3487 / 2  # half its rows would pass a 50 % bound
        self.assert_refused(
            "import_dmepos",
            path,
            rf"DMEPOS25_APR\.csv: refused, it would remove data: it holds {count:,} fee rows, "
            r"fewer than 70% of the 3,487 of 2025-jan\. Pass --allow-removals",
        )

    def test_dry_run_reports_it_and_fails(self):
        self.assert_refused(
            "import_dmepos",
            self.half_april_fees(),
            r"^Dry run: the import would be refused\. .*fewer than 70% of the 3,487 of 2025-jan",
            dry_run=True,
        )

    def test_allow_removals_loads_them(self):
        self.run_import("import_asp", self.half_january_pricing(), allow_removals=True)
        assert DrugDataset.objects.filter(kind="asp_pricing", quarter="2025-jan").exists()
        self.run_import("import_dmepos", self.half_april_fees(), allow_removals=True)
        assert DmeposFee.objects.filter(quarter__name="2025-apr").count() > 1700


class RealQuartersPassTests(PaymentGuardCase):
    """Every pair of real quarters of a table loads in either order without the flag."""

    def import_in_order(self, command: str, folders: list[Path]) -> None:
        with transaction.atomic():
            for folder in folders:
                self.run_import(command, folder)
            transaction.set_rollback(True)

    def test_asp_quarters_in_both_orders(self):
        jan, oct = ASP_DIR / "2025-jan", ASP_DIR / "2025-oct"
        for order in ([jan, oct], [oct, jan]):
            with self.subTest(order=[f.name for f in order]):
                self.import_in_order("import_asp", order)

    def test_dmepos_quarters_in_both_orders(self):
        jan = DMEPOS_DIR / "2025-jan" / "DMEPOS_JAN.xlsx"
        apr = DMEPOS_DIR / "2025-apr" / "DMEPOS25_APR.csv"
        for order in ([jan, apr], [apr, jan]):
            with self.subTest(order=[f.name for f in order]):
                self.import_in_order("import_dmepos", order)

    def test_a_whole_quarter_re_imported_from_its_other_format_passes(self):
        with transaction.atomic():
            self.run_import("import_asp", ASP_DIR / "2025-jan")
            # The zip's .xls holds the same codes as the .csv that was loaded from it.
            path = self.write("2025-jan", "asp_pricing.csv", january_asp_pricing_csv())
            assert "unchanged." in self.run_import("import_asp", path)
            transaction.set_rollback(True)


class GuardRuleTests(SimpleTestCase):
    def rows(self, keys: int, loaded: int = 0, neighbour: int | None = None) -> guard.TableRows:
        return guard.TableRows(
            "noc_pricing.csv",
            "2025-oct",
            "NOC drugs priced",
            {(f"Drug {n}",) for n in range(keys)},
            {(f"Drug {n}",) for n in range(loaded)},
            [guard.Neighbour("2025-jul", neighbour)] if neighbour is not None else [],
        )

    def test_a_small_table_may_shrink_by_up_to_the_limit(self):
        assert self.rows(1, neighbour=2).problems() == []
        assert self.rows(0, neighbour=guard.REMOVAL_LIMIT).problems() == []

    def test_a_table_more_than_the_limit_and_ratio_smaller_than_its_neighbour_is_refused(self):
        (problem,) = self.rows(69, neighbour=100).problems()
        assert problem == "it holds 69 NOC drugs priced, fewer than 70% of the 100 of 2025-jul"
        assert self.rows(70, neighbour=100).problems() == []

    def test_sample_names_ten_keys_by_code_then_the_rest(self):
        keys = {("E0201", "RR", ""), ("E0201", "NU", "KE")} | {
            (f"A{n:04d}", "", "") for n in range(9)
        }
        assert guard.sample(keys) == (
            "A0000, A0001, A0002, A0003, A0004, A0005, A0006, A0007, A0008, E0201 NU KE and 1 more"
        )
