"""Reading a release's record and notes files into records: pure Python, no Django.

Every function here works on bytes already in memory, so it is unit-tested on bytes a
test builds. `parse(files)` turns the record file into `CodeRecord`s, one per code or
modifier, continuation lines joined; `parse_notes` reads the processing notes. Every
problem raises `ImportFailure` naming the file and the line or row.

Facts the parser relies on (record layouts 2017-2026 and the files themselves): text is
cp1252; disclaimer lines may precede the records, so records are recognised by their
record id in column 11, not by line number; lines may be shorter than 320 characters
(trailing blanks trimmed), so they are padded before slicing; workbooks put their header
on any row and store a few cells as numbers.

A field CMS added in a later release (`since` in the layout) is not read from an older
release's file: a workbook may lack its column, a .txt line its positions (they were
filler then), and the value is blank ("" or None, as for any blank), never taken from
what stood there. A release at or after `since` needs the column like any other. The
release's effective date, which decides this, comes from its name (`read_files`); a
file parsed without one is read as a release of today's layout.

A file that does not look whole is refused rather than loaded as a smaller release: CMS's
.txt files end with CRLF and carry every first line through column 293, so a file cut
short shows. Values outside CMS's code tables and unparseable dates are kept as
published and reported as warnings (`ParsedRelease.warnings`).
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import io
import re
import zipfile
from collections import namedtuple
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineError, CalamineWorkbook

from codes import datafiles, layout
from codes.reference import CODE_TABLES

RECORD_LENGTH = layout.RECORD_LENGTH
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

# (column, first position, last position), 1-based inclusive, of every column a first
# line holds after the descriptions.
TEXT_LAYOUT: list[tuple[str, int, int]] = [
    (column, first, last)
    for field in layout.FIELDS[layout.FIELDS.index(layout.BY_NAME["short_description"]) + 1 :]
    for column, (first, last) in zip(field.columns, field.spans, strict=True)
]
# Workbook column heading -> record column (the record id's column becomes the kind).
WORKBOOK_COLUMNS: dict[str, str] = {
    heading: "record_id" if field.type == layout.KIND else column
    for field in layout.FIELDS
    for heading, column in zip(field.headings, field.columns, strict=True)
}
DATE_COLUMNS = frozenset(layout.columns_of_type(layout.DATE))
INTEGER_COLUMNS = frozenset(layout.columns_of_type(layout.INTEGER))
# Numeric workbook cells lose their leading zeros; these coded columns get them back.
ZERO_PADDED_WIDTHS = {
    column: field.width for column, field in layout.FIELD_OF_COLUMN.items() if field.zero_padded
}

NOTE_START = re.compile(r"^\s*(\d{4})--(.*)$")


class ImportFailure(Exception):
    """A release file that cannot be imported; the message names the file and place."""

    def __init__(self, source: str, message: str, line: int | None = None, unit: str = "line"):
        self.source = source
        self.line = line
        where = f"{source}, {unit} {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


_HEAD = layout.COLUMNS[: layout.COLUMNS.index("short_description") + 1]
_REST = layout.COLUMNS[len(_HEAD) :]
_BLANK = {layout.DATE: None, layout.INTEGER: None}


# A named tuple, not a frozen dataclass: as immutable, but built in one step, where a
# frozen dataclass sets each of its 50 fields through object.__setattr__ (a tenth of an
# import's time). Its fields are the layout's columns, with the line the record was read
# from after the descriptions and the text that fits no format last.
# Its fields come from the layout file, so a type checker cannot list them: it is told
# the tuple type is `Any` (namedtuple called through a name it does not special-case),
# and the class declares the fields the importer relies on.
_tuple_type: Callable[..., Any] = namedtuple
_RecordTuple: Any = _tuple_type(
    "CodeRecord",
    [*_HEAD, "source_line", *_REST, "unparsed"],
    defaults=[
        *(_BLANK.get(layout.FIELD_OF_COLUMN[c].type, "") for c in _REST),
        MappingProxyType({}),
    ],
)


class CodeRecord(_RecordTuple):
    """One procedure code or modifier as a release file gives it (text exactly as read)."""

    __slots__ = ()
    if TYPE_CHECKING:
        kind: str
        code: str
        long_description: str
        source_line: int
        unparsed: Mapping[str, str]

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.code)

    def values(self) -> dict:
        """The record's model columns (everything but where it was read)."""
        return {name: getattr(self, name) for name in _VALUE_NAMES}


FIELD_NAMES: tuple[str, ...] = CodeRecord._fields


_VALUE_NAMES = tuple(name for name in FIELD_NAMES if name != "source_line")


record_key = attrgetter("kind", "code")


# The parsers fill a list laid out like CodeRecord's fields (but `unparsed`, which
# `_typed` appends) and build the record from it positionally.
_SLOTS = FIELD_NAMES[:-1]


_KIND, _CODE, _LONG, _SOURCE_LINE = (
    _SLOTS.index(n) for n in ("kind", "code", "long_description", "source_line")
)


_INTEGER_SLOTS = tuple((i, name) for i, name in enumerate(_SLOTS) if name in INTEGER_COLUMNS)


_DATE_SLOTS = tuple((i, name) for i, name in enumerate(_SLOTS) if name in DATE_COLUMNS)


def _unpublished_slots(effective: date | None) -> tuple[int, ...]:
    """The slots of the columns the release effective then does not have yet: those of
    fields CMS added later (`since`), left blank whatever the file holds there."""
    return tuple(
        i
        for i, name in enumerate(_SLOTS)
        if name in layout.FIELD_OF_COLUMN
        and not layout.published(layout.FIELD_OF_COLUMN[name].since, effective)
    )


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


Progress = Callable[[int], None]


def no_progress(_: int) -> None:
    return None


LIMIT_TEXT = f"{MAX_FILE_BYTES // (1024 * 1024)} MB"


def too_large(size_text: str) -> str:
    return (
        f"{size_text}, more than the {LIMIT_TEXT} an import reads (CMS's files are under "
        "10 MB); refused before reading it"
    )


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
            f"{source}: {part}", too_large(f"the workbook part inflates to {largest:,} bytes")
        )


def parse(
    files: ReleaseFiles, progress: Progress = no_progress, effective: date | None = None
) -> list[CodeRecord]:
    """The records of the release effective on `effective` (None: of today's layout)."""
    source = files.record_name
    # The file's rows or lines, then the records made of them.
    if files.is_workbook:
        rows = workbook_rows(files.record_bytes, source)
        made = _workbook_records(rows, source, progress, effective)
    else:
        lines = decode_cp1252(files.record_bytes, source)
        made = _text_records(lines, source, progress, effective)
    with cycle_collection_paused():
        records = list(made)
        if not records:
            raise ImportFailure(
                files.record_name, "no HCPCS records found (is this an ANWEB file?)"
            )
        _check_unique(records, files)
    return records


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
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
    keys = list(map(record_key, records))
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
    first = _NON_ASCII.search(data)
    assert first is not None  # the data is not all ASCII
    start = first.start()
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
    column: span
    for field in layout.FIELDS
    if field.type != layout.KIND
    for column, span in zip(field.columns, field.spans, strict=True)
}


_FIRST_LINE_FIELDS = itemgetter(
    *(
        slice(_TEXT_POSITIONS[name][0] - 1, _TEXT_POSITIONS[name][1])
        if name in _TEXT_POSITIONS
        else slice(0, 0)
        for name in _SLOTS
    )
)


def parse_text(data: bytes, source: str, progress: Progress = no_progress) -> Iterator[CodeRecord]:
    """Records of a fixed-width ANWEB file of today's layout, continuation lines joined."""
    return _text_records(decode_cp1252(data, source), source, progress, None)


def _text_records(
    lines: list[str], source: str, progress: Progress, effective: date | None
) -> Iterator[CodeRecord]:
    _refuse_unterminated(lines, source)
    unpublished = _unpublished_slots(effective)
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
            current = _first_line_values(
                line, FIRST_LINE_IDS[record_id], source, number, dates, unpublished
            )
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


def _first_line_values(
    line: str, kind: str, source: str, number: int, dates: dict, unpublished: tuple[int, ...]
) -> list:
    code = _code_of(line, kind, source, number)
    if len(line) < FIRST_LINE_MINIMUM:
        raise ImportFailure(
            source,
            f"record for {code} is truncated: it ends at column {len(line)}, and a first "
            f"line carries data through column {FIRST_LINE_MINIMUM}",
            number,
        )
    values: list = list(map(str.strip, _FIRST_LINE_FIELDS(line)))
    for slot in unpublished:
        values[slot] = ""
    values[_KIND] = kind
    values[_SOURCE_LINE] = number
    return _typed(values, dates)


def _typed(values: list, dates: dict[str, date | None]) -> list:
    """Dates and whole numbers become typed values; `values` gets its `unparsed` appended.

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
    for position, column in _INTEGER_SLOTS:
        text = values[position]
        values[position] = int(text) if text.isdigit() else None
        if text and not text.isdigit():
            unparsed[column] = text
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
    data: bytes, source: str, progress: Progress = no_progress
) -> Iterator[CodeRecord]:
    """Records of an ANWEB workbook of today's layout, whatever row its header is on."""
    return _workbook_records(workbook_rows(data, source), source, progress, None)


def _workbook_records(
    rows: list[list], source: str, progress: Progress, effective: date | None
) -> Iterator[CodeRecord]:
    unpublished = _unpublished_slots(effective)
    header_index, columns = _find_header(rows, source, {_SLOTS[slot] for slot in unpublished})
    # The record id takes the place of kind (and, unused, of source line and of the
    # columns the release lacks, which are blanked) in the values.
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
            values: list = list(map(str.strip, cells_of(row)))
        except (IndexError, TypeError):
            # A short row, or one of the few cells stored as a number or date.
            values = [_cell_text(row, p, name) for p, name in zip(positions, names, strict=True)]
        for slot in unpublished:
            values[slot] = ""
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


def workbook_rows(data: bytes, source: str) -> list[list]:

    check_workbook_size(data, source)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFailure(source, f"not a readable .xlsx workbook ({exc})") from exc


def _find_header(
    rows: list[list], source: str, unpublished: Collection[str]
) -> tuple[int, dict[str, int]]:
    """The header's row and where each column is; only the `unpublished` columns (of
    fields the release predates) may be missing, and are not read."""
    for index, row in enumerate(rows[:100]):
        headings = [str(cell).strip().upper() for cell in row]
        if headings and headings[0] == "HCPC":
            wanted = [h for h, column in WORKBOOK_COLUMNS.items() if column not in unpublished]
            missing = [h for h in wanted if h not in headings]
            if missing:
                raise ImportFailure(source, _lacking(missing), index + 1, "row")
            return index, {WORKBOOK_COLUMNS[h]: headings.index(h) for h in wanted}
    raise ImportFailure(source, "no header row starting with HCPC in the first 100 rows")


def _lacking(headings: list[str]) -> str:
    """The header's missing columns, with the release each field CMS added came in."""
    fields = [layout.FIELD_OF_COLUMN.get(WORKBOOK_COLUMNS[heading]) for heading in headings]
    added = {
        datafiles.release_name(field.since)
        for field in fields
        if field is not None and field.since is not None
    }
    since = f" (in the record from {', '.join(sorted(added))} on)" if added else ""
    return f"header lacks column(s) {', '.join(headings)}{since}"


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


def read_files(
    files: ReleaseFiles, name: str, effective: date, progress: Progress = no_progress
) -> ParsedRelease:
    records = parse(files, progress, effective)
    with cycle_collection_paused():
        warnings = record_warnings(records, "row" if files.is_workbook else "line")
    notes = parse_notes(files.notes_bytes, files.notes_name or "") if files.notes_bytes else {}
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
    """Record column -> the codes CMS's code table allows in it (repeated fields too).

    The record id is left out: it is read as the kind, and a wrong one stops the import.
    """
    return {
        column: frozenset(CODE_TABLES[field.table])
        for field in layout.FIELDS
        if field.table is not None and field.type != layout.KIND
        for column in field.columns
    }


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
            expected = "a whole number" if column in INTEGER_COLUMNS else "a YYYYMMDD date"
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
