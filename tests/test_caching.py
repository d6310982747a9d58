from datetime import date, timedelta
from unittest import mock

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, TestCase, modify_settings, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date, parse_http_date

from codes import caching
from codes.models import Code, Release
from tests.builders import make_code

MIDDLEWARE = "codes.caching.ConditionalPageMiddleware"


class ConditionalGetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E1130", short_description="Standard wheelchair")

    def page(self, **headers):
        return self.client.get(reverse("codes:detail", args=["E1130"]), headers=headers)

    def test_pages_carry_validators_and_public_cache_control(self):
        response = self.page()
        assert response.status_code == 200
        assert response.headers["ETag"].startswith('"')
        assert parse_http_date(response.headers["Last-Modified"]) > 0
        cache_control = set(response.headers["Cache-Control"].split(", "))
        assert cache_control == {"public", "max-age=300", "stale-while-revalidate=3600"}

    def test_matching_etag_gets_304_without_running_the_view(self):
        etag = self.page().headers["ETag"]
        with self.assertNumQueries(1):
            response = self.page(if_none_match=etag)
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["ETag"] == etag
        assert "max-age=300" in response.headers["Cache-Control"]

    def test_unchanged_since_last_modified_gets_304(self):
        last_modified = self.page().headers["Last-Modified"]
        assert self.page(if_modified_since=last_modified).status_code == 304

    def test_modified_since_an_older_date_gets_the_page(self):
        last_modified = parse_http_date(self.page().headers["Last-Modified"])
        response = self.page(if_modified_since=http_date(last_modified - 60))
        assert response.status_code == 200

    def test_stale_etag_gets_the_page(self):
        response = self.page(if_none_match='"something-else"')
        assert response.status_code == 200
        assert response.content

    def test_importing_a_release_changes_the_etag(self):
        etag = self.page().headers["ETag"]
        Release.objects.create(
            name="2030-apr", effective_date=date(2030, 4, 1), source_name="t", sha256="1" * 64
        )
        response = self.page(if_none_match=etag)
        assert response.status_code == 200
        assert response.headers["ETag"] != etag

    def test_importing_an_older_release_changes_the_etag(self):
        etag = self.page().headers["ETag"]
        Release.objects.create(
            name="2029-jan", effective_date=date(2029, 1, 1), source_name="t", sha256="2" * 64
        )
        assert self.page().headers["ETag"] != etag

    def test_reimporting_the_current_release_changes_the_last_modified(self):
        first = parse_http_date(self.page().headers["Last-Modified"])
        release = Release.objects.get()
        Release.objects.filter(pk=release.pk).update(
            imported_at=release.imported_at + timedelta(days=3650)
        )
        assert parse_http_date(self.page().headers["Last-Modified"]) > first

    def test_every_page_has_the_same_etag_for_one_release(self):
        home = self.client.get(reverse("codes:home"))
        assert home.headers["ETag"] == self.page().headers["ETag"]

    def test_missing_pages_are_not_marked_cacheable(self):
        response = self.client.get(reverse("codes:detail", args=["Z9999"]))
        assert response.status_code == 404
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")

    def test_admin_is_not_marked_cacheable(self):
        response = self.client.get(reverse("admin:login"))
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")

    def test_post_is_not_cached(self):
        response = self.client.post(reverse("codes:detail", args=["E1130"]))
        assert response.status_code == 405
        assert "ETag" not in response.headers

    def test_page_cache_is_off_under_tests_so_query_counts_stay_true(self):
        assert settings.HTTP_PAGE_CACHE is False

    def test_caching_adds_no_queries_to_pages(self):
        url = reverse("codes:detail", args=["E1130"])
        with CaptureQueriesContext(connection) as cached:
            self.client.get(url)
        with (
            modify_settings(MIDDLEWARE={"remove": MIDDLEWARE}),
            CaptureQueriesContext(connection) as uncached,
        ):
            # A new client, because a client loads the middleware once.
            response = Client().get(url)
        assert "ETag" not in response.headers
        assert len(cached) == len(uncached)


class CodePageCacheTestCase(TestCase):
    """One code page, and an empty page cache before and after each test."""

    @classmethod
    def setUpTestData(cls):
        make_code("E1130", short_description="Standard wheelchair")

    def setUp(self):
        caches["pages"].clear()
        self.addCleanup(caches["pages"].clear)
        self.url = reverse("codes:detail", args=["E1130"])


@override_settings(HTTP_PAGE_CACHE=True)
class PageCacheTests(CodePageCacheTestCase):
    def test_a_stored_page_is_served_with_one_query(self):
        first = self.client.get(self.url)
        with self.assertNumQueries(1):
            second = self.client.get(self.url)
        assert second.status_code == 200
        assert second.content == first.content
        assert second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Content-Type"] == first.headers["Content-Type"]
        assert second.headers["Content-Security-Policy"]

    def test_a_new_release_renders_the_page_again(self):
        self.client.get(self.url)
        Code.objects.filter(code="E1130").update(short_description="Renamed wheelchair")
        Release.objects.create(
            name="2030-apr", effective_date=date(2030, 4, 1), source_name="t", sha256="1" * 64
        )
        response = self.client.get(self.url)
        assert b"Renamed wheelchair" in response.content

    def test_query_strings_are_stored_apart(self):
        self.client.get(reverse("codes:home"))
        other = self.client.get(reverse("codes:home") + "?x=1")
        assert other.status_code == 200
        assert len(caches["pages"]._cache) == 2

    def test_missing_pages_are_not_stored(self):
        self.client.get(reverse("codes:detail", args=["Z9999"]))
        assert not caches["pages"]._cache


@override_settings(HTTP_PAGE_CACHE=True, HTTP_CACHE_VALIDATOR_SECONDS=2)
class RememberedValidatorTests(CodePageCacheTestCase):
    def setUp(self):
        super().setUp()
        self.clock = 1000.0
        patcher = mock.patch("codes.caching.time.monotonic", side_effect=lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(setattr, caching, "_remembered", None)
        caching._remembered = None

    def test_a_stored_page_costs_no_query_while_the_validators_are_fresh(self):
        self.client.get(self.url)
        self.clock += 1
        with self.assertNumQueries(0):
            assert self.client.get(self.url).status_code == 200

    def test_a_new_release_is_seen_once_the_validators_expire(self):
        etag = self.client.get(self.url).headers["ETag"]
        Release.objects.create(
            name="2030-apr", effective_date=date(2030, 4, 1), source_name="t", sha256="1" * 64
        )
        self.clock += 1
        assert self.client.get(self.url).headers["ETag"] == etag
        self.clock += 2
        assert self.client.get(self.url).headers["ETag"] != etag
