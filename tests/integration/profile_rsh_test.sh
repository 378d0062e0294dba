#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl profile on Debian's rsh client (rsh-client: netkit-rsh, not capability-aware) as a
# non-root user, against a real rshd (rsh-server's in.rshd, which accepts only clients on a
# reserved port) in a private network namespace: the profile finds cap_net_bind_service and
# writes =ep (the program never raises its effective set itself); applied with `capctl
# policy apply`, the policy makes `rsh 127.0.0.1 id` work as that user, which it did not
# before. Everything happens in private mount and network namespaces: the user, its
# ~/.rhosts, the record and the file capability (on a tmpfs copy of netkit-rsh bound over
# /usr/bin/netkit-rsh) are gone with them; nothing on the host changes.
#   profile_rsh_test.sh CAPCTL
set -euo pipefail
capctl=$(realpath "$1")
skip() { echo "SKIP: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root"
for p in /usr/bin/netkit-rsh /usr/sbin/in.rshd; do
  [[ -x $p ]] || skip "$p is missing (packages rsh-client, rsh-server)"
done
command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is missing"
"$capctl" profile --no-verify -- true >/dev/null 2>&1 ||
  skip "capctl profile cannot trace here: $("$capctl" profile --no-verify -- true 2>&1 | tail -1)"
unshare --mount --net --propagation private true 2>/dev/null || skip "no private namespaces here"

work=$(mktemp -d /run/capset-rsh.XXXXXX)
chmod 0755 "$work"  # rshd reads ~/.rhosts below it as the user
trap 'rm -rf "$work"' EXIT
export CAPCTL=$capctl WORK=$work
before=$(getcap /usr/bin/netkit-rsh)
unshare --mount --net --propagation private bash -euo pipefail <<'INNER' && rc=0 || rc=$?
W=$WORK
fail=0
check() { if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi; }
ip link set lo up
# The user, only in this mount namespace.
cp /etc/passwd /etc/group /etc/shadow "$W/"
echo "rshtest:x:4280:4280:capset rsh test:$W/home:/bin/sh" >>"$W/passwd"
echo "rshtest:x:4280:" >>"$W/group"
echo "rshtest:*:19000:0:99999:7:::" >>"$W/shadow"
for f in passwd group shadow; do mount --bind "$W/$f" "/etc/$f"; done
mkdir -m 0755 "$W/home"
printf 'localhost rshtest\n127.0.0.1 rshtest\n' >"$W/home/.rhosts"
chmod 0600 "$W/home/.rhosts"
chown -R 4280:4280 "$W/home"
# The program profiled and given the capability: a copy, on a tmpfs, where /usr/bin has it.
mkdir "$W/bin" && mount -t tmpfs -o mode=0755 tmpfs "$W/bin"
cp /usr/bin/netkit-rsh "$W/bin/netkit-rsh"
mount --bind "$W/bin/netkit-rsh" /usr/bin/netkit-rsh
# The record of applied files, in this namespace only.
mount -t tmpfs -o mode=0755 tmpfs /var/lib
# rshd as inetd runs it: one in.rshd per connection on port 514, the connection its standard
# input, output and error (systemd-socket-activate --inetd gives it the first two).
systemd-socket-activate --listen=127.0.0.1:514 --inetd --accept \
  /bin/sh -c 'exec /usr/sbin/in.rshd 2>&1' >"$W/rshd.log" 2>&1 &
rshd=$!
trap 'kill $rshd 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/514) 2>/dev/null && break
  sleep 0.1
done
as_user() { setpriv --reuid=4280 --regid=4280 --init-groups --reset-env -- "$@"; }

check "without capabilities, rsh as rshtest cannot use a reserved port" \
  bash -c '! setpriv --reuid=4280 --regid=4280 --init-groups -- rsh -n 127.0.0.1 id >'"$W"'/before.out 2>&1'
echo "  rsh said: $(head -1 "$W/before.out")"

"$CAPCTL" profile --user rshtest --output "$W/rsh.yaml" -- rsh -n 127.0.0.1 id \
  >"$W/profile.txt" 2>&1 </dev/null && rc=0 || rc=$?
cat "$W/profile.txt"
check "the profile succeeded and verified" test "$rc" = 0
check "cap_net_bind_service is needed" grep -Eq '^cap_net_bind_service +needed' "$W/profile.txt"
check "the command ran as rshtest and printed its id" grep -q 'uid=4280(rshtest)' "$W/profile.txt"
check "the policy gives netkit-rsh cap_net_bind_service=ep" \
  bash -c "grep -A1 'path: \"/usr/bin/netkit-rsh\"' '$W/rsh.yaml' | grep -q 'caps: \"cap_net_bind_service=ep\"'"
check "nothing else is in the policy" test "$(grep -c 'caps:' "$W/rsh.yaml")" = 1

"$CAPCTL" policy apply "$W/rsh.yaml" >"$W/apply.txt" 2>&1 && rc=0 || rc=$?
check "capctl policy apply applied it" test "$rc" = 0
check "getcap shows it" bash -c "getcap /usr/bin/netkit-rsh | grep -q 'cap_net_bind_service=ep'"
as_user rsh -n 127.0.0.1 id >"$W/after.out" 2>&1 && rc=0 || rc=$?
check "with the policy, rsh 127.0.0.1 id works as rshtest" grep -q 'uid=4280(rshtest)' "$W/after.out"
echo "  rsh said: $(head -1 "$W/after.out")"
if ((fail)); then cat "$W/apply.txt" "$W/rshd.log" >&2; fi
exit $fail
INNER
after=$(getcap /usr/bin/netkit-rsh)
if [[ $before != "$after" ]]; then
  echo "FAIL: the host's /usr/bin/netkit-rsh changed: '$before' -> '$after'" >&2
  exit 1
fi
echo "ok: the host's netkit-rsh is as it was ('$after')"
exit $rc
