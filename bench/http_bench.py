"""HTTP benchmark and load check: gunicorn with 2 workers on 127.0.0.1, measured with wrk.

Usage: bench/run_bench.sh [--duration 10] [--connections 16] [--no-loadtest]
       bench/run_bench.sh --loadtest-only

Steps: import the CMS releases into a fresh SQLite database in a temporary directory
(timing each import), collect static files, start gunicorn (2 workers, gunicorn.conf.py, DEBUG off),
then run wrk against the code page, the same HTML served by whitenoise as a static file
(the ceiling for this machine), the list page, one search, the JSON view, and every
query of bench/queries.json in rotation. The load check runs 64 connections for 60 s
over a mix of pages and reports errors, statuses and worker memory before and after.

Only 127.0.0.1 is ever targeted. The machine is shared and noisy: compare ratios
between rows more than absolute numbers between runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LUA = ROOT / "bench" / "loadtest.lua"
QUERIES = ROOT / "bench" / "queries.json"
STATIC_COPY = "bench-static-copy/code-S9329.html"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

CODE_PAGE = "/codes/S9329/"
PAGES = {
    "code page": CODE_PAGE,
    "list page": "/codes/?section=E",
    "search": "/search/?q=wheelchair",
    "code JSON": "/codes/S9329.json",
}
# The load mix: mostly code pages, as search engines and coders send them, and one
# deliberate 404 that must stay a 404.
LOAD_MIX = [
    "/codes/S9329/",
    "/codes/E0601/",
    "/codes/A4253/",
    "/codes/J0585/",
    "/codes/E1130/",
    "/codes/?section=E",
    "/codes/?section=A&page=3",
    "/search/?q=wheelchair",
    "/search/?q=oxygen+concentrator",
    "/search/?q=insulin+pump",
    "/codes/S9329.json",
    "/codes/E0601.json",
    "/modifiers/GY/",
    "/",
    "/codes/Z9999/",
]
DELIBERATE_404 = {"/codes/Z9999/"}


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    latency_ms: dict[str, float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def release_order(path: Path) -> tuple[int, int]:
    year, _, month = path.name.partition("-")
    return int(year), MONTHS.index(month) if month in MONTHS else 0


def manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def shell_output(env: dict[str, str], script: str) -> str:
    """What `script` prints when run by `manage.py shell` (which may print a line first)."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def data_dir(env: dict[str, str]) -> Path:
    out = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.HCPCS_DATA_DIR)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "hcpcs_site.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def render_static_copy(env: dict[str, str], static_root: Path) -> Path:
    """Write the code page's HTML into STATIC_ROOT so whitenoise serves the same bytes."""
    target = static_root / STATIC_COPY
    target.parent.mkdir(parents=True, exist_ok=True)
    script = (
        "import django, sys; django.setup(); from django.test import Client; "
        f"r = Client().get({CODE_PAGE!r}); assert r.status_code == 200, r.status_code; "
        "sys.stdout.buffer.write(r.content)"
    )
    html = subprocess.run(
        [str(PYTHON), "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "hcpcs_site.settings"},
        capture_output=True,
        check=True,
    ).stdout
    target.write_bytes(html)
    return target


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        "hcpcs_site.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    stop(process)
    raise SystemExit(f"gunicorn did not become healthy; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fetch(base: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wrk(
    base: str, paths: list[str], *, connections: int, seconds: int, threads: int = 1
) -> WrkResult:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        *paths,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRK_JSON (.*)$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{out}")
    data = json.loads(match.group(1))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"],
        latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
        statuses={int(k): v for k, v in data["statuses"].items()},
    )


def table(headings: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headings, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headings), line(["-" * w for w in widths]), *map(line, rows)])


def statuses_text(statuses: dict[int, int]) -> str:
    return " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--load-duration", type=int, default=60)
    parser.add_argument("--load-connections", type=int, default=64)
    parser.add_argument("--no-loadtest", action="store_true")
    parser.add_argument(
        "--loadtest-only", action="store_true", help="import the newest release, run the load"
    )
    parser.add_argument("--releases", nargs="*", help="release folders to import (default all)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="hcpcs-bench."))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        DJANGO_DEBUG="false",
        DJANGO_LOG_LEVEL=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    )
    static_root = ROOT / "staticfiles"
    process = None
    report: list[str] = []
    try:
        # Imports ----------------------------------------------------------------------
        data = data_dir(env)
        folders = sorted(
            (p for p in data.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-[a-z]{3}", p.name)),
            key=release_order,
        )
        if args.releases:
            folders = [f for f in folders if f.name in args.releases]
        elif args.loadtest_only:
            folders = folders[-1:]
        log(f"workdir {workdir}; importing {', '.join(f.name for f in folders)}")
        import_rows = [["migrate (empty database)", f"{manage(env, 'migrate', '-v0'):.1f}"]]
        for folder in folders:
            seconds = manage(env, "import_hcpcs", str(folder), "-v0")
            import_rows.append([f"import_hcpcs {folder.name}", f"{seconds:.1f}"])
        report.append("Imports (wall seconds, each a fresh `manage.py` process)")
        report.append(table(["step", "seconds"], import_rows))

        manage(env, "collectstatic", "--no-input", "-v0")
        render_static_copy(env, static_root)

        # Server -----------------------------------------------------------------------
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_gunicorn(env, port, workdir / "gunicorn.log")
        workers = worker_pids(process.pid)
        log(f"gunicorn master {process.pid}, workers {workers}, on {base}")
        for path in [*PAGES.values(), *LOAD_MIX]:
            for _ in range(3):
                fetch(base, path)

        if not args.loadtest_only:
            report.append("")
            report.append(
                "Page sizes (bytes of HTML, then gzip -6, as a CDN or proxy would send it)"
            )
            rows = []
            for name, path in PAGES.items():
                status, body = fetch(base, path)
                gzipped = len(gzip.compress(body))
                rows.append([name, path, str(status), str(len(body)), str(gzipped)])
            report.append(table(["page", "path", "status", "bytes", "gzip"], rows))

            results: dict[str, WrkResult] = {}
            targets = {
                "code page": [CODE_PAGE],
                "code page as static file": ["/static/" + STATIC_COPY],
                "code page, rendered each time": ["--bust", CODE_PAGE],
                "list page": [PAGES["list page"]],
                "list page, rendered each time": ["--bust", PAGES["list page"]],
                "search (wheelchair)": [PAGES["search"]],
                "search, rendered each time": ["--bust", PAGES["search"]],
                "code JSON": [PAGES["code JSON"]],
            }
            if QUERIES.exists():
                queries = [item["q"] for item in json.loads(QUERIES.read_text())]
                targets[f"{len(queries)} relevance queries, rendered each time"] = [
                    "--bust",
                    *("/search/?" + urllib.parse.urlencode({"q": q}) for q in queries),
                ]
            for name, paths in targets.items():
                log(f"wrk {name}: {args.connections} connections, {args.duration} s")
                results[name] = wrk(
                    base, paths, connections=args.connections, seconds=args.duration
                )
            rows = [
                [
                    name,
                    f"{r.rate:,.0f}",
                    f"{r.latency_ms['p50']:.1f}",
                    f"{r.latency_ms['p90']:.1f}",
                    f"{r.latency_ms['p95']:.1f}",
                    f"{r.latency_ms['p99']:.1f}",
                    str(r.socket_errors),
                    statuses_text(r.statuses),
                ]
                for name, r in results.items()
            ]
            report.append("")
            report.append(
                f"Throughput: gunicorn 2 threaded workers, SQLite, wrk 1 thread "
                f"{args.connections} connections {args.duration} s each (latency in ms)"
            )
            report.append(
                table(
                    ["target", "req/s", "p50", "p90", "p95", "p99", "sock err", "statuses"],
                    rows,
                )
            )
            # Service time, not queueing: as many connections as workers.
            latency_targets = {
                "code page, rendered each time": targets["code page, rendered each time"],
                "search, rendered each time": targets["search, rendered each time"],
            }
            if QUERIES.exists():
                latency_targets["relevance queries, rendered each time"] = targets[
                    f"{len(queries)} relevance queries, rendered each time"
                ]
            latency_rows = []
            for name, paths in latency_targets.items():
                log(f"wrk {name}: 2 connections, {args.duration} s")
                r = wrk(base, paths, connections=2, seconds=args.duration)
                latency_rows.append(
                    [
                        name,
                        f"{r.rate:,.0f}",
                        *(f"{r.latency_ms[k]:.1f}" for k in ("p50", "p90", "p95", "p99")),
                        statuses_text(r.statuses),
                    ]
                )
            report.append("")
            report.append("Latency with 2 connections, one per worker (ms)")
            report.append(
                table(["target", "req/s", "p50", "p90", "p95", "p99", "statuses"], latency_rows)
            )
            code, static = results["code page"], results["code page as static file"]
            rendered = results["code page, rendered each time"]
            report.append(
                f"\nCode page vs the same bytes as a whitenoise static file: "
                f"{code.rate:,.0f} / {static.rate:,.0f} req/s = {code.rate / static.rate:.2f}"
                f"\nCode page rendered each time vs static file: "
                f"{rendered.rate:,.0f} / {static.rate:,.0f} req/s = "
                f"{rendered.rate / static.rate:.2f}"
                '\n("rendered each time" rows add a unique query string to every request, '
                "so the per-process page cache never answers; the other rows are what a "
                "popular page costs after its first request.)"
            )

        if not args.no_loadtest:
            # Both workers warm (imports done, pages cached) before the memory baseline.
            wrk(base, LOAD_MIX, connections=args.load_connections, seconds=5, threads=2)
            before = {pid: rss_mb(pid) for pid in worker_pids(process.pid)}
            log(
                f"load: {args.load_connections} connections, {args.load_duration} s, "
                f"{len(LOAD_MIX)} paths"
            )
            load = wrk(
                base,
                LOAD_MIX,
                connections=args.load_connections,
                seconds=args.load_duration,
                threads=2,
            )
            after = {pid: rss_mb(pid) for pid in worker_pids(process.pid)}
            expected_404 = sum(1 for p in LOAD_MIX if p in DELIBERATE_404) / len(LOAD_MIX)
            unexpected = {
                status: count
                for status, count in load.statuses.items()
                if not 200 <= status < 400 and status != 404
            }
            report.append("")
            report.append(
                f"Load: {args.load_connections} connections, {args.load_duration} s, "
                f"wrk 2 threads, {len(LOAD_MIX)} paths in rotation "
                f"(code, list, search, JSON, home, one deliberate 404)"
            )
            rows = [
                ["requests", f"{load.requests:,}"],
                ["requests/s", f"{load.rate:,.0f}"],
                [
                    "latency p50 / p95 / p99 / max ms",
                    f"{load.latency_ms['p50']:.1f} / {load.latency_ms['p95']:.1f} / "
                    f"{load.latency_ms['p99']:.1f} / {load.latency_ms['max']:.1f}",
                ],
                ["socket errors (connect/read/write/timeout)", str(load.socket_errors)],
                ["statuses", statuses_text(load.statuses)],
                [
                    "404s (deliberate share of mix)",
                    f"{load.statuses.get(404, 0):,} ({expected_404:.0%} expected)",
                ],
                ["non-2xx/3xx other than 404", str(sum(unexpected.values()))],
                [
                    "worker RSS before -> after (MB)",
                    ", ".join(
                        f"{before.get(pid, 0):.1f} -> {after.get(pid, 0):.1f}"
                        for pid in sorted(set(before) | set(after))
                    ),
                ],
                [
                    "workers replaced during load",
                    str(len(set(after) - set(before))),
                ],
            ]
            report.append(table(["measure", "value"], rows))
            if load.socket_errors or unexpected:
                report.append("LOAD CHECK FAILED: errors under load")
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(static_root / Path(STATIC_COPY).parent, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
