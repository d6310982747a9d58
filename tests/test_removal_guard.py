"""The removal guard on small releases the tests build: limits, neighbours, the flag."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from codes.importer.guard import REMOVAL_LIMIT
from codes.models import CodeVersion, Release
from tests.builders import record_lines, text_file
from tests.dbstate import database_dump


def codes(first: int, count: int) -> list[str]:
    return [f"X{n:04d}" for n in range(first, first + count)]


class RemovalGuardTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def release(self, name: str, names: list[str], **fields) -> Path:
        folder = self.tmp / name
        folder.mkdir(exist_ok=True)
        records = [record_lines(code, f"Description of {code}", **fields) for code in names]
        (folder / f"HCPC{name[:4]}_{name[5:].upper()}_ANWEB.txt").write_bytes(text_file(*records))
        return folder

    def run_import(self, path: Path, **options) -> str:
        out = StringIO()
        call_command("import_hcpcs", str(path), stdout=out, stderr=StringIO(), **options)
        return out.getvalue()

    def assert_refused(self, path: Path, pattern: str) -> None:
        before = database_dump()
        with pytest.raises(CommandError, match=pattern):
            self.run_import(path)
        assert database_dump() == before

    def test_reissued_file_may_drop_up_to_the_limit(self):
        self.run_import(self.release("2030-jan", codes(1, 40)))
        out = self.run_import(self.release("2030-jan", codes(1, 40 - REMOVAL_LIMIT)))
        assert f"{REMOVAL_LIMIT} removed" in out

    def test_reissued_file_dropping_more_than_the_limit_is_refused_naming_some(self):
        self.run_import(self.release("2030-jan", codes(1, 40)))
        self.assert_refused(
            self.release("2030-jan", codes(1, 29)),
            r"refused, it would remove data: 11 of the 40 codes 2030-jan lists now would no "
            r"longer be listed \(X0030, X0031, .*, X0039 and 1 more\)",
        )

    def test_allow_removals_loads_it(self):
        self.run_import(self.release("2030-jan", codes(1, 40)))
        out = self.run_import(self.release("2030-jan", codes(1, 29)), allow_removals=True)
        assert "11 removed" in out
        assert CodeVersion.objects.count() == 29

    def test_newer_release_missing_codes_of_the_older_one_is_refused(self):
        self.run_import(self.release("2030-jan", codes(1, 40)))
        self.assert_refused(
            self.release("2031-jan", codes(1, 20)),
            r"20 codes that 2030-jan lists and that had not terminated by 2031-01-01 are not "
            r"listed \(X0021,",
        )

    def test_codes_the_older_release_terminated_may_go(self):
        folder = self.release("2030-jan", [])
        (folder / "HCPC2030_JAN_ANWEB.txt").write_bytes(
            text_file(
                *[record_lines(code) for code in codes(1, 20)],
                *[record_lines(code, termination_date="20301231") for code in codes(21, 20)],
            )
        )
        self.run_import(folder)
        out = self.run_import(self.release("2031-jan", codes(1, 20)))
        assert "2031-jan: 20 records read" in out

    def test_older_release_missing_codes_the_newer_one_had_added_before_is_refused(self):
        self.run_import(self.release("2031-jan", codes(1, 40), date_added="20200101"))
        self.assert_refused(
            self.release("2030-jan", codes(1, 20)),
            r"20 codes that 2031-jan lists and that were already added by 2030-01-01 are not "
            r"listed",
        )

    def test_codes_the_newer_release_added_later_are_not_expected(self):
        self.run_import(
            self.release("2031-jan", codes(1, 40), date_added="20300401"), allow_removals=True
        )
        out = self.run_import(self.release("2030-jan", codes(1, 25)))
        assert "2030-jan: 25 records read" in out

    def test_release_far_smaller_than_its_neighbour_is_refused(self):
        self.run_import(self.release("2031-jan", codes(1, 50), date_added="20300401"))
        self.assert_refused(
            self.release("2030-jan", codes(1, 20)),
            r"it lists 20 codes, fewer than 50% of the 50 that 2031-jan lists",
        )

    def test_dry_run_reports_against_the_nearest_older_release(self):
        self.run_import(self.release("2030-jan", codes(1, 5)))
        out = self.run_import(self.release("2031-jan", [*codes(1, 4), *codes(50, 2)]), dry_run=True)
        assert (
            "Would add 2, change 0 and remove 1 codes, 4 unchanged (compared with 2030-jan" in out
        )
        assert "  added: X0050, X0051" in out
        assert "  removed: X0005" in out
        assert list(Release.objects.values_list("name", flat=True)) == ["2030-jan"]

    def test_dry_run_into_an_empty_database(self):
        out = self.run_import(self.release("2030-jan", codes(1, 3)), dry_run=True)
        assert "Would add 3, change 0 and remove 0 codes, 0 unchanged (the database" in out
        assert not Release.objects.exists()
