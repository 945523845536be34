#!/usr/bin/env bash
# Single-node Grid Engine (Debian gridengine 8.1.9) for Damson's tests, as root, without systemd.
#
# Usage:
#   scripts/gridengine.sh install   preseed debconf; apt-get install gridengine-{master,exec,client}
#   scripts/gridengine.sh start     start sge_qmaster, configure (root jobs, fast scheduling, queue
#                                   all.q with one slot per CPU, immediate accounting), start sge_execd,
#                                   wait until the queue instance is usable
#   scripts/gridengine.sh stop      delete all jobs, stop the daemons this script started (by pid)
#   scripts/gridengine.sh status    show pids and `qstat -f`; exit 1 if not all running
#   scripts/gridengine.sh env       print `export ...` lines for clients: eval "$(scripts/gridengine.sh env)"
#
# Files: copies of the daemons' pids under $DAMSON_RUN/gridengine; the cell is
# $SGE_ROOT/$SGE_CELL (default /var/lib/gridengine/default), the spool /var/spool/gridengine.
# Exit codes of finished jobs: `qacct -j ID` (accounting is flushed at once, so it works as soon as
# the job has left `qstat`). DAMSON_GE_TIMEOUT: start-up wait in seconds (default 60);
# DAMSON_GE_SLOTS: the queue's slots (default the larger of nproc and 16: tests run several
# sleeping jobs at once).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SGE_ROOT="${SGE_ROOT:-/var/lib/gridengine}"
SGE_CELL="${SGE_CELL:-default}"
export SGE_ROOT SGE_CELL
COMMON="$SGE_ROOT/$SGE_CELL/common"
GDIR="$DAMSON_RUN/gridengine"
QMASTER_PIDFILE="$GDIR/qmaster.pid"
EXECD_PIDFILE="$GDIR/execd.pid"
START_TIMEOUT="${DAMSON_GE_TIMEOUT:-60}"
QUEUE="all.q"

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

# Answers for the packages' debconf questions, so that installing them sets up the cell.
cmd_preseed() {
  if ! is_installed gridengine-master || ! is_installed gridengine-exec || ! is_installed gridengine-client; then
    need_root
    log "preseeding debconf for gridengine (cell 'default', automatic configuration)"
    debconf-set-selections <<'EOF'
gridengine-common shared/gridenginecell string default
gridengine-common shared/gridengineconfig boolean true
gridengine-client shared/gridenginemaster string localhost
EOF
  fi
}

cmd_install() {
  cmd_preseed
  apt_install gridengine-master gridengine-exec gridengine-client
  [[ -f "$COMMON/bootstrap" ]] ||
    die "$COMMON/bootstrap is missing: the package did not set up the cell (dpkg-reconfigure gridengine-master?)"
}

bootstrap_value() { awk -v k="$1" '$1 == k { print $2 }' "$COMMON/bootstrap"; }

# The name Grid Engine itself resolves for this host (what qstat shows in all.q@HOST).
sge_host() {
  local arch h=""
  arch="$("$SGE_ROOT/util/arch" 2>/dev/null || echo lx-amd64)"
  if [[ -x "$SGE_ROOT/utilbin/$arch/gethostname" ]]; then
    h="$("$SGE_ROOT/utilbin/$arch/gethostname" -name 2>/dev/null || true)"
  fi
  [[ -n "$h" ]] || h="$(hostname)"
  printf '%s\n' "$h"
}

qmaster_up() { qconf -sh >/dev/null 2>&1; }

start_qmaster() {
  local host="$1" spool pid
  if pidfile_alive "$QMASTER_PIDFILE" sge_qmaster; then
    log "sge_qmaster already running (pid $(read_pid "$QMASTER_PIDFILE"))"
    return 0
  fi
  spool="$(bootstrap_value qmaster_spool_dir)"
  [[ -n "$spool" ]] || die "no qmaster_spool_dir in $COMMON/bootstrap"
  pid="$(read_pid "$spool/qmaster.pid")"
  if pid_matches "$pid" sge_qmaster; then
    die "an sge_qmaster not started by this script is running (pid $pid); stop it first"
  fi
  # Where 127.0.0.1 resolves back to "localhost", qmaster sees local clients as "localhost" and
  # refuses them ("client IP resolved to host name localhost. This is not identical to clients
  # host name"), unless that is an alias of the host name.
  printf '%s\n' "$host" >"$COMMON/act_qmaster"
  if [[ "$host" != localhost ]]; then
    printf '%s localhost\n' "$host" >"$COMMON/host_aliases"
  fi
  chown sgeadmin:sgeadmin "$COMMON/act_qmaster" "$COMMON/host_aliases" 2>/dev/null || true
  rm -f "$spool/qmaster.pid"
  log "starting sge_qmaster (master host $host)"
  /usr/sbin/sge_qmaster || die "sge_qmaster failed to start (see $spool/messages)"
  wait_until 30 "sge_qmaster pidfile" test -s "$spool/qmaster.pid" || die "sge_qmaster wrote no pidfile"
  cp "$spool/qmaster.pid" "$QMASTER_PIDFILE"
  if ! wait_until "$START_TIMEOUT" "sge_qmaster to answer qconf" qmaster_up; then
    tail -n 20 "$spool/messages" >&2 || true
    die "sge_qmaster is not answering (see $spool/messages)"
  fi
}

# qconf_quiet ARGS...: run qconf, show its chatter only when it fails.
qconf_quiet() {
  local out
  out="$(qconf "$@" 2>&1)" || die "qconf $* failed: $out"
}

# Join continuation lines ("...\" + indented next line) so each attribute is one line.
join_lines() { sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta'; }

configure() {
  local host="$1" tmp
  tmp="$(mktemp -d "$GDIR/conf.XXXXXX")"
  # Global configuration: allow root's jobs (default min_uid/min_gid 1000) and write the
  # accounting file at once so that qacct sees a job as soon as it has finished.
  qconf -sconf global | join_lines | sed \
    -e 's/^min_uid .*/min_uid 0/' \
    -e 's/^min_gid .*/min_gid 0/' \
    -e 's/^reporting_params .*/reporting_params accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00/' \
    >"$tmp/global" # qconf -Mconf needs the file to be named after the configuration
  qconf_quiet -Mconf "$tmp/global"
  # Scheduler: run every second and on each submit/finish (default is every 15 s).
  qconf -ssconf | join_lines | sed \
    -e 's/^schedule_interval .*/schedule_interval 0:0:1/' \
    -e 's/^flush_submit_sec .*/flush_submit_sec 1/' \
    -e 's/^flush_finish_sec .*/flush_finish_sec 1/' \
    >"$tmp/sconf"
  qconf_quiet -Msconf "$tmp/sconf"
  # This host may submit jobs.
  if ! qconf -ss 2>/dev/null | grep -qxF "$host"; then
    qconf_quiet -as "$host"
  fi
  # One cluster queue on this host, one slot per CPU; no load thresholds (a busy 2-core test
  # machine would otherwise put the queue into alarm state and stop scheduling).
  cat >"$tmp/$QUEUE" <<EOF
qname                 $QUEUE
hostlist              $host
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               NONE
rerun                 FALSE
slots                 ${DAMSON_GE_SLOTS:-$(($(nproc) > 16 ? $(nproc) : 16))}
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
  if qconf -sql 2>/dev/null | grep -qxF "$QUEUE"; then
    qconf_quiet -Mq "$tmp/$QUEUE"
  else
    qconf_quiet -Aq "$tmp/$QUEUE"
  fi
  rm -rf "$tmp"
}

# execd writes its pid into <execd_spool_dir>/<name it resolves for itself>/execd.pid.
find_execd_pid() {
  local spool f pid
  spool="$(qconf -sconf global 2>/dev/null | awk '$1 == "execd_spool_dir" { print $2 }')"
  [[ -n "$spool" ]] || spool=/var/spool/gridengine/execd
  for f in "$spool"/*/execd.pid; do
    [[ -f "$f" ]] || continue
    pid="$(read_pid "$f")"
    if pid_matches "$pid" sge_execd; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 1
}

start_execd() {
  local pid
  if pidfile_alive "$EXECD_PIDFILE" sge_execd; then
    log "sge_execd already running (pid $(read_pid "$EXECD_PIDFILE"))"
    return 0
  fi
  if pid="$(find_execd_pid)"; then
    die "an sge_execd not started by this script is running (pid $pid); stop it first"
  fi
  log "starting sge_execd"
  /usr/sbin/sge_execd || die "sge_execd failed to start"
  wait_until 30 "sge_execd pidfile" find_execd_pid || die "sge_execd did not start"
  find_execd_pid >"$EXECD_PIDFILE"
}

# The queue instance is usable when it exists and shows no state flags (u = execd not yet
# reported, E = error, a = alarm, d = disabled, ...).
queue_ready() {
  local line
  line="$(qstat -f -q "$QUEUE" 2>/dev/null | awk -v q="$QUEUE@" 'index($1, q) == 1 { print; exit }')"
  [[ -n "$line" ]] || return 1
  # columns: queuename qtype resv/used/tot. load_avg arch [states]
  [[ "$(awk '{ print NF }' <<<"$line")" -le 5 ]]
}

cmd_start() {
  need_root
  if ! command -v sge_qmaster >/dev/null 2>&1 && [[ ! -x /usr/sbin/sge_qmaster ]]; then
    cmd_install
  fi
  [[ -f "$COMMON/bootstrap" ]] || cmd_install
  mkdir -p "$GDIR"
  local host
  host="$(sge_host)"
  start_qmaster "$host"
  configure "$host"
  start_execd
  qmod -cq "$QUEUE" >/dev/null 2>&1 || true # clear a left-over error state
  if ! wait_until "$START_TIMEOUT" "queue $QUEUE@$host to become usable" queue_ready; then
    qstat -f >&2 || true
    die "queue $QUEUE is not usable after ${START_TIMEOUT}s"
  fi
  log "Grid Engine is up: $(qstat -f -q "$QUEUE" | awk -v q="$QUEUE@" 'index($1, q) == 1 { print $1, "slots " $3 }')"
}

no_jobs() { [[ -z "$(qstat -u '*' 2>/dev/null)" ]]; }

cmd_stop() {
  if pidfile_alive "$QMASTER_PIDFILE" sge_qmaster && ! no_jobs; then
    local jobs
    jobs="$(qstat -u '*' 2>/dev/null | awk 'NR > 2 { print $1 }' | sort -u | tr '\n' ' ')"
    if [[ -n "${jobs// /}" ]]; then
      log "deleting jobs: $jobs"
      # shellcheck disable=SC2086
      qdel -f $jobs >/dev/null 2>&1 || true
      wait_until 20 "deleted jobs to end" no_jobs || true
    fi
  fi
  stop_pidfile "$EXECD_PIDFILE" sge_execd 20
  stop_pidfile "$QMASTER_PIDFILE" sge_qmaster 30
}

cmd_status() {
  local ok=0
  if pidfile_alive "$QMASTER_PIDFILE" sge_qmaster; then
    echo "sge_qmaster running, pid $(read_pid "$QMASTER_PIDFILE")"
  else
    echo "sge_qmaster not running"
    ok=1
  fi
  if pidfile_alive "$EXECD_PIDFILE" sge_execd; then
    echo "sge_execd running, pid $(read_pid "$EXECD_PIDFILE")"
  else
    echo "sge_execd not running"
    ok=1
  fi
  if ((ok == 0)); then
    qstat -f || ok=1
  fi
  return "$ok"
}

cmd_env() {
  local bindir
  bindir="$(dirname "$(command -v qsub 2>/dev/null || echo /usr/bin/qsub)")"
  printf 'export SGE_ROOT=%q\n' "$SGE_ROOT"
  printf 'export SGE_CELL=%q\n' "$SGE_CELL"
  case ":$PATH:" in
    *":$bindir:"*) printf 'export PATH=%q\n' "$PATH" ;;
    *) printf 'export PATH=%q\n' "$bindir:$PATH" ;;
  esac
}

case "${1:-}" in
  install) cmd_install ;;
  preseed) cmd_preseed ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) usage ;;
esac
