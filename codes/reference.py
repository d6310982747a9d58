"""CMS code tables, the field glossary and the sections of HCPCS Level II.

`CODE_TABLES` is every code table of the CMS Alpha-Numeric HCPCS record layout, read from
codes/data/code_tables.toml (where the file says which layouts it transcribes). The
glossary entries in `FIELD_DOCS` are the layout's fields (codes/data/record_layout.toml):
their labels and explanations are written for this site, not copied from CMS, and their
positions, repeats and code table come with them. The section headings are ours too.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def field_doc(field: layout.Field) -> FieldDoc:
    return FieldDoc(
        name=field.name,
        label=field.label,
        short=field.short,
        full=field.full,
        positions=field.positions,
        table=field.table,
        repeats=field.repeats,
    )


def field_docs(record: layout.RecordLayout) -> dict[str, FieldDoc]:
    """The glossary entries of a layout's fields, in page-group order."""
    by_name = {f.name: f for f in record.fields}
    return {name: field_doc(by_name[name]) for _, _, names in record.groups for name in names}


FIELD_DOCS: dict[str, FieldDoc] = field_docs(layout.RECORD)


# Sections of HCPCS Level II (AAPC-style ranges; headings are ours). Range ends drift
# between releases, so pages compute each section's actual first and last code from data.
SECTIONS: list[tuple[str, str, str]] = [
    ("A0021", "A0999", "Transportation services including ambulance"),
    ("A2001", "A2021", "Matrix for wound management"),
    ("A4100", "A4100", "Skin substitute device"),
    ("A4206", "A8004", "Medical and surgical supplies"),
    ("A9150", "A9999", "Administrative, miscellaneous and investigational"),
    ("B4034", "B9999", "Enteral and parenteral therapy"),
    ("C1052", "C1062", "Other therapeutic procedures"),
    ("C1713", "C9899", "Outpatient PPS"),
    ("D0120", "D9999", "Dental procedures"),
    ("E0100", "E8002", "Durable medical equipment"),
    ("G0008", "G9999", "Procedures / professional services (temporary)"),
    ("H0001", "H2037", "Alcohol and drug abuse treatment services"),
    ("J0120", "J8999", "Drugs administered other than oral method"),
    ("J9000", "J9999", "Chemotherapy drugs"),
    ("K0001", "K0900", "Durable medical equipment for Medicare administrative contractors"),
    ("K1001", "K1099", "Components, accessories and supplies"),
    ("L0112", "L4631", "Orthotic procedures and services"),
    ("L5000", "L9900", "Prosthetic procedures"),
    ("M0001", "M1999", "Medical services (other)"),
    ("P2028", "P9615", "Pathology and laboratory services"),
    ("Q0035", "Q9992", "Temporary codes"),
    ("R0070", "R0076", "Diagnostic radiology services"),
    ("S0012", "S9999", "Temporary national codes (non-Medicare)"),
    ("T1000", "T5999", "National T codes established for state Medicaid agencies"),
    ("U0001", "U0005", "Coronavirus diagnostic panel"),
    ("V2020", "V2799", "Vision services"),
    ("V5008", "V5364", "Hearing services"),
]

# Finer headings inside some sections, same shape as SECTIONS.
SUBSECTIONS: list[tuple[str, str, str]] = [
    ("A4206", "A4232", "Injection and infusion supplies"),
    ("A4233", "A4239", "Replacement batteries"),
    ("A4244", "A4290", "Other supplies"),
    ("A4310", "A4360", "Incontinence"),
    ("A4361", "A4437", "Ostomy"),
    ("A4450", "A4608", "Tapes and dressings"),
    ("A4653", "A4932", "Dialysis"),
    ("A6000", "A6550", "Dressings, bandages and compression garments"),
    ("A7000", "A7049", "Breathing aids"),
    ("A7501", "A7527", "Tracheostoma supplies"),
    ("J0120", "J7175", "Injections"),
    ("J7177", "J7212", "Clotting factors"),
    ("J7500", "J7599", "Immunosuppressives"),
    ("J7604", "J7686", "Inhalation solutions"),
    ("J8501", "J8999", "Oral chemotherapy"),
]


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
