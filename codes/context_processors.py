from django.http import HttpRequest

from codes.models import Release


def site(request: HttpRequest) -> dict:
    """The release every page names as its source (one query, cached per request)."""
    if not hasattr(request, "_current_release"):
        request._current_release = Release.objects.current()
    return {"current_release": request._current_release}
