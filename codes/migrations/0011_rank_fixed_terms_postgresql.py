"""PostgreSQL only: the parts of a code's rank that do not depend on the query, stored
as generated columns so ranking reads them instead of computing them for every
matching row (SQLite: nothing). The DDL is frozen here; codes/search/scoring.py's
constants must give the same values (tests/test_search_stored_rank.py checks it).

- unspecified_penalty: UNSPECIFIED_PENALTY for a "not otherwise classified/specified"
  description (an ILIKE over the long description, the costliest penalty);
- biosimilar_penalty: BIOSIMILAR_PENALTY for a biosimilar that is not the reference
  product;
- age_bonus: AGE_WEIGHT * (AGE_REFERENCE_YEAR - the year the code was added) / 10, in
  double precision as the ranked query computes it.
"""

from django.db import migrations

COLUMNS = {
    "unspecified_penalty": (
        "integer",
        "CASE WHEN long_description ILIKE '%not otherwise%' THEN 5 ELSE 0 END",
    ),
    "biosimilar_penalty": (
        "integer",
        "CASE WHEN long_description ILIKE '%biosimilar%' "
        "AND long_description NOT ILIKE '%excludes biosimilar%' "
        "AND long_description NOT ILIKE '%not biosimilar%' THEN 50 ELSE 0 END",
    ),
    "age_bonus": (
        "double precision",
        "(1.0::double precision * (2030 - COALESCE(EXTRACT(YEAR FROM date_added), 2030)))"
        " / 10.0::double precision",
    ),
}


def add_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (kind, expression) in COLUMNS.items():
            schema_editor.execute(
                f"ALTER TABLE codes_code ADD COLUMN IF NOT EXISTS {name} {kind} "
                f"GENERATED ALWAYS AS ({expression}) STORED",
                params=None,  # the patterns' % are no placeholders
            )


def remove_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE codes_code DROP COLUMN IF EXISTS {name}", params=None
            )


class Migration(migrations.Migration):
    dependencies = [("codes", "0010_code_search_entry")]

    operations = [migrations.RunPython(add_columns, remove_columns)]
