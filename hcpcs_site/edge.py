"""The nginx edge (deploy/nginx/hcpcs.conf): its configuration filled in, and nginx run
as the current user in a prefix directory of its own (the bench and the tests do this).

    python -m hcpcs_site.edge --listen 80 --upstream 127.0.0.1:8000 \\
        --static-root /srv/hcpcs/staticfiles --prefix /var/lib/hcpcs-edge > nginx.conf
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "hcpcs.conf"
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(
    *,
    listen: str,
    upstream: str,
    static_root: Path,
    prefix: Path,
    admin_path: str = "admin/",
    workers: str = "auto",
    access_log: str = "off",
    mime_types: str = "/etc/nginx/mime.types",
    user: str | None = None,
) -> str:
    """The configuration; `user` defaults to whoever runs this (so a root bench's workers
    can write its prefix), and the line goes when not root, where nginx ignores it."""
    values = {
        "USER": user or getpass.getuser(),
        "LISTEN": listen,
        "UPSTREAM": upstream,
        "STATIC_ROOT": str(Path(static_root).resolve()).rstrip("/"),
        "PREFIX": str(Path(prefix).resolve()),
        "ADMIN_PATH": admin_path.strip("/") + "/",
        "WORKERS": workers,
        "ACCESS_LOG": access_log,
        "MIME_TYPES": mime_types,
    }
    text = TEMPLATE.read_text()
    if user is None and os.geteuid() != 0:
        text = text.replace("user @USER@;\n", "")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ValueError("deploy/nginx/hcpcs.conf has a placeholder render() does not fill")
    return text


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def start(prefix: Path, config: str, port: int, timeout: float = 10) -> subprocess.Popen:
    """nginx in the foreground with `config`, its files under `prefix`, up on `port`."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx-light)")
    prefix = Path(prefix)
    for name in TEMP_DIRS:
        (prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config)
    command = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx rejects the configuration: {check.stderr.strip()}")
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {(prefix / 'error.log').read_text()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"nginx did not listen on port {port} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    """A graceful stop (SIGQUIT lets workers finish), then a kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(3)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Print deploy/nginx/hcpcs.conf filled in.")
    parser.add_argument("--listen", default="80")
    parser.add_argument("--upstream", default="127.0.0.1:8000")
    parser.add_argument("--static-root", type=Path, required=True)
    parser.add_argument("--prefix", type=Path, required=True)
    parser.add_argument("--admin-path", default=os.environ.get("DJANGO_ADMIN_PATH", "admin/"))
    parser.add_argument("--user", default="www-data", help="the workers' user")
    parser.add_argument("--access-log", default="off", help='e.g. "/var/log/hcpcs.log combined"')
    args = parser.parse_args()
    print(
        render(
            listen=args.listen,
            upstream=args.upstream,
            static_root=args.static_root,
            prefix=args.prefix,
            admin_path=args.admin_path,
            access_log=args.access_log,
            user=args.user,
        )
    )


if __name__ == "__main__":
    main()
