#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: what profiling costs a capability-check-heavy workload, in one run: the workload
# untraced, under capctl profile (one traced run: --no-verify), and under strace -f (the
# approach of strace-based profilers), alternating. This machine's timings vary by several
# percent from run to run, so the overhead is measured per round — a traced run between two
# untraced ones, against their mean — and the median of RUNS rounds is the figure, with the
# smallest and largest beside it; strace -f (30-40 s a run) is timed STRACE_RUNS times.
#   bench/profile_overhead.sh [RUNS] [ITERATIONS] [STRACE_RUNS]   (defaults: 9, 200000, 3)
# The workload maps and unmaps an anonymous page ITERATIONS times as nobody: every mmap is a
# capability check (CAP_SYS_ADMIN, the kernel's memory accounting) and a system call. The
# traced figure includes loading and attaching the eBPF program; "workload" subtracts the
# time of profiling /bin/true, what that fixed cost is, and shows it separately. Root only.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
iterations=${2:-200000}
strace_runs=${3:-3}
capctl=${CAPCTL:-build/tools/capctl/capctl}
[[ $(id -u) -eq 0 ]] || { echo "profile_overhead.sh: needs root (capctl profile)" >&2; exit 1; }
[[ -x $capctl ]] || tools/dev/build.sh build >&2
command -v strace >/dev/null || { echo "profile_overhead.sh: strace is not installed (tools/dev/setup.sh)" >&2; exit 1; }

workload=(/usr/bin/python3 -c "
import mmap
for _ in range($iterations):
    mmap.mmap(-1, 4096).close()
")
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

now_ns() { date +%s%N; }
time_ms() {
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null 2>&1 || true
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Warm up (python's files in the page cache, the BPF object loaded once).
"${as_nobody[@]}" "${workload[@]}" >/dev/null 2>&1
"$capctl" profile --no-verify --user nobody -- /bin/true >/dev/null 2>&1
time_ms "${as_nobody[@]}" "${workload[@]}" >>"$out/plain"
for ((i = 0; i < runs; i++)); do
  time_ms "$capctl" profile --no-verify --user nobody -- "${workload[@]}" >>"$out/traced"
  time_ms "$capctl" profile --no-verify --user nobody -- /bin/true >>"$out/fixed"
  time_ms "${as_nobody[@]}" "${workload[@]}" >>"$out/plain"
done
for ((i = 0; i < strace_runs; i++)); do
  time_ms strace -f -qq -o /dev/null "${as_nobody[@]}" "${workload[@]}" >>"$out/strace"
done
# Round i: traced run i (less the fixed cost of that round) against untraced runs i and i+1.
paste "$out/traced" "$out/fixed" <(head -n "$runs" "$out/plain") <(tail -n "$runs" "$out/plain") |
  awk '{ p = ($3 + $4) / 2; printf "%.2f\n", (($1 - $2) - p) * 100.0 / p }' | sort -n >"$out/rounds"
plain=$(median <"$out/plain")
traced=$(median <"$out/traced")
fixed=$(median <"$out/fixed")
strace_ms=$(median <"$out/strace")
overhead=$(median <"$out/rounds")
lowest=$(head -1 "$out/rounds")
highest=$(tail -1 "$out/rounds")
work=$((traced - fixed))
echo "workload: $iterations mmap+munmap as nobody (each mmap a CAP_SYS_ADMIN check); $runs rounds"
echo "  untraced                          $plain ms (median)"
echo "  capctl profile (one traced run)   $traced ms   (of which $fixed ms loading the tracer and"
echo "                                                   profiling /bin/true)"
echo "  strace -f                         $strace_ms ms (median of $strace_runs)"
awk -v o="$overhead" -v lo="$lowest" -v hi="$highest" -v p="$plain" -v w="$work" -v s="$strace_ms" 'BEGIN {
  printf "overhead of tracing the workload: %+.1f%% over untraced, median of the rounds (%+.1f%% to %+.1f%%; target <= 5%%)\n", o, lo, hi
  printf "strace -f costs %.1fx what capctl profile costs the workload (target >= 10x)\n", (s - p) / ((w - p) > 1 ? (w - p) : 1)
}'
