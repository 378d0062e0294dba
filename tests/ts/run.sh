#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Golden tests of capctl's text output, in util-linux's layout: tests/ts/COMPONENT/NAME is a
# bash script, tests/expected/COMPONENT/NAME what it prints (stdout and stderr together, then
# "exit: N"), with its scratch directory shown as SCRATCH and the source tree as SRC.
#   run.sh CAPCTL SOURCE_DIR COMPONENT/NAME [--update]
# A script exits 77 (after saying why on stderr) to be skipped, e.g. without root, when what
# it prints depends on the trust rule (policies in a directory only root can change).
set -euo pipefail
capctl=$(realpath "$1") src=$(realpath "$2") name=$3 mode=${4:-}
script=$src/tests/ts/$name
expected=$src/tests/expected/$name
if [[ $(id -u) -eq 0 && -w /run ]]; then
  scratch=$(mktemp -d -p /run capset-ts.XXXXXX)  # root's alone: files there are trusted
else
  scratch=$(mktemp -d)
fi
trap 'rm -rf "$scratch"' EXIT
chmod 0755 "$scratch"
rc=0
out=$(cd "$scratch" && CAPCTL=$capctl SRC=$src SCRATCH=$scratch bash "$script" 2>&1) || rc=$?
if [[ $rc -eq 77 ]]; then
  echo "skipped: ${out:-no reason given}"
  exit 77
fi
out=${out//$scratch/SCRATCH}
actual=$(printf '%s\nexit: %d\n' "${out//$src/SRC}" "$rc")
if [[ $mode == --update ]]; then
  mkdir -p "$(dirname "$expected")"
  printf '%s\n' "$actual" >"$expected"
  echo "updated $expected"
  exit 0
fi
if ! diff -u --label "expected/$name" --label "actual" "$expected" <(printf '%s\n' "$actual"); then
  echo "the output of tests/ts/$name differs from tests/expected/$name (above);" \
       "if the change is meant, run: $0 $capctl $src $name --update" >&2
  exit 1
fi
