#!/usr/bin/env bash
# The RPM packaging: packaging/rpm/capset.spec builds with rpmbuild on this machine, the
# packages carry the file triggers on /usr/lib/capset/policy.d and the maintainer scripts,
# and their payload installs into a throw-away root (rpm --root; scripts are not run there:
# it has no shell) with every file where systemd, PAM and man look for it.
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
check "capset has a file trigger on install into /usr/lib/capset/policy.d" \
  grep -q '^filetriggerin scriptlet.* -- /usr/lib/capset/policy.d$' <<<"$triggers"
check "... and on removal" grep -q '^filetriggerpostun scriptlet.* -- /usr/lib/capset/policy.d$' <<<"$triggers"
check "... which run capctl policy apply" grep -q '^capctl policy apply' <<<"$triggers"
check "capsetd creates its user and presets its socket" \
  bash -c "rpm -qp --scripts '$(ls "$out"/RPMS/*/capsetd-*.rpm)' 2>/dev/null | grep -q 'systemd-sysusers.*capsetd.conf'"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
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
[[ $fail -eq 0 ]] && echo "all RPM checks passed"
exit $fail
