"""Time serving stored pages in this process: the path every warmed request takes.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/hit_path_speed.py
        [--codes 1200] [--rounds 3] [--profile]

Warms N code pages (a fixed random sample) into a fresh file page store in a temporary
folder, then requests them in rotation through the site's WSGI handler, as gunicorn
would call it, and prints the median and p95 per request. The first round after warming
reads the shared store; later rounds can be answered by the per-process layer in front
of it. `--profile` prints where the time of the later rounds goes (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
STORE = Path(tempfile.mkdtemp(prefix="hcpcs-hit-bench."))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")
# INFO, as production runs, logs one line per request (to stderr).
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.update(
    DJANGO_SETTINGS_MODULE="hcpcs_site.settings",
    DJANGO_DEBUG="false",
    DJANGO_SECRET_KEY="hit-path-bench-only",
    HTTP_PAGE_STORE_DIR=str(STORE / "pages"),
)

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from codes import pagestore, warming  # noqa: E402
from codes.models import Code  # noqa: E402

HOST = "127.0.0.1"


def timed_round(handler: WSGIHandler, urls: list[str]) -> list[float]:
    timings = []
    for url in urls:
        started = time.perf_counter()
        status = warming._request(handler, url, host=HOST, secure=False)
        timings.append((time.perf_counter() - started) * 1e6)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    urls = [c.get_absolute_url() for c in Code.objects.order_by("kind", "code")]
    urls = random.Random(0).sample(urls, min(args.codes, len(urls)))
    try:
        stats = warming.warm(urls, host=HOST, secure=False)
        print(f"warmed {stats.pages} pages in {stats.seconds:.1f} s")
        if (layer := pagestore.memory()) is not None:
            layer.clear()  # as in a worker that did not warm them
        handler = WSGIHandler()
        with warming._one_connection():
            first = timed_round(handler, urls)
            profiler = cProfile.Profile() if args.profile else None
            later: list[float] = []
            for _ in range(args.rounds - 1):
                if profiler:
                    profiler.enable()
                later += timed_round(handler, urls)
                if profiler:
                    profiler.disable()
        for name, timings in (("first round (shared store)", first), ("later rounds", later)):
            if timings:
                p95 = statistics.quantiles(timings, n=20)[-1]
                print(f"{name}: median {statistics.median(timings):.0f} µs, p95 {p95:.0f} µs")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    finally:
        shutil.rmtree(STORE, ignore_errors=True)


if __name__ == "__main__":
    main()
