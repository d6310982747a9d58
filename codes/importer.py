"""Reading CMS Alpha-Numeric HCPCS releases and loading them into the database.

The importer is two pure steps and one transactional one:

* `locate(path)` finds what a release consists of: the record file (the fixed-width
  ANWEB .txt, or the .xlsx workbook when there is no .txt) and its proc_notes file,
  whether they are given loose, inside the zip CMS ships, or in a folder of either.
* `parse_text` / `parse_workbook` turn the record file into `CodeRecord`s, one per code
  or modifier, with continuation lines joined; `parse_notes` reads the processing notes.
  Every problem raises `ImportFailure` naming the file and the line or row.
* `load(parsed, release_name)` writes one release inside one transaction: each
  record's version for that release, then the current state of every code it touches,
  then the search index. Loading the same data twice writes nothing.

Facts the parser relies on (record layouts 2017-2026 and the files themselves): text is
cp1252; disclaimer lines may precede the records, so records are recognised by their
record id in column 11, not by line number; lines may be shorter than 320 characters
(trailing blanks trimmed), so they are padded before slicing; workbooks put their header
on any row and store a few cells as numbers.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max

RECORD_LENGTH = 320
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
NOTES_FILE = re.compile(r"proc_notes[^/]*\.txt$", re.IGNORECASE)
NOTE_START = re.compile(r"^\s*(\d{4})--(.*)$")


class ImportFailure(Exception):
    """A release file that cannot be imported; the message names the file and place."""

    def __init__(self, source: str, message: str, line: int | None = None, unit: str = "line"):
        self.source = source
        self.line = line
        where = f"{source}, {unit} {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class CodeRecord:
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
    unparsed: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.code)

    def values(self) -> dict:
        """The record's model columns (everything but where it was read)."""
        return {name: getattr(self, name) for name in _VALUE_NAMES}


_VALUE_NAMES = tuple(f.name for f in fields(CodeRecord) if f.name != "source_line")


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
        found = _locate_in_zip(path.read_bytes(), path.name)
        if found is None:
            raise ImportFailure(path.name, "the zip holds no ANWEB .txt or .xlsx record file")
        return found
    if suffix not in {".txt", ".xlsx"}:
        raise ImportFailure(path.name, "expected a CMS zip, an ANWEB .txt or an .xlsx workbook")
    files = ReleaseFiles(path.name, path.read_bytes(), origin=str(path))
    for sibling in sorted(path.parent.glob("*")):
        if NOTES_FILE.search(sibling.name):
            files.notes_name, files.notes_bytes = sibling.name, sibling.read_bytes()
    return files


def _locate_in_zip(data: bytes, zip_name: str) -> ReleaseFiles | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        record_names = sorted((n for n in names if RECORD_FILE.search(n)), key=_prefer_text)
        if not record_names:
            return None
        files = ReleaseFiles(
            record_names[0], archive.read(record_names[0]), origin=f"{zip_name}:{record_names[0]}"
        )
        note_names = [n for n in names if NOTES_FILE.search(n)]
        if note_names:
            files.notes_name, files.notes_bytes = note_names[0], archive.read(note_names[0])
        return files


def _prefer_text(name: str) -> tuple[int, str]:
    return (0 if name.lower().endswith(".txt") else 1, name)


def _locate_in_folder(folder: Path) -> ReleaseFiles:
    loose = sorted(
        (p for p in folder.iterdir() if RECORD_FILE.search(p.name)),
        key=lambda p: _prefer_text(p.name),
    )
    zips = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".zip")
    found: ReleaseFiles | None = None
    for archive in zips:
        found = _locate_in_zip(archive.read_bytes(), archive.name)
        if found:
            break
    if found is None and loose:
        found = locate(loose[0])
    if found is None:
        raise ImportFailure(str(folder), "no ANWEB .txt, .xlsx or CMS zip in this folder")
    if found.notes_bytes is None:
        for candidate in [*folder.iterdir()]:
            if NOTES_FILE.search(candidate.name):
                found.notes_name, found.notes_bytes = candidate.name, candidate.read_bytes()
            elif candidate.suffix.lower() == ".zip":
                with zipfile.ZipFile(candidate) as archive:
                    for member in archive.namelist():
                        if NOTES_FILE.search(member):
                            found.notes_name = member
                            found.notes_bytes = archive.read(member)
    return found


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
        records = list(parse_workbook(files.record_bytes, files.record_name, progress))
    else:
        records = list(parse_text(files.record_bytes, files.record_name, progress))
    if not records:
        raise ImportFailure(files.record_name, "no HCPCS records found (is this an ANWEB file?)")
    _check_unique(records, files)
    return records


def _check_unique(records: list[CodeRecord], files: ReleaseFiles) -> None:
    unit = "row" if files.is_workbook else "line"
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        if record.key in seen:
            raise ImportFailure(
                files.record_name,
                f"{record.kind} {record.code} appears again (first at {unit} {seen[record.key]})",
                record.source_line,
                unit,
            )
        seen[record.key] = record.source_line


def decode_cp1252(data: bytes, source: str) -> list[str]:
    """Lines of a cp1252 file; a byte cp1252 does not define fails with its line."""
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


def parse_text(data: bytes, source: str, progress: Progress = _no_progress) -> Iterator[CodeRecord]:
    """Records of a fixed-width ANWEB file, continuation lines joined."""
    current: dict | None = None
    pieces: list[str] = []
    for number, raw in enumerate(decode_cp1252(data, source), start=1):
        progress(1)
        line = raw.rstrip("\r\n")
        if len(line) > RECORD_LENGTH and line[RECORD_LENGTH:].strip():
            raise ImportFailure(source, f"line is {len(line)} characters, longer than 320", number)
        if not _is_record_line(line):
            if current is not None and line.strip() and line.strip() != "\x1a":
                raise ImportFailure(
                    source, "not a HCPCS record line (record id in column 11)", number
                )
            continue
        line = line.ljust(RECORD_LENGTH)
        record_id = line[10]
        code = line[0:5].strip()
        if record_id in FIRST_LINE_IDS:
            if current is not None:
                yield _finish(current, pieces)
            current = _first_line_values(line, FIRST_LINE_IDS[record_id], code, source, number)
            pieces = [line[11:91].strip()]
        else:
            if (
                current is None
                or current["code"] != code
                or current["kind"] != CONTINUATION_IDS[record_id]
            ):
                raise ImportFailure(
                    source, f"continuation line for {code} follows no first line of it", number
                )
            pieces.append(line[11:91].strip())
    if current is not None:
        yield _finish(current, pieces)


def _is_record_line(line: str) -> bool:
    return len(line) >= 11 and line[10] in "3478" and line[5:10].isdigit()


def _first_line_values(line: str, kind: str, code: str, source: str, number: int) -> dict:
    if len(line.rstrip()) < 92:
        raise ImportFailure(
            source, f"record for {code} is truncated (no short description)", number
        )
    if not code:
        raise ImportFailure(source, "record has no code in columns 1-5", number)
    values = {
        "kind": kind,
        "code": code,
        "sequence_number": line[5:10],
        "short_description": line[91:119].strip(),
        "source_line": number,
    }
    for column, first, last in TEXT_LAYOUT:
        values[column] = line[first - 1 : last].strip()
    return _typed(values, source, number, "line")


def _finish(values: dict, pieces: list[str]) -> CodeRecord:
    return CodeRecord(long_description=" ".join(p for p in pieces if p), **values)


def _typed(values: dict, source: str, number: int, unit: str) -> dict:
    """Dates and base units become typed values.

    CMS occasionally publishes a value its own layout does not allow (2018-jan has five
    ASC dates of six digits, shifted one field left). Such text is kept verbatim in
    `unparsed` and the typed column stays empty, so nothing CMS published is lost or
    reinterpreted.
    """
    unparsed = {}
    for column in DATE_COLUMNS:
        text = values[column]
        values[column] = parse_date(text)
        if text and values[column] is None:
            unparsed[column] = text
    units = values["anesthesia_base_units"]
    values["anesthesia_base_units"] = int(units) if units.isdigit() else None
    if units and not units.isdigit():
        unparsed["anesthesia_base_units"] = units
    values["unparsed"] = unparsed
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
    rows = _workbook_rows(data, source)
    header_index, columns = _find_header(rows, source)
    current: dict | None = None
    for index in range(header_index + 1, len(rows)):
        number = index + 1
        progress(1)
        cells = _row_cells(rows[index], columns)
        if not any(cells.values()):
            continue
        record_id = cells.pop("record_id")
        if record_id in CONTINUATION_IDS:
            # A workbook row with record id 4/8 carries the rest of a description that
            # did not fit in the cell before it.
            if current is None or current["code"] != cells["code"]:
                raise ImportFailure(
                    source,
                    f"continuation row for {cells['code']} follows no first row of it",
                    number,
                    "row",
                )
            current["long_description"] = (
                f"{current['long_description']} {cells['long_description']}".strip()
            )
            continue
        if record_id not in FIRST_LINE_IDS:
            raise ImportFailure(
                source, f"record id {record_id!r} is not 3, 4, 7 or 8", number, "row"
            )
        if current is not None:
            yield CodeRecord(**current)
        if not cells["code"]:
            raise ImportFailure(source, "row has no HCPC code", number, "row")
        current = _typed(
            {**cells, "kind": FIRST_LINE_IDS[record_id], "source_line": number},
            source,
            number,
            "row",
        )
    if current is not None:
        yield CodeRecord(**current)


def _workbook_rows(data: bytes, source: str) -> list[list]:
    from python_calamine import CalamineError, CalamineWorkbook

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


def _row_cells(row: list, columns: dict[str, int]) -> dict[str, str]:
    if len(row) > max(columns.values()):
        raw = {name: row[pos] for name, pos in columns.items()}
        # Nearly every cell is text; only the odd numeric cell takes the slow path.
        if all(type(cell) is str for cell in raw.values()):
            return {name: cell.strip() for name, cell in raw.items()}
    return {name: _cell_text(row, pos, name) for name, pos in columns.items()}


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
    notes = parse_notes(files.notes_bytes, files.notes_name) if files.notes_bytes else {}
    return ParsedRelease(
        name=name,
        effective_date=effective,
        source_name=files.record_name,
        sha256=files.sha256,
        records=records,
        notes=notes,
    )


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


def load(parsed: ParsedRelease) -> ImportStats:
    """Write one release in one transaction; loading identical data again writes nothing."""
    from codes.models import Release
    from codes.search import rebuild_index

    stats = ImportStats(
        release=parsed.name,
        records_read=len(parsed.records),
        procedures=parsed.procedure_count,
        modifiers=parsed.modifier_count,
    )
    with transaction.atomic():
        release, stats.release_created = Release.objects.get_or_create(
            name=parsed.name,
            defaults={
                "effective_date": parsed.effective_date,
                "source_name": parsed.source_name,
                "sha256": parsed.sha256,
                "procedure_count": parsed.procedure_count,
                "modifier_count": parsed.modifier_count,
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
    release.procedure_count = parsed.procedure_count
    release.modifier_count = parsed.modifier_count
    release.save()


def record_columns() -> list[str]:
    from codes.models import CmsRecord

    return CmsRecord.record_field_names()


def _load_versions(records: list[CodeRecord], release, stats: ImportStats) -> set[int]:
    """Write this release's versions; returns the ids of the codes whose versions changed."""
    from codes.models import CodeVersion

    columns = record_columns()
    code_ids, first_seen = _ensure_codes(records, release)
    existing = {
        (row[0], row[1]): row
        for row in CodeVersion.objects.filter(release=release).values_list(
            "kind", "code", "pk", "code_ref", *columns
        )
    }
    new_rows, stale_pks, touched = [], [], set()
    for record in records:
        values = record.values()
        row = tuple(values[c] for c in columns)
        old = existing.pop(record.key, None)
        if old is not None and tuple(old[4:]) == row:
            stats.unchanged += 1
            continue
        if old is None:
            stats.created += 1
        else:
            stats.updated += 1
            stale_pks.append(old[2])
        code_id = code_ids[record.key]
        if record.key not in first_seen:
            touched.add(code_id)
        new_rows.append((release.pk, code_id, record.source_line, *row))
    stale_pks += [old[2] for old in existing.values()]
    touched |= {old[3] for old in existing.values()}
    stats.removed = len(existing)
    for chunk in _chunks(stale_pks, 500):
        CodeVersion.objects.filter(pk__in=chunk).delete()
    _insert_many(CodeVersion, ["release_id", "code_ref_id", "source_line", *columns], new_rows)
    return touched


def _ensure_codes(
    records: list[CodeRecord], release
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Ids of the Code rows for these records, creating rows for codes first seen here.

    A code first seen here gets this release's values at once, so it needs no refresh.
    """
    from codes.models import Code

    columns = record_columns()
    known = {(kind, code): pk for pk, kind, code in Code.objects.values_list("pk", "kind", "code")}
    new_records = [r for r in records if r.key not in known]
    if new_records:
        rows = [
            (release.pk, *(values[c] for c in columns))
            for values in map(CodeRecord.values, new_records)
        ]
        _insert_many(Code, ["release_id", *columns], rows)
        known = {
            (kind, code): pk for pk, kind, code in Code.objects.values_list("pk", "kind", "code")
        }
    return known, {r.key for r in new_records}


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

    `code_ids` limits the work to the codes an import touched (None: every code). Only
    each code's newest version is read, so the cost does not grow with the number of
    releases kept.
    """
    from codes.models import Code

    ids = list(Code.objects.values_list("pk", flat=True) if code_ids is None else code_ids)
    for chunk in _chunks(ids, 500):
        _refresh_chunk(chunk)


def _refresh_chunk(code_ids: list[int]) -> None:
    from codes.models import Code, CodeVersion, Release

    columns = record_columns()
    release_on = dict(Release.objects.values_list("effective_date", "pk"))
    latest = (
        CodeVersion.objects.filter(code_ref__in=code_ids)
        .values("code_ref")
        .annotate(latest=Max("release__effective_date"))
        .values_list("code_ref", "latest")
    )
    wanted = {(code_id, release_on[day]) for code_id, day in latest}
    newest = {
        code_id: (release_id, *values)
        for code_id, release_id, *values in CodeVersion.objects.filter(
            code_ref__in=code_ids, release__in={release for _, release in wanted}
        ).values_list("code_ref", "release", *columns)
        if (code_id, release_id) in wanted
    }
    current = {
        pk: tuple(rest)
        for pk, *rest in Code.objects.filter(pk__in=code_ids).values_list("pk", "release", *columns)
    }
    changed = [
        (*values, code_id) for code_id, values in newest.items() if current.get(code_id) != values
    ]
    _update_many(Code, ["release_id", *columns], changed)
    orphans = [pk for pk in current if pk not in newest]
    if orphans:
        Code.objects.filter(pk__in=orphans).delete()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The ORM's bulk_create and bulk_update spend most of an import preparing 50 values per
# row one by one (and SQLite caps a statement at 999 parameters, so ~19 rows at a time);
# executemany with values prepared once per column is several times faster.
def _insert_many(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})", _adapted(model, columns, rows)
        )


def _update_many(model, columns: list[str], rows: list[tuple]) -> None:
    """Rows are the new column values followed by the primary key."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE id = %s",
            _adapted(model, [*columns, "id"], rows),
        )


def _adapted(model, columns: list[str], rows: list[tuple]) -> list[tuple]:
    """Rows with dates and JSON prepared for the database; plain text passes as is."""
    kinds = {
        i: model._meta.get_field(c.removesuffix("_id")).get_internal_type()
        for i, c in enumerate(columns)
    }
    adapt_date = connection.ops.adapt_datefield_value
    prepared = {
        i: (
            adapt_date
            if kind == "DateField"
            else model._meta.get_field(columns[i]).get_db_prep_save
        )
        for i, kind in kinds.items()
        if kind in {"DateField", "JSONField"}
    }
    adapted = []
    for row in rows:
        row = list(row)
        for i, prepare in prepared.items():
            row[i] = prepare(row[i]) if prepare is adapt_date else prepare(row[i], connection)
        adapted.append(tuple(row))
    return adapted


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
