"""The sections of the code set as the home page and the page store list them: each
section of `reference.SECTION_RANGES` (the one definition) with its code counts and its
first and last code in the current release, counted by the database in one query."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Count, Max, Min, Q
from django.urls import reverse

from codes.models import Code, Kind
from codes.reference import SECTION_RANGES


class SectionCount(TypedDict):
    letter: str
    heading: str
    slug: str
    url: str
    count: int
    active: int
    first: str | None
    last: str | None


def sections_with_counts() -> tuple[list[SectionCount], int]:
    """Every section with its counts in the current release, and the modifier count."""
    procedure = Q(kind=Kind.PROCEDURE)
    aggregates: dict[str, Any] = {"modifiers": Count("id", filter=Q(kind=Kind.MODIFIER))}
    for n, section in enumerate(SECTION_RANGES):
        where = procedure & Q(code__gte=section.low, code__lt=section.high)
        aggregates[f"count_{n}"] = Count("id", filter=where)
        aggregates[f"active_{n}"] = Count("id", filter=where & Q(termination_date__isnull=True))
        aggregates[f"first_{n}"] = Min("code", filter=where)
        aggregates[f"last_{n}"] = Max("code", filter=where)
    totals = Code.objects.in_current_release().aggregate(**aggregates)
    sections: list[SectionCount] = [
        {
            "letter": section.letter,
            "heading": section.heading,
            "slug": section.slug,
            "url": reverse("codes:section", args=[section.slug]),
            "count": totals[f"count_{n}"],
            "active": totals[f"active_{n}"],
            "first": totals[f"first_{n}"],
            "last": totals[f"last_{n}"],
        }
        for n, section in enumerate(SECTION_RANGES)
    ]
    return sections, totals["modifiers"]
