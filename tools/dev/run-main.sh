#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: capset's main job on this machine, read-only. Installs what the build
# needs (tools/dev/setup.sh), builds capctl alone, and audits the host: every set-user-ID and
# set-group-ID program and every file capability, against the policy; for the programs capset
# knows, the capabilities that replace set-user-ID root (or why none can), with their
# sources; then the policy capset would write for them; then its services (capctl audit
# --services: live from systemd, or from the unit files where systemd is not running): which
# run as root, their exposure, and what would take their root away. Nothing is changed.
#   tools/dev/run-main.sh [--json] [DIR...]     (the arguments go to capctl audit)
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/dev/setup.sh >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target capctl >&2
capctl=build/tools/capctl/capctl
rc=0
echo "== capctl audit $*: what runs with privilege, and what capset would replace" >&2
"$capctl" audit "$@" || rc=$?
[[ " $* " == *" --json "* ]] && exit "$rc"
echo >&2
echo "== capctl audit --policy-out -: the policy capset would write (review it, install it as" >&2
echo "   /etc/capset/policy.d/NAME.yaml, then 'capctl policy apply')" >&2
"$capctl" audit --policy-out - "$@" 2>/dev/null | sed -n '/^#/!p' || true
echo >&2
services=(--services --templates unit-templates)
if [[ ! -d /run/systemd/system ]]; then
  services+=(--root /)  # no systemd running here: its unit files
fi
echo "== capctl audit ${services[*]}: the services that run as root, their exposure" >&2
echo "   (systemd-analyze security's), and what would take their root away" >&2
"$capctl" audit "${services[@]}" || rc=$?
exit "$rc"
