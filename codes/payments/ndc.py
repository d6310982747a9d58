"""National Drug Codes as people type them, reduced to the 11-digit 5-4-2 form CMS bills.

An NDC is labeler-product-package. FDA assigns 10-digit NDCs in three layouts (4-4-2,
5-3-2, 5-4-1); billing uses 11 digits (5-4-2), made by a leading zero on the short part.
With hyphens the layout is known; ten bare digits could be any of the three, so
`candidates` gives every 11-digit form they may stand for and the crosswalk decides.
"""

from __future__ import annotations

import re

# (labeler, product, package) widths of the 10-digit layouts.
_TEN_DIGIT_LAYOUTS = ((4, 4, 2), (5, 3, 2), (5, 4, 1))
_FULL_WIDTHS = (5, 4, 2)
_PREFIX = re.compile(r"^\s*NDC\s*[:#]?\s*", re.IGNORECASE)
_SEPARATOR = re.compile(r"[\s\-‐‑–—]+")
_DIGITS = re.compile(r"\d+")


def _parts(text: str) -> list[str] | None:
    body = _PREFIX.sub("", text).strip()
    parts = [p for p in _SEPARATOR.split(body) if p]
    if not parts or not all(_DIGITS.fullmatch(p) for p in parts):
        return None
    return parts


def _padded(parts: list[str]) -> str:
    return "".join(part.zfill(width) for part, width in zip(parts, _FULL_WIDTHS, strict=True))


def normalise(text: str) -> str | None:
    """The 11 digits of an NDC written in one unambiguous form, else None.

    Accepted: 11 digits with or without 5-4-2 hyphens (or spaces), and the hyphenated
    10-digit layouts 4-4-2, 5-3-2 and 5-4-1. Ten bare digits are ambiguous: see
    `candidates`.
    """
    parts = _parts(text)
    if parts is None:
        return None
    if len(parts) == 1:
        return parts[0] if len(parts[0]) == 11 else None
    widths = tuple(len(p) for p in parts)
    if widths == _FULL_WIDTHS or widths in _TEN_DIGIT_LAYOUTS:
        return _padded(parts)
    return None


def candidates(text: str) -> tuple[str, ...]:
    """Every 11-digit NDC the text may stand for: one, three for ten bare digits, or none."""
    single = normalise(text)
    if single is not None:
        return (single,)
    parts = _parts(text)
    if parts is None or len(parts) != 1 or len(parts[0]) != 10:
        return ()
    digits = parts[0]
    forms = []
    for labeler, product, _package in _TEN_DIGIT_LAYOUTS:
        split = [digits[:labeler], digits[labeler : labeler + product], digits[labeler + product :]]
        forms.append(_padded(split))
    return tuple(forms)


def hyphenated(ndc11: str) -> str:
    """00006302602 -> 00006-3026-02."""
    return f"{ndc11[:5]}-{ndc11[5:9]}-{ndc11[9:]}"
