"""Deployment details: the health probe over plain HTTP, bad Host headers, `make serve-prod`."""

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from django.test import TestCase

from tests.builders import make_code
from tests.servers import free_port, stop, wait_until_up
from tests.test_production import BASE_DIR, PRODUCTION_ENV, run_python

PROBE = """
import json, logging, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from tests.builders import make_code
from tests.servers import free_port, stop, wait_until_up
call_command("migrate", verbosity=0)
make_code("E1130")
health = Client(HTTP_HOST="hcpcs.example.org").get("/healthz")
logging.getLogger("codes").setLevel(logging.WARNING)
print("BAD HOST FOLLOWS", file=sys.stderr, flush=True)
bad_host = Client(HTTP_HOST="attacker.example").get("/codes/", secure=True)
answers = {"health": health.status_code, "body": health.json(), "bad": bad_host.status_code}
print(json.dumps(answers))
"""


class PlainHttpProbeTests(TestCase):
    def test_healthz_answers_200_over_plain_http_and_a_bad_host_logs_one_line(self):
        with tempfile.TemporaryDirectory() as folder:
            env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{folder}/probe.sqlite3"}
            result = run_python(PROBE, env)
        assert result.returncode == 0, result.stderr
        answers = json.loads(result.stdout.strip().splitlines()[-1])
        assert answers["health"] == 200
        assert answers["body"]["status"] == "ok"
        assert answers["bad"] == 400
        logged = result.stderr.split("BAD HOST FOLLOWS\n", 1)[1].strip().splitlines()
        assert len(logged) == 1, logged
        assert "logger=django.security.DisallowedHost" in logged[0]
        assert "Invalid HTTP_HOST header: 'attacker.example'" in logged[0]


class DisallowedHostLoggingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E1130")

    def test_a_bad_host_header_is_logged_once_without_a_traceback(self):
        with self.assertLogs("django.security.DisallowedHost", level="WARNING") as logs:
            response = self.client.get("/codes/E1130/", headers={"host": "attacker.example"})
        assert response.status_code == 400
        [record] = logs.records
        assert record.exc_info is None
        assert record.getMessage().startswith("Invalid HTTP_HOST header: 'attacker.example'")
        assert "\n" not in logs.output[0]


def serve_prod(port: int, home: Path, database_url: str, **env: str) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.Popen(
        [str(BASE_DIR / "scripts" / "serve-prod.sh")],
        cwd=BASE_DIR,
        env={
            **base,
            "HOME": str(home),
            "PORT": str(port),
            "WORKERS": "1",
            "DATABASE_URL": database_url,
            # Plain static storage: the test does not run collectstatic.
            "DJANGO_TESTING": "true",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=(home / f"serve-{port}.log").open("w"),
    )


class ServeProdTests(TestCase):
    def test_two_instances_on_one_host_run_side_by_side_with_their_own_secret_keys(self):
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            database_url = f"sqlite:///{home / 'site.sqlite3'}"
            setup = run_python(
                "import django; django.setup(); from django.core.management import call_command; "
                "call_command('migrate', verbosity=0); "
                "from tests.builders import make_code; make_code('E1130')",
                {"DATABASE_URL": database_url, "DJANGO_TESTING": "true"},
            )
            assert setup.returncode == 0, setup.stderr
            first_port, second_port = free_port(), free_port()
            first = serve_prod(first_port, home, database_url)
            second = serve_prod(second_port, home, database_url, DJANGO_SECRET_KEY="k" * 60)
            try:
                for port, server in ((first_port, first), (second_port, second)):
                    log = home / f"serve-{port}.log"
                    wait_until_up(f"http://127.0.0.1:{port}/healthz", server, log)
                stop(first)
                time.sleep(0.5)
                url = f"http://127.0.0.1:{second_port}/healthz"
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.status == 200
                assert second.poll() is None
            finally:
                stop(first)
                stop(second)
            assert not (home / ".gunicorn").exists()
            first_log = (home / f"serve-{first_port}.log").read_text()
            second_log = (home / f"serve-{second_port}.log").read_text()
        assert "a random secret key for this run" in first_log
        assert "secret key from DJANGO_SECRET_KEY" in second_log
