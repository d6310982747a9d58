from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from codes import importer
from codes.dataversion import record_change
from codes.management.importing import describe, writes_first
from codes.models import Release


class Command(BaseCommand):
    help = (
        "Delete one imported release (for example 2019-jan): its versions of every code go, "
        "and every code is put back as if the release had never been loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Release name, as listed on /releases/.")
        parser.add_argument(
            "--no-warm",
            action="store_true",
            help="Do not render the pages into the page store afterwards (warm_pages).",
        )

    def handle(self, *args, name, no_warm, verbosity, **options):
        if not Release.objects.filter(name=name).exists():
            known = ", ".join(Release.objects.oldest_first().values_list("name", flat=True))
            raise CommandError(f"No release named {name!r} is loaded (loaded: {known or 'none'}).")
        # IMMEDIATE on SQLite, as imports begin theirs: the removal reads before it writes,
        # and in WAL mode a deferred transaction that another writer got ahead of cannot
        # take the write lock at all ("database is locked" without waiting).
        try:
            with writes_first(), transaction.atomic():
                # A new data version, never the one from before the release was imported;
                # taken first, as imports do, so that the two lock rows in the same order.
                record_change()
                removed = importer.remove_release(name)
        except DatabaseError as exc:
            raise CommandError(
                f"{name}: not removed, nothing was changed: {describe(exc)}"
            ) from exc
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"{name}: removed, with its versions of {removed} codes.")
            )
        if not no_warm:
            call_command("warm_pages", verbosity=verbosity, stdout=self.stdout)
