#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: `capctl policy apply` of a 10,000-entry files: policy against the honest peer,
# ONE setcap process given all 10,000 "caps file" pairs on its command line (setcap's own
# grammar: what a careful packager runs), measured in the same run; then a no-op re-apply.
# A shell loop forking setcap per file is printed on a second line, for reference only.
# Files live on a tmpfs under /run (root-owned, so capctl's trust checks pass). The policy is
# in the image's policy.d, as a package ships it, so the record of applied files
# (/var/lib/capset) is read and written as in a package trigger. Each measurement is repeated
# (ROUNDS, alternating the tools, fresh files each round) and the median is printed. Needs root.
# Targets (issue 17): apply at least as fast as the one setcap process (ratio >= 1.0), the
# no-op re-apply at least 2x faster than it. Where journald listens, the apply also waits for
# it to take one message per changed file (the output says which), as a host's package
# trigger does; an image build in a chroot has none. Last, the floor under the no-op:
# libyaml's bare scan of the policy file (bench/yaml_scan.c).
#   bench/policy_apply.sh [ENTRIES] [ROUNDS]     (default 10000 5)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
rounds=${2:-5}
capctl=${CAPCTL:-build/tools/capctl/capctl}
[[ -x $capctl ]] || tools/dev/build.sh build >&2
work=$(mktemp -d /run/capset-bench.XXXXXX)
chmod 755 "$work"
mount -t tmpfs -o mode=0755,size=512m capset-bench "$work"
trap 'umount "$work"; rmdir "$work"' EXIT

now() { echo "${EPOCHREALTIME/[.,]/}"; }  # microseconds, without forking date(1)
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# fresh DIR: an image with N empty executables and the policy naming them (in policy.d).
fresh() {
  local d=$1 i
  rm -rf "$d"
  mkdir -p "$d/usr/bin" "$d/usr/lib/capset/policy.d"
  (cd "$d/usr/bin" && for ((i = 0; i < n; i++)); do : >"tool$i"; done && chmod 755 tool*)
  {
    echo "files:"
    for ((i = 0; i < n; i++)); do
      printf '  - {path: /usr/bin/tool%d, caps: cap_net_raw=p, package: bench}\n' "$i"
    done
  } >"$d/usr/lib/capset/policy.d/bench.yaml"
}

: >"$work/apply" ; : >"$work/noop" ; : >"$work/setcap"
for ((r = 0; r < rounds; r++)); do
  fresh "$work/a"
  fresh "$work/b"
  args=()
  for ((i = 0; i < n; i++)); do args+=(cap_net_raw=p "$work/b/usr/bin/tool$i"); done
  t0=$(now)
  "$capctl" policy apply --local --root "$work/a" >/dev/null 2>&1
  t1=$(now)
  "$capctl" policy apply --local --root "$work/a" >/dev/null 2>&1
  t2=$(now)
  setcap "${args[@]}"
  t3=$(now)
  echo $((t1 - t0)) >>"$work/apply"
  echo $((t2 - t1)) >>"$work/noop"
  echo $((t3 - t2)) >>"$work/setcap"
done
"$capctl" policy verify --local --root "$work/a" >/dev/null 2>&1 ||
  { echo "FAIL: verify after apply" >&2; exit 1; }
[[ $(getcap "$work/a/usr/bin/tool$((n - 1))") == *"cap_net_raw=p" ]] ||
  { echo "FAIL: getcap disagrees" >&2; exit 1; }
[[ $(getcap "$work/b/usr/bin/tool$((n - 1))") == *"cap_net_raw=p" ]] ||
  { echo "FAIL: setcap did not set the last file" >&2; exit 1; }
[[ $(grep -c '"path":' "$work/a/var/lib/capset/applied-files.json") -eq $n ]] ||
  { echo "FAIL: the record does not list every entry" >&2; exit 1; }

# For reference: a shell loop forking setcap per file (one round).
fresh "$work/b"
t0=$(now)
for ((i = 0; i < n; i++)); do setcap cap_net_raw=p "$work/b/usr/bin/tool$i"; done
loop=$(($(now) - t0))

# The floor under the no-op: libyaml's bare event scan of the same policy file (best of 5).
scan=
if ${CC:-cc} -O2 -o "$work/yaml_scan" bench/yaml_scan.c -lyaml; then
  scan=$("$work/yaml_scan" "$work/a/usr/lib/capset/policy.d/bench.yaml" 5) || scan=
fi

apply=$(median <"$work/apply") noop=$(median <"$work/noop") setcap=$(median <"$work/setcap")
ms() { echo "scale=1; $1 / 1000" | bc -l; }
# A listening journal takes one message per changed file, and the apply waits for it.
if [[ -e /run/systemd/journal/socket ]]; then  # as capctl looks: the name exists
  echo "journal: listening (each of the $n changes is sent to it, as on a host)"
else
  echo "journal: none listening (no /run/systemd/journal/socket, as in an image build): no messages are made"
fi
printf 'policy apply, %d entries (median of %d rounds): capctl %s ms, no-op re-apply %s ms; one setcap process with all %d pairs %s ms\n' \
  "$n" "$rounds" "$(ms "$apply")" "$(ms "$noop")" "$n" "$(ms "$setcap")"
printf 'ratio one-setcap / capctl apply: %.2fx (target >= 1.0); one-setcap / no-op re-apply: %.2fx (target >= 2.0)\n' \
  "$(echo "$setcap / $apply" | bc -l)" "$(echo "$setcap / $noop" | bc -l)"
printf 'for reference, a shell loop forking setcap per file: %s ms (%.0fx capctl apply)\n' \
  "$(ms "$loop")" "$(echo "$loop / $apply" | bc -l)"
if [[ -n $scan ]]; then
  printf 'floor: libyaml alone scans the policy file (%d KB, its events only, nothing built) in %s ms\n' \
    "$(($(stat -c %s "$work/a/usr/lib/capset/policy.d/bench.yaml") / 1024))" "$(ms "$scan")"
else
  echo "floor: not measured (bench/yaml_scan.c did not build or run: a C compiler and libyaml-dev)"
fi
