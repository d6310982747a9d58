"""Search relevance and latency over a real release: recall@10, MRR, median and p95 time.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/search_relevance.py

Without DATABASE_URL it uses /tmp/hcpcs-bench.sqlite3. The database is migrated and, if
it holds no codes, loaded with the release given by --release (default 2025-oct) from
HCPCS_DATA_DIR. With DATABASE_URL pointing at PostgreSQL the same queries run there.

Each query in bench/queries.json names the codes a coder expects. recall@10 is the share
of expected codes in the first ten results (averaged over queries); MRR is the mean of
1 / rank of the first expected code (0 when none is in the first hundred). Time is the
whole search page (`/search/?q=`, rendered, as the server answers it), measured in this
process after one warm-up round (see TIMINGS).
"""

from __future__ import annotations

import argparse
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


# search: parse, count and the first page of results, as the search page queries them;
# page: the whole search view, rendered. Wall time is what a client waits for; CPU time
# (this process only, so SQLite's work but not a PostgreSQL server's) is what the search
# costs when other processes compete for the machine's cores.
TIMINGS = ("search (wall)", "search (cpu)", "page (wall)", "page (cpu)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default=str(ROOT / "bench" / "queries.json"))
    parser.add_argument("--release", default="2025-oct")
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed rounds over all queries (at least 1)"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="show every query")
    args = parser.parse_args()
    args.rounds = max(1, args.rounds)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from codes import importer, views
    from codes.models import Code

    call_command("migrate", verbosity=0)
    if not Code.objects.exists():
        print(f"Loading {args.release} …", file=sys.stderr)
        importer.load(importer.read_release(Path(settings.HCPCS_DATA_DIR) / args.release))

    queries = json.loads(Path(args.queries).read_text())
    known = set(Code.objects.values_list("code", flat=True))
    missing = sorted({c for q in queries for c in q["expected"]} - known)
    if missing:
        print(f"Expected codes not in the data: {', '.join(missing)}", file=sys.stderr)
        return 1

    recalls, reciprocal_ranks, failures = [], [], []
    for query in queries:
        found = list(Code.objects.search(query["q"]).values_list("code", flat=True)[:100])
        expected = query["expected"]
        top = found[:10]
        recall = sum(code in top for code in expected) / len(expected)
        ranks = [found.index(code) + 1 for code in expected if code in found]
        rr = 1 / min(ranks) if ranks else 0.0
        recalls.append(recall)
        reciprocal_ranks.append(rr)
        if args.verbose or recall < 1 or rr < 1:
            failures.append(f"  {query['q']!r}: expected {expected}, got {top[:5]} (rr {rr:.2f})")

    factory = RequestFactory()
    timings: dict[str, list[float]] = {name: [] for name in TIMINGS}
    for round_number in range(args.rounds + 1):
        for query in queries:
            request = factory.get("/search/", {"q": query["q"]})
            wall, cpu = time.perf_counter(), time.process_time()
            response = views.search(request)
            if hasattr(response, "render"):
                response.render()
            page = (time.perf_counter() - wall, time.process_time() - cpu)
            wall, cpu = time.perf_counter(), time.process_time()
            results = Code.objects.search(query["q"]).only(*views.LIST_FIELDS)
            results.count()
            list(results[: views.SEARCH_PAGE_SIZE])
            search = (time.perf_counter() - wall, time.process_time() - cpu)
            if round_number:
                for name, value in zip(TIMINGS, (*search, *page), strict=True):
                    timings[name].append(value * 1000)

    print(f"engine: {connection.vendor}, {len(known)} codes, {len(queries)} queries")
    print(f"recall@10: {statistics.mean(recalls):.3f}")
    print(f"MRR:       {statistics.mean(reciprocal_ranks):.3f}")
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:<19} median {statistics.median(values):6.2f} ms, p95 {p95:6.2f} ms")
    if failures:
        print("Queries below 1.0:" if not args.verbose else "Queries:")
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
