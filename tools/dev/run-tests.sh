#!/usr/bin/env bash
# README command 2: set up, build and run the whole test suite three times: GCC, Clang, and an
# AddressSanitizer + UndefinedBehaviorSanitizer build (GCC). Exits non-zero if any test fails.
# Tests that need root or a kernel feature skip with the reason; run as root to run them all.
#   tools/dev/run-tests.sh [--no-sanitizers]
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=$(nproc)

run_suite() {
  local dir=$1
  shift
  tools/dev/build.sh "$dir" "$@"
  echo "== ctest in $dir" >&2
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900
}

if [[ $(id -u) -ne 0 ]]; then
  echo "run-tests.sh: not root: privileged tests will be skipped (each says why)" >&2
fi
run_suite build
# A second compiler catches what the first lets through.
CC=clang CXX=clang++ run_suite build-clang
if [[ ${1:-} != --no-sanitizers ]]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan -DCAPSET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
