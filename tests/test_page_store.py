"""The shared page store (files by default, Redis with REDIS_URL) and `warm_pages`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.cache import caches
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from codes import dataversion, pagestore, warming
from tests.builders import make_code, text_file
from tests.servers import free_port, stop
from tests.test_caching import WHEELCHAIR
from tests.test_production import PRODUCTION_ENV, run_python

BASE_DIR = Path(__file__).resolve().parent.parent


def redis_server() -> tuple[subprocess.Popen, str]:
    """A private redis-server on a free port, without persistence (Debian's package)."""
    if shutil.which("redis-server") is None:
        install = ["sh", str(BASE_DIR / "scripts" / "ensure-command.sh"), "redis-server"]
        subprocess.run([*install, "redis-server"], check=True, timeout=600)
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            return server, url
        except redis.ConnectionError:
            time.sleep(0.1)
    stop(server)
    raise AssertionError("redis-server did not start within 20 s")


def store_settings(backend: str, location: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": backend, "LOCATION": location, "TIMEOUT": 600},
    }


class SharedStoreChecks:
    """What every shared store must do; subclasses say which store."""

    caches_setting: dict

    @classmethod
    def setUpTestData(cls):
        make_code("E1130", short_description="Standard wheelchair")
        make_code("E0601", short_description="Cpap device")
        make_code("GY", short_description="Item excluded")

    def setUp(self):
        overridden = override_settings(
            CACHES=self.caches_setting, HTTP_PAGE_CACHE=True, HTTP_PAGE_STORE="shared"
        )
        overridden.enable()
        self.addCleanup(overridden.disable)
        caches["pages"].clear()
        self.addCleanup(caches["pages"].clear)

    def warm(self) -> warming.WarmStats:
        return warming.warm(warming.page_urls(), host="testserver", secure=False)

    def test_warmed_pages_are_served_with_one_query(self):
        stats = self.warm()
        assert stats.failed == 0
        assert stats.pages == len(warming.page_urls())
        for url in (
            reverse("codes:detail", args=["E1130"]),
            reverse("codes:modifier_detail", args=["GY"]),
            reverse("codes:home"),
            reverse("codes:section", args=["durable-medical-equipment"]),
        ):
            with self.subTest(url=url), self.assertNumQueries(1):
                assert self.client.get(url).status_code == 200

    def test_a_page_of_an_older_version_is_never_served(self):
        self.warm()
        url = reverse("codes:detail", args=["E1130"])
        from codes.models import Code

        Code.objects.filter(code="E1130").update(short_description="Renamed wheelchair")
        dataversion.record_change()
        response = self.client.get(url)
        assert b"Renamed wheelchair" in response.content

    def test_a_page_served_once_is_served_again_from_the_process_memory(self):
        self.warm()
        pagestore.memory().clear()
        url = reverse("codes:detail", args=["E1130"])
        first = self.client.get(url)
        with mock.patch.object(caches["pages"], "get") as store_get:
            second = self.client.get(url)
        store_get.assert_not_called()
        assert second.content == first.content
        assert second.headers == first.headers

    def test_the_process_memory_answers_for_no_newer_version(self):
        url = reverse("codes:detail", args=["E1130"])
        self.client.get(url)
        self.client.get(url)
        from codes.models import Code

        Code.objects.filter(code="E1130").update(short_description="Renamed wheelchair")
        dataversion.record_change()
        assert b"Renamed wheelchair" in self.client.get(url).content

    def test_a_warm_overtaken_by_a_change_stops(self):
        urls = warming.page_urls()

        def change_midway(_):
            dataversion.record_change()

        with mock.patch.object(warming, "VERSION_CHECK_EVERY", 2):
            stats = warming.warm(urls, host="testserver", secure=False, progress=change_midway)
        assert stats.superseded
        assert stats.pages == 2

    def test_a_warm_whose_first_pages_all_fail_gives_up(self):
        urls = [f"/codes/Z{n:04d}/" for n in range(50)]
        with self.assertLogs("django.request", level="WARNING"):
            stats = warming.warm(urls, host="testserver", secure=False)
        assert (stats.pages, stats.failed) == (warming.GIVE_UP_AFTER, warming.GIVE_UP_AFTER)


class FileStoreTests(SharedStoreChecks, TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="hcpcs-pages-")
        cls.caches_setting = store_settings("codes.pagestore.PageFileCache", cls.folder)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_pages_are_files_that_another_process_reads(self):
        self.warm()
        stored = list(Path(self.folder).glob("*.djcache"))
        assert len(stored) == len(warming.page_urls())

    def test_the_store_is_culled_now_and_then_not_on_every_set(self):
        store = caches["pages"]
        with mock.patch("django.core.cache.backends.filebased.FileBasedCache._cull") as django_cull:
            for n in range(pagestore.CULL_EVERY * 2):
                store.set(f"key-{n}", b"page")
        assert django_cull.call_count == 2


class RedisStoreTests(SharedStoreChecks, TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.url = redis_server()
        cls.caches_setting = store_settings("django.core.cache.backends.redis.RedisCache", cls.url)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        stop(cls.server)

    def test_pages_live_in_redis(self):
        import redis

        self.warm()
        assert redis.Redis.from_url(self.url).dbsize() == len(warming.page_urls())


class PageMemoryTests(TestCase):
    def page(self, size: int) -> pagestore.Page:
        return pagestore.Page(b"x" * size, (("Content-Type", "text/html"),))

    def test_it_keeps_at_most_its_bytes_dropping_the_least_recently_served(self):
        page = self.page(1000)
        memory = pagestore.PageMemory(max_bytes=3 * page.size)
        for key in ("a", "b", "c"):
            memory.put(key, page)
        assert memory.get("a") is page
        memory.put("d", page)
        assert memory.get("b") is None
        assert [memory.get(k) is page for k in ("a", "c", "d")] == [True, True, True]
        assert memory.bytes == 3 * page.size

    def test_a_page_larger_than_the_whole_memory_is_not_kept(self):
        memory = pagestore.PageMemory(max_bytes=500)
        memory.put("a", self.page(1000))
        assert (len(memory), memory.bytes) == (0, 0)

    def test_storing_a_key_again_replaces_its_page(self):
        memory = pagestore.PageMemory(max_bytes=10_000)
        memory.put("a", self.page(1000))
        memory.put("a", self.page(2000))
        assert (len(memory), memory.bytes) == (1, self.page(2000).size)

    @override_settings(HTTP_PAGE_STORE="shared", HTTP_PAGE_MEMORY_BYTES=0)
    def test_it_can_be_turned_off(self):
        assert pagestore.memory() is None

    def test_a_store_in_process_memory_has_no_copy_in_front(self):
        assert pagestore.memory() is None


class WarmCommandTests(TestCase):
    def test_without_a_shared_store_nothing_is_warmed(self):
        out = StringIO()
        call_command("warm_pages", verbosity=2, stdout=out)
        assert "Not warming: pages are not stored" in out.getvalue()

    @override_settings(HTTP_PAGE_CACHE=True)
    def test_a_store_per_process_is_not_warmed_from_another_process(self):
        out = StringIO()
        call_command("warm_pages", verbosity=2, stdout=out)
        assert "HTTP_PAGE_STORE=memory" in out.getvalue()

    @override_settings(HTTP_PAGE_CACHE=True, HTTP_PAGE_STORE="shared")
    def test_the_command_reports_what_it_warmed(self):
        make_code("E1130")
        out = StringIO()
        call_command("warm_pages", stdout=out)
        total = len(warming.page_urls())
        version = dataversion.current().token
        assert f"Warmed {total} of {total} pages of data version {version} in" in out.getvalue()

    @override_settings(HTTP_PAGE_CACHE=True, HTTP_PAGE_STORE="shared")
    def test_import_hcpcs_warms_unless_told_not_to(self):
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        path = folder / "HCPC2030_JAN_ANWEB.txt"
        path.write_bytes(text_file(WHEELCHAIR))
        out = StringIO()
        call_command("import_hcpcs", str(path), "--release", "2030-jan", stdout=out)
        assert "Warmed" in out.getvalue()
        out = StringIO()
        call_command("remove_release", "2030-jan", "--no-warm", stdout=out)
        assert "Warmed" not in out.getvalue()


class StoreSettingsTests(TestCase):
    def store_backend(self, **env: str) -> str:
        result = run_python(
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.CACHES['pages']['BACKEND'], s.CACHES['pages']['LOCATION'])",
            {**PRODUCTION_ENV, **env},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def test_production_shares_pages_through_files_by_default(self):
        assert self.store_backend(HTTP_PAGE_STORE_DIR="/srv/pages") == (
            "codes.pagestore.PageFileCache /srv/pages"
        )

    def test_redis_url_selects_redis(self):
        assert self.store_backend(REDIS_URL="redis://cache.internal:6379/2") == (
            "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/2"
        )
