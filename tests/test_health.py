from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse

from tests.builders import make_code


class HealthzTests(TestCase):
    def test_healthz_is_at_root(self):
        assert reverse("healthz") == "/healthz"

    def test_healthz_is_ok_with_a_release_loaded(self):
        make_code("A0001")
        response = self.client.get(reverse("healthz"))
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "release": "2030-jan"}

    def test_healthz_is_unavailable_without_a_release(self):
        response = self.client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json()["release"] is None

    def test_healthz_is_unavailable_when_database_is_unreachable(self):
        make_code("A0001")
        broken = mock.patch(
            "codes.health.Release.objects.only",
            side_effect=OperationalError("connection refused"),
        )
        with broken, self.assertLogs("codes.health", level="ERROR"):
            response = self.client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "unreachable"}

    def test_healthz_is_never_cached(self):
        make_code("A0001")
        response = self.client.get(reverse("healthz"))
        assert "no-store" in response.headers["Cache-Control"]
        assert "ETag" not in response.headers

    def test_healthz_answers_head_and_refuses_post(self):
        make_code("A0001")
        assert self.client.head(reverse("healthz")).status_code == 200
        assert self.client.post(reverse("healthz")).status_code == 405
