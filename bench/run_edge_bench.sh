#!/usr/bin/env bash
# `make bench-edge`: install wrk and nginx-light if needed, then run bench/edge_bench.py
# over the database DATABASE_URL names (default /tmp/hcpcs-bench.sqlite3, filled by
# `manage.py import_hcpcs --all` and the ASP and DMEPOS imports).
set -euo pipefail
cd "$(dirname "$0")/.."
sh scripts/ensure-command.sh wrk wrk
sh scripts/ensure-command.sh nginx nginx-light
exec .venv/bin/python bench/edge_bench.py "$@"
