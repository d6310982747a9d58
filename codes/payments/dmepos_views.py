"""The DMEPOS fee schedule pages: the browse list (with CSV and JSON) and the quarter changes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

import django_filters
from django.core.paginator import Paginator
from django.db.models import TextField
from django.db.models.functions import Cast
from django.forms import ChoiceField
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from codes.exports import CHUNK_SIZE
from codes.filters import CODE_PART
from codes.models import DmeposFee, DmeposFile, DmeposQuarter, Kind, code_page_url
from codes.payments import dmepos_layout as layout
from codes.payments.dmepos_pages import FeeLine, dollars, fee_field, fee_json
from codes.views import _query_string

PAGE_SIZE = 50
# The columns of the browse list that carry a tooltip.
LIST_FIELDS = {
    key: fee_field(key)
    for key in ("modifier", "jurisdiction", "category", "ceiling", "floor", "description")
}
EXPORT_COLUMNS = [
    "quarter",
    "dataset",
    "hcpcs",
    "modifier",
    "modifier_2",
    "jurisdiction",
    "category",
    "ceiling",
    "floor",
    "description",
]


class DmeposFilter(django_filters.FilterSet):
    quarter = django_filters.ChoiceFilter(
        field_name="quarter__name", lookup_expr="exact", label="Quarter", empty_label=None
    )
    dataset = django_filters.ChoiceFilter(
        field_name="dataset",
        lookup_expr="exact",
        label="Schedule",
        empty_label="Any",
        choices=[c for c in DmeposFile.Dataset.choices if c[0] != DmeposFile.Dataset.RURAL_ZIP],
    )
    category = django_filters.ChoiceFilter(
        field_name="category",
        lookup_expr="exact",
        label="Category",
        empty_label="Any",
        choices=[(k, f"{k}: {v}") for k, v in layout.CATEGORIES.items()],
    )
    jurisdiction = django_filters.ChoiceFilter(
        field_name="jurisdiction",
        lookup_expr="exact",
        label="Jurisdiction",
        empty_label="Any",
        choices=[(k, f"{k}: {label}") for k, (label, _cms) in layout.JURISDICTIONS.items()],
    )
    code = django_filters.CharFilter(
        field_name="hcpcs", lookup_expr="startswith", label="Code starts", validators=[CODE_PART]
    )

    def __init__(self, data, quarters: list[DmeposQuarter], **kwargs):
        data = data.copy()
        for name in ("category", "jurisdiction", "code"):
            if name in data:
                data[name] = data[name].strip().upper()
        if not data.get("quarter") and quarters:
            data["quarter"] = quarters[0].name
        super().__init__(data, **kwargs)
        choices = [(q.name, f"{q.effective_date:%B %Y}") for q in quarters]
        self.filters["quarter"].extra["choices"] = choices
        cast(ChoiceField, self.form.fields["quarter"]).choices = choices

    @property
    def fields(self) -> list[dict]:
        """The fields shaped for _filter_form.html."""
        items = []
        for bound in self.form:
            value = "" if bound.value() is None else str(bound.value())
            options = None
            if bound.widget_type == "select":
                options = _options(bound, value)
            items.append({"field": bound, "value": value, "options": options})
        return items


def _options(bound, value: str) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) == value else "", label)
            for key, label in bound.field.choices
        ),
    )


@require_safe
def dmepos_list(request: HttpRequest) -> HttpResponseBase:
    quarters = list(DmeposQuarter.objects.filter(fees__isnull=False).distinct())
    filterset = DmeposFilter(request.GET, quarters, queryset=DmeposFee.objects.all())
    context = {
        "filter": filterset,
        "quarters": quarters,
        "list_url": request.path,
        "disclaimer": layout.DISCLAIMER,
        "fields": LIST_FIELDS,
    }
    if not filterset.is_valid():
        return render(request, "codes/dmepos_list.html", {**context, "invalid": True}, status=400)
    fees = filterset.qs.select_related("quarter").order_by(
        "hcpcs", "dataset", "modifier", "modifier_2"
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        return export(fees, fmt)
    page = Paginator(fees.defer("state_fees"), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        rows=[FeeLine(fee) for fee in page.object_list],
        page_query=_query_string(request, page=None, format=None),
        csv_query=_query_string(request, page=None, format="csv"),
        json_query=_query_string(request, page=None, format="json"),
    )
    return render(request, "codes/dmepos_list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(fees) -> Iterator[str]:
    writer = csv.writer(_Echo())
    states = list(layout.STATES)
    yield writer.writerow(
        EXPORT_COLUMNS + [f"{s} ({kind})" for s in states for kind in ("NR", "R")]
    )
    for fee in fees.iterator(chunk_size=CHUNK_SIZE):
        by_state = {state: (nr, r) for state, nr, r in fee.state_fees}
        amounts = [a or "" for s in states for a in by_state.get(s, ("", ""))]
        yield writer.writerow(
            [
                fee.quarter.name,
                fee.dataset,
                fee.hcpcs,
                fee.modifier,
                fee.modifier_2,
                fee.jurisdiction,
                fee.category,
                "" if fee.ceiling is None else fee.ceiling,
                "" if fee.floor is None else fee.floor,
                fee.description,
                *amounts,
            ]
        )


def _json_chunks(fees) -> Iterator[str]:
    yield "["
    for n, fee in enumerate(fees.iterator(chunk_size=CHUNK_SIZE)):
        yield (
            ("," if n else "")
            + "\n"
            + json.dumps({"quarter": fee.quarter.name, "dataset": fee.dataset, **fee_json(fee)})
        )
    yield "\n]\n"


def export(fees, fmt: str) -> StreamingHttpResponse:
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(fees), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="dmepos-fees.csv"'
    else:
        response = StreamingHttpResponse(_json_chunks(fees), content_type="application/json")
        response["Content-Disposition"] = 'inline; filename="dmepos-fees.json"'
    return response


# What changed from one quarter to the next --------------------------------------------------

_COMPARED = {
    name: layout.FIELD_DOCS[f"dmepos_{name}"].label
    for name in ("jurisdiction", "category", "ceiling", "floor", "description")
}


@dataclass
class RowChange:
    dataset: str
    hcpcs: str
    modifiers: str
    kind: str  # "added", "removed" or "changed"
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    fees: list[tuple[str, str, str]] = field(default_factory=list)  # (state column, before, after)

    @property
    def url(self) -> str:
        return code_page_url(Kind.PROCEDURE, self.hcpcs)

    def as_json(self) -> dict:
        return {
            "dataset": self.dataset,
            "hcpcs": self.hcpcs,
            "modifiers": self.modifiers,
            "change": self.kind,
            "fields": [{"field": f, "before": b, "after": a} for f, b, a in self.fields],
            "fees": [{"column": c, "before": b, "after": a} for c, b, a in self.fees],
        }


def compared_datasets(old: DmeposQuarter, new: DmeposQuarter) -> list[str]:
    """The schedules loaded in both quarters: a file missing from one is not a removal."""
    loaded = DmeposFile.objects.filter(quarter__in=[old, new]).exclude(
        dataset=DmeposFile.Dataset.RURAL_ZIP
    )
    pairs = set(loaded.values_list("quarter_id", "dataset"))
    return sorted({d for _q, d in pairs if {(old.pk, d), (new.pk, d)} <= pairs})


def _quarter_rows(quarter: DmeposQuarter, datasets: list[str]) -> dict[tuple, dict]:
    # The fees are compared as stored text first; only rows that differ are decoded.
    rows = DmeposFee.objects.filter(quarter=quarter, dataset__in=datasets).values(
        "dataset",
        "hcpcs",
        "modifier",
        "modifier_2",
        *_COMPARED,
        raw=Cast("state_fees", TextField()),
    )
    return {(r["dataset"], r["hcpcs"], r["modifier"], r["modifier_2"]): r for r in rows}


def _fee_changes(before: dict, after: dict) -> list[tuple[str, str, str]]:
    old = {s: (nr, r) for s, nr, r in json.loads(before["raw"])}
    new = {s: (nr, r) for s, nr, r in json.loads(after["raw"])}
    changes = []
    for state in dict.fromkeys([*old, *new]):
        for n, kind in enumerate(("NR", "R")):
            was = (old.get(state) or (None, None))[n]
            now = (new.get(state) or (None, None))[n]
            if was != now:
                changes.append((f"{state} ({kind})", dollars(was), dollars(now)))
    return changes


def _shown(value) -> str:
    return "" if value is None else str(value)


def compare_quarters(
    old: DmeposQuarter, new: DmeposQuarter, datasets: list[str]
) -> list[RowChange]:
    before, after = _quarter_rows(old, datasets), _quarter_rows(new, datasets)
    changes = []
    for key in sorted({*before, *after}, key=lambda k: (k[1], k[0], k[2], k[3])):
        dataset, hcpcs, *modifiers = key
        label = " ".join(m for m in modifiers if m)
        if key not in before:
            changes.append(RowChange(dataset, hcpcs, label, "added"))
        elif key not in after:
            changes.append(RowChange(dataset, hcpcs, label, "removed"))
        else:
            a, b = before[key], after[key]
            fields = [
                (label, _shown(a[name]), _shown(b[name]))
                for name, label in _COMPARED.items()
                if a[name] != b[name]
            ]
            fees = _fee_changes(a, b) if a["raw"] != b["raw"] else []
            if fields or fees:
                changes.append(RowChange(dataset, hcpcs, label, "changed", fields, fees))
    return changes


@require_safe
def dmepos_changes(request: HttpRequest) -> HttpResponse:
    quarters = list(DmeposQuarter.objects.filter(fees__isnull=False).distinct())
    names = [q.name for q in quarters]
    new_name = request.GET.get("to") if request.GET.get("to") in names else None
    new = next((q for q in quarters if q.name == new_name), quarters[0] if quarters else None)
    older = [q for q in quarters if new and q.effective_date < new.effective_date]
    old = next((q for q in older if q.name == request.GET.get("from")), older[0] if older else None)
    datasets = compared_datasets(old, new) if old and new else []
    changes = compare_quarters(old, new, datasets) if old and new and datasets else []
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "from": old.name if old else None,
                "to": new.name if new else None,
                "datasets": datasets,
                "changes": [c.as_json() for c in changes],
            },
            json_dumps_params={"indent": 2},
        )
    counts = {
        kind: sum(c.kind == kind for c in changes) for kind in ("added", "removed", "changed")
    }
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "codes/dmepos_changes.html",
        {
            "quarters": quarters,
            "old": old,
            "new": new,
            "page": page,
            "counts": counts,
            "datasets": [DmeposFile.Dataset(d).label for d in datasets],
            "page_query": _query_string(request, page=None, format=None),
            "json_query": _query_string(request, page=None, format="json"),
        },
    )
