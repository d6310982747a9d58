"""Importing CMS Alpha-Numeric HCPCS releases: find the files, parse them, load them.

Three steps, one module each, in the order an import runs them:

* `locate` finds what a release consists of (the ANWEB .txt or .xlsx record file and
  its proc_notes file, loose, in CMS's zip, or in a folder of either) and reads it
  within bounds. No Django.
* `parse` turns those bytes into `CodeRecord`s and processing notes: pure Python, no
  Django, unit-tested on bytes a test builds. Every problem raises `ImportFailure`
  naming the file and the line or row.
* `load` writes one release in one transaction, after `guard` has checked that it
  removes no codes by accident; loading identical data again writes nothing. Its bulk
  writes are raw SQL, kept in `bulk` with the reason why.

The names below are the importer's interface (`importer.read_release(path)`, then
`importer.load(parsed)`); they shadow the submodules of the same name, which are
imported by their full path (`from codes.importer.bulk import record_columns
from codes.importer.load import ...`).
"""

from codes.importer.bulk import record_columns
from codes.importer.load import ImportStats, is_loaded, load, refresh_current, remove_release
from codes.importer.locate import (
    MONTHS,
    DownloadFailed,
    choose_record_file,
    download,
    identify,
    locate,
    parse_release_name,
    read_release,
    release_folders,
    release_name_for,
)
from codes.importer.parse import (
    MAX_FILE_BYTES,
    WARNINGS_LISTED,
    CodeRecord,
    ImportFailure,
    ParsedRelease,
    ReleaseFiles,
    parse,
    parse_notes,
    parse_text,
    parse_workbook,
    progress_total,
    read_files,
    record_warnings,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MONTHS",
    "WARNINGS_LISTED",
    "CodeRecord",
    "DownloadFailed",
    "ImportFailure",
    "ImportStats",
    "ParsedRelease",
    "ReleaseFiles",
    "choose_record_file",
    "download",
    "identify",
    "is_loaded",
    "load",
    "locate",
    "parse",
    "parse_notes",
    "parse_release_name",
    "parse_text",
    "parse_workbook",
    "progress_total",
    "read_files",
    "read_release",
    "record_columns",
    "record_warnings",
    "refresh_current",
    "release_folders",
    "release_name_for",
    "remove_release",
]
