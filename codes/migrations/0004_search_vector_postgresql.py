from django.db import migrations

from codes import search


def add_search_vector(apps, schema_editor):
    for statement in search.create_vector_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove_search_vector(apps, schema_editor):
    for statement in search.drop_vector_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    """PostgreSQL only: a stored, indexed tsvector column for ranking (SQLite: nothing)."""

    dependencies = [("codes", "0003_contact_entries")]

    operations = [migrations.RunPython(add_search_vector, remove_search_vector)]
