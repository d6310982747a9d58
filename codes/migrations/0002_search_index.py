from django.db import migrations

from codes import search


def create_search_index(apps, schema_editor):
    for statement in search.create_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)
    search.rebuild_index(schema_editor.connection)


def drop_search_index(apps, schema_editor):
    for statement in search.drop_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("codes", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
