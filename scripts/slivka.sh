#!/usr/bin/env bash
# slivka itself (slivka==0.8.5b7 from PyPI) in a virtualenv, for the differential tests in
# test/unit/slivka-differential.test.ts, which compare how slivka and Damson read service files,
# validate submissions and build command lines. Only slivka's Python modules are used: no slivka
# server, scheduler or MongoDB is started.
#
# Usage:
#   scripts/slivka.sh install   apt-get python3-venv (if missing), then create the venv and
#                               pip install slivka==0.8.5b7 into it (skipped if present)
#   scripts/slivka.sh install-gunicorn
#                               install, then pip install gunicorn==23.0.0 into the same venv
#   scripts/slivka.sh path      print the venv directory
#
# Files: $DAMSON_CACHE/slivka-0.8.5b7/venv  (DAMSON_CACHE defaults to ~/.cache/damson)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SLIVKA_SPEC="slivka==0.8.5b7"
GUNICORN_SPEC="gunicorn==23.0.0"
VENV="$DAMSON_CACHE/slivka-0.8.5b7/venv"

install() {
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv
  fi
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import slivka, yaml' 2>/dev/null; then
    log "already installed: $SLIVKA_SPEC in $VENV"
    return 0
  fi
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SLIVKA_SPEC"
  log "installed $SLIVKA_SPEC in $VENV"
}

install_gunicorn() {
  install
  if [[ -x "$VENV/bin/gunicorn" ]] && "$VENV/bin/python" -c 'import gunicorn' 2>/dev/null; then
    log "already installed: gunicorn in $VENV"
    return 0
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$GUNICORN_SPEC"
  log "installed $GUNICORN_SPEC in $VENV"
}

case "${1:-}" in
  install) install ;;
  install-gunicorn) install_gunicorn ;;
  path) echo "$VENV" ;;
  *) die "usage: $0 install|install-gunicorn|path" ;;
esac
