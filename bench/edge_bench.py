"""Code pages in rotation: gunicorn cold, after warm_pages, through the nginx edge, beside
Datasette's row pages for the same codes and nginx serving a static file of the same
size, measured in one run with wrk.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/edge_bench.py

The database must hold the data already (`manage.py import_hcpcs --all`, and the ASP and
DMEPOS imports for their sections); it is only read. gunicorn (2 workers, gunicorn.conf.py, DEBUG
off) and nginx (deploy/nginx/hcpcs.conf, one worker, as the current user) run on free
127.0.0.1 ports with their files under a temporary directory, and are stopped at the
end. The page store is a fresh directory, so the first run is cold, as the first
requests after an import are; the warm run uses fresh workers too, so their memory
holds nothing the cold run left. Datasette (bench/datasette_rows.py) is installed from
PyPI into a throwaway virtualenv in that directory; `--no-datasette` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import datasette_rows  # noqa: E402
from bench.http_bench import (  # noqa: E402
    ROOT,
    WrkResult,
    fetch,
    free_port,
    log,
    shell_output,
    start_gunicorn,
    stop,
    table,
    wrk,
)
from hcpcs_site import edge  # noqa: E402


def manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def code_paths(env: dict[str, str], count: int) -> list[str]:
    """`count` code and modifier pages, a fixed random sample."""
    script = (
        "from codes.models import Code\n"
        "for c in Code.objects.order_by('kind', 'code'): print(c.get_absolute_url())"
    )
    # The shell may say first how many objects it imported: keep the paths alone.
    urls = [line for line in shell_output(env, script).split() if line.startswith("/")]
    return random.Random(0).sample(urls, min(count, len(urls)))


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def start_fresh_gunicorn(env: dict[str, str], workdir: Path, name: str) -> tuple:
    """gunicorn on a free port: workers with nothing in memory yet."""
    port = free_port()
    return start_gunicorn(env, port, workdir / f"gunicorn-{name}.log"), port


def measure_datasette(
    env: dict[str, str], workdir: Path, paths: list[str], run: dict
) -> tuple[WrkResult, int]:
    """Datasette's row pages for the same codes, and the median size of one."""
    datasette = datasette_rows.install(workdir)
    database = datasette_rows.build_database(
        datasette_rows.export_codes(env), workdir / f"{datasette_rows.DATABASE_NAME}.db"
    )
    process, base = datasette_rows.start(datasette, database, workdir / "datasette.log")
    try:
        rows = [datasette_rows.row_path(p) for p in paths]
        sizes = [len(fetch(base, p)[1]) for p in rows[:50]]
        return wrk(base, rows, **run), int(statistics.median(sizes))
    finally:
        stop(process)


def results_table(results: dict[str, WrkResult]) -> str:
    rows = [
        [
            name,
            f"{r.rate:,.0f}",
            f"{r.latency_ms['p50']:.2f}",
            f"{r.latency_ms['p99']:.2f}",
            str(r.socket_errors),
            str(sum(n for code, n in r.statuses.items() if code != 200)),
        ]
        for name, r in results.items()
    ]
    return table(["target", "req/s", "p50 ms", "p99 ms", "socket errors", "non-200"], rows)


COLD, WARM = "gunicorn, cold (empty store, as after an import)", "gunicorn, after warm_pages"
DATASETTE, EDGE, STATIC = (
    "Datasette row pages, same codes",
    "nginx edge, pages in rotation",
    "nginx, static file of the same size",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1200)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-datasette", action="store_true", help="leave Datasette out")
    args = parser.parse_args()
    if not shutil.which("wrk") or edge.nginx_binary() is None:
        raise SystemExit("bench: wrk and nginx are needed (bench/run_edge_bench.sh installs them)")

    workdir = Path(tempfile.mkdtemp(prefix="hcpcs-edge-bench."))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.setdefault("DATABASE_URL", "sqlite:////tmp/hcpcs-bench.sqlite3")
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_LOG_LEVEL="WARNING",
        HTTP_PAGE_STORE_DIR=str(workdir / "pages"),
    )
    run = {"connections": args.connections, "seconds": args.duration, "threads": args.threads}
    gunicorn = nginx = None
    results: dict[str, WrkResult] = {}
    try:
        manage(env, "collectstatic", "--no-input", "-v0")
        paths = code_paths(env, args.codes)
        if not args.no_datasette:
            log("Datasette: installing into a throwaway virtualenv, measuring its row pages")
            results[DATASETTE], datasette_size = measure_datasette(env, workdir, paths, run)

        log("gunicorn, cold: an empty page store, as after an import")
        gunicorn, port = start_fresh_gunicorn(env, workdir, "cold")
        base = f"http://127.0.0.1:{port}"
        results[COLD] = wrk(base, paths, **run)
        stop(gunicorn)
        shutil.rmtree(workdir / "pages", ignore_errors=True)

        log("warm_pages into an empty store, then fresh workers")
        gunicorn, port = start_fresh_gunicorn(env, workdir, "warm")
        base, edge_port = f"http://127.0.0.1:{port}", free_port()
        warm_seconds = manage(env, "warm_pages", "--host", f"127.0.0.1:{port}")
        store_bytes = size_of(workdir / "pages")
        results[WARM] = wrk(base, paths, **run)
        sizes = [len(fetch(base, p)[1]) for p in paths[:50]]

        static_root = ROOT / "staticfiles"
        page_size = int(statistics.median(sizes))
        (static_root / "edge-bench").mkdir(exist_ok=True)
        (static_root / "edge-bench" / "page.html").write_bytes(b"x" * page_size)
        config = edge.render(
            listen=f"127.0.0.1:{edge_port}",
            upstream=f"127.0.0.1:{port}",
            static_root=static_root,
            prefix=workdir / "nginx",
            workers="1",
        )
        nginx = edge.start(workdir / "nginx", config, edge_port)
        edge_base = f"http://127.0.0.1:{edge_port}"
        # Pages are keyed by host: warm nginx with the name wrk will send.
        for path in paths:
            fetch(edge_base, path)
        results[EDGE] = wrk(edge_base, paths, **run)
        results[STATIC] = wrk(edge_base, ["/static/edge-bench/page.html"], **run)

        print(
            f"\n{len(paths)} code pages in rotation, median {page_size:,} bytes; gunicorn "
            f"2 workers (gunicorn.conf.py); wrk {args.threads} threads, "
            f"{args.connections} connections, {args.duration} s each"
        )
        print(results_table(results))
        rate = {name: r.rate for name, r in results.items()}
        print(f"warm / cold: {rate[WARM] / rate[COLD]:.1f}x")
        if DATASETTE in rate:
            print(
                f"ours / Datasette (median row page {datasette_size:,} bytes): "
                f"warm {rate[WARM] / rate[DATASETTE]:.1f}x, cold "
                f"{rate[COLD] / rate[DATASETTE]:.1f}x, edge {rate[EDGE] / rate[DATASETTE]:.0f}x"
            )
        print(f"edge / static: {rate[EDGE] / rate[STATIC]:.0%}")
        print(f"warm_pages: {warm_seconds:.1f} s; page store {store_bytes / 1e6:.1f} MB on disk")
    finally:
        if nginx is not None:
            edge.stop(nginx)
        if gunicorn is not None:
            stop(gunicorn)
        shutil.rmtree(ROOT / "staticfiles" / "edge-bench", ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
