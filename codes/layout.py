"""The CMS Alpha-Numeric HCPCS record, described once.

Each `Field` says where the fixed-width .txt holds it, what the workbook's heading is,
its type and width, how often it repeats, which code table decodes it, which glossary
entry explains it; `GROUPS` places each field on the code page. The parser, the models'
agreement test, the glossary, the code page, the history and the exports all read this
module; adding a CMS field is one entry here plus a migration for the model column.

A repeated field (four pricing indicators, say) is one entry: its columns are
`prefix_1` .. `prefix_N`, laid out one after the other from `first`, `width` apart, and
its workbook headings are `heading` with the number appended.
"""

from __future__ import annotations

from dataclasses import dataclass

# Field types: what a value is once parsed.
KIND = "kind"  # the record id (column 11), read as procedure or modifier
TEXT = "text"
LONG_TEXT = "long text"  # continued on further lines, joined
DATE = "date"  # YYYYMMDD
INTEGER = "integer"


@dataclass(frozen=True)
class Field:
    name: str  # the model column, or the glossary key of a repeated field
    first: int  # first position in the .txt record, 1-based
    width: int  # characters one occurrence takes in the .txt record
    heading: str  # the workbook's column heading (a prefix when repeated)
    type: str = TEXT
    repeats: int = 1
    prefix: str = ""  # a repeated field's column prefix
    table: str | None = None  # the code table (codes.reference.CODE_TABLES) that decodes it
    zero_padded: bool = False  # a workbook stores it as a number, dropping leading zeros

    @property
    def columns(self) -> tuple[str, ...]:
        if self.repeats == 1:
            return (self.name,)
        return tuple(f"{self.prefix}_{n}" for n in range(1, self.repeats + 1))

    @property
    def headings(self) -> tuple[str, ...]:
        if self.repeats == 1:
            return (self.heading,)
        return tuple(f"{self.heading}{n}" for n in range(1, self.repeats + 1))

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """(first, last) positions of each column, 1-based and inclusive."""
        return tuple(
            (self.first + n * self.width, self.first + (n + 1) * self.width - 1)
            for n in range(self.repeats)
        )

    @property
    def last(self) -> int:
        return self.first + self.repeats * self.width - 1

    @property
    def positions(self) -> str:
        """The positions as the glossary shows them: "120–127", or "128"."""
        return str(self.first) if self.last == self.first else f"{self.first}–{self.last}"


# In the order the .txt record holds them (the workbook's columns come in this order too).
FIELDS: list[Field] = [
    Field("code", 1, 5, "HCPC"),
    Field("sequence_number", 6, 5, "SEQNUM"),
    Field("kind", 11, 1, "RECID", KIND, table="record_id"),
    Field("long_description", 12, 80, "LONG DESCRIPTION", LONG_TEXT),
    Field("short_description", 92, 28, "SHORT DESCRIPTION"),
    Field(
        "pricing_indicators",
        120,
        2,
        "PRICE",
        repeats=4,
        prefix="pricing_indicator",
        table="pricing_indicator",
        zero_padded=True,
    ),
    Field(
        "multiple_pricing_indicator",
        128,
        1,
        "MULT_PI",
        table="multiple_pricing_indicator",
    ),
    Field("cim_references", 129, 6, "CIM", repeats=3, prefix="cim_reference"),
    Field("mcm_references", 147, 8, "MCM", repeats=3, prefix="mcm_reference"),
    Field("statute", 171, 10, "STATUTE"),
    Field(
        "lab_certifications",
        181,
        3,
        "LABCERT",
        repeats=8,
        prefix="lab_certification",
        table="lab_certification",
        zero_padded=True,
    ),
    Field(
        "cross_references",
        205,
        5,
        "XREF",
        repeats=5,
        prefix="cross_reference",
    ),
    Field("coverage_code", 230, 1, "COV", table="coverage"),
    Field("asc_group", 231, 2, "ASC_GRP", table="asc_group"),
    Field("asc_effective_date", 233, 8, "ASC_DT", DATE),
    Field("opps_group", 241, 3, "OPPS", table="opps_group", zero_padded=True),
    Field("opps_indicator", 244, 1, "OPPS_PI", table="opps_indicator"),
    Field("opps_effective_date", 245, 8, "OPPS_DT", DATE),
    Field("processing_note", 253, 4, "PROCNOTE", zero_padded=True),
    Field("betos_code", 257, 3, "BETOS", table="betos"),
    Field(
        "type_of_service_codes",
        261,
        1,
        "TOS",
        repeats=5,
        prefix="type_of_service",
        table="type_of_service",
    ),
    Field("anesthesia_base_units", 266, 3, "ANEST_BU", INTEGER),
    Field("date_added", 269, 8, "ADD DT", DATE),
    Field("action_effective_date", 277, 8, "ACT EFF DT", DATE),
    Field("termination_date", 285, 8, "TERM DT", DATE),
    Field("action_code", 293, 1, "ACTION CD", table="action"),
]

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
# Every column of the record, in layout order: CmsRecord's columns but `unparsed`.
COLUMNS: tuple[str, ...] = tuple(c for f in FIELDS for c in f.columns)
FIELD_OF_COLUMN: dict[str, Field] = {c: f for f in FIELDS for c in f.columns}
# Repeated fields: glossary key -> (column prefix, occurrences).
REPEATED_FIELDS: dict[str, tuple[str, int]] = {
    f.name: (f.prefix, f.repeats) for f in FIELDS if f.repeats > 1
}


def columns_of_type(kind: str) -> tuple[str, ...]:
    return tuple(c for c in COLUMNS if FIELD_OF_COLUMN[c].type == kind)


def repeated_columns(group: str) -> list[str]:
    """The columns of a repeated field, in order."""
    return list(BY_NAME[group].columns)


def glossary_key(column: str) -> str:
    """The glossary entry (codes.reference.FIELD_DOCS key) that explains a column."""
    found = FIELD_OF_COLUMN.get(column)
    return found.name if found is not None else column


# The code page's groups of fields, in the order a coder reads them (which is not the
# record's: the action code leads the status group). Every field stands in one group.
GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "identification",
        "Code and descriptions",
        ("code", "kind", "sequence_number", "long_description", "short_description"),
    ),
    (
        "status",
        "Status and dates",
        ("action_code", "action_effective_date", "date_added", "termination_date"),
    ),
    (
        "pricing",
        "Pricing and coverage",
        ("pricing_indicators", "multiple_pricing_indicator", "coverage_code"),
    ),
    ("service", "BETOS and type of service", ("betos_code", "type_of_service_codes")),
    ("cross-references", "Cross-references", ("cross_references",)),
    (
        "references",
        "Manual and statute references",
        ("cim_references", "mcm_references", "statute"),
    ),
    ("lab", "Lab certification", ("lab_certifications",)),
    (
        "facility",
        "ASC and outpatient (MOG) payment",
        ("asc_group", "asc_effective_date", "opps_group", "opps_indicator", "opps_effective_date"),
    ),
    ("anesthesia", "Anesthesia", ("anesthesia_base_units",)),
    ("processing-note", "Processing note", ("processing_note",)),
]
