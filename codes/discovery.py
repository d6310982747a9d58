"""How people and machines find the site: sitemaps, robots.txt, OpenSearch, suggestions."""

from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Case, When
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from codes import lookup
from codes.code_shapes import CODE_PART
from codes.models import Code, repeated_columns
from codes.search import MAX_QUERY_LENGTH
from codes.sitemaps import SITEMAPS, sections_in_use

SUGGESTION_LIMIT = 8
SUGGESTION_FIELDS = (
    "kind",
    "code",
    "short_description",
    "termination_date",
    *repeated_columns("cross_references"),
)


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    # django-stubs wants dict[str, Sitemap | type[Sitemap]]; a dict of instances is one.
    sitemaps = sections_in_use()
    return sitemap_views.index(request, sitemaps, sitemap_url_name="sitemap_section")  # type: ignore[arg-type]


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, SITEMAPS, section=section)  # type: ignore[arg-type]


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri(reverse("sitemap_index"))
    return render(
        request,
        "discovery/robots.txt",
        {"sitemap_url": sitemap_url},
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def opensearch_xml(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "discovery/opensearch.xml",
        {"origin": request.build_absolute_uri("/").rstrip("/")},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )


def suggestions(text: str) -> list[Code]:
    """Up to SUGGESTION_LIMIT codes for what someone has typed so far.

    Code-number prefixes come first (the exact code, then active codes before terminated
    ones, shorter codes first, so typing "GY" offers the modifier before anything else
    and "A4" the modifier and the A4 codes), then full-text matches best-first (active
    first there too).
    """
    text = text.strip()[:MAX_QUERY_LENGTH]
    found: list[Code] = []
    upper = text.upper()
    if text.isascii() and CODE_PART.fullmatch(upper):
        found = list(
            Code.objects.filter(code__startswith=upper)
            .only(*SUGGESTION_FIELDS)
            .order_by(
                Case(When(code=upper, then=0), default=1),
                Case(When(termination_date__isnull=True, then=0), default=1),
                Length("code"),
                "code",
            )[:SUGGESTION_LIMIT]
        )
    if len(found) < SUGGESTION_LIMIT:
        seen = {code.pk for code in found}
        matches = Code.objects.search(text).only(*SUGGESTION_FIELDS)
        for code in matches[: SUGGESTION_LIMIT + len(seen)]:
            if code.pk not in seen and len(found) < SUGGESTION_LIMIT:
                found.append(code)
    return found


def status_text(code: Code) -> str:
    """Nothing for an active code; "Terminated 2023-12-31, see E0602" otherwise."""
    if not code.is_terminated:
        return ""
    text = f"Terminated {code.termination_date:%Y-%m-%d}"
    replaced_by = [r.code for r in lookup.replacements(code)]
    return f"{text}, see {', '.join(replaced_by)}" if replaced_by else text


@require_safe
@cache_control(max_age=300, public=True)
def suggest(request: HttpRequest) -> JsonResponse:
    text = request.GET.get("q", "")
    found = suggestions(text)
    if request.GET.get("format") == "opensearch":
        # The OpenSearch suggestions shape browsers read: query, completions, texts, URLs.
        return JsonResponse(
            [
                text[:MAX_QUERY_LENGTH],
                [code.code for code in found],
                [code.short_description for code in found],
                [request.build_absolute_uri(code.get_absolute_url()) for code in found],
            ],
            safe=False,
            content_type="application/x-suggestions+json",
        )
    results = [
        {
            "code": code.code,
            "short_description": code.short_description,
            "kind": code.kind,
            "url": code.get_absolute_url(),
            "status": status_text(code),
        }
        for code in found
    ]
    return JsonResponse({"query": text[:MAX_QUERY_LENGTH], "results": results})
