#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: capset-generator over 1,000 service policies (one file each, rotating through the
# templates), as at boot: policy parsing, template lookup, lint, writing 1,000 drop-ins.
# Target: under 50 ms for the whole run. Output goes to tmpfs, as /run/systemd/generator is.
#   bench/generator.sh [SERVICES] [RUNS]     (defaults: 1000, 15)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
runs=${2:-15}
gen=${GENERATOR:-build/tools/generator/capset-generator}
[[ -x $gen ]] || tools/dev/build.sh build >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/usr/lib/capset/policy.d" "$root/usr/lib/capset/unit-templates"
cp unit-templates/*.conf "$root/usr/lib/capset/unit-templates/"
templates=(network-daemon web-server dns-resolver raw-socket-helper strict batch-job auth-broker privsep-daemon)
caps=(CAP_NET_BIND_SERVICE CAP_NET_BIND_SERVICE CAP_NET_BIND_SERVICE CAP_NET_RAW "" "" CAP_SETGID)
for ((i = 0; i < n; i++)); do
  k=$((i % ${#templates[@]}))
  {
    echo "services:"
    echo "  svc$i.service:"
    echo "    user: svc$i"
    [[ -n ${caps[k]} ]] && echo "    ambient: [${caps[k]}]"
    echo "    template: ${templates[k]}"
    echo "    settings:"
    echo "      ReadWritePaths: [/var/lib/svc$i]"
  } >"$root/usr/lib/capset/policy.d/$(printf '%04d' "$i")-svc.yaml"
done

# At boot the output goes to /run/systemd/generator, a tmpfs: measure the same.
shm=$(mktemp -d /dev/shm/capset-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$shm"' EXIT
times=()
for ((r = 0; r < runs; r++)); do
  out=$shm/out.$r
  mkdir -p "$out"
  # $EPOCHREALTIME is read by bash itself: $(date) would put a fork and exec of date(1)
  # inside the measured interval.
  t0=${EPOCHREALTIME/[.,]/}
  CAPSET_ROOT=$root "$gen" "$out" "$work/early" "$work/late"
  t1=${EPOCHREALTIME/[.,]/}
  times+=($((t1 - t0)))
  made=$(find "$out" -name 50-capset.conf | wc -l)
  [[ $made -eq $n ]] || { echo "FAIL: $made drop-ins written, expected $n" >&2; exit 1; }
  rm -rf "$out"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
printf 'capset-generator: %d services in %d files, %d runs: median %.1f ms, best %.1f ms (target < 50 ms)\n' \
  "$n" "$n" "$runs" "$(echo "$median/1000" | bc -l)" "$(echo "$best/1000" | bc -l)"
if ((median >= 50000)); then echo "FAIL: over the 50 ms target" >&2; exit 1; fi
