"""Full-text search over codes: one interface, two engines.

`search(queryset, text)` is the only entry point; `CodeQuerySet.search()` calls it. It
returns an ordinary, chainable queryset annotated with `rank` and ordered best first,
whatever the database:

* SQLite: an external-content FTS5 table, `codes_code_fts`, over code, short and long
  description (porter stemming). The importer rebuilds it after every change, since
  the data changes only through the importer.
* PostgreSQL: a weighted `SearchVector` (code A, short description B, long
  description C) matched with `websearch` queries.

User text never reaches an engine's query syntax raw: every term is quoted.
"""

from __future__ import annotations

import re

from django.db import connection, models
from django.db.models.expressions import RawSQL

FTS_TABLE = "codes_code_fts"
TERM = re.compile(r"\w+", re.UNICODE)


def terms(text: str) -> list[str]:
    """The words of a query, lowercased; punctuation and operators are dropped."""
    return [t.lower() for t in TERM.findall(text or "")][:32]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH string that treats every word as a quoted prefix term."""
    return " ".join('"{}"*'.format(w.replace('"', '""')) for w in words)


def search(queryset: models.QuerySet, text: str) -> models.QuerySet:
    words = terms(text)
    if not words:
        return queryset.none()
    if queryset.db and _vendor(queryset) == "postgresql":
        return _search_postgresql(queryset, words)
    return _search_sqlite(queryset, words)


def _vendor(queryset: models.QuerySet) -> str:
    from django.db import connections

    return connections[queryset.db].vendor


def _search_sqlite(queryset: models.QuerySet, words: list[str]) -> models.QuerySet:
    match = fts5_query(words)
    table = queryset.model._meta.db_table
    return (
        queryset.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
        )
        .annotate(
            rank=RawSQL(
                f"SELECT bm25({FTS_TABLE}, 10.0, 5.0, 1.0) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
                [match],
            )
        )
        .order_by("rank", "code")
    )


def _search_postgresql(queryset: models.QuerySet, words: list[str]) -> models.QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("code", weight="A")
        + SearchVector("short_description", weight="B")
        + SearchVector("long_description", weight="C")
    )
    query = SearchQuery(" ".join(words), search_type="websearch", config="english")
    return (
        queryset.annotate(rank=SearchRank(vector, query))
        .filter(models.Q(rank__gt=0) | models.Q(code__istartswith=words[0]))
        .order_by("-rank", "code")
    )


def rebuild_index(using=None) -> None:
    """Refill the search index from the codes table (SQLite; PostgreSQL indexes itself)."""
    conn = connection if using is None else using
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")


def create_index_sql(vendor: str) -> list[str]:
    """Engine-specific DDL the search migration runs."""
    if vendor == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "code, short_description, long_description, "
            "content='codes_code', content_rowid='id', tokenize='porter unicode61')"
        ]
    if vendor == "postgresql":
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX IF NOT EXISTS codes_code_search_idx ON codes_code USING GIN (("
            "setweight(to_tsvector('english', coalesce(code, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(short_description, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(long_description, '')), 'C')))",
            "CREATE INDEX IF NOT EXISTS codes_code_short_trgm_idx ON codes_code "
            "USING GIN (short_description gin_trgm_ops)",
        ]
    return []


def drop_index_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
    if vendor == "postgresql":
        return [
            "DROP INDEX IF EXISTS codes_code_search_idx",
            "DROP INDEX IF EXISTS codes_code_short_trgm_idx",
        ]
    return []
