"""Admin login throttling with django-axes: the client's address and the lockout page.

X-Forwarded-For is whatever the client wrote, plus one address per proxy that
appended to it, so it is believed only as far as the proxies we run:
`DJANGO_TRUSTED_PROXY_COUNT` of them (0, the default, believes none of it and uses
REMOTE_ADDR). With N trusted proxies the client is the N-th address from the right;
anything further left could be forged, and would let one client pose as many.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < trusted:
        # It did not come through all of our proxies.
        return remote
    return hops[-trusted]


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """429 with a page that says what happened and when to try again."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
