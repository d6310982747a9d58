"""What the three import commands share (codes/management/importing.py)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import TestCase, override_settings

from codes.models import DataVersion, DmeposFile, DrugDataset
from tests.asp_builders import csv_bytes as asp_csv
from tests.asp_builders import price_row, pricing_rows, write
from tests.test_dmepos_import import csv_bytes as dmepos_csv
from tests.test_dmepos_import import dmepos_rows, fee_row


def run(command: str, *args, **options) -> str:
    out = StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


class SharedArgumentTests(TestCase):
    def test_every_import_command_takes_paths_dry_run_all_and_a_name(self):
        for command, name_option, data_dir in (
            ("import_hcpcs", "--release", "HCPCS_DATA_DIR"),
            ("import_asp", "--quarter", "ASP_DATA_DIR"),
            ("import_dmepos", "--quarter", "DMEPOS_DATA_DIR"),
        ):
            with self.subTest(command), mock.patch("sys.stdout", new_callable=StringIO) as out:
                with pytest.raises(SystemExit):
                    call_command(command, "--help")
                text = " ".join(out.getvalue().split())
                assert "[--dry-run] [--all]" in text
                assert f"{name_option} {name_option[2:].upper()}" in text
                assert f"under {data_dir}, oldest first" in text

    def test_payment_commands_without_a_path_name_their_data_folder(self):
        for command, setting in (
            ("import_asp", "ASP_DATA_DIR"),
            ("import_dmepos", "DMEPOS_DATA_DIR"),
        ):
            with (
                self.subTest(command),
                override_settings(**{setting: Path("/nowhere/x")}),
                pytest.raises(
                    CommandError, match=rf"^Give a path or --all \({setting} is /nowhere/x\)$"
                ),
            ):
                run(command)


class DatabaseFailureTests(TestCase):
    """A failing database ends the payment imports in a message, as it does HCPCS imports."""

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def test_asp_load_failing_in_the_database_is_a_message_and_writes_nothing(self):
        path = write(
            self.tmp / "2031-apr",
            "pricing.csv",
            asp_csv(pricing_rows(price_row("J0001", "1.5")), pad_to=11),
        )
        failure = DatabaseError("disk I/O error")
        with (
            mock.patch("codes.payments.asp.record_change", side_effect=failure),
            pytest.raises(CommandError) as raised,
        ):
            run("import_asp", path)
        assert str(raised.value) == (
            "Import failed, nothing was changed. pricing.csv: the database failed "
            "(disk I/O error); is it migrated (manage.py migrate)?"
        )
        assert not DrugDataset.objects.exists()

    def test_dmepos_load_failing_in_the_database_is_a_message_and_writes_nothing(self):
        path = self.tmp / "DMEPOS25_APR.csv"
        path.write_bytes(dmepos_csv(dmepos_rows(fee_row())))
        version = list(DataVersion.objects.values_list("number", flat=True))
        with (
            mock.patch(
                "codes.payments.dmepos_load.record_change", side_effect=DatabaseError("full")
            ),
            pytest.raises(
                CommandError,
                match=r"^Import failed, nothing was changed\. \S*DMEPOS25_APR\.csv: the database "
                r"failed \(full\)",
            ),
        ):
            run("import_dmepos", path)
        assert not DmeposFile.objects.exists()
        assert list(DataVersion.objects.values_list("number", flat=True)) == version
