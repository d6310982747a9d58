"""`/healthz` for load balancers and uptime checks.

200 only when the site can do its job: the database answers and a release is loaded.
Anything else is 503, so a fresh deploy with an empty database stays out of rotation.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from codes.models import Release

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        release = Release.objects.only("name").current()
    except DatabaseError:
        logger.exception("healthz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if release is None:
        return JsonResponse({"status": "error", "database": "ok", "release": None}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "release": release.name})
