"""Search relevance and latency over a real release: recall@10, MRR, median and p95 time.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/search_relevance.py

Without DATABASE_URL it uses /tmp/hcpcs-bench.sqlite3. The database is migrated and, if
it holds no codes, loaded with the release given by --release (default 2025-oct) from
HCPCS_DATA_DIR. With DATABASE_URL pointing at PostgreSQL the same queries run there.

Two query sets, reported apart. bench/queries.json is CMS's own wording, judged on the
ranked search (`Code.objects.search`, first hundred results). bench/queries_coder.json
is coders' language (brand names, lay words, codes typed with spaces or dashes, CPT
codes, two-character inputs), judged on what the search page answers: the code it
opens, a CPT code's citing codes, or its first page of results.

Each query names the codes a coder expects. recall@10 is the share of expected codes in
the first ten results (averaged over queries); MRR is the mean of 1 / rank of the first
expected code (0 when none is found). Time is the search itself and the whole search
page (`/search/?q=`, rendered, as the server answers it), measured in this process after
one warm-up round (see TIMINGS).
"""

from __future__ import annotations

import argparse
import json
import logging
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
    parser.add_argument("--coder-queries", default=str(ROOT / "bench" / "queries_coder.json"))
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
    from django.test.utils import setup_test_environment

    from codes import importer
    from codes.models import Code

    logging.getLogger("codes.requests").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    if not Code.objects.exists():
        print(f"Loading {args.release} …", file=sys.stderr)
        importer.load(importer.read_release(Path(settings.HCPCS_DATA_DIR) / args.release))
    # Lets the test client hand back each page's context: the coder set is judged on
    # what the search page shows.
    setup_test_environment()

    sets = {
        "CMS wording": (json.loads(Path(args.queries).read_text()), search_results),
        "coder language": (json.loads(Path(args.coder_queries).read_text()), page_results),
    }
    known = set(Code.objects.values_list("code", flat=True))
    missing = sorted({c for qs, _ in sets.values() for q in qs for c in q["expected"]} - known)
    if missing:
        print(f"Expected codes not in the data: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"engine: {connection.vendor}, {len(known)} codes")
    for name, (queries, results_of) in sets.items():
        recall, mrr, failures = relevance(queries, results_of, args.verbose)
        print(f"\n{name}: {len(queries)} queries")
        print(f"recall@10: {recall:.3f}")
        print(f"MRR:       {mrr:.3f}")
        for timing, values in timings(queries, args.rounds).items():
            p95 = statistics.quantiles(values, n=20)[-1]
            print(f"{timing:<19} median {statistics.median(values):6.2f} ms, p95 {p95:6.2f} ms")
        if failures:
            print("Queries below 1.0:" if not args.verbose else "Queries:")
            print("\n".join(failures))
    return 0


def search_results(text: str) -> list[str]:
    """The first hundred codes of the ranked search."""
    from codes.models import Code

    return list(Code.objects.search(text).values_list("code", flat=True)[:100])


def page_results(text: str) -> list[str]:
    """The codes the search page answers with, in its order: the code it opens, a CPT
    code's citing codes, the modifier offered beside a prefix, then the first page."""
    from django.test import Client

    response = Client().get("/search/", {"q": text})
    if response.status_code == 302:
        return [response.url.rstrip("/").rsplit("/", 1)[-1]]
    context = response.context
    if context.get("cpt"):
        return [code.code for code in context["cpt"].referring]
    offered = [context["modifier"].code] if context.get("modifier") else []
    return offered + [code.code for code in context["page"].object_list]


def relevance(queries, results_of, verbose: bool) -> tuple[float, float, list[str]]:
    recalls, reciprocal_ranks, failures = [], [], []
    for query in queries:
        found = results_of(query["q"])
        expected = query["expected"]
        top = found[:10]
        recall = sum(code in top for code in expected) / len(expected)
        ranks = [found.index(code) + 1 for code in expected if code in found]
        rr = 1 / min(ranks) if ranks else 0.0
        recalls.append(recall)
        reciprocal_ranks.append(rr)
        if verbose or recall < 1 or rr < 1:
            failures.append(f"  {query['q']!r}: expected {expected}, got {top[:5]} (rr {rr:.2f})")
    return statistics.mean(recalls), statistics.mean(reciprocal_ranks), failures


def timings(queries, rounds: int) -> dict[str, list[float]]:
    from django.test import RequestFactory

    from codes import views
    from codes.models import Code

    factory = RequestFactory()
    measured: dict[str, list[float]] = {name: [] for name in TIMINGS}
    for round_number in range(rounds + 1):
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
                    measured[name].append(value * 1000)
    return measured


if __name__ == "__main__":
    sys.exit(main())
