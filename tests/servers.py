"""Helpers for tests that start a real server process on 127.0.0.1."""

from __future__ import annotations

import subprocess

from tests.browser.conftest import _free_port as free_port
from tests.browser.conftest import _wait_until_up as wait_until_up

__all__ = ["free_port", "stop", "wait_until_up"]


def stop(server: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not within 20 seconds."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
