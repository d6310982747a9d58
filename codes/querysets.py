from __future__ import annotations

from django.db import models


class CodeQuerySet(models.QuerySet):
    def procedures(self) -> CodeQuerySet:
        return self.filter(kind="procedure")

    def modifiers(self) -> CodeQuerySet:
        return self.filter(kind="modifier")

    def active(self) -> CodeQuerySet:
        return self.filter(termination_date__isnull=True)

    def terminated(self) -> CodeQuerySet:
        return self.filter(termination_date__isnull=False)

    def in_section(self, letter: str) -> CodeQuerySet:
        return self.procedures().filter(code__startswith=letter.upper())

    def in_current_release(self) -> CodeQuerySet:
        """Codes the newest release lists (older ones keep their last known data)."""
        from codes.models import Release

        latest = Release.objects.order_by("-effective_date").values("pk")[:1]
        return self.filter(release=models.Subquery(latest))

    def search(self, text: str) -> CodeQuerySet:
        from codes.search import search

        return search(self, text)

    def matching(self, text: str) -> CodeQuerySet:
        """Codes matching `text` in no particular order (for lists sorted by code)."""
        from codes.search import matching

        return matching(self, text)
