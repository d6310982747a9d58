import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from codes.payments import asp, tables


class Command(BaseCommand):
    help = (
        "Import CMS Medicare Part B drug files: the ASP pricing file, the ASP NDC-HCPCS "
        "crosswalk and the NOC pricing and crosswalk files, as .csv, .xlsx, .xls, a zip, or a "
        "quarter's folder of them. Each file (a zip with all it holds) is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Files or quarter folders.")
        parser.add_argument(
            "--quarter", help="Quarter name such as 2025-oct (default: the file's title rows)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Import every quarter folder under ASP_DATA_DIR, oldest first.",
        )

    def handle(self, *args, paths, quarter, dry_run, all, verbosity, **options):
        if quarter and len(paths) != 1:
            raise CommandError("--quarter names one quarter; give one path")
        sources = list(paths)
        if all:
            found = asp.datasets_under(settings.ASP_DATA_DIR)
            if not found and not paths:
                # Drug pricing is optional: a site may run on HCPCS releases alone.
                self.log(verbosity, f"No ASP quarter folder under {settings.ASP_DATA_DIR}.")
                return
            sources.extend(found)
        if not sources:
            raise CommandError("Give a path or --all")
        # Every file is read before anything is written, so a bad one changes nothing.
        parsed = []
        for path in sources:
            parsed.extend(self.read(path, quarter, dry_run, verbosity))
        if dry_run:
            for dataset in parsed:
                self.log(
                    verbosity,
                    f"{dataset.label}: {len(dataset.rows)} rows read "
                    f"({dataset.cpt_rows_skipped} CPT rows skipped). Dry run: nothing written.",
                )
            return
        by_file: dict[str, list] = {}
        for dataset in parsed:
            by_file.setdefault(dataset.file_sha256, []).append(dataset)
        for datasets in by_file.values():
            results = asp.load_file(datasets)
            if verbosity < 1:
                continue
            for result, line in zip(results, asp.summary(results), strict=True):
                style = self.style.SUCCESS if result.changed else self.style.NOTICE
                self.stdout.write(style(line))

    def read(self, path: Path, quarter: str | None, dry_run: bool, verbosity: int) -> list:
        try:
            if not dry_run and asp.is_loaded(path):
                self.log(verbosity, f"{path.name}: already loaded; unchanged.")
                return []
            with tqdm(
                desc=f"Reading {path.name}",
                unit=" rows",
                disable=verbosity < 1 or not sys.stderr.isatty(),
                file=sys.stderr,
            ) as bar:
                return asp.read(path, quarter, progress=bar.update)
        except tables.TableError as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc

    def log(self, verbosity: int, message: str) -> None:
        if verbosity >= 1:
            self.stdout.write(message)
