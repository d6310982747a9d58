"""Sitemaps: one section per code letter, one for modifiers, one for the fixed pages.

A single sitemap may list at most 50,000 addresses; splitting by letter keeps every
section far below that (the largest letter holds a few thousand codes) and lets a
crawler fetch only the sections whose lastmod moved after a new release.
"""

from __future__ import annotations

import datetime
import string

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import Substr
from django.urls import reverse

from codes.models import Code, Release
from codes.reference import OFFERED_SECTIONS


class RecordSitemap(Sitemap):
    """Code or modifier pages; lastmod is the release their fields come from."""

    changefreq = "monthly"

    def records(self):
        raise NotImplementedError

    def items(self):
        return (
            self.records()
            .select_related("release")
            .only("kind", "code", "release__effective_date")
            .order_by("code")
        )

    def lastmod(self, item: Code) -> datetime.date:
        return item.release.effective_date

    # Django's sitemaps accept a date here; django-stubs types it as a datetime only.
    def get_latest_lastmod(self) -> datetime.date | None:  # type: ignore[override]
        # The index asks every section for this; one aggregate beats walking the items.
        return self.items().aggregate(latest=Max("release__effective_date"))["latest"]


class CodeSitemap(RecordSitemap):
    """Every procedure code, current or terminated, whose number starts with one letter."""

    def __init__(self, letter: str):
        self.letter = letter

    def records(self):
        return Code.objects.procedures().filter(code__startswith=self.letter)


class ModifierSitemap(RecordSitemap):
    def records(self):
        return Code.objects.modifiers()


class PageSitemap(Sitemap):
    """The browse pages, one page per section, glossary, contact and one page per release."""

    changefreq = "monthly"
    pages = ("codes:home", "codes:list", "codes:modifier_list", "codes:glossary", "codes:contact")

    def items(self) -> list[str]:
        releases = [release.get_absolute_url() for release in Release.objects.only("name")]
        sections = [reverse("codes:section", args=[s.slug]) for s in OFFERED_SECTIONS]
        return [reverse(name) for name in (*self.pages, "codes:releases")] + sections + releases

    def location(self, item: str) -> str:
        return item


LETTERS = string.ascii_uppercase

# Every section a request may name; the index lists only those that hold codes.
SITEMAPS: dict[str, Sitemap] = {
    "pages": PageSitemap(),
    "modifiers": ModifierSitemap(),
    **{f"codes-{letter.lower()}": CodeSitemap(letter) for letter in LETTERS},
}


def sections_in_use() -> dict[str, Sitemap]:
    """The sections with at least one address: the pages, modifiers, and used letters."""
    letters = set(
        Code.objects.procedures()
        .annotate(letter=Substr("code", 1, 1))
        .values_list("letter", flat=True)
        .distinct()
    )
    return {
        name: sitemap
        for name, sitemap in SITEMAPS.items()
        if not isinstance(sitemap, CodeSitemap) or sitemap.letter in letters
    }
