"""PostgreSQL only: a stored, GIN-indexed tsvector column for ranking, replacing the
expression index of 0002 (SQLite: nothing). The DDL is frozen here."""

from django.db import migrations

VECTOR_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(code, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(short_description, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(long_description, '')), 'C')"
)

ADD = [
    "ALTER TABLE codes_code ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({VECTOR_EXPRESSION}) STORED",
    "CREATE INDEX IF NOT EXISTS codes_code_search_vector_idx ON codes_code "
    "USING GIN (search_vector)",
    "DROP INDEX IF EXISTS codes_code_search_idx",
]

REMOVE = [
    "DROP INDEX IF EXISTS codes_code_search_vector_idx",
    "ALTER TABLE codes_code DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS codes_code_search_idx ON codes_code USING GIN (("
    "setweight(to_tsvector('english', coalesce(code, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(short_description, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(long_description, '')), 'C')))",
]


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD:
            schema_editor.execute(statement)


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("codes", "0003_contact_entries")]

    operations = [migrations.RunPython(add_search_vector, remove_search_vector)]
