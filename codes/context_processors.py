from django.http import HttpRequest

from codes.models import Release

_CACHED = "_current_release"  # an attribute of the request, so one query per request


def site(request: HttpRequest) -> dict:
    """The release every page names as its source (one query, cached per request)."""
    if not hasattr(request, _CACHED):
        setattr(request, _CACHED, Release.objects.current())
    release: Release | None = getattr(request, _CACHED)
    return {"current_release": release}


def reuse_current_release(request: HttpRequest, release: Release | None) -> None:
    """Give `site` the release a caller has read already (codes.caching, in its snapshot)."""
    setattr(request, _CACHED, release)
