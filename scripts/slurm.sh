#!/usr/bin/env bash
# Single-node SLURM (Debian slurm-wlm 22.05 + munge) for Damson's tests, as root, without systemd.
#
# Usage:
#   scripts/slurm.sh install   apt-get install slurm-wlm munge (skipped if present)
#   scripts/slurm.sh start     write slurm.conf, start munged, slurmctld, slurmd; wait for the node to be idle
#   scripts/slurm.sh stop      stop the daemons this script started (pids from pidfiles)
#   scripts/slurm.sh status    show the daemons' pids and `sinfo`; exit 1 if not all running
#   scripts/slurm.sh env       print `export ...` lines for clients (eval "$(scripts/slurm.sh env)")
#
# Files: config $SLURM_CONF (default /etc/slurm/slurm.conf, rewritten on each start);
#        state, spool, logs, pidfiles and the job completion log under $DAMSON_RUN/slurm.
# Tunables: DAMSON_SLURM_MINJOBAGE (s a finished job stays visible to squeue/scontrol, default 120),
#           DAMSON_SLURM_TIMEOUT (start-up wait, default 60 s),
#           DAMSON_SLURM_SCHED_PARAMS (SchedulerParameters, default batch_sched_delay=0),
#           DAMSON_SLURM_CPUS (the node's CPUs, default the larger of nproc and 16).
# Each start is a cold start (slurmctld -c: jobs of an earlier run are dropped; job ids go on
# from the last one). `stop` cancels any jobs still queued or running, then stops the daemons.
# Finished jobs' exit codes: `scontrol show job ID` until MinJobAge expires; afterwards
# `sacct -c -j ID` (reads the jobcomp/filetxt log; full sacct accounting needs slurmdbd, not set up).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SLURM_CONF="${SLURM_CONF:-/etc/slurm/slurm.conf}"
export SLURM_CONF
SDIR="$DAMSON_RUN/slurm"
MUNGE_PIDFILE="$SDIR/munged.pid"
CTLD_PIDFILE="$SDIR/slurmctld.pid"
SLURMD_PIDFILE="$SDIR/slurmd.pid"
JOBCOMP_LOG="$SDIR/jobcomp.txt"
MUNGE_SOCKET="/run/munge/munge.socket.2"
MUNGE_KEY="/etc/munge/munge.key"
MINJOBAGE="${DAMSON_SLURM_MINJOBAGE:-120}"
START_TIMEOUT="${DAMSON_SLURM_TIMEOUT:-60}"
MARKER="# Managed by Damson scripts/slurm.sh"

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

cmd_install() {
  apt_install munge slurm-wlm
}

munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

ensure_munge_key() {
  if [[ ! -s "$MUNGE_KEY" ]]; then
    log "creating munge key $MUNGE_KEY"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$MUNGE_KEY" --force
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
  fi
  chown munge:munge /etc/munge "$MUNGE_KEY"
  chmod 0700 /etc/munge
  chmod 0400 "$MUNGE_KEY"
}

start_munge() {
  if pidfile_alive "$MUNGE_PIDFILE" munged; then
    log "munged already running (pid $(read_pid "$MUNGE_PIDFILE"))"
    return 0
  fi
  if munge_works; then
    # A munged we did not start is serving the default socket: use it, never stop it.
    log "using an already running munged (not started by this script)"
    rm -f "$MUNGE_PIDFILE"
    return 0
  fi
  ensure_munge_key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  rm -f /run/munge/munged.pid
  log "starting munged"
  # --force: start even if a stale socket is left over from a killed munged.
  runuser -u munge -- /usr/sbin/munged --force ||
    die "munged failed to start (see /var/log/munge/munged.log)"
  wait_until 10 "munged pidfile" test -s /run/munge/munged.pid || die "munged wrote no pidfile"
  cp /run/munge/munged.pid "$MUNGE_PIDFILE"
  wait_until 10 "munge credentials" munge_works || die "munged is not answering on $MUNGE_SOCKET"
}

write_conf() {
  local host cpus
  host="$(hostname -s)"
  # At least 16 CPUs (slurmd is told to trust slurm.conf): tests run several sleeping jobs at once.
  cpus="${DAMSON_SLURM_CPUS:-$(($(nproc) > 16 ? $(nproc) : 16))}"
  [[ -n "$host" ]] || die "hostname -s is empty"
  if [[ -f "$SLURM_CONF" ]] && ! grep -qF "$MARKER" "$SLURM_CONF"; then
    log "backing up existing $SLURM_CONF to $SLURM_CONF.damson-bak"
    cp -p "$SLURM_CONF" "$SLURM_CONF.damson-bak"
  fi
  mkdir -p "$(dirname "$SLURM_CONF")"
  cat >"$SLURM_CONF.tmp" <<EOF
$MARKER -- rewritten on every start; edit the script, not this file.
ClusterName=damson
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$CTLD_PIDFILE
SlurmdPidFile=$SLURMD_PIDFILE
SlurmdSpoolDir=$SDIR/slurmd
StateSaveLocation=$SDIR/slurmctld
SlurmctldLogFile=$SDIR/slurmctld.log
SlurmdLogFile=$SDIR/slurmd.log
SchedulerType=sched/backfill
# Default batch_sched_delay=3 makes queued jobs wait up to 3 s for each scheduling pass.
SchedulerParameters=${DAMSON_SLURM_SCHED_PARAMS:-batch_sched_delay=0}
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP_LOG
MinJobAge=$MINJOBAGE
KillWait=2
InactiveLimit=0
Waittime=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv -f "$SLURM_CONF.tmp" "$SLURM_CONF"
  chmod 0644 "$SLURM_CONF"
}

no_jobs() { [[ -z "$(squeue -h -o '%i' 2>/dev/null)" ]]; }

node_idle() {
  local state
  state="$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1)"
  [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]]
}

start_daemon() { # NAME PIDFILE CMD...
  local name="$1" pidfile="$2"
  shift 2
  if pidfile_alive "$pidfile" "$name"; then
    log "$name already running (pid $(read_pid "$pidfile"))"
    return 0
  fi
  rm -f "$pidfile"
  log "starting $name"
  "$@" || die "$name failed to start (see $SDIR/$name.log)"
  wait_until 15 "$name pidfile" pidfile_alive "$pidfile" "$name" || {
    tail -n 20 "$SDIR/$name.log" >&2 || true
    die "$name did not start (see $SDIR/$name.log)"
  }
}

cmd_start() {
  need_root
  if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    cmd_install
  fi
  mkdir -p "$SDIR/slurmd" "$SDIR/slurmctld"
  local fresh=0
  pidfile_alive "$CTLD_PIDFILE" slurmctld || fresh=1
  if ((fresh)); then
    write_conf
  fi
  start_munge
  if ((fresh)); then
    # -c: cold start, discard jobs saved by an earlier run; -i: ignore state-file errors.
    start_daemon slurmctld "$CTLD_PIDFILE" slurmctld -c -i
  else
    log "slurmctld already running (pid $(read_pid "$CTLD_PIDFILE"))"
  fi
  start_daemon slurmd "$SLURMD_PIDFILE" slurmd
  if ! wait_until "$START_TIMEOUT" "node to become idle in sinfo" node_idle; then
    sinfo -N -l >&2 || true
    die "SLURM node not idle after ${START_TIMEOUT}s (logs in $SDIR)"
  fi
  log "SLURM is up: $(sinfo -h -N -o '%N %T %c CPUs' | head -n 1)"
}

cmd_stop() {
  # Cancel the jobs of this (test-only) cluster first, so no job processes outlive slurmd.
  if pidfile_alive "$CTLD_PIDFILE" slurmctld && pidfile_alive "$SLURMD_PIDFILE" slurmd; then
    local jobs
    jobs="$(squeue -h -o '%i' 2>/dev/null | tr '\n' ' ')"
    if [[ -n "${jobs// /}" ]]; then
      log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      wait_until 15 "cancelled jobs to end" no_jobs || true
    fi
  fi
  stop_pidfile "$SLURMD_PIDFILE" slurmd 20
  stop_pidfile "$CTLD_PIDFILE" slurmctld 20
  stop_pidfile "$MUNGE_PIDFILE" munged 10
}

cmd_status() {
  local ok=0 name pidfile
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) pidfile="$MUNGE_PIDFILE" ;;
      slurmctld) pidfile="$CTLD_PIDFILE" ;;
      slurmd) pidfile="$SLURMD_PIDFILE" ;;
    esac
    if pidfile_alive "$pidfile" "$name"; then
      echo "$name running, pid $(read_pid "$pidfile")"
    elif [[ "$name" == munged ]] && munge_works; then
      echo "munged running (not started by this script)"
    else
      echo "$name not running"
      ok=1
    fi
  done
  if ((ok == 0)); then
    sinfo -N || ok=1
  fi
  return "$ok"
}

cmd_env() {
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) usage ;;
esac
