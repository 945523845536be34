#!/usr/bin/env bash
# A private nginx instance for Damson's tests (never touches the system nginx service).
#
# Usage:
#   scripts/nginx.sh install              apt-get install nginx (skipped if present)
#   scripts/nginx.sh start CONF [NAME]    test CONF, then start nginx with it; returns once it listens
#   scripts/nginx.sh stop [NAME]          stop the instance started by `start` (pid from its pidfile)
#   scripts/nginx.sh reload [NAME]        re-read CONF (SIGHUP)
#   scripts/nginx.sh status [NAME]        exit 0 when running (prints pid and prefix)
#
# Each instance (NAME defaults to "nginx") has the prefix $DAMSON_RUN/NAME/: relative paths in CONF
# are resolved against it; its pid file (nginx.pid), error.log, logs/ and tmp/ (for *_temp_path) live there.
# CONF must not contain the `pid` or `daemon` directives (the script sets the pid file; nginx
# runs as a daemon). It may use any ports; as root it may also set `user`.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

instance() { # NAME -> sets PREFIX, PIDFILE
  local name="${1:-nginx}"
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad instance name: $name"
  PREFIX="$DAMSON_RUN/$name"
  PIDFILE="$PREFIX/nginx.pid"
}

cmd_install() {
  apt_install nginx
}

cmd_start() {
  local conf="${1:-}"
  [[ -n "$conf" ]] || usage
  [[ -f "$conf" ]] || die "no such config file: $conf"
  conf="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")"
  instance "${2:-}"
  [[ -x "$NGINX_BIN" ]] || cmd_install
  if pidfile_alive "$PIDFILE" nginx; then
    log "nginx instance $PREFIX already running (pid $(read_pid "$PIDFILE")); use reload or stop"
    return 0
  fi
  if grep -Eq '^[[:space:]]*(pid|daemon)[[:space:]]' "$conf"; then
    die "$conf sets 'pid' or 'daemon'; remove them (this script manages both)"
  fi
  mkdir -p "$PREFIX/logs" "$PREFIX/tmp"
  rm -f "$PIDFILE"
  local args=(-p "$PREFIX/" -c "$conf" -e "$PREFIX/error.log" -g "pid $PIDFILE;")
  local out
  out="$("$NGINX_BIN" -t -q "${args[@]}" 2>&1)" || die "nginx rejects $conf: $out"
  log "starting nginx with $conf (prefix $PREFIX)"
  # In daemon mode the nginx command returns after the listening sockets are bound;
  # the master process then writes the pid file.
  out="$("$NGINX_BIN" "${args[@]}" 2>&1)" || die "nginx failed to start: $out"
  if ! wait_until 15 "nginx pid file $PIDFILE" pidfile_alive "$PIDFILE" nginx; then
    tail -n 20 "$PREFIX/error.log" >&2 || true
    die "nginx did not start (see $PREFIX/error.log)"
  fi
  log "nginx is up (pid $(read_pid "$PIDFILE"))"
}

cmd_stop() {
  instance "${1:-}"
  stop_pidfile "$PIDFILE" nginx 15
}

cmd_reload() {
  instance "${1:-}"
  pidfile_alive "$PIDFILE" nginx || die "nginx instance $PREFIX is not running"
  kill -HUP "$(read_pid "$PIDFILE")"
}

cmd_status() {
  instance "${1:-}"
  if pidfile_alive "$PIDFILE" nginx; then
    echo "nginx running, pid $(read_pid "$PIDFILE"), prefix $PREFIX"
  else
    echo "nginx ($PREFIX) not running"
    return 1
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start "${2:-}" "${3:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  reload) cmd_reload "${2:-}" ;;
  status) cmd_status "${2:-}" ;;
  *) usage ;;
esac
