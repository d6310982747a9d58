"""Writing a parsed DMEPOS, PEN or rural ZIP file into its quarter, in one transaction.

Each quarter's files are complete replacements (DMEREAD: "complete replacement files for
the DMEPOS fee schedule, not only the changes"), so after a load the quarter's rows of
that dataset are exactly the file's: new rows created, changed ones updated, rows the
file no longer lists removed, the rest untouched. Loading the same file again finds
nothing to do; other quarters are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from codes.dataversion import record_change
from codes.models import DmeposFee, DmeposFile, DmeposQuarter, DmeposRuralZip
from codes.payments import guard
from codes.payments.dmepos import RURAL_ZIP, FeeFileError, FeeRecord, ParsedFile

BATCH_SIZE = 500
_FEE_FIELDS = (
    "jurisdiction",
    "category",
    "ceiling",
    "floor",
    "state_fees",
    "description",
    "source_row",
)


@dataclass(frozen=True)
class LoadStats:
    quarter: str
    dataset: str
    source_name: str
    rows: int
    created: int
    updated: int
    unchanged: int
    removed: int
    cpt_rows_skipped: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def is_loaded(digest: str) -> bool:
    """A file with these exact bytes is already loaded (into whichever quarter it names)."""
    return DmeposFile.objects.filter(sha256=digest).exists()


def load_together(
    parsed_files: list[ParsedFile], *, allow_removals: bool = False
) -> list[LoadStats]:
    """Write the files of one source (the tables of one CMS zip) in one transaction:
    all of them, or, if one is refused or fails, none."""
    with transaction.atomic():
        return [load(parsed, allow_removals=allow_removals) for parsed in parsed_files]


def load(parsed: ParsedFile, *, allow_removals: bool = False) -> LoadStats:
    """Write one file into its quarter; unless `allow_removals`, a file that would drop
    rows by accident is refused first (`codes.payments.guard`)."""
    with transaction.atomic():
        if not allow_removals:
            check_removals(parsed)
        record_change()  # codes.dataversion: pages of the state before this are never served
        quarter = _quarter(parsed)
        if parsed.dataset == RURAL_ZIP:
            counts = _replace_zips(quarter, parsed)
        else:
            counts = _sync_fees(quarter, parsed)
        DmeposFile.objects.update_or_create(
            quarter=quarter,
            dataset=parsed.dataset,
            defaults={
                "title": parsed.title[:300],
                "source_name": parsed.source_name[:255],
                "sha256": parsed.sha256,
                "row_count": parsed.row_count,
                "cpt_rows_skipped": parsed.cpt_rows_skipped,
            },
        )
    return LoadStats(
        parsed.quarter,
        parsed.dataset,
        parsed.source_name,
        parsed.row_count,
        *counts,
        parsed.cpt_rows_skipped,
    )


def guarded(parsed: ParsedFile) -> guard.TableRows:
    """`parsed` beside its quarter as loaded now and the nearest loaded quarters."""
    if parsed.dataset == RURAL_ZIP:
        unit = "rural ZIP codes"
        keys: set[guard.Key] = {(z.zip_code,) for z in parsed.zips}
        zips = DmeposRuralZip.objects.filter(quarter__name=parsed.quarter)
        loaded: set[guard.Key] = set(zips.values_list("zip_code"))
    else:
        unit = "fee rows"
        keys = {record.key for record in parsed.fees}
        fees = DmeposFee.objects.filter(quarter__name=parsed.quarter, dataset=parsed.dataset)
        loaded = set(fees.values_list("hcpcs", "modifier", "modifier_2"))
    rows = guard.TableRows(parsed.source_name, parsed.quarter, unit, keys, loaded)
    others = DmeposFile.objects.filter(dataset=parsed.dataset).exclude(quarter__name=parsed.quarter)
    day = parsed.effective_date
    for nearest in (
        others.filter(quarter__effective_date__lt=day).order_by("-quarter__effective_date"),
        others.filter(quarter__effective_date__gt=day).order_by("quarter__effective_date"),
    ):
        file = nearest.select_related("quarter").first()
        if file is not None:
            rows.neighbours.append(guard.Neighbour(file.quarter.name, file.row_count))
    return rows


def check_removals(parsed: ParsedFile) -> None:
    """Raise guard.RemovalRefused when loading `parsed` would drop rows by accident."""
    guarded(parsed).check()


def _quarter(parsed: ParsedFile) -> DmeposQuarter:
    quarter, _ = DmeposQuarter.objects.get_or_create(
        name=parsed.quarter, defaults={"effective_date": parsed.effective_date}
    )
    if quarter.effective_date != parsed.effective_date:
        raise FeeFileError(
            f"{parsed.source_name}: quarter {quarter.name} is loaded as effective "
            f"{quarter.effective_date}, the file says {parsed.effective_date}"
        )
    return quarter


def _as_row(record: FeeRecord) -> dict:
    return {
        "jurisdiction": record.jurisdiction,
        "category": record.category,
        "ceiling": record.ceiling,
        "floor": record.floor,
        "state_fees": [list(fee) for fee in record.state_fees],
        "description": record.description,
        "source_row": record.source_row,
    }


def _sync_fees(quarter: DmeposQuarter, parsed: ParsedFile) -> tuple[int, int, int, int]:
    existing = {
        (fee.hcpcs, fee.modifier, fee.modifier_2): fee
        for fee in DmeposFee.objects.filter(quarter=quarter, dataset=parsed.dataset)
    }
    created, changed, unchanged = [], [], 0
    for record in parsed.fees:
        values = _as_row(record)
        fee = existing.pop(record.key, None)
        if fee is None:
            created.append(
                DmeposFee(
                    quarter=quarter,
                    dataset=parsed.dataset,
                    hcpcs=record.hcpcs,
                    modifier=record.modifier,
                    modifier_2=record.modifier_2,
                    **values,
                )
            )
        elif any(getattr(fee, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(fee, name, value)
            changed.append(fee)
        else:
            unchanged += 1
    DmeposFee.objects.bulk_create(created, batch_size=BATCH_SIZE)
    DmeposFee.objects.bulk_update(changed, _FEE_FIELDS, batch_size=BATCH_SIZE)
    DmeposFee.objects.filter(pk__in=[fee.pk for fee in existing.values()]).delete()
    return len(created), len(changed), unchanged, len(existing)


def _replace_zips(quarter: DmeposQuarter, parsed: ParsedFile) -> tuple[int, int, int, int]:
    """The rural ZIP list is rewritten whole: it has no per-row data worth diffing."""
    existing = set(
        DmeposRuralZip.objects.filter(quarter=quarter).values_list(
            "state", "zip_code", "year_quarter", "source_row"
        )
    )
    wanted = {(z.state, z.zip_code, z.year_quarter, z.source_row) for z in parsed.zips}
    if existing == wanted:
        return 0, 0, len(wanted), 0
    DmeposRuralZip.objects.filter(quarter=quarter).delete()
    DmeposRuralZip.objects.bulk_create(
        [
            DmeposRuralZip(quarter=quarter, **dict(zip(_ZIP_FIELDS, row, strict=True)))
            for row in sorted(wanted, key=lambda r: r[3])
        ],
        batch_size=BATCH_SIZE,
    )
    kept = len(existing & wanted)
    return len(wanted - existing), 0, kept, len(existing - wanted)


_ZIP_FIELDS = ("state", "zip_code", "year_quarter", "source_row")
