"""The CMS Alpha-Numeric HCPCS record, described once.

The description itself is data, `codes/data/record_layout.toml`: one entry per CMS field
saying where the fixed-width .txt holds it, what the workbook's heading is, its type and
width, how often it repeats, which code table decodes it, where it stands on the code
page (its group and its order there) and its glossary label and explanation. This module
reads that file once, checks it (`DataFileError` names the file and the field when an
entry is malformed) and gives it to Python as `Field`s. The parser, the models' agreement
test, the glossary, the code page, the history and the exports all read this module, so
adding a CMS field is one entry in the file plus the model column and its migration.

A repeated field (four pricing indicators, say) is one entry: its columns are
`prefix_1` .. `prefix_N`, laid out one after the other from `first`, `width` apart, and
its workbook headings are `heading` with the number appended.

A field CMS added in a later release says so with `since` (the first release that has
it): older releases' files are imported without it, its value left blank (`published`),
and their code pages leave it out rather than show it as published blank.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from codes import datafiles
from codes.datafiles import Entry

# Field types: what a value is once parsed.
KIND = "kind"  # the record id (column 11), read as procedure or modifier
TEXT = "text"
LONG_TEXT = "long text"  # continued on further lines, joined
DATE = "date"  # YYYYMMDD
INTEGER = "integer"
TYPES = (KIND, TEXT, LONG_TEXT, DATE, INTEGER)


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
    group: str = ""  # the code page's group (a GROUPS key) it stands in
    order: int = 0  # its place in that group, and so in the glossary
    label: str = ""  # the glossary's name for it
    short: str = ""  # the glossary's one-line explanation (the code page's tooltip)
    full: str = ""  # the glossary's full explanation
    since: date | None = None  # effective date of the first release that has it (None: all)

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


# A group of the code page: (key, heading, its fields' names in order).
Group = tuple[str, str, tuple[str, ...]]

FIELD_KEYS = (
    "name",
    "first",
    "width",
    "heading",
    "type",
    "group",
    "order",
    "label",
    "short",
    "full",
)
OPTIONAL_FIELD_KEYS = ("repeats", "prefix", "table", "zero_padded", "since")


def published(since: date | None, effective: date | None) -> bool:
    """Whether a field that exists `since` that day is in the release effective then.

    A release of unknown date (None) is read as one of today's layout, every field in it.
    """
    return since is None or effective is None or effective >= since


@dataclass(frozen=True)
class RecordLayout:
    """A layout file, read and checked: its fields in record order and its page groups."""

    record_length: int
    fields: tuple[Field, ...]
    groups: tuple[Group, ...]


def read_layout(path: Path | None = None, tables: Collection[str] | None = None) -> RecordLayout:
    """The layout in `path` (codes/data/record_layout.toml), checked; `tables` are the
    code tables a field may name (by default CMS's, codes/data/code_tables.toml)."""
    path = path or datafiles.RECORD_LAYOUT_FILE
    data = datafiles.read(path)
    known_tables = set(datafiles.code_tables()) if tables is None else set(tables)
    top = Entry(path, "", data)
    top.check_keys(("record_length", "group", "field"))
    headings = _group_headings(datafiles.entries(path, data, "group", "key"))
    fields = [
        _field(entry, headings, known_tables)
        for entry in datafiles.entries(path, data, "field", "name")
    ]
    record_length = top.number("record_length")
    _check_record_order(path, fields, record_length)
    return RecordLayout(record_length, tuple(fields), _groups(path, headings, fields))


def _group_headings(groups: list[Entry]) -> dict[str, str]:
    headings: dict[str, str] = {}
    for entry in groups:
        entry.check_keys(("key", "heading"))
        key = entry.text("key")
        if key in headings:
            entry.fail("is listed twice")
        headings[key] = entry.text("heading")
    return headings


def _field(entry: Entry, groups: Collection[str], tables: Collection[str]) -> Field:
    entry.check_keys(FIELD_KEYS, OPTIONAL_FIELD_KEYS)
    name, kind, group = entry.text("name"), entry.text("type"), entry.text("group")
    table = entry.text("table") if "table" in entry.values else None
    repeats, prefix = entry.number("repeats", 1), entry.text("prefix", "")
    if not name.isidentifier():
        entry.fail("name must be a Python identifier: it names the model column")
    if kind not in TYPES:
        entry.fail(f"unknown type {kind!r} (one of {', '.join(map(repr, TYPES))})")
    if group not in groups:
        entry.fail(f"group {group!r} does not exist (the [[group]] keys: {', '.join(groups)})")
    if table is not None and table not in tables:
        entry.fail(f"code table {table!r} does not exist in {datafiles.CODE_TABLES_FILE.name}")
    if (repeats > 1) != bool(prefix) or (prefix and not prefix.isidentifier()):
        entry.fail("a repeated field needs a column prefix (an identifier); only it has one")
    since = entry.release("since")
    if since is not None and kind == KIND:
        entry.fail("the record id is in every release's record: it takes no since")
    return Field(
        name=name,
        first=entry.number("first"),
        width=entry.number("width"),
        heading=entry.text("heading"),
        type=kind,
        repeats=repeats,
        prefix=prefix,
        table=table,
        zero_padded=entry.flag("zero_padded"),
        group=group,
        order=entry.number("order"),
        label=entry.text("label"),
        short=entry.text("short"),
        full=entry.text("full"),
        since=since,
    )


def _check_record_order(path: Path, fields: list[Field], record_length: int) -> None:
    """Fields in record order, none overlapping another, all within the record."""
    names: set[str] = set()
    for before, field in zip([None, *fields], fields, strict=False):
        where = f"field {field.name!r}"
        if field.name in names or any(c in names for c in field.columns):
            raise datafiles.DataFileError(path, where, "its name or a column is listed twice")
        names.update({field.name, *field.columns})
        if before is not None and field.first <= before.last:
            raise datafiles.DataFileError(
                path,
                where,
                f"positions {field.positions} overlap field {before.name!r} "
                f"(positions {before.positions}); fields are listed in record order",
            )
        if field.last > record_length:
            raise datafiles.DataFileError(
                path, where, f"positions {field.positions} end past the record's {record_length}"
            )
    if [f.type for f in fields].count(KIND) != 1:
        raise datafiles.DataFileError(path, "", f"needs exactly one field of type {KIND!r}")


def _groups(path: Path, headings: dict[str, str], fields: list[Field]) -> tuple[Group, ...]:
    groups = []
    for key, heading in headings.items():
        members = sorted((f for f in fields if f.group == key), key=lambda f: f.order)
        if not members:
            raise datafiles.DataFileError(path, f"group {key!r}", "has no field")
        for a, b in zip(members, members[1:], strict=False):
            if a.order == b.order:
                raise datafiles.DataFileError(
                    path, f"field {b.name!r}", f"order {b.order} is field {a.name!r}'s too"
                )
        groups.append((key, heading, tuple(f.name for f in members)))
    return tuple(groups)


RECORD = read_layout()
RECORD_LENGTH = RECORD.record_length
# In the order the .txt record holds them (the workbook's columns come in this order too).
FIELDS: list[Field] = list(RECORD.fields)
# The code page's groups of fields, in the order a coder reads them (which is not the
# record's: the action code leads the status group). Every field stands in one group,
# and the glossary lists the fields in this order.
GROUPS: list[Group] = list(RECORD.groups)

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
