"""nginx with deploy/nginx/hcpcs.conf in front of a test server: what it caches."""

from __future__ import annotations

import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import LiveServerTestCase

from hcpcs_site import edge
from tests.builders import make_code
from tests.servers import free_port

pytestmark = pytest.mark.skipif(
    edge.nginx_binary() is None,
    reason="nginx is not installed (scripts/ensure-command.sh nginx nginx-light installs it)",
)


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class EdgeCacheTests(LiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.TemporaryDirectory(prefix="hcpcs-edge-test.")
        prefix = Path(cls.workdir.name)
        cls.port = free_port()
        config = edge.render(
            listen=f"127.0.0.1:{cls.port}",
            upstream=f"{cls.server_thread.host}:{cls.server_thread.port}",
            static_root=prefix / "static",
            prefix=prefix,
            admin_path=settings.ADMIN_PATH,
            workers="1",
        )
        cls.nginx = edge.start(prefix, config, cls.port)

    @classmethod
    def tearDownClass(cls):
        edge.stop(cls.nginx)
        cls.workdir.cleanup()
        super().tearDownClass()

    def setUp(self):
        make_code("S9329", short_description="Hit chemo per diem")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def test_second_request_for_a_page_is_a_cache_hit(self):
        # A query string of its own: the cache outlives each test.
        first = get(self.url("/codes/S9329/?first=hit"))
        second = get(self.url("/codes/S9329/?first=hit"))

        assert first[0] == second[0] == 200
        assert first[1]["X-Cache-Status"] == "MISS"
        assert second[1]["X-Cache-Status"] == "HIT"
        assert second[2] == first[2]
        assert b"Hit chemo per diem" in second[2]

    def test_validators_pass_through_and_a_matching_one_gets_304(self):
        _status, headers, _body = get(self.url("/codes/S9329/"))

        assert headers["ETag"]
        assert headers["Last-Modified"]
        assert "stale-while-revalidate" in headers["Cache-Control"]
        status, _headers, body = get(
            self.url("/codes/S9329/"), **{"If-None-Match": headers["ETag"]}
        )
        assert status == 304
        assert body == b""

    def test_healthz_is_never_cached(self):
        for _ in range(2):
            status, headers, _body = get(self.url("/healthz"))
            assert status == 200
            assert headers.get("X-Cache-Status", "") != "HIT"

    def test_admin_is_never_cached(self):
        for _ in range(2):
            _status, headers, _body = get(self.url(f"/{settings.ADMIN_PATH}login/"))
            assert headers.get("X-Cache-Status", "") == ""

    def test_compressed_when_the_client_accepts_it(self):
        get(self.url("/codes/S9329/"))
        _status, headers, _body = get(self.url("/codes/S9329/"), **{"Accept-Encoding": "gzip"})

        assert headers.get("Content-Encoding") == "gzip"
