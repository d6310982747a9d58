"""List and search pages with a broad word and a column filter, against a running server.

    .venv/bin/gunicorn hcpcs_site.wsgi --workers 2 --bind 127.0.0.1:8011 &   # DEBUG off
    .venv/bin/python bench/filter_speed.py --base http://127.0.0.1:8011

For each page: the median of 20 requests, one at a time, then wrk with 8 connections for
10 seconds (requests a second and latency percentiles). Every request carries a unique
query string (wrk through bench/loadtest.lua --bust), so the page cache never answers
and each page is rendered and queried. Needs wrk (Debian package wrk).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "/codes/?q=the",
    "/search/?q=the&coverage=C",
    "/search/?q=the",
    "/codes/?q=wheelchair&coverage=C",
    "/search/?q=knee+brace&status=active",
    "/search/?q=injection+per+mg+each+any+type+supply+device",
    "/search/?q=the+of+and+with+for+in+on+to",
)


def median_ms(base: str, path: str, count: int) -> float:
    times = []
    for n in range(count):
        url = f"{base}{path}&bust=m{n}-{time.monotonic_ns()}"
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            if response.status != 200:
                raise SystemExit(f"{url}: {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def wrk(base: str, path: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "loadtest.lua"),
            base,
            "--",
            path,
            "--bust",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    data["requests_per_second"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8011")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    print(f"{'page':<40} {'median':>9} {'req/s':>8} {'p50':>8} {'p95':>8} {'errors':>6}")
    for path in PAGES:
        median = median_ms(args.base, path, args.requests)
        result = wrk(args.base, path, args.seconds, args.connections)
        latency = result["latency_us"]
        errors = sum(result["errors"].values())
        print(
            f"{path:<40} {median:7.1f}ms {result['requests_per_second']:8.1f} "
            f"{latency['p50'] / 1000:6.1f}ms {latency['p95'] / 1000:6.1f}ms {errors:6d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
