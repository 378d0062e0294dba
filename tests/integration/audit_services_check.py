#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The checks of nspawn_audit_services_test.sh on capctl audit --services --json output (and
# the policy it wrote): each subcommand exits 0 when the check holds, else prints why and
# exits 1.
import json
import re
import sys

CAPS = ["cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
        "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
        "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
        "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
        "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
        "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
        "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
        "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
        "cap_perfmon", "cap_bpf", "cap_checkpoint_restore"]
PORTS = {"ssh.service": 22, "proftpd.service": 21, "websvc.service": 80}
ROOT_DAEMONS = ["ssh.service", "proftpd.service", "cron.service", "rsyslog.service",
                "websvc.service"]


def services(path):
    return {s["unit"]: s for s in json.load(open(path))["services"]}


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def findings(path):
    s = services(path)
    for u in ROOT_DAEMONS:
        if u not in s:
            fail(f"{u} is missing from the report (it has {sorted(s)})")
        f = s[u]
        if not f["runs_as_root"]:
            fail(f"{u}: not reported as root")
        if f["mode"] != "live" or not f["processes"]:
            fail(f"{u}: no processes read from the running system")
        # Root holds every capability of the bounding set it runs with (a container's may be
        # narrower than the unit's CapabilityBoundingSet=).
        running = set().union(*(set(p["bounding"]) for p in f["processes"]))
        if set(f["held"]) != running or len(running) < 20 or len(f["bounding"]) < 40:
            fail(f"{u}: holds {f['held']}, expected all of {sorted(running)}")
        ports = {(l["protocol"], l["port"]) for l in f["listening"]}
        want = PORTS.get(u)
        if want and not any(p == want for _, p in ports):
            fail(f"{u}: listens on {sorted(ports)}, expected port {want}")
        if not want and any(proto.startswith("tcp") for proto, _ in ports):
            fail(f"{u}: listens on {sorted(ports)}, expected no TCP port")
    print("five root daemons, ports " + ", ".join(f"{u} {p}" for u, p in PORTS.items()))


def exposure(path, unit, theirs):
    ours = "%.1f" % services(path)[unit]["exposure"]
    if ours != theirs:
        fail(f"{unit}: capctl says {ours}, systemd-analyze security {theirs}")


def offline(live_path, offline_path):
    live, off = services(live_path), services(offline_path)
    for u, o in off.items():
        l = live[u]
        for k in ("user", "dynamic_user", "bounding", "ambient", "no_new_privileges", "exposure",
                  "runs_as_root"):
            if l[k] != o[k]:
                fail(f"{u}: {k} is {l[k]!r} live but {o[k]!r} offline")
    if len(off) != len(ROOT_DAEMONS):
        fail(f"offline audited {sorted(off)}")


def suggestions(path):
    s = services(path)
    want = {"websvc.service": "profile", "ssh.service": "knowledge-base",
            "proftpd.service": "knowledge-base", "cron.service": "knowledge-base",
            "rsyslog.service": "knowledge-base"}
    for u, source in want.items():
        g = s[u]["suggestion"]
        if not g:
            fail(f"{u}: no suggestion")
        if g["source"] != source:
            fail(f"{u}: suggested from {g['source']}, expected {source}")
        if g["lint"]:
            fail(f"{u}: the suggestion has lint findings: {g['lint']}")
        if g["exposure_after"] is None or g["exposure_after"] >= s[u]["exposure"]:
            fail(f"{u}: predicted exposure {g['exposure_after']} is no better than {s[u]['exposure']}")
    if s["websvc.service"]["suggestion"]["user"] != "websvc":
        fail("websvc: not moved to its user")
    for u in ("ssh.service", "proftpd.service", "cron.service", "rsyslog.service"):
        if not s[u]["suggestion"]["keeps_root"]:
            fail(f"{u}: should stay root")


def predicted(path, unit, theirs):
    g = services(path)[unit]["suggestion"]
    ours = "%.1f" % g["exposure_after"]
    if ours != theirs:
        fail(f"{unit}: capctl predicted {ours}, systemd-analyze security says {theirs}")


def bounding(policy_path, unit, capbnd, available):
    """CapBnd is the policy's bounding set, of what the container has (`available`)."""
    text = open(policy_path).read()
    m = re.search(r'^  "' + re.escape(unit) + r'":\n((?:    .*\n|    #.*\n|      .*\n)*)', text, re.M)
    if not m:
        fail(f"{unit}: no entry in the policy")
    b = re.search(r'^    bounding: \[(.*)\]$', m.group(1), re.M)
    caps = re.findall(r'"([a-z_]+)"', b.group(1)) if b else []
    mask = 0
    for c in caps:
        mask |= 1 << CAPS.index(c)
    mask &= int(available, 16)
    if "%016x" % mask != capbnd:
        fail(f"{unit}: CapBnd {capbnd}, the policy's bounding set is {mask:016x} ({caps})")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"findings": findings, "exposure": exposure, "offline": offline,
     "suggestions": suggestions, "predicted": predicted, "bounding": bounding}[cmd](*args)
