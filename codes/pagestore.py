"""Where rendered pages are kept: a shared store, and a bounded copy of it in each process.

The shared store is the `pages` cache (settings.py): Django's file-based cache by
default, Redis with REDIS_URL, Django's local-memory cache under tests. Every process
reads it, so a page warmed after an import (codes/warming.py) is served at once by
every worker and restart.

Reading a page from the shared store costs more than everything else a stored page
needs: a file open and read, zlib and pickle (or a round trip to Redis). So each
process keeps the pages it served most recently in `PageMemory`, an LRU bounded by
bytes (HTTP_PAGE_MEMORY_BYTES), in front of the shared store. It is keyed by the same
key, which names the data version and the deploy, so it can never answer for a newer
version than the page was built from; its copies are plain bytes and header pairs,
served without decoding. With the local-memory store there is no layer: the store is
already in the process.

Django's FileBasedCache lists its whole folder on every `set` to see whether it is over
MAX_ENTRIES: about 10 ms with the 9,000 pages of one data version, more than rendering
the page. Culling on one `set` in CULL_EVERY keeps the bound (give or take CULL_EVERY
entries per process) at a small fraction of the cost.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.signals import setting_changed
from django.dispatch import receiver

CULL_EVERY = 256
# What a stored page costs in memory besides its bytes: the key, the objects, the LRU.
PAGE_OVERHEAD = 400


class PageFileCache(FileBasedCache):
    _sets_since_cull = 0

    def _cull(self) -> None:
        self._sets_since_cull += 1
        if self._sets_since_cull >= CULL_EVERY:
            self._sets_since_cull = 0
            super()._cull()  # type: ignore[misc]  # django-stubs omits FileBasedCache._cull


@dataclass(frozen=True, slots=True)
class Page:
    """A stored 200 response: its body and its headers, in order."""

    content: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.content) + sum(len(k) + len(v) for k, v in self.headers) + PAGE_OVERHEAD


class PageMemory:
    """The pages a process served most recently, at most `max_bytes` of them."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[str, Page] = OrderedDict()
        # gunicorn's threaded workers serve several requests of one process at once.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: str) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page) -> None:
        if page.size > self.max_bytes:
            return
        with self._lock:
            previous = self._pages.pop(key, None)
            if previous is not None:
                self.bytes -= previous.size
            self._pages[key] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes:
                _, oldest = self._pages.popitem(last=False)
                self.bytes -= oldest.size

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.bytes = 0


_memory = PageMemory(0)


def memory() -> PageMemory | None:
    """This process's layer in front of a shared store; None when there is none."""
    if settings.HTTP_PAGE_STORE != "shared" or settings.HTTP_PAGE_MEMORY_BYTES <= 0:
        return None
    _memory.max_bytes = settings.HTTP_PAGE_MEMORY_BYTES
    return _memory


def get(key: str) -> Page | None:
    layer = memory()
    page = layer.get(key) if layer is not None else None
    if page is None:
        stored = caches["pages"].get(key)
        if stored is None:
            return None
        content, headers = stored
        page = Page(content, tuple(headers))
        if layer is not None:
            layer.put(key, page)
    return page


def put(key: str, page: Page) -> None:
    caches["pages"].set(key, (page.content, page.headers))
    if (layer := memory()) is not None:
        layer.put(key, page)


@receiver(setting_changed)
def _forget_copies_of_another_store(*, setting: str, **_kwargs) -> None:
    """Copies of one store must not answer for another (tests swap the store)."""
    if setting in {"CACHES", "HTTP_PAGE_STORE", "HTTP_PAGE_MEMORY_BYTES"}:
        _memory.clear()
