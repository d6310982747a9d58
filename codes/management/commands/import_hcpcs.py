import shutil
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from codes import importer
from codes.importer import guard
from codes.management.importing import DRY_RUN, ImportCommand, advance
from codes.models import Release

LIMIT_MB = importer.MAX_FILE_BYTES // (1024 * 1024)


class Command(ImportCommand):
    help = (
        "Import CMS Alpha-Numeric HCPCS releases: a CMS zip, the fixed-width ANWEB .txt, "
        "the .xlsx workbook, or a folder holding them. Each release is one transaction. "
        "A file that does not look whole (no final line end, a record cut short, UTF-8 "
        "instead of cp1252, two ANWEB files in one zip) is refused, and so is any file, zip "
        f"member or download larger than {LIMIT_MB} MB (CMS's are under 10 MB). A load that "
        f"would leave more than {guard.REMOVAL_LIMIT} codes unlisted (codes of the "
        "release as loaded now, those its nearest older release lists and had not "
        "terminated, or those its nearest newer release lists and had already added), or "
        f"that lists fewer than {guard.SHRINK_RATIO:.0%} of a neighbouring "
        "release's codes, is refused unless --allow-removals is given."
    )
    paths_help = "Release files or folders."
    dry_run_help = "Parse and report what would be added, changed and removed; write nothing."
    data_dir_setting = "HCPCS_DATA_DIR"
    folder_kind = "release folder"
    name_option = "--release"
    name_help = "Release name such as 2025-oct (default: from the file names)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--url", help="Download a CMS release zip from this address first.")
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help=(
                f"Load even when more than {guard.REMOVAL_LIMIT} codes would no "
                "longer be listed, or the release is far smaller than its neighbours."
            ),
        )
        parser.add_argument(
            "--no-warm",
            action="store_true",
            help="Do not render the pages into the page store afterwards (warm_pages).",
        )
        parser.add_argument(
            "--latest-if-empty",
            action="store_true",
            help="Import the newest release under HCPCS_DATA_DIR when the database has none.",
        )

    def handle(
        self, *args, paths, url, release, dry_run, allow_removals, all, latest_if_empty, **options
    ):
        if release and len(paths) + bool(url) > 1:
            raise CommandError("--release names one release; give one path or --url")
        sources = list(paths)
        if url:
            sources.append(self.download(url))
        if all:
            sources.extend(importer.release_folders(self.data_dir))
        if latest_if_empty:
            if Release.objects.exists():
                self.log("A release is already loaded; nothing to import.")
                return
            folders = importer.release_folders(self.data_dir)
            if not folders:
                raise CommandError(f"No CMS release found under {self.data_dir}")
            sources.append(folders[-1])
        if not sources:
            raise CommandError("Give a path, --url, --all or --latest-if-empty")
        try:
            for source in sources:
                self.import_one(source, release, dry_run, allow_removals)
        finally:
            if url:
                shutil.rmtree(sources[len(paths)].parent, ignore_errors=True)
        if not dry_run and not options["no_warm"]:
            call_command("warm_pages", verbosity=self.verbosity, stdout=self.stdout)

    def import_one(
        self, source: Path, name: str | None, dry_run: bool, allow_removals: bool
    ) -> None:
        with self.importing(source):
            files, release_name, effective = importer.identify(source, name)
            if not dry_run and importer.is_loaded(files, release_name):
                self.log(f"{release_name}: {files.record_name} is already loaded; unchanged.")
                return
            with self.progress(
                total=importer.progress_total(files),
                desc=f"Reading {files.record_name}",
                unit=" lines" if not files.is_workbook else " rows",
            ) as bar:
                parsed = importer.read_files(files, release_name, effective, progress=advance(bar))
            if dry_run:
                self.report_dry_run(parsed, allow_removals)
                return
            stats = importer.load(parsed, allow_removals=allow_removals)
        self.summary(
            f"{stats.release}: {stats.records_read} records read "
            f"({stats.procedures} procedure codes, {stats.modifiers} modifiers); "
            f"{stats.created} created, {stats.updated} updated, {stats.unchanged} unchanged"
            + (f", {stats.removed} removed" if stats.removed else "")
            + f"; {stats.notes} processing notes written.",
            stats.changed,
        )
        self.report_warnings(parsed)

    def report_dry_run(self, parsed: importer.ParsedRelease, allow_removals: bool) -> None:
        self.log(
            f"{parsed.name}: {len(parsed.records)} records read "
            f"({parsed.procedure_count} procedure codes, "
            f"{parsed.modifier_count} modifiers), "
            f"{len(parsed.notes)} processing notes. {DRY_RUN}"
        )
        changes = guard.changes(parsed)
        against = (
            f"compared with {changes.baseline} as loaded"
            if changes.baseline
            else "the database holds no release yet"
        )
        self.log(
            f"Would add {len(changes.added):,}, change {len(changes.changed):,} and remove "
            f"{len(changes.removed):,} codes, {changes.unchanged:,} unchanged ({against})."
        )
        for label, keys in (
            ("added", changes.added),
            ("changed", changes.changed),
            ("removed", changes.removed),
        ):
            if keys:
                self.log(f"  {label}: {guard.sample(keys)}")
        self.report_warnings(parsed)
        if not allow_removals:
            try:
                guard.check(parsed)
            except guard.RemovalRefused as exc:
                raise CommandError(f"Dry run: the import would be refused. {exc}") from exc

    def report_warnings(self, parsed: importer.ParsedRelease) -> None:
        if self.verbosity < 1 or not parsed.warnings:
            return
        listed = parsed.warnings[: importer.WARNINGS_LISTED]
        more = len(parsed.warnings) - len(listed)
        self.stdout.write(
            self.style.WARNING(
                f"{len(parsed.warnings)} warnings in {parsed.source_name}: values outside "
                "CMS's code tables or formats, kept as published:"
            )
        )
        for warning in listed:
            self.stdout.write(f"  {warning}")
        if more:
            self.stdout.write(f"  … and {more} more.")

    def download(self, url: str) -> Path:
        try:
            return importer.download(url)
        except importer.DownloadFailed as exc:
            raise CommandError(str(exc)) from exc
