"""Values computed once per data version and process, for data that changes only with it.

Every change of the data moves the data version forward (codes/dataversion.py): the
importers, a release's removal, and the admin's edits of the contact entries. So a value
read under one version, such as the contact entries every code page shows, holds for
as long as the version does, and a page that knows the version (its record query reads
it) skips the query. Each memo keeps the value of one version: the newest one asked.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

_MEMOS: weakref.WeakSet[PerVersion] = weakref.WeakSet()


class PerVersion(Generic[T]):
    def __init__(self, compute: Callable[[], T]) -> None:
        self.compute = compute
        self._entry: tuple[Hashable, T] | None = None
        _MEMOS.add(self)

    def get(self, version: Hashable | None) -> T:
        """The value under `version`; None (no version known) computes it every time."""
        entry = self._entry
        if version is not None and entry is not None and entry[0] == version:
            return entry[1]
        value = self.compute()
        if version is not None:
            self._entry = (version, value)  # one assignment: safe between threads
        return value

    def forget(self) -> None:
        self._entry = None


def forget_all() -> None:
    """Drop every memo's value. A change made in this process calls it, so that a
    version number seen again after a rolled-back change (as in tests) is never
    answered from the rolled-back data."""
    for memo in list(_MEMOS):
        memo.forget()
