#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: the whole PAM cycle (pam_start -> authenticate -> setcred -> pam_end) with
# capset's pam_capset.so and libcap's pam_cap.so, in one run, for a 10-line and a
# 10,000-line capability.conf, the user matching on the last line (the worst case for both).
# Target: capset no slower than pam_cap on both. Needs root (setcred changes capabilities).
#
# "warm": CYCLES cycles in one process, as a long-running login service (display manager,
# cron, a screen locker) does them. "cold": one cycle in each of COLD fresh processes, as
# su, login and sshd's per-connection process do — this includes loading each module's
# shared libraries (libstdc++ and libyaml for pam_capset.so) and the process start, which
# is the same for both.
# Last, the load of each module alone (bench/module_load.c: one dlopen in a fresh process,
# COLD samples each, interleaved, medians): what of the cold gap is the module's size.
#   bench/pam_cycle.sh [CYCLES] [COLD]     (defaults 3000, 300)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-3000}
cold=${2:-300}
[[ -x build/bench/pam_cycle && -f build/pam_cap/pam_capset.so ]] || tools/dev/build.sh build >&2
pam_cap=/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security/pam_cap.so
work=$(mktemp -d /run/capset-pambench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
caps=(cap_chown cap_kill cap_net_raw cap_net_admin cap_sys_time cap_setuid cap_setgid)
for lines in 10 10000; do
  conf=$work/cap-$lines.conf
  for ((i = 1; i < lines; i++)); do
    echo "^${caps[i % 7]},!cap_sys_module user$i @group$i"
  done >"$conf"
  echo "^cap_net_raw,cap_net_bind_service root" >>"$conf"
  chmod 644 "$conf"
  echo "auth required $PWD/build/pam_cap/pam_capset.so config=$conf nopolicy" >"$work/capset-$lines"
  echo "auth required $pam_cap config=$conf" >"$work/pamcap-$lines"
  ours=() ref=()
  for r in 1 2 3; do  # interleaved, median of three
    ours+=("$(build/bench/pam_cycle "$work" "capset-$lines" root "$cycles")")
    ref+=("$(build/bench/pam_cycle "$work" "pamcap-$lines" root "$cycles")")
  done
  o=$(printf '%s\n' "${ours[@]}" | sort -n | sed -n 2p)
  p=$(printf '%s\n' "${ref[@]}" | sort -n | sed -n 2p)
  printf '%6d lines, warm: pam_capset %8.1f us/cycle, pam_cap %8.1f us/cycle, ratio pam_cap/pam_capset %.2f\n' \
    "$lines" "$o" "$p" "$(echo "$p / $o" | bc -l)"
  # Cold: fresh processes, interleaved so that drift hits both alike.
  t_ours=0 t_ref=0
  # ($EPOCHREALTIME is read by bash itself; $(date) would time a fork and exec of date(1).)
  for ((r = 0; r < cold; r++)); do
    a=${EPOCHREALTIME/[.,]/}; build/bench/pam_cycle "$work" "capset-$lines" root 1 >/dev/null
    b=${EPOCHREALTIME/[.,]/}; build/bench/pam_cycle "$work" "pamcap-$lines" root 1 >/dev/null
    c=${EPOCHREALTIME/[.,]/}; t_ours=$((t_ours + b - a)); t_ref=$((t_ref + c - b))
  done
  o=$(echo "$t_ours / $cold" | bc -l) p=$(echo "$t_ref / $cold" | bc -l)
  printf '%6d lines, cold: pam_capset %8.1f us/process, pam_cap %8.1f us/process, ratio pam_cap/pam_capset %.2f\n' \
    "$lines" "$o" "$p" "$(echo "$p / $o" | bc -l)"
done
# The module's load alone, linked as the harness is (libpam, libcap already mapped).
${CC:-cc} -O2 -o "$work/module_load" bench/module_load.c -Wl,--no-as-needed -lpam -lcap -ldl
for ((r = 0; r < cold; r++)); do
  "$work/module_load" "$PWD/build/pam_cap/pam_capset.so" >>"$work/load-ours"
  "$work/module_load" "$pam_cap" >>"$work/load-ref"
done
o=$(sort -n "$work/load-ours" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)] / 1000}')
p=$(sort -n "$work/load-ref" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)] / 1000}')
printf 'module load alone (dlopen in a fresh process, median): pam_capset.so %.1f us, pam_cap.so %.1f us, difference %.1f us\n' \
  "$o" "$p" "$(echo "$o - $p" | bc -l)"
