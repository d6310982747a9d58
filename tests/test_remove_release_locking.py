"""remove_release on SQLite in WAL mode takes the write lock when its transaction begins.

It reads before it writes (the data version, the release's codes). A deferred
transaction that another writer commits ahead of, between that read and the first
write, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT), whatever the busy
timeout; begun IMMEDIATE it holds the lock, and the other writer waits instead.
"""

from __future__ import annotations

import copy
from datetime import date
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from codes import dataversion
from codes.models import Release

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite settings (WAL, busy timeout)"
)


@pytest.fixture
def site_file(tmp_path, django_db_blocker):
    """`default` and `other` connected to a migrated SQLite file with one release loaded."""
    saved = connections["default"]
    settings_dict = {**copy.deepcopy(saved.settings_dict), "NAME": str(tmp_path / "site.sqlite3")}
    site = DatabaseWrapper(copy.deepcopy(settings_dict), "default")
    other = DatabaseWrapper(copy.deepcopy(settings_dict), "other")
    with django_db_blocker.unblock():
        connections["default"], connections["other"] = site, other
        try:
            call_command("migrate", verbosity=0)
            Release.objects.create(
                name="2031-jan", effective_date=date(2031, 1, 1), source_name="x", sha256=""
            )
            with other.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 50")
            yield site, other
        finally:
            site.close()
            other.close()
            connections["default"] = saved
            del connections["other"]


def test_a_writer_coming_between_its_first_read_and_write_waits_for_the_removal(site_file):
    site, other = site_file
    real_record_change = dataversion.record_change
    other_writer: list[str] = []

    def another_writer_first():
        # The removal's transaction has begun and read; now another process writes.
        with site.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM codes_release")
        try:
            with other.cursor() as cursor:
                cursor.execute("UPDATE codes_release SET source_name = 'other writer'")
            other_writer.append("committed")
        except OperationalError as exc:
            other_writer.append(str(exc))
        return real_record_change()

    with mock.patch("codes.management.commands.remove_release.record_change", another_writer_first):
        call_command("remove_release", "2031-jan", no_warm=True, stdout=StringIO())

    assert other_writer == ["database is locked"]
    assert not Release.objects.exists()
    assert site.transaction_mode == "DEFERRED"  # pages' transactions stay deferred


def test_a_failing_database_is_a_message_and_removes_nothing(site_file):
    with (
        mock.patch(
            "codes.management.commands.remove_release.importer.remove_release",
            side_effect=OperationalError("disk I/O error"),
        ),
        pytest.raises(CommandError) as refused,
    ):
        call_command("remove_release", "2031-jan", no_warm=True, stdout=StringIO())
    assert str(refused.value) == (
        "2031-jan: not removed, nothing was changed: the database failed (disk I/O error); "
        "is it migrated (manage.py migrate)?"
    )
    assert Release.objects.get().name == "2031-jan"
