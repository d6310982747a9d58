"""CSV and JSON downloads of any list or search, streamed row by row.

A whole section or an unfiltered list is thousands of codes, so responses are generated
from a server-side iterator instead of being built in memory first.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from codes import layout
from codes.layout import repeated_columns
from codes.payments.drugs import newest_price_subquery

FORMATS = ("csv", "json")
COLUMNS = [
    "code",
    "kind",
    "short_description",
    "long_description",
    "status",
    "coverage_code",
    "betos_code",
    "type_of_service_codes",
    "pricing_indicators",
    "action_code",
    "date_added",
    "action_effective_date",
    "termination_date",
    "asp_quarter",
    "billing_unit",
    "payment_limit",
]
# A drug code's figures from the newest ASP pricing quarter that lists it (blank otherwise).
_DRUG_COLUMNS = {
    "asp_quarter": "dataset__quarter",
    "billing_unit": "dosage",
    "payment_limit": "payment_limit",
}
_SOURCE_COLUMNS = [
    "code",
    "kind",
    "short_description",
    "long_description",
    "coverage_code",
    "betos_code",
    "action_code",
    "date_added",
    "action_effective_date",
    "termination_date",
    *repeated_columns("type_of_service_codes"),
    *repeated_columns("pricing_indicators"),
]
CHUNK_SIZE = 1000
_DATE_COLUMNS = [c for c in COLUMNS if c in layout.columns_of_type(layout.DATE)]


def rows(queryset: QuerySet) -> Iterator[dict]:
    """Export rows in the queryset's order; dates as ISO strings, repeated fields as lists."""
    drug_figures = {name: newest_price_subquery(field) for name, field in _DRUG_COLUMNS.items()}
    values_of = queryset.annotate(**drug_figures).values(*_SOURCE_COLUMNS, *_DRUG_COLUMNS)
    for values in values_of.iterator(chunk_size=CHUNK_SIZE):
        row = {name: values.get(name) for name in COLUMNS}
        if row["payment_limit"] is not None:
            # SQLite hands a subquery's decimal back without the column's places.
            row["payment_limit"] = f"{row['payment_limit']:.3f}"
        row["status"] = "terminated" if values["termination_date"] else "active"
        row["type_of_service_codes"] = _present(values, "type_of_service_codes")
        row["pricing_indicators"] = _present(values, "pricing_indicators")
        for name in _DATE_COLUMNS:
            row[name] = row[name].isoformat() if row[name] else None
        yield row


def _present(values: dict, group: str) -> list[str]:
    return [values[c] for c in repeated_columns(group) if values[c]]


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterable[dict], columns: list[str] = COLUMNS) -> Iterator[str]:
    """CSV lines of records whose keys are `columns`, in that order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in records:
        yield writer.writerow(
            [" ".join(v) if isinstance(v, list) else ("" if v is None else v) for v in row.values()]
        )


def json_chunks(records: Iterable[dict]) -> Iterator[str]:
    yield "["
    for n, row in enumerate(records):
        yield ("," if n else "") + "\n" + json.dumps(row)
    yield "\n]\n"


def response(queryset: QuerySet, fmt: str, filename: str) -> StreamingHttpResponse:
    """A streamed download of `queryset` as `fmt` ("csv" or "json")."""
    return stream(rows(queryset), COLUMNS, fmt, filename)


def stream(
    records: Iterable[dict], columns: list[str], fmt: str, filename: str
) -> StreamingHttpResponse:
    """A streamed download of records (dicts keyed by `columns`) as `fmt`."""
    if fmt == "csv":
        result = StreamingHttpResponse(csv_lines(records, columns), content_type="text/csv")
        result["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        result = StreamingHttpResponse(json_chunks(records), content_type="application/json")
        result["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return result
