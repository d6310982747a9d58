"""The reference data kept as files in codes/data/, read with tomllib and checked on load.

The record layout (`record_layout.toml`), CMS's code tables (`code_tables.toml`) and the
sections of HCPCS Level II (`sections.toml`) are text a person who knows HCPCS should be
able to review without reading Python, so they are data files; `codes.layout` and
`codes.reference` build their dataclasses from them.
Each file is read once, when the module that needs it is imported. A malformed entry
raises `DataFileError` naming the file and the entry, so a slip in a file stops the site
and the tests at start-up, saying where, instead of showing a wrong page.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn

from codes.code_shapes import HCPCS_CODE

DATA_DIR = Path(__file__).resolve().parent / "data"
RECORD_LAYOUT_FILE = DATA_DIR / "record_layout.toml"
CODE_TABLES_FILE = DATA_DIR / "code_tables.toml"
SECTIONS_FILE = DATA_DIR / "sections.toml"
# A range of codes with its heading: (first, last, heading).
Span = tuple[str, str, str]
# A release is named by its year and month, as its folder is: 2026-jan, 2025-oct.
RELEASE_MONTHS = (
    *("jan", "feb", "mar", "apr", "may", "jun"),
    *("jul", "aug", "sep", "oct", "nov", "dec"),
)
RELEASE_NAME = re.compile(r"(20\d\d)-(" + "|".join(RELEASE_MONTHS) + ")")


def release_name(effective: date) -> str:
    """The name of the release taking effect on `effective`: 2026-jan."""
    return f"{effective.year}-{RELEASE_MONTHS[effective.month - 1]}"


class DataFileError(ValueError):
    """A reference data file that cannot be used; the message names the file and entry."""

    def __init__(self, path: Path, entry: str, message: str):
        where = f"{_shown(path)}, {entry}" if entry else _shown(path)
        super().__init__(f"{where}: {message}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent.parent))
    except ValueError:
        return str(path)


def read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise DataFileError(path, "", f"cannot be read ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(path, "", f"is not valid TOML ({error})") from error


@dataclass(frozen=True)
class Entry:
    """One table of a data file, read with checks that name the file and the entry."""

    path: Path
    name: str
    values: Mapping[str, object]

    def fail(self, message: str) -> NoReturn:
        raise DataFileError(self.path, self.name, message)

    def check_keys(self, required: Collection[str], optional: Collection[str] = ()) -> None:
        missing = [key for key in required if key not in self.values]
        if missing:
            self.fail(f"missing {', '.join(missing)}")
        unknown = sorted(set(self.values) - {*required, *optional})
        if unknown:
            known = ", ".join([*required, *optional])
            self.fail(f"unknown key {', '.join(unknown)} (known keys: {known})")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if not isinstance(value, str) or (not value and default is None):
            self.fail(f"{key} must be a non-empty string, not {value!r}")
        return value

    def number(self, key: str, default: int | None = None) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{key} must be a whole number of at least 1, not {value!r}")
        return value

    def release(self, key: str) -> date | None:
        """A release named like 2026-jan, as the day it takes effect (None: not given)."""
        if key not in self.values:
            return None
        value = self.values[key]
        match = RELEASE_NAME.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            self.fail(
                f'{key} must name a release like "2026-jan" (its year and the first three '
                f"letters of its month, lower case), not {value!r}"
            )
        return date(int(match[1]), RELEASE_MONTHS.index(match[2]) + 1, 1)

    def flag(self, key: str) -> bool:
        value = self.values.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false, not {value!r}")
        return value


def entries(path: Path, data: Mapping[str, object], key: str, named_by: str) -> list[Entry]:
    """The `[[key]]` tables of a file, each named by its `named_by` value (or its number)."""
    found = data.get(key)
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        raise DataFileError(path, "", f"needs [[{key}]] tables")
    return [
        Entry(path, f"{key} {e[named_by]!r}" if named_by in e else f"{key} number {n}", e)
        for n, e in enumerate(found, 1)
    ]


@dataclass(frozen=True)
class CodeTable:
    """One CMS code table: value -> meaning, in CMS's order."""

    name: str
    label: str  # the glossary's heading for the table
    values: dict[str, str]
    blank: str = ""  # what a blank value means, where the layout says (not a table key)


def read_code_tables(path: Path = CODE_TABLES_FILE) -> dict[str, CodeTable]:
    data = read(path)
    tables = {}
    for name, found in data.items():
        entry = Entry(path, f"table {name!r}", found if isinstance(found, dict) else {})
        entry.check_keys(("label", "values"), ("blank",))
        values = entry.values["values"]
        if not isinstance(values, dict) or not values:
            entry.fail("values must be a table of value = meaning")
        for value, meaning in values.items():
            if not value.strip() or not isinstance(meaning, str) or not meaning:
                entry.fail(f"value {value!r} needs a non-empty meaning, not {meaning!r}")
        tables[name] = CodeTable(name, entry.text("label"), values, entry.text("blank", ""))
    return tables


@functools.cache
def code_tables() -> dict[str, CodeTable]:
    """CMS's code tables, read once."""
    return read_code_tables()


def read_sections(path: Path | None = None) -> tuple[list[Span], list[Span]]:
    """The sections and the subsections, each in code order and apart."""
    path = path or SECTIONS_FILE
    data = read(path)
    Entry(path, "", data).check_keys(("section", "subsection"))
    return _spans(path, data, "section"), _spans(path, data, "subsection")


def _spans(path: Path, data: Mapping[str, object], key: str) -> list[Span]:
    spans: list[Span] = []
    for entry in entries(path, data, key, "heading"):
        entry.check_keys(("first", "last", "heading"))
        first, last, heading = entry.text("first"), entry.text("last"), entry.text("heading")
        for code in (first, last):
            if not HCPCS_CODE.fullmatch(code):
                entry.fail(f"{code!r} is not a Level II code (a capital letter and four digits)")
        if last < first or first[0] != last[0]:
            entry.fail(f"{first}-{last} is not a range of codes of one letter")
        if spans and first <= spans[-1][1]:
            entry.fail(
                f"starts at or before the end ({spans[-1][1]}) of {spans[-1][2]!r}: "
                f"list each {key} in code order, apart from the others"
            )
        spans.append((first, last, heading))
    return spans
