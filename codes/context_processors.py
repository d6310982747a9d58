from django.http import HttpRequest

from codes.compiled import CompiledQuery
from codes.models import Release

_CACHED = "_current_release"  # an attribute of the request, so one query per request
# Compiled once per connection (codes/compiled.py): building its SQL costs more than it.
_CURRENT_RELEASE = CompiledQuery(lambda: Release.objects.newest_first()[:1])


def site(request: HttpRequest) -> dict:
    """The release every page names as its source (one query, cached per request)."""
    if not hasattr(request, _CACHED):
        setattr(request, _CACHED, _CURRENT_RELEASE.first())
    release: Release | None = getattr(request, _CACHED)
    return {"current_release": release}


def reuse_current_release(request: HttpRequest, release: Release | None) -> None:
    """Give `site` the release a caller has read already (codes.caching, in its snapshot)."""
    setattr(request, _CACHED, release)
