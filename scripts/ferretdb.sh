#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol over PostgreSQL, or SQLite) for Damson's tests and benchmarks.
#
# Usage:
#   scripts/ferretdb.sh install        build ferretdb v1.24.2 into $DAMSON_CACHE/bin (skipped if present)
#   scripts/ferretdb.sh start [PORT]   start on 127.0.0.1:PORT (a free port if omitted) over a private
#                                      PostgreSQL cluster (scripts/postgres.sh, same $DAMSON_RUN) in a
#                                      fresh dir; prints mongodb://127.0.0.1:PORT/
#   scripts/ferretdb.sh stop           stop the instance started by `start` and its PostgreSQL (pids
#                                      from the pidfiles)
#   scripts/ferretdb.sh url            print the URL of the running instance
#   scripts/ferretdb.sh status         exit 0 when running (prints pid and URL)
#
# Files: $DAMSON_RUN/ferretdb.{pid,url,log,state}  (DAMSON_RUN defaults to /tmp/damson-run)
# DAMSON_FERRETDB_HANDLER=postgresql (default, FerretDB's own default and how it is deployed) or
# sqlite (FerretDB's SQLite backend in the state dir: no PostgreSQL needed, but every update by _id
# reads the whole collection, so it only suits small smoke runs).
# DAMSON_FERRETDB_STATE=DIR: keep the data in DIR (created if absent) instead of a fresh state dir;
# `stop` leaves DIR in place, so a restart with the same DIR and port finds the same data.
#
# Why not a bare `go install ...@v1.24.2`: that builds with FerretDB as the main module but
# without the generated build/version/version.txt, and the binary panics at start-up
# ("Invalid build/version/version.txt file content"). So we build the same module source from
# the Go module cache in a scratch directory, after writing version.txt. No build tags or cgo
# are needed: both backends (pgx, and modernc.org/sqlite in pure Go) are compiled in by default.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
BIN_DIR="$DAMSON_CACHE/bin"
FERRETDB_BIN="$BIN_DIR/ferretdb"
PIDFILE="$DAMSON_RUN/ferretdb.pid"
URLFILE="$DAMSON_RUN/ferretdb.url"
LOGFILE="$DAMSON_RUN/ferretdb.log"
STATEFILE="$DAMSON_RUN/ferretdb.state"
START_TIMEOUT="${DAMSON_FERRETDB_TIMEOUT:-30}"
HANDLER="${DAMSON_FERRETDB_HANDLER:-postgresql}"
POSTGRES_SH="$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

installed_ok() {
  # Read the whole output first: `| grep -q` could close the pipe early, and under pipefail the
  # writer's SIGPIPE made a good binary look wrong (and get rebuilt).
  local reported
  [[ -x "$FERRETDB_BIN" ]] && reported="$("$FERRETDB_BIN" --version 2>/dev/null)" &&
    [[ "$reported" == *"version: $FERRETDB_VERSION"* ]]
}

cmd_install() {
  if installed_ok; then
    log "ferretdb $FERRETDB_VERSION already at $FERRETDB_BIN"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go is not installed (needed to build ferretdb)"
  mkdir -p "$BIN_DIR"
  local work dir
  work="$(mktemp -d "${TMPDIR:-/tmp}/damson-ferretdb-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  log "downloading $FERRETDB_MODULE@$FERRETDB_VERSION via the Go module proxy"
  dir="$(cd "$work" && GO111MODULE=on GOFLAGS='' go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$dir" && -f "$dir/go.mod" ]] || die "go mod download did not give a module directory"
  cp -r "$dir" "$work/src"
  chmod -R u+w "$work/src"
  printf '%s\n' "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"
  log "building ferretdb (takes about a minute on 2 cores)"
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS='' go build -trimpath -buildvcs=false \
    -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) || die "go build of ferretdb failed"
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  installed_ok || die "built $FERRETDB_BIN but it does not report $FERRETDB_VERSION"
  log "installed $FERRETDB_BIN"
}

running() { pidfile_alive "$PIDFILE" ferretdb; }

# backend_args STATE_DIR: the handler's flags (starting PostgreSQL first for that handler).
backend_args() {
  local state="$1" pg_url
  case "$HANDLER" in
    sqlite) printf '%s\n' --handler=sqlite "--sqlite-url=file:$state/" ;;
    postgresql)
      # With a kept state dir the cluster lives inside it, so a restart finds the same data.
      if [[ -n "${DAMSON_FERRETDB_STATE:-}" ]]; then
        pg_url="$("$POSTGRES_SH" start "$state/postgres")"
      else
        pg_url="$("$POSTGRES_SH" start)"
      fi
      printf '%s\n' --handler=postgresql "--postgresql-url=$pg_url"
      ;;
    *) die "DAMSON_FERRETDB_HANDLER must be postgresql or sqlite, not '$HANDLER'" ;;
  esac
}

# try_start PORT STATE_DIR BACKEND_ARG...: launch and wait; returns non-zero if it did not come up.
try_start() {
  local port="$1" state="$2" pid=""
  shift 2
  : >"$LOGFILE"
  rm -f "$PIDFILE"
  # The inner bash records its own pid and execs ferretdb, so the pidfile holds ferretdb's pid
  # even if setsid has to fork.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    "$FERRETDB_BIN" \
    "$@" \
    --state-dir="$state" \
    --listen-addr="127.0.0.1:$port" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=info \
    </dev/null >>"$LOGFILE" 2>&1 &
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    [[ -n "$pid" ]] || pid="$(read_pid "$PIDFILE")"
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "ferretdb exited during start-up; last log lines:"
      tail -n 20 "$LOGFILE" >&2 || true
      rm -f "$PIDFILE"
      return 1
    fi
    if [[ -n "$pid" ]] && grep -q "Listening on TCP" "$LOGFILE" 2>/dev/null && tcp_open 127.0.0.1 "$port"; then
      return 0
    fi
    sleep 0.2
  done
  log "ferretdb did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s; last log lines:"
  tail -n 20 "$LOGFILE" >&2 || true
  [[ -n "$pid" ]] && stop_pidfile "$PIDFILE" ferretdb 5
  return 1
}

cmd_start() {
  local want_port="${1:-}"
  [[ -z "$want_port" || "$want_port" =~ ^[0-9]+$ ]] || die "port must be a number: $want_port"
  ensure_run_dir
  if running; then
    log "ferretdb already running (pid $(read_pid "$PIDFILE"))"
    cat "$URLFILE"
    return 0
  fi
  if [[ -n "$want_port" ]] && tcp_open 127.0.0.1 "$want_port"; then
    die "port $want_port on 127.0.0.1 is already in use"
  fi
  installed_ok || cmd_install
  cmd_stop 2>/dev/null # clear leftovers (stale pidfile, old state dir) of an instance that died
  local state attempts port url
  if [[ -n "${DAMSON_FERRETDB_STATE:-}" ]]; then
    state="$DAMSON_FERRETDB_STATE"
    mkdir -p "$state"
  else
    state="$(mktemp -d "$DAMSON_RUN/ferretdb-state.XXXXXX")"
  fi
  printf '%s\n' "$state" >"$STATEFILE"
  local backend=()
  mapfile -t backend < <(backend_args "$state")
  ((${#backend[@]} > 0)) || die "the $HANDLER backend did not start"
  attempts=1
  [[ -z "$want_port" ]] && attempts=5
  while ((attempts-- > 0)); do
    port="${want_port:-$(free_port)}"
    log "starting ferretdb ($HANDLER) on 127.0.0.1:$port (state $state, log $LOGFILE)"
    if try_start "$port" "$state" "${backend[@]}"; then
      url="mongodb://127.0.0.1:$port/"
      printf '%s\n' "$url" >"$URLFILE"
      log "ferretdb is up (pid $(read_pid "$PIDFILE"))"
      printf '%s\n' "$url"
      return 0
    fi
  done
  cmd_stop
  die "could not start ferretdb (see $LOGFILE)"
}

cmd_stop() {
  stop_pidfile "$PIDFILE" ferretdb 15
  # Whatever the handler now: a cluster left by an earlier start is stopped too.
  "$POSTGRES_SH" stop
  rm -f "$URLFILE"
  if [[ -f "$STATEFILE" ]]; then
    local state
    state="$(cat "$STATEFILE")"
    # Only ever remove a state dir this script created.
    if [[ "$state" == "$DAMSON_RUN"/ferretdb-state.* && -d "$state" ]]; then
      rm -rf "$state"
    fi
    rm -f "$STATEFILE"
  fi
}

cmd_url() {
  running || die "ferretdb is not running (start it with: $0 start)"
  cat "$URLFILE"
}

cmd_status() {
  if running; then
    echo "ferretdb running, pid $(read_pid "$PIDFILE"), url $(cat "$URLFILE" 2>/dev/null || echo '?')"
  else
    echo "ferretdb not running"
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
