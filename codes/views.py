import csv
import functools
import re
from typing import cast

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from codes import exports, history, lookup, misses, presentation
from codes import search as search_engine
from codes.code_shapes import CODE_PREFIX
from codes.context_processors import site
from codes.filters import CodeFilter, ModifierFilter
from codes.models import Code, ContactEntry, Kind, Release, repeated_columns
from codes.payments import dmepos_pages, drugs
from codes.querysets import CodeQuerySet
from codes.reference import SECTIONS_BY_SLUG, SECTIONS_NOT_IN_FILE
from codes.sections import sections_with_counts


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("favicon.svg"), permanent=True)


# Home, browse and search ------------------------------------------------------------------

PAGE_SIZE = 50
# Ranked word search puts the wanted code in the first ten for 98% of the benchmark
# queries (bench/search_relevance.py), so its pages are shorter than the lists (a code
# prefix lists like browsing does): half the rows to highlight and send.
SEARCH_PAGE_SIZE = 25
# The columns list and search pages show: a full record has sixty, and building fifty
# full model instances costs more than the search itself.
LIST_FIELDS = ("kind", "code", "short_description", "long_description", "termination_date")
# Search rows also name a terminated code's replacements (its cross-references).
SEARCH_FIELDS = (*LIST_FIELDS, *repeated_columns("cross_references"))
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    sections, modifier_count = sections_with_counts()
    context = {
        "release": site(request)["current_release"],
        "sections": sections,
        "procedure_count": sum(s["count"] for s in sections),
        "active_count": sum(s["active"] for s in sections),
        "modifier_count": modifier_count,
        "letters_with_codes": {s["letter"] for s in sections if s["count"]},
        "not_in_file": SECTIONS_NOT_IN_FILE,
    }
    return render(request, "codes/home.html", context)


def _clean_query(text: str) -> str:
    return " ".join(UNPRINTABLE.sub(" ", text).split())[: search_engine.MAX_QUERY_LENGTH]


def _page(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    """The requested page; a page number that is not one gives the first, too big the last."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _page_in_range(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    """Like `_page`, but None for a number past the last page, so the view can say so
    instead of silently showing the last one."""
    page = _page(request, queryset, per_page)
    asked = request.GET.get("page", "").strip()
    if asked.isdigit() and int(asked) > page.number and page.paginator.count:
        return None
    return page


def _out_of_range(request: HttpRequest) -> HttpResponse:
    first = _query_string(request, page=None)
    return render(
        request,
        "codes/page_out_of_range.html",
        {"asked": request.GET.get("page", "")[:10], "first_url": f"?{first}" if first else "?"},
        status=404,
    )


def _query_string(request: HttpRequest, **changes) -> str:
    """The current query string with some parameters changed (None drops one)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    return params.urlencode()


def _invalid(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    if request.GET.get("format") in exports.FORMATS:
        errors = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in context["filter"].errors.items()
        )
        return HttpResponse(f"Invalid filters: {errors}\n", status=400, content_type="text/plain")
    return render(request, template, {**context, "invalid": True}, status=400)


def _without_empty_parameters(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the same list without its empty parameters (a GET form sends every
    field), so filtered URLs stay short and shareable; None when there are none."""
    if all(request.GET[name].strip() for name in request.GET):
        return None
    params = request.GET.copy()
    for name in [n for n, values in params.lists() if not any(v.strip() for v in values)]:
        del params[name]
    query = params.urlencode()
    return redirect(f"{request.path}?{query}" if query else request.path)


def _browse(request: HttpRequest, kind: str) -> HttpResponseBase:
    clean = _without_empty_parameters(request)
    if clean is not None:
        return clean
    is_modifier = kind == Kind.MODIFIER
    filter_class = ModifierFilter if is_modifier else CodeFilter
    filterset = filter_class(request.GET or None, queryset=Code.objects.filter(kind=kind))
    context = {
        "filter": filterset,
        "is_modifier": is_modifier,
        "title": "Modifiers" if is_modifier else "Procedure codes",
        "list_url": reverse("codes:modifier_list" if is_modifier else "codes:list"),
    }
    if filterset.is_bound and not filterset.is_valid():
        return _invalid(request, "codes/code_list.html", context)
    codes = filterset.qs.order_by("code")
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        return exports.response(codes, fmt, "modifiers" if is_modifier else "codes")
    chosen = filterset.active_filters.get("section", "")
    if chosen in SECTIONS_BY_SLUG:
        context["title"] = f"Procedure codes: {SECTIONS_BY_SLUG[chosen].heading}"
    elif chosen:
        context["title"] = f"{context['title']} starting with {chosen}"
    page = _page_in_range(request, codes.only(*LIST_FIELDS))
    if page is None:
        return _out_of_range(request)
    in_current_release = Code.objects.in_current_release().filter(kind=kind).count()
    context.update(
        page=page,
        in_current_release=in_current_release,
        no_longer_listed=page.paginator.count - in_current_release,
        page_query=_query_string(request, page=None, format=None),
        csv_query=_query_string(request, page=None, format="csv"),
        json_query=_query_string(request, page=None, format="json"),
    )
    return render(request, "codes/code_list.html", context)


@require_safe
def code_list(request: HttpRequest) -> HttpResponseBase:
    return _browse(request, Kind.PROCEDURE)


@require_safe
def modifier_list(request: HttpRequest) -> HttpResponseBase:
    return _browse(request, Kind.MODIFIER)


@require_safe
def section_detail(request: HttpRequest, slug: str) -> HttpResponse:
    section = SECTIONS_BY_SLUG.get(slug.strip().lower())
    if section is None:
        raise Http404("No such section")
    if slug != section.slug:
        return redirect(reverse("codes:section", args=[section.slug]), permanent=True)
    codes = (
        Code.objects.in_current_release()
        .procedures()
        .filter(code__gte=section.low, code__lt=section.high)
        .order_by("code")
    )
    counts = codes.aggregate(
        total=Count("id"), active=Count("id", filter=Q(termination_date__isnull=True))
    )
    counts["terminated"] = counts["total"] - counts["active"]
    page = _page_in_range(request, codes.only(*LIST_FIELDS))
    if page is None:
        return _out_of_range(request)
    subsections = section.subsections
    for code in page.object_list:
        code.subsection = next(
            (h for first, last, h in subsections if first <= code.code <= last), ""
        )
    context = {
        "section": section,
        "page": page,
        "counts": counts,
        "release": site(request)["current_release"],
        "subsections": subsections,
        "page_query": "",
        "canonical_url": request.build_absolute_uri(reverse("codes:section", args=[slug])),
    }
    return render(request, "codes/section_detail.html", context)


class SearchFilter(CodeFilter):
    # The search view reads `q` itself: a code prefix lists codes, words are ranked.
    # (django-filter drops a parent's filter set to None; its stubs type it a filter.)
    q = None  # type: ignore[assignment]
    # Names a filter set shared by many pages, whose form is rendered once.
    fragment_key: str | None = None


@functools.cache
def _unfiltered_search() -> SearchFilter:
    """The filter set of every search without filter parameters (most of them), built
    once: django-filter deep-copies each filter and form field, choices and all, for
    every filter set, which costs a third of a millisecond. Only ever read: its form is
    validated here, and views take their queryset from `_search_filters`."""
    filterset = SearchFilter(QueryDict(), queryset=Code.objects.none())
    filterset.is_valid()
    filterset.fragment_key = "unfiltered search"  # its form is rendered once too
    return filterset


def _search_filters(request: HttpRequest) -> tuple[SearchFilter, CodeQuerySet]:
    """The search's filter set and the codes it leaves."""
    if not any(name in SearchFilter.base_filters for name in request.GET):
        return _unfiltered_search(), Code.objects.all()
    filterset = SearchFilter(request.GET, queryset=Code.objects.all())
    return filterset, cast(CodeQuerySet, filterset.qs)


@require_safe
def search(request: HttpRequest) -> HttpResponseBase:
    text = _clean_query(request.GET.get("q", ""))
    fmt = request.GET.get("format")
    # What the text names before any word is searched: an NDC, then a code (lookup.py).
    if fmt not in exports.FORMATS:
        if ndc_page := drugs.ndc_url(text):
            return redirect(ndc_page)
        if (exact := lookup.exact_code(text)) is not None:
            return redirect(exact)
    filterset, results = _search_filters(request)
    context = {"filter": filterset, "q": text, "is_prefix": False, "parsed": None}
    if not filterset.is_valid():
        return _invalid(request, "codes/search.html", context)
    upper = text.upper()
    if not text:
        results = results.none()
    elif (cpt := lookup.cpt_code(text)) is not None:
        context["cpt"] = cpt
        results = results.none()
    elif CODE_PREFIX.fullmatch(upper):
        context.update(is_prefix=True, modifier=lookup.modifier_and_prefix(text))
        results = results.filter(code__startswith=upper).order_by("kind", "code")
    elif fmt in exports.FORMATS:
        return exports.response(results.search(text), fmt, "search")
    else:
        return _word_search(request, text, filterset, results, context)
    if fmt in exports.FORMATS:
        return exports.response(results, fmt, "search")
    page = _page_in_range(request, results.only(*SEARCH_FIELDS), PAGE_SIZE)
    if page is None:
        return _out_of_range(request)
    context.update(_page_links(request, page))
    if text and not page.paginator.count:
        context.update(suggested_codes=lookup.neighbouring_codes(text))
    return render(request, "codes/search.html", context)


def _word_search(
    request: HttpRequest,
    text: str,
    filterset: SearchFilter,
    codes: CodeQuerySet,
    context: dict,
) -> HttpResponse:
    """Words are ranked: the search package answers the page in one call."""
    found = search_engine.results(
        text,
        codes,
        page=request.GET.get("page"),
        per_page=SEARCH_PAGE_SIZE,
        fields=SEARCH_FIELDS,
    )
    if found.out_of_range:
        return _out_of_range(request)
    page, parsed = found.page, found.parsed
    context["parsed"] = parsed
    if parsed:
        for code in page.object_list:
            code.replacements = lookup.replacements(code)
    context.update(_page_links(request, page))
    if not page.paginator.count:
        context.update(
            suggested_words=found.suggested_words, suggested_codes=lookup.neighbouring_codes(text)
        )
    response = render(request, "codes/search.html", context)
    if parsed and not filterset.active_filters and _found_little(parsed, page):
        misses.record(text, parsed, page.paginator.count)
        # Sent uncached, so that every such search reaches the server and is counted.
        add_never_cache_headers(response)
    return response


def _page_links(request: HttpRequest, page) -> dict:
    return {
        "page": page,
        "page_query": _query_string(request, page=None, format=None),
        "csv_query": _query_string(request, page=None, format="csv"),
        "json_query": _query_string(request, page=None, format="json"),
    }


def _found_little(parsed, page) -> bool:
    if page.number != 1:
        return False
    best = page.object_list[0] if page.object_list else None
    best_text = f"{best.code} {best.short_description} {best.long_description}" if best else ""
    return misses.is_weak(parsed, page.paginator.count, best_text)


# Code and modifier pages, their JSON twins, the glossary and the contact page ------------

# View names of a code's canonical URLs: (kind, as JSON) -> URL name.
_DETAIL_URLS: dict[tuple[str, bool], str] = {
    (Kind.PROCEDURE, False): "codes:detail",
    (Kind.PROCEDURE, True): "codes:detail_json",
    (Kind.MODIFIER, False): "codes:modifier_detail",
    (Kind.MODIFIER, True): "codes:modifier_detail_json",
}


def _code_response(request: HttpRequest, code: str, kind: str, as_json: bool) -> HttpResponse:
    wanted = code.strip().upper()
    if wanted and wanted != code:
        return redirect(reverse(_DETAIL_URLS[kind, as_json], args=[wanted]), permanent=True)
    record = None
    if 0 < len(wanted) <= 5:
        record = presentation.code_record(kind, wanted)
        if record is None:
            other = Code.objects.filter(code=wanted).exclude(kind=kind).only("kind").first()
            if other is not None:
                return redirect(
                    reverse(_DETAIL_URLS[other.kind, as_json], args=[wanted]), permanent=True
                )
    if record is None:
        return _code_not_found(request, wanted, kind, as_json)
    page = presentation.code_page(record, site(request)["current_release"])
    canonical_url = request.build_absolute_uri(record.get_absolute_url())
    drug_pricing = drugs.code_pricing(record)
    fees = dmepos_pages.code_section(record, request.GET)
    if as_json:
        data = {
            **page.as_json(canonical_url),
            **drugs.pricing_json(drug_pricing),
            "dmepos_fees": fees.as_json() if fees else None,
        }
        return JsonResponse(data, json_dumps_params={"indent": 2})
    return render(
        request,
        "codes/code_detail.html",
        {
            "code": record,
            "page": page,
            "canonical_url": canonical_url,
            "json_url": reverse(_DETAIL_URLS[kind, True], args=[record.code]),
            "history": history.code_history(record),
            "drug_pricing": drug_pricing,
            "dmepos": fees,
        },
    )


def _code_not_found(request: HttpRequest, wanted: str, kind: str, as_json: bool) -> HttpResponse:
    # Only a code-shaped text is worth comparing with the data; anything else gets the search box.
    plausible = wanted if len(wanted) <= 5 and wanted.isalnum() else ""
    is_cpt = presentation.is_cpt(plausible)
    # A CPT code is not a typo of a Level II code: nothing near it is worth offering.
    suggestions = presentation.nearest_codes(kind, "" if is_cpt else plausible)
    if as_json:
        return JsonResponse(
            {
                "error": "not found",
                "code": wanted[:20],
                "cpt": is_cpt,
                "suggestions": [c.as_json() for c in suggestions.all],
            },
            status=404,
        )
    return render(
        request,
        "codes/code_not_found.html",
        {
            "wanted": wanted[:20],
            "kind_label": Kind(kind).label.lower(),
            "suggestions": suggestions,
            "is_cpt": is_cpt,
        },
        status=404,
    )


@require_safe
def code_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _code_response(request, code, Kind.PROCEDURE, as_json=False)


@require_safe
def modifier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _code_response(request, code, Kind.MODIFIER, as_json=False)


@require_safe
def code_json(request: HttpRequest, code: str) -> HttpResponse:
    return _code_response(request, code, Kind.PROCEDURE, as_json=True)


@require_safe
def modifier_json(request: HttpRequest, code: str) -> HttpResponse:
    return _code_response(request, code, Kind.MODIFIER, as_json=True)


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "codes/glossary.html",
        {
            "fields": presentation.glossary_fields(),
            "drug_fields": drugs.glossary_fields(),
            "tables": presentation.code_tables(),
            "canonical_url": request.build_absolute_uri(reverse("codes:glossary")),
            "dmepos_glossary": dmepos_pages.glossary(),
        },
    )


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "codes/contact.html",
        {
            "contacts": ContactEntry.objects.all(),
            "canonical_url": request.build_absolute_uri(reverse("codes:contact")),
        },
    )


# Releases: what each one changed (history.py does the comparing) -------------------------


def _release_export(request: HttpRequest, data, filename: str) -> HttpResponse | None:
    """The CSV or JSON twin of a release page when ?format= asks for one."""
    wanted = request.GET.get("format", "")
    response: HttpResponse
    if wanted == "json":
        response = JsonResponse(data.as_json(), safe=False, json_dumps_params={"indent": 2})
    elif wanted == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.DictWriter(response, fieldnames=data.csv_columns)
        writer.writeheader()
        writer.writerows(data.rows())
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        return None
    return response


@require_safe
def release_list(request: HttpRequest) -> HttpResponse:
    summaries = history.ReleaseList(history.release_summaries())
    export = _release_export(request, summaries, "hcpcs-releases")
    if export is not None:
        return export
    return render(request, "codes/release_list.html", {"summaries": summaries.summaries})


@require_safe
def release_detail(request: HttpRequest, name: str) -> HttpResponse:
    wanted = name.strip().lower()
    release = get_object_or_404(Release, name=wanted)
    if wanted != name:
        return redirect(release, permanent=True)
    changes = history.compare_releases(release)
    asked = request.GET.get("section", "").strip()
    letters = {SECTIONS_BY_SLUG[s].letter for s in changes.sections if s in SECTIONS_BY_SLUG}
    section = asked if asked in changes.sections or asked.upper() in letters else ""
    section = section.upper() if len(section) == 1 else section
    shown = changes.filtered(section)
    suffix = f"-{section}" if section else ""
    export = _release_export(request, shown, f"hcpcs-{release.name}-changes{suffix}")
    if export is not None:
        return export
    return render(
        request,
        "codes/release_detail.html",
        {
            "release": release,
            "changes": shown,
            "all_counts": changes.counts(),
            "section": section,
            "unknown_section": asked[:20] if asked and not section else "",
        },
    )
