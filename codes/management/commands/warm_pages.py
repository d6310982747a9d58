import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from codes import warming


class Command(BaseCommand):
    help = (
        "Render every code, modifier and section page of the current data into the page "
        "store, so that no visitor waits for a first rendering. Serving goes on meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", help="Host name visitors use (default: the first of ALLOWED_HOSTS)."
        )
        parser.add_argument(
            "--scheme",
            choices=["http", "https"],
            help="Scheme visitors use (default: https in production, else http).",
        )

    def handle(self, *args, host, scheme, verbosity, **options):
        if (reason := warming.why_not_warm()) is not None:
            if verbosity >= 2:
                self.stdout.write(f"Not warming: {reason}.")
            return
        secure = (scheme or ("https" if settings.PRODUCTION else "http")) == "https"
        urls = warming.page_urls()
        with tqdm(
            total=len(urls),
            desc="Warming pages",
            unit=" pages",
            disable=verbosity < 1 or not sys.stderr.isatty(),
            file=sys.stderr,
        ) as bar:
            stats = warming.warm(
                urls, host=host or warming.default_host(), secure=secure, progress=bar.update
            )
        if verbosity < 1:
            return
        summary = (
            f"Warmed {stats.pages} of {len(urls)} pages of data version {stats.version} "
            f"in {stats.seconds:.1f} s"
        )
        if stats.superseded:
            self.stdout.write(self.style.NOTICE(f"{summary}; stopped, the data changed since."))
        elif stats.failed:
            self.stdout.write(self.style.WARNING(f"{summary}; {stats.failed} did not answer 200."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}."))
