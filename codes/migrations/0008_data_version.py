import secrets

from django.db import migrations, models
from django.utils import timezone


def start_counting(apps, schema_editor):
    """A database that already holds data gets its own epoch, so its ETags are its own."""
    DataVersion = apps.get_model("codes", "DataVersion")
    DataVersion.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1,
        defaults={
            "epoch": secrets.token_hex(16),
            "number": 1,
            "changed_at": timezone.now().replace(microsecond=0),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0007_dmepos_fees"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveBigIntegerField(default=0)),
                ("epoch", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(start_counting, migrations.RunPython.noop),
    ]
