#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capsetd.socket and the generated capsetd.service pass `systemd-analyze verify` with nothing
# on stderr, and the service's exposure (`systemd-analyze security --offline=yes`) stays at
# or below 2.0. ExecStart is pointed at the built binary so that verify can check it.
#   capsetd_units_test.sh CAPSETD_SERVICE CAPSETD_SOCKET CAPSETD_BINARY
set -euo pipefail
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=.*|ExecStart=$3|" "$1" >"$work/capsetd.service"
cp "$2" "$work/capsetd.socket"
grep -q '^AmbientCapabilities=CAP_FOWNER CAP_SETFCAP$' "$work/capsetd.service" ||
  { echo "FAIL: capsetd.service lacks the capabilities generated from capsetd.yaml" >&2; exit 1; }
err=$(cd "$work" && systemd-analyze verify --man=no ./capsetd.socket ./capsetd.service 2>&1) ||
  { echo "FAIL: systemd-analyze verify: $err" >&2; exit 1; }
[[ -z $err ]] || { echo "FAIL: systemd-analyze verify printed: $err" >&2; exit 1; }
exposure=$(cd "$work" && systemd-analyze security --offline=yes --no-pager ./capsetd.service |
  sed -n 's/.*Overall exposure level for capsetd.service: \([0-9.]*\).*/\1/p')
echo "capsetd.service: verify clean, exposure $exposure"
[[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
  { echo "FAIL: exposure '$exposure' above 2.0" >&2; exit 1; }
