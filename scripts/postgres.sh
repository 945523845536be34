#!/usr/bin/env bash
# A private PostgreSQL 15 cluster (Debian's `postgresql` package) for FerretDB's PostgreSQL backend.
#
# Usage:
#   scripts/postgres.sh install        install the Debian package `postgresql` (skipped if present)
#   scripts/postgres.sh start [DIR]    initdb a cluster in DIR (default: a fresh dir under $DAMSON_RUN;
#                                      an existing cluster in DIR is reused) and start it listening
#                                      on a unix socket only; prints the FerretDB URL
#                                      postgres://postgres@/postgres?host=SOCKET_DIR
#   scripts/postgres.sh stop           stop the cluster started by `start` (pid from the pidfile);
#                                      removes its data unless it was started with DIR
#   scripts/postgres.sh url            print the URL of the running cluster
#   scripts/postgres.sh status         exit 0 when running (prints pid and URL)
#
# Files: $DAMSON_RUN/postgres.{pid,url,log,data}
# No TCP listener: only the unix socket in the cluster's directory (mode 0700), with `trust`
# authentication, so only the cluster's owner (and root) can connect. As root, initdb and the
# server run as the `postgres` system user (initdb refuses root); $DAMSON_RUN is then made
# traversable (o+x, not readable) so that user can reach its directory.
# DAMSON_POSTGRES_DURABLE=0: fsync, full-page writes and synchronous commit off, for throwaway
# test clusters (a crash of the machine loses the data; nothing else changes). Default 1: as
# deployed.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PG_BIN="${DAMSON_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
PIDFILE="$DAMSON_RUN/postgres.pid"
URLFILE="$DAMSON_RUN/postgres.url"
LOGFILE="$DAMSON_RUN/postgres.log"
DATAFILE="$DAMSON_RUN/postgres.data"
START_TIMEOUT="${DAMSON_POSTGRES_TIMEOUT:-30}"

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

installed_ok() { [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/postgres" ]]; }

cmd_install() {
  if installed_ok; then
    log "postgresql already at $PG_BIN"
    return 0
  fi
  apt_install postgresql
  installed_ok || die "installed postgresql but $PG_BIN/postgres is missing"
}

# as_owner CMD...: run CMD as the cluster's owner (the postgres system user when we are root).
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { pidfile_alive "$PIDFILE" postgres; }

url_for() { printf 'postgres://postgres@/postgres?host=%s\n' "$1"; }

cmd_start() {
  local keep="${1:-}" dir port pid
  ensure_run_dir
  if running; then
    log "postgres already running (pid $(read_pid "$PIDFILE"))"
    cat "$URLFILE"
    return 0
  fi
  installed_ok || cmd_install
  cmd_stop 2>/dev/null # clear leftovers of a cluster that died
  if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres system user (install the postgresql package)"
    chmod o+x "$DAMSON_RUN"
  fi
  if [[ -n "$keep" ]]; then
    dir="$keep"
    mkdir -p "$dir"
  else
    dir="$(mktemp -d "$DAMSON_RUN/postgres.XXXXXX")"
  fi
  [[ "$(id -u)" -eq 0 ]] && chown postgres: "$dir"
  chmod 0700 "$dir"
  printf '%s\n' "$dir" >"$DATAFILE"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >>"$LOGFILE" 2>&1 || die "initdb failed (see $LOGFILE)"
  fi
  # The port only names the socket file; a free TCP port keeps it unique anyway.
  port="$(free_port)"
  local durable=()
  if [[ "${DAMSON_POSTGRES_DURABLE:-1}" == "0" ]]; then
    durable=(-c fsync=off -c full_page_writes=off -c synchronous_commit=off)
  fi
  local run_as=()
  # setpriv execs (runuser would stay as a parent), so the pidfile holds the postmaster itself.
  [[ "$(id -u)" -eq 0 ]] && run_as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1"; log="$2"; shift 2; exec "$@" >>"$log" 2>&1' _ "$PIDFILE" \
    "$LOGFILE.server" "${run_as[@]}" \
    "$PG_BIN/postgres" -D "$dir/data" -p "$port" -c listen_addresses= \
    -c unix_socket_directories="$dir" -c unix_socket_permissions=0700 \
    -c max_connections=200 "${durable[@]}" </dev/null >/dev/null 2>&1 &
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    pid="$(read_pid "$PIDFILE")"
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGFILE.server" >&2 || true
      rm -f "$PIDFILE"
      die "postgres exited during start-up (see $LOGFILE.server)"
    fi
    if [[ -n "$pid" ]] && as_owner "$PG_BIN/pg_isready" -q -h "$dir" -p "$port"; then
      url_for "$dir" | sed "s/\$/\&port=$port/" >"$URLFILE"
      log "postgres is up (pid $pid, socket $dir/.s.PGSQL.$port)"
      cat "$URLFILE"
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$LOGFILE.server" >&2 || true
  cmd_stop
  die "postgres did not start within ${START_TIMEOUT}s (see $LOGFILE.server)"
}

cmd_stop() {
  # SIGINT is PostgreSQL's "fast" shutdown: sessions are ended, the cluster is checkpointed.
  local pid
  pid="$(read_pid "$PIDFILE")"
  if [[ -n "$pid" ]] && pid_matches "$pid" postgres; then
    log "stopping postgres (pid $pid)"
    kill -INT "$pid" 2>/dev/null || true
    wait_until 15 "postgres to stop" bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$URLFILE"
  if [[ -f "$DATAFILE" ]]; then
    local dir
    dir="$(cat "$DATAFILE")"
    # Only ever remove a cluster directory this script created.
    if [[ "$dir" == "$DAMSON_RUN"/postgres.* && -d "$dir" ]]; then
      rm -rf "$dir"
    fi
    rm -f "$DATAFILE"
  fi
}

cmd_url() {
  running || die "postgres is not running (start it with: $0 start)"
  cat "$URLFILE"
}

cmd_status() {
  if running; then
    echo "postgres running, pid $(read_pid "$PIDFILE"), url $(cat "$URLFILE" 2>/dev/null || echo '?')"
  else
    echo "postgres not running"
    return 1
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop ;;
  url) cmd_url ;;
  status) cmd_status ;;
  *) usage ;;
esac
