"""Drug pages: the NDC lookup, the list of payment limits, and what changed between quarters."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from codes import exports
from codes.models import AspPrice, DrugDataset
from codes.payments import drugs
from codes.payments import ndc as ndc_forms
from codes.payments.filters import DrugPriceFilter
from codes.views import _query_string

PAGE_SIZE = 50
NDC_MAX_LENGTH = 40


@require_safe
def ndc_detail(request: HttpRequest, ndc: str) -> HttpResponse:
    typed = ndc[:NDC_MAX_LENGTH]
    matches = drugs.find_ndc(typed)
    if len(matches) == 1 and typed != matches[0].hyphenated:
        return redirect(reverse("codes:ndc_detail", args=[matches[0].hyphenated]), permanent=True)
    context = {
        "typed": typed,
        "matches": matches,
        "packages": [package for match in matches for package in match.packages],
        "noc_packages": [package for match in matches for package in match.noc_packages],
        "is_ndc": bool(ndc_forms.candidates(typed)),
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, "codes/ndc_detail.html", context, status=200 if matches else 404)


def _bad_request(request: HttpRequest, template: str, context: dict, errors: str) -> HttpResponse:
    if request.GET.get("format") in exports.FORMATS:
        return HttpResponse(f"Invalid filters: {errors}\n", status=400, content_type="text/plain")
    return render(request, template, {**context, "errors": errors}, status=400)


@require_safe
def drug_prices(request: HttpRequest) -> HttpResponseBase:
    quarters = drugs.pricing_quarters()
    if not quarters:
        return render(request, "codes/drug_prices.html", {"quarters": []})
    data = request.GET.copy()
    if not data.get("quarter"):
        data["quarter"] = quarters[0].quarter
    prices = AspPrice.objects.filter(
        dataset__kind=DrugDataset.DatasetKind.ASP_PRICING, payment_limit__isnull=False
    )
    filterset = DrugPriceFilter(data, queryset=prices.select_related("dataset"))
    context: dict[str, object] = {"filter": filterset, "quarters": quarters, "fields": drugs.FIELDS}
    if not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return _bad_request(request, "codes/drug_prices.html", context, errors)
    found = filterset.qs
    found = found.order_by(*found.query.order_by, "hcpcs_code")
    fmt = request.GET.get("format")
    quarter = filterset.form.cleaned_data.get("quarter") or ""
    if fmt in exports.FORMATS:
        name = f"asp-payment-limits-{quarter}".rstrip("-")
        return exports.stream(drugs.export_rows(found), drugs.EXPORT_COLUMNS, fmt, name)
    shown = next(q for q in quarters if q.quarter == quarter)
    context.update(
        quarter=shown,
        caveat=drugs.quoted_note(
            shown.title_rows, drugs.PRICING_CAVEAT_MARKER, drugs.PRICING_CAVEAT
        ),
        page=Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        page_query=_query_string(request, page=None, format=None),
        csv_query=_query_string(request, page=None, format="csv"),
        json_query=_query_string(request, page=None, format="json"),
    )
    return render(request, "codes/drug_prices.html", context)


@require_safe
def drug_price_changes(request: HttpRequest) -> HttpResponseBase:
    quarters = drugs.pricing_quarters()
    by_name = {q.quarter: q for q in quarters}
    defaults = (quarters[1].quarter, quarters[0].quarter) if len(quarters) > 1 else ("", "")
    old_name = request.GET.get("from", defaults[0])[:20]
    new_name = request.GET.get("to", defaults[1])[:20]
    context: dict[str, object] = {
        "quarters": quarters,
        "old_name": old_name,
        "new_name": new_name,
        "fields": drugs.FIELDS,
    }
    if len(quarters) < 2:
        return render(request, "codes/drug_price_changes.html", context)
    unknown = [n for n in (old_name, new_name) if n not in by_name]
    if unknown:
        errors = f"no ASP pricing quarter {', '.join(repr(n) for n in unknown)} is loaded"
        return _bad_request(request, "codes/drug_price_changes.html", context, errors)
    old, new = by_name[old_name], by_name[new_name]
    changes = drugs.limit_changes(old, new)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        rows = (change.as_json() for change in changes)
        name = f"asp-payment-limit-changes-{old.quarter}-{new.quarter}"
        return exports.stream(rows, drugs.CHANGE_COLUMNS, fmt, name)
    context.update(
        old=old,
        new=new,
        groups=drugs.ChangeGroups.of(changes),
        csv_query=_query_string(request, format="csv"),
        json_query=_query_string(request, format="json"),
    )
    return render(request, "codes/drug_price_changes.html", context)
