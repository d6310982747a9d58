import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from codes.payments import dmepos, dmepos_load


class Command(BaseCommand):
    help = (
        "Import CMS's DMEPOS fee schedule, PEN fee schedule and DMEPOS rural ZIP code files "
        "(.csv, .xlsx, .xls, a CMS zip, or a quarter folder holding them). Each file is one "
        "transaction; a file already loaded is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Fee files or quarter folders.")
        parser.add_argument(
            "--quarter",
            help="Quarter such as 2025-apr, for a file whose title rows give none "
            "(default: from the title rows, or the folder name).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report; write nothing."
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Import every quarter folder under DMEPOS_DATA_DIR, oldest first.",
        )

    def handle(self, *args, paths, quarter, dry_run, all, verbosity, **options):
        if quarter and not dmepos.QUARTER_NAME.fullmatch(quarter):
            raise CommandError(f"--quarter {quarter!r} is not a name like 2025-apr")
        jobs: list[tuple[Path, str | None]] = []
        for path in paths:
            if path.is_dir():
                jobs += [(f, quarter or self.folder_quarter(path)) for f in dmepos.fee_files(path)]
            else:
                jobs.append((path, quarter or self.folder_quarter(path.parent)))
        if all:
            for folder in dmepos.quarter_folders(settings.DMEPOS_DATA_DIR):
                jobs += [(f, folder.name) for f in dmepos.fee_files(folder)]
        if all and not paths and not jobs:
            self.log(verbosity, f"No DMEPOS fee files under {settings.DMEPOS_DATA_DIR}.")
            return
        if not jobs:
            raise CommandError(
                "Give a fee file or quarter folder, or --all "
                f"(DMEPOS_DATA_DIR is {settings.DMEPOS_DATA_DIR})"
            )
        with tqdm(
            jobs,
            desc="DMEPOS fee files",
            unit=" files",
            disable=verbosity < 1 or not sys.stderr.isatty(),
            file=sys.stderr,
        ) as bar:
            for path, name in bar:
                bar.set_postfix_str(path.name)
                self.import_one(path, name, dry_run, verbosity)

    @staticmethod
    def folder_quarter(folder: Path) -> str | None:
        return folder.name if dmepos.QUARTER_NAME.fullmatch(folder.name) else None

    def import_one(self, path: Path, quarter: str | None, dry_run: bool, verbosity: int) -> None:
        skip = (lambda digest: False) if dry_run else dmepos_load.is_loaded
        try:
            parsed_files = dmepos.read_file(path, quarter, skip=skip)
            if not parsed_files:
                self.log(verbosity, f"{path.name} is already loaded; unchanged.")
                return
            for parsed in parsed_files:
                if dry_run:
                    self.log(verbosity, f"{self.describe(parsed)}. Dry run: nothing written.")
                    continue
                self.report(verbosity, dmepos_load.load(parsed))
        except dmepos.FeeFileError as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc

    @staticmethod
    def describe(parsed: dmepos.ParsedFile) -> str:
        return (
            f"{parsed.quarter} {parsed.dataset}: {parsed.source_name}, {parsed.row_count} rows "
            f"read, {parsed.cpt_rows_skipped} CPT rows skipped"
        )

    def report(self, verbosity: int, stats: dmepos_load.LoadStats) -> None:
        if verbosity < 1:
            return
        summary = (
            f"{stats.quarter} {stats.dataset}: {stats.source_name}, {stats.rows} rows read, "
            f"{stats.cpt_rows_skipped} CPT rows skipped; {stats.created} created, "
            f"{stats.updated} updated, {stats.unchanged} unchanged, {stats.removed} removed."
        )
        self.stdout.write((self.style.SUCCESS if stats.changed else self.style.NOTICE)(summary))

    def log(self, verbosity: int, message: str) -> None:
        if verbosity >= 1:
            self.stdout.write(message)
