#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 11: no process of a login holds more than the user's grant. A real systemd is booted
# in a container (systemd-nspawn, its own network namespace) with Debian's own PAM stacks and
# pam_capset.so added as pam-auth-update's profile adds it (auth + session, no arguments).
# Inside, the real sshd (openssh-server) serves logins on 127.0.0.1:2222: public-key logins
# with and without a terminal, a password login (sshpass), and a user matched only by
# "none *"; while each session is open, every process of the user — sshd's per-session
# "sshd: USER@..." process, which runs as the user and never execs, the shell, its children —
# is read from /proc. A service with User= and PAMName= is read the same way, its (sd-pam)
# helper included. Then the same logins with libcap's pam_cap.so in the stack, for
# comparison, and with `keepcaps` on the session lines, which capset must ignore there.
#   login_sessions_test.sh PAM_MODULE [SANITIZED (1/0)]
# Exit 77 (CTest: skipped) with the reason when no container can be booted or sshd is missing.
set -euo pipefail
module=$1
sanitized=${2:-0}
# shellcheck source=nspawn_lib.sh
source "$(dirname "$0")/nspawn_lib.sh"
skip() { echo "SKIP: $*" >&2; exit 77; }
nspawn_require
[[ -x /usr/sbin/sshd ]] || skip "sshd is not installed (package openssh-server)"
command -v sshpass >/dev/null || skip "sshpass is not installed"
[[ $sanitized != 1 ]] ||
  skip "pam_capset.so is built with the sanitizers, which sshd and systemd cannot load (the GCC suite runs this test)"

work=$(mktemp -d /run/capset-sessions.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
out=$work/out
nspawn_root "$R"
mkdir -p "$out" "$R/opt/capset" "$R/run/sshd"
nspawn_accounts "$R" '^(alice|bob|capsetnet):'
days=$(($(date +%s) / 86400))
hash=$(openssl passwd -6 capset-test-pw)
for u in "alice:5001" "bob:5002"; do
  name=${u%%:*} id=${u##*:}
  echo "$name:x:$id:$id:capset session test:/home/$name:/bin/sh" >>"$R/etc/passwd"
  echo "$name:x:$id:" >>"$R/etc/group"
  echo "$name:$hash:$days:0:99999:7:::" >>"$R/etc/shadow"
done
echo "capsetnet:x:5100:alice" >>"$R/etc/group"

# The client's key, authorized for both users.
ssh-keygen -q -t ed25519 -N '' -f "$R/root/key"
for u in "alice:5001" "bob:5002"; do
  name=${u%%:*} id=${u##*:}
  mkdir -p "$R/home/$name/.ssh"
  cp "$R/root/key.pub" "$R/home/$name/.ssh/authorized_keys"
  chmod 0700 "$R/home/$name/.ssh"
  chmod 0600 "$R/home/$name/.ssh/authorized_keys"
  chown -R "$id:$id" "$R/home/$name"
done

# Debian's PAM stacks as they are, plus the lines of capset's pam-auth-update profile.
cp -r /etc/pam.d /etc/security "$R/etc/"
cp "$module" "$R/opt/capset/pam_capset.so"
echo "auth	optional	/opt/capset/pam_capset.so" >>"$R/etc/pam.d/common-auth"
echo "session	optional	/opt/capset/pam_capset.so" >>"$R/etc/pam.d/common-session"
printf '%s\n' '# capset session test' '^cap_net_raw,!cap_sys_boot @capsetnet' 'none *' \
  >"$R/etc/security/capability.conf"
cat >"$R/etc/pam.d/capset-svc" <<'PAM'
auth	required	pam_permit.so
account	required	pam_permit.so
session	optional	/opt/capset/pam_capset.so keepcaps
PAM

mkdir -p "$R/etc/ssh"
cp /etc/ssh/moduli "$R/etc/ssh/" 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$R/etc/ssh/ssh_host_ed25519_key"
cat >"$R/etc/ssh/sshd_config" <<'CONF'
Port 2222
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
PidFile /run/sshd-capset.pid
CONF

cat >"$R/etc/systemd/system/capset-sshd.service" <<UNIT
[Unit]
Description=capset session test: sshd on 127.0.0.1:2222
[Service]
RuntimeDirectory=sshd
ExecStart=/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
UNIT
cat >"$R/etc/systemd/system/capset-pamsvc.service" <<UNIT
[Unit]
Description=capset session test: a service with User= and PAMName=
[Service]
User=alice
PAMName=capset-svc
ExecStart=/bin/sh -c 'sleep 30'
UNIT

# The client, inside the container: each login stays open while every process of the user
# is read.
cat >"$R/opt/capset/sessions.sh" <<'SCRIPT'
#!/bin/sh
snap() { # NAME USER: every process of USER, with its Cap* and Uid lines
  for p in $(pgrep -u "$2"); do
    echo "PROC $p $(cat /proc/$p/comm 2>/dev/null)"
    grep -E '^(Uid|Cap)' /proc/$p/status 2>/dev/null
  done >"/out/$1.procs"
}
SSH="ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10"
login() { # NAME USER ssh-command...: a login that stays open for two seconds
  name=$1 user=$2
  shift 2
  "$@" "$user@127.0.0.1" 'grep -E "^(Uid|Cap)" /proc/self/status; sleep 2' \
    >"/out/$name.self" 2>"/out/$name.err" </dev/null &
  sleep 1.2
  snap "$name" "$user"
  wait
}
all_logins() { # PREFIX
  login "$1key" alice $SSH -o BatchMode=yes -i /root/key
  login "$1tty" alice $SSH -tt -o BatchMode=yes -i /root/key
  login "$1password" alice sshpass -p capset-test-pw $SSH -o PubkeyAuthentication=no
  login "$1none" bob $SSH -o BatchMode=yes -i /root/key
}
for i in $(seq 100); do
  ssh-keyscan -p 2222 127.0.0.1 >/dev/null 2>&1 && break
  sleep 0.1
done
all_logins capset-
systemctl start capset-pamsvc.service
sleep 1
snap pamsvc alice
systemctl stop capset-pamsvc.service
# keepcaps on sshd's session line: capset must ignore it there.
sed -i 's|^session	optional	/opt/capset/pam_capset.so$|& keepcaps|' /etc/pam.d/common-session
login keepcaps-key alice $SSH -o BatchMode=yes -i /root/key
# libcap's pam_cap in the same place, for comparison.
sed -i '/pam_capset/d' /etc/pam.d/common-auth /etc/pam.d/common-session
echo "auth	optional	pam_cap.so" >>/etc/pam.d/common-auth
all_logins pamcap-
journalctl -o short-monotonic --no-pager >/out/journal.txt
SCRIPT
chmod 0755 "$R/opt/capset/sessions.sh"
cat >"$R/etc/systemd/system/capset-sessions.service" <<'UNIT'
[Unit]
Description=capset session test: log in, read every process, power off
Requires=capset-sshd.service
After=capset-sshd.service
[Service]
Type=oneshot
ExecStart=/opt/capset/sessions.sh
ExecStartPost=/bin/systemctl --no-block poweroff
UNIT
nspawn_enable "$R" capset-sshd.service capset-sessions.service

nspawn_boot "$R" "$out" "$work/console" "logged in 9 times" journal.txt --private-network

# field FILE NAME: the value of the first "NAME:" line
field() { tr -d '\r' <"$1" | awk -v k="$2:" '$1 == k {print $2; exit}'; }
# beyond FILE MASK: the processes of FILE with a bit outside MASK in any Cap set but CapBnd
beyond() {
  local proc="" key value
  while read -r key value; do
    case $key in
      PROC) proc="PROC $value" ;;
      CapInh: | CapPrm: | CapEff: | CapAmb:)
        if (((0x$value & ~0x$2) != 0)); then echo "$proc: $key $value"; fi ;;
    esac
  done <"$1"
}
count() { grep -c '^PROC' "$1" || true; }
grant=0000000000002000  # cap_net_raw, inheritable
none=0000000000000000
for c in key tty password; do
  f=$out/capset-$c.procs
  check "sshd $c login: the user's session processes were seen ($(count "$f"))" test "$(count "$f")" -ge 2
  check "sshd $c login: the per-session sshd process runs as the user" grep -q '^PROC [0-9]* sshd$' "$f"
  check "sshd $c login: no process holds more than the grant" test -z "$(beyond "$f" $grant)"
  check "sshd $c login: the shell's CapInh is the grant" test "$(field "$out/capset-$c.self" CapInh)" = $grant
  for k in CapPrm CapEff CapAmb; do
    check "sshd $c login: the shell's $k is empty" test "$(field "$out/capset-$c.self" $k)" = $none
  done
  bnd=$(field "$out/capset-$c.self" CapBnd)
  check "sshd $c login: cap_sys_boot is dropped from the bounding set" \
    test $((0x$bnd & (1 << 22))) -eq 0
done
f=$out/capset-none.procs
check "sshd login matched only by 'none *': processes seen" test "$(count "$f")" -ge 2
check "sshd login matched only by 'none *': nothing in any set" test -z "$(beyond "$f" $none)"
f=$out/pamsvc.procs
check "PAMName= service: its process and (sd-pam) were seen" grep -q '^PROC [0-9]* (sd-pam)$' "$f"
check "PAMName= service: no process holds more than the grant" test -z "$(beyond "$f" $grant)"
check "PAMName= service: its (sd-pam) holds the grant's inheritable set, as documented" \
  bash -c "grep -A3 '^PROC [0-9]* (sd-pam)\$' '$f' | grep -qx 'CapInh:	$grant'"
check "PAMName= service: keepcaps is ignored there, and said" \
  grep -q 'ignoring keepcaps: this is a systemd service with PAMName=' "$out/journal.txt"
f=$out/keepcaps-key.procs
check "sshd with keepcaps on the session line: no process holds more than the grant" \
  test -z "$(beyond "$f" $grant)"
check "sshd with keepcaps: ignored, and said" \
  grep -q "ignoring keepcaps: sshd's session process never calls pam_end()" "$out/journal.txt"

echo "comparison (CapInh/CapPrm/CapAmb of the shell, per login): capset vs libcap pam_cap"
for c in key tty password none; do
  a=$out/capset-$c.self b=$out/pamcap-$c.self
  echo "  $c: capset $(field "$a" CapInh)/$(field "$a" CapPrm)/$(field "$a" CapAmb)" \
    "pam_cap $(field "$b" CapInh)/$(field "$b" CapPrm)/$(field "$b" CapAmb)"
  echo "  $c: processes beyond the grant: capset $(beyond "$out/capset-$c.procs" $grant | wc -l)," \
    "pam_cap $(beyond "$out/pamcap-$c.procs" $grant | wc -l)"
done
echo "PAMName= service (what reaches it on this systemd):"
sed 's/^/  /' "$out/pamsvc.procs"
[[ $fail -eq 0 ]] || {
  for f in "$out"/*.err; do echo "== $f"; cat "$f"; done >&2
  grep -iE 'pam|sshd|capset' "$out/journal.txt" | tail -60 >&2 || tail -30 "$work/console" >&2
  exit 1
}
echo "all checks passed"
