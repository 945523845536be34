#!/usr/bin/env bash
# Install everything Damson's test suites need, in one go, on a Debian 12 machine as root.
#
# Usage:
#   scripts/ci-deps.sh [COMPONENT...]    COMPONENT: ferretdb slurm gridengine nginx chromium python-client slivka
#                                        (default: all of them)
#
# Idempotent: packages already installed and a ferretdb binary already built are kept.
# Runs `apt-get update` once, installs all missing Debian packages in a single apt-get call,
# then builds ferretdb (needs Go >= 1.21; about a minute the first time; its PostgreSQL backend comes
# from Debian's `postgresql`). Starts no service:
# use scripts/{ferretdb,slurm,gridengine,nginx}.sh start for that.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$HERE/lib/common.sh"

ALL=(ferretdb slurm gridengine nginx chromium python-client slivka)
components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=("${ALL[@]}")

packages=()
for c in "${components[@]}"; do
  case "$c" in
    ferretdb) packages+=(postgresql) ;; # FerretDB itself is built with Go; its backend is PostgreSQL 15
    slurm) packages+=(munge slurm-wlm) ;;
    gridengine) packages+=(gridengine-master gridengine-exec gridengine-client) ;;
    nginx) packages+=(nginx) ;;
    chromium) packages+=(chromium fonts-liberation fonts-dejavu-core) ;;
    python-client) packages+=(python3 python3-venv) ;;
    slivka) packages+=(python3 python3-venv) ;;
    *) die "unknown component '$c' (known: ${ALL[*]})" ;;
  esac
done

need_root
t0=$SECONDS
step() { log "== $* (t+$((SECONDS - t0))s)"; }

if [[ ${#packages[@]} -gt 0 ]]; then
  missing=()
  for p in "${packages[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    step "Debian packages to install: ${missing[*]}"
    for c in "${components[@]}"; do
      if [[ "$c" == gridengine ]]; then
        "$HERE/gridengine.sh" preseed
      fi
    done
    apt_install "${missing[@]}" # runs apt-get update once first and exports DAMSON_APT_UPDATED=1
  else
    step "Debian packages already installed: ${packages[*]}"
  fi
fi

for c in "${components[@]}"; do
  step "$c"
  case "$c" in
    ferretdb) "$HERE/ferretdb.sh" install ;;
    slurm) "$HERE/slurm.sh" install ;;
    gridengine) "$HERE/gridengine.sh" install ;;
    nginx) "$HERE/nginx.sh" install ;;
    chromium) log "chromium: $("$HERE/chromium.sh" install)" ;;
    python-client) "$HERE/python-client.sh" install ;;
    slivka) "$HERE/slivka.sh" install ;;
  esac
done
step "done"
