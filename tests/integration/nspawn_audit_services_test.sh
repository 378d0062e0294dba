#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl audit --services on a real systemd (booted with systemd-nspawn on the host's /usr)
# running real Debian daemons from their vendor units: sshd (openssh-server), proftpd
# (proftpd-core), cron, rsyslog, and a root web server (python3 -m http.server) whose
# profile capctl profile --unit kept. The report must name each one correctly (root or not,
# the capabilities its processes hold, the ports it listens on), give the same exposure as
# systemd-analyze security for each, and read the same settings offline (--root /) as live.
# Its policy (--policy-out), turned into drop-ins by the real capset-generator at
# daemon-reload, must make all five run with fewer privileges — the web server as its own
# user, sshd, proftpd, cron and rsyslog as root with a bounding set of their few capabilities
# — and still do their work for real clients (ssh, lftp over FTP, curl, logger's message in
# /var/log/syslog; cron is checked running), with the exposure systemd-analyze gives
# afterwards equal to the one capctl predicted, and
# --fail-above 7.0 exiting 3 before and 0 after. Exit 77 (CTest: skipped) with the reason
# where no systemd can be booted or a daemon is not installed.
#   nspawn_audit_services_test.sh CAPCTL GENERATOR SOURCE_DIR
set -euo pipefail
capctl=$1
generator=$2
src=$3

# shellcheck source=nspawn_lib.sh
source "$(dirname "$0")/nspawn_lib.sh"
skip() { echo "SKIP: $*" >&2; exit 77; }
nspawn_require
for p in /usr/sbin/sshd /usr/sbin/proftpd /usr/sbin/cron /usr/sbin/rsyslogd /usr/bin/lftp \
  /usr/bin/curl /usr/bin/ssh; do
  [[ -x $p ]] || skip "$p is not installed (tools/dev/setup.sh installs it)"
done

work=$(mktemp -d /run/capset-audit.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
out=$work/out
nspawn_root "$R"
nspawn_capset "$R" "$capctl" "$generator" "$src"
mkdir -p "$out" "$R"/var/lib/capset/profiles "$R"/srv/websvc "$R"/var/log/proftpd \
  "$R"/var/spool/rsyslog "$R"/var/spool/cron/crontabs
nspawn_accounts "$R" '^(alice|websvc):'
days=$(($(date +%s) / 86400))
echo "alice:x:4301:4301:capset audit test:/home/alice:/bin/bash" >>"$R/etc/passwd"
echo "alice:x:4301:" >>"$R/etc/group"
echo "alice:$(openssl passwd -6 capset-ftp-pw):$days:0:99999:7:::" >>"$R/etc/shadow"
echo "websvc:x:4270:4270:capset audit test:/srv/websvc:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "websvc:x:4270:" >>"$R/etc/group"
chown 4270:4270 "$R/srv/websvc"
chgrp crontab "$R/var/spool/cron/crontabs" 2>/dev/null || true
chmod 1730 "$R/var/spool/cron/crontabs"

# The daemons' own configuration, as their packages installed it on this machine.
cp -a /etc/pam.d /etc/security /etc/proftpd /etc/default /etc/rsyslog.conf /etc/crontab \
  /etc/cron.d /etc/login.defs /etc/shells /etc/ftpusers "$R/etc/"
[[ -d /etc/rsyslog.d ]] && cp -a /etc/rsyslog.d "$R/etc/"
printf "127.0.0.1 localhost capset-audit\n::1 localhost\n" >"$R/etc/hosts"
# proftpd on the container's loopback only.
printf 'DefaultAddress 127.0.0.1\nUseIPv6 off\nUseReverseDNS off\n' \
  >"$R/etc/proftpd/conf.d/capset-test.conf"
mkdir -p "$R/etc/ssh"
cp /etc/ssh/sshd_config "$R/etc/ssh/"
cp /etc/ssh/moduli "$R/etc/ssh/" 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$R/etc/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -f "$R/root/key"
mkdir -p "$R/home/alice/.ssh"
cp "$R/root/key.pub" "$R/home/alice/.ssh/authorized_keys"
chmod 0700 "$R/home/alice/.ssh"
chmod 0600 "$R/home/alice/.ssh/authorized_keys"
chown -R 4301:4301 "$R/home/alice"
echo "uploaded over FTP" >"$R/opt/capset/upload.txt"


# A root web server, and the profile capctl profile --unit websvc.service --user websvc kept
# of it (the profiler itself is tested by nspawn_profile_test.sh).
cat >"$R/etc/systemd/system/websvc.service" <<'UNIT'
[Unit]
Description=capset audit test: a web server that runs as root
[Service]
ExecStart=/usr/bin/python3 -m http.server 80 --bind 127.0.0.1 --directory /srv/websvc
[Install]
WantedBy=multi-user.target
UNIT
echo "hello from websvc" >"$R/srv/websvc/index.html"
chown 4270:4270 "$R/srv/websvc/index.html"
cat >"$R/var/lib/capset/profiles/websvc.service.json" <<'JSON'
{"version": 1, "program": "/usr/bin/python3", "needed": ["cap_net_bind_service"],
 "raises_effective": false, "verified": false,
 "service": {"unit": "websvc.service", "user": "websvc", "group": null, "dynamic_user": false,
             "exec": "/usr/bin/python3", "template": "network-daemon", "read_write_paths": [],
             "address_families": [], "syscalls": [], "notes": []}}
JSON
chmod 0644 "$R/var/lib/capset/profiles/websvc.service.json"

units="ssh.service proftpd.service cron.service rsyslog.service websvc.service"
changed="ssh.service proftpd.service cron.service rsyslog.service websvc.service"
for u in ssh.service proftpd.service cron.service rsyslog.service; do
  ln -s "/lib/systemd/system/$u" "$R/etc/systemd/system/multi-user.target.wants/$u"
done
# What systemctl enable rsyslog adds: its Alias=, which syslog.socket activates.
ln -s /lib/systemd/system/rsyslog.service "$R/etc/systemd/system/syslog.service"
nspawn_enable "$R" websvc.service

cat >"$R/opt/capset/run.sh" <<SCRIPT
#!/bin/bash
# Inside the container, once the daemons run as their vendor units say.
exec >/out/run.log 2>&1
set -x
units="$units"
changed="$changed"
SCRIPT
cat >>"$R/opt/capset/run.sh" <<'SCRIPT'
capctl=/opt/capset/capctl
active() { for _ in $(seq 100); do systemctl is-active -q "$1" && return 0; sleep 0.1; done; return 1; }
clients() { # SUFFIX: each daemon's real client
  curl -fsS --max-time 5 http://127.0.0.1/ >"/out/curl.$1" 2>&1
  ssh -i /root/key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=10 alice@127.0.0.1 'id -un; grep -E "^Cap(Bnd|Eff)" /proc/self/status; strace -o /dev/null true && echo strace works' \
    >"/out/ssh.$1" 2>"/out/ssh.$1.err"
  lftp -u alice,capset-ftp-pw -e "set net:max-retries 1; set net:timeout 10; put /opt/capset/upload.txt -o upload-$1.txt; cat upload-$1.txt; bye" \
    127.0.0.1 >"/out/ftp.$1" 2>"/out/ftp.$1.err"
  logger -t capset-audit-test "logged $1"
  for _ in $(seq 50); do grep -q "capset-audit-test: logged $1" /var/log/syslog 2>/dev/null && break; sleep 0.1; done
  grep -h "capset-audit-test: " /var/log/syslog >"/out/syslog.$1" 2>&1
}
status() { # SUFFIX: the Uid and Cap* lines of each unit's main process
  for u in $units; do
    grep -E '^(Uid|Cap)' "/proc/$(systemctl show -p MainPID --value "$u")/status" >"/out/$u.$1.status"
  done
}
exposure() { # SUFFIX: systemd-analyze security's number for each unit
  for u in $units; do
    systemd-analyze security --no-pager "$u" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' >"/out/$u.$1.exposure"
  done
}
for u in $units; do active "$u" || echo "$u did not start"; done
systemctl status --no-pager rsyslog.service syslog.socket >/out/rsyslog.status 2>&1
{ cat "/proc/$(systemctl show -p MainPID --value ssh.service)/cgroup"; systemctl show -p ControlGroup ssh.service; } >/out/ssh.cgroup
clients before
status before
exposure before
$capctl audit --services --json >/out/audit.json 2>/out/audit.err
echo "rc=$?" >/out/audit.rc
$capctl audit --services >/out/audit.txt 2>&1
$capctl audit --services --root / --json $units >/out/offline.json 2>/out/offline.err
$capctl audit --services --fail-above 7.0 ssh.service >/dev/null 2>&1
echo "rc=$?" >/out/fail.before
$capctl audit --services --policy-out /out/policy.yaml $changed >/out/policy.txt 2>&1
$capctl policy check /out/policy.yaml >/out/check.txt 2>&1
echo "rc=$?" >>/out/check.txt
cp /out/policy.yaml /etc/capset/policy.d/audit.yaml
systemctl daemon-reload
for u in $changed; do
  systemctl restart "$u"
  echo "$u rc=$?" >>/out/restart.txt
done
for u in $units; do active "$u" || echo "$u is not active after the restart"; done
ls -d /run/systemd/generator/*.service.d/50-capset.conf >/out/generated.txt 2>&1
sleep 1
clients after
status after
exposure after
systemctl show -p User websvc.service >/out/websvc.user
$capctl audit --services --fail-above 7.0 ssh.service >/dev/null 2>&1
echo "rc=$?" >/out/fail.after
$capctl audit --services --json >/out/audit.after.json 2>/out/audit.after.err
journalctl --no-pager -u ssh -u proftpd -u cron -u rsyslog -u syslog.socket -u websvc >/out/journal.txt
cp /var/log/proftpd/proftpd.log /out/proftpd.log 2>/dev/null
cat /out/generated.txt
touch /out/done
SCRIPT
chmod 0755 "$R/opt/capset/run.sh"
cat >"$R/etc/systemd/system/capset-audit-run.service" <<UNIT
[Unit]
Description=capset audit test: audit the daemons, apply the policy, power off
After=$units
[Service]
Type=oneshot
ExecStart=/opt/capset/run.sh
ExecStartPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=150
UNIT
nspawn_enable "$R" capset-audit-run.service

SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 nspawn_boot "$R" "$out" "$work/console" \
  "audited five daemons, applied the policy" done --private-network --hostname=capset-audit
echo "--- capctl audit --services (before)"
cat "$out/audit.txt" || true
echo "--- the policy"
cat "$out/policy.yaml" 2>/dev/null || echo "(none written)"

field() { awk -v k="$1:" '$1 == k {print $2}' "$out/$2.status"; }
report() { python3 "$src/tests/integration/audit_services_check.py" "$@"; }
check "audit --services succeeded" grep -qx 'rc=0' "$out/audit.rc"
check "the report names the five daemons as root, with what they hold and listen on" \
  report findings "$out/audit.json"
for u in $units; do
  check "$u: exposure $(cat "$out/$u.before.exposure") equals systemd-analyze security's" \
    report exposure "$out/audit.json" "$u" "$(cat "$out/$u.before.exposure")"
done
check "offline (--root /) reads the same settings and exposure as live" \
  report offline "$out/audit.json" "$out/offline.json"
check "suggestions: websvc from its kept profile, sshd/proftpd/cron from the knowledge base, lint-clean" \
  report suggestions "$out/audit.json"
check "--fail-above 7.0 exits 3 for sshd before" grep -qx 'rc=3' "$out/fail.before"
check "capctl policy check accepts the written policy" grep -qx 'rc=0' "$out/check.txt"
for u in $changed; do
  check "$u restarts with capset's drop-in" grep -qx "$u rc=0" "$out/restart.txt"
  check "$u: capset-generator wrote its drop-in" grep -qx "/run/systemd/generator/$u.d/50-capset.conf" "$out/generated.txt"
  check "$u: the exposure after ($(cat "$out/$u.after.exposure")) is the one capctl predicted" \
    report predicted "$out/audit.json" "$u" "$(cat "$out/$u.after.exposure")"
done
check "curl is served by websvc, before and after" \
  bash -c "grep -qx 'hello from websvc' '$out/curl.before' && grep -qx 'hello from websvc' '$out/curl.after'"
check "alice logs in over ssh, before and after" \
  bash -c "grep -qx alice '$out/ssh.before' && grep -qx alice '$out/ssh.after'"
check "alice uploads over FTP, before and after" \
  bash -c "grep -qx 'uploaded over FTP' '$out/ftp.before' && grep -qx 'uploaded over FTP' '$out/ftp.after'"
check "rsyslog writes what is logged to /var/log/syslog, before and after" \
  bash -c "grep -q 'logged before' '$out/syslog.before' && grep -q 'logged after' '$out/syslog.after'"
check "websvc runs as its own user (uid 4270)" test "$(field Uid websvc.service.after | head -1)" = 4270
for k in CapPrm CapEff CapBnd CapAmb; do
  check "websvc: $k is exactly CAP_NET_BIND_SERVICE" test "$(field $k websvc.service.after)" = 0000000000000400
done
for u in ssh.service proftpd.service cron.service rsyslog.service; do
  check "$u: was root with every capability before" test "$(field CapBnd $u.before)" = "$(field CapBnd websvc.service.before)"
  check "$u: its bounding set is now the policy's" \
    report bounding "$out/policy.yaml" "$u" "$(field CapBnd $u.after)" "$(field CapBnd websvc.service.before)"
  check "$u: still root (it switches to its users itself)" test "$(field Uid $u.after | head -1)" = 0
done
check "a debugger still works in an ssh session (privsep-daemon filters no @debug)" \
  grep -qx 'strace works' "$out/ssh.after"
check "an ssh session now has sshd's bounding set" \
  test "$(awk '$1 == "CapBnd:" {print $2}' "$out/ssh.after")" = "$(field CapBnd ssh.service.after)"
check "--fail-above 7.0 exits 0 for sshd after" grep -qx 'rc=0' "$out/fail.after"
for u in $units; do
  echo "exposure $u: $(cat "$out/$u.before.exposure") -> $(cat "$out/$u.after.exposure")"
done
for u in $units; do
  echo "CapBnd $u: $(field CapBnd $u.before) -> $(field CapBnd $u.after)"
done
if ((fail)); then
  rm -rf /tmp/capset-audit-services.out && cp -r "$out" /tmp/capset-audit-services.out
  echo "(the container's output is kept in /tmp/capset-audit-services.out)"
  echo "--- run.log"; tail -60 "$out/run.log"
  for f in audit.err offline.err ssh.after.err ftp.after.err ftp.before.err policy.txt check.txt \
    proftpd.log rsyslog.status; do
    echo "--- $f"; cat "$out/$f" 2>/dev/null || true
  done
  echo "--- journal"; tail -40 "$out/journal.txt" 2>/dev/null || true
  echo "--- console"; tail -30 "$work/console"
fi
exit $fail
