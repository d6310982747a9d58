"""Admin login throttling: django-axes locks a username and address out after a few failures."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from django.urls import reverse

from codes.login_protection import client_ip

PASSWORD = "correct horse battery staple"
LIMIT = settings.AXES_FAILURE_LIMIT


class AdminLoginThrottlingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        User.objects.create_superuser("editor", "editor@example.org", PASSWORD)

    def log_in(self, password: str, username: str = "editor", **meta):
        return self.client.post(
            reverse("admin:login"),
            {"username": username, "password": password, "next": reverse("admin:index")},
            **meta,
        )

    def fail(self, times: int, **meta) -> None:
        for _ in range(times):
            response = self.log_in("wrong password", **meta)
            assert response.status_code == 200, response.status_code
            self.assertContains(response, "Please enter the correct username and password")

    def test_a_few_wrong_passwords_are_only_refused(self):
        self.fail(LIMIT - 1)
        assert self.log_in(PASSWORD).status_code == 302

    def test_the_last_allowed_wrong_password_locks_the_user_out(self):
        self.fail(LIMIT - 1)
        response = self.log_in("wrong password")
        assert response.status_code == 429
        self.assertContains(response, "Sign-in locked for now", status_code=429)
        self.assertContains(response, f"{LIMIT} wrong passwords in a row", status_code=429)
        assert response.headers["Retry-After"] == str(
            int(settings.AXES_COOLOFF_TIME.total_seconds())
        )

    def test_the_right_password_is_refused_until_the_cooloff_has_passed(self):
        self.fail(LIMIT - 1)
        self.log_in("wrong password")
        response = self.log_in(PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in self.client.session
        # The cool-off runs from the last attempt; move every attempt back past it.
        past = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        for attempt in AccessAttempt.objects.all():
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                attempt_time=attempt.attempt_time - past
            )
        response = self.log_in(PASSWORD)
        assert response.status_code == 302
        assert self.client.session["_auth_user_id"] == str(User.objects.get().pk)

    def test_a_successful_login_resets_the_count(self):
        self.fail(LIMIT - 1)
        assert self.log_in(PASSWORD).status_code == 302
        self.client.logout()
        self.fail(LIMIT - 1)
        assert self.log_in(PASSWORD).status_code == 302

    def test_the_lockout_is_per_username_and_address(self):
        self.fail(LIMIT - 1)
        assert self.log_in("wrong password").status_code == 429
        assert self.log_in(PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302
        self.client.logout()
        User.objects.create_superuser("other", "other@example.org", PASSWORD)
        assert self.log_in(PASSWORD, username="other").status_code == 302

    def test_a_forged_forwarded_address_does_not_escape_the_lockout(self):
        for n in range(LIMIT):
            self.log_in("wrong password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        response = self.log_in(PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
        assert response.status_code == 429


class ClientAddressTests(TestCase):
    def request(self, forwarded: str | None):
        from django.test import RequestFactory

        meta = {"REMOTE_ADDR": "10.0.0.2"}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **meta)

    def test_without_trusted_proxies_the_peer_address_counts(self):
        assert client_ip(self.request("203.0.113.5")) == "10.0.0.2"

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_one_trusted_proxy_gives_the_address_it_appended(self):
        assert client_ip(self.request("198.51.100.1, 203.0.113.5")) == "203.0.113.5"
        assert client_ip(self.request("203.0.113.5")) == "203.0.113.5"

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_two_trusted_proxies_skip_the_inner_one(self):
        assert client_ip(self.request("198.51.100.1, 203.0.113.5, 10.0.0.9")) == "203.0.113.5"

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_a_request_that_bypassed_the_proxies_uses_the_peer_address(self):
        assert client_ip(self.request("203.0.113.5")) == "10.0.0.2"
        assert client_ip(self.request(None)) == "10.0.0.2"

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_behind_a_trusted_proxy_each_client_is_locked_out_on_its_own(self):
        User.objects.create_superuser("editor", "editor@example.org", PASSWORD)
        url = reverse("admin:login")
        for _ in range(LIMIT):
            self.client.post(
                url,
                {"username": "editor", "password": "wrong"},
                headers={"x-forwarded-for": "203.0.113.5"},
            )
        locked = self.client.post(
            url,
            {"username": "editor", "password": PASSWORD},
            headers={"x-forwarded-for": "203.0.113.5"},
        )
        other = self.client.post(
            url,
            {"username": "editor", "password": PASSWORD},
            headers={"x-forwarded-for": "203.0.113.6"},
        )
        assert (locked.status_code, other.status_code) == (429, 302)
