import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from codes import importer
from codes.models import Release


class Command(BaseCommand):
    help = (
        "Import CMS Alpha-Numeric HCPCS releases: a CMS zip, the fixed-width ANWEB .txt, "
        "the .xlsx workbook, or a folder holding them. Each release is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Release files or folders.")
        parser.add_argument("--url", help="Download a CMS release zip from this address first.")
        parser.add_argument(
            "--release", help="Release name such as 2025-oct (default: from the file names)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Import every release folder under HCPCS_DATA_DIR, oldest first.",
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
        self, *args, paths, url, release, dry_run, all, latest_if_empty, verbosity, **options
    ):
        if release and len(paths) + bool(url) > 1:
            raise CommandError("--release names one release; give one path or --url")
        sources = list(paths)
        if url:
            sources.append(self.download(url))
        if all:
            sources.extend(release_folders(settings.HCPCS_DATA_DIR))
        if latest_if_empty:
            if Release.objects.exists():
                self.log(verbosity, "A release is already loaded; nothing to import.")
                return
            folders = release_folders(settings.HCPCS_DATA_DIR)
            if not folders:
                raise CommandError(f"No CMS release found under {settings.HCPCS_DATA_DIR}")
            sources.append(folders[-1])
        if not sources:
            raise CommandError("Give a path, --url, --all or --latest-if-empty")
        try:
            for source in sources:
                self.import_one(source, release, dry_run, verbosity)
        finally:
            if url:
                shutil.rmtree(sources[len(paths)].parent, ignore_errors=True)
        if not dry_run and not options["no_warm"]:
            call_command("warm_pages", verbosity=verbosity, stdout=self.stdout)

    def import_one(self, source: Path, name: str | None, dry_run: bool, verbosity: int) -> None:
        try:
            files, release_name, effective = importer.identify(source, name)
            if not dry_run and importer.is_loaded(files, release_name):
                self.log(
                    verbosity, f"{release_name}: {files.record_name} is already loaded; unchanged."
                )
                return
            with tqdm(
                total=importer.progress_total(files),
                desc=f"Reading {files.record_name}",
                unit=" lines" if not files.is_workbook else " rows",
                disable=verbosity < 1 or not sys.stderr.isatty(),
                file=sys.stderr,
            ) as bar:
                parsed = importer.read_files(files, release_name, effective, progress=bar.update)
            if dry_run:
                self.log(
                    verbosity,
                    f"{parsed.name}: {len(parsed.records)} records read "
                    f"({parsed.procedure_count} procedure codes, "
                    f"{parsed.modifier_count} modifiers), "
                    f"{len(parsed.notes)} processing notes. Dry run: nothing written.",
                )
                return
            stats = importer.load(parsed)
        except importer.ImportFailure as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc
        summary = (
            f"{stats.release}: {stats.records_read} records read "
            f"({stats.procedures} procedure codes, {stats.modifiers} modifiers); "
            f"{stats.created} created, {stats.updated} updated, {stats.unchanged} unchanged"
            + (f", {stats.removed} removed" if stats.removed else "")
            + f"; {stats.notes} processing notes written."
        )
        if verbosity >= 1:
            style = self.style.SUCCESS if stats.changed else self.style.NOTICE
            self.stdout.write(style(summary))

    def log(self, verbosity: int, message: str) -> None:
        if verbosity >= 1:
            self.stdout.write(message)

    def download(self, url: str) -> Path:
        if not url.startswith(("https://", "http://")):
            raise CommandError("--url must be an http(s) address")
        target = Path(tempfile.mkdtemp(prefix="hcpcs-")) / (url.rsplit("/", 1)[-1] or "release.zip")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, target.open("wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
        except OSError as exc:
            shutil.rmtree(target.parent, ignore_errors=True)
            raise CommandError(f"Could not download {url}: {exc}") from exc
        return target


def release_folders(data_dir: Path) -> list[Path]:
    """Release folders (named like 2025-oct) that hold a record file, oldest first."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    found = []
    for folder in data_dir.iterdir():
        if not folder.is_dir():
            continue
        try:
            _, effective = importer.parse_release_name(folder.name)
            importer.locate(folder)
        except importer.ImportFailure:
            continue
        found.append((effective, folder))
    return [folder for _, folder in sorted(found)]
