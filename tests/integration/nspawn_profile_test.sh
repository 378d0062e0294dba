#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl profile --unit on a real systemd (booted with systemd-nspawn on the host's /usr): a
# root service that binds port 80 and writes in its own directory is profiled as the user it
# should run as, while a real client (curl) uses it; the policy written is checked by capctl
# policy check, installed, turned into a drop-in by the real capset-generator at
# daemon-reload, and the service restarted with it: it starts the first time, as that user,
# with only the profiled capabilities (the Cap* lines of /proc/PID/status), and serves curl.
# The permissive drop-in is gone afterwards and nothing kept its capabilities. Exit 77
# (CTest: skipped) with the reason where no systemd can be booted or BPF is not allowed.
#   nspawn_profile_test.sh CAPCTL GENERATOR SOURCE_DIR
set -euo pipefail
capctl=$1
generator=$2
src=$3

# shellcheck source=nspawn_lib.sh
source "$(dirname "$0")/nspawn_lib.sh"
skip() { echo "SKIP: $*" >&2; exit 77; }
nspawn_require
command -v curl >/dev/null || skip "curl is not installed"
"$capctl" profile --help >/dev/null
if ! "$capctl" profile --no-verify -- true >/dev/null 2>&1; then
  skip "capctl profile cannot trace on this host: $("$capctl" profile --no-verify -- true 2>&1 | tail -1)"
fi

work=$(mktemp -d /run/capset-nspawn.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
out=$work/out
nspawn_root "$R"
nspawn_capset "$R" "$capctl" "$generator" "$src"
mkdir -p "$R"/srv/websvc "$out"
nspawn_accounts "$R" '^(websvc):'
echo "websvc:x:4270:4270:capset profile test:/srv/websvc:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "websvc:x:4270:" >>"$R/etc/group"
chown 4270:4270 "$R/srv/websvc"

# The vendor unit: root, every capability, writes in /srv/websvc and serves it on port 80.
cat >"$R/etc/systemd/system/websvc.service" <<'UNIT'
[Unit]
Description=capset profile test: a web server that runs as root
[Service]
ExecStart=/bin/sh -c 'date > /srv/websvc/started; echo hello from websvc > /srv/websvc/index.html; exec /usr/bin/python3 -m http.server 80 --bind 127.0.0.1 --directory /srv/websvc'
[Install]
WantedBy=multi-user.target
UNIT
nspawn_enable "$R" websvc.service

cat >"$R/opt/capset/run.sh" <<'SCRIPT'
#!/bin/bash
# Inside the container, after websvc.service started as root.
exec >/out/run.log 2>&1
set -x
serve() {  # the real client, until it gets the page
  for _ in $(seq 50); do curl -fsS --max-time 2 http://127.0.0.1/ && return 0; sleep 0.2; done
  return 1
}
status() { grep -E '^(Uid|Cap)' "/proc/$(systemctl show -p MainPID --value websvc.service)/status"; }
serve >/out/before.curl
status >/out/before.status
systemd-analyze security --no-pager websvc.service | tail -1 >/out/before.exposure
# Moving a root service to a user of its own starts with giving it its files (what it wrote
# as root is root's): else it needs CAP_DAC_OVERRIDE to write them, and the profile says so.
chown -R websvc:websvc /srv/websvc
# Profiled while curl uses it.
( sleep 2; serve >/out/during.curl ) &
/opt/capset/capctl profile --unit websvc.service --user websvc --duration 5 \
  --output /out/policy.yaml >/out/profile.txt 2>/out/profile.err
echo "rc=$?" >>/out/profile.txt
wait
ls /run/systemd/system/websvc.service.d/ >/out/dropins.after 2>&1
systemctl show -p User -p ActiveState websvc.service >/out/restored.show
pgrep -u websvc -a >/out/restored.websvc || true
serve >/out/restored.curl
status >/out/restored.status
cp /var/lib/capset/profiles/websvc.service.json /out/stored.json
/opt/capset/capctl policy check /out/policy.yaml >/out/check.txt 2>&1
echo "rc=$?" >>/out/check.txt
cp /out/policy.yaml /etc/capset/policy.d/websvc.yaml
systemctl daemon-reload
systemctl restart websvc.service
echo "rc=$?" >/out/after.restart
serve >/out/after.curl
status >/out/after.status
systemctl show -p User -p ActiveState -p NRestarts websvc.service >/out/after.show
ls /run/systemd/generator/websvc.service.d/ >/out/after.generated
systemd-analyze security --no-pager websvc.service | tail -1 >/out/after.exposure
journalctl -u websvc.service --no-pager >/out/websvc.journal
touch /out/done
SCRIPT
chmod 0755 "$R/opt/capset/run.sh"
cat >"$R/etc/systemd/system/capset-profile-run.service" <<'UNIT'
[Unit]
Description=capset profile test: profile websvc, apply the policy, power off
After=websvc.service
[Service]
Type=oneshot
ExecStart=/opt/capset/run.sh
ExecStartPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=120
UNIT
nspawn_enable "$R" capset-profile-run.service

# Loading and attaching the tracer needs CAP_BPF and CAP_PERFMON and the bpf and
# perf_event_open system calls, which nspawn does not give by default; the container shares
# the host's kernel and its tracepoints (CAP_SYSLOG: /proc/kallsyms names the call sites). A
# unit is found by its cgroup v2 directory: the container gets the unified hierarchy whatever
# the host uses, and a network of its own (its port 80, and the connections curl leaves in
# TIME_WAIT, are not the host's).
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 nspawn_boot "$R" "$out" "$work/console" "profiled websvc, applied its policy" done \
  --private-network --capability=CAP_BPF,CAP_PERFMON,CAP_SYS_RESOURCE,CAP_SYSLOG \
  --system-call-filter="bpf perf_event_open"
if grep -q "needs root\|Failed to load the profiler\|Failed to attach" "$out/profile.err" 2>/dev/null; then
  cat "$out/profile.err" >&2
  skip "the container may not load BPF programs here"
fi
echo "--- capctl profile --unit websvc.service --user websvc"
cat "$out/profile.txt" "$out/profile.err" 2>/dev/null || true
echo "--- the policy"
cat "$out/policy.yaml" 2>/dev/null || echo "(none written)"

field() { awk -v k="$1:" '$1 == k {print $2}' "$out/$2.status"; }
check "the profile succeeded" grep -qx 'rc=0' "$out/profile.txt"
check "curl was served while profiling" grep -qx 'hello from websvc' "$out/during.curl"
check "the profile names CAP_NET_BIND_SERVICE needed" \
  grep -Eq '^cap_net_bind_service +needed' "$out/profile.txt"
check "the policy is a services: entry for websvc as websvc" \
  grep -q 'user: "websvc"' "$out/policy.yaml"
check "the policy grants exactly cap_net_bind_service" \
  grep -qx '    ambient: \["cap_net_bind_service"\]' "$out/policy.yaml"
check "the policy makes /srv/websvc writable (ProtectSystem=strict)" \
  grep -q 'ReadWritePaths: \["/srv/websvc"\]' "$out/policy.yaml"
check "capctl policy check accepts the policy" grep -qx 'rc=0' "$out/check.txt"
check "the permissive drop-in is gone" bash -c "! grep -q zz-capset-profile '$out/dropins.after'"
check "websvc was put back as root" grep -qx 'User=' "$out/restored.show"
check "put back, it serves again" grep -qx 'hello from websvc' "$out/restored.curl"
check "put back, it runs as root again (uid 0)" test "$(field Uid restored | head -1)" = 0
check "put back, it has no ambient capabilities left" test "$(field CapAmb restored)" = 0000000000000000
check "put back, no process of websvc's user is left" test ! -s "$out/restored.websvc"
check "the profile is kept for capctl audit" \
  python3 -c "import json,sys; d=json.load(open('$out/stored.json')); sys.exit(d['service']['unit'] != 'websvc.service' or d['needed'] != ['cap_net_bind_service'])"
check "the generator wrote the policy's drop-in" grep -qx '50-capset.conf' "$out/after.generated"
check "with the policy, websvc starts the first time" grep -qx 'rc=0' "$out/after.restart"
check "with the policy, it runs as websvc" grep -qx 'User=websvc' "$out/after.show"
check "with the policy, it serves curl" grep -qx 'hello from websvc' "$out/after.curl"
check "with the policy, its uid is 4270" test "$(field Uid after | head -1)" = 4270
for k in CapPrm CapEff CapBnd CapAmb; do
  check "with the policy, $k is exactly CAP_NET_BIND_SERVICE" test "$(field $k after)" = 0000000000000400
done
echo "exposure before: $(cat "$out/before.exposure")"
echo "exposure after:  $(cat "$out/after.exposure")"
if ((fail)); then
  echo "--- run.log"; tail -80 "$out/run.log"
  echo "--- websvc journal"; tail -30 "$out/websvc.journal"
fi
exit $fail
