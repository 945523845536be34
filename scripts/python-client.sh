#!/usr/bin/env bash
# slivka's Python client (slivka-client from PyPI) in a virtualenv, for the acceptance test
# test/acceptance/slivka-client.test.ts, which uses the same venv path.
#
# Usage:
#   scripts/python-client.sh install   apt-get python3-venv (if missing), then create the venv and
#                                      pip install slivka-client==1.2.1b1 into it (skipped if present)
#   scripts/python-client.sh path      print the venv directory
#
# Files: $DAMSON_CACHE/slivka-client-1.2.1b1/venv  (DAMSON_CACHE defaults to ~/.cache/damson)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

CLIENT_SPEC="slivka-client==1.2.1b1"
VENV="$DAMSON_CACHE/slivka-client-1.2.1b1/venv"

install() {
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv
  fi
  if [[ -x "$VENV/bin/slivka-cli" ]] && "$VENV/bin/python" -c 'import slivka_client' 2>/dev/null; then
    log "already installed: $CLIENT_SPEC in $VENV"
    return 0
  fi
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$CLIENT_SPEC"
  log "installed $CLIENT_SPEC in $VENV"
}

case "${1:-}" in
  install) install ;;
  path) echo "$VENV" ;;
  *) die "usage: $0 install|path" ;;
esac
