#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: set up, build, and run capset's main job for now — list the file
# capabilities on this machine with capctl get -r (the same lines getcap -r prints).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/dev/build.sh build >&2
roots=()
for d in /usr /opt /srv; do [[ -d $d && ! -L $d ]] && roots+=("$d"); done
echo "capctl get -r ${roots[*]}:" >&2
exec build/tools/capctl/capctl get -r "${roots[@]}"
