"""Render every code, modifier and section page into the page store ahead of visitors.

After an import the store holds nothing of the new data version, so the first visitor
of each page would wait for it to be rendered, once per process with a per-process
store. `warm()` requests each page through the site's own WSGI handler, in this
process, so every page goes through `ConditionalPageMiddleware` exactly as a visitor's
request would: rendered in one snapshot and stored under the data version it was
built from. That is what keeps warming safe while serving goes on: a warm that
overlaps a newer import stores its remaining pages under the version each one saw,
never a page of the old data under the new version, and it stops as soon as it
notices the version has moved (the newer import warms again).

Pages are keyed by scheme and host too (they name their own absolute URL), so warming
uses the host visitors use: the first entry of ALLOWED_HOSTS unless told otherwise.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponseBase
from django.urls import reverse

from codes import dataversion
from codes.models import Code, code_page_url
from codes.sections import sections_with_counts

# How often (in pages) a warm checks that the data version has not moved on.
VERSION_CHECK_EVERY = 100
# A warm whose first pages all fail stops there.
GIVE_UP_AFTER = 10


@dataclass
class WarmStats:
    version: str
    pages: int = 0
    failed: int = 0
    seconds: float = 0.0
    superseded: bool = False


def page_urls() -> list[str]:
    """The pages a visitor reaches from the home page: lists, sections, every code."""
    codes_url, modifiers_url = reverse("codes:list"), reverse("codes:modifier_list")
    urls = [reverse("codes:home"), codes_url, modifiers_url, reverse("codes:releases")]
    urls += section_urls()
    urls += [
        code_page_url(kind, code)
        for kind, code in Code.objects.order_by("kind", "code").values_list("kind", "code")
    ]
    return urls


def section_urls() -> list[str]:
    """The home page's links to each section that holds codes, as the home page writes them."""
    sections, _ = sections_with_counts()
    return [s["url"] for s in sections if s["count"]]


def default_host() -> str:
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in {"*", ""} and not h.startswith(".")]
    return hosts[0] if hosts else "localhost"


def why_not_warm() -> str | None:
    """Why warming would store nothing that serving reads, or None when it would."""
    if settings.DEBUG or not settings.HTTP_PAGE_CACHE:
        return "pages are not stored (DEBUG on or HTTP_PAGE_CACHE off)"
    if settings.HTTP_PAGE_STORE == "memory":
        return "each process keeps its own pages (HTTP_PAGE_STORE=memory)"
    return None


def warm(
    urls: list[str],
    *,
    host: str,
    secure: bool,
    progress: Callable[[int], object] = lambda _: None,
) -> WarmStats:
    handler = WSGIHandler()
    started = dataversion.current()
    stats = WarmStats(version=started.token)
    began = time.perf_counter()
    with _quiet_request_log(), _one_connection():
        for n, url in enumerate(urls):
            if n % VERSION_CHECK_EVERY == 0 and n and dataversion.current() != started:
                stats.superseded = True
                break
            status = _request(handler, url, host=host, secure=secure)
            stats.pages += 1
            stats.failed += status != 200
            progress(1)
            if stats.failed == stats.pages == GIVE_UP_AFTER:
                # Nothing renders (static files not collected, say): one log line per
                # page of the site would help no one.
                break
    stats.seconds = time.perf_counter() - began
    return stats


def _request(handler: WSGIHandler, url: str, *, host: str, secure: bool) -> int:
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if secure else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return _ignore_body

    _drain(handler(environ, start_response))
    return int(statuses[0].split()[0])


def _ignore_body(data: bytes) -> None:
    pass


def _drain(response: HttpResponseBase) -> None:
    try:
        if isinstance(response, Iterable):
            for _chunk in response:
                pass
    finally:
        response.close()


@contextmanager
def _one_connection() -> Iterator[None]:
    """Keep this process's database connection from page to page, as Django's test
    client does: the handler would otherwise close it after each request (and so
    the transaction a caller holds it in)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextmanager
def _quiet_request_log() -> Iterator[None]:
    """One line per warmed page would bury the log; the command prints a summary."""
    request_log = logging.getLogger("codes.requests")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        request_log.setLevel(level)
