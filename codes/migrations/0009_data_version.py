from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0008_search_misses"),
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
    ]
