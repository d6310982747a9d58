from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CodesConfig(AppConfig):
    name = "codes"
    verbose_name = "HCPCS codes"

    def ready(self) -> None:
        from codes.dataversion import ensure_row

        # After every migrate and flush, so that reading the version is always one query.
        post_migrate.connect(ensure_row, sender=self)
