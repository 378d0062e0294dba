#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: capsetd under load. The real daemon, started as systemd starts it (its socket
# passed by systemd-socket-activate, running as the user daemon with only CAP_SETFCAP and
# CAP_FOWNER), serves CLIENTS concurrent clients (separate processes, uid nobody in the
# policy's admin group), each calling in a loop until CALLS calls are made in all — every
# tenth an io.capset.Files.Apply, the others Verify — on a 20-entry policy (the daemon test's).
# Prints the latency each client saw (p50, p99, max), the throughput, errors, and capsetd's
# resident memory after the run; then the same from clients written in Python. The C clients
# are timed from when all of them are connected and have had one GetInfo answered (the
# forks and the accepts are not calls); the Python clients from their start, as before.
# The policy and the record are older than the settle time (1 s) when the clients start, as on
# a real host: capsetd reads them once and then only when they change. Needs root.
# Targets (issue 17): p99 <= 5 ms with 32 clients, zero errors, RSS <= 5 MiB after 10,000 calls.
#   bench/capsetd_load.sh [CLIENTS] [CALLS]      (default 32 10000)
# CAPSETD names another capsetd binary; CAPSETD_ARGS adds options (e.g. "--workers 1").
# The C clients' line is followed by the latencies of Verify and Apply calls apart.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-32}
calls=${2:-10000}
capsetd=${CAPSETD:-build/capsetd/capsetd}
[[ -x $capsetd ]] || tools/dev/build.sh build >&2
capsetd=$(realpath "$capsetd")
[[ $(id -u) -eq 0 ]] || { echo "capsetd_load.sh: needs root" >&2; exit 77; }
command -v systemd-socket-activate >/dev/null || { echo "needs systemd-socket-activate" >&2; exit 77; }

work=$(mktemp -d /run/capset-load.XXXXXX)
chmod 755 "$work"
mount -t tmpfs -o mode=0755,size=64m capset-load "$work"
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  umount "$work"
  rmdir "$work"
}
trap cleanup EXIT

root=$work/root
mkdir -p "$root/etc/capset/policy.d" "$root/usr/bin" "$root/var/lib/capset"
chown daemon:daemon "$root/var/lib/capset"
{
  echo "files:"
  for ((i = 0; i < 20; i++)); do
    printf '#!/bin/sh\nexit 0\n' >"$root/usr/bin/tool$i"
    chmod 755 "$root/usr/bin/tool$i"
    printf '  - path: /usr/bin/tool%d\n    caps: cap_net_raw=p\n' "$i"
  done
  printf 'capsetd:\n  allow:\n    - group: "4243"\n      actions: [apply, verify]\n'
} >"$root/etc/capset/policy.d/10-load.yaml"

sock=$work/io.capset.Files
(
  exec systemd-socket-activate -l "$sock" /usr/bin/setpriv --reuid=daemon --regid=daemon \
    --clear-groups --inh-caps=+setfcap,+fowner --ambient-caps=+setfcap,+fowner \
    --bounding-set=-all,+setfcap,+fowner --no-new-privs \
    ${CAPSETD_WRAP:-} "$capsetd" --root "$root" --idle-timeout 0 --max-connections 64 \
    --max-connections-per-user 64 ${CAPSETD_ARGS:-}
) 2>"$work/capsetd.log" &
daemon_pid=$!
for ((i = 0; i < 100; i++)); do [[ -S $sock ]] && break; sleep 0.05; done
[[ -S $sock ]] || { echo "FAIL: capsetd's socket never appeared" >&2; cat "$work/capsetd.log" >&2; exit 1; }
chmod 666 "$sock"  # as capsetd.socket's SocketMode=: every user connects, capsetd authorizes
sleep 1.2  # the policy settles (and the daemon starts)

# The headline: clients written in C (bench/capsetd_load_client.c), so that 32 of them leave
# the CPUs to the daemon. Then RSS, then the same load from Python clients, for comparison.
${CC:-cc} -O2 -o "$work/client" bench/capsetd_load_client.c
# As on a host whose files were applied before: one Apply, then the record settles too.
"$work/client" "$sock" 1 1 >/dev/null ||
  { echo "FAIL: the first Apply failed" >&2; tail -5 "$work/capsetd.log" >&2; exit 1; }
sleep 1.2
status=0
"$work/client" "$sock" "$clients" "$calls" || status=$?
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")
echo "capsetd resident memory after $calls calls: $((rss_kb / 1024)).$(((rss_kb % 1024) * 10 / 1024)) MiB (target <= 5 MiB)"

/usr/bin/python3 - "$sock" "$clients" "$calls" <<'EOF' || status=$?
import json, os, socket, sys, time

path, clients, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per_client = -(-calls // clients)

def call(s, method):
    s.sendall(json.dumps({"method": method, "parameters": {}}).encode() + b"\0")
    buf = b""
    while not buf.endswith(b"\0"):
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("capsetd closed the connection")
        buf += chunk
    return json.loads(buf[:-1])

def client(out):
    lat, errors = [], 0
    try:
        os.setgroups([4243]); os.setgid(65534); os.setuid(65534)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        for i in range(per_client):
            method = "io.capset.Files.Apply" if i % 10 == 0 else "io.capset.Files.Verify"
            t = time.perf_counter()
            try:
                r = call(s, method)
                ok = "error" not in r and r.get("parameters", {}).get("ok") is True
            except Exception:
                ok = False
            if ok:  # a failed call is counted, not timed: one cut short must not look fast
                lat.append((time.perf_counter() - t) * 1000)
            else:
                errors += 1
        os.write(out, (json.dumps({"lat": lat, "errors": errors}) + "\n").encode())
    finally:
        os._exit(0)

# A pipe per client: a result longer than PIPE_BUF written to a shared pipe could interleave.
start = time.perf_counter()
children = []
for _ in range(clients):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        client(w)
    os.close(w)
    children.append((pid, r))
lat, errors = [], 0
for pid, r in children:
    data = b""
    while chunk := os.read(r, 1 << 20):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    if data:
        d = json.loads(data)
        lat += d["lat"]; errors += d["errors"]
seconds = time.perf_counter() - start
errors = (clients * per_client) - len(lat)  # the failed, and the calls of a client that died
if not lat:
    sys.exit(f"capsetd load (Python clients): no call succeeded ({errors} errors)")
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p / 100))]
print(f"capsetd load (Python clients): {len(lat)} calls from {clients} clients in {seconds:.2f} s "
      f"({len(lat) / seconds:.0f}/s), errors: {errors}; latency p50 {pct(50):.2f} ms, "
      f"p99 {pct(99):.2f} ms, max {lat[-1]:.2f} ms (target p99 <= 5 ms)")
sys.exit(1 if errors else 0)
EOF
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")
echo "capsetd resident memory after both runs: $((rss_kb / 1024)).$(((rss_kb % 1024) * 10 / 1024)) MiB"
if grep -q "policy" "$work/capsetd.log"; then
  echo "capsetd's log:"; sed 's/^/  /' "$work/capsetd.log" | tail -5
fi
exit "$status"
