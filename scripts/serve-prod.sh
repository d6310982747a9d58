#!/bin/sh
# The site as production runs it, on this machine: DEBUG off, gunicorn with 2 workers.
#
# The secret key is DJANGO_SECRET_KEY when set, otherwise a random one made for this run
# (signed cookies and admin sessions then end when the server stops); never the
# development key. gunicorn runs without its control socket: by default every instance
# on a host shares ~/.gunicorn/gunicorn.ctl, and a second instance takes it over and
# removes it when it stops, breaking the first one's.
#
# Threaded workers and keep-alive come from gunicorn.conf.py, which gunicorn reads from
# the project folder this script runs in.
#
# Environment: HOST (127.0.0.1), PORT (8000), WORKERS (2), BIN (.venv/bin).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
if [ -n "${DJANGO_SECRET_KEY:-}" ]; then
  echo "serve-prod: secret key from DJANGO_SECRET_KEY" >&2
else
  DJANGO_SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
  echo "serve-prod: a random secret key for this run (set DJANGO_SECRET_KEY to keep sessions across restarts)" >&2
fi
export DJANGO_SECRET_KEY
export DJANGO_DEBUG=false
exec "$BIN/gunicorn" hcpcs_site.wsgi \
  --workers "${WORKERS:-2}" \
  --bind "${HOST:-127.0.0.1}:${PORT:-8000}" \
  --no-control-socket
