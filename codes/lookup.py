"""What a search box's text asks for before any word is searched: a code typed the way
people type codes, a CPT code, or two characters that are a modifier and a code prefix.

Each check is a small function the search view calls in turn, so another kind of
number (an NDC) gets its own check beside these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from codes.code_shapes import CODE_LIKE, CPT_CODE, HCPCS_CODE, MODIFIER
from codes.models import Code, Kind, code_page_url, repeated_columns

# Spaces, dashes, dots and slashes people put inside a code: "E-0601", "e 0601", "J 9035".
SEPARATORS = re.compile(r"[\s\-./_]+")
# Longer text is words, not a code with separators in it.
MAX_CODE_TEXT = 12


def compact(text: str) -> str:
    """`text` without the separators people type inside a code, in capitals."""
    if len(text) > MAX_CODE_TEXT:
        return ""
    return SEPARATORS.sub("", text).upper()


def exact_code(text: str) -> Code | None:
    """The procedure code or modifier `text` names exactly, separators ignored.

    A modifier that is also the start of procedure codes ("A4", "G0") is not an exact
    answer: `modifier_and_prefix` offers both.
    """
    wanted = compact(text)
    if HCPCS_CODE.fullmatch(wanted):
        return Code.objects.filter(code=wanted).order_by("kind").first()
    if MODIFIER.fullmatch(wanted) and wanted == text.strip().upper():
        modifier = Code.objects.filter(kind=Kind.MODIFIER, code=wanted).first()
        if modifier is not None and not starts_codes(wanted):
            return modifier
    return None


def starts_codes(prefix: str) -> bool:
    return Code.objects.filter(kind=Kind.PROCEDURE, code__startswith=prefix).exists()


def modifier_and_prefix(text: str) -> Code | None:
    """The modifier two characters name when they also start procedure codes."""
    wanted = text.strip().upper()
    if not MODIFIER.fullmatch(wanted):
        return None
    return Code.objects.filter(kind=Kind.MODIFIER, code=wanted).first()


@dataclass(frozen=True)
class CptCode:
    """A CPT code typed into the search box, and the HCPCS codes whose records cite it."""

    code: str
    referring: list[Code]


def cpt_code(text: str, limit: int = 50) -> CptCode | None:
    wanted = compact(text)
    if not CPT_CODE.fullmatch(wanted):
        return None
    cites = Q()
    for column in repeated_columns("cross_references"):
        cites |= Q(**{column: wanted})
    referring = (
        Code.objects.filter(cites)
        .only("kind", "code", "short_description", "long_description", "termination_date")
        .order_by("kind", "code")[:limit]
    )
    return CptCode(wanted, list(referring))


@dataclass(frozen=True)
class Replacement:
    code: str
    # None for a code this site does not carry (a CPT code).
    url: str | None


def replacements(code: Code) -> list[Replacement]:
    """The codes a terminated code's record points to instead (its cross-references)."""
    if not code.is_terminated:
        return []
    return [
        Replacement(ref, code_page_url(Kind.PROCEDURE, ref) if HCPCS_CODE.fullmatch(ref) else None)
        for ref in code.cross_references
    ]


def neighbouring_codes(text: str) -> list[Code]:
    """The codes around a code-like text that found nothing: two before it and three
    after it, among the codes of its kind (a modifier has two characters) and first letter."""
    token = text.split()[0].upper()
    if not CODE_LIKE.fullmatch(token):
        return []
    kind = Kind.MODIFIER if len(token) == 2 else Kind.PROCEDURE
    near = Code.objects.filter(kind=kind, code__startswith=token[0])
    after = near.filter(code__gt=token).order_by("code")[:3]
    before = near.filter(code__lt=token).order_by("-code")[:2]
    return [*reversed(before), *after]
