"""SQLite in WAL mode: pages read while an import writes, each in one snapshot."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from codes.caching import one_snapshot
from codes.management.importing import writes_first

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite settings (WAL, busy timeout)"
)


@contextmanager
def file_connections(path: Path, *aliases: str) -> Iterator[list[DatabaseWrapper]]:
    """Connections to the SQLite file `path`, configured as the site's, under `aliases`."""
    opened = []
    for alias in aliases:
        settings_dict = {**copy.deepcopy(connection.settings_dict), "NAME": str(path)}
        wrapper = DatabaseWrapper(settings_dict, alias)
        connections[alias] = wrapper
        opened.append(wrapper)
    try:
        yield opened
    finally:
        for wrapper in opened:
            wrapper.close()
            del connections[wrapper.alias]


def fetch(wrapper: DatabaseWrapper, sql: str) -> list[tuple]:
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def values(wrapper: DatabaseWrapper) -> list[int]:
    return [row[0] for row in fetch(wrapper, "SELECT x FROM t ORDER BY x")]


@pytest.fixture
def pair(tmp_path, django_db_blocker):
    with django_db_blocker.unblock(), file_connections(tmp_path / "site.sqlite3", "w", "r") as both:
        writer, _ = both
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
        yield both


def test_site_connections_use_wal_a_busy_timeout_and_deferred_transactions(pair):
    writer, reader = pair
    assert fetch(reader, "PRAGMA journal_mode") == [("wal",)]
    assert fetch(reader, "PRAGMA busy_timeout")[0][0] >= 10_000
    assert reader.transaction_mode == "DEFERRED"


def test_reader_is_not_blocked_while_a_writer_holds_the_write_lock(pair):
    writer, reader = pair
    with writer.cursor() as cursor:
        # EXCLUSIVE: with the rollback journal this shuts every reader out until COMMIT.
        cursor.execute("BEGIN EXCLUSIVE")
        cursor.execute("INSERT INTO t VALUES (2)")
        started = time.monotonic()
        assert values(reader) == [1]
        assert time.monotonic() - started < 0.5
        cursor.execute("COMMIT")
    assert values(reader) == [1, 2]


def test_a_page_snapshot_sees_one_state_while_an_import_writes_and_commits(pair):
    writer, reader = pair
    with one_snapshot("r"):
        assert values(reader) == [1]  # the snapshot's first read fixes what it sees
        with writes_first("w"), transaction.atomic(using="w"):
            with writer.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (2)")
            assert values(reader) == [1]
        assert fetch(writer, "SELECT count(*) FROM t") == [(2,)]  # committed
        assert values(reader) == [1]
    assert values(reader) == [1, 2]


def test_import_transactions_take_the_write_lock_when_they_begin(pair):
    writer, other = pair
    with other.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 50")
    with writes_first("w"), transaction.atomic(using="w"):
        fetch(writer, "SELECT 1")  # nothing written yet
        with pytest.raises(OperationalError, match="locked"), other.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
    assert writer.transaction_mode == "DEFERRED"
    with transaction.atomic(using="w"):  # deferred again: a read takes no lock
        fetch(writer, "SELECT 1")
        with other.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
