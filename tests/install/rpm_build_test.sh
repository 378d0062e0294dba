#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The RPM packaging: packaging/rpm/capset.spec builds with rpmbuild on this machine, the
# packages carry the file triggers on /usr/lib/capset/policy.d and the maintainer scripts,
# and their payload installs into a throw-away root (rpm --root, without scripts) with every
# file where systemd, PAM and man look for it. Then, as root, the packages are installed with
# their scripts into a root whose /usr is an overlay on this machine's (so the scriptlets
# find a shell and capctl its libraries), and fixture RPMs prove the file triggers: install,
# upgrade, a policy-only package removed, the fixture removed.
#   tests/install/rpm_build_test.sh [OUT_DIR]     exit 77 = skipped
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$src/build-rpm}")
command -v rpmbuild >/dev/null || { echo "SKIP: rpmbuild is not installed (package rpm)" >&2; exit 77; }

fail=0
check() { # description, command...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi
}
start=$(date +%s)
"$src/packaging/build-rpm.sh" "$out" >/dev/null
echo "built the RPMs in $(($(date +%s) - start)) s"
rpms=("$out"/RPMS/*/*.rpm)
check "three packages" test "${#rpms[@]}" -eq 3
capset=$(ls "$out"/RPMS/*/capset-[0-9]*.rpm)
triggers=$(rpm -qp --filetriggers "$capset" 2>/dev/null)
check "capset has a transaction file trigger on install into /usr/lib/capset/policy.d" \
  grep -q '^transfiletriggerin scriptlet.* -- /usr/lib/capset/policy.d$' <<<"$triggers"
check "... and on removal" \
  grep -q '^transfiletriggerpostun scriptlet.* -- /usr/lib/capset/policy.d$' <<<"$triggers"
check "... which run capctl policy apply" grep -q '^capctl policy apply' <<<"$triggers"
check "capsetd creates its user and presets its socket" \
  bash -c "rpm -qp --scripts '$(ls "$out"/RPMS/*/capsetd-*.rpm)' 2>/dev/null | grep -q 'systemd-sysusers.*capsetd.conf'"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT  # replaced below once there is more to clean
rpm --root "$root" --initdb
rpm --root "$root" -i --nodeps --noscripts --notriggers "${rpms[@]}" 2>"$root.err" ||
  { cat "$root.err" >&2; fail=1; }
rm -f "$root.err"
generators=$(pkg-config --variable=systemdsystemgeneratordir systemd)
units=$(pkg-config --variable=systemdsystemunitdir systemd)
for f in /usr/bin/capctl "$generators/capset-generator" /usr/libexec/capset/capsetd \
  "$units/capsetd.socket" "$units/capsetd.service" /usr/lib/sysusers.d/capsetd.conf \
  /usr/lib/capset/unit-templates/strict.conf /usr/share/bash-completion/completions/capctl \
  /usr/share/man/man1/capctl.1 /usr/share/man/man8/capsetd.8; do
  check "installs $f" test -e "$root$f"
done
check "installs pam_capset.so in %{_libdir}/security" \
  bash -c "ls '$root'/usr/lib*/security/pam_capset.so >/dev/null 2>&1"
check "rpm -V finds the installed files intact" \
  bash -c "rpm --root '$root' -Va --nodeps --nofiledigest 2>/dev/null | grep -v '^\\.\\.\\.\\.\\.\\.\\.T\\.' | wc -l | grep -qx 0"

# The file triggers, run by rpm itself.
if [[ $(id -u) -ne 0 ]] || ! grep -qw overlay /proc/filesystems; then
  echo "SKIP: the trigger checks need root and overlayfs" >&2
  [[ $fail -eq 0 ]] && echo "all RPM checks that could run passed"
  exit $fail
fi
sys=$(mktemp -d /run/capset-rpm.XXXXXX)  # /run: root's, so capctl's trust checks pass
chmod 0755 "$sys"
R=$sys/root
cleanup() {
  umount "$R/dev" "$R/proc" "$R/usr" 2>/dev/null || true
  rm -rf "$root" "$sys"
}
trap cleanup EXIT
mkdir -p "$R"/{usr,etc,dev,proc,tmp,var/lib} "$sys"/{upper,work,stage}
for l in bin sbin lib lib64; do ln -s usr/$l "$R/$l"; done
cp /etc/passwd /etc/group /etc/nsswitch.conf "$R/etc/"
mount -t overlay capset-rpm -o "lowerdir=/usr,upperdir=$sys/upper,workdir=$sys/work" "$R/usr"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
rpm --root "$R" --initdb
rpm --root "$R" -i --nodeps "${rpms[@]}" >"$sys/rpm.log" 2>&1 || { cat "$sys/rpm.log" >&2; fail=1; }
check "with scripts: capctl runs in the root" chroot "$R" capctl --version
check "with scripts: capsetd's %post created its user" grep -q '^capsetd:' "$R/etc/passwd"

fixture_rpm() { # NAME VERSION PATH=CONTENT...: a noarch RPM of those files
  local name=$1 version=$2 stage=$sys/stage/$1-$2 files="" f
  shift 2
  for f in "$@"; do
    install -D -m "$([[ $f == *.yaml=* ]] && echo 0644 || echo 0755)" /dev/null "$stage${f%%=*}"
    printf '%b' "${f#*=}" >"$stage${f%%=*}"
    files+="${f%%=*}"$'\n'
  done
  cat >"$stage.spec" <<SPEC
Name: $name
Version: $version
Release: 1
Summary: capset install test fixture
License: none
BuildArch: noarch
AutoReqProv: no
%description
A file that needs CAP_NET_RAW, or its capset policy, or both.
%install
mkdir -p %{buildroot}
cp -a $stage/. %{buildroot}/
%files
$files
SPEC
  rpmbuild -bb --define "_topdir $sys/top" "$stage.spec" >"$stage.log" 2>&1 ||
    { cat "$stage.log" >&2; return 1; }
}
policy() { # PATH PACKAGE: a policy giving PATH CAP_NET_RAW
  printf 'files:\\n  - path: %s\\n    caps: cap_net_raw=p\\n    package: %s\\n' "$1" "$2"
}
bin=/usr/lib/capset-fixture/fixture-ping
tool=/usr/lib/capset-fixture-bin/tool
fixture_rpm capset-fixture 1 "$bin=#!/bin/sh\\n# v1\\n" \
  "/usr/lib/capset/policy.d/capset-fixture.yaml=$(policy $bin capset-fixture)"
fixture_rpm capset-fixture 2 "$bin=#!/bin/sh\\n# v2\\n" \
  "/usr/lib/capset/policy.d/capset-fixture.yaml=$(policy $bin capset-fixture)"
fixture_rpm capset-fixture-bin 1 "$tool=#!/bin/sh\\n"
fixture_rpm capset-fixture-policy 1 \
  "/usr/lib/capset/policy.d/capset-fixture-policy.yaml=$(policy $tool capset-fixture-policy)"
noarch=$sys/top/RPMS/noarch
record=$R/var/lib/capset/applied-files.json

rpm --root "$R" -i "$noarch/capset-fixture-1-1.noarch.rpm" >>"$sys/rpm.log" 2>&1
check "install: the file trigger gave the binary its capability" \
  test "$(getcap "$R$bin")" = "$R$bin cap_net_raw=p"
check "install: capctl policy verify is clean" chroot "$R" capctl policy verify --local
inode1=$(stat -c %i "$R$bin")
rpm --root "$R" -U "$noarch/capset-fixture-2-1.noarch.rpm" >>"$sys/rpm.log" 2>&1
check "upgrade: the binary is a new file" test "$(stat -c %i "$R$bin")" != "$inode1"
check "upgrade: ... and has its capability again" test "$(getcap "$R$bin")" = "$R$bin cap_net_raw=p"
rpm --root "$R" -i "$noarch/capset-fixture-bin-1-1.noarch.rpm" \
  "$noarch/capset-fixture-policy-1-1.noarch.rpm" >>"$sys/rpm.log" 2>&1
check "policy-only, with its binary in one transaction: the trigger gave the file its capability" \
  test "$(getcap "$R$tool")" = "$R$tool cap_net_raw=p"
rpm --root "$R" -e capset-fixture-policy >>"$sys/rpm.log" 2>&1
check "policy-only: removing the policy keeps the file" test -e "$R$tool"
check "policy-only: ... and takes the capability away (%transfiletriggerpostun)" test -z "$(getcap "$R$tool")"
rpm --root "$R" -e capset-fixture capset-fixture-bin >>"$sys/rpm.log" 2>&1
check "remove: the fixture files are gone" test ! -e "$R$bin" -a ! -e "$R$tool"
check "remove: the record lists nothing any more" \
  bash -c "! grep -q '\"path\"' '$record'"
check "remove: capctl policy verify is clean" chroot "$R" capctl policy verify --local
[[ $fail -eq 0 ]] || cat "$sys/rpm.log" >&2
[[ $fail -eq 0 ]] && echo "all RPM checks passed"
exit $fail
