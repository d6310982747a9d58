"""Production settings, checked in fresh interpreters with a production environment."""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from codes.middleware import format_fields
from tests.builders import make_code

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9Lm2Zr5Vt8Wb1Nc4Hd6Jf0Gs3Ky" * 2,
    "DJANGO_ALLOWED_HOSTS": "hcpcs.example.org",
}


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process, with the production environment instead of ours."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "HTTP_CACHE_")) and key != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        env={**base, "DJANGO_SETTINGS_MODULE": "hcpcs_site.settings", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python("import django; django.setup()", env)


class ProductionSettingsTests(SimpleTestCase):
    def test_production_refuses_to_start_without_secret_key(self):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
        result = load_settings(env)
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr

    def test_production_refuses_to_start_without_allowed_hosts(self):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ALLOWED_HOSTS"}
        result = load_settings(env)
        assert result.returncode != 0
        assert "DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production" in result.stderr

    def test_production_refuses_blank_secret_key(self):
        result = load_settings({**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""})
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr

    def test_production_starts_with_secrets_and_debug_off(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
            PRODUCTION_ENV,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["False", "['hcpcs.example.org']", "True", "True"]

    def test_production_serves_hashed_compressed_static_files_for_a_year(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_MAX_AGE)",
            PRODUCTION_ENV,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "31536000",
        ]

    def test_check_deploy_passes_at_warning_level_in_production(self):
        result = run_python(
            "", PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout

    def test_check_deploy_fails_with_a_weak_secret_key(self):
        result = run_python(
            "",
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"},
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        )
        assert result.returncode != 0
        assert "security.W009" in result.stderr

    def test_production_sends_hsts_and_redirects_plain_http(self):
        script = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="hcpcs.example.org")
secure = client.get("/healthz", secure=True)
plain = client.get("/codes/")
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csp": secure.headers.get("Content-Security-Policy", ""),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
}))
"""
        with tempfile.TemporaryDirectory() as folder:
            env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{folder}/empty.sqlite3"}
            result = run_python(script, env)
        assert result.returncode == 0, result.stderr
        headers = json.loads(result.stdout.strip().splitlines()[-1])
        assert headers["hsts"] == "max-age=31536000; includeSubDomains"
        assert "default-src 'self'" in headers["csp"]
        assert headers["plain_status"] == 301
        assert headers["plain_location"] == "https://hcpcs.example.org/codes/"

    def test_admin_path_comes_from_environment(self):
        result = run_python(
            "import django; django.setup(); from django.urls import reverse; "
            "print(reverse('admin:index'))",
            {**PRODUCTION_ENV, "DJANGO_ADMIN_PATH": "/staff-7f3a/"},
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "/staff-7f3a/"


class DevelopmentSettingsTests(SimpleTestCase):
    def test_development_sends_no_hsts_and_plain_cookies(self):
        assert not settings.PRODUCTION
        assert not getattr(settings, "SECURE_HSTS_SECONDS", 0)
        assert not settings.SESSION_COOKIE_SECURE
        assert not settings.CSRF_COOKIE_SECURE


class RequestLoggingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E1130", short_description="Wheelchair")

    def test_each_request_logs_method_path_status_and_duration(self):
        with self.assertLogs("codes.requests", level="INFO") as logs:
            self.client.get(reverse("codes:detail", args=["E1130"]))
        [line] = logs.records
        message = line.getMessage()
        assert line.levelname == "INFO"
        assert message.startswith("method=GET path=/codes/E1130/ status=200 duration_ms=")
        float(message.rsplit("=", 1)[1])

    def test_missing_pages_log_their_status(self):
        with self.assertLogs("codes.requests", level="INFO") as logs:
            self.client.get("/no-such-page/?x=1")
        assert "path=/no-such-page/?x=1 status=404" in logs.records[0].getMessage()

    def test_hostile_paths_cannot_forge_log_fields_or_lines(self):
        line = format_fields(path='/codes/a b"\nstatus=200', status=404)
        assert "\n" not in line
        assert line == 'path="/codes/a b\\"\\nstatus=200" status=404'

    def test_server_errors_are_logged_with_traceback(self):
        from unittest import mock

        self.client.raise_request_exception = False
        with (
            mock.patch("codes.health.Release.objects.only", side_effect=RuntimeError("boom")),
            self.assertLogs("django.request", level="ERROR") as logs,
        ):
            response = self.client.get(reverse("healthz"))
        assert response.status_code == 500
        assert logs.records[0].exc_info[0] is RuntimeError


class DatabaseTests(TestCase):
    def test_database_url_selects_the_engine(self):
        url = os.environ.get("DATABASE_URL", "sqlite:")
        assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")

    @pytest.mark.postgresql
    def test_postgresql_has_pg_trgm_and_the_search_indexes(self):
        if connection.vendor != "postgresql":
            self.skipTest("runs on PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest")
        with connection.cursor() as cursor:
            cursor.execute("SELECT extname FROM pg_extension")
            extensions = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'codes_code'")
            definitions = [row[0] for row in cursor.fetchall()]
        assert "pg_trgm" in extensions
        # Full-text (tsvector) and trigram GIN indexes.
        assert any("USING gin" in d and "gin_trgm_ops" not in d for d in definitions)
        assert any("gin_trgm_ops" in d for d in definitions)

    @pytest.mark.postgresql
    def test_postgresql_sessions_cost_random_reads_as_memory_reads(self):
        if connection.vendor != "postgresql":
            self.skipTest("runs on PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest")
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            assert cursor.fetchone()[0] == "1.1"


class WithPostgresScriptTests(SimpleTestCase):
    """scripts/with-postgres.sh, which `make test` uses for the PostgreSQL run."""

    script = str(BASE_DIR / "scripts" / "with-postgres.sh")

    def run_script(self, *command: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.script, *command],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_without_postgresql_binaries_the_run_is_skipped_with_a_message(self):
        with tempfile.TemporaryDirectory() as folder:
            marker = Path(folder) / "ran"
            result = self.run_script("touch", str(marker), PG_BINDIR=folder)
            assert result.returncode == 0
            assert "SKIPPING the PostgreSQL test run" in result.stderr
            assert not marker.exists()

    def test_command_runs_against_a_throwaway_server_and_its_status_is_kept(self):
        if subprocess.run(["sh", "-c", "command -v pg_ctl"], capture_output=True).returncode:
            self.skipTest("no PostgreSQL binaries on PATH")
        result = self.run_script("sh", "-c", 'echo "url=$DATABASE_URL"; exit 3')
        assert result.returncode == 3, result.stderr
        assert "pg_trgm available" in result.stderr
        url = result.stdout.split("url=", 1)[1].strip()
        assert url.startswith("postgres://hcpcs@127.0.0.1:")
        # The server is gone afterwards.
        port = url.rsplit(":", 1)[1].split("/")[0]
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0
