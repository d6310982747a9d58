"""CMS code tables, the field glossary and the sections of HCPCS Level II.

`CODE_TABLES` is every code table of the CMS Alpha-Numeric HCPCS record layout, read from
codes/data/code_tables.toml (where the file says which layouts it transcribes). The
glossary entries in `FIELD_DOCS` are the layout's fields (codes/data/record_layout.toml):
their labels and explanations are written for this site, not copied from CMS, and their
positions, repeats and code table come with them. The section headings are ours too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from codes import datafiles, layout

_TABLES = datafiles.code_tables()
# Code table name -> {value: meaning}, in CMS's order (codes/data/code_tables.toml).
CODE_TABLES: dict[str, dict[str, str]] = {name: t.values for name, t in _TABLES.items()}
# Code table name -> the glossary's heading for it.
CODE_TABLE_LABELS: dict[str, str] = {name: t.label for name, t in _TABLES.items()}
# The layout's rule for a blank ASC payment group (positions 231-232).
ASC_GROUP_BLANK_MEANING = _TABLES["asc_group"].blank


def decode(table: str, value: str) -> str | None:
    """The meaning of `value` in code table `table`, or None if blank or not in the table."""
    if value is None:
        return None
    key = str(value).strip()
    if not key:
        return None
    return CODE_TABLES.get(table, {}).get(key)


@dataclass(frozen=True)
class FieldDoc:
    """Glossary entry for one field of the record (positions are 1-based, inclusive)."""

    name: str
    label: str
    short: str
    full: str
    positions: str = ""
    table: str | None = None
    repeats: int = 1
    since: date | None = None  # effective date of the first release that has it


def field_doc(field: layout.Field) -> FieldDoc:
    return FieldDoc(
        name=field.name,
        label=field.label,
        short=field.short,
        full=field.full,
        positions=field.positions,
        table=field.table,
        repeats=field.repeats,
        since=field.since,
    )


def field_docs(record: layout.RecordLayout) -> dict[str, FieldDoc]:
    """The glossary entries of a layout's fields, in page-group order."""
    by_name = {f.name: f for f in record.fields}
    return {name: field_doc(by_name[name]) for _, _, names in record.groups for name in names}


FIELD_DOCS: dict[str, FieldDoc] = field_docs(layout.RECORD)


# Sections of HCPCS Level II (AAPC-style ranges; headings are ours), and finer headings
# inside some of them, as (first, last, heading) in code order (codes/data/sections.toml).
# Range ends drift between releases, so pages compute each section's actual first and
# last code from data.
SECTIONS, SUBSECTIONS = datafiles.read_sections()


@dataclass(frozen=True)
class SectionRange:
    """One section of SECTIONS with the code range it owns in the data.

    A code belongs to the section whose published start is the last one at or before it
    within its letter, or to the letter's first section: range ends drift between
    releases (A2022-A2027 came after the published A2021), so codes past an end still
    land in exactly one section. `low` (inclusive) and `high` (exclusive) are those
    bounds, so a database filter and `section_for` always agree.
    """

    slug: str
    first: str
    last: str
    heading: str
    low: str
    high: str

    @property
    def letter(self) -> str:
        return self.first[0]

    def contains(self, code: str) -> bool:
        return self.low <= code < self.high

    @property
    def subsections(self) -> list[tuple[str, str, str]]:
        return [s for s in SUBSECTIONS if self.low <= s[0] < self.high]


def _slug(heading: str) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in heading).split()
    return "-".join(words)


def _section_ranges() -> tuple[SectionRange, ...]:
    ranges = []
    for n, (first, last, heading) in enumerate(SECTIONS):
        letter = first[0]
        starts_letter = n == 0 or SECTIONS[n - 1][0][0] != letter
        following = SECTIONS[n + 1][0] if n + 1 < len(SECTIONS) else ""
        high = following if following[:1] == letter else chr(ord(letter) + 1)
        low = letter if starts_letter else first
        ranges.append(SectionRange(_slug(heading), first, last, heading, low, high))
    return tuple(ranges)


SECTION_RANGES: tuple[SectionRange, ...] = _section_ranges()
# CMS's file carries no dental codes (the ADA publishes CDT itself); none of the releases
# 2017-2025 lists a D procedure code, so the dental section is named but never offered.
SECTIONS_NOT_IN_FILE = frozenset({"dental-procedures"})
OFFERED_SECTIONS: tuple[SectionRange, ...] = tuple(
    s for s in SECTION_RANGES if s.slug not in SECTIONS_NOT_IN_FILE
)
SECTIONS_BY_SLUG: dict[str, SectionRange] = {s.slug: s for s in SECTION_RANGES}


def section_for(code: str) -> SectionRange | None:
    """The one section a procedure code belongs to (None for a letter without sections)."""
    return next((s for s in SECTION_RANGES if s.contains(code)), None)
