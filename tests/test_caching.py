import tempfile
import threading
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client, TestCase, TransactionTestCase, modify_settings, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date, parse_http_date

from codes import caching, dataversion, importer
from codes.models import Code
from tests.builders import make_code, record_lines
from tests.test_importer_load import release

MIDDLEWARE = "codes.caching.ConditionalPageMiddleware"
WHEELCHAIR = record_lines("E1130", "Standard wheelchair", "Standard wheelchair")


def small_release(name: str) -> importer.ParsedRelease:
    return release(name, WHEELCHAIR)


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
        importer.load(small_release("2030-apr"))
        response = self.page(if_none_match=etag)
        assert response.status_code == 200
        assert response.headers["ETag"] != etag

    def test_importing_an_older_release_changes_the_etag(self):
        etag = self.page().headers["ETag"]
        importer.load(small_release("2029-jan"))
        assert self.page().headers["ETag"] != etag

    def test_reimporting_the_current_release_changes_the_validators(self):
        importer.load(small_release("2030-apr"))
        first = self.page().headers
        importer.load(small_release("2030-apr"))
        second = self.page().headers
        assert second["ETag"] != first["ETag"]
        assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])

    def test_two_changes_in_one_second_still_move_last_modified(self):
        first = dataversion.record_change()
        second = dataversion.record_change()
        assert (second.changed_at - first.changed_at).total_seconds() >= 1
        assert second.number == first.number + 1

    def test_removing_a_release_never_brings_back_earlier_validators(self):
        before_import = self.page().headers["ETag"]
        importer.load(small_release("2030-apr"))
        imported = self.page().headers["ETag"]
        call_command("remove_release", "2030-apr", stdout=StringIO())
        removed = self.page(if_none_match=before_import)
        assert removed.status_code == 200
        assert removed.headers["ETag"] not in {before_import, imported}

    def test_an_import_that_fails_keeps_the_validators(self):
        etag = self.page().headers["ETag"]
        with (
            mock.patch("codes.importer.load.rebuild_index", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            importer.load(small_release("2030-apr"))
        assert self.page(if_none_match=etag).status_code == 304

    def test_importing_a_dmepos_fee_schedule_changes_the_etag(self):
        from tests.test_dmepos_import import csv_bytes, dmepos_rows, fee_row

        etag = self.page().headers["ETag"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "DMEPOS25_APR.csv"
            path.write_bytes(csv_bytes(dmepos_rows(fee_row(code="E1130"))))
            call_command("import_dmepos", str(path), stdout=StringIO())
        assert self.page(if_none_match=etag).status_code == 200

    def test_editing_the_contact_entries_in_the_admin_changes_the_etag(self):
        etag = self.page().headers["ETag"]
        admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
        self.client.force_login(admin)
        response = self.client.post(
            reverse("admin:codes_contactentry_add"),
            {"label": "Help desk", "value": "help@example.org", "kind": "email", "position": 1},
        )
        assert response.status_code == 302
        self.client.logout()
        assert self.page(if_none_match=etag).status_code == 200

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
        self.client.get(url)  # what code pages read once per data version is read now
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

    def test_a_new_data_version_renders_the_page_again_at_once(self):
        self.client.get(self.url)
        Code.objects.filter(code="E1130").update(short_description="Renamed wheelchair")
        dataversion.record_change()
        response = self.client.get(self.url)
        assert b"Renamed wheelchair" in response.content

    def test_a_page_rendered_while_a_change_commits_is_kept_under_the_old_version(self):
        from codes import views

        sections = views.sections_with_counts

        def change_during_rendering():
            dataversion.record_change()
            return sections()

        with mock.patch.object(views, "sections_with_counts", change_during_rendering):
            during = self.client.get(reverse("codes:home"))
        after = self.client.get(reverse("codes:home"))
        assert after.headers["ETag"] != during.headers["ETag"]
        assert len(caches["pages"]._cache) == 2

    def test_query_strings_are_stored_apart(self):
        self.client.get(reverse("codes:home"))
        other = self.client.get(reverse("codes:home") + "?x=1")
        assert other.status_code == 200
        assert len(caches["pages"]._cache) == 2

    def test_missing_pages_are_not_stored(self):
        self.client.get(reverse("codes:detail", args=["Z9999"]))
        assert not caches["pages"]._cache


@pytest.mark.postgresql
class SnapshotTests(TransactionTestCase):
    """On PostgreSQL a page's queries share one snapshot (SQLite: tests/test_live_consistency)."""

    def test_a_change_committed_while_a_page_renders_is_not_seen_by_it(self):
        if connection.vendor != "postgresql":
            self.skipTest("runs on PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest")
        make_code("E1130", short_description="Standard wheelchair")

        def rename_elsewhere():
            Code.objects.filter(code="E1130").update(short_description="Renamed wheelchair")
            dataversion.record_change()
            connections.close_all()

        with caching.one_snapshot():
            version, _release = caching.current_state()
            changer = threading.Thread(target=rename_elsewhere)
            changer.start()
            changer.join()
            seen = Code.objects.get(code="E1130").short_description
            assert dataversion.current() == version
        assert seen == "Standard wheelchair"
        assert Code.objects.get(code="E1130").short_description == "Renamed wheelchair"
        assert dataversion.current().number == version.number + 1


class AfterSnapshotTests(TransactionTestCase):
    def test_a_write_a_page_asks_for_runs_once_its_snapshot_is_over(self):
        ran = []
        with caching.one_snapshot():
            caching.after_snapshot(lambda: ran.append(connection.in_atomic_block))
            assert ran == []
        assert ran == [False]

    def test_outside_a_snapshot_the_write_runs_at_once(self):
        ran = []
        caching.after_snapshot(lambda: ran.append(True))
        assert ran == [True]


class CurrentStateTests(TestCase):
    def test_the_version_and_the_newest_release_come_from_one_query(self):
        importer.load(small_release("2019-jan"))
        importer.load(small_release("2020-jan"))
        with self.assertNumQueries(1):
            version, release = caching.current_state()
        assert version == dataversion.current()
        assert release is not None and release.name == "2020-jan"
        assert release.effective_date.year == 2020

    def test_without_releases_there_is_no_current_release(self):
        version, release = caching.current_state()
        assert (version, release) == (dataversion.current(), None)

    def test_a_database_without_its_version_row_still_answers(self):
        importer.load(small_release("2019-jan"))
        from codes.models import DataVersion

        DataVersion.objects.all().delete()
        version, release = caching.current_state()
        assert version.token == dataversion.Version(*dataversion.NO_CHANGE).token
        assert release is not None and release.name == "2019-jan"
