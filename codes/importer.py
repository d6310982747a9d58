"""Reading CMS Alpha-Numeric HCPCS releases and loading them into the database.

The importer is two pure steps and one transactional one:

* `locate(path)` finds what a release consists of: the record file (the fixed-width
  ANWEB .txt, or the .xlsx workbook when there is no .txt) and its proc_notes file,
  whether they are given loose, inside the zip CMS ships, or in a folder of either.
* `parse_text` / `parse_workbook` turn the record file into `CodeRecord`s, one per code
  or modifier, with continuation lines joined; `parse_notes` reads the processing notes.
  Every problem raises `ImportFailure` naming the file and the line or row.
* `load(parsed)` writes one release inside one transaction: each
  record's version for that release, then the current state of every code it touches,
  then the search index. Loading the same data twice writes nothing.

Facts the parser relies on (record layouts 2017-2026 and the files themselves): text is
cp1252; disclaimer lines may precede the records, so records are recognised by their
record id in column 11, not by line number; lines may be shorter than 320 characters
(trailing blanks trimmed), so they are padded before slicing; workbooks put their header
on any row and store a few cells as numbers.

A file that does not look whole is refused rather than loaded as a smaller release: CMS's
.txt files end with CRLF and carry every first line through column 293, so a file cut
short shows. Reading is bounded (`MAX_FILE_BYTES`) so a zip bomb or a huge download is
refused before it is inflated. Values outside CMS's code tables and unparseable dates are
kept as published and reported as warnings (`ParsedRelease.warnings`).
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from django.db import connection, transaction

from codes.reference import CODE_TABLES, FIELD_DOCS

RECORD_LENGTH = 320
# A first line (record id 3 or 7) carries data through the action code, column 293.
FIRST_LINE_MINIMUM = 293
# The most an import reads of one file, zip member or download. CMS's files are under
# 10 MB (the largest, 2025-jan's ANWEB .txt, is 5.1 MB; a workbook's sheet inflates to
# 14.4 MB), so 50 MB leaves room for growth while keeping memory bounded.
MAX_FILE_BYTES = 50 * 1024 * 1024
# How many warnings a summary lists one by one (the count is always given).
WARNINGS_LISTED = 20
FIRST_LINE_IDS = {"3": "procedure", "7": "modifier"}
CONTINUATION_IDS = {"4": "procedure", "8": "modifier"}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

# (column, first position, last position), 1-based inclusive, from the record layout.
TEXT_LAYOUT: list[tuple[str, int, int]] = [
    ("pricing_indicator_1", 120, 121),
    ("pricing_indicator_2", 122, 123),
    ("pricing_indicator_3", 124, 125),
    ("pricing_indicator_4", 126, 127),
    ("multiple_pricing_indicator", 128, 128),
    ("cim_reference_1", 129, 134),
    ("cim_reference_2", 135, 140),
    ("cim_reference_3", 141, 146),
    ("mcm_reference_1", 147, 154),
    ("mcm_reference_2", 155, 162),
    ("mcm_reference_3", 163, 170),
    ("statute", 171, 180),
    *[(f"lab_certification_{n}", 181 + 3 * (n - 1), 183 + 3 * (n - 1)) for n in range(1, 9)],
    *[(f"cross_reference_{n}", 205 + 5 * (n - 1), 209 + 5 * (n - 1)) for n in range(1, 6)],
    ("coverage_code", 230, 230),
    ("asc_group", 231, 232),
    ("asc_effective_date", 233, 240),
    ("opps_group", 241, 243),
    ("opps_indicator", 244, 244),
    ("opps_effective_date", 245, 252),
    ("processing_note", 253, 256),
    ("betos_code", 257, 259),
    *[(f"type_of_service_{n}", 260 + n, 260 + n) for n in range(1, 6)],
    ("anesthesia_base_units", 266, 268),
    ("date_added", 269, 276),
    ("action_effective_date", 277, 284),
    ("termination_date", 285, 292),
    ("action_code", 293, 293),
]

# Workbook column heading -> record column.
WORKBOOK_COLUMNS: dict[str, str] = {
    "HCPC": "code",
    "SEQNUM": "sequence_number",
    "RECID": "record_id",
    "LONG DESCRIPTION": "long_description",
    "SHORT DESCRIPTION": "short_description",
    **{f"PRICE{n}": f"pricing_indicator_{n}" for n in range(1, 5)},
    "MULT_PI": "multiple_pricing_indicator",
    **{f"CIM{n}": f"cim_reference_{n}" for n in range(1, 4)},
    **{f"MCM{n}": f"mcm_reference_{n}" for n in range(1, 4)},
    "STATUTE": "statute",
    **{f"LABCERT{n}": f"lab_certification_{n}" for n in range(1, 9)},
    **{f"XREF{n}": f"cross_reference_{n}" for n in range(1, 6)},
    "COV": "coverage_code",
    "ASC_GRP": "asc_group",
    "ASC_DT": "asc_effective_date",
    "OPPS": "opps_group",
    "OPPS_PI": "opps_indicator",
    "OPPS_DT": "opps_effective_date",
    "PROCNOTE": "processing_note",
    "BETOS": "betos_code",
    **{f"TOS{n}": f"type_of_service_{n}" for n in range(1, 6)},
    "ANEST_BU": "anesthesia_base_units",
    "ADD DT": "date_added",
    "ACT EFF DT": "action_effective_date",
    "TERM DT": "termination_date",
    "ACTION CD": "action_code",
}

DATE_COLUMNS = {
    "asc_effective_date",
    "opps_effective_date",
    "date_added",
    "action_effective_date",
    "termination_date",
}
# Numeric workbook cells lose their leading zeros; these coded columns get them back.
ZERO_PADDED_WIDTHS = {
    **{f"pricing_indicator_{n}": 2 for n in range(1, 5)},
    **{f"lab_certification_{n}": 3 for n in range(1, 9)},
    "opps_group": 3,
    "processing_note": 4,
}

RECORD_FILE = re.compile(r"ANWEB[^/]*\.(txt|xlsx)$", re.IGNORECASE)
# CMS ships corrections in the record layout, named ..._ANWEB_Corrections_...: not a release.
CORRECTIONS_FILE = re.compile(r"correction", re.IGNORECASE)
NOTES_FILE = re.compile(r"proc_notes[^/]*\.txt$", re.IGNORECASE)
NOTE_START = re.compile(r"^\s*(\d{4})--(.*)$")


class ImportFailure(Exception):
    """A release file that cannot be imported; the message names the file and place."""

    def __init__(self, source: str, message: str, line: int | None = None, unit: str = "line"):
        self.source = source
        self.line = line
        where = f"{source}, {unit} {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


# A named tuple, not a frozen dataclass: as immutable, but built in one step, where a
# frozen dataclass sets each of its 50 fields through object.__setattr__ (a tenth of an
# import's time).
class CodeRecord(NamedTuple):
    """One procedure code or modifier as a release file gives it (text exactly as read)."""

    kind: str
    code: str
    sequence_number: str
    long_description: str
    short_description: str
    source_line: int
    pricing_indicator_1: str = ""
    pricing_indicator_2: str = ""
    pricing_indicator_3: str = ""
    pricing_indicator_4: str = ""
    multiple_pricing_indicator: str = ""
    cim_reference_1: str = ""
    cim_reference_2: str = ""
    cim_reference_3: str = ""
    mcm_reference_1: str = ""
    mcm_reference_2: str = ""
    mcm_reference_3: str = ""
    statute: str = ""
    lab_certification_1: str = ""
    lab_certification_2: str = ""
    lab_certification_3: str = ""
    lab_certification_4: str = ""
    lab_certification_5: str = ""
    lab_certification_6: str = ""
    lab_certification_7: str = ""
    lab_certification_8: str = ""
    cross_reference_1: str = ""
    cross_reference_2: str = ""
    cross_reference_3: str = ""
    cross_reference_4: str = ""
    cross_reference_5: str = ""
    coverage_code: str = ""
    asc_group: str = ""
    asc_effective_date: date | None = None
    opps_group: str = ""
    opps_indicator: str = ""
    opps_effective_date: date | None = None
    processing_note: str = ""
    betos_code: str = ""
    type_of_service_1: str = ""
    type_of_service_2: str = ""
    type_of_service_3: str = ""
    type_of_service_4: str = ""
    type_of_service_5: str = ""
    anesthesia_base_units: int | None = None
    date_added: date | None = None
    action_effective_date: date | None = None
    termination_date: date | None = None
    action_code: str = ""
    unparsed: Mapping[str, str] = MappingProxyType({})

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.code)

    def values(self) -> dict:
        """The record's model columns (everything but where it was read)."""
        return {name: getattr(self, name) for name in _VALUE_NAMES}


_FIELD_NAMES = CodeRecord._fields
_VALUE_NAMES = tuple(name for name in _FIELD_NAMES if name != "source_line")
_KEY = attrgetter("kind", "code")
# The parsers fill a list laid out like CodeRecord's fields (but `unparsed`, which
# `_typed` appends) and build the record from it positionally.
_SLOTS = _FIELD_NAMES[:-1]
_KIND, _CODE, _LONG, _SOURCE_LINE = (
    _SLOTS.index(n) for n in ("kind", "code", "long_description", "source_line")
)
_UNITS = _SLOTS.index("anesthesia_base_units")
_DATE_SLOTS = tuple((i, name) for i, name in enumerate(_SLOTS) if name in DATE_COLUMNS)


@dataclass
class ReleaseFiles:
    """What a release consists of, read into memory."""

    record_name: str
    record_bytes: bytes
    notes_name: str | None = None
    notes_bytes: bytes | None = None
    origin: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.record_bytes).hexdigest()

    @property
    def is_workbook(self) -> bool:
        return self.record_name.lower().endswith(".xlsx")


@dataclass
class ParsedRelease:
    name: str
    effective_date: date
    source_name: str
    sha256: str
    records: list[CodeRecord]
    notes: dict[str, str] = field(default_factory=dict)
    # Values kept as published that CMS's layout does not allow, each with its line.
    warnings: list[str] = field(default_factory=list)

    @property
    def procedure_count(self) -> int:
        return sum(1 for r in self.records if r.kind == "procedure")

    @property
    def modifier_count(self) -> int:
        return sum(1 for r in self.records if r.kind == "modifier")


@dataclass
class ImportStats:
    release: str
    records_read: int = 0
    procedures: int = 0
    modifiers: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    notes: int = 0
    release_created: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.release_created)


Progress = Callable[[int], None]


def _no_progress(_: int) -> None:
    return None


# Locating the files of a release -------------------------------------------------------


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
    with _open_zip(path) as archive:
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
                with _open_zip(candidate) as archive:
                    _add_notes_from_zip(found, archive, candidate.name)
    return found


# Reading within bounds ------------------------------------------------------------------

_LIMIT_TEXT = f"{MAX_FILE_BYTES // (1024 * 1024)} MB"


def _too_large(size_text: str) -> str:
    return (
        f"{size_text}, more than the {_LIMIT_TEXT} an import reads (CMS's files are under "
        "10 MB); refused before reading it"
    )


def read_bounded(path: Path) -> bytes:
    """A file's bytes, refused without reading when larger than MAX_FILE_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailure(path.name, _too_large(f"the file is {size:,} bytes"))
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportFailure(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailure(path.name, _too_large("the file grew past the bound while read"))
    return data


@contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """A zip opened from disk (its directory only: members are inflated when read)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailure(path.name, _too_large(f"the zip is {size:,} bytes"))
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
        raise ImportFailure(where, _too_large(f"the member inflates to {info.file_size:,} bytes"))
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            # A megabyte at a time: zipfile inflates as much as it is asked for before
            # trimming to the declared size, so one large read of a lying member would
            # inflate that much.
            while chunk := member.read(1 << 20):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise ImportFailure(where, _too_large("the member inflates past the bound"))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError is one of its subclasses
        # (a compression method zipfile lacks).
        raise ImportFailure(where, f"cannot be read from the zip ({exc})") from exc
    return b"".join(chunks)


def check_workbook_size(data: bytes, source: str) -> None:
    """Refuse a workbook whose parts inflate past MAX_FILE_BYTES (an .xlsx is a zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = [(info.file_size, info.filename) for info in archive.infolist()]
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportFailure(source, f"not a readable .xlsx workbook ({exc})") from exc
    largest, part = max(sizes, default=(0, ""))
    if largest > MAX_FILE_BYTES:
        raise ImportFailure(
            f"{source}: {part}", _too_large(f"the workbook part inflates to {largest:,} bytes")
        )


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


# Parsing -------------------------------------------------------------------------------


def parse(files: ReleaseFiles, progress: Progress = _no_progress) -> list[CodeRecord]:
    if files.is_workbook:
        read, records_of = _workbook_rows, _workbook_records
    else:
        read, records_of = decode_cp1252, _text_records
    # The file's rows or lines, then the records made of them.
    contents = read(files.record_bytes, files.record_name)
    with _cycle_collection_paused():
        records = list(records_of(contents, files.record_name, progress))
        if not records:
            raise ImportFailure(
                files.record_name, "no HCPCS records found (is this an ANWEB file?)"
            )
        _check_unique(records, files)
    return records


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while records are built and written.

    Parsing and loading allocate tens of thousands of lists and tuples that form no
    reference cycles, yet each batch of allocations sets the collector traversing them,
    and about once an import every other object alive too (30-60 ms a full pass): some
    50 ms of a 0.5 s import, finding nothing. Reference counting frees memory as usual
    meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_unique(records: list[CodeRecord], files: ReleaseFiles) -> None:
    keys = list(map(_KEY, records))
    if len(set(keys)) == len(keys):
        return
    unit = "row" if files.is_workbook else "line"
    seen: dict[tuple[str, str], int] = {}
    for key, record in zip(keys, records, strict=True):
        if key in seen:
            raise ImportFailure(
                files.record_name,
                f"{record.kind} {record.code} appears again (first at {unit} {seen[key]})",
                record.source_line,
                unit,
            )
        seen[key] = record.source_line


def decode_cp1252(data: bytes, source: str) -> list[str]:
    """Lines of a cp1252 file; a byte cp1252 does not define fails with its line, and so
    does a file that is UTF-8 (read as cp1252 it would give wrong characters)."""
    _refuse_utf8(data, source)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailure(
            source, f"byte 0x{data[exc.start]:02X} is not valid cp1252 text", line
        ) from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFailure(source, "NUL byte: this is not a CMS text file", line)
    return text.split("\n")


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _refuse_utf8(data: bytes, source: str) -> None:
    """A file with non-ASCII bytes that all form valid UTF-8 is UTF-8, not cp1252.

    CMS's non-ASCII bytes (0xA0 no-break spaces, 0x92 quotes) are never valid UTF-8
    sequences, while text re-saved as UTF-8 almost always is.
    """
    if data.startswith(codecs.BOM_UTF8):
        raise ImportFailure(
            source, "this looks like UTF-8 (it starts with a UTF-8 byte order mark)", 1
        )
    if data.isascii():
        return
    start = _NON_ASCII.search(data).start()
    try:
        # The first non-ASCII bytes decide for CMS's files; the whole file only if they
        # are valid UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(data[start : start + 4])
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    line = data.count(b"\n", 0, start) + 1
    character = data[start:].decode("utf-8")[0]
    raise ImportFailure(
        source,
        f"this looks like UTF-8, not the cp1252 CMS publishes ({character!r} is written as "
        f"the UTF-8 bytes {data[start : start + len(character.encode())].hex(' ')}); "
        "import CMS's original file",
        line,
    )


# Where a first line holds each record field (empty slices for the fields it does not
# give: kind and source line). Slicing past the end of a trimmed line gives "", as the
# blanks it lost would after stripping.
_TEXT_POSITIONS = {
    "code": (1, 5),
    "sequence_number": (6, 10),
    "long_description": (12, 91),
    "short_description": (92, 119),
    **{column: (first, last) for column, first, last in TEXT_LAYOUT},
}
_FIRST_LINE_FIELDS = itemgetter(
    *(
        slice(_TEXT_POSITIONS[name][0] - 1, _TEXT_POSITIONS[name][1])
        if name in _TEXT_POSITIONS
        else slice(0, 0)
        for name in _SLOTS
    )
)


def parse_text(data: bytes, source: str, progress: Progress = _no_progress) -> Iterator[CodeRecord]:
    """Records of a fixed-width ANWEB file, continuation lines joined."""
    return _text_records(decode_cp1252(data, source), source, progress)


def _text_records(lines: list[str], source: str, progress: Progress) -> Iterator[CodeRecord]:
    _refuse_unterminated(lines, source)
    current: list | None = None
    pieces: list[str] = []
    dates: dict[str, date | None] = {}
    for number, raw in enumerate(lines, start=1):
        progress(1)
        line = raw.rstrip("\r\n")
        if len(line) > RECORD_LENGTH:
            raise ImportFailure(
                source,
                f"line is {len(line)} characters, longer than the {RECORD_LENGTH} of the layout",
                number,
            )
        if len(line) < 11 or line[10] not in "3478" or not line[5:10].isdigit():
            if current is not None and line.strip() and line.strip() != "\x1a":
                raise ImportFailure(
                    source, "not a HCPCS record line (record id in column 11)", number
                )
            continue
        record_id = line[10]
        if record_id in FIRST_LINE_IDS:
            if current is not None:
                current[_LONG] = " ".join(filter(None, pieces))
                yield CodeRecord._make(current)
            current = _first_line_values(line, FIRST_LINE_IDS[record_id], source, number, dates)
            code_columns = line[0:5]
            pieces = [current[_LONG]]
        elif (
            current is None
            or line[0:5] != code_columns
            or current[_KIND] != CONTINUATION_IDS[record_id]
        ):
            # Only a continuation of the first line just read, code written alike, fits.
            code = _code_of(line, CONTINUATION_IDS[record_id], source, number)
            raise ImportFailure(
                source, f"continuation line for {code} follows no first line of it", number
            )
        else:
            pieces.append(line[11:91].strip())
    if current is not None:
        current[_LONG] = " ".join(filter(None, pieces))
        yield CodeRecord._make(current)


def _refuse_unterminated(lines: list[str], source: str) -> None:
    """CMS's .txt files end with a line end (CRLF); a file cut short does not."""
    if lines and lines[-1].strip("\x1a"):
        raise ImportFailure(
            source,
            "the file ends without a line end (CMS's files end with CRLF): it looks cut "
            "short, so nothing of it is imported",
            len(lines),
        )


def _code_of(line: str, kind: str, source: str, number: int) -> str:
    """The code in columns 1-5, which must fit the record id: five characters for a
    procedure, three blanks and two characters for a modifier."""
    field = line[0:5]
    code = field.strip()
    if not code:
        raise ImportFailure(source, "record has no code in columns 1-5", number)
    fits = (
        len(code) == 2 and field.startswith("   ")
        if kind == "modifier"
        else len(code) == 5 and " " not in code
    )
    if not fits:
        expected = (
            "a two-character modifier in columns 4-5"
            if kind == "modifier"
            else "a five-character code in columns 1-5"
        )
        raise ImportFailure(
            source,
            f"record id {line[10]} ({kind}) needs {expected}, but columns 1-5 hold {field!r}",
            number,
        )
    return code


def _first_line_values(line: str, kind: str, source: str, number: int, dates: dict) -> list:
    code = _code_of(line, kind, source, number)
    if len(line) < FIRST_LINE_MINIMUM:
        raise ImportFailure(
            source,
            f"record for {code} is truncated: it ends at column {len(line)}, and a first "
            f"line carries data through column {FIRST_LINE_MINIMUM}",
            number,
        )
    values = list(map(str.strip, _FIRST_LINE_FIELDS(line)))
    values[_KIND] = kind
    values[_SOURCE_LINE] = number
    return _typed(values, dates)


def _typed(values: list, dates: dict[str, date | None]) -> list:
    """Dates and base units become typed values; `values` gets its `unparsed` appended.

    CMS occasionally publishes a value its own layout does not allow (2018-jan has five
    ASC dates of six digits, shifted one field left). Such text is kept verbatim in
    `unparsed` and the typed column stays empty, so nothing CMS published is lost or
    reinterpreted. `dates` remembers each date text already read: a release has a few
    hundred distinct dates among tens of thousands.
    """
    unparsed = {}
    for position, column in _DATE_SLOTS:
        text = values[position]
        if not text:
            values[position] = None
            continue
        try:
            day = dates[text]
        except KeyError:
            day = dates[text] = parse_date(text)
        values[position] = day
        if day is None:
            unparsed[column] = text
    units = values[_UNITS]
    values[_UNITS] = int(units) if units.isdigit() else None
    if units and not units.isdigit():
        unparsed["anesthesia_base_units"] = units
    values.append(unparsed)
    return values


def parse_date(text: str) -> date | None:
    """A YYYYMMDD date, or None when blank or not a valid date."""
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def parse_workbook(
    data: bytes, source: str, progress: Progress = _no_progress
) -> Iterator[CodeRecord]:
    """Records of an ANWEB workbook, whatever row its header is on."""
    return _workbook_records(_workbook_rows(data, source), source, progress)


def _workbook_records(rows: list[list], source: str, progress: Progress) -> Iterator[CodeRecord]:
    header_index, columns = _find_header(rows, source)
    # The record id takes the place of kind (and, unused, of source line) in the values.
    names = [name if name in columns else "record_id" for name in _SLOTS]
    positions = [columns[name] for name in names]
    cells_of = itemgetter(*positions)
    current: list | None = None
    dates: dict[str, date | None] = {}
    for index in range(header_index + 1, len(rows)):
        number = index + 1
        progress(1)
        row = rows[index]
        try:
            values = list(map(str.strip, cells_of(row)))
        except (IndexError, TypeError):
            # A short row, or one of the few cells stored as a number or date.
            values = [_cell_text(row, p, name) for p, name in zip(positions, names, strict=True)]
        if not any(values):
            continue
        record_id = values[_KIND]
        if record_id in CONTINUATION_IDS:
            # A workbook row with record id 4/8 carries the rest of a description that
            # did not fit in the cell before it.
            if current is None or current[_CODE] != values[_CODE]:
                raise ImportFailure(
                    source,
                    f"continuation row for {values[_CODE]} follows no first row of it",
                    number,
                    "row",
                )
            current[_LONG] = " ".join(filter(None, (current[_LONG], values[_LONG])))
            continue
        if record_id not in FIRST_LINE_IDS:
            raise ImportFailure(
                source, f"record id {record_id!r} is not 3, 4, 7 or 8", number, "row"
            )
        if current is not None:
            yield CodeRecord._make(current)
        if not values[_CODE]:
            raise ImportFailure(source, "row has no HCPC code", number, "row")
        values[_KIND] = FIRST_LINE_IDS[record_id]
        if len(values[_CODE]) != (2 if values[_KIND] == "modifier" else 5):
            raise ImportFailure(
                source,
                f"RECID {record_id} ({values[_KIND]}) does not fit the code {values[_CODE]!r}",
                number,
                "row",
            )
        values[_SOURCE_LINE] = number
        current = _typed(values, dates)
    if current is not None:
        yield CodeRecord._make(current)


def _workbook_rows(data: bytes, source: str) -> list[list]:
    from python_calamine import CalamineError, CalamineWorkbook

    check_workbook_size(data, source)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFailure(source, f"not a readable .xlsx workbook ({exc})") from exc


def _find_header(rows: list[list], source: str) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:100]):
        headings = [str(cell).strip().upper() for cell in row]
        if headings and headings[0] == "HCPC":
            missing = [h for h in WORKBOOK_COLUMNS if h not in headings]
            if missing:
                raise ImportFailure(
                    source, f"header lacks column(s) {', '.join(missing)}", index + 1, "row"
                )
            return index, {WORKBOOK_COLUMNS[h]: headings.index(h) for h in WORKBOOK_COLUMNS}
    raise ImportFailure(source, "no header row starting with HCPC in the first 100 rows")


def _cell_text(row: list, position: int, column: str) -> str:
    cell = row[position] if position < len(row) else ""
    if type(cell) is str:
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int):
        return str(cell).zfill(ZERO_PADDED_WIDTHS.get(column, 0))
    if isinstance(cell, date):
        return cell.strftime("%Y%m%d")
    return str(cell).strip()


def parse_notes(data: bytes, source: str) -> dict[str, str]:
    """Processing notes: number -> text, wrapped lines joined, the `*` margin dropped."""
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for line in decode_cp1252(data, source):
        text = line.expandtabs().rstrip().rstrip("*").strip()
        match = NOTE_START.match(text)
        if match:
            current = match.group(1)
            notes[current] = [match.group(2).strip()]
        elif current and text and not set(text) <= {"_", "-", "\x1a"}:
            notes[current].append(text)
    return {number: " ".join(parts).strip() for number, parts in notes.items()}


def identify(path: Path, name: str | None = None) -> tuple[ReleaseFiles, str, date]:
    """The files of the release at `path`, its name and its effective date."""
    files = locate(path)
    release_name, effective = parse_release_name(name) if name else release_name_for(files, path)
    return files, release_name, effective


def read_release(
    path: Path, name: str | None = None, progress: Progress = _no_progress
) -> ParsedRelease:
    """Locate and parse a whole release; raises ImportFailure on any problem."""
    return read_files(*identify(path, name), progress=progress)


def read_files(
    files: ReleaseFiles, name: str, effective: date, progress: Progress = _no_progress
) -> ParsedRelease:
    records = parse(files, progress)
    with _cycle_collection_paused():
        warnings = record_warnings(records, "row" if files.is_workbook else "line")
    notes = parse_notes(files.notes_bytes, files.notes_name) if files.notes_bytes else {}
    return ParsedRelease(
        name=name,
        effective_date=effective,
        source_name=files.record_name,
        sha256=files.sha256,
        records=records,
        notes=notes,
        warnings=warnings,
    )


def _coded_columns() -> dict[str, frozenset[str]]:
    """Record column -> the codes CMS's code table allows in it (repeated fields too)."""
    allowed = {}
    for doc in FIELD_DOCS.values():
        if doc.name == "kind" or doc.table not in CODE_TABLES:
            continue
        columns = (
            [doc.name]
            if doc.repeats == 1
            else [f"{doc.table}_{n}" for n in range(1, doc.repeats + 1)]
        )
        for column in columns:
            allowed[column] = frozenset(CODE_TABLES[doc.table])
    return allowed


_CODED_COLUMNS = _coded_columns()


def record_warnings(records: list[CodeRecord], unit: str = "line") -> list[str]:
    """Values kept verbatim that CMS's tables or formats do not allow, in file order.

    Column by column: a release holds a handful of distinct values per coded column, so
    only a column with an unknown value is walked record by record.
    """
    found: list[tuple[int, str]] = []
    for column, allowed in _CODED_COLUMNS.items():
        value_of = attrgetter(column)
        unknown = set(map(value_of, records)) - allowed - {""}
        for record in records if unknown else ():
            value = value_of(record)
            if value in unknown:
                found.append(
                    (
                        record.source_line,
                        f"{unit} {record.source_line} ({record.code}): {column} {value!r} "
                        "is not in CMS's code table; kept as published",
                    )
                )
    for record in records:
        for column, text in record.unparsed.items():
            expected = "a whole number" if column == "anesthesia_base_units" else "a YYYYMMDD date"
            found.append(
                (
                    record.source_line,
                    f"{unit} {record.source_line} ({record.code}): {column} {text!r} is not "
                    f"{expected}; kept as published",
                )
            )
    return [message for _, message in sorted(found, key=itemgetter(0))]


def progress_total(files: ReleaseFiles) -> int | None:
    """How many lines parsing steps through, for a progress bar (None: not known yet)."""
    return None if files.is_workbook else files.record_bytes.count(b"\n") + 1


def is_loaded(files: ReleaseFiles, name: str) -> bool:
    """Whether exactly this file is already loaded as this release (so importing is a no-op)."""
    from codes.models import Release

    return Release.objects.filter(
        name=name, sha256=files.sha256, source_name=files.record_name
    ).exists()


# Loading -------------------------------------------------------------------------------


def load(parsed: ParsedRelease, *, allow_removals: bool = False) -> ImportStats:
    """Write one release in one transaction; loading identical data again writes nothing.

    Unless `allow_removals`, a load that would leave codes unlisted is refused first
    (see `codes.removal_guard`).
    """
    from codes import removal_guard
    from codes.dataversion import record_change
    from codes.models import Release
    from codes.search import rebuild_index

    stats = ImportStats(
        release=parsed.name,
        records_read=len(parsed.records),
        procedures=parsed.procedure_count,
        modifiers=parsed.modifier_count,
    )
    with _cycle_collection_paused(), transaction.atomic():
        if not allow_removals:
            removal_guard.check(parsed)
        record_change()  # codes.dataversion: pages of the state before this are never served
        release, stats.release_created = Release.objects.get_or_create(
            name=parsed.name,
            defaults={
                "effective_date": parsed.effective_date,
                "source_name": parsed.source_name,
                "sha256": parsed.sha256,
                "procedure_count": stats.procedures,
                "modifier_count": stats.modifiers,
            },
        )
        _update_release_source(release, parsed, stats)
        touched = _load_versions(parsed.records, release, stats)
        stats.notes = _load_notes(parsed.notes, release)
        if stats.changed:
            refresh_current(touched)
            rebuild_index()
            refresh_statistics()
    return stats


def refresh_statistics() -> None:
    """Let PostgreSQL's planner see the rows a bulk load just wrote.

    Autovacuum only analyzes committed data some time later; until then the planner
    takes the version table for empty and joins it row by row.
    """
    from codes.models import Code, CodeVersion

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (CodeVersion, Code):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _update_release_source(release, parsed: ParsedRelease, stats: ImportStats) -> None:
    """The same release read from another file (the .xlsx after the .txt) keeps one row."""
    if stats.release_created or (release.sha256, release.source_name) == (
        parsed.sha256,
        parsed.source_name,
    ):
        return
    release.source_name, release.sha256 = parsed.source_name, parsed.sha256
    release.procedure_count, release.modifier_count = stats.procedures, stats.modifiers
    release.save()


def record_columns() -> list[str]:
    from codes.models import CmsRecord

    return CmsRecord.record_field_names()


def _load_versions(records: list[CodeRecord], release, stats: ImportStats) -> set[int]:
    """Write this release's versions; returns the ids of the codes whose versions changed."""
    from codes.models import CodeVersion

    columns = record_columns()
    row_of = attrgetter(*columns)
    keys = list(map(_KEY, records))
    code_ids, first_seen = _ensure_codes(records, keys, release, columns)
    existing = {}
    if not stats.release_created:
        existing = {
            (row[0], row[1]): row
            for row in CodeVersion.objects.filter(release=release).values_list(
                "kind", "code", "pk", "code_ref", *columns
            )
        }
    copies, written, stale_pks, touched = [], [], [], set()
    for record, key in zip(records, keys, strict=True):
        code_id = code_ids[key]
        if key in first_seen:
            # A code first seen here has no versions yet, and its row holds this record.
            copies.append((record.source_line, code_id))
            continue
        old = existing.pop(key, None)
        if old is not None and old[4:] == row_of(record):
            stats.unchanged += 1
            continue
        if old is None:
            stats.created += 1
        else:
            stats.updated += 1
            stale_pks.append(old[2])
        touched.add(code_id)
        written.append(record)
    stats.created += len(copies)
    stale_pks += [old[2] for old in existing.values()]
    touched |= {old[3] for old in existing.values()}
    stats.removed = len(existing)
    for chunk in _chunks(stale_pks, 500):
        CodeVersion.objects.filter(pk__in=chunk).delete()
    _insert_many(
        CodeVersion,
        ["release_id", "code_ref_id", "source_line", *columns],
        [
            repeat(release.pk),
            [code_ids[_KEY(r)] for r in written],
            [r.source_line for r in written],
            *_record_columns(written, columns),
        ],
    )
    _copy_new_codes(columns, copies)
    return touched


def _ensure_codes(
    records: list[CodeRecord], keys: list[tuple[str, str]], release, columns: list[str]
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Ids of the Code rows for these records (keyed by `keys`), creating rows for codes
    first seen here.

    A code first seen here gets this release's values at once, so it needs no refresh.
    """
    from codes.models import Code

    select = f"SELECT kind, code, id FROM {connection.ops.quote_name(Code._meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(select)
        known = {(kind, code): pk for kind, code, pk in cursor.fetchall()}
        new_records = [r for r, key in zip(records, keys, strict=True) if key not in known]
        if new_records:
            _insert_many(
                Code,
                ["release_id", *columns],
                [repeat(release.pk), *_record_columns(new_records, columns)],
            )
            cursor.execute(f"{select} WHERE release_id = %s", [release.pk])
            first_seen = set(keys).difference(known)
            known.update(((kind, code), pk) for kind, code, pk in cursor.fetchall())
            return known, first_seen
    return known, set()


def _record_columns(records: list[CodeRecord], columns: list[str]) -> list[tuple]:
    """The records' values column by column, for `_insert_many`."""
    by_field = list(zip(*records, strict=True)) or [()] * len(_FIELD_NAMES)
    return [by_field[_FIELD_NAMES.index(column)] for column in columns]


def _copy_new_codes(columns: list[str], copies: list[tuple[int, int]]) -> None:
    """The versions of codes first seen in this release, copied from their Code rows.

    The rows were just written from the same records, so the database copies them
    instead of receiving every value a second time; only each record's line is sent.
    `copies` holds (source line, code id).
    """
    from codes.models import Code, CodeVersion

    if not copies:
        return
    quote = connection.ops.quote_name
    names = ", ".join(f"c.{quote(c)}" for c in columns)
    targets = ", ".join(quote(c) for c in ["release_id", "code_ref_id", "source_line", *columns])
    copy = (
        f"INSERT INTO {quote(CodeVersion._meta.db_table)} ({targets}) "
        f"SELECT c.{quote('release_id')}, c.{quote('id')}, lines.source_line, {names} "
        f"FROM lines JOIN {quote(Code._meta.db_table)} c ON c.{quote('id')} = lines.code_id"
    )
    # The pairs are integers read from this database and the parsed file, written into
    # the statement as numbers: one statement, however many codes are new.
    lines = ", ".join(f"({int(line)}, {int(code_id)})" for line, code_id in copies)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH lines (source_line, code_id) AS (VALUES {lines}) {copy}")


def _load_notes(notes: dict[str, str], release) -> int:
    from codes.models import ProcessingNote

    if not notes:
        return 0
    existing = dict(ProcessingNote.objects.filter(release=release).values_list("number", "text"))
    if existing == notes:
        return 0
    ProcessingNote.objects.filter(release=release).delete()
    ProcessingNote.objects.bulk_create(
        ProcessingNote(release=release, number=number, text=text) for number, text in notes.items()
    )
    return len(notes)


def refresh_current(code_ids: Iterable[int] | None = None) -> None:
    """Give codes the fields of their newest version; drop codes with no version left.

    `code_ids` limits the work to the codes an import touched (None: every code). The
    database finds each code's newest version and copies its values itself: only ids
    pass through Python, and only each code's own versions are looked at, so the cost
    hardly grows with the number of releases kept.
    """
    from codes.models import Code

    ids = list(Code.objects.values_list("pk", flat=True) if code_ids is None else code_ids)
    for chunk in _chunks(ids, 500):
        _refresh_chunk(chunk)


def _refresh_chunk(code_ids: list[int]) -> None:
    """Copy each code's newest version into its row, in the database, one statement for
    the whole chunk; rows that already hold those values are left alone."""
    from codes.models import CmsRecord, Code, CodeVersion, Release

    quote = connection.ops.quote_name
    codes, versions = quote(Code._meta.db_table), quote(CodeVersion._meta.db_table)
    names = ["release_id", *record_columns()]
    listed = ", ".join(quote(c) for c in names)
    nullable = {f.column for f in CmsRecord._meta.get_fields() if f.null}
    differs = " OR ".join(
        f"v.{name} <> {codes}.{name}"
        + (f" OR (v.{name} IS NULL) <> ({codes}.{name} IS NULL)" if c in nullable else "")
        for c, name in ((c, quote(c)) for c in names)
    )
    newest = (
        f"(SELECT nv.id FROM {versions} nv JOIN {quote(Release._meta.db_table)} nr "
        f"ON nr.id = nv.release_id WHERE nv.code_ref_id = {codes}.id "
        "ORDER BY nr.effective_date DESC LIMIT 1)"
    )
    # Ids read from the database, written into the statement as numbers.
    chunk = ", ".join(str(int(pk)) for pk in code_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {codes} SET ({listed}) = "
            f"(SELECT {listed} FROM {versions} WHERE id = {newest}) WHERE id IN ({chunk}) "
            f"AND EXISTS (SELECT 1 FROM {versions} v WHERE v.id = {newest} AND ({differs}))"
        )
        cursor.execute(
            f"SELECT id FROM {codes} WHERE id IN ({chunk}) "
            f"AND NOT EXISTS (SELECT 1 FROM {versions} v WHERE v.code_ref_id = {codes}.id)"
        )
        orphans = [pk for (pk,) in cursor.fetchall()]
    if orphans:
        Code.objects.filter(pk__in=orphans).delete()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The ORM's bulk_create spends most of an import preparing 50 values per row one by one
# (and SQLite caps a statement at 999 parameters, so ~19 rows at a time); executemany
# with only the dates and JSON prepared, column by column, is several times faster.
def _insert_many(model, columns: list[str], values: list[Iterable]) -> None:
    """Insert rows given column by column: `values[i]` holds column i of every row.

    A column of a value common to every row may be `itertools.repeat(value)`. A column
    every row leaves blank (NULL, "" or {}) is written once into the statement instead of
    being sent with each row: a release leaves a third of the record layout unused.
    """
    items, sent = [], []
    for column, column_values in zip(columns, values, strict=True):
        field = model._meta.get_field(column.removesuffix("_id"))
        blank = _blank_literal(field, column_values)
        items.append(blank or "%s")
        if blank is None:
            sent.append(_adapted(field, column_values))
    rows = list(zip(*sent, strict=False))
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(items)})", rows)


def _blank_literal(field, values: Iterable) -> str | None:
    """SQL for the blank every one of `values` holds, or None."""
    if not isinstance(values, Sequence) or not values or values[0] not in (None, "", {}):
        return None
    blank = values[0]
    if values.count(blank) != len(values):
        return None
    if blank is None:
        return "NULL"
    return "'{}'" if field.get_internal_type() == "JSONField" else "''"


def _adapted(field, values: Iterable) -> Iterable:
    """A column's values prepared for the database: dates and JSON; the rest as they are."""
    kind = field.get_internal_type()
    if kind == "DateField":
        # A release has a few hundred distinct dates among its tens of thousands.
        adapt = connection.ops.adapt_datefield_value
        adapted = {value: adapt(value) for value in set(values)}
        return list(map(adapted.__getitem__, values))
    if kind == "JSONField":
        # Nearly every record has nothing unparsed: its {} is prepared once.
        empty = connection.ops.adapt_json_value({}, field.encoder)
        return [
            empty if value == {} else connection.ops.adapt_json_value(value, field.encoder)
            for value in values
        ]
    return values


def remove_release(name: str) -> int:
    """Delete a release and put every code back as if it had never been loaded."""
    from codes.models import Code, CodeVersion, Release
    from codes.search import rebuild_index

    with transaction.atomic():
        release = Release.objects.get(name=name)
        touched = list(release.versions.values_list("code_ref", flat=True))
        CodeVersion.objects.filter(release=release).delete()
        # Codes whose current data came from this release move to another release row
        # first (the foreign key protects it); refresh_current then sets the right one.
        fallback = Release.objects.exclude(pk=release.pk).order_by("-effective_date").first()
        if fallback is None:
            Code.objects.all().delete()
        else:
            Code.objects.filter(release=release).update(release=fallback)
        release.delete()
        refresh_current(touched)
        rebuild_index()
        refresh_statistics()
    return len(touched)
