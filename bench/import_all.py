"""Time importing releases from scratch and the SQLite database size after each one.

    .venv/bin/python bench/import_all.py                  # 2017-jan 2018-jan 2019-jan 2025-oct
    .venv/bin/python bench/import_all.py --all            # every release folder in HCPCS_DATA_DIR
    .venv/bin/python bench/import_all.py 2019-jan 2017-jan
    .venv/bin/python bench/import_all.py --simulate 36   # then 36 more quarterly copies

Uses a fresh SQLite file in a temporary folder (never the dev database), imports the
releases in the order given, then imports them all again to time the no-op re-import.
`--simulate N` then loads the last release N more times under later quarterly names (the
same records, so every version is new but nothing changes) to show how import time,
database size and the release pages grow towards a deployment that keeps 40 releases.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT = ["2017-jan", "2018-jan", "2019-jan", "2025-oct"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("releases", nargs="*", help=f"release folders (default: {DEFAULT})")
    parser.add_argument("--all", action="store_true", help="every release folder, oldest first")
    parser.add_argument("--simulate", type=int, default=0, help="quarterly copies to add")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hcpcs-bench-"))
    database = folder / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from codes import importer
    from codes.importer import release_folders

    data_dir = Path(settings.HCPCS_DATA_DIR)
    if args.all:
        paths = release_folders(data_dir)
    else:
        paths = [data_dir / name for name in (args.releases or DEFAULT)]

    call_command("migrate", verbosity=0)
    base_size = database.stat().st_size
    print(f"empty database after migrate: {base_size / 1e6:.2f} MB")
    print(
        f"{'release':<10} {'records':>8} {'parse s':>8} {'load s':>8} {'db MB':>7} {'growth MB':>9}"
    )
    total = 0.0
    previous = base_size
    for path in paths:
        started = time.perf_counter()
        parsed = importer.read_release(path)
        parsed_at = time.perf_counter()
        importer.load(parsed)
        done = time.perf_counter()
        total += done - started
        size = _size(database)
        print(
            f"{parsed.name:<10} {len(parsed.records):>8} {parsed_at - started:>8.2f} "
            f"{done - parsed_at:>8.2f} {size / 1e6:>7.2f} {(size - previous) / 1e6:>9.2f}"
        )
        previous = size
    print(f"total import time: {total:.1f} s for {len(paths)} releases")

    started = time.perf_counter()
    for path in paths:
        stats = importer.load(importer.read_release(path))
        assert not stats.changed, f"re-importing {path.name} changed the database"
    print(f"re-import of the same releases (no-op): {time.perf_counter() - started:.1f} s")
    if args.simulate:
        simulate(parsed, args.simulate, database)
    print(f"database: {database}")


def simulate(parsed, count: int, database: Path) -> None:
    from dataclasses import replace
    from datetime import date

    from django.test import Client

    from codes import importer

    print(f"{'copy':<10} {'load s':>8} {'db MB':>7} {'list s':>7} {'detail s':>8} {'page s':>7}")
    year, month = parsed.effective_date.year, parsed.effective_date.month
    client = Client()
    for n in range(1, count + 1):
        month += 3
        if month > 12:
            year, month = year + 1, month - 12
        name = f"{year}-{importer.MONTHS[month - 1]}"
        copy = replace(parsed, name=name, effective_date=date(year, month, 1), sha256=f"{n:064d}")
        started = time.perf_counter()
        importer.load(copy)
        loaded = time.perf_counter() - started
        timings = []
        for url in ("/releases/", f"/releases/{name}/", "/codes/A9273/"):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            timings.append(time.perf_counter() - started)
        print(
            f"{name:<10} {loaded:>8.2f} {_size(database) / 1e6:>7.2f} "
            + " ".join(f"{t:>7.2f}" for t in timings)
        )


def _size(database: Path) -> int:
    """The main file plus any write-ahead log not yet checkpointed."""
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


if __name__ == "__main__":
    main()
