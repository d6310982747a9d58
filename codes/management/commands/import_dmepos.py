from pathlib import Path

from django.core.management.base import CommandError

from codes.management.importing import DRY_RUN, NOTHING_CHANGED, ImportCommand
from codes.payments import dmepos, dmepos_load, guard


class Command(ImportCommand):
    help = (
        "Import CMS's DMEPOS fee schedule, PEN fee schedule and DMEPOS rural ZIP code files "
        "(.csv, .xlsx, .xls, a CMS zip, or a quarter folder holding them). Each file is one "
        "transaction; a file already loaded is skipped. A file that would drop more than "
        f"{guard.REMOVAL_LIMIT} of the rows its quarter has loaded, or that holds fewer than "
        f"{guard.SHRINK_RATIO:.0%} of the rows of the nearest loaded quarter, is refused "
        "unless --allow-removals is given."
    )
    paths_help = "Fee files or quarter folders."
    name_help = (
        "Quarter such as 2025-apr, for a file whose title rows give none "
        "(default: from the title rows, or the folder name)."
    )
    data_dir_setting = "DMEPOS_DATA_DIR"
    failures = (dmepos.FeeFileError, guard.RemovalRefused)
    guards_removals = True

    def handle(self, *args, paths, quarter, dry_run, allow_removals, all, **options):
        if quarter and not dmepos.QUARTER_NAME.fullmatch(quarter):
            raise CommandError(f"--quarter {quarter!r} is not a name like 2025-apr")
        try:
            jobs = self.jobs(paths, quarter, every_folder=all)
        except dmepos.FeeFileError as exc:
            raise CommandError(f"{NOTHING_CHANGED} {exc}") from exc
        if all and not paths and not jobs:
            self.log(f"No DMEPOS fee files under {self.data_dir}.")
            return
        if not jobs:
            raise self.no_sources()
        with self.progress(jobs, desc="DMEPOS fee files", unit=" files") as bar:
            for path, name in bar:
                bar.set_postfix_str(path.name)
                self.import_one(path, name, dry_run, allow_removals)

    def jobs(
        self, paths: list[Path], quarter: str | None, *, every_folder: bool
    ) -> list[tuple[Path, str | None]]:
        """Each fee file to import, with the quarter it is given (None: its title's)."""
        jobs: list[tuple[Path, str | None]] = []
        for path in paths:
            if path.is_dir():
                jobs += [(f, quarter or self.folder_quarter(path)) for f in dmepos.fee_files(path)]
            else:
                jobs.append((path, quarter or self.folder_quarter(path.parent)))
        if every_folder:
            for folder in dmepos.quarter_folders(self.data_dir):
                jobs += [(f, folder.name) for f in dmepos.fee_files(folder)]
        return jobs

    @staticmethod
    def folder_quarter(folder: Path) -> str | None:
        return folder.name if dmepos.QUARTER_NAME.fullmatch(folder.name) else None

    def import_one(
        self, path: Path, quarter: str | None, dry_run: bool, allow_removals: bool
    ) -> None:
        skip = (lambda digest: False) if dry_run else dmepos_load.is_loaded
        with self.importing(path):
            parsed_files = dmepos.read_file(path, quarter, skip=skip)
            if not parsed_files:
                self.log(f"{path.name} is already loaded; unchanged.")
                return
            if dry_run:
                self.report_dry_run(parsed_files, allow_removals)
                return
            loads = dmepos_load.load_together(parsed_files, allow_removals=allow_removals)
            lines = [
                self.loaded(stats, parsed)
                for stats, parsed in zip(loads, parsed_files, strict=True)
            ]
        for line, changed in lines:
            self.summary(line, changed)

    def report_dry_run(self, parsed_files: list[dmepos.ParsedFile], allow_removals: bool) -> None:
        for parsed in parsed_files:
            self.log(f"{self.describe(parsed)}. {DRY_RUN}")
        if not allow_removals:
            for parsed in parsed_files:
                self.refuse_dry_run(dmepos_load.check_removals, parsed)

    def loaded(self, stats: dmepos_load.LoadStats, parsed: dmepos.ParsedFile) -> tuple[str, bool]:
        return (
            f"{self.describe(parsed)}; {stats.created} created, {stats.updated} "
            f"updated, {stats.unchanged} unchanged, {stats.removed} removed.",
            stats.changed,
        )

    @staticmethod
    def describe(parsed: dmepos.ParsedFile) -> str:
        return (
            f"{parsed.quarter} {parsed.dataset}: {parsed.source_name}, {parsed.row_count} rows "
            f"read, {parsed.cpt_rows_skipped} CPT rows skipped"
        )
