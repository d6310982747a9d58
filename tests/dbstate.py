"""The whole content of the site's tables, to show that a refused import changed nothing."""

from __future__ import annotations

from django.db import connection


def database_dump() -> dict[str, list[tuple]]:
    """Every row of every codes_ table (the search index's tables too), in a stable order."""
    quote = connection.ops.quote_name
    dump = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if not table.startswith("codes_"):
                continue
            cursor.execute(f"SELECT * FROM {quote(table)}")
            width = len(cursor.description)
            order = ", ".join(str(n) for n in range(1, width + 1))
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {order}")
            dump[table] = [tuple(map(repr, row)) for row in cursor.fetchall()]
    return dump
