"""Import time of real CMS releases against the time to merely read the same file.

Usage: .venv/bin/python bench/import_speed.py [RUNS]   (default 3; prints medians)

"read" is the floor: the bytes out of the zip or the workbook's cells into Python, no
parsing. "parse" adds the record layout. "import" is parse plus the transactional
write into a fresh SQLite database (search index included).
"""

import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from codes import importer  # noqa: E402
from codes.importer.parse import workbook_rows  # noqa: E402

DATA = Path(settings.HCPCS_DATA_DIR)
SOURCES = {
    "2025-oct workbook": DATA / "2025-oct" / "HCPC2025_OCT_ANWEB.xlsx",
    "2019-jan zip": DATA / "2019-jan" / "2019-Alpha-Numeric-HCPCS-File.zip",
}


def read_only(path: Path) -> None:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if "ANWEB" in name and name.endswith(".txt"):
                    archive.read(name).decode("cp1252").split("\n")
    else:
        workbook_rows(path.read_bytes(), path.name)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    print(f"{'source':<20}{'read (floor)':>14}{'parse':>10}{'import':>10}{'import/floor':>14}")
    for label, path in SOURCES.items():
        reads = [timed(lambda p=path: read_only(p)) for _ in range(runs)]
        parses = [timed(lambda p=path: importer.read_release(p)) for _ in range(runs)]
        imports = []
        for _ in range(runs):
            imports.append(timed(lambda p=path: importer.load(importer.read_release(p))))
            importer.remove_release(importer.read_release(path).name)
        floor, parse, full = (statistics.median(x) for x in (reads, parses, imports))
        print(f"{label:<20}{floor:>13.3f}s{parse:>9.3f}s{full:>9.3f}s{full / floor:>13.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
