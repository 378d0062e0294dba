#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs clang-tidy (.clang-tidy: bugprone-*, performance-* and a few more; every finding is an
# error) on every source file of core/, tools/, capsetd/ and pam_cap/, with the compile
# commands of a Clang build directory. Exits non-zero on any finding.
#   tools/dev/tidy.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: tidy.sh BUILD_DIR (a configured Clang build)}
[[ -f $dir/compile_commands.json ]] || { echo "tidy.sh: no $dir/compile_commands.json" >&2; exit 2; }
src=$(printf '%s' "$PWD" | sed 's/[][\.*^$+?(){}|]/\\&/g')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if run-clang-tidy -p "$dir" -j "$(nproc)" -quiet "^$src/(core|tools|capsetd|pam_cap)/" >"$log" 2>&1; then
  echo "clang-tidy: no findings in $(grep -c '"file"' "$dir/compile_commands.json") compile commands' sources" >&2
else
  grep -E 'error:|warning:' "$log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u >&2 || cat "$log" >&2
  echo "clang-tidy found the problems above (.clang-tidy)" >&2
  exit 1
fi
