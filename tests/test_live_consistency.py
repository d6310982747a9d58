"""Imports and removals while a real server serves: no errors, and no page mixes two states.

gunicorn (2 workers sharing a page store on disk, DEBUG off) serves its own database: a SQLite file,
or under scripts/with-postgres.sh a second database on the same PostgreSQL server.
Client threads request the home page and a code page, most of them with a unique query
string so that they are rendered rather than served from the page cache, while the test
imports 2020-jan over 2019-jan, removes it again and imports it once more. Every
response must be a 200 that shows exactly one of the two states, each ETag must always
name the same state, and a response requested after a change has finished must show
the state that change left (so no page stored before it is served after it).
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.browser.conftest import _manage
from tests.realdata import release_path
from tests.servers import free_port, stop, wait_until_up

pytestmark = pytest.mark.integration

BASE_DIR = Path(settings.BASE_DIR)
OLD, NEW = "2019-jan", "2020-jan"
CLIENT_THREADS = 4
# Every loop and wait below is bounded by this many seconds.
TIME_LIMIT = 180
CODE = "E1130"

FOOTER_RELEASE = re.compile(r"release <strong>([^<]+)</strong>")
HOME_COUNTS = re.compile(
    r"Release <a [^>]*>([^<]+)</a>[^:]*: ([\d,]+) procedure codes \(([\d,]+) active\) "
    r"and <a [^>]*>([\d,]+) modifiers"
)
RECORD_RELEASE = re.compile(r"Record from the CMS release <a [^>]*>([^<]+)</a>")
HISTORY_COUNT = re.compile(r"\((\d+) releases?, compared")


@dataclass(frozen=True)
class Seen:
    path: str
    started: float
    finished: float
    status: int
    etag: str
    state: tuple


def page_state(path: str, body: str) -> tuple:
    """What a page says about the data it was built from; None where it says nothing."""
    footer = FOOTER_RELEASE.search(body)
    if path.startswith("/codes/"):
        record, history = RECORD_RELEASE.search(body), HISTORY_COUNT.search(body)
        parts = (footer, record, history)
    else:
        parts = (footer, HOME_COUNTS.search(body))
    if not all(parts):
        return ("unrecognised", body[:200])
    return tuple(group for match in parts for group in match.groups())


class Clients:
    """Threads that request pages in a loop until stopped, recording every answer."""

    def __init__(self, port: int):
        self.port = port
        self.seen: list[Seen] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.run, daemon=True) for _ in range(CLIENT_THREADS)
        ]

    def paths(self) -> Iterator[str]:
        for n in self.counter:
            base = "/" if n % 2 else f"/codes/{CODE}/"
            # Three in four are rendered; the rest come from the page cache when stored.
            yield base if n % 4 < 2 and n % 8 else f"{base}?n={n}"

    def run(self) -> None:
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.monotonic() + TIME_LIMIT
        for path in self.paths():
            if self.stop.is_set() or time.monotonic() > deadline:
                break
            started = time.monotonic()
            try:
                client.request("GET", path)
                response = client.getresponse()
                body = response.read().decode()
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.errors.append(f"{path}: {error!r}")
                client.close()
                continue
            seen = Seen(
                path.split("?")[0],
                started,
                time.monotonic(),
                response.status,
                response.getheader("ETag", ""),
                page_state(path, body) if response.status == 200 else (),
            )
            with self.lock:
                self.seen.append(seen)
        client.close()

    def fetch(self, path: str) -> Seen:
        """One request from the test's own thread, at a moment nothing changes."""
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            client.request("GET", path)
            response = client.getresponse()
            body = response.read().decode()
        finally:
            client.close()
        now = time.monotonic()
        return Seen(
            path, now, now, response.status, response.getheader("ETag", ""), page_state(path, body)
        )

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


@contextmanager
def live_database(folder: Path) -> Iterator[str]:
    """A database URL of the same engine as the test run's, empty, dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{folder / 'live.sqlite3'}"
        return
    import psycopg

    server_url = os.environ["DATABASE_URL"]
    name = f"hcpcs_live_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(env: dict, folder: Path) -> Iterator[int]:
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hcpcs_site.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server, log)
        yield port
    finally:
        stop(server)


def server_env(database_url: str, folder: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return {
        **env,
        "DATABASE_URL": database_url,
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        # Plain static storage (no collectstatic) and the test password hasher.
        "DJANGO_TESTING": "true",
        "HTTP_PAGE_CACHE": "true",
        # The production default: one page store on disk for both workers.
        "HTTP_PAGE_STORE": "shared",
        "HTTP_PAGE_STORE_DIR": str(folder / "pages"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def test_imports_and_removals_while_serving_never_mix_states(tmp_path):
    with live_database(tmp_path) as database_url:
        env = server_env(database_url, tmp_path)
        _manage(env, "migrate", "--no-input", "--verbosity", "0")
        _manage(env, "import_hcpcs", str(release_path(OLD)), "--no-warm", "--verbosity", "0")
        with gunicorn(env, tmp_path) as port:
            clients = Clients(port)
            states = {OLD: {path: clients.fetch(path) for path in ("/", f"/codes/{CODE}/")}}
            clients.start()
            changes = []  # (when a change began, when it finished, the release it left current)
            try:
                for change in (
                    ("import_hcpcs", str(release_path(NEW)), "--no-warm"),
                    ("remove_release", NEW, "--no-warm"),
                    ("import_hcpcs", str(release_path(NEW)), "--no-warm"),
                ):
                    time.sleep(0.5)
                    began = time.monotonic()
                    _manage(env, *change, "--verbosity", "0")
                    current = OLD if change[0] == "remove_release" else NEW
                    changes.append((began, time.monotonic(), current))
                    fetched = {path: clients.fetch(path) for path in states[OLD]}
                    assert states.setdefault(current, fetched).keys() == fetched.keys()
                    for path, seen in fetched.items():
                        assert seen.state == states[current][path].state, (change, path)
                time.sleep(0.5)
            finally:
                clients.join()

    assert not clients.errors, clients.errors[:5]
    seen = clients.seen
    statuses = {s.status for s in seen}
    assert statuses == {200}, statuses
    allowed = {path: {states[name][path].state: name for name in states} for path in states[OLD]}
    assert states[OLD]["/"].state != states[NEW]["/"].state
    mixed = [s for s in seen if s.state not in allowed[s.path]]
    assert not mixed, mixed[:3]
    # One ETag, one state.
    by_etag: dict[str, set] = {}
    for s in seen:
        by_etag.setdefault(s.etag, set()).add(allowed[s.path][s.state])
    assert all(len(names) == 1 for names in by_etag.values()), by_etag
    # Requested after a change finished (and before the next began): that change's state.
    boundaries = [*changes, (float("inf"), None, None)]
    for (_, finished, current), (next_began, _, _) in itertools.pairwise(boundaries):
        between = [s for s in seen if finished < s.started and s.finished < next_began]
        assert between, current
        assert all(allowed[s.path][s.state] == current for s in between), current
    assert len(seen) >= 200, len(seen)
    slowest = max(s.finished - s.started for s in seen)
    summary = f"{len(seen)} responses, all 200, none mixed; {len(by_etag)} ETags"
    print(f"\n{summary}; slowest {slowest:.2f} s")
