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

# Below /run, not /tmp: a policy under a world-writable directory is refused (the trust rule).
work=$(mktemp -d /run/capset-gen.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/usr/lib/capset/policy.d" "$root/usr/lib/capset/unit-templates"
cp unit-templates/*.conf "$root/usr/lib/capset/unit-templates/"
templates=(network-daemon web-server dns-resolver raw-socket-helper strict batch-job auth-broker privsep-daemon)
caps=(CAP_NET_BIND_SERVICE CAP_NET_BIND_SERVICE CAP_NET_BIND_SERVICE CAP_NET_RAW "" "" CAP_SETGID "")  # one per template
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
# A tmpfs of its own (/run is not one everywhere; /dev/shm is world-writable, where the generator
# refuses to write). Mounting needs root; without it the numbers are the disk's.
shm=$(mktemp -d /run/capset-gen-out.XXXXXX)
chmod 755 "$shm"
if mount -t tmpfs -o mode=0755,size=64m capset-gen "$shm" 2>/dev/null; then
  trap 'umount "$shm"; rm -rf "$work" "$shm"' EXIT
else
  echo "generator.sh: cannot mount a tmpfs (not root?): writing to $(df --output=fstype "$shm" | tail -1)" >&2
  trap 'rm -rf "$work" "$shm"' EXIT
fi
# runs ROOT EXPECTED: the generator over ROOT's policy RUNS times, each into a fresh output
# directory, checking that it wrote EXPECTED drop-ins; prints each run's microseconds.
# $EPOCHREALTIME is read by bash itself: $(date) would put a fork and exec of date(1) inside
# the measured interval.
runs_of() {
  local root=$1 expected=$2 r out t0 t1 made
  for ((r = 0; r < runs; r++)); do
    out=$shm/out.$r
    mkdir -p "$out"
    t0=${EPOCHREALTIME/[.,]/}
    CAPSET_ROOT=$root "$gen" "$out" "$work/early" "$work/late"
    t1=${EPOCHREALTIME/[.,]/}
    echo $((t1 - t0))
    made=$(find "$out" -name 50-capset.conf | wc -l)
    [[ $made -eq $expected ]] || { echo "FAIL: $made drop-ins written, expected $expected" >&2; exit 1; }
    rm -rf "$out"
  done
}
# The same generator with no policy at all: what start-up alone costs (beside the full run, so
# the ratio shows how much of it is the 1,000 services).
empty=$work/empty
mkdir -p "$empty/usr/lib/capset/policy.d"
empty_times=$(runs_of "$empty" 0) || exit 1
full_times=$(runs_of "$root" "$n") || exit 1
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
median=$(median_of <<<"$full_times")
best=$(sort -n <<<"$full_times" | head -1)
printf 'capset-generator: %d services in %d files, %d runs: median %.1f ms, best %.1f ms (target < 50 ms)\n' \
  "$n" "$n" "$runs" "$(echo "$median/1000" | bc -l)" "$(echo "$best/1000" | bc -l)"
empty_median=$(median_of <<<"$empty_times")
printf 'capset-generator with an empty policy (start-up alone): median %.1f ms; the 1,000 services cost %.1fx that\n' \
  "$(echo "$empty_median/1000" | bc -l)" "$(echo "$median/$empty_median" | bc -l)"
if ((median >= 50000)); then echo "FAIL: over the 50 ms target" >&2; exit 1; fi
