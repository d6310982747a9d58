"""Parsing with another copy of the record layout file, in a fresh interpreter.

The parser builds its record type from codes/data/record_layout.toml when it is first
imported, so a test that adds a field to a copy of the file runs the parser in a child
Python, pointed at the copy, with the Django half of `codes.importer` left out: that
also proves parsing needs no Django. Nothing here imports Django.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run first in the child: the layout copy in place of the real one, and the importer
# package without its __init__ (which imports the loader, and so Django).
PREAMBLE = """
import json, sys, types
from pathlib import Path
from codes import datafiles
datafiles.RECORD_LAYOUT_FILE = Path(sys.argv[1])
package = types.ModuleType("codes.importer")
package.__path__ = ["codes/importer"]
sys.modules["codes.importer"] = package
from codes.importer import locate, parse
from tests.alternate_layout import records_digest
arguments = json.loads(sys.argv[2])
"""


def run_with_layout(layout_file: Path, program: str, arguments: object = None) -> list:
    """Run `program` after PREAMBLE; it prints one JSON value a line, returned in order.

    `arguments` reaches the program, through JSON, as `arguments`.
    """
    result = subprocess.run(
        [sys.executable, "-c", PREAMBLE + program, str(layout_file), json.dumps(arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AssertionError(f"the parser failed with the layout copy:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def records_digest(records: list, leave_out: tuple[str, ...] = ()) -> str:
    """A digest of the records' values but the columns `leave_out`, to compare parses."""
    digest = hashlib.sha256()
    for record in records:
        values = record.values()
        shown = [(k, dict(v) if k == "unparsed" else v) for k, v in values.items()]
        digest.update(repr([item for item in shown if item[0] not in leave_out]).encode())
    return digest.hexdigest()


def future_date_entry(first: int) -> str:
    """The body of a [[field]] entry: a date CMS adds in 2026-jan, at `first` in the record."""
    return f"""\
name = "future_date"
first = {first}
width = 8
heading = "FUTURE DT"
type = "date"
group = "status"
order = 1000
label = "Future date"
short = "A date CMS might add."
full = "A date."
since = "2026-jan"
"""
