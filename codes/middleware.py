"""One structured log line per request: `method=GET path=/codes/ status=200 duration_ms=3.1`.

Key=value lines stay greppable on a terminal and parse in any log pipeline. Values that
hold spaces, quotes or control characters are quoted, so a hostile path cannot forge
extra fields or log lines.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("codes.requests")

PLAIN_VALUE = re.compile(r"[A-Za-z0-9_./:%@+,;=~*!?&()\[\]-]+")


def format_value(value: object) -> str:
    text = str(value)
    if PLAIN_VALUE.fullmatch(text):
        return text
    escaped = text.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return f'"{escaped}"'


def format_fields(**fields: object) -> str:
    return " ".join(f"{key}={format_value(value)}" for key, value in fields.items())


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                format_fields(
                    method=request.method,
                    path=request.get_full_path(),
                    status=response.status_code,
                    duration_ms=f"{(time.perf_counter() - started) * 1000:.1f}",
                )
            )
        return response


class WithoutTraceback(logging.Filter):
    """Logs the message alone: for expected, client-caused errors such as a bad Host."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
