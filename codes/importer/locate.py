"""Finding what a release consists of: folders, CMS zips, file names, bounded reading.

`locate(path)` finds the record file (the fixed-width ANWEB .txt, or the .xlsx workbook
when there is no .txt) and its proc_notes file, whether they are given loose, inside the
zip CMS ships, or in a folder of either, and reads them into memory. Reading is bounded
(`MAX_FILE_BYTES`) so a zip bomb or a huge download is refused before it is inflated.
No Django here either.
"""

from __future__ import annotations

import copy
import http.client
import io
import re
import shutil
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from codes.importer.parse import (
    LIMIT_TEXT,
    MAX_FILE_BYTES,
    ImportFailure,
    ParsedRelease,
    Progress,
    ReleaseFiles,
    no_progress,
    read_files,
    too_large,
)

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
RECORD_FILE = re.compile(r"ANWEB[^/]*\.(txt|xlsx)$", re.IGNORECASE)
# CMS ships corrections in the record layout, named ..._ANWEB_Corrections_...: not a release.
CORRECTIONS_FILE = re.compile(r"correction", re.IGNORECASE)
NOTES_FILE = re.compile(r"proc_notes[^/]*\.txt$", re.IGNORECASE)


def locate(path: Path) -> ReleaseFiles:
    """Find the record file and processing notes of the release at `path`."""
    path = Path(path)
    if not path.exists():
        raise ImportFailure(str(path), "no such file or folder")
    if path.is_dir():
        return _locate_in_folder(path)
    suffix = path.suffix.lower()
    if suffix not in {".txt", ".xlsx"} and zipfile.is_zipfile(path):
        found = _locate_in_zip(path)
        if found is None:
            raise ImportFailure(path.name, "the zip holds no ANWEB .txt or .xlsx record file")
        return found
    if suffix not in {".txt", ".xlsx"}:
        raise ImportFailure(path.name, "expected a CMS zip, an ANWEB .txt or an .xlsx workbook")
    files = ReleaseFiles(path.name, read_bounded(path), origin=str(path))
    for sibling in sorted(path.parent.glob("*")):
        if NOTES_FILE.search(sibling.name) and sibling.is_file():
            files.notes_name, files.notes_bytes = sibling.name, read_bounded(sibling)
    return files


def choose_record_file(names: Iterable[str], where: str) -> str | None:
    """The one ANWEB record file among `names` (the .txt when there is one), or None.

    Two record files of the same kind are refused rather than one picked by its name: a
    partial copy beside the real file would otherwise be loaded, or be ignored, by chance.
    """
    candidates = [
        name
        for name in names
        if RECORD_FILE.search(name)
        and not CORRECTIONS_FILE.search(name)
        and not _is_resource_fork(name)
    ]
    texts = [name for name in candidates if name.lower().endswith(".txt")]
    chosen = sorted(texts or candidates)
    if len(chosen) > 1:
        raise ImportFailure(
            where,
            f"holds {len(chosen)} ANWEB record files ({', '.join(chosen)}); a release has "
            "one. Keep only the file to import",
        )
    return chosen[0] if chosen else None


def _is_resource_fork(name: str) -> bool:
    """macOS archivers add __MACOSX/._NAME copies of each file's metadata."""
    return name.startswith("__MACOSX/") or Path(name).name.startswith("._")


def _locate_in_zip(path: Path) -> ReleaseFiles | None:
    with open_zip(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        record_name = choose_record_file(names, path.name)
        if record_name is None:
            return None
        files = ReleaseFiles(
            record_name,
            read_member(archive, record_name, path.name),
            origin=f"{path.name}:{record_name}",
        )
        _add_notes_from_zip(files, archive, path.name)
        return files


def _add_notes_from_zip(files: ReleaseFiles, archive: zipfile.ZipFile, zip_name: str) -> None:
    note_names = [n for n in archive.namelist() if NOTES_FILE.search(n)]
    if note_names:
        files.notes_name = note_names[0]
        files.notes_bytes = read_member(archive, note_names[0], zip_name)


def _locate_in_folder(folder: Path) -> ReleaseFiles:
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    zips = [p for p in entries if p.suffix.lower() == ".zip"]
    found: ReleaseFiles | None = None
    for archive in zips:
        found = _locate_in_zip(archive)
        if found:
            break
    if found is None:
        loose = choose_record_file([p.name for p in entries], str(folder))
        if loose:
            found = locate(folder / loose)
    if found is None:
        raise ImportFailure(str(folder), "no ANWEB .txt, .xlsx or CMS zip in this folder")
    if found.notes_bytes is None:
        for candidate in entries:
            if NOTES_FILE.search(candidate.name):
                found.notes_name, found.notes_bytes = candidate.name, read_bounded(candidate)
            elif candidate.suffix.lower() == ".zip":
                with open_zip(candidate) as notes_zip:
                    _add_notes_from_zip(found, notes_zip, candidate.name)
    return found


def read_bounded(path: Path) -> bytes:
    """A file's bytes, refused without reading when larger than MAX_FILE_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailure(path.name, too_large(f"the file is {size:,} bytes"))
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportFailure(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailure(path.name, too_large("the file grew past the bound while read"))
    return data


@contextmanager
def open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """A zip opened from disk (its directory only: members are inflated when read)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailure(path.name, too_large(f"the zip is {size:,} bytes"))
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFailure(path.name, f"not a readable zip ({exc})") from exc
    with archive:
        yield archive


def read_member(archive: zipfile.ZipFile, name: str, zip_name: str) -> bytes:
    """A zip member's bytes, refused before inflating when it would exceed MAX_FILE_BYTES.

    The size the zip declares is checked first; the read itself stops within a megabyte
    past the bound, so a member whose declared size lies still cannot fill memory.
    """
    where = f"{zip_name}: {name}"
    info = archive.getinfo(name)
    if info.file_size > MAX_FILE_BYTES:
        raise ImportFailure(where, too_large(f"the member inflates to {info.file_size:,} bytes"))
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            # A megabyte at a time: zipfile inflates as much as it is asked for before
            # trimming to the declared size, so one large read of a lying member would
            # inflate that much.
            while chunk := member.read(1 << 20):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise ImportFailure(where, too_large("the member inflates past the bound"))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError is one of its subclasses
        # (a compression method zipfile lacks).
        raise ImportFailure(where, f"cannot be read from the zip ({exc})") from exc
    return b"".join(chunks)


def check_workbook_parts(files: ReleaseFiles) -> None:
    """Refuse an .xlsx record file whose parts really inflate past MAX_FILE_BYTES in all.

    python-calamine inflates a part to its end whatever size the workbook declares for it,
    so the parts are inflated here first, a megabyte at a time and counted, each through a
    copy of its entry that declares the bound (zipfile stops at the declared size). CMS's
    record workbooks inflate to under 16 MB.
    """
    if files.is_workbook:
        check_workbook_bytes(files.record_bytes, files.record_name)


def check_workbook_bytes(data: bytes, name: str) -> None:
    """Refuse the .xlsx workbook `data` (named `name`) when its parts inflate past the bound."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportFailure(name, f"not a readable .xlsx workbook ({exc})") from exc
    inflated = 0
    with archive:
        for info in archive.infolist():
            where = f"{name}: {info.filename}"
            probe = copy.copy(info)
            probe.file_size = MAX_FILE_BYTES + 1
            try:
                with archive.open(probe) as part:
                    while chunk := part.read(1 << 20):
                        inflated += len(chunk)
                        if inflated > MAX_FILE_BYTES:
                            raise ImportFailure(
                                where, too_large("the workbook inflates past the bound here")
                            )
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
                raise ImportFailure(where, f"cannot be read from the workbook ({exc})") from exc


def release_name_for(files: ReleaseFiles, path: Path) -> tuple[str, date]:
    """Derive `2025-oct` and its effective date from the folder or file names CMS uses."""
    candidates = [Path(path).name, Path(path).parent.name, files.record_name, files.origin]
    for text in candidates:
        match = re.search(r"(20\d\d)-(" + "|".join(MONTHS) + r")\b", text, re.IGNORECASE)
        if match:
            return _name_and_date(int(match.group(1)), match.group(2))
    for text in candidates:
        match = re.search(r"HCPC(?:S)?(20\d\d|\d\d)_(" + "|".join(MONTHS) + r")", text, re.I)
        if match:
            return _name_and_date(_full_year(match.group(1)), match.group(2))
    for text in candidates:
        # Annual files (HCPC2019_CONTR_ANWEB, HCPC17_CONTR_ANWEB) take effect in January.
        match = re.search(r"HCPC(?:S)?(20\d\d|\d\d)_", text, re.I) or re.search(
            r"\b(20\d\d)-Alpha-Numeric", text, re.I
        )
        if match:
            return _name_and_date(_full_year(match.group(1)), "jan")
    raise ImportFailure(files.record_name, "cannot tell which release this is; pass --release")


def _full_year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def _name_and_date(year: int, month: str) -> tuple[str, date]:
    month = month.lower()
    return f"{year}-{month}", date(year, MONTHS.index(month) + 1, 1)


def parse_release_name(name: str) -> tuple[str, date]:
    match = re.fullmatch(r"(20\d\d)-(" + "|".join(MONTHS) + ")", name.strip().lower())
    if not match:
        raise ImportFailure(name, "a release name looks like 2025-oct")
    return _name_and_date(int(match.group(1)), match.group(2))


def identify(path: Path, name: str | None = None) -> tuple[ReleaseFiles, str, date]:
    """The files of the release at `path`, its name and its effective date."""
    files = locate(path)
    check_workbook_parts(files)
    release_name, effective = parse_release_name(name) if name else release_name_for(files, path)
    return files, release_name, effective


def read_release(
    path: Path, name: str | None = None, progress: Progress = no_progress
) -> ParsedRelease:
    """Locate and parse a whole release; raises ImportFailure on any problem."""
    return read_files(*identify(path, name), progress=progress)


def release_folders(data_dir: Path) -> list[Path]:
    """Release folders (named like 2025-oct, not empty), oldest first.

    A folder is not read here: one whose files are not a whole release fails its import
    with the reason, rather than being skipped without a word.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    found = []
    for folder in data_dir.iterdir():
        if not folder.is_dir() or not any(entry.is_file() for entry in folder.iterdir()):
            continue
        try:
            _, effective = parse_release_name(folder.name)
        except ImportFailure:
            continue
        found.append((effective, folder))
    return [folder for _, folder in sorted(found)]


class DownloadFailed(Exception):
    """A release could not be downloaded; the message says why."""


class _DownloadTooLarge(Exception):
    pass


def download(url: str) -> Path:
    """Fetch `url` into a new temporary folder, refusing more than MAX_FILE_BYTES.

    The caller removes the folder (the returned file's parent) when done with it.
    """
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed("--url must be an http(s) address")
    target = Path(tempfile.mkdtemp(prefix="hcpcs-")) / (url.rsplit("/", 1)[-1] or "release.zip")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, target.open("wb") as out:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > MAX_FILE_BYTES:
                raise _DownloadTooLarge(f"it announces {declared:,} bytes")
            received = 0
            while chunk := response.read(1 << 16):
                received += len(chunk)
                if received > MAX_FILE_BYTES:
                    raise _DownloadTooLarge("it sent more than that")
                out.write(chunk)
    except _DownloadTooLarge as exc:
        shutil.rmtree(target.parent, ignore_errors=True)
        raise DownloadFailed(
            f"Refused to download {url}: {exc}, and an import reads at most {LIMIT_TEXT} "
            "(CMS's files are under 10 MB)."
        ) from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        shutil.rmtree(target.parent, ignore_errors=True)
        raise DownloadFailed(f"Could not download {url}: {str(exc) or type(exc).__name__}") from exc
    return target
