#!/usr/bin/env bash
# The installation test: builds capset's Debian packages (packaging/build-deb.sh, with
# lintian), installs them on this machine, checks that every file is where systemd, PAM, man
# and bash-completion look for it and that each piece works from there, then proves the
# dpkg trigger with a fixture package (a small binary and its policy) through install,
# upgrade and removal, and purges everything again. Needs root; exit 77 = skipped.
#   tests/install/deb_install_test.sh PAM_HARNESS [OUT_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
harness=$1
out=$(realpath -m "${2:-$src/build-deb}")

skip() { echo "SKIP: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (installs packages)"
for tool in dpkg-buildpackage dh lintian; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (tools/dev/setup.sh installs it)"
done
if dpkg-query -W -f='${db:Status-Status}' capset capsetd libpam-capset 2>/dev/null | grep -q installed; then
  skip "capset is already installed on this machine; not touching it"
fi

fail=0
check() { # description, command...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi
}
# Under /run (root-owned 0755): pam_capset refuses a config below world-writable /tmp.
work=$(mktemp -d /run/capset-install.XXXXXX)
chmod 0755 "$work"
# Debian packages leave system users behind on purge (a file may still be owned by the
# uid); this test removes the one it caused to be created, so the machine ends as it began.
had_user=0
getent passwd capsetd >/dev/null && had_user=1
cleanup() {
  dpkg --purge capset-fixture capsetd libpam-capset capset >/dev/null 2>&1 || true
  if [[ $had_user -eq 0 ]] && getent passwd capsetd >/dev/null; then
    userdel capsetd 2>/dev/null || true
    groupdel capsetd 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
"$src/packaging/build-deb.sh" "$out" >/dev/null
echo "built and linted the packages in $(($(date +%s) - start)) s"
dpkg -i "$out"/capset_*.deb "$out"/capsetd_*.deb "$out"/libpam-capset_*.deb >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; exit 1; }

# Where things land: asked of the system, not assumed.
generators=$(pkg-config --variable=systemdsystemgeneratordir systemd)
units=$(pkg-config --variable=systemdsystemunitdir systemd)
pamdir=$(dirname "$(dpkg -L libpam-modules | grep '/pam_unix\.so$' | head -1)")
check "capctl is on PATH" test "$(command -v capctl)" = /usr/bin/capctl
check "capset-generator is in systemd's generator directory" test -x "$generators/capset-generator"
check "capsetd.socket and capsetd.service are in systemd's unit directory" \
  test -f "$units/capsetd.socket" -a -f "$units/capsetd.service"
check "capsetd.socket is enabled" test -L /etc/systemd/system/sockets.target.wants/capsetd.socket
check "the user capsetd exists (sysusers)" getent passwd capsetd
check "capsetd is in /usr/libexec/capset" test -x /usr/libexec/capset/capsetd
check "pam_capset.so is where libpam finds pam_unix.so ($pamdir)" test -f "$pamdir/pam_capset.so"
check "the pam-auth-update profile is installed" test -f /usr/share/pam-configs/capset
for page in capctl.1 capset.policy.5 capset-generator.8 capsetd.8 pam_capset.8; do
  check "man finds ${page%.*}(${page##*.})" \
    bash -c "man -w ${page##*.} ${page%.*} 2>/dev/null | grep -q '^/usr/share/man/man${page##*.}/${page}.gz$'"
done
check "bash finds capctl's completion" test -f /usr/share/bash-completion/completions/capctl
check "the unit templates are in /usr/lib/capset/unit-templates" \
  test -f /usr/lib/capset/unit-templates/strict.conf
check "the policy directories exist" test -d /usr/lib/capset/policy.d -a -d /etc/capset/policy.d

# Each piece works from where it was installed.
check "capctl runs" bash -c "capctl --version | grep -q '^capctl '"
mkdir -p "$work/gen"/{normal,early,late}
check "the generator runs (exit 0)" "$generators/capset-generator" "$work/gen/normal" "$work/gen/early" "$work/gen/late"
verify_err=$(systemd-analyze verify --man=no "$units/capsetd.socket" "$units/capsetd.service" 2>&1) || true
check "the units pass systemd-analyze verify" test -z "$verify_err"
[[ -z $verify_err ]] || echo "$verify_err" >&2
mkdir -p "$work/pam.d"
printf 'auth required pam_capset.so config=%s\naccount required pam_permit.so\n' \
  "$work/capability.conf" >"$work/pam.d/capset-install-test"
printf 'cap_net_raw root\n' >"$work/capability.conf"
chmod 0644 "$work/capability.conf"
pam_out=$("$harness" "$work/pam.d" capset-install-test root 2>&1 || true)
check "libpam loads the installed pam_capset.so by name and it grants" \
  grep -q 'auth=SUCCESS setcred=SUCCESS iab=.*cap_net_raw' <<<"$pam_out"
grep -q 'auth=SUCCESS' <<<"$pam_out" || echo "$pam_out" >&2
check "capsetd answers --version" bash -c "/usr/libexec/capset/capsetd --version | grep -q '^capsetd '"

# The trigger, with a fixture package: a binary and its policy.
fixture() { # VERSION EXTRA_BYTES
  local d=$work/fixture-$1
  mkdir -p "$d/DEBIAN" "$d/usr/lib/capset-fixture" "$d/usr/lib/capset/policy.d"
  cp /bin/true "$d/usr/lib/capset-fixture/fixture-ping"
  printf '%s' "$2" >>"$d/usr/lib/capset-fixture/fixture-ping"  # a different file per version
  cat >"$d/usr/lib/capset/policy.d/capset-fixture.yaml" <<YAML
files:
  - path: /usr/lib/capset-fixture/fixture-ping
    caps: cap_net_raw=p
    package: capset-fixture
    fallback: setuid
YAML
  cat >"$d/DEBIAN/control" <<CONTROL
Package: capset-fixture
Version: $1
Architecture: all
Maintainer: capset tests <tests@capset.invalid>
Description: capset install test fixture
 A binary that needs CAP_NET_RAW, and its capset policy.
CONTROL
  dpkg-deb --root-owner-group --build "$d" "$work/capset-fixture_$1_all.deb" >/dev/null
}
fixture 1 ""
fixture 2 "v2"
bin=/usr/lib/capset-fixture/fixture-ping
dpkg -i "$work/capset-fixture_1_all.deb" >"$work/fixture.log" 2>&1
check "install: the trigger gave the binary its capability" test "$(getcap "$bin")" = "$bin cap_net_raw=p"
check "install: capctl policy verify is clean" capctl policy verify --package capset-fixture
inode1=$(stat -c %i "$bin")
dpkg -i "$work/capset-fixture_2_all.deb" >>"$work/fixture.log" 2>&1
check "upgrade: the binary is a new file" test "$(stat -c %i "$bin")" != "$inode1"
check "upgrade: ... and has its capability again" test "$(getcap "$bin")" = "$bin cap_net_raw=p"
check "upgrade: capctl policy verify is clean" capctl policy verify --package capset-fixture
dpkg -r capset-fixture >>"$work/fixture.log" 2>&1
check "remove: the binary and its policy are gone" \
  test ! -e "$bin" -a ! -e /usr/lib/capset/policy.d/capset-fixture.yaml
check "remove: no file capability is left under /usr/lib" \
  test -z "$(capctl get -r /usr/lib 2>/dev/null | grep capset-fixture)"
check "remove: capctl policy verify is clean" capctl policy verify
[[ $fail -eq 0 ]] || cat "$work/fixture.log" >&2

# And everything goes away again.
dpkg --purge capsetd libpam-capset capset >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail=1; }
check "purge: capctl, the generator, the units and the module are gone" \
  test ! -e /usr/bin/capctl -a ! -e "$generators/capset-generator" -a ! -e "$units/capsetd.socket" \
  -a ! -e "$pamdir/pam_capset.so"
check "purge: the socket is no longer enabled" test ! -e /etc/systemd/system/sockets.target.wants/capsetd.socket
[[ $fail -eq 0 ]] && echo "all install checks passed"
exit $fail
