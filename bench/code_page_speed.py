"""Time to build a code page without the page cache, over a sample of real codes.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/code_page_speed.py [N]
    ... bench/code_page_speed.py --kind drug|dmepos|plain [N]
    ... bench/code_page_speed.py --codes J7512,E0601 [--rounds 50]

Renders N procedure code pages (default 300, a fixed random sample) in this process,
once to warm up and once timed, and prints the median and p95, the queries per page
through the whole middleware stack (the page cache off), and how many codes of the
sample the drug files or the DMEPOS fee schedule list, since those pages read payment
data too. `--kind` samples only such codes (drug, dmepos) or only the others (plain);
`--codes` times the codes named, each on its own over `--rounds` builds. The database
must hold at least one release (`manage.py import_hcpcs --all`), and the payment data
for the drug and DMEPOS figures (`import_asp --all`, `import_dmepos --all`).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")
# The query count is taken through the middleware, where a stored page would answer.
os.environ.setdefault("HTTP_PAGE_CACHE", "0")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from codes import views  # noqa: E402
from codes.models import AspPrice, Code, DmeposFee, Kind, NdcPackage  # noqa: E402


def payment_codes() -> dict[str, set[str]]:
    drug = set(AspPrice.objects.values_list("hcpcs_code", flat=True))
    drug |= set(NdcPackage.objects.values_list("hcpcs_code", flat=True))
    return {"drug": drug, "dmepos": set(DmeposFee.objects.values_list("hcpcs", flat=True))}


def sample_of(kind: str, count: int, listed: dict[str, set[str]]) -> list[str]:
    codes = sorted(Code.objects.filter(kind=Kind.PROCEDURE).values_list("code", flat=True))
    if kind == "plain":
        codes = [c for c in codes if c not in listed["drug"] | listed["dmepos"]]
    elif kind:
        codes = [c for c in codes if c in listed[kind]]
    return random.Random(0).sample(codes, min(count, len(codes)))


def build_times(codes: list[str], rounds: int) -> list[float]:
    """Milliseconds per page build: `rounds` passes over `codes`, after one untimed."""
    request = RequestFactory().get("/")
    timings = []
    for timed in [False] + [True] * rounds:
        for code in codes:
            start = time.perf_counter()
            views.code_detail(request, code=code)
            if timed:
                timings.append((time.perf_counter() - start) * 1000)
    return timings


def queries_per_page(codes: list[str]) -> set[int]:
    """The distinct query counts of the codes' pages through the middleware (after one
    request each, so that what is read once per data version is read already)."""
    client = Client()
    counts = set()
    for code in codes:
        url = reverse("codes:detail", args=[code])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.add(len(queries))
    return counts


def report(label: str, timings: list[float], counts: set[int]) -> None:
    p95 = statistics.quantiles(timings, n=20)[-1]
    queries = "/".join(str(n) for n in sorted(counts))
    print(
        f"{label}: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
        f"{queries} queries per page"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=300)
    parser.add_argument("--kind", choices=["drug", "dmepos", "plain"], default="")
    parser.add_argument("--codes", default="", help="comma-separated codes, timed one by one")
    parser.add_argument("--rounds", type=int, default=50, help="timed builds per --codes code")
    options = parser.parse_args()
    logging.disable(logging.INFO)
    listed = payment_codes()
    if options.codes:
        for code in [c.strip().upper() for c in options.codes.split(",") if c.strip()]:
            report(code, build_times([code], options.rounds), queries_per_page([code]))
        return
    sample = sample_of(options.kind, options.count, listed)
    drug, dmepos = (sum(c in listed[kind] for c in sample) for kind in ("drug", "dmepos"))
    label = f"{len(sample)} {options.kind or 'procedure'} code pages"
    report(label, build_times(sample, 1), queries_per_page(sample))
    print(f"  of which {drug} in the drug files, {dmepos} in the DMEPOS fee schedule")


if __name__ == "__main__":
    main()
