"""HTTP caching for pages that change only when the data changes (or the site is deployed).

Every public GET page is a function of two things: the data, whose state is named by
the data version (codes/dataversion.py, moved forward by every import and removal),
and the code and templates of this deploy. `ConditionalPageMiddleware` turns both into
validators:

* ETag: the data version and a fingerprint of the deployed source files;
* Last-Modified: when the data version last moved, or the deploy, whichever is newer;

answers a matching conditional GET with 304 before the view runs, and marks 200
responses `Cache-Control: public` with a short max-age plus stale-while-revalidate, so
browsers and a CDN in front revalidate cheaply and see a new release within minutes.

A page is rendered inside one read snapshot of the database (`one_snapshot`), and the
version it is labelled and stored with is read in that same snapshot, by the query
that also fetches the current release for the `site` context processor. So a page
never mixes two states (the release name of one import with the counts of the next),
pages make no more queries than they would without caching, and a page rendered while
a change commits is stored under the version it was built from, never the new one.
Admin, /healthz, non-200 responses, and responses that set cookies or touch the session
are left alone.

With `HTTP_PAGE_CACHE` on (the default outside tests) rendered pages are kept in the
page store (codes/pagestore.py: shared by every process, each process keeping the pages
it served last in memory in front), keyed by the ETag and the request's URL, so a page
is rendered once per data version. Each request first reads the version (one
primary-key query): a stored page of that version is served as it is, and after a
change no page of an earlier version can be served, since no key names it any more.
Responses that carry `Vary` are not stored, since the key does not include request
headers.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from codes import context_processors, dataversion, pagestore
from codes.compiled import CompiledQuery
from codes.dataversion import Version
from codes.models import DataVersion, Release

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


_snapshot = threading.local()


@contextmanager
def one_snapshot(using: str = "default") -> Iterator[None]:
    """Every query inside sees the database as of the first one.

    A read transaction: on SQLite its first read fixes what it sees; PostgreSQL needs
    REPEATABLE READ for that (READ COMMITTED gives each statement its own snapshot).
    Inside a transaction someone else opened, that transaction decides.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    _snapshot.deferred = []
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
    finally:
        deferred, _snapshot.deferred = _snapshot.deferred, None
        for write in deferred:
            write()


def after_snapshot(write: Callable[[], None]) -> None:
    """Run `write` once the page's read snapshot is over (at once when none is open).

    A write inside the snapshot would hold SQLite's write lock for the rest of the page
    and meet a concurrent import's as a deadlock, or fail PostgreSQL's REPEATABLE READ
    on a row changed meanwhile; on its own afterwards it is an ordinary short write.
    """
    deferred = getattr(_snapshot, "deferred", None)
    if deferred is None:
        write()
    else:
        deferred.append(write)


RELEASE_FIELDS = [f.attname for f in Release._meta.concrete_fields]


def _state_row() -> QuerySet:
    newest = Release.objects.order_by("-effective_date")
    latest = {f"release_{name}": Subquery(newest.values(name)[:1]) for name in RELEASE_FIELDS}
    return (
        DataVersion.objects.filter(pk=dataversion.ROW)
        .annotate(**latest)
        .values_list("epoch", "number", "changed_at", *latest)[:1]
    )


# Every page rendered asks for it: its subqueries, one per field of the release, took
# longer to build than to run, so it is compiled once per connection.
_STATE = CompiledQuery(_state_row)


def current_state() -> tuple[Version, Release | None]:
    """The data version and the current release, from one query, whichever is empty."""
    row = _STATE.first_row()
    if row is None:  # a database whose version row is gone (flushed by hand)
        return Version(*dataversion.NO_CHANGE), Release.objects.order_by("-effective_date").first()
    epoch, number, changed_at, *release = row
    version = Version(epoch, number, changed_at)
    if release[RELEASE_FIELDS.index("id")] is None:
        return version, None
    return version, Release.from_db(DataVersion.objects.db, RELEASE_FIELDS, release)


def validators(version: Version) -> tuple[str, int]:
    """The ETag and Last-Modified (a timestamp) that every cacheable page carries."""
    source_hash, source_mtime = deploy_fingerprint()
    deployed = datetime.fromtimestamp(source_mtime, tz=UTC)
    last_modified = max(version.changed_at, deployed)
    return quote_etag(f"{version.token}-{source_hash}"), int(last_modified.timestamp())


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
        if settings.HTTP_PAGE_CACHE:
            # The common case: a 304 or a stored page, for one small query.
            answer = self.answer_without_rendering(request, dataversion.current())
            if answer is not None:
                return answer
        with one_snapshot():
            version, release = current_state()
            context_processors.reuse_current_release(request, release)
            answer = self.answer_without_rendering(request, version)
            if answer is not None:
                return answer
            response = self.get_response(request)
        if self.cacheable(request, response):
            etag, last_modified = validators(version)
            self.add_cache_headers(response, etag, last_modified)
            if self.storable(response):
                page = pagestore.Page(response.content, tuple(response.headers.items()))
                pagestore.put(page_key(request, etag), page)
        return response

    def answer_without_rendering(
        self, request: HttpRequest, version: Version
    ) -> HttpResponse | None:
        """A 304 for matching validators, or the page stored for this version, or None."""
        etag, last_modified = validators(version)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            self.add_cache_headers(not_modified, etag, last_modified)
            return not_modified
        if settings.HTTP_PAGE_CACHE:
            page = pagestore.get(page_key(request, etag))
            if page is not None:
                return HttpResponse(page.content, headers=page.headers)
        return None

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
    def storable(response: HttpResponse) -> bool:
        return (
            settings.HTTP_PAGE_CACHE and not response.streaming and not response.has_header("Vary")
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
