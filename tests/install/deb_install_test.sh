#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
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
  dpkg --purge capset-fixture capset-fixture-policy capset-fixture-bin capsetd libpam-capset capset \
    >/dev/null 2>&1 || true
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

# The trigger, with fixture packages.
package() { # NAME VERSION DIR: DIR (the files) becomes $work/NAME_VERSION_all.deb
  mkdir -p "$3/DEBIAN"
  cat >"$3/DEBIAN/control" <<CONTROL
Package: $1
Version: $2
Architecture: all
Maintainer: capset tests <tests@capset.invalid>
Description: capset install test fixture
 A binary that needs CAP_NET_RAW, or its capset policy, or both.
CONTROL
  dpkg-deb --root-owner-group --build "$3" "$work/$1_$2_all.deb" >/dev/null
}
policy_file() { # DIR PATH PACKAGE: a policy giving PATH CAP_NET_RAW, in DIR's policy.d
  mkdir -p "$1/usr/lib/capset/policy.d"
  cat >"$1/usr/lib/capset/policy.d/$3.yaml" <<YAML
files:
  - path: $2
    caps: cap_net_raw=p
    package: $3
    fallback: setuid
YAML
}
binary() { # DIR PATH EXTRA_BYTES: a small binary at PATH, different per EXTRA_BYTES
  mkdir -p "$1/$(dirname "$2")"
  cp /bin/true "$1/$2"
  printf '%s' "$3" >>"$1/$2"
}
# capset-fixture: a binary and its policy, in versions 1 and 2.
fixture() { # VERSION EXTRA_BYTES
  local d=$work/fixture-$1
  binary "$d" /usr/lib/capset-fixture/fixture-ping "$2"
  policy_file "$d" /usr/lib/capset-fixture/fixture-ping capset-fixture
  package capset-fixture "$1" "$d"
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
check "remove: the record forgets the file" \
  bash -c "! grep -q capset-fixture/ /var/lib/capset/applied-files.json"
check "remove: capctl policy verify is clean" capctl policy verify

# A policy-only package for another package's binary: removing the policy leaves the binary
# without the capability (the record says capset gave it), and nothing else is touched.
tool=/usr/lib/capset-fixture-bin/tool
binary "$work/fixture-bin" "$tool" ""
package capset-fixture-bin 1 "$work/fixture-bin"
policy_file "$work/fixture-policy" "$tool" capset-fixture-policy
package capset-fixture-policy 1 "$work/fixture-policy"
dpkg -i "$work/capset-fixture-bin_1_all.deb" "$work/capset-fixture-policy_1_all.deb" \
  >>"$work/fixture.log" 2>&1
check "policy-only: the trigger gave the other package's binary its capability" \
  test "$(getcap "$tool")" = "$tool cap_net_raw=p"
check "policy-only: the record lists it" grep -q "\"path\": \"$tool\"" /var/lib/capset/applied-files.json
dpkg -r capset-fixture-policy >>"$work/fixture.log" 2>&1
check "policy-only: removing the policy keeps the binary" test -x "$tool"
check "policy-only: ... and takes the capability away" test -z "$(getcap "$tool")"
check "policy-only: ... and the record forgets it" \
  bash -c "! grep -q '$tool' /var/lib/capset/applied-files.json"
check "policy-only: capctl policy verify is clean" capctl policy verify
dpkg -r capset-fixture-bin >>"$work/fixture.log" 2>&1
[[ $fail -eq 0 ]] || cat "$work/fixture.log" >&2

# And everything goes away again.
dpkg --purge capsetd libpam-capset capset >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail=1; }
check "purge: capctl, the generator, the units and the module are gone" \
  test ! -e /usr/bin/capctl -a ! -e "$generators/capset-generator" -a ! -e "$units/capsetd.socket" \
  -a ! -e "$pamdir/pam_capset.so"
check "purge: the record of applied files is gone" test ! -e /var/lib/capset
check "purge: the socket is no longer enabled" test ! -e /etc/systemd/system/sockets.target.wants/capsetd.socket
[[ $fail -eq 0 ]] && echo "all install checks passed"
exit $fail
