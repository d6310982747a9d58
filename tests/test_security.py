"""Security headers and the Content Security Policy on every kind of page."""

import re

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from tests.builders import make_code

# What a CSP without 'unsafe-inline' would block: the page must not rely on any of it.
# JSON data blocks (JSON-LD) are not executed, so the CSP allows them.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>", re.IGNORECASE
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


class SecurityHeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E1130", short_description="Standard wheelchair")

    def pages(self):
        return {
            "home": (reverse("codes:home"), 200),
            "list": (reverse("codes:list") + "?section=E", 200),
            "search": (reverse("codes:search") + "?q=wheelchair", 200),
            "code page": (reverse("codes:detail", args=["E1130"]), 200),
            "json": (reverse("codes:detail_json", args=["E1130"]), 200),
            "not found": (reverse("codes:detail", args=["Z9999"]), 404),
            "hostile query": (reverse("codes:search") + '?q="<script>&page=-1', 200),
        }

    def test_every_page_type_sends_the_security_headers(self):
        for name, (url, status) in self.pages().items():
            with self.subTest(name):
                response = self.client.get(url)
                assert response.status_code == status
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["X-Frame-Options"] == "DENY"
                assert response.headers["Referrer-Policy"] == "same-origin"
                assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"

    def test_every_page_type_sends_a_csp_without_unsafe_inline(self):
        for name, (url, _) in self.pages().items():
            with self.subTest(name):
                policy = self.client.get(url).headers["Content-Security-Policy"]
                directives = dict(
                    part.strip().split(" ", 1) for part in policy.split(";") if part.strip()
                )
                assert directives["default-src"] == "'self'"
                assert directives["script-src"] == "'self'"
                assert directives["style-src"] == "'self'"
                assert directives["object-src"] == "'none'"
                assert directives["frame-ancestors"] == "'none'"
                assert "unsafe-inline" not in policy
                assert "unsafe-eval" not in policy

    def test_html_pages_have_no_inline_scripts_or_styles(self):
        for name, (url, _) in self.pages().items():
            response = self.client.get(url)
            if not response["Content-Type"].startswith("text/html"):
                continue
            with self.subTest(name):
                html = response.content.decode()
                assert not INLINE_SCRIPT.search(html)
                assert not INLINE_STYLE.search(html)
                assert not EVENT_HANDLER.search(html)

    def test_development_sends_no_hsts(self):
        response = self.client.get(reverse("codes:home"), secure=True)
        assert "Strict-Transport-Security" not in response.headers


class AdminTests(TestCase):
    def test_admin_is_mounted_at_the_configured_path(self):
        assert reverse("admin:index") == "/" + settings.ADMIN_PATH

    def test_admin_requires_login(self):
        response = self.client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("admin:login"))

    def test_admin_pages_also_send_security_headers(self):
        response = self.client.get(reverse("admin:login"))
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Content-Security-Policy" in response.headers


class HeadRequestTests(TestCase):
    """Monitors and CDNs send HEAD; every public page answers it like GET, without a body."""

    def test_head_is_answered_on_public_pages(self):
        make_code("X0001")
        for path in ["/", "/codes/", "/codes/X0001/", "/codes/X0001.json", "/search/?q=x"]:
            response = self.client.head(path)
            assert response.status_code == 200, path
            assert response.content == b"", path
