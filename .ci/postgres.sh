# Start and stop a throwaway PostgreSQL cluster on 127.0.0.1 with a free port.
# Sourced by .ci/run; exports CLOUDSCOPE_TEST_POSTGRES_URL for the tests.

start_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    apt-get install -y -qq postgresql >/dev/null 2>&1 || \
      (apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null)
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  PG_BINDIR=$bindir
  PG_DIR=$(mktemp -d /tmp/cloudscope-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local as_user=()
  if [ "$(id -u)" = "0" ]; then
    chown postgres "$PG_DIR"
    as_user=(runuser -u postgres --)
  fi
  "${as_user[@]}" "$bindir/initdb" -D "$PG_DIR/data" --auth=trust -U postgres >/dev/null
  if ! "${as_user[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    echo "PostgreSQL did not start; its log:" >&2
    cat "$PG_DIR/log" >&2 || true
    return 1
  fi
  export CLOUDSCOPE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ]; then
    local as_user=()
    [ "$(id -u)" = "0" ] && as_user=(runuser -u postgres --)
    "${as_user[@]}" "${PG_BINDIR:-}/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
