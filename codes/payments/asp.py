"""Importing CMS's quarterly Medicare Part B drug files: ASP pricing, NDC–HCPCS crosswalk, NOC.

CMS publishes four tables each quarter, as .csv, .xlsx, legacy .xls, or zips of them:

* the ASP pricing file: per HCPCS code the billing unit ("HCPCS Code Dosage"), the payment
  limit per unit, co-insurance and the vaccine, blood and clotting factor columns;
* the ASP NDC–HCPCS crosswalk: every NDC package billed under a code, with its labeler,
  trade name ("Drug Name"), package size and billable units per package;
* the NOC pricing file and NOC crosswalk: the same for drugs with no code of their own.

`read(path)` finds the tables at a path (a file, a zip, or a quarter's folder), tells them
apart by their header's first cell, and turns each into a `ParsedDataset`, naming the file
and row of anything wrong; `load(parsed)` writes one dataset in one transaction.

Facts the parser relies on: header rows sit below title rows (found by their first cell),
the quarter comes from the title's "Effective October 1, 2025 through December 31, 2025";
both ASP files list CPT codes (vaccines, immune globulins) whose descriptors are AMA
material, so rows whose code does not start with a letter are skipped and counted; a zip
may hold one table twice (.xls and its "section 508" .csv): the .csv, whose figures are
the three decimals CMS displays, is read; a workbook stores unrounded figures behind
those three decimals, so workbook numbers are rounded to the column's places while a CSV
number with more places than its column is refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from codes.code_shapes import HCPCS_CODE
from codes.dataversion import record_change
from codes.importer import MONTHS, ImportFailure, parse_release_name
from codes.models import AspPrice, DrugDataset, NdcPackage, NocPackage, NocPrice
from codes.payments import guard, ndc, tables

Kind = DrugDataset.DatasetKind
NOT_A_NUMBER = {"N/A", "NA"}
# Which format to read when a zip or folder holds the same table more than once.
FORMAT_PREFERENCE = (".csv", ".xlsx", ".xls")
Progress = Callable[[int], object]


@dataclass(frozen=True)
class Column:
    field: str
    heading: str | re.Pattern
    kind: str = "text"  # text | decimal | limit | code | ndc


@dataclass(frozen=True)
class Layout:
    kind: str
    model: type[models.Model]
    first_heading: str | re.Pattern
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # fields unique within one file

    @property
    def code_field(self) -> str | None:
        return next((c.field for c in self.columns if c.kind == "code"), None)


_PACKAGE_COLUMNS = (
    Column("package_size", "PKG SIZE", "decimal"),
    Column("package_quantity", "PKG QTY", "decimal"),
    Column("billing_units", "BILLUNITS", "decimal"),
    Column("billing_units_per_package", "BILLUNITSPKG", "decimal"),
)
_CROSSWALK_CODE = re.compile(r"_\d{4}_CODE", re.IGNORECASE)
LAYOUTS: dict[str, Layout] = {
    Kind.ASP_PRICING: Layout(
        Kind.ASP_PRICING,
        AspPrice,
        "HCPCS Code",
        (
            Column("hcpcs_code", "HCPCS Code", "code"),
            Column("short_description", "Short Description"),
            Column("dosage", "HCPCS Code Dosage"),
            Column("payment_limit", "Payment Limit", "limit"),
            Column("coinsurance_percent", "Co-insurance Percentage", "decimal"),
            Column("vaccine_awp_percent", "Vaccine AWP%", "decimal"),
            Column("vaccine_limit", "Vaccine Limit", "decimal"),
            Column("blood_awp_percent", "Blood AWP%", "decimal"),
            Column("blood_limit", "Blood limit", "decimal"),
            Column("clotting_factor", "Clotting Factor"),
            Column("notes", "Notes"),
        ),
        ("hcpcs_code",),
    ),
    Kind.ASP_CROSSWALK: Layout(
        Kind.ASP_CROSSWALK,
        NdcPackage,
        _CROSSWALK_CODE,
        (
            Column("hcpcs_code", _CROSSWALK_CODE, "code"),
            Column("short_description", "Short Description"),
            Column("labeler_name", "LABELER NAME"),
            Column("ndc", "NDC2", "ndc"),
            Column("drug_name", "Drug Name"),
            Column("hcpcs_dosage", "HCPCS dosage"),
            *_PACKAGE_COLUMNS,
        ),
        ("hcpcs_code", "ndc"),
    ),
    Kind.NOC_PRICING: Layout(
        Kind.NOC_PRICING,
        NocPrice,
        "Drug Generic Name (Trade Name)",
        (
            Column("generic_name", "Drug Generic Name (Trade Name)"),
            Column("dosage", "Dosage"),
            Column("payment_limit", "Payment Limit", "limit"),
            Column("notes", "Notes"),
        ),
        ("generic_name", "dosage"),
    ),
    Kind.NOC_CROSSWALK: Layout(
        Kind.NOC_CROSSWALK,
        NocPackage,
        "Drug Generic Name",
        (
            Column("generic_name", "Drug Generic Name"),
            Column("labeler_name", "LABELER NAME"),
            Column("ndc", "NDC or ALTERNATE ID", "ndc"),
            Column("drug_name", "Drug Name"),
            Column("dosage", "Dosage"),
            *_PACKAGE_COLUMNS,
        ),
        ("generic_name", "ndc"),
    ),
}
# Any of the four headers' first cells.
ANY_HEADER = re.compile(
    r"HCPCS Code|_\d{4}_CODE|Drug Generic Name|Drug Generic Name \(Trade Name\)", re.IGNORECASE
)


@dataclass
class ParsedDataset:
    kind: str
    quarter: str
    effective_start: date
    effective_end: date | None
    title_rows: tuple[str, ...]
    source_name: str
    sha256: str
    rows: list[dict] = field(default_factory=list)
    cpt_rows_skipped: int = 0
    file_sha256: str = ""  # of the file given: the zip, for a table inside one

    @property
    def label(self) -> str:
        return f"{Kind(self.kind).label} {self.quarter} ({self.source_name})"


@dataclass(frozen=True)
class LoadResult:
    dataset: ParsedDataset
    outcome: str  # created | replaced | unchanged

    @property
    def changed(self) -> bool:
        return self.outcome != "unchanged"


def _no_progress(_: int) -> None:
    return None


# Finding and reading the tables ------------------------------------------------------------


def files_at(path: Path) -> list[Path]:
    """The files a path stands for: itself, or the tables and zips in a folder."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    found = [
        item
        for item in sorted(path.iterdir())
        if item.is_file() and item.suffix.lower() in (*tables.TABULAR_SUFFIXES, ".zip")
    ]
    if not found:
        raise tables.TableError(path.name, "holds no .csv, .xlsx, .xls or .zip file")
    return found


def file_digest(path: Path) -> str:
    return hashlib.sha256(tables.read_bytes(Path(path))).hexdigest()


def sources_at(path: Path) -> list[tuple[tables.Source, str]]:
    """Each table at a path (a zip's members one by one) with its file's sha256."""
    return [
        (source, file_digest(item)) for item in files_at(path) for source in tables.sources(item)
    ]


def identify(source: tables.Source) -> tuple[Layout, tables.Table]:
    """The layout of a table, told by its header's first cell."""
    table = tables.read_table(source, ANY_HEADER)
    first = table.headings[0]
    for layout in LAYOUTS.values():
        if tables.heading_matches(first, layout.first_heading):
            return layout, table
    raise tables.TableError(source.name, f"header {first!r} is not an ASP file's", table.header_row)


def read(
    path: Path, quarter: str | None = None, progress: Progress = _no_progress
) -> list[ParsedDataset]:
    """Every dataset at `path`, one per kind (the preferred format when a table is twice)."""
    chosen: dict[str, tuple[tables.Source, str, Layout, tables.Table]] = {}
    for source, digest in sorted(sources_at(path), key=_format_rank):
        layout, table = identify(source)
        if layout.kind in chosen:
            _refuse_second_copy(path, chosen[layout.kind][0], source, layout)
            continue
        chosen[layout.kind] = (source, digest, layout, table)
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    parsed = []
    for source, digest, layout, table in chosen.values():
        dataset = parse_table(
            source, layout, table, quarter or _quarter_of_folder(folder), progress
        )
        dataset.file_sha256 = digest
        parsed.append(dataset)
    return parsed


def _refuse_second_copy(
    path: Path, first: tables.Source, second: tables.Source, layout: Layout
) -> None:
    """Two files of one table and format: which one is whole cannot be told, so neither.

    The same table in another format (CMS's .xls and its "section 508" .csv) is a twin,
    and the preferred format is read.
    """
    if first.suffix == second.suffix:
        raise tables.TableError(
            Path(path).name,
            f"holds the {Kind(layout.kind).label} twice ({first.name}, {second.name}); a "
            "quarter has one. Keep only the file to import",
        )


def _format_rank(item: tuple[tables.Source, str]) -> tuple[int, str]:
    source = item[0]
    return FORMAT_PREFERENCE.index(source.suffix), source.name


def _quarter_of_folder(folder: Path) -> str | None:
    try:
        return parse_release_name(folder.name)[0]
    except ImportFailure:
        return None


def quarter_name(day: date) -> str:
    return f"{day.year}-{MONTHS[day.month - 1]}"


def parse_table(
    source: tables.Source,
    layout: Layout,
    table: tables.Table,
    quarter: str | None = None,
    progress: Progress = _no_progress,
) -> ParsedDataset:
    """The rows of one table as model field values; CPT rows skipped and counted."""
    start, end, name = _period(table, quarter)
    parsed = ParsedDataset(
        kind=layout.kind,
        quarter=name,
        effective_start=start,
        effective_end=end,
        title_rows=table.title_rows,
        source_name=source.name,
        sha256=hashlib.sha256(source.data).hexdigest(),
    )
    positions = [(column, table.index(column.heading)) for column in layout.columns]
    sizes = {
        f.name: (f.max_digits, f.decimal_places)
        for f in layout.model._meta.fields
        if isinstance(f, models.DecimalField)
    }
    rounding = source.suffix != ".csv"
    seen: dict[tuple, int] = {}
    for row in table.rows:
        progress(1)
        values = {"source_row": row.number}
        skip = False
        for column, position in positions:
            text = row.cells[position]
            if column.kind == "code":
                skip = _is_cpt(table, row, text)
                if skip:
                    break
            values.update(_converted(table, row, column, text, sizes, rounding))
        if skip:
            parsed.cpt_rows_skipped += 1
            continue
        key = tuple(values[name] for name in layout.key)
        if key in seen:
            raise table.error(row, f"repeats row {seen[key]} ({', '.join(map(str, key))})")
        seen[key] = row.number
        parsed.rows.append(values)
    return parsed


def _period(table: tables.Table, quarter: str | None) -> tuple[date, date | None, str]:
    period = table.period
    if period is not None:
        named = quarter_name(period.start)
        if quarter and quarter.strip().lower() != named:
            raise tables.TableError(table.source, f"the title rows say {named}, not {quarter}")
        return period.start, period.end, named
    if quarter:
        try:
            name, start = parse_release_name(quarter)
        except ImportFailure as exc:
            raise tables.TableError(table.source, f"quarter {quarter!r}: {exc}") from exc
        return start, None, name
    raise tables.TableError(
        table.source, "no effective period in the title rows; give the quarter (--quarter)"
    )


def _is_cpt(table: tables.Table, row: tables.Row, code: str) -> bool:
    if not code:
        raise table.error(row, "row has no HCPCS code")
    if not code[0].isalpha():
        return True
    if not HCPCS_CODE.fullmatch(code):
        raise table.error(row, f"{code!r} is not a HCPCS code")
    return False


def _converted(
    table: tables.Table,
    row: tables.Row,
    column: Column,
    text: str,
    sizes: dict[str, tuple[int, int]],
    rounding: bool,
) -> dict:
    if column.kind == "ndc":
        return {"ndc": text, "ndc11": ndc.normalise(text) or ""}
    if column.kind == "limit":
        if text.upper() in NOT_A_NUMBER:
            return {column.field: None, f"{column.field}_text": text}
        number = _decimal(table, row, column, sizes[column.field], rounding)
        return {column.field: number, f"{column.field}_text": ""}
    if column.kind == "decimal":
        return {column.field: _decimal(table, row, column, sizes[column.field], rounding)}
    return {column.field: text}


def _decimal(
    table: tables.Table, row: tables.Row, column: Column, size: tuple[int, int], rounding: bool
) -> Decimal | None:
    digits, places = size
    number = table.decimal(row, column.heading)
    if number is None:
        return None
    if tables.decimal_places(number) > places:
        if not rounding:
            label = table.headings[table.index(column.heading)]
            raise table.error(row, f"{label} {number} has more than {places} decimals")
        number = number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if number.adjusted() >= digits - places:
        label = table.headings[table.index(column.heading)]
        raise table.error(row, f"{label} {number} is too large")
    return number


# Loading ------------------------------------------------------------------------------------


def is_loaded(path: Path) -> bool:
    """Whether every file at `path` is loaded as it is now (no need to read it again)."""
    digests = {file_digest(item) for item in files_at(path)}
    loaded = set(DrugDataset.objects.filter(file_sha256__in=digests).values_list("file_sha256"))
    return len(loaded) == len(digests)


def load_file(datasets: list[ParsedDataset], *, allow_removals: bool = False) -> list[LoadResult]:
    """The datasets of one file (a zip may hold several) in one transaction."""
    with transaction.atomic():
        return [load(dataset, allow_removals=allow_removals) for dataset in datasets]


def load(parsed: ParsedDataset, *, allow_removals: bool = False) -> LoadResult:
    """Write one dataset in one transaction; the same data again writes nothing.

    Unless `allow_removals`, a dataset that would drop rows by accident is refused first
    (`codes.payments.guard`).
    """
    layout = LAYOUTS[parsed.kind]
    manager = layout.model._default_manager
    with transaction.atomic():
        dataset = DrugDataset.objects.filter(kind=parsed.kind, quarter=parsed.quarter).first()
        if dataset is not None and _same_rows(layout, dataset, parsed.rows):
            return LoadResult(parsed, "unchanged")
        if not allow_removals:
            guarded(parsed, dataset).check()
        record_change()  # codes.dataversion: pages of the state before this are never served
        outcome = "replaced" if dataset is not None else "created"
        if dataset is None:
            dataset = DrugDataset(kind=parsed.kind, quarter=parsed.quarter)
        else:
            manager.filter(dataset=dataset).delete()
            dataset.loaded_at = timezone.now()
        dataset.effective_start = parsed.effective_start
        dataset.effective_end = parsed.effective_end
        dataset.title = next(iter(parsed.title_rows), "")[:300]
        dataset.title_rows = "\n".join(parsed.title_rows)
        dataset.source_name = parsed.source_name[:255]
        dataset.sha256 = parsed.sha256
        dataset.file_sha256 = parsed.file_sha256 or parsed.sha256
        dataset.row_count = len(parsed.rows)
        dataset.cpt_rows_skipped = parsed.cpt_rows_skipped
        dataset.save()
        manager.bulk_create(
            (layout.model(dataset=dataset, **values) for values in parsed.rows), batch_size=1000
        )
    return LoadResult(parsed, outcome)


UNITS: dict[str, str] = {
    Kind.ASP_PRICING: "HCPCS codes priced",
    Kind.ASP_CROSSWALK: "NDC crosswalk rows",
    Kind.NOC_PRICING: "NOC drugs priced",
    Kind.NOC_CROSSWALK: "NOC crosswalk rows",
}


def guarded(parsed: ParsedDataset, loaded: DrugDataset | None) -> guard.TableRows:
    """`parsed` beside its quarter as loaded now and the nearest loaded quarters."""
    layout = LAYOUTS[parsed.kind]
    rows = guard.TableRows(
        parsed.source_name,
        parsed.quarter,
        UNITS[parsed.kind],
        {tuple(row[name] for name in layout.key) for row in parsed.rows},
    )
    if loaded is not None:
        stored = layout.model._default_manager.filter(dataset=loaded)
        rows.loaded = set(stored.values_list(*layout.key))
    others = DrugDataset.objects.filter(kind=parsed.kind).exclude(quarter=parsed.quarter)
    start = parsed.effective_start
    for nearest in (
        others.filter(effective_start__lt=start).order_by("-effective_start").first(),
        others.filter(effective_start__gt=start).order_by("effective_start").first(),
    ):
        if nearest is not None:
            rows.neighbours.append(guard.Neighbour(nearest.quarter, nearest.row_count))
    return rows


def check_removals(parsed: ParsedDataset) -> None:
    """Raise guard.RemovalRefused when loading `parsed` would drop rows by accident."""
    loaded = DrugDataset.objects.filter(kind=parsed.kind, quarter=parsed.quarter).first()
    guarded(parsed, loaded).check()


def _same_rows(layout: Layout, dataset: DrugDataset, rows: list[dict]) -> bool:
    if not rows:
        return not layout.model._default_manager.filter(dataset=dataset).exists()
    names = list(rows[0])
    stored = (
        layout.model._default_manager.filter(dataset=dataset).order_by("source_row").values(*names)
    )
    return list(stored) == sorted(rows, key=lambda r: r["source_row"])


def datasets_under(data_dir: Path) -> list[Path]:
    """Quarter folders (named like 2025-oct) under the data folder, oldest first."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    folders = []
    for folder in data_dir.iterdir():
        if folder.is_dir() and _quarter_of_folder(folder):
            folders.append((parse_release_name(folder.name)[1], folder))
    return [folder for _, folder in sorted(folders)]


def summary(results: Iterable[LoadResult]) -> list[str]:
    lines = []
    for result in results:
        parsed = result.dataset
        lines.append(
            f"{parsed.label}: {len(parsed.rows)} rows"
            f" ({parsed.cpt_rows_skipped} CPT rows skipped); {result.outcome}."
        )
    return lines
