"""The default shared page store: Django's file-based cache, culled less often.

Django's FileBasedCache lists its whole folder on every `set` to see whether it is over
MAX_ENTRIES: about 10 ms with the 9,000 pages of one data version, more than rendering
the page. Culling on one `set` in CULL_EVERY keeps the bound (give or take CULL_EVERY
entries per process) at a small fraction of the cost.
"""

from __future__ import annotations

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 256


class PageFileCache(FileBasedCache):
    _sets_since_cull = 0

    def _cull(self) -> None:
        self._sets_since_cull += 1
        if self._sets_since_cull >= CULL_EVERY:
            self._sets_since_cull = 0
            super()._cull()  # type: ignore[misc]  # django-stubs omits FileBasedCache._cull
