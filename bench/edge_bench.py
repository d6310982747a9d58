"""Code pages in rotation: gunicorn cold, after warm_pages, through the nginx edge, and
nginx serving a static file of the same size, measured in one run with wrk.

    DATABASE_URL=sqlite:////tmp/hcpcs-bench.sqlite3 .venv/bin/python bench/edge_bench.py

The database must hold the data already (`manage.py import_hcpcs --all`, and the ASP and
DMEPOS imports for their sections); it is only read. gunicorn (2 workers, gunicorn.conf.py, DEBUG
off) and nginx (deploy/nginx/hcpcs.conf, one worker, as the current user) run on free
127.0.0.1 ports with their files under a temporary directory, and are stopped at the
end. The page store is a fresh directory, so the first run is cold.
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

from bench.http_bench import ROOT, fetch, free_port, start_gunicorn, stop, table, wrk  # noqa: E402
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
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # The shell may say first how many objects it imported: keep the paths alone.
    urls = [line for line in out if line.startswith("/")]
    return random.Random(0).sample(urls, min(count, len(urls)))


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1200)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
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
    gunicorn = nginx = None
    try:
        manage(env, "collectstatic", "--no-input", "-v0")
        paths = code_paths(env, args.codes)
        port, edge_port = free_port(), free_port()
        base, edge_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{edge_port}"
        gunicorn = start_gunicorn(env, port, workdir / "gunicorn.log")
        sizes = [len(fetch(base, p)[1]) for p in paths[:50]]
        run = {"connections": args.connections, "seconds": args.duration, "threads": args.threads}
        results = {"gunicorn, cold store": wrk(base, paths, **run)}
        shutil.rmtree(workdir / "pages", ignore_errors=True)
        warm_seconds = manage(env, "warm_pages", "--host", f"127.0.0.1:{port}")
        store_bytes = size_of(workdir / "pages")
        results["gunicorn, after warm_pages"] = wrk(base, paths, **run)

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
        # Pages are keyed by host: warm nginx with the name wrk will send.
        for path in paths:
            fetch(edge_base, path)
        results["nginx edge, pages in rotation"] = wrk(edge_base, paths, **run)
        results["nginx, static file"] = wrk(edge_base, ["/static/edge-bench/page.html"], **run)

        rows = [
            [
                name,
                f"{r.rate:,.0f}",
                f"{r.latency_ms['p50']:.2f}",
                str(r.socket_errors),
                str(sum(n for code, n in r.statuses.items() if code != 200)),
            ]
            for name, r in results.items()
        ]
        print(
            f"\n{len(paths)} code pages in rotation, median {page_size:,} bytes; wrk "
            f"{args.threads} threads, {args.connections} connections, {args.duration} s each"
        )
        print(table(["target", "req/s", "p50 ms", "socket errors", "non-200"], rows))
        rate = {name: r.rate for name, r in results.items()}
        cold, warm = rate["gunicorn, cold store"], rate["gunicorn, after warm_pages"]
        edge_rate, static = rate["nginx edge, pages in rotation"], rate["nginx, static file"]
        print(f"warm / cold: {warm / cold:.1f}x; edge / static: {edge_rate / static:.0%}")
        print(f"warm_pages: {warm_seconds:.1f} s; page store {store_bytes / 1e6:.1f} MB")
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
