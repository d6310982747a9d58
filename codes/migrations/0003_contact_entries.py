from django.db import migrations

# HCPCS contact information; the defaults an admin-editable contact list starts from.
CONTACT_DEFAULTS: list[dict] = [
    {
        "label": "CMS HCPCS mailbox",
        "value": "HCPCS@cms.hhs.gov",
        "kind": "email",
        "note": "Email for questions about HCPCS Level II codes.",
    },
    {
        "label": "CMS HCPCS postal address",
        "value": (
            "Centers for Medicare & Medicaid Services, 7500 Security Boulevard, "
            "Mail Stop C5-09-14, Baltimore, MD 21244-1850"
        ),
        "kind": "postal",
        "note": 'Source: CMS "HCPCS Level II Coding Procedures", 2023.',
    },
    {
        "label": "PDAC toll-free helpline",
        "value": "(877) 735-1326",
        "kind": "phone",
        "note": (
            "Pricing, Data Analysis and Coding contractor: coding questions about DME and "
            "DMEPOS items."
        ),
    },
    {
        "label": "HCPCS coding questions online",
        "value": "https://www.codingclinicadvisor.com",
        "kind": "web",
        "note": "HCPCS coding questions are submitted online through this web site.",
    },
]


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
