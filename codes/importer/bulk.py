"""The importer's raw SQL, kept in this one module.

Why raw SQL: an import writes tens of thousands of rows of some 50 columns. The ORM's
`bulk_create` spends most of an import preparing every value of every row one by one
(and SQLite caps a statement at 999 parameters, so about 19 rows at a time), and it
cannot copy rows from table to table or update rows from a correlated subquery. So the
bulk writes are `executemany` with only dates and JSON prepared, column by column, and
statements that let the database copy values itself; table and column names always come
from the models' metadata, quoted by the connection, and the only values written into a
statement are integers read from this database or the parsed file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat

from django.db import connection

from codes.importer.parse import FIELD_NAMES, CodeRecord
from codes.models import CmsRecord, Code, CodeVersion, Release


def record_columns() -> list[str]:

    return CmsRecord.record_field_names()


def values_by_column(records: list[CodeRecord], columns: list[str]) -> list[tuple]:
    """The records' values column by column, for `insert_many`."""
    by_field = list(zip(*records, strict=True)) or [()] * len(FIELD_NAMES)
    return [by_field[FIELD_NAMES.index(column)] for column in columns]


def copy_new_codes(columns: list[str], copies: list[tuple[int, int]]) -> None:
    """The versions of codes first seen in this release, copied from their Code rows.

    The rows were just written from the same records, so the database copies them
    instead of receiving every value a second time; only each record's line is sent.
    `copies` holds (source line, code id).
    """

    if not copies:
        return
    quote = connection.ops.quote_name
    names = ", ".join(f"c.{quote(c)}" for c in columns)
    targets = ", ".join(quote(c) for c in ["release_id", "code_ref_id", "source_line", *columns])
    copy = (
        f"INSERT INTO {quote(CodeVersion._meta.db_table)} ({targets}) "
        f"SELECT c.{quote('release_id')}, c.{quote('id')}, lines.source_line, {names} "
        f"FROM lines JOIN {quote(Code._meta.db_table)} c ON c.{quote('id')} = lines.code_id"
    )
    # The pairs are integers read from this database and the parsed file, written into
    # the statement as numbers: one statement, however many codes are new.
    lines = ", ".join(f"({int(line)}, {int(code_id)})" for line, code_id in copies)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH lines (source_line, code_id) AS (VALUES {lines}) {copy}")


def refresh_chunk(code_ids: list[int]) -> None:
    """Copy each code's newest version into its row, in the database, one statement for
    the whole chunk; rows that already hold those values are left alone."""

    quote = connection.ops.quote_name
    codes, versions = quote(Code._meta.db_table), quote(CodeVersion._meta.db_table)
    names = ["release_id", *record_columns()]
    listed = ", ".join(quote(c) for c in names)
    nullable = {f.column for f in CmsRecord._meta.fields if f.null}
    differs = " OR ".join(
        f"v.{name} <> {codes}.{name}"
        + (f" OR (v.{name} IS NULL) <> ({codes}.{name} IS NULL)" if c in nullable else "")
        for c, name in ((c, quote(c)) for c in names)
    )
    newest = (
        f"(SELECT nv.id FROM {versions} nv JOIN {quote(Release._meta.db_table)} nr "
        f"ON nr.id = nv.release_id WHERE nv.code_ref_id = {codes}.id "
        "ORDER BY nr.effective_date DESC LIMIT 1)"
    )
    # Ids read from the database, written into the statement as numbers.
    chunk = ", ".join(str(int(pk)) for pk in code_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {codes} SET ({listed}) = "
            f"(SELECT {listed} FROM {versions} WHERE id = {newest}) WHERE id IN ({chunk}) "
            f"AND EXISTS (SELECT 1 FROM {versions} v WHERE v.id = {newest} AND ({differs}))"
        )
        cursor.execute(
            f"SELECT id FROM {codes} WHERE id IN ({chunk}) "
            f"AND NOT EXISTS (SELECT 1 FROM {versions} v WHERE v.code_ref_id = {codes}.id)"
        )
        orphans = [pk for (pk,) in cursor.fetchall()]
    if orphans:
        Code.objects.filter(pk__in=orphans).delete()


def insert_many(model, columns: list[str], values: list[Iterable]) -> None:
    """Insert rows given column by column: `values[i]` holds column i of every row.

    A column of a value common to every row may be `itertools.repeat(value)`. A column
    every row leaves blank (NULL, "" or {}) is written once into the statement instead of
    being sent with each row: a release leaves a third of the record layout unused.
    """
    items, sent = [], []
    for column, column_values in zip(columns, values, strict=True):
        field = model._meta.get_field(column.removesuffix("_id"))
        blank = _blank_literal(field, column_values)
        items.append(blank or "%s")
        if blank is None:
            sent.append(_adapted(field, column_values))
    rows = list(zip(*sent, strict=False))
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(items)})", rows)


def _blank_literal(field, values: Iterable) -> str | None:
    """SQL for the blank every one of `values` holds, or None."""
    if not isinstance(values, Sequence) or not values or values[0] not in (None, "", {}):
        return None
    blank = values[0]
    if values.count(blank) != len(values):
        return None
    if blank is None:
        return "NULL"
    return "'{}'" if field.get_internal_type() == "JSONField" else "''"


def _adapted(field, values: Iterable) -> Iterable:
    """A column's values prepared for the database: dates and JSON; the rest as they are."""
    kind = field.get_internal_type()
    if kind == "DateField":
        # A release has a few hundred distinct dates among its tens of thousands.
        adapt = connection.ops.adapt_datefield_value
        adapted = {value: adapt(value) for value in set(values)}
        return list(map(adapted.__getitem__, values))
    if kind == "JSONField":
        # Nearly every record has nothing unparsed: its {} is prepared once.
        empty = connection.ops.adapt_json_value({}, field.encoder)
        return [
            empty if value == {} else connection.ops.adapt_json_value(value, field.encoder)
            for value in values
        ]
    return values


def refresh_statistics() -> None:
    """Let PostgreSQL's planner see the rows a bulk load just wrote.

    Autovacuum only analyzes committed data some time later; until then the planner
    takes the version table for empty and joins it row by row.
    """

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (CodeVersion, Code):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def ensure_codes(
    records: list[CodeRecord], keys: list[tuple[str, str]], release, columns: list[str]
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Ids of the Code rows for these records (keyed by `keys`), creating rows for codes
    first seen here.

    A code first seen here gets this release's values at once, so it needs no refresh.
    """

    select = f"SELECT kind, code, id FROM {connection.ops.quote_name(Code._meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(select)
        known = {(kind, code): pk for kind, code, pk in cursor.fetchall()}
        new_records = [r for r, key in zip(records, keys, strict=True) if key not in known]
        if new_records:
            insert_many(
                Code,
                ["release_id", *columns],
                [repeat(release.pk), *values_by_column(new_records, columns)],
            )
            cursor.execute(f"{select} WHERE release_id = %s", [release.pk])
            first_seen = set(keys).difference(known)
            known.update(((kind, code), pk) for kind, code, pk in cursor.fetchall())
            return known, first_seen
    return known, set()
