r"""CMS tabular files (.csv, .xlsx, legacy .xls, or a zip of them) read as rows of text.

CMS ships its payment files as spreadsheets with title rows above the header: a title,
the effective period ("Effective October 1, 2025 through December 31, 2025", or "April
2025 Fee Schedule"), notes. This module knows nothing about any one dataset:

* `sources(path)` gives the tabular files at a path: the file itself, or every .csv,
  .xlsx and .xls member of a zip (a zip may hold the same table twice, as .xls and .csv;
  the caller picks).
* `read_table(source, first_heading)` finds the header row by its first cell, not by
  its number, and returns a `Table`: title rows, headings, and the data rows below,
  each with its 1-based row number as a spreadsheet shows it. Every cell is text,
  stripped: a CSV cell as written, a workbook number as Excel shows it (at most 15
  significant digits: 146.312, 20), so callers read CSVs and workbooks alike.
* Headings are matched ignoring case and runs of spaces, or by a compiled pattern
  (`re.compile(r"_\d{4}_CODE")` for a heading that carries the year): `heading_matches`,
  `Table.index(heading)`, `Table.text(row, heading)`. `Table.period` is the effective
  period of the title rows (`effective_period`), or None.
* `Table.decimal(row, heading)` turns a cell into a `Decimal` (blank stays `None`;
  "$2.462" and "1,234.50" are read as numbers); `Table.error(row, message)` builds the
  `TableError` to raise. Every problem is a `TableError` (an `ImportFailure`, as the
  HCPCS importer raises) naming the file and the row.

CSV text is cp1252 (CMS's encoding) unless it starts with a UTF-8 byte order mark; a
byte cp1252 does not define is refused with its row, and so is UTF-8 text without the
mark (read as cp1252 its characters would be wrong) and a file whose last row has no
line end (cut short). Workbooks are read with python-calamine, which reads both .xlsx
and the legacy .xls format. Reads are bounded as the HCPCS importer's are (`sources`),
and a table keeps at most MAX_TABLE_CELLS cells (rows times header columns; a CSV's
rows are made one at a time), so memory stays bounded below the file bound too.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from codes.importer import MAX_FILE_BYTES, ImportFailure
from codes.importer.locate import check_workbook_bytes, open_zip, read_bounded, read_member
from codes.importer.parse import _refuse_utf8 as refuse_utf8
from codes.importer.parse import too_large

TABULAR_SUFFIXES = (".csv", ".xlsx", ".xls")
HEADER_SEARCH_ROWS = 100
# Rows times header columns kept for one table: five times CMS's largest (DMEPOS, 400,000).
MAX_TABLE_CELLS = 2_000_000
MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = _MONTH + r"\s+(\d{1,2}),?\s+(\d{4})"
_DATE_RANGE = re.compile(_DATE + r"\s+(?:through|thru|to|-)\s+" + _DATE, re.IGNORECASE)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+(\d{4})\b", re.IGNORECASE)
_NUMBER_DECORATION = re.compile(r"[$,\s]")


class TableError(ImportFailure):
    """A tabular file that cannot be read; the message names the file and the row."""

    def __init__(self, source: str, message: str, row: int | None = None):
        super().__init__(source, message, row, unit="row")
        self.row = row


@contextmanager
def as_table_errors() -> Iterator[None]:
    """The HCPCS importer's bounded readers and checks raise ImportFailure: give a TableError."""
    try:
        yield
    except TableError:
        raise
    except ImportFailure as exc:
        where = exc.source if exc.line is None else f"{exc.source}, line {exc.line}"
        raise TableError(exc.source, str(exc).removeprefix(f"{where}: "), exc.line) from exc


class Source(NamedTuple):
    """One tabular file: its display name ("x.zip/member.csv" inside a zip) and bytes."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


class Row(NamedTuple):
    number: int  # 1-based, as a spreadsheet numbers its rows
    cells: tuple[str, ...]  # as many cells as the header has headings


class Period(NamedTuple):
    start: date
    end: date | None  # None when the title gives only a month ("April 2025 Fee Schedule")


@dataclass(frozen=True)
class Table:
    source: str
    title_rows: tuple[str, ...]  # the non-blank rows above the header, cells joined
    header_row: int
    headings: tuple[str, ...]
    rows: list[Row]  # the non-blank rows below the header

    @property
    def period(self) -> Period | None:
        return effective_period(self.title_rows)

    def index(self, heading: str | re.Pattern) -> int:
        """The position of a column, by heading (case and spacing ignored) or pattern."""
        for position, text in enumerate(self.headings):
            if heading_matches(text, heading):
                return position
        label = heading.pattern if isinstance(heading, re.Pattern) else heading
        raise TableError(self.source, f"header has no column {label!r}", self.header_row)

    def text(self, row: Row, heading: str | re.Pattern) -> str:
        return row.cells[self.index(heading)]

    def decimal(self, row: Row, heading: str | re.Pattern) -> Decimal | None:
        """The cell as a Decimal; None when blank; a TableError when not a number."""
        text = self.text(row, heading)
        try:
            return parse_decimal(text)
        except ValueError:
            label = self.headings[self.index(heading)]
            raise self.error(row, f"{label} {text!r} is not a number") from None

    def error(self, row: Row, message: str) -> TableError:
        return TableError(self.source, message, row.number)


def sources(path: Path) -> list[Source]:
    """The tabular files at `path`: the file itself, or each tabular member of a zip.

    Every read is bounded as the HCPCS importer bounds its own (`codes.importer.locate`):
    a file or zip larger than MAX_FILE_BYTES is refused unread, a member by the size it
    declares and then by what it really inflates to, and a zip's members together.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return zip_sources(path)
    if suffix not in TABULAR_SUFFIXES:
        raise TableError(path.name, "not a .csv, .xlsx, .xls or .zip file")
    return [Source(path.name, read_bytes(path))]


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refused unread when larger than MAX_FILE_BYTES."""
    with as_table_errors():
        return read_bounded(path)


def zip_sources(path: Path) -> list[Source]:
    found, inflated = [], 0
    with as_table_errors(), open_zip(path) as archive:
        for info in archive.infolist():
            if (
                info.is_dir()
                or Path(info.filename).suffix.lower() not in TABULAR_SUFFIXES
                or info.filename.startswith("__MACOSX/")
            ):
                continue
            data = read_member(archive, info.filename, path.name)
            inflated += len(data)
            if inflated > MAX_FILE_BYTES:
                raise TableError(
                    f"{path.name}: {info.filename}",
                    too_large("the zip's tables inflate past the bound here"),
                )
            found.append(Source(f"{path.name}/{info.filename}", data))
    return found


def read_rows(source: Source) -> Iterator[list[str]]:
    """Every row of the file (the first sheet of a workbook) as stripped text cells.

    The rows are made one at a time (a workbook's from python-calamine's cells), so a
    table keeps only its header's width of each (CMS pads its CSVs to 250 columns).
    """
    if source.suffix == ".csv":
        return _csv_rows(_csv_text(source), source.name)
    if source.suffix in (".xlsx", ".xls"):
        return _workbook_rows(source)
    raise TableError(source.name, "not a .csv, .xlsx or .xls file")


def read_table(source: Source, first_heading: str | re.Pattern) -> Table:
    """The table whose header row starts with `first_heading` (a text or a pattern)."""
    rows = read_rows(source)
    top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    header_index = find_header(top, first_heading, source.name)
    headings = tuple(_trim_trailing_blanks(top[header_index]))
    width = len(headings)
    body: list[Row] = []
    below = itertools.chain(top[header_index + 1 :], rows)
    for number, cells in enumerate(below, start=header_index + 2):
        if not any(cells):
            continue
        if any(cells[width:]):
            raise TableError(source.name, "row has more cells than the header", number)
        if (len(body) + 1) * width > MAX_TABLE_CELLS:
            raise TableError(source.name, too_many_cells(width), number)
        body.append(Row(number, tuple((cells + [""] * width)[:width])))
    titles = tuple(" ".join(cell for cell in row if cell) for row in top[:header_index] if any(row))
    return Table(source.name, titles, header_index + 1, headings, body)


def too_many_cells(width: int) -> str:
    return (
        f"the table passes {MAX_TABLE_CELLS:,} cells here ({width} columns a row), more "
        f"than an import keeps (CMS's largest, the DMEPOS fee schedule, has about 400,000)"
    )


def find_header(rows: list[list[str]], first_heading: str | re.Pattern, source: str) -> int:
    """The 0-based index of the first row whose first cell is `first_heading`."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if row and heading_matches(row[0], first_heading):
            return index
    label = first_heading.pattern if isinstance(first_heading, re.Pattern) else first_heading
    raise TableError(
        source, f"no header row starting with {label!r} in the first {HEADER_SEARCH_ROWS} rows"
    )


def effective_period(title_rows: tuple[str, ...] | list[str]) -> Period | None:
    """The period the title rows announce: a date range, else a month and year."""
    for text in title_rows:
        if match := _DATE_RANGE.search(text):
            start = _date(*match.group(1, 2, 3))
            end = _date(*match.group(4, 5, 6))
            if start and end:
                return Period(start, end)
    for text in title_rows:
        if match := _MONTH_YEAR.search(text):
            return Period(date(int(match.group(2)), MONTH_NUMBERS[match.group(1).lower()], 1), None)
    return None


def parse_decimal(text: str) -> Decimal | None:
    """A CMS number as a Decimal: blank is None; "$" and thousands commas are dropped."""
    cleaned = _NUMBER_DECORATION.sub("", text)
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return number


def decimal_places(number: Decimal) -> int:
    """How many digits `number` has after the point (a finite number, as parse_decimal gives)."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"{number} is not a finite number")
    return max(0, -exponent)


def _date(month: str, day: str, year: str) -> date | None:
    try:
        return date(int(year), MONTH_NUMBERS[month.lower()], int(day))
    except ValueError:
        return None


def heading_matches(text: str, heading: str | re.Pattern) -> bool:
    if isinstance(heading, re.Pattern):
        return heading.fullmatch(text.strip()) is not None
    return " ".join(text.split()).casefold() == " ".join(heading.split()).casefold()


def _trim_trailing_blanks(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _csv_text(source: Source) -> str:
    """The text of a CSV file, refused unless it looks like a whole file in CMS's encoding."""
    data = source.data
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode(data[3:], "utf-8", source.name)
    else:
        with as_table_errors():
            refuse_utf8(data, source.name)
        text = _decode(data, "cp1252", source.name)
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise TableError(
            source.name,
            "NUL byte: this is not a CSV text file (UTF-16 text has one in every other byte)",
            row,
        )
    if text and not text.endswith("\n"):
        # CMS ends every row with CRLF, the last one too: a file without is cut short,
        # and its last row would be read with its cells cut or missing.
        raise TableError(
            source.name,
            "the file ends without a line end: it looks cut short (CMS ends every row with one)",
            text.count("\n") + 1,
        )
    return text


def _csv_rows(text: str, name: str) -> Iterator[list[str]]:
    try:
        for row in csv.reader(_lines(text)):
            yield [cell.strip() for cell in row]
    except csv.Error as exc:
        raise TableError(name, f"malformed CSV ({exc})") from exc


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, one at a time.

    Not io.StringIO: it copies the whole text into a buffer of four bytes a character.
    """
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise TableError(
            name, f"byte 0x{data[exc.start]:02X} is not valid {encoding} text", row
        ) from exc


def _workbook_rows(source: Source) -> Iterator[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    if zipfile.is_zipfile(io.BytesIO(source.data)):
        # python-calamine inflates each part to its end (an .xlsx is a zip): bound it first.
        with as_table_errors():
            check_workbook_bytes(source.data, source.name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise TableError(source.name, f"not a readable workbook ({exc})") from exc
    return ([cell_text(cell) for cell in row] for row in rows)


def cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV export would hold."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        # Excel keeps 15 significant digits: 155.895 is stored as 155.89499999999998.
        return str(int(cell)) if cell.is_integer() else format(cell, ".15g")
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat()
    if isinstance(cell, date | time):
        return cell.isoformat()
    return "" if cell is None else str(cell).strip()
