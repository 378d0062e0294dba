#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 2: set up, build and run the whole test suite twice: with GCC
# (RelWithDebInfo), and with Clang under AddressSanitizer + UndefinedBehaviorSanitizer
# (a second compiler catches what the first lets through; the sanitizers what both do); then
# clang-tidy on every source file (tools/dev/tidy.sh). The Clang build is also the libFuzzer
# build: its suite fuzzes every target (tests/fuzz/) for CAPSET_FUZZ_SECONDS each (default 6), one at a time.
# After the GCC
# suite, the Debian packages are built, linted, installed, tested and purged, then installed
# by the Ansible collection's role on a fleet of booted containers, and the RPMs built and
# tested (tests/install/). Exits non-zero if any test fails.
# Tests that need root or a kernel feature skip with the reason; run as root to run them all.
#   tools/dev/run-tests.sh [--no-sanitizers]   (the Clang suite then runs without them)
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=$(nproc)
started=$SECONDS
phase_start=$SECONDS

# Prints how long the phase that just ended took, and the total so far.
phase_done() {
  echo "== $1: $((SECONDS - phase_start)) s (total $((SECONDS - started)) s)" >&2
  phase_start=$SECONDS
}

run_suite() {
  local dir=$1
  shift
  tools/dev/build.sh "$dir" "$@"
  echo "== ctest in $dir" >&2
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900
  phase_done "build and tests in $dir"
}

# run_install_test NAME COMMAND...: a test of tests/install/; exit 77 means skipped (it says why).
run_install_test() {
  local name=$1 rc=0
  shift
  echo "== $name" >&2
  "$@" || rc=$?
  if [[ $rc -eq 77 ]]; then
    echo "$name skipped (reason above)" >&2
  elif [[ $rc -ne 0 ]]; then
    exit "$rc"
  fi
  phase_done "$name"
}

if [[ $(id -u) -ne 0 ]]; then
  echo "run-tests.sh: not root: privileged tests will be skipped (each says why)" >&2
fi
# The GCC build is a unity build (CMake batches of sources: the heavy headers, nlohmann-json and
# GoogleTest, are parsed once per batch; 314 s -> ~170 s here). The Clang build compiles every
# file on its own, so a missing include still fails there, and clang-tidy reads its commands.
run_suite build -DCMAKE_UNITY_BUILD=ON
# The Debian packages: built, linted, installed here, exercised, and purged (needs root).
run_install_test "installation test (Debian packages)" \
  tests/install/deb_install_test.sh build/tests/pam_harness build-deb
# The Ansible collection on a fleet of booted containers, installing those packages over ssh.
run_install_test "fleet test (Ansible, booted hosts)" tests/install/ansible_fleet_test.sh build-deb .
run_install_test "RPM packaging test" tests/install/rpm_build_test.sh build-rpm
# A second compiler, with the sanitizers (Clang's shared runtime: cmake/Sanitizers.cmake), and
# libFuzzer in the same build (coverage everywhere, cmake/Fuzzing.cmake): the suite's ctest
# also runs every fuzz target for CAPSET_FUZZ_SECONDS (fuzz.NAME_run), so the code is compiled
# once for both.
if [[ ${1:-} == --no-sanitizers ]]; then
  CC=clang CXX=clang++ run_suite build-clang
else
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    CC=clang CXX=clang++ run_suite build-clang-asan -DCAPSET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCAPSET_FUZZ=ON -DCAPSET_FUZZ_SECONDS="${CAPSET_FUZZ_SECONDS:-6}"
fi
# clang-tidy on every source file, with the Clang build's compile commands (.clang-tidy).
echo "== clang-tidy" >&2
if [[ ${1:-} == --no-sanitizers ]]; then tools/dev/tidy.sh build-clang; else tools/dev/tidy.sh build-clang-asan; fi
phase_done "clang-tidy"
