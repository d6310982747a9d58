"""What the import commands share, so each command says only what is its own.

`ImportCommand` gives an import command:

* its arguments: `paths`, `--dry-run`, `--all` (every folder under the dataset's data
  directory) and `--quarter` (or `--release`) for the name of a single path;
* messages written at verbosity 1 and above, a progress bar shown only on a terminal,
  and a summary line styled by whether the load changed anything;
* `--allow-removals` for a command whose loads guard against dropping data
  (`guards_removals`), and `refuse_dry_run(check, parsed)` to end a dry run that such a guard
  would refuse with a non-zero exit;
* `importing(source)`: every failure ends in a `CommandError` saying nothing was changed,
  the importer's own errors as they are worded and anything else (a full disk, a damaged
  zip, memory running out, a database that is not migrated) as one line naming the
  source, never a traceback. Each file or release is loaded in its own transaction, so
  the one that failed is the one left unchanged.

On SQLite the transactions of an import (not of the page warming after it) begin
IMMEDIATE. An import reads (its guards) before it writes, and in WAL mode a deferred
transaction whose snapshot another writer has moved past cannot take the write lock at
all (SQLITE_BUSY_SNAPSHOT, "database is locked" without waiting). Taking the lock first
makes a concurrent small write (a search miss, an admin edit) wait for the import instead.
"""

from __future__ import annotations

import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteConnection
from tqdm import tqdm

from codes.importer import ImportFailure
from codes.importer.guard import RemovalRefused

NOTHING_CHANGED = "Import failed, nothing was changed."
DRY_RUN = "Dry run: nothing written."
# Failures that are not the file's fault alone; the transaction is rolled back first.
OTHER_FAILURES = (OSError, zipfile.BadZipFile, zlib.error, EOFError, MemoryError, DatabaseError)


class ImportCommand(BaseCommand):
    paths_help = "Files or folders."
    name_option = "--quarter"  # names the quarter or release of a single path
    name_help = "Quarter name such as 2025-oct."
    dry_run_help = "Read and report; write nothing."
    data_dir_setting = ""  # the setting --all reads, such as "ASP_DATA_DIR"
    folder_kind = "quarter folder"  # what --all imports, for its help
    failures: tuple[type[Exception], ...] = (ImportFailure,)  # worded for the user already
    guards_removals = False  # True: --allow-removals, and a dry run fails as the load would
    verbosity = 1

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help=self.paths_help)
        dry_run_help = self.dry_run_help
        if self.guards_removals:
            dry_run_help += " Fails when the import would be refused."
        parser.add_argument("--dry-run", action="store_true", help=dry_run_help)
        parser.add_argument(
            "--all",
            action="store_true",
            help=f"Import every {self.folder_kind} under {self.data_dir_setting}, oldest first.",
        )
        parser.add_argument(self.name_option, help=self.name_help)
        if self.guards_removals:
            parser.add_argument(
                "--allow-removals",
                action="store_true",
                help="Load even when the guard would refuse it as dropping data by accident.",
            )

    def execute(self, *args: Any, **options: Any) -> str | None:
        self.verbosity = options["verbosity"]
        return super().execute(*args, **options)

    def refuse_dry_run(self, check: Callable[[Any], None], parsed: Any) -> None:
        """Run a removal guard's `check(parsed)` for a dry run: a refusal ends it non-zero."""
        try:
            check(parsed)
        except RemovalRefused as exc:
            raise CommandError(f"Dry run: the import would be refused. {exc}") from exc

    @property
    def data_dir(self) -> Path:
        return Path(getattr(settings, self.data_dir_setting))

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def summary(self, line: str, changed: bool) -> None:
        """The closing line of one load: green when it changed something."""
        if self.verbosity >= 1:
            self.stdout.write((self.style.SUCCESS if changed else self.style.NOTICE)(line))

    def progress(self, iterable: Iterable | None = None, **options: Any) -> tqdm:
        """A progress bar on stderr, on a terminal only (not in logs nor under cron)."""
        hidden = self.verbosity < 1 or not sys.stderr.isatty()
        return tqdm(iterable, disable=hidden, file=sys.stderr, **options)

    def no_sources(self) -> CommandError:
        return CommandError(f"Give a path or --all ({self.data_dir_setting} is {self.data_dir})")

    @contextmanager
    def importing(self, source: Path | str) -> Iterator[None]:
        """The import of one file or release: a failure ends in a CommandError naming it."""
        try:
            with writes_first():
                yield
        except self.failures as exc:
            raise CommandError(f"{NOTHING_CHANGED} {exc}") from exc
        except OTHER_FAILURES as exc:
            raise CommandError(f"{NOTHING_CHANGED} {source}: {describe(exc)}") from exc


def advance(bar: tqdm) -> Callable[[int], None]:
    """The bar's update as an importer's progress callback, which returns nothing."""

    def advance_by(count: int) -> None:
        bar.update(count)

    return advance_by


def describe(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "ran out of memory while reading it"
    if isinstance(exc, DatabaseError):
        return f"the database failed ({exc}); is it migrated (manage.py migrate)?"
    return str(exc) or type(exc).__name__


@contextmanager
def writes_first(using: str = "default") -> Iterator[None]:
    """On SQLite, begin every transaction inside with the write lock (BEGIN IMMEDIATE)."""
    connection = connections[using]
    if not isinstance(connection, SQLiteConnection):
        yield
        return
    connection.ensure_connection()  # connecting sets transaction_mode from the settings
    # django-stubs does not declare the SQLite backend's transaction_mode.
    before = connection.transaction_mode  # type: ignore[attr-defined]
    connection.transaction_mode = "IMMEDIATE"  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.transaction_mode = before  # type: ignore[attr-defined]
