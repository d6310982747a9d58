#!/usr/bin/env bash
# `make bench` / `make loadtest`: install wrk if needed, then run bench/http_bench.py.
# Arguments are passed on (see `bench/run_bench.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing wrk (Debian package wrk)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
    else
        echo "bench: wrk is missing; install it (Debian: sudo apt-get install wrk)" >&2
        exit 1
    fi
fi

exec .venv/bin/python bench/http_bench.py "$@"
