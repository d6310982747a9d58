"""Datasette serving the same codes, for comparison in bench/edge_bench.py.

Datasette is not a dependency of the project: it is installed into a throwaway
virtualenv under the bench's temporary folder, serves a SQLite file holding one table,
`codes` (every current code and modifier, every field of the CMS record, the code as
primary key), and each of our code pages is compared with that code's Datasette row
page, /hcpcs/codes/<code>. It runs as Datasette recommends for data that does not
change: immutable (`-i`), on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.http_bench import free_port, shell_output

DATABASE_NAME = "hcpcs"
# The CMS record's fields; the rest are the site's own bookkeeping.
LEFT_OUT = {"id", "release_id", "unparsed"}


def install(folder: Path) -> Path:
    """A fresh virtualenv with Datasette from PyPI; the path of its `datasette`."""
    venv = folder / "datasette-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "datasette"]
    result = subprocess.run(pip, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"bench: pip could not install datasette:\n{result.stderr[-2000:]}")
    return venv / "bin" / "datasette"


def export_codes(env: dict[str, str]) -> list[dict]:
    """Every code as a dict of its CMS fields, read through Django from DATABASE_URL."""
    script = (
        "import json\n"
        "from codes.models import Code\n"
        f"left_out = {sorted(LEFT_OUT)!r}\n"
        "names = [f.attname for f in Code._meta.concrete_fields if f.attname not in left_out]\n"
        "for row in Code.objects.order_by('code').values(*names):\n"
        "    print('ROW', json.dumps(row, default=str))\n"
    )
    out = shell_output(env, script).splitlines()
    return [json.loads(line[4:]) for line in out if line.startswith("ROW ")]


def build_database(rows: list[dict], path: Path) -> Path:
    columns = list(rows[0])
    others = [c for c in columns if c != "code"]
    with sqlite3.connect(path) as db:
        db.execute(
            f"CREATE TABLE codes (code TEXT PRIMARY KEY, {', '.join(f'{c} TEXT' for c in others)})"
        )
        marks = ", ".join("?" * len(columns))
        db.executemany(
            f"INSERT INTO codes ({', '.join(columns)}) VALUES ({marks})",
            [[row[c] for c in columns] for row in rows],
        )
    return path


def row_path(page_path: str) -> str:
    """/codes/E1130/ or /modifiers/GY/ -> /hcpcs/codes/E1130"""
    code = page_path.rstrip("/").rsplit("/", 1)[-1]
    return f"/{DATABASE_NAME}/codes/{code}"


def start(datasette: Path, database: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(datasette), "serve", "-i", str(database), "-h", "127.0.0.1", "-p", str(port)],
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"bench: datasette did not start; see {log_path}")
