#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: `capctl policy apply` of a 10,000-entry files: policy against a shell loop of
# setcap over the same number of files, in one run; then a no-op re-apply. Files live on a
# tmpfs under /run (root-owned, so capctl's trust checks pass). The policy is in the image's
# policy.d, as a package ships it, so the record of applied files (/var/lib/capset) is read
# and written as in a package trigger. Needs root.
# Targets: apply at least 50x faster than the setcap loop; the no-op re-apply faster still.
#   bench/policy_apply.sh [ENTRIES]     (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
capctl=${CAPCTL:-build/tools/capctl/capctl}
[[ -x $capctl ]] || tools/dev/build.sh build >&2
work=$(mktemp -d /run/capset-bench.XXXXXX)
chmod 755 "$work"
mount -t tmpfs -o mode=0755,size=256m capset-bench "$work"
trap 'umount "$work"; rmdir "$work"' EXIT
mkdir -p "$work/a/usr/bin" "$work/a/usr/lib/capset/policy.d" "$work/b"
{
  echo "files:"
  for ((i = 0; i < n; i++)); do
    : >"$work/a/usr/bin/tool$i"
    : >"$work/b/tool$i"
    printf '  - {path: /usr/bin/tool%d, caps: cap_net_raw=p, package: bench}\n' "$i"
  done
} >"$work/a/usr/lib/capset/policy.d/bench.yaml"
chmod 755 "$work"/a/usr/bin/tool* "$work"/b/tool*

now() { echo "${EPOCHREALTIME/[.,]/}"; }  # microseconds, without forking date(1)
t0=$(now)
"$capctl" policy apply --local --root "$work/a" >/dev/null 2>&1
t1=$(now)
"$capctl" policy apply --local --root "$work/a" >/dev/null 2>&1
t2=$(now)
for ((i = 0; i < n; i++)); do setcap cap_net_raw=p "$work/b/tool$i"; done
t3=$(now)
"$capctl" policy verify --local --root "$work/a" >/dev/null 2>&1 ||
  { echo "FAIL: verify after apply" >&2; exit 1; }
[[ $(getcap "$work/a/usr/bin/tool$((n - 1))") == *"cap_net_raw=p" ]] ||
  { echo "FAIL: getcap disagrees" >&2; exit 1; }
[[ $(grep -c '"path":' "$work/a/var/lib/capset/applied-files.json") -eq $n ]] ||
  { echo "FAIL: the record does not list every entry" >&2; exit 1; }

apply=$((t1 - t0)) noop=$((t2 - t1)) loop=$((t3 - t2))
printf 'policy apply, %d entries: capctl %.1f ms, no-op re-apply %.1f ms, setcap loop %.1f ms\n' \
  "$n" "$(echo "$apply / 1000" | bc -l)" "$(echo "$noop / 1000" | bc -l)" \
  "$(echo "$loop / 1000" | bc -l)"
printf 'ratio setcap loop / apply: %.1fx (target >= 50x); setcap loop / no-op re-apply: %.1fx\n' \
  "$(echo "$loop / $apply" | bc -l)" "$(echo "$loop / $noop" | bc -l)"
