"""The search index as it was first created; its DDL is frozen here so that changing
search later never changes what this migration does (0004 and 0008 replace parts of it)."""

from django.db import migrations

FTS_TABLE = "codes_code_fts"

CREATE = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "code, short_description, long_description, "
        "content='codes_code', content_rowid='id', tokenize='porter unicode61')",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')",
    ],
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS codes_code_search_idx ON codes_code USING GIN (("
        "setweight(to_tsvector('english', coalesce(code, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(short_description, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(long_description, '')), 'C')))",
        "CREATE INDEX IF NOT EXISTS codes_code_short_trgm_idx ON codes_code "
        "USING GIN (short_description gin_trgm_ops)",
    ],
}

DROP = {
    "sqlite": [f"DROP TABLE IF EXISTS {FTS_TABLE}"],
    "postgresql": [
        "DROP INDEX IF EXISTS codes_code_search_idx",
        "DROP INDEX IF EXISTS codes_code_short_trgm_idx",
    ],
}


def create_search_index(apps, schema_editor):
    for statement in CREATE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_search_index(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("codes", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
