"""Reading CMS's DMEPOS fee schedule files: the DMEPOS fees, the PEN fees, the rural ZIPs.

`read_file(path)` gives one `ParsedFile` per tabular file at the path (a .csv, an .xlsx,
or each member of a CMS zip), read with `codes.payments.tables` and checked against
DMEREAD's record layout (`dmepos_layout`). No Django here: `dmepos_load` writes the result.

* The dataset is told by the header: `JURIS` and `CATG` make the DMEPOS schedule, state
  fee columns without them the PEN schedule, a `DMEPOS RURAL ZIP CODE` column the rural
  ZIP file.
* The quarter comes from the title rows ("April 2025 Fee Schedule" is 2025-apr); the
  rural ZIP file has none and gives it in its YEAR/QTR column (202501 is 2025-jan).
* Amounts stay the decimals CMS printed, always with two places ("25.19", "0.00"; a
  workbook's 0.6 is 0.60); a blank stays blank; anything else stops the file with its row.
* CPT codes (five digits) are AMA material: such rows are skipped and counted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from codes.code_shapes import CPT_CODE, HCPCS_CODE, MODIFIER
from codes.payments import tables
from codes.payments.tables import Row, Table, TableError

# DMEREAD's PEN layout starts with a YEAR column; the 2025 files start with HCPCS.
FIRST_HEADING = re.compile(r"HCPCS|STATE|YEAR", re.IGNORECASE)
STATE_HEADING = re.compile(r"([A-Z]{2})\s*\((NR|R)\)", re.IGNORECASE)
LETTERS = re.compile(r"[A-Z]{1,2}")
ZIP_CODE = re.compile(r"[0-9]{5}")
YEAR_QUARTER = re.compile(r"(\d{4})0?([1-4])")
CENTS = Decimal("0.01")
LARGEST_AMOUNT = Decimal("9999999.99")
QUARTER_MONTHS = {1: "jan", 4: "apr", 7: "jul", 10: "oct"}
MONTH_NUMBERS = {name: number for number, name in QUARTER_MONTHS.items()}
QUARTER_NAME = re.compile(r"(\d{4})-(jan|apr|jul|oct)")

DMEPOS, PEN, RURAL_ZIP = "dmepos", "pen", "rural_zip"


class FeeFileError(Exception):
    """A fee schedule file that cannot be imported; the message names the file and row."""


@dataclass(frozen=True)
class FeeRecord:
    hcpcs: str
    modifier: str
    modifier_2: str
    jurisdiction: str
    category: str
    ceiling: Decimal | None
    floor: Decimal | None
    # [state, non-rural, rural] in the file's column order; amounts as "0.00" text or None.
    state_fees: tuple[tuple[str, str | None, str | None], ...]
    description: str
    source_row: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.hcpcs, self.modifier, self.modifier_2)


@dataclass(frozen=True)
class RuralZip:
    state: str
    zip_code: str
    year_quarter: str
    source_row: int


@dataclass
class ParsedFile:
    dataset: str
    source_name: str
    sha256: str
    title: str
    quarter: str
    effective_date: date
    fees: list[FeeRecord] = field(default_factory=list)
    zips: list[RuralZip] = field(default_factory=list)
    cpt_rows_skipped: int = 0

    @property
    def row_count(self) -> int:
        return len(self.fees) + len(self.zips)


def quarter_start(name: str) -> date:
    """The first day of quarter `name` (2025-apr is April 1, 2025)."""
    match = QUARTER_NAME.fullmatch(name)
    if not match:
        raise FeeFileError(f"quarter {name!r} is not a name like 2025-apr")
    return date(int(match.group(1)), MONTH_NUMBERS[match.group(2)], 1)


def quarter_name(start: date) -> str:
    if start.day != 1 or start.month not in QUARTER_MONTHS:
        raise FeeFileError(f"{start:%B %-d, %Y} does not start a quarter")
    return f"{start.year}-{QUARTER_MONTHS[start.month]}"


def read_file(
    path: Path, quarter: str | None = None, skip: Callable[[str], bool] = lambda digest: False
) -> list[ParsedFile]:
    """Every fee schedule table at `path`, but those whose sha256 `skip` says are loaded.

    `quarter` names the quarter of a file whose title gives none, and is checked against
    the title of one that does.
    """
    try:
        picked = [(source, hashlib.sha256(source.data).hexdigest()) for source in _pick(Path(path))]
        several = len(picked) > 1
        read = [
            (tables.read_table(source, FIRST_HEADING), digest)
            for source, digest in picked
            if several or not skip(digest)
        ]
        if several:
            _refuse_two_of_a_dataset(path, [table for table, _ in read])
        return [parse_table(table, digest, quarter) for table, digest in read if not skip(digest)]
    except TableError as exc:
        raise FeeFileError(str(exc)) from exc


def _refuse_two_of_a_dataset(path: Path, read: list[Table]) -> None:
    """A zip holding one dataset twice: the second would replace the first, so neither.

    Each file is a complete replacement of its dataset for the quarter, so loading both
    would keep only the one read last, whole or not.
    """
    names_by_dataset: dict[str, list[str]] = {}
    for table in read:
        names_by_dataset.setdefault(dataset_of(table), []).append(table.source)
    for dataset, names in names_by_dataset.items():
        if len(names) > 1:
            raise FeeFileError(
                f"{Path(path).name}: holds {len(names)} {dataset} fee files "
                f"({', '.join(names)}); a quarter has one. Keep only the file to import"
            )


def dataset_of(table: Table) -> str:
    """Which dataset a table is, told by its header."""
    headings = [h.upper() for h in table.headings]
    if any("RURAL ZIP" in h for h in headings):
        return RURAL_ZIP
    return DMEPOS if "JURIS" in headings else PEN


def _pick(path: Path) -> list[tables.Source]:
    """The tables at `path`; a CMS zip holding one table as .csv and .xlsx/.xls gives one."""
    found = tables.sources(path)
    by_stem: dict[str, tables.Source] = {}
    for source in found:
        stem = source.name.rsplit(".", 1)[0].casefold()
        if stem not in by_stem or source.suffix == ".csv":
            by_stem[stem] = source
    if not by_stem:
        raise FeeFileError(f"{path.name}: holds no .csv, .xlsx or .xls file")
    return list(by_stem.values())


def parse_table(table: Table, digest: str, wanted_quarter: str | None = None) -> ParsedFile:
    dataset = dataset_of(table)
    if dataset == RURAL_ZIP:
        return _parse_rural_zips(table, digest, wanted_quarter)
    name, start = _quarter_of(table, wanted_quarter)
    parsed = ParsedFile(dataset, table.source, digest, " ".join(table.title_rows), name, start)
    columns = _FeeColumns.of(table, dataset)
    seen: dict[tuple[str, str, str], int] = {}
    for row in table.rows:
        if columns.year is not None and row.cells[columns.year] != str(start.year):
            raise table.error(row, f"YEAR {row.cells[columns.year]!r} is not {start.year}")
        code = row.cells[columns.hcpcs].upper()
        if CPT_CODE.fullmatch(code):
            parsed.cpt_rows_skipped += 1
            continue
        record = columns.record(table, row)
        if record.key in seen:
            raise table.error(
                row, f"{' '.join(filter(None, record.key))} repeats row {seen[record.key]}"
            )
        seen[record.key] = row.number
        parsed.fees.append(record)
    if not parsed.fees:
        raise TableError(table.source, "no fee rows below the header", table.header_row)
    return parsed


def _quarter_of(table: Table, wanted: str | None) -> tuple[str, date]:
    period = table.period
    if period is None:
        if wanted is None:
            raise TableError(
                table.source, "the title rows give no month and year; name the quarter"
            )
        return wanted, quarter_start(wanted)
    try:
        name = quarter_name(period.start)
    except FeeFileError as exc:
        raise TableError(table.source, str(exc)) from exc
    if wanted is not None and wanted != name:
        raise TableError(table.source, f"the title rows say {name}, not {wanted}")
    return name, period.start


@dataclass(frozen=True)
class _FeeColumns:
    year: int | None  # checked against the quarter, so kept in it
    hcpcs: int
    modifier: int
    modifier_2: int | None
    jurisdiction: int | None
    category: int | None
    ceiling: int | None
    floor: int | None
    states: tuple[tuple[str, int, int], ...]  # (state, non-rural column, rural column)
    description: int | None

    @classmethod
    def of(cls, table: Table, dataset: str) -> _FeeColumns:
        def optional(name: str) -> int | None:
            try:
                return table.index(name)
            except TableError:
                return None

        needed = ("JURIS", "CATG", "Ceiling", "Floor") if dataset == DMEPOS else ()
        for name in needed:
            table.index(name)
        return cls(
            year=optional("YEAR"),
            hcpcs=table.index("HCPCS"),
            modifier=table.index("Mod"),
            modifier_2=optional("Mod2"),
            jurisdiction=optional("JURIS"),
            category=optional("CATG"),
            ceiling=optional("Ceiling"),
            floor=optional("Floor"),
            states=_state_columns(table),
            description=optional("Description")
            if optional("Description") is not None
            else optional("Desc"),
        )

    def record(self, table: Table, row: Row) -> FeeRecord:
        cells = row.cells

        def text(position: int | None) -> str:
            return cells[position] if position is not None else ""

        hcpcs = text(self.hcpcs).upper()
        if not HCPCS_CODE.fullmatch(hcpcs):
            raise table.error(row, f"HCPCS {hcpcs!r} is not a HCPCS code")
        modifiers = [text(self.modifier).upper(), text(self.modifier_2).upper()]
        for value in modifiers:
            if value and not MODIFIER.fullmatch(value):
                raise table.error(row, f"modifier {value!r} is not a two-character modifier")
        jurisdiction, category = text(self.jurisdiction).upper(), text(self.category).upper()
        for label, value, width in (("JURIS", jurisdiction, 1), ("CATG", category, 2)):
            if self.jurisdiction is not None and not (
                LETTERS.fullmatch(value) and len(value) == width
            ):
                raise table.error(row, f"{label} {value!r} is not a {width}-letter code")
        description = text(self.description)
        if len(description) > 60:
            raise table.error(row, "the description is longer than 60 characters")
        return FeeRecord(
            hcpcs=hcpcs,
            modifier=modifiers[0],
            modifier_2=modifiers[1],
            jurisdiction=jurisdiction,
            category=category,
            ceiling=_amount(table, row, self.ceiling),
            floor=_amount(table, row, self.floor),
            state_fees=tuple(
                (state, _cents(table, row, nr), _cents(table, row, r))
                for state, nr, r in self.states
            ),
            description=description,
            source_row=row.number,
        )


def _state_columns(table: Table) -> tuple[tuple[str, int, int], ...]:
    """(state, NR column, R column) for every state, in column order; each needs both."""
    found: dict[str, dict[str, int]] = {}
    for position, heading in enumerate(table.headings):
        if match := STATE_HEADING.fullmatch(heading.strip()):
            state, kind = match.group(1).upper(), match.group(2).upper()
            if kind in found.setdefault(state, {}):
                raise TableError(
                    table.source, f"column {heading!r} appears twice", table.header_row
                )
            found[state][kind] = position
    if not found:
        raise TableError(table.source, "header has no state fee columns", table.header_row)
    for state, kinds in found.items():
        if set(kinds) != {"NR", "R"}:
            raise TableError(
                table.source, f"state {state} lacks its NR or R column", table.header_row
            )
    return tuple((state, kinds["NR"], kinds["R"]) for state, kinds in found.items())


def _amount(table: Table, row: Row, position: int | None) -> Decimal | None:
    """A dollar amount as published: blank is None, more than cents or negative refused."""
    if position is None or not row.cells[position]:
        return None
    text = row.cells[position]
    try:
        number = tables.parse_decimal(text)
    except ValueError:
        number = None
    if number is None or tables.decimal_places(number) > 2 or not 0 <= number <= LARGEST_AMOUNT:
        raise table.error(row, f"{table.headings[position]} {text!r} is not a dollar amount")
    return number.quantize(CENTS)


def _cents(table: Table, row: Row, position: int) -> str | None:
    number = _amount(table, row, position)
    return None if number is None else str(number)


def _parse_rural_zips(table: Table, digest: str, wanted: str | None) -> ParsedFile:
    state, zip_column = table.index("STATE"), table.index(re.compile(r".*RURAL ZIP.*", re.I))
    period = table.index(re.compile(r"YEAR\s*/\s*(QTR|QUARTER)", re.I))
    zips: list[RuralZip] = []
    seen: dict[str, int] = {}
    quarters: set[tuple[int, int]] = set()
    for row in table.rows:
        code, year_quarter = row.cells[zip_column], row.cells[period]
        if not ZIP_CODE.fullmatch(code):
            raise table.error(row, f"ZIP code {code!r} is not five digits")
        if not LETTERS.fullmatch(row.cells[state]) or len(row.cells[state]) != 2:
            raise table.error(row, f"STATE {row.cells[state]!r} is not a state code")
        match = YEAR_QUARTER.fullmatch(year_quarter)
        if not match:
            raise table.error(row, f"YEAR/QTR {year_quarter!r} is not like 202501")
        if code in seen:
            raise table.error(row, f"ZIP code {code} repeats row {seen[code]}")
        seen[code] = row.number
        quarters.add((int(match.group(1)), int(match.group(2))))
        zips.append(RuralZip(row.cells[state], code, year_quarter, row.number))
    if len(quarters) != 1:
        raise TableError(table.source, "the rows name no single YEAR/QTR")
    ((year, number),) = quarters
    start = date(year, 3 * number - 2, 1)
    name = quarter_name(start)
    if wanted is not None and wanted != name:
        raise TableError(table.source, f"YEAR/QTR says {name}, not {wanted}")
    return ParsedFile(
        RURAL_ZIP, table.source, digest, " ".join(table.title_rows), name, start, zips=zips
    )


# The files of a quarter folder that import_dmepos reads (the former competitive bidding
# area files beside them have another layout and are not imported).
FEE_FILE_NAME = re.compile(
    r"(DMEPOS|DMEPEN|DME\s*Rural\s*ZIP|DMERuralZIP).*\.(csv|xlsx|xls|zip)$", re.I
)


def quarter_folders(data_dir: Path) -> list[Path]:
    """The quarter folders (named like 2025-apr) under `data_dir`, oldest first."""
    if not Path(data_dir).is_dir():
        return []
    folders = [p for p in Path(data_dir).iterdir() if QUARTER_NAME.fullmatch(p.name)]
    return sorted(folders, key=lambda p: quarter_start(p.name))


def fee_files(folder: Path) -> list[Path]:
    """The fee files of a quarter folder; two of one dataset (not twins) are refused.

    Each file replaces its dataset for the quarter, so of a whole file and a partial
    copy beside it, the one imported last would win. The same table as .csv and .xlsx
    (one name) is a twin: the second import finds nothing to change.
    """
    found = sorted(p for p in folder.iterdir() if p.is_file() and FEE_FILE_NAME.match(p.name))
    stems_by_kind: dict[str, dict[str, str]] = {}
    for path in found:
        match = FEE_FILE_NAME.match(path.name)
        assert match is not None  # every file in `found` matched
        kind = "rural ZIP" if "RURAL" in match.group(1).upper() else match.group(1).upper()
        stems_by_kind.setdefault(kind, {}).setdefault(path.stem.casefold(), path.name)
    for kind, names in stems_by_kind.items():
        if len(names) > 1:
            raise FeeFileError(
                f"{folder.name}: holds {len(names)} {kind} fee files "
                f"({', '.join(names.values())}); a quarter has one. Keep only the file to import"
            )
    return found
