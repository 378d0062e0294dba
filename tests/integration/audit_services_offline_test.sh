#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl audit --services --root, against the real systemd-analyze on this machine:
#  - every service unit file Debian installed here: the exposure, and each of the 81 checks'
#    badness, equal systemd-analyze security --offline=yes's for the same file;
#  - for the daemons the knowledge base knows (sshd, proftpd, cron, rsyslog where installed):
#    the predicted exposure equals systemd-analyze's on the unit with capset's drop-in (made
#    by capctl unit generate from the written policy), and the suggestion is lint-clean;
#  - containment: an alias in a --root image that names an absolute path is looked up in the
#    image, never on the host; names that are no unit names are usage errors; --fail-above
#    exits 3 above the threshold and refuses what is no exposure.
# No root needed for the comparisons; exit 77 where systemd-analyze is missing.
#   audit_services_offline_test.sh CAPCTL SOURCE_DIR
set -euo pipefail
capctl=$1
src=$2
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed" >&2; exit 77; }
fail=0
check() { if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi; }
# As root, scratch files in /run (root-owned 0755): a kept profile below /tmp (1777) would be
# refused by the trust rule before anything else is looked at.
if [[ $(id -u) -eq 0 ]]; then work=$(mktemp -d /run/capset-audit-offline.XXXXXX); else work=$(mktemp -d); fi
trap 'rm -rf "$work"' EXIT

mapfile -t units < <(for d in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
  ls "$d" 2>/dev/null | grep -E '^[^@]+\.service$' || true; done | sort -u)
"$capctl" audit --services --root / --templates "$src/unit-templates" --json "${units[@]}" \
  >"$work/all.json" 2>"$work/all.err" || true
check "every installed service unit file: exposure and all checks as systemd-analyze --offline" \
  python3 - "$work/all.json" <<'PY'
import json, os, subprocess, sys
d = json.load(open(sys.argv[1]))
env = dict(os.environ, SYSTEMD_ANALYZE_DEBUG="1")
units = checks = bad = 0
for s in d["services"]:
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--json=short", s["fragment"]],
                       capture_output=True, text=True, env=env)
    theirs = json.loads(r.stdout)
    ours = {c["json_field"]: c["badness"] for c in s["checks"]}
    weights = {c["json_field"]: c["weight"] for c in s["checks"]}
    for c in theirs:
        b = None if c["badness"] == 2**64 - 1 else c["badness"]
        checks += 1
        if ours.get(c["json_field"], "missing") != b or weights.get(c["json_field"]) != c["weight"]:
            bad += 1
            print(f"{s['unit']}: {c['json_field']}: capctl {ours.get(c['json_field'])}, systemd-analyze {b}", file=sys.stderr)
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", s["fragment"]],
                       capture_output=True, text=True)
    line = [l for l in r.stdout.splitlines() if "Overall exposure level" in l][0]
    if line.split(": ")[1].split()[0] != "%.1f" % s["exposure"]:
        bad += 1
        print(f"{s['unit']}: capctl {s['exposure']:.1f}, systemd-analyze: {line}", file=sys.stderr)
    units += 1
print(f"{units} units, {checks} checks compared, {bad} differences")
sys.exit(bad != 0 or units < 20)
PY

# The knowledge base's daemons installed here: the prediction against systemd-analyze.
known=()
for u in ssh.service proftpd.service cron.service rsyslog.service; do
  [[ -e /lib/systemd/system/$u ]] && known+=("$u")
done
if ((${#known[@]})); then
  "$capctl" audit --services --root / --templates "$src/unit-templates" --json "${known[@]}" \
    >"$work/known.json"
  "$capctl" audit --services --root / --templates "$src/unit-templates" \
    --policy-out "$work/policy.yaml" "${known[@]}" >/dev/null 2>&1
  "$capctl" unit generate --policy "$work/policy.yaml" --templates "$src/unit-templates" \
    >"$work/dropins.txt" 2>/dev/null
  for u in "${known[@]}"; do
    mkdir -p "$work/units/$u.d"
    cp "/lib/systemd/system/$u" "$work/units/$u"
    awk -v want="# $u.d/50-capset.conf" '/^# [^ ]+\.service\.d\/50-capset\.conf$/ {on = ($0 == want); next} on' \
      "$work/dropins.txt" >"$work/units/$u.d/50-capset.conf"
    theirs=$(systemd-analyze security --offline=yes "$work/units/$u" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    ours=$(python3 -c "import json,sys; d={s['unit']:s for s in json.load(open('$work/known.json'))['services']}; g=d['$u']['suggestion']; print('%.1f' % g['exposure_after'] if g else 'none')")
    check "$u: predicted exposure $ours = systemd-analyze on the unit with capset's drop-in ($theirs)" \
      test "$ours" = "$theirs"
    # (Templates in a source tree below /tmp draw a warning that the generator would refuse
    # them: only errors count here.)
    check "$u: the suggestion has no lint error" \
      python3 -c "import json,sys; d={s['unit']:s for s in json.load(open('$work/known.json'))['services']}; sys.exit(sum(l['severity'] == 'error' for l in d['$u']['suggestion']['lint']))"
  done
fi

# Containment: an alias naming an absolute path, in an image.
img=$work/img
mkdir -p "$img/etc/systemd/system" "$img/usr/lib/systemd/system"
ln -s /usr/lib/systemd/system/ssh.service "$img/etc/systemd/system/alias.service"
printf '[Service]\nExecStart=/usr/sbin/inner\nUser=inner\n' >"$img/usr/lib/systemd/system/inner.service"
ln -s ../../../usr/lib/systemd/system/inner.service "$img/etc/systemd/system/rel.service"
ln -s /../../../../usr/lib/systemd/system/inner.service "$img/etc/systemd/system/up.service"
set +e
"$capctl" audit --services --root "$img" --json alias.service >"$work/alias.json" 2>"$work/alias.err"
rc_alias=$?
"$capctl" audit --services --root "$img" --json rel.service up.service >"$work/rel.json" 2>"$work/rel.err"
rc_rel=$?
"$capctl" audit --services --root "$img" ../etc/passwd.service >/dev/null 2>"$work/bad.err"
rc_bad=$?
"$capctl" audit --services --root / --fail-above 11 ssh.service >/dev/null 2>&1
rc_11=$?
"$capctl" audit --services --root / --fail-above abc ssh.service >/dev/null 2>&1
rc_abc=$?
"$capctl" audit --fail-above 5.0 >/dev/null 2>&1
rc_noserv=$?
"$capctl" audit --services --root / --fail-above 5.0 ssh.service >/dev/null 2>&1
rc_above=$?
"$capctl" audit --services --root / --fail-above 10.0 ssh.service >/dev/null 2>&1
rc_below=$?
"$capctl" audit --services --known >/dev/null 2>&1
rc_known=$?
set -e
check "--known with --services is a usage error" test "$rc_known" = 2

# One entry per unit: an alias listed beside its unit, or a unit named twice, is audited once
# (a policy with a service twice would not parse).
mkdir -p "$img/usr/lib/systemd/system" "$img/etc/systemd/system/ssh.service.d"
cp /lib/systemd/system/ssh.service "$img/usr/lib/systemd/system/ssh.service" 2>/dev/null ||
  printf '[Service]\nExecStart=/usr/sbin/sshd -D\n' >"$img/usr/lib/systemd/system/ssh.service"
ln -s /usr/lib/systemd/system/ssh.service "$img/etc/systemd/system/sshd.service"
"$capctl" audit --services --root "$img" --templates "$src/unit-templates" --json >"$work/dedup.json" 2>/dev/null || true
"$capctl" audit --services --root "$img" --templates "$src/unit-templates" --json ssh.service sshd.service ssh.service \
  >"$work/dedup2.json" 2>/dev/null || true
check "an alias and a unit named twice are audited once" \
  python3 -c "import json,sys; a=[s['unit'] for s in json.load(open('$work/dedup.json'))['services']]; b=[s['unit'] for s in json.load(open('$work/dedup2.json'))['services']]; sys.exit(not (a.count('ssh.service')==1 and 'sshd.service' not in a and b==['ssh.service']))"

# A kept profile of another unit is not used for this one.
mkdir -p "$img/var/lib/capset/profiles"
cat >"$img/var/lib/capset/profiles/ssh.service.json" <<'JSON'
{"version": 1, "program": "/usr/bin/python3", "needed": ["cap_net_bind_service"],
 "raises_effective": false, "verified": false,
 "service": {"unit": "other.service", "user": "websvc", "group": null, "dynamic_user": false,
             "exec": "/usr/bin/python3", "template": "network-daemon", "read_write_paths": [],
             "address_families": [], "syscalls": [], "notes": []}}
JSON
"$capctl" audit --services --root "$img" --templates "$src/unit-templates" --json ssh.service \
  >"$work/other.json" 2>"$work/other.err" || true
[[ $(id -u) -eq 0 ]] && check "a kept profile of another unit is refused (the knowledge base is used)" \
  bash -c "grep -q 'is the profile of other.service, not of ssh.service' '$work/other.err' && python3 -c \"import json,sys; d=json.load(open('$work/other.json'))['services'][0]; sys.exit(d['suggestion']['source'] != 'knowledge-base')\""
rm "$img/var/lib/capset/profiles/ssh.service.json"

# --policy-out with nothing to suggest leaves an existing file alone.
printf 'services: {}\n' >"$work/keep.yaml"
"$capctl" audit --services --root "$img" --policy-out "$work/keep.yaml" rel.service >/dev/null 2>"$work/keep.err" || true
check "--policy-out with nothing to suggest leaves the file as it was" \
  bash -c "grep -qx 'services: {}' '$work/keep.yaml' && grep -q 'left as it was' '$work/keep.err'"

check "an alias to an absolute path is looked up in the image (missing there: an error, not the host's ssh.service)" \
  bash -c "[[ $rc_alias == 1 ]] && grep -q 'alias target' '$work/alias.err' && ! grep -q '/usr/sbin/sshd' '$work/alias.json'"
check "relative and climbing aliases resolve inside the image (to one unit)" \
  python3 -c "import json,sys; d=json.load(open('$work/rel.json'))['services']; sys.exit(not (len(d)==1 and d[0]['unit']=='inner.service' and d[0]['user']=='inner' and d[0]['exec']=='/usr/sbin/inner'))"
check "a name that is no unit name is a usage error" test "$rc_bad" = 2
check "--fail-above 11 and abc are usage errors, and --fail-above needs --services" \
  test "$rc_11$rc_abc$rc_noserv" = 222
check "--fail-above 5.0 exits 3 for sshd (9.6), 10.0 exits 0" test "$rc_above$rc_below" = 30
exit $fail
