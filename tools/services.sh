#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback for the tests and benchmarks of the production
# profile: Debian's packages (installed with apt-get when missing), data in a directory under
# /tmp named after this checkout (the postgres user must reach it, and a checkout under /root
# is out of its reach), never run as system services.
#   tools/services.sh install | start | stop | env     (stop also deletes the data)
#   tools/services.sh pg-stop | redis-stop              (an outage: `start` brings them back)
# TOUSU_PG_PORT, TOUSU_REDIS_PORT and TOUSU_SERVICES_DIR run a second, separate pair.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT=${TOUSU_PG_PORT:-54329}
REDIS_PORT=${TOUSU_REDIS_PORT:-63799}
ROOT=${TOUSU_SERVICES_DIR:-/tmp/tousu-services-$(printf %s "$PWD" | md5sum | cut -c1-8)}
PGDATA=$ROOT/pg
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
    local missing=()
    [ -n "$PG_BIN" ] || missing+=(postgresql postgresql-contrib)
    command -v redis-server >/dev/null || missing+=(redis-server)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
}

start_pg() {
    if as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then return; fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        rm -rf "$PGDATA"
        mkdir -p "$PGDATA"
        if [ "$(id -u)" = 0 ]; then chown -R postgres "$ROOT"; fi
        as_postgres "$PG_BIN/initdb" -D "$PGDATA" -U tousu --auth=trust -E UTF8 \
            --locale=C.UTF-8 >/dev/null
    fi
    # Throwaway data: durability traded for speed, as a test database may.
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$ROOT/pg.log" -w start -o \
        "-h 127.0.0.1 -p $PG_PORT -k $ROOT -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" >/dev/null
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U tousu -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'tousu'" | grep -q 1 || \
        as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tousu tousu
}

pg_stop() {
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
}

start_redis() {
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
    mkdir -p "$ROOT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
        --daemonize yes --pidfile "$ROOT/redis.pid" --logfile "$ROOT/redis.log" --dir "$ROOT"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "redis did not start: see $ROOT/redis.log" >&2
    exit 1
}

stop() {
    [ -n "$PG_BIN" ] && [ -d "$PGDATA" ] && \
        as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$ROOT"
}

env() {
    echo "DATABASE_URL=postgres://tousu@127.0.0.1:$PG_PORT/tousu"
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

case "${1:-}" in
    install) install ;;
    start) install; start_pg; start_redis; env ;;
    pg-stop) pg_stop ;;
    redis-stop) redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null ;;
    stop) stop ;;
    env) env ;;
    *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
