#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: capctl get -r versus libcap's getcap -r over the same warm tree, in one run.
#   bench/getcap_tree.sh [TREE] [RUNS]       (defaults: /usr, 7)
# Checks that both print the same set of lines (and the same order), warms the cache, then
# times RUNS alternating runs of each and prints the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=${1:-/usr}
runs=${2:-7}
capctl=${CAPCTL:-build/tools/capctl/capctl}
getcap=$(command -v getcap || echo /usr/sbin/getcap)
[[ -x $capctl ]] || tools/dev/build.sh build >&2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$getcap" -r "$tree" >"$out/ref" 2>/dev/null || true
"$capctl" get -r "$tree" >"$out/ours" 2>/dev/null || true
if ! cmp -s <(sort "$out/ref") <(sort "$out/ours"); then
  echo "FAIL: capctl get -r and getcap -r print different lines for $tree" >&2
  diff <(sort "$out/ref") <(sort "$out/ours") | head >&2
  exit 1
fi
same_order=$(cmp -s "$out/ref" "$out/ours" && echo yes || echo no)

now_ns() { date +%s%N; }
time_one() {
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null 2>&1 || true
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

entries=$(find "$tree" 2>/dev/null | wc -l)
: >"$out/t_ref"
: >"$out/t_ours"
for ((i = 0; i < runs; i++)); do
  time_one "$getcap" -r "$tree" >>"$out/t_ref"
  time_one "$capctl" get -r "$tree" >>"$out/t_ours"
done
ref_us=$(median <"$out/t_ref")
our_us=$(median <"$out/t_ours")
echo "tree: $tree ($entries entries, $(wc -l <"$out/ref") with capabilities), $(nproc) CPUs, $runs runs each"
echo "output: same lines: yes, same order: $same_order"
printf 'getcap -r:      %8.1f ms (median)\n' "$(echo "$ref_us / 1000" | bc -l)"
printf 'capctl get -r:  %8.1f ms (median)\n' "$(echo "$our_us / 1000" | bc -l)"
printf 'ratio: capctl get -r is %.2fx faster than getcap -r\n' "$(echo "$ref_us / $our_us" | bc -l)"
