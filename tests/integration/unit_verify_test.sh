#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl unit verify against what the real capset-generator wrote: in sync after a run;
# a hand edit of a directive (and only that: not a comment or spacing) is drift with the
# directive named; a policy changed since the generator ran, a service the policy no longer
# names (stale), a drop-in not written yet (missing), one someone else could change, and one
# replaced by a symbolic link are each reported, and never as "ok". Needs root (the policy
# must pass the trust rule for the generator to use it); exit 77 otherwise.
#   unit_verify_test.sh CAPCTL GENERATOR SOURCE_DIR
set -euo pipefail
capctl=$1 generator=$2 src=$3
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root (the generator trusts only root's policy)" >&2; exit 77; }
fail=0
check() { if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi; }
R=$(mktemp -d /run/capset-unit-verify.XXXXXX)
trap 'rm -rf "$R"' EXIT
chmod 0755 "$R"
mkdir -p "$R"/etc/capset/policy.d "$R"/etc/capset/unit-templates "$R"/run/systemd/generator{,.early,.late}
cp "$src"/unit-templates/*.conf "$R/etc/capset/unit-templates/"
cat >"$R/etc/capset/policy.d/web.yaml" <<'YAML'
services:
  web.service:
    user: www-data
    ambient: [CAP_NET_BIND_SERVICE]
    template: network-daemon
  db.service:
    user: postgres
    ambient: []
YAML
gen=$R/run/systemd/generator
dropin=$gen/web.service.d/50-capset.conf
run_gen() { CAPSET_ROOT="$R" "$generator" "$gen" "$gen.early" "$gen.late"; }
verify() { "$capctl" unit verify --root "$R" "$@"; }
rc() { local r=0; "$@" >"$R/out" 2>&1 || r=$?; echo $r; }

check "missing before the generator ran (exit 3)" test "$(rc verify)" = 3
check "  and says so" grep -q '^web.service: missing ' "$R/out"
run_gen
check "in sync after the generator ran (exit 0)" test "$(rc verify)" = 0
check "  each service ok" test "$(grep -c ': ok ' "$R/out")" = 2
printf '\n# a comment\n' >>"$dropin"
sed -i 's/^User=www-data$/User  =  www-data  /' "$dropin"
check "comments and spacing are not drift" test "$(rc verify)" = 0
sed -i 's/^User *= *www-data *$/User=root/' "$dropin"
check "a hand edit is drift (exit 3)" test "$(rc verify web.service)" = 3
check "  the edited directive named, have then want" \
  bash -c "grep -A2 '^web.service: drift' '$R/out' | tr '\n' '|' | grep -q '  - \[Service\] User=root|  + \[Service\] User=www-data|'"
check "  --json says the same" bash -c "'$capctl' unit verify --root '$R' --json web.service | python3 -c 'import json,sys; d=json.load(sys.stdin); u=d[\"units\"][0]; sys.exit(not (not d[\"ok\"] and u[\"state\"] == \"drift\" and {\"op\": \"-\", \"directive\": \"[Service] User=root\"} in u[\"diff\"]))'"
run_gen
check "the generator's next run repairs it" test "$(rc verify)" = 0
sed -i 's/user: postgres/user: mysql/' "$R/etc/capset/policy.d/web.yaml"
check "a policy changed since the generator ran is drift" test "$(rc verify db.service)" = 3
check "  naming both users" bash -c "grep -q -- '- \[Service\] User=postgres' '$R/out' && grep -q -- '+ \[Service\] User=mysql' '$R/out'"
run_gen
python3 - "$R/etc/capset/policy.d/web.yaml" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines(True)
open(p, 'w').write(''.join(lines[:5]))
PY
check "a drop-in of a service no longer in the policy is stale" test "$(rc verify)" = 3
check "  named" grep -q '^db.service: stale ' "$R/out"
check "  not reported when asking about another service" test "$(rc verify web.service)" = 0
rm -r "$gen/db.service.d"
chmod 0666 "$dropin"
check "a drop-in someone else could change is drift" test "$(rc verify)" = 3
check "  saying why" grep -q 'writable by everyone' "$R/out"
chmod 0644 "$dropin"
mv "$dropin" "$R/elsewhere.conf"
ln -s "$R/elsewhere.conf" "$dropin"
check "a drop-in replaced by a symbolic link is drift (exit 3), not read through the link" \
  test "$(rc verify)" = 3
check "  saying why" grep -q '^web.service: drift .*symbolic link' "$R/out"
rm "$dropin"
# systemd's search path: the service exists, and capset's drop-in is right, but another
# 50-capset.conf earlier in the path shadows it, or a later drop-in overrides it.
mkdir -p "$R/etc/systemd/system/web.service.d"
printf '[Service]\nExecStart=/bin/true\n' >"$R/etc/systemd/system/web.service"
run_gen
check "with its unit file in place, in sync (exit 0)" test "$(rc verify web.service)" = 0
printf '[Service]\nUser=root\n' >"$R/etc/systemd/system/web.service.d/50-capset.conf"
check "a 50-capset.conf in /etc shadows the generator's: drift" test "$(rc verify web.service)" = 3
check "  naming the file and its User=root" \
  bash -c "grep -q 'shadowed by /etc/systemd/system/web.service.d/50-capset.conf' '$R/out' && grep -q -- '- \[Service\] User=root' '$R/out'"
rm "$R/etc/systemd/system/web.service.d/50-capset.conf"
printf '[Service]\nAmbientCapabilities=CAP_SYS_ADMIN\n' >"$gen/web.service.d/60-more.conf"
check "a later drop-in that adds a capability overrides capset's: drift" test "$(rc verify web.service)" = 3
check "  naming it" grep -q 'overridden by /run/systemd/generator/web.service.d/60-more.conf' "$R/out"
printf '[Service]\nEnvironment=A=1\n' >"$gen/web.service.d/60-more.conf"
check "a later drop-in that sets something else is not drift" test "$(rc verify web.service)" = 0
mkdir -p "$gen.early/web.service.d" && printf '[Service]\nUser=root\n' >"$gen.early/web.service.d/50-capset.conf"
check "generator.early (before the generator's directory) shadows it too" test "$(rc verify web.service)" = 3
rm -r "$gen.early/web.service.d" "$gen/web.service.d/60-more.conf"
printf '# note\rUser=root\n' >>"$dropin"
check "a directive behind a carriage return in a comment is drift (systemd reads it)" \
  test "$(rc verify web.service)" = 3
run_gen
chmod 0777 "$gen"
check "a generator directory someone else could change is drift" test "$(rc verify web.service)" = 3
chmod 0755 "$gen"
mkdir -p "$R/elsewhere.d" && printf '[Service]\nUser=root\n' >"$R/elsewhere.d/50-capset.conf"
ln -s "$R/elsewhere.d" "$gen/old.service.d"
check "a stale drop-in directory that is a symbolic link is drift, not skipped" test "$(rc verify)" = 3
check "  named" grep -q '^old.service: drift ' "$R/out"
rm "$gen/old.service.d"
check "--templates does not go with verify (exit 2)" test "$(rc verify --templates "$R")" = 2
check "an unknown service is an error (exit 1)" test "$(rc verify nope.service)" = 1
check "--dir goes with verify only (exit 2)" test "$(rc "$capctl" unit lint --dir "$gen")" = 2
check "--dir names the directory" test "$(rc verify --dir "$R/nonexistent")" = 3
exit $fail
