#!/usr/bin/env bash
# A real systemd manager, booted with systemd-nspawn on the host's /usr, runs
# capset-generator at boot and starts the generated services. The services write their
# /proc/self/status capability lines and the result of binding port 80 to /out, which this
# script checks against the policy. Exit 77 (CTest: skipped) with the reason when no systemd
# can be booted here.
#   nspawn_boot_test.sh GENERATOR SOURCE_DIR
set -euo pipefail
generator=$1
src=$2

skip() { echo "SKIP: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root to boot a container"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (package systemd-container)"

work=$(mktemp -d /run/capset-nspawn.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
out=$work/out
mkdir -p "$R"/{usr,var,tmp,root,run,out} "$R"/etc/systemd/system/multi-user.target.wants \
  "$R"/etc/systemd/system-generators "$R"/etc/capset/policy.d "$R"/etc/capset/unit-templates "$out"
chmod 0777 "$out"  # the services write here as their own (non-root) users
chmod 1777 "$R/tmp"
for l in bin sbin lib lib64; do ln -s usr/$l "$R/$l"; done
cp /etc/os-release /etc/passwd /etc/group /etc/shadow /etc/nsswitch.conf "$R/etc/"
echo "capsettest:x:4242:4242:capset test:/:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "capsettest:x:4242:" >>"$R/etc/group"
touch "$R/etc/machine-id"

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
YAML

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
  ln -s "../capset-$name.service" "$R/etc/systemd/system/multi-user.target.wants/"
done
cat >"$R/etc/systemd/system/capset-done.service" <<'UNIT'
[Unit]
Description=capset boot test: collect and power off
After=capset-bind80.service capset-nobind.service capset-refused.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'ls /run/systemd/generator > /out/generated; systemctl show -p AmbientCapabilities -p CapabilityBoundingSet -p User capset-bind80.service > /out/bind80.show'
ExecStartPost=/bin/systemctl --no-block poweroff
UNIT
ln -s ../capset-done.service "$R/etc/systemd/system/multi-user.target.wants/"

start=$(date +%s%N)
if ! timeout 120 systemd-nspawn --directory="$R" --register=no --keep-unit --quiet \
    --bind-ro=/usr --bind="$out":/out --boot >"$work/console" 2>&1; then
  if [[ ! -e $out/generated ]]; then
    tail -20 "$work/console" >&2
    skip "systemd-nspawn could not boot a container here"
  fi
fi
echo "booted, ran the services and powered off in $((($(date +%s%N) - start) / 1000000)) ms"

fail=0
check() { # description, command...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi
}
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
cat "$out/bind80.show"
[[ $fail -eq 0 ]] || { tail -30 "$work/console" >&2; exit 1; }
echo "all checks passed"
