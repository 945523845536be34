#!/usr/bin/env bash
# Debian's Chromium for headless browser tests and screenshots.
#
# Usage:
#   scripts/chromium.sh install   apt-get install chromium and a text font (skipped if present);
#                                 prints the executable's path (/usr/bin/chromium)
#   scripts/chromium.sh path      print the executable's path (exit 1 if not installed)
#
# Headless use as root needs --no-sandbox, e.g.
#   chromium --headless --no-sandbox --disable-gpu --screenshot=out.png --window-size=1280,800 URL
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

CHROMIUM_BIN=/usr/bin/chromium

usage() {
  print_usage "${BASH_SOURCE[0]}"
  exit 2
}

cmd_install() {
  # Without recommends no font comes along and pages render text as boxes.
  apt_install chromium fonts-liberation fonts-dejavu-core
  cmd_path
}

cmd_path() {
  [[ -x "$CHROMIUM_BIN" ]] || die "chromium is not installed (run: $0 install)"
  printf '%s\n' "$CHROMIUM_BIN"
}

case "${1:-}" in
  install) cmd_install ;;
  path) cmd_path ;;
  *) usage ;;
esac
