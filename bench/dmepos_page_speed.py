"""Time to build code pages with DMEPOS fee sections, without the page cache.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/dmepos_page_speed.py

Renders a few code pages in this process (a code without fees, one fee row, nine fee
rows; with and without a state and ZIP code) 60 times each, and prints the median of the
last 50 and the page size. The database must hold a release and the DMEPOS quarters
(`manage.py import_hcpcs --all && manage.py import_dmepos --all`).
"""

import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.test import RequestFactory  # noqa: E402

from codes import views  # noqa: E402

PAGES = [
    ("A0021", ""),
    ("A4221", ""),
    ("A4221", "?state=AL"),
    ("E0950", ""),
    ("E0950", "?state=AL&zip=01223"),
]


def main() -> None:
    logging.disable(logging.INFO)
    factory = RequestFactory()
    for code, query in PAGES:
        timings = []
        for _ in range(60):
            request = factory.get(f"/codes/{code}/{query}")
            start = time.perf_counter()
            response = views.code_detail(request, code)
            timings.append((time.perf_counter() - start) * 1000)
        median = statistics.median(timings[10:])
        print(f"{code}{query}: median {median:.1f} ms, {len(response.content) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
