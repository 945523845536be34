# shellcheck shell=bash
# Shared helpers for Damson's service scripts (sourced, not executed).
#
# Conventions:
#   DAMSON_RUN    run-time directory for pidfiles, logs and state (default /tmp/damson-run)
#   DAMSON_CACHE  cache directory for downloaded/built tools (default $HOME/.cache/damson)
#   DAMSON_APT_UPDATED=1  skip `apt-get update` (set by ci-deps.sh after running it once)
#
# Every daemon a script starts is recorded in a pidfile under $DAMSON_RUN and only
# those pids are ever signalled.

DAMSON_RUN="${DAMSON_RUN:-/tmp/damson-run}"
DAMSON_CACHE="${DAMSON_CACHE:-${HOME:-/root}/.cache/damson}"
export DAMSON_RUN DAMSON_CACHE

_damson_prog="$(basename "${0:-damson}")"

log() { printf '[%s] %s\n' "$_damson_prog" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$_damson_prog" "$*" >&2
  exit 1
}

# print_usage FILE: print FILE's header comment (from line 2 to the first non-comment line).
print_usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1" >&2
}

need_root() {
  [[ "$(id -u)" -eq 0 ]] || die "must run as root (needs apt-get and system daemons)"
}

ensure_run_dir() { mkdir -p "$DAMSON_RUN"; }

# is_installed PKG: true when the Debian package is fully installed.
is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

# apt_update_once: run `apt-get update` at most once per process tree.
apt_update_once() {
  if [[ "${DAMSON_APT_UPDATED:-0}" != "1" ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
    DAMSON_APT_UPDATED=1
    export DAMSON_APT_UPDATED
  fi
}

# apt_install PKG...: install the packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    is_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "already installed: $*"
    return 0
  fi
  need_root
  apt_update_once
  # Keep maintainer scripts from starting the packages' system services (munge, nginx,
  # gridengine, ...): our scripts start their own instances. Containers usually already have a
  # policy-rc.d that denies this; if not, add one for the duration of the install.
  local policy=/usr/sbin/policy-rc.d added_policy=0 rc=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, added by damson scripts/lib/common.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    added_policy=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >&2 || rc=$?
  if ((added_policy)); then
    rm -f "$policy"
  fi
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# read_pid FILE: print the pid stored in FILE (nothing if absent/invalid).
read_pid() {
  local f="$1" pid=""
  [[ -f "$f" ]] || return 0
  read -r pid <"$f" || true
  [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
  return 0
}

# pid_matches PID NAME: true when PID is alive and its command line mentions NAME
# (guards against signalling a recycled pid that belongs to something else).
pid_matches() {
  local pid="$1" name="$2" cmd
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"$name"* ]]
}

# pidfile_alive FILE NAME: true when FILE holds the pid of a live NAME process.
pidfile_alive() {
  local pid
  pid="$(read_pid "$1")"
  pid_matches "$pid" "$2"
}

# wait_until TIMEOUT_S DESCRIPTION CMD...: poll CMD every 0.2 s until it succeeds.
wait_until() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  log "timed out after ${timeout}s waiting for: $what"
  return 1
}

# stop_pidfile FILE NAME [TIMEOUT_S]: TERM (then KILL) the process recorded in FILE,
# only if it is alive and is NAME. Removes FILE afterwards.
stop_pidfile() {
  local f="$1" name="$2" timeout="${3:-15}" pid
  pid="$(read_pid "$f")"
  if [[ -z "$pid" ]]; then
    rm -f "$f"
    return 0
  fi
  if ! pid_matches "$pid" "$name"; then
    log "$name (pid $pid from $f) is not running"
    rm -f "$f"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$f"
}

# tcp_open HOST PORT: true when something accepts TCP connections there.
tcp_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port i
  if command -v node >/dev/null 2>&1; then
    port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});' 2>/dev/null || true)"
    if [[ "$port" =~ ^[0-9]+$ ]]; then
      printf '%s\n' "$port"
      return 0
    fi
  fi
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 40000))
    if ! tcp_open 127.0.0.1 "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "could not find a free TCP port"
}
