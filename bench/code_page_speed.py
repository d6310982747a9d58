"""Time to build a code page without the page cache, over a sample of real codes.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/code_page_speed.py [N]

Renders N procedure code pages (default 300, a fixed random sample) in this process,
once to warm up and once timed, and prints the median and p95. The database must hold
at least one release (`manage.py import_hcpcs --all`).
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.test import RequestFactory  # noqa: E402

from codes import views  # noqa: E402
from codes.models import Code, Kind  # noqa: E402


def main(count: int) -> None:
    logging.disable(logging.INFO)
    codes = sorted(Code.objects.filter(kind=Kind.PROCEDURE).values_list("code", flat=True))
    sample = random.Random(0).sample(codes, min(count, len(codes)))
    request = RequestFactory().get("/")
    timings = []
    for timed in (False, True):
        for code in sample:
            start = time.perf_counter()
            views.code_detail(request, code=code)
            if timed:
                timings.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{len(sample)} code pages: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
