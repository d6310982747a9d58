"""Browser tests: Playwright drives Debian's chromium against the site on 127.0.0.1.

The site runs as a separate `manage.py runserver` process on its own SQLite file holding
the real 2019-jan and 2025-oct releases (2019-jan brings the processing-note texts) and
the ASP drug pricing quarters under ASP_DATA_DIR, so
the browser sees exactly what a coder would. Chromium comes from Debian's packages
(scripts/ensure-chromium.sh); Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.helpers import DESKTOP, MOBILE

BASE_DIR = Path(settings.BASE_DIR)
RELEASES = ("2019-jan", "2025-oct")
SCREENSHOTS = BASE_DIR / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        pytest.fail(f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the site did not start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the site did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def site_url(tmp_path_factory) -> Iterator[str]:
    """The address of the site, served with the real releases loaded."""
    data_dir = Path(settings.HCPCS_DATA_DIR)
    missing = [name for name in RELEASES if not (data_dir / name).is_dir()]
    if missing:
        pytest.fail(f"CMS releases {missing} not found in {data_dir}: set HCPCS_DATA_DIR")
    folder = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "DJANGO_ENV": "development",
        # DEBUG lets whitenoise serve static files straight from static/ (no collectstatic).
        "DJANGO_DEBUG": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_TESTING", None)
    _manage(env, "migrate", "--no-input", "--verbosity", "0")
    _manage(env, "import_hcpcs", *(str(data_dir / name) for name in RELEASES), "--verbosity", "0")
    _manage(env, "import_asp", "--all", "--verbosity", "0")
    _manage(env, "import_dmepos", "--all", "--verbosity", "0")
    port = _free_port()
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/", server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run scripts/ensure-chromium.sh")
    # Playwright's sync API keeps an event loop running in this thread, which makes
    # Django refuse ORM calls; no browser test touches the ORM, the site runs elsewhere.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser, site_url) -> Iterator[Callable]:
    """Make browser contexts (viewport, touch, colour scheme, JS) closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=site_url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A desktop page that fails the test on any JavaScript error or CSP violation."""
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        # A page answered with 404 (a code that does not exist) logs its own status.
        own_status = message.text.startswith("Failed to load resource") and (
            message.location.get("url") == page.url
        )
        if message.type == "error" and not own_status:
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    yield page
    assert errors == [], f"errors in the browser console: {errors}"


@pytest.fixture
def mobile_page(new_context):
    """A 375 px wide touch screen, like a small phone."""
    context = new_context(viewport=MOBILE, has_touch=True, is_mobile=True, device_scale_factor=2)
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
