#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1 only.
#
#   eval "$(scripts/pg.sh start)"   starts one; prints shell exports:
#                                   ENGAGE_PG_DIR (its temp dir) and TEST_DATABASE_URL
#   scripts/pg.sh stop DIR          stops it and removes DIR
#
# Data, socket and log live in one temp dir. As root the server runs as the
# 'postgres' OS user (PostgreSQL refuses to run as root). Durability is off
# (fsync, synchronous_commit, full_page_writes) because nothing is kept.
set -euo pipefail

DB_NAME="${ENGAGE_PG_DB:-engage_test}"
FIRST_PORT="${ENGAGE_PG_PORT:-54329}"

die() { printf 'pg.sh: %s\n' "$*" >&2; exit 1; }

pg_bin() {
    local initdb
    initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
    [ -n "$initdb" ] || die "PostgreSQL not installed (no /usr/lib/postgresql/*/bin/initdb)"
    dirname "$initdb"
}

# Run as the postgres OS user when we are root, else as ourselves.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
    local bin dir port opts tries=0
    bin="$(pg_bin)"
    # /tmp, not $TMPDIR: the postgres user must be able to reach it.
    dir="$(mktemp -d /tmp/engage-pg.XXXXXX)"
    mkdir -p "$dir/sock"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install postgresql)"
        chown -R postgres: "$dir"
    fi
    chmod 700 "$dir"

    as_pg "$bin/initdb" -D "$dir/pgdata" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=trust >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }

    port="$FIRST_PORT"
    while :; do
        # pg_ctl hands -o to a shell: keep it on one line.
        opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/sock"
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts+=" -c max_connections=200"
        if ! port_in_use "$port" &&
            as_pg "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/server.log" -w -t 60 -s \
                -o "$opts" start >&2; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 20 ]; then
            cat "$dir/server.log" >&2 2>/dev/null || true
            rm -rf "$dir"
            die "could not start PostgreSQL on ports $FIRST_PORT-$port"
        fi
        port=$((port + 1))
    done

    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" \
        || { stop "$dir"; die "createdb $DB_NAME failed"; }

    printf 'PostgreSQL %s on 127.0.0.1:%s (data in %s)\n' \
        "$(basename "$(dirname "$bin")")" "$port" "$dir" >&2
    printf 'export ENGAGE_PG_DIR=%q\n' "$dir"
    printf 'export TEST_DATABASE_URL=%q\n' "postgresql+psycopg://postgres@127.0.0.1:$port/$DB_NAME"
}

stop() {
    local dir="${1:-}" bin
    [ -n "$dir" ] || die "usage: $0 stop DIR"
    case "$dir" in
        */engage-pg.*) ;;
        *) die "refusing to remove $dir (not made by pg.sh start)" ;;
    esac
    if [ -f "$dir/pgdata/postmaster.pid" ]; then
        bin="$(pg_bin)"
        as_pg "$bin/pg_ctl" -D "$dir/pgdata" -m immediate -w -t 30 -s stop >&2 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) die "usage: $0 start | stop DIR" ;;
esac
