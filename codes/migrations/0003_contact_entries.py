from django.db import migrations

from codes.reference import CONTACT_DEFAULTS


def add_contact_entries(apps, schema_editor):
    ContactEntry = apps.get_model("codes", "ContactEntry")
    for position, entry in enumerate(CONTACT_DEFAULTS):
        ContactEntry.objects.get_or_create(
            label=entry["label"],
            defaults={
                "value": entry["value"],
                "kind": entry["kind"],
                "note": entry.get("note", ""),
                "position": position,
            },
        )


def remove_contact_entries(apps, schema_editor):
    ContactEntry = apps.get_model("codes", "ContactEntry")
    ContactEntry.objects.filter(label__in=[e["label"] for e in CONTACT_DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("codes", "0002_search_index")]

    operations = [migrations.RunPython(add_contact_entries, remove_contact_entries)]
