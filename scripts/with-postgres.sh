#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server:
#
#   scripts/with-postgres.sh .venv/bin/python -m pytest
#
# The server is built from the machine's own binaries (initdb, pg_ctl), lives in a
# temporary directory, listens on 127.0.0.1 at a free port (and a unix socket in that
# directory), and is stopped and deleted when the command ends, whatever its outcome.
# The command sees DATABASE_URL pointing at a database named `hcpcs`; Django's test
# runner creates `test_hcpcs` next to it.
#
# PostgreSQL refuses to run as root, so under root (CI) the server runs as the
# `postgres` system user, or as `hcpcs-pg`, created on first use.
#
# Without PostgreSQL binaries the command is not run and the script says so and exits
# 0, so machines without PostgreSQL still get a green `make test` from the SQLite run.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 command [args...]" >&2
    exit 2
fi

log() { echo "with-postgres: $*" >&2; }

find_bindir() {
    # PG_BINDIR picks one installation (e.g. /usr/lib/postgresql/16/bin) among several.
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ] && echo "$PG_BINDIR"
        return
    fi
    local initdb
    if initdb=$(command -v initdb 2>/dev/null) && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    # Debian keeps the server binaries off PATH.
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if ! BINDIR=$(find_bindir); then
    log "PostgreSQL binaries (initdb, pg_ctl) not found: SKIPPING the PostgreSQL test run."
    log "Install PostgreSQL (Debian: apt-get install postgresql) to run it."
    exit 0
fi

VERSION=$("$BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
log "using PostgreSQL $VERSION from $BINDIR"

# pg_trgm ships with the server in Debian's postgresql-NN package (contrib has been part
# of it since PostgreSQL 10); other builds may lack it.
SHAREDIR=$("$BINDIR/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$VERSION")
if [ ! -f "$SHAREDIR/extension/pg_trgm.control" ]; then
    log "pg_trgm extension missing from $SHAREDIR/extension"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing it with apt-get (postgresql-contrib, postgresql-$VERSION)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$VERSION" \
            postgresql-contrib >&2
    fi
    if [ ! -f "$SHAREDIR/extension/pg_trgm.control" ]; then
        log "pg_trgm is still missing; install PostgreSQL's contrib extensions"
        exit 1
    fi
fi

# Run PostgreSQL tools as an unprivileged user when we are root. They run from the
# server's own directory, since that user may not be allowed into the checkout.
RUN_AS=()
OWNER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
        OWNER=postgres
    else
        OWNER=hcpcs-pg
        if ! id "$OWNER" >/dev/null 2>&1; then
            log "creating system user $OWNER to own the server"
            useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
        fi
    fi
    RUN_AS=(runuser -u "$OWNER" --)
fi

WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/hcpcs-pg.XXXXXX")
chmod 700 "$WORKDIR"
DATADIR="$WORKDIR/data"
PGLOG="$WORKDIR/server.log"
[ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$WORKDIR"

as_owner() { (cd "$WORKDIR" && "${RUN_AS[@]}" "$@"); }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop_server() {
    local status=$?
    if [ -f "$DATADIR/postmaster.pid" ]; then
        as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
    # PGTEST_LOG=file keeps the server log (e.g. with PGOPTIONS="-c log_min_duration_statement=1000").
    if [ -n "${PGTEST_LOG:-}" ] && [ -f "$PGLOG" ]; then
        cp "$PGLOG" "$PGTEST_LOG" || true
    fi
    rm -rf "$WORKDIR"
    exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_owner "$BINDIR/initdb" --pgdata="$DATADIR" --username=hcpcs --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
# Durability is pointless for a database that is deleted in a minute. Autovacuum is off
# because tests only ever roll back: it would vacuum the tables between tests and record
# them as empty, and the planner would then meet the next test's thousands of
# uncommitted rows with nested loops that take minutes.
if ! as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -l "$PGLOG" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORKDIR \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
     -c autovacuum=off" >/dev/null; then
    log "server failed to start:"
    cat "$PGLOG" >&2 || true
    exit 1
fi
log "server running on 127.0.0.1:$PORT (data in $DATADIR)"

PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL=psql
psql_run() { "$PSQL" --no-psqlrc --quiet -h 127.0.0.1 -p "$PORT" -U hcpcs -v ON_ERROR_STOP=1 "$@"; }
psql_run -d postgres -c "CREATE DATABASE hcpcs"
# Probe only: the search migration creates the extension in the test database itself.
if ! psql_run -d postgres -c "CREATE EXTENSION pg_trgm" -c "DROP EXTENSION pg_trgm"; then
    log "CREATE EXTENSION pg_trgm failed"
    exit 1
fi
log "pg_trgm available"

export DATABASE_URL="postgres://hcpcs@127.0.0.1:$PORT/hcpcs"
# In the background so that a signal reaches the trap at once (bash runs traps only
# between commands); the trap passes it on to the command.
"$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
set +e
wait "$child"
status=$?
set -e
exit "$status"
