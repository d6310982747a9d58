"""A code page's payment rows, read by the record query itself instead of by their own.

A code the drug files list shows its payment limits of every quarter and the NDC
packages of the newest crosswalk; a code in the DMEPOS fee schedule, its fee rows of
every quarter. Read on their own, that is a query for each (and Django turning 175 NDC
rows with their datasets into model instances). Instead the code page's record query
(presentation.code_record, compiled once per connection) carries each as one JSON
array column, the rows in page order, and `prices`, `packages` and `fees` turn it into
model instances sharing the datasets and quarters, which are read once per data version
(codes/versioned.py): every import and removal moves the version on. A record read any
other way carries no such columns, and the callers read the rows as before.

The arrays are JSON text on both engines (PostgreSQL's json type would come back as
floats): each row is [place, column...], its place numbered in SQL by the page's order
(a JSON aggregate's own order is not guaranteed), decimals parsed as `Decimal` and
quantized to their column's places, as Django's own converters give them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from django.db.models import (
    CharField,
    DecimalField,
    F,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Window,
)
from django.db.models.functions import RowNumber

from codes.models import AspPrice, DmeposFee, DmeposQuarter, DrugDataset, NdcPackage
from codes.versioned import PerVersion

M = TypeVar("M", bound=Model)
_PLACE = "page_place"
# The order a page shows each set in, read here or by its own query.
PRICE_ORDER = ("-dataset__effective_start",)
PACKAGE_ORDER = ("drug_name", "ndc")
FEE_ORDER = ("-quarter__effective_date", "dataset", "source_row")


class JsonRows(Subquery):
    """A correlated queryset's rows as one JSON array of arrays: [place, *columns]."""

    output_field = TextField()

    def __init__(self, queryset: QuerySet, order_by: Sequence[str]):
        _check_convertible(queryset.model)
        self.columns = [field.attname for field in queryset.model._meta.concrete_fields]
        self.json_columns = {
            field.attname
            for field in queryset.model._meta.concrete_fields
            if isinstance(field, JSONField)
        }
        place = Window(RowNumber(), order_by=[_ordering(name) for name in order_by])
        rows = queryset.order_by().annotate(**{_PLACE: place}).values(_PLACE, *self.columns)
        super().__init__(rows)
        self.selected = [_PLACE, *self.columns]

    def as_sql(self, compiler, connection, template=None, **extra_context):
        rows_sql, params = super().as_sql(compiler, connection)
        quote = connection.ops.quote_name
        postgres = connection.vendor == "postgresql"
        cells = ", ".join(
            f"json({quote(c)})" if c in self.json_columns and not postgres else quote(c)
            for c in self.selected
        )
        if postgres:
            array = f"COALESCE(JSON_AGG(JSON_BUILD_ARRAY({cells})), '[]')::text"
        else:
            array = f"JSON_GROUP_ARRAY(JSON_ARRAY({cells}))"
        return f"(SELECT {array} FROM {rows_sql} AS {quote('payment_rows')})", params


# Column types whose JSON value `_instances` turns into what Django's converters give.
_CONVERTIBLE = (CharField, TextField, IntegerField, DecimalField, JSONField, ForeignKey)


def _check_convertible(model: type[Model]) -> None:
    for field in model._meta.concrete_fields:
        if not isinstance(field, _CONVERTIBLE):
            raise TypeError(f"{model.__name__}.{field.name}: no JSON conversion for {field}")


def _ordering(name: str):
    return F(name[1:]).desc() if name.startswith("-") else F(name).asc()


def _newest_crosswalk() -> Subquery:
    """The newest ASP crosswalk dataset listing the outer code (its packages are shown)."""
    return Subquery(
        DrugDataset.objects.filter(
            kind=DrugDataset.DatasetKind.ASP_CROSSWALK,
            packages__hcpcs_code=OuterRef(OuterRef("code")),
        )
        .order_by("-effective_start")
        .values("id")[:1]
    )


def record_annotations() -> dict[str, JsonRows]:
    """The payment rows of the record's code, for the code page's record query."""
    return {
        "asp_price_rows": JsonRows(
            AspPrice.objects.filter(hcpcs_code=OuterRef("code")),
            PRICE_ORDER,
        ),
        "ndc_package_rows": JsonRows(
            NdcPackage.objects.filter(hcpcs_code=OuterRef("code"), dataset=_newest_crosswalk()),
            PACKAGE_ORDER,
        ),
        "dmepos_fee_rows": JsonRows(
            DmeposFee.objects.filter(hcpcs=OuterRef("code")),
            FEE_ORDER,
        ),
    }


_DATASETS: PerVersion[dict[int, DrugDataset]] = PerVersion(
    lambda: {dataset.pk: dataset for dataset in DrugDataset.objects.all()}
)
_QUARTERS: PerVersion[dict[int, DmeposQuarter]] = PerVersion(
    lambda: {quarter.pk: quarter for quarter in DmeposQuarter.objects.all()}
)


def _decimal_places(model: type[Model]) -> list[tuple[int, Decimal]]:
    """(position in a row, quantum) of each decimal column of `model`."""
    return [
        (position, Decimal(1).scaleb(-field.decimal_places))
        for position, field in enumerate(model._meta.concrete_fields)
        if isinstance(field, DecimalField)
    ]


def _instances(
    record: Model, column: str, model: type[M], related: str, memo: PerVersion
) -> list[M]:
    """The rows of a `JsonRows` column of `record` as `model` instances, each with its
    `related` object (a foreign key) from `memo` (every such object by id)."""
    text: str | None = getattr(record, column, None)
    if not text or text == "[]":
        return []
    rows = sorted(json.loads(text, parse_float=Decimal), key=lambda row: row[0])
    decimals = _decimal_places(model)
    fk = model._meta.get_field(related)
    assert isinstance(fk, ForeignKey), f"{model.__name__}.{related} is not a foreign key"
    names = [field.attname for field in model._meta.concrete_fields]
    fk_at = 1 + names.index(fk.attname)
    version = _version(record)
    by_id = memo.get(version)
    if any(row[fk_at] not in by_id for row in rows):
        # Read under another state of the data with the same version number (one rolled
        # back): read again, for this page and the next ones.
        memo.forget()
        by_id = memo.get(version)
    db = record._state.db or "default"
    instances = []
    for row in rows:
        values = row[1:]
        for position, quantum in decimals:
            if values[position] is not None:
                values[position] = Decimal(values[position]).quantize(quantum)
        instance = model.from_db(db, names, values)
        fk.set_cached_value(instance, by_id[getattr(instance, fk.attname)])
        instances.append(instance)
    return instances


def carries_rows(record: Model) -> bool:
    return hasattr(record, "asp_price_rows")


def _version(record: Model) -> tuple[str, int] | None:
    number: int | None = getattr(record, "data_number", None)
    return None if number is None else (getattr(record, "data_epoch", ""), number)


def prices(record: Model) -> list[AspPrice]:
    """The code's payment limits, newest quarter first (a record that `carries_rows`)."""
    return _instances(record, "asp_price_rows", AspPrice, "dataset", _DATASETS)


def packages(record: Model) -> list[NdcPackage]:
    """The code's NDC packages of the newest crosswalk, by drug name and NDC."""
    return _instances(record, "ndc_package_rows", NdcPackage, "dataset", _DATASETS)


def fees(record: Model) -> list[DmeposFee]:
    """The code's fee rows, newest quarter first, then by dataset and source row."""
    return _instances(record, "dmepos_fee_rows", DmeposFee, "quarter", _QUARTERS)
