"""HTTP caching for pages that change only when a release is imported (or the site deployed).

Every public GET page is a function of two things: the imported releases and the code
and templates of this deploy. `ConditionalPageMiddleware` turns both into validators:

* ETag: a hash of the newest release (name, sha256), the number of releases, the latest
  import time (of a release or of ASP drug data) and a fingerprint of the deployed source
  files;
* Last-Modified: the latest import, or the deploy, whichever is newer;

answers a matching conditional GET with 304 before the view runs, and marks 200
responses `Cache-Control: public` with a short max-age plus stale-while-revalidate, so
browsers and a CDN in front revalidate cheaply and see a new release within minutes.

The validators come from one query that also fetches the current release, and the
request keeps that release for the `site` context processor, so pages make no more
queries than they would without caching. Admin, /healthz, non-200 responses, and
responses that set cookies or touch the session are left alone.

With `HTTP_PAGE_CACHE` on (the default outside tests) each process also keeps the
rendered pages in the `pages` cache, keyed by the ETag and the request's URL, so a page
is rendered once per import and process; later requests cost that one query. Keys
change with the data, so stale pages are never served, only evicted. Responses that
carry `Vary` are not stored, since the key does not include request headers.

`HTTP_CACHE_VALIDATOR_SECONDS` (outside tests) lets a process reuse the validator
query's answer for that long: a stored page then costs no query at all, and an import
shows up that many seconds later, which no one can tell from the five-minute max-age.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max, Subquery, Window
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from codes.models import DrugDataset, Release

# Files whose change changes what a page looks like.
SOURCE_PATTERNS = ("templates/**/*", "static/**/*", "codes/**/*.py", "hcpcs_site/*.py")


@functools.cache
def deploy_fingerprint() -> tuple[str, float]:
    """(hash of the deployed source files, newest mtime): computed once per process."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    newest = 0.0
    files = sorted({p for pattern in SOURCE_PATTERNS for p in base.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], newest


def current_release_with_totals() -> Release | None:
    """The newest release, annotated with the release count and latest import (one query).

    `latest_drug_import` is when ASP drug data last changed: it changes pages too."""
    latest_drug = DrugDataset.objects.order_by("-loaded_at").values("loaded_at")[:1]
    return (
        Release.objects.order_by("-effective_date")
        .annotate(
            release_total=Window(Count("id")),
            latest_import=Window(Max("imported_at")),
            latest_drug_import=Subquery(latest_drug),
        )
        .first()
    )


_remembered: tuple[float, Release | None] | None = None


def current_release_for_validators() -> Release | None:
    """The current release, reused for HTTP_CACHE_VALIDATOR_SECONDS within a process."""
    global _remembered
    ttl = settings.HTTP_CACHE_VALIDATOR_SECONDS
    now = time.monotonic()
    if ttl > 0 and _remembered is not None and now - _remembered[0] < ttl:
        return _remembered[1]
    release = current_release_with_totals()
    _remembered = (now, release)
    return release


def validators(release: Release | None) -> tuple[str, datetime]:
    """The ETag and Last-Modified that every cacheable page carries."""
    source_hash, source_mtime = deploy_fingerprint()
    deployed = datetime.fromtimestamp(source_mtime, tz=UTC)
    if release is None:
        return quote_etag(f"empty-{source_hash}"), deployed
    drugs = getattr(release, "latest_drug_import", None)
    data = f"{release.name}|{release.sha256}|{release.release_total}|{release.latest_import}"
    data_hash = hashlib.sha256(f"{data}|{drugs}".encode()).hexdigest()[:16]
    changed = max(release.latest_import, drugs or release.latest_import)
    return quote_etag(f"{data_hash}-{source_hash}"), max(changed, deployed)


def page_key(request: HttpRequest, etag: str) -> str:
    """Pages can name their own absolute URL, so scheme and host are part of the key."""
    url = f"{request.method} {request.scheme}://{request.get_host()}{request.get_full_path()}"
    return "page:" + hashlib.sha256(f"{etag} {url}".encode()).hexdigest()


class ConditionalPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.skip_prefixes = ("/" + settings.ADMIN_PATH, "/healthz", "/" + settings.STATIC_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.applies_to(request):
            return self.get_response(request)
        release = current_release_for_validators()
        # The `site` context processor reuses it instead of asking again.
        request._current_release = release
        etag, last_modified = validators(release)
        last_modified_ts = int(last_modified.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified_ts)
        if not_modified is not None:
            self.add_cache_headers(not_modified, etag, last_modified_ts)
            return not_modified
        key = page_key(request, etag) if settings.HTTP_PAGE_CACHE else None
        if key and (stored := caches["pages"].get(key)) is not None:
            content, headers = stored
            return HttpResponse(content, headers=headers)
        response = self.get_response(request)
        if self.cacheable(request, response):
            self.add_cache_headers(response, etag, last_modified_ts)
            if key and not response.streaming and not response.has_header("Vary"):
                caches["pages"].set(key, (response.content, dict(response.headers.items())))
        return response

    def applies_to(self, request: HttpRequest) -> bool:
        return (
            not settings.DEBUG
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(self.skip_prefixes)
        )

    @staticmethod
    def cacheable(request: HttpRequest, response: HttpResponse) -> bool:
        session = getattr(request, "session", None)
        return (
            response.status_code == 200
            and not response.has_header("Cache-Control")
            and not response.has_header("ETag")
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (session is not None and session.accessed)
        )

    @staticmethod
    def add_cache_headers(response: HttpResponse, etag: str, last_modified: int) -> None:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(
            response,
            public=True,
            max_age=settings.HTTP_CACHE_MAX_AGE,
            stale_while_revalidate=settings.HTTP_CACHE_STALE_WHILE_REVALIDATE,
        )
