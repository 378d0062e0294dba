#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: capset's main job on this machine, read-only. Installs what the build
# needs (tools/dev/setup.sh), builds capctl alone, and audits the host: every set-user-ID and
# set-group-ID program and every file capability, against the policy; for the programs capset
# knows, the capabilities that replace set-user-ID root (or why none can), with their
# sources; then the policy capset would write for them. Nothing on the host is changed.
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
exit "$rc"
