"""Time to build a search page without the page cache, over the benchmark queries.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 \
        .venv/bin/python bench/search_page_speed.py [ROUNDS]

Renders the search view (`/search/?q=`) in this process for every query of
bench/queries.json (CMS's wording) and bench/queries_coder.json (coders' language),
once to warm up and then ROUNDS times (default 5), and prints the median and p95 of
the ranked pages (words, the ones the engine scores) and of all pages (with the codes,
NDCs and CPT codes the view answers before searching), and the queries per ranked page.
The database must hold at least one release (`manage.py import_hcpcs --all`).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from codes import views  # noqa: E402

QUERY_SETS = ("queries.json", "queries_coder.json")


def queries() -> list[str]:
    texts = []
    for name in QUERY_SETS:
        texts += [item["q"] for item in json.loads((ROOT / "bench" / name).read_text())]
    return texts


def summary(label: str, timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20)[-1]
    return f"{label}: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms"


def main(rounds: int) -> None:
    logging.disable(logging.WARNING)
    factory = RequestFactory()
    texts = queries()
    ranked: set[str] = set()
    query_counts: list[int] = []
    for text in texts:  # warm-up; which pages are ranked, and their queries
        with CaptureQueriesContext(connection) as captured:
            response = views.search(factory.get("/search/", {"q": text}))
        if response.status_code == 200 and any(
            "MATCH" in q["sql"] or "@@" in q["sql"] for q in captured.captured_queries
        ):
            ranked.add(text)
            query_counts.append(len(captured.captured_queries))
    timings: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for text in texts:
            request = factory.get("/search/", {"q": text})
            start = time.perf_counter()
            views.search(request)
            timings[text in ranked].append((time.perf_counter() - start) * 1000)
    print(f"{len(texts)} queries, {len(ranked)} ranked, {rounds} rounds ({connection.vendor})")
    print(summary("ranked search pages", timings[True]))
    print(summary("all search pages", timings[True] + timings[False]))
    print(f"queries per ranked page: {min(query_counts)} to {max(query_counts)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
