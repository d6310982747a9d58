from pathlib import Path

from django.core.management.base import CommandError

from codes.management.importing import DRY_RUN, ImportCommand, advance
from codes.payments import asp, guard, tables


class Command(ImportCommand):
    help = (
        "Import CMS Medicare Part B drug files: the ASP pricing file, the ASP NDC-HCPCS "
        "crosswalk and the NOC pricing and crosswalk files, as .csv, .xlsx, .xls, a zip, or a "
        "quarter's folder of them. Each file (a zip with all it holds) is one transaction. "
        f"A table that would drop more than {guard.REMOVAL_LIMIT} of the rows its quarter has "
        f"loaded, or that holds fewer than {guard.SHRINK_RATIO:.0%} of the rows of the nearest "
        "loaded quarter, is refused unless --allow-removals is given."
    )
    paths_help = "Files or quarter folders."
    name_help = "Quarter name such as 2025-oct (default: the file's title rows)."
    data_dir_setting = "ASP_DATA_DIR"
    failures = (tables.TableError, guard.RemovalRefused)
    guards_removals = True

    def handle(self, *args, paths, quarter, dry_run, allow_removals, all, **options):
        if quarter and len(paths) != 1:
            raise CommandError("--quarter names one quarter; give one path")
        sources = list(paths)
        if all:
            found = asp.datasets_under(self.data_dir)
            if not found and not paths:
                # Drug pricing is optional: a site may run on HCPCS releases alone.
                self.log(f"No ASP quarter folder under {self.data_dir}.")
                return
            sources.extend(found)
        if not sources:
            raise self.no_sources()
        # Every file is read before anything is written, so a bad one changes nothing.
        parsed = []
        for path in sources:
            parsed.extend(self.read(path, quarter, dry_run))
        if dry_run:
            for dataset in parsed:
                self.log(
                    f"{dataset.label}: {len(dataset.rows)} rows read "
                    f"({dataset.cpt_rows_skipped} CPT rows skipped). {DRY_RUN}"
                )
            if not allow_removals:
                for dataset in parsed:
                    self.refuse_dry_run(asp.check_removals, dataset)
            return
        by_file: dict[str, list] = {}
        for dataset in parsed:
            by_file.setdefault(dataset.file_sha256, []).append(dataset)
        for datasets in by_file.values():
            with self.importing(datasets[0].source_name):
                results = asp.load_file(datasets, allow_removals=allow_removals)
            for result, line in zip(results, asp.summary(results), strict=True):
                self.summary(line, result.changed)

    def read(self, path: Path, quarter: str | None, dry_run: bool) -> list:
        with self.importing(path):
            if not dry_run and asp.is_loaded(path):
                self.log(f"{path.name}: already loaded; unchanged.")
                return []
            with self.progress(desc=f"Reading {path.name}", unit=" rows") as bar:
                return asp.read(path, quarter, progress=advance(bar))
