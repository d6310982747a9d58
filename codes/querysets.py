from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from django.db import models

if TYPE_CHECKING:
    from codes.models import Release


class ReleaseQuerySet(models.QuerySet):
    def newest_first(self) -> ReleaseQuerySet:
        return self.order_by("-effective_date")

    def oldest_first(self) -> ReleaseQuerySet:
        return self.order_by("effective_date")

    def current(self) -> Release | None:
        """The newest release: the one every page names as its source (None when empty)."""
        return self.newest_first().first()

    def nearest_before(self, day: date) -> Release | None:
        return self.filter(effective_date__lt=day).newest_first().first()

    def nearest_after(self, day: date) -> Release | None:
        return self.filter(effective_date__gt=day).oldest_first().first()


class CodeQuerySet(models.QuerySet):
    def procedures(self) -> CodeQuerySet:
        return self.filter(kind="procedure")

    def modifiers(self) -> CodeQuerySet:
        return self.filter(kind="modifier")

    def active(self) -> CodeQuerySet:
        return self.filter(termination_date__isnull=True)

    def terminated(self) -> CodeQuerySet:
        return self.filter(termination_date__isnull=False)

    def in_current_release(self) -> CodeQuerySet:
        """Codes the newest release lists (older ones keep their last known data)."""
        from codes.models import Release

        latest = Release.objects.newest_first().values("pk")[:1]
        return self.filter(release=models.Subquery(latest))

    def search(self, text: str) -> CodeQuerySet:
        from codes.search import search

        # search() only filters, annotates and orders: the queryset keeps its class.
        return cast(CodeQuerySet, search(self, text))

    def matching(self, text: str) -> CodeQuerySet:
        """Codes matching `text` in no particular order (for lists sorted by code)."""
        from codes.search import matching

        return cast(CodeQuerySet, matching(self, text))
