#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real systemd manager, booted with systemd-nspawn on the host's /usr, runs
# capset-generator at boot and starts the generated services. The services write their
# /proc/self/status capability lines and the result of binding port 80 to /out, which this
# script checks against the policy. Exit 77 (CTest: skipped) with the reason when no systemd
# can be booted here.
# It also installs capsetd.socket and the generated capsetd.service: a non-root client runs
# `capctl policy apply`, which systemd's socket starts capsetd for; the script checks the
# file's capabilities, capsetd's user and capabilities, the refusal of an unauthorized
# client, and the records in the container's real journal.
#   nspawn_boot_test.sh GENERATOR SOURCE_DIR CAPCTL CAPSETD CAPSETD_SERVICE
set -euo pipefail
generator=$1
src=$2
capctl=$3
capsetd=$4
capsetd_service=$5

# shellcheck source=nspawn_lib.sh
source "$(dirname "$0")/nspawn_lib.sh"
nspawn_require

work=$(mktemp -d /run/capset-nspawn.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
out=$work/out
nspawn_root "$R"
mkdir -p "$R"/etc/systemd/system-generators "$R"/etc/capset/policy.d \
  "$R"/etc/capset/unit-templates "$out"
chmod 0777 "$out"  # the services write here as their own (non-root) users
# The host may already have a capsetd user (a package installed it, with
# whatever uid sysusers picked); the container gets exactly the ids below.
nspawn_accounts "$R" '^(capsettest|capsetother|capsetd|capset-admin):'
echo "capsettest:x:4242:4242:capset test:/:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "capsettest:x:4242:" >>"$R/etc/group"
echo "capsetother:x:4243:4243:capset test, not allowed:/:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "capsetother:x:4243:" >>"$R/etc/group"
echo "capsetd:x:4250:4250:capset file-capability broker:/:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "capsetd:x:4250:" >>"$R/etc/group"
echo "capset-admin:x:4251:capsettest" >>"$R/etc/group"

cp "$generator" "$R/etc/systemd/system-generators/capset-generator"
cp "$src"/unit-templates/*.conf "$R/etc/capset/unit-templates/"
cat >"$R/etc/capset/policy.d/test.yaml" <<'YAML'
services:
  capset-bind80.service:
    user: capsettest
    ambient: [CAP_NET_BIND_SERVICE]
    template: network-daemon
  capset-nobind.service:
    user: capsettest
    template: network-daemon
  capset-refused.service:
    user: capsettest
    ambient: [CAP_SYS_TIME]
    template: strict
files:
  - path: /opt/t/ping
    caps: cap_net_raw=p
  - path: /opt/t/arping
    caps: cap_net_raw=p
    package: local
capsetd:
  allow:
    - group: capset-admin
      actions: [apply, verify]
YAML

# capsetd: the binaries in /opt/capset, the units as built (ExecStart moved there), a
# root-owned file for the policy's files: entry.
mkdir -p "$R/opt/capset" "$R/opt/t" "$R/etc/systemd/system/sockets.target.wants"
cp "$capctl" "$capsetd" "$R/opt/capset/"
for f in ping arping; do
  printf '#!/bin/sh\nexit 0\n' >"$R/opt/t/$f"
  chmod 0755 "$R/opt/t/$f"
done
# root applies one package's entry itself (no daemon), before the clients run.
cat >"$R/etc/systemd/system/capset-local-apply.service" <<'UNIT'
[Unit]
Description=capset boot test: capctl policy apply as root, without capsetd
Before=capset-client-capsettest.service capset-client-capsetother.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/opt/capset/capctl policy apply --package local >/out/local.apply 2>&1; echo "rc=$?" >>/out/local.apply'
[Install]
WantedBy=multi-user.target
UNIT
nspawn_enable "$R" capset-local-apply.service
sed "s|^ExecStart=.*|ExecStart=/opt/capset/capsetd|" "$capsetd_service" \
  >"$R/etc/systemd/system/capsetd.service"
cp "$src/capsetd/capsetd.socket" "$R/etc/systemd/system/"
ln -s ../capsetd.socket "$R/etc/systemd/system/sockets.target.wants/"
for who in capsettest capsetother; do
  cat >"$R/etc/systemd/system/capset-client-$who.service" <<UNIT
[Unit]
Description=capset boot test: capctl as $who, through capsetd
Requires=capsetd.socket
After=capsetd.socket
[Service]
Type=oneshot
User=$who
ExecStart=/bin/sh -c '/opt/capset/capctl policy verify >/out/$who.verify 2>&1; echo "rc=\$?" >>/out/$who.verify; /opt/capset/capctl policy apply >/out/$who.apply 2>&1; echo "rc=\$?" >>/out/$who.apply; /opt/capset/capctl policy verify >>/out/$who.verify 2>&1; echo "rc=\$?" >>/out/$who.verify'
[Install]
WantedBy=multi-user.target
UNIT
  nspawn_enable "$R" "capset-client-$who.service"
done

# The vendor units: they only say what to run; capabilities and user come from capset.
for name in bind80 nobind refused; do
  cat >"$R/etc/systemd/system/capset-$name.service" <<UNIT
[Unit]
Description=capset boot test ($name)
[Service]
Type=oneshot
ReadWritePaths=/out
ExecStart=/bin/sh -c 'grep -E "^(Cap|Uid)" /proc/self/status > /out/$name.status; if perl -MIO::Socket::INET -e "IO::Socket::INET->new(LocalAddr => q(127.0.0.1), LocalPort => 80, Listen => 1, Proto => q(tcp)) or exit 1"; then echo bound; else echo refused; fi > /out/$name.bind'
[Install]
WantedBy=multi-user.target
UNIT
  nspawn_enable "$R" "capset-$name.service"
done
cat >"$R/etc/systemd/system/capset-done.service" <<'UNIT'
[Unit]
Description=capset boot test: collect and power off
After=capset-bind80.service capset-nobind.service capset-refused.service
After=capset-client-capsettest.service capset-client-capsetother.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'ls /run/systemd/generator > /out/generated; systemctl show -p AmbientCapabilities -p CapabilityBoundingSet -p User capset-bind80.service > /out/bind80.show'
ExecStart=/bin/sh -c 'getcap /opt/t/ping > /out/ping.getcap; pid=$(systemctl show -p MainPID --value capsetd.service); grep -E "^(Uid|Cap)" /proc/$pid/status > /out/capsetd.status; systemctl show -p User -p ActiveState capsetd.service > /out/capsetd.show; journalctl -o json --no-pager MESSAGE_ID=7458647565d241e199775ddc2ae48669 > /out/changed.json; journalctl -o json --no-pager MESSAGE_ID=38cfb0e63e1646f59cd9b106aebe49e0 > /out/refused.json; journalctl -o cat --no-pager -u capsetd.service > /out/capsetd.log'
ExecStart=/bin/sh -c 'stat -c "%%U %%a" /var/lib/capset > /out/record.stat; cp /var/lib/capset/applied-files.json /out/record.json'
ExecStartPost=/bin/systemctl --no-block poweroff
UNIT
nspawn_enable "$R" capset-done.service

nspawn_boot "$R" "$out" "$work/console" "ran the services" generated

field() { awk -v k="$1:" '$1 == k {print $2}' "$out/$2.status"; }

check "the generator wrote drop-ins for the accepted services" \
  grep -qx 'capset-bind80.service.d' "$out/generated"
check "the generator refused the service whose template removes its capability" \
  bash -c "! grep -q capset-refused.service.d '$out/generated'"
for k in CapInh CapPrm CapEff CapBnd CapAmb; do
  check "bind80: $k is exactly CAP_NET_BIND_SERVICE" test "$(field $k bind80)" = 0000000000000400
done
check "bind80: runs as the declared user (uid 4242)" test "$(field Uid bind80)" = 4242
check "bind80: a non-root service binds port 80 with CAP_NET_BIND_SERVICE" \
  test "$(cat "$out/bind80.bind")" = bound
for k in CapInh CapPrm CapEff CapBnd CapAmb; do
  check "nobind: $k is empty" test "$(field $k nobind)" = 0000000000000000
done
check "nobind: cannot bind port 80 without it" test "$(cat "$out/nobind.bind")" = refused
check "refused: the vendor unit runs unchanged (as root: no capset drop-in)" \
  test "$(field Uid refused)" = 0

capsetd_field() { awk -v k="$1:" '$1 == k {print $2}' "$out/capsetd.status"; }
check "capsetd: the allowed client saw drift first (exit 3)" grep -qx 'rc=3' "$out/capsettest.verify"
check "capsetd: the allowed client's apply succeeded" grep -qx 'rc=0' "$out/capsettest.apply"
check "capsetd: ... and changed the file" \
  grep -q '^changed /opt/t/ping: caps none -> cap_net_raw=p' "$out/capsettest.apply"
check "capsetd: verify is clean afterwards" test "$(tail -1 "$out/capsettest.verify")" = rc=0
check "capsetd: the file has its capability" test "$(cat "$out/ping.getcap")" = "/opt/t/ping cap_net_raw=p"
check "capsetd: the client outside capset-admin is refused" grep -qx 'rc=1' "$out/capsetother.apply"
check "capsetd: ... with a reason" grep -q 'capsetd refused' "$out/capsetother.apply"
check "capsetd: runs as its own user (uid 4250)" test "$(capsetd_field Uid)" = 4250
for k in CapPrm CapEff; do
  check "capsetd: $k is exactly CAP_SETFCAP + CAP_FOWNER" test "$(capsetd_field $k)" = 0000000080000008
done
for k in CapInh CapAmb; do
  check "capsetd: $k is empty" test "$(capsetd_field $k)" = 0000000000000000
done
check "capsetd: CapBnd is exactly CAP_SETFCAP + CAP_FOWNER" test "$(capsetd_field CapBnd)" = 0000000080000008
check "journal: the change is recorded with its MESSAGE_ID, path and caller" \
  grep -q '"CAPSET_PATH":"/opt/t/ping".*' "$out/changed.json"
check "journal: ... made by capsetd for uid 4242" \
  bash -c "grep -q '\"CAPSET_CALLER_UID\":\"4242\"' '$out/changed.json' && grep -q '\"CAPSET_TOOL\":\"capsetd\"' '$out/changed.json'"
check "capctl as root: applied its package's entry itself" \
  grep -q '^changed /opt/t/arping: caps none -> cap_net_raw=p' "$out/local.apply"
check "journal: capctl's own change is recorded too" \
  bash -c "grep '\"CAPSET_PATH\":\"/opt/t/arping\"' '$out/changed.json' | grep -q '\"CAPSET_TOOL\":\"capctl\"'"
check "record: /var/lib/capset is capsetd's (StateDirectory=), world-readable" \
  test "$(cat "$out/record.stat")" = "capsetd 755"
check "record: lists what root's capctl and capsetd applied, both" \
  bash -c "grep -q '\"path\": \"/opt/t/arping\"' '$out/record.json' &&
           grep -q '\"path\": \"/opt/t/ping\"' '$out/record.json'"
check "journal: the refusal is recorded for uid 4243" grep -q '"CAPSET_CALLER_UID":"4243"' "$out/refused.json"
check "journal: ... at warning priority" grep -q '"PRIORITY":"4"' "$out/refused.json"
check "journal: ... each refusal once (no plain line at the default priority beside its record)" \
  test "$(grep -c 'refused io.capset.Files' "$out/capsetd.log")" = "$(grep -c . "$out/refused.json")"
cat "$out/bind80.show" "$out/capsetd.show"
[[ $fail -eq 0 ]] || {
  tail -30 "$work/console" >&2
  cat "$out"/capsett*.verify "$out"/capset*.apply "$out/capsetd.log" >&2 || true
  exit 1
}
echo "all checks passed"
