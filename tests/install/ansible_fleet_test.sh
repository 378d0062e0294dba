#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible collection on a fleet: booted systemd containers (systemd-nspawn, the host's
# /usr under a writable overlay so that dpkg can install into it), each with sshd on its own
# loopback port, managed over ssh by ansible-playbook with a real inventory. The role
# capset.hardening.capset installs capset's .deb packages (one host from an APT repository
# instead), enables pam_capset with pam-auth-update, and rolls a policy out: a file
# capability and a service drop-in. Then:
#   - a second run reports changed=0 on every host;
#   - one host is tampered with by hand (setcap on the managed file, the generator's drop-in
#     edited): check mode reports drift on that host only, the facts module names it there
#     alone, a real run repairs it, a third run is clean;
#   - a policy with an error fails on every host with capctl's file:line:column message, and
#     nothing changes anywhere;
#   - state: absent takes the capability and the drop-in away again (and capset_pam: false
#     pam_capset out of the login stacks);
#   - the same play against 3 and 6 hosts (forks 6), timed;
#   - an upgrade (the packages repacked with a higher version) in one transaction, then idempotent.
# Needs root, systemd-nspawn, ansible-core and the packages; exit 77 (skipped) with the
# reason otherwise.
#   ansible_fleet_test.sh DEB_DIR SOURCE_DIR
set -euo pipefail
debs=$(realpath "$1")
src=$(realpath "$2")
# shellcheck source=../integration/nspawn_lib.sh
source "$src/tests/integration/nspawn_lib.sh"
skip() { echo "SKIP: $*" >&2; exit 77; }
nspawn_require
command -v ansible-playbook >/dev/null || skip "ansible-core is not installed"
command -v dpkg-scanpackages >/dev/null || skip "dpkg-scanpackages is not installed (dpkg-dev)"
[[ -x /usr/sbin/sshd ]] || skip "sshd is not installed (openssh-server)"
for p in capset capsetd libpam-capset; do
  ls "$debs/${p}"_*.deb >/dev/null 2>&1 || skip "no ${p}_*.deb in $debs (packaging/build-deb.sh makes them)"
done
# The hosts' /usr is this machine's: capset must not be installed here already.
if dpkg-query -W -f='${db:Status-Status}' capset 2>/dev/null | grep -q installed; then
  skip "capset is installed on this machine; the fleet's /usr would have it already"
fi

work=$(mktemp -d /run/capset-fleet.XXXXXX)
chmod 0755 "$work"
declare -A nspawn_pid=()
# Stopping a container: its systemd is asked to power off (a SIGTERM to systemd-nspawn is
# not enough on this machine), then, if it has not gone after 20 s, killed.
stop_hosts() {
  local n init
  for n in "${!nspawn_pid[@]}"; do
    init=$(pgrep -P "${nspawn_pid[$n]}" 2>/dev/null | head -1) || true
    [[ -n $init ]] && nsenter -t "$init" -a systemctl --no-block poweroff >/dev/null 2>&1 || true
  done
  for n in "${!nspawn_pid[@]}"; do
    for _ in $(seq 100); do kill -0 "${nspawn_pid[$n]}" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "${nspawn_pid[$n]}" 2>/dev/null || true
    wait "${nspawn_pid[$n]}" 2>/dev/null || true
  done
}
cleanup() {
  stop_hosts
  # CAPSET_FLEET_LOGS=DIR keeps the plays' output and the consoles, for a failure's post-mortem.
  if [[ -n ${CAPSET_FLEET_LOGS:-} ]]; then
    mkdir -p "$CAPSET_FLEET_LOGS" && cp "$work"/*.log "$work"/console* "$CAPSET_FLEET_LOGS/" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
base_port=$((24000 + RANDOM % 2000))

# An APT repository of capset's packages (a file: one), for the host that uses it.
mkdir -p "$work/repo"
cp "$debs"/capset_*.deb "$debs"/capsetd_*.deb "$debs"/libpam-capset_*.deb "$work/repo/"
(cd "$work/repo" && dpkg-scanpackages --multiversion . 2>/dev/null >Packages)

# host N: a root with the host's accounts, PAM stacks and package database, sshd on
# 127.0.0.1:PORT as a unit of its own, and a root daemon the policy will move off root;
# booted in the background.
boot_host() {
  local n=$1 R=$work/host$1 port=$((base_port + $1))
  nspawn_root "$R"
  nspawn_accounts "$R" '^$'
  cp -a /etc/pam.d /etc/security /etc/default /etc/login.defs /etc/shells /etc/alternatives \
    /etc/dpkg "$R/etc/"
  systemd-id128 new >"$R/etc/machine-id"  # not a first boot: no presets enable every service
  mkdir -p "$R"/var/lib "$R"/var/cache "$R"/etc/ssh "$R"/root/.ssh "$R"/usr.upper \
    "$R"/etc/apt/{sources.list.d,apt.conf.d,preferences.d,trusted.gpg.d} \
    "$R"/var/lib/apt/lists/partial "$R"/var/cache/apt/archives/partial "$R"/srv
  cp -a /var/lib/dpkg /var/lib/pam "$R/var/lib/"  # capset's dependencies are installed here
  cp -a /var/cache/debconf "$R/var/cache/"
  cp -a "$work/repo" "$R/srv/capset-repo"
  ssh-keygen -q -t ed25519 -N '' -f "$R/etc/ssh/ssh_host_ed25519_key"
  printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey /etc/ssh/ssh_host_ed25519_key" \
    "PermitRootLogin prohibit-password" "UsePAM yes" "PidFile none" >"$R/etc/ssh/sshd_config"
  cp "$work/key.pub" "$R/root/.ssh/authorized_keys"
  chmod 0700 "$R/root/.ssh"
  cat >"$R/etc/systemd/system/fleet-sshd.service" <<UNIT
[Unit]
Description=capset fleet test: sshd on 127.0.0.1:$port
[Service]
RuntimeDirectory=sshd
RuntimeDirectoryPreserve=yes
ExecStart=/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
UNIT
  cat >"$R/etc/systemd/system/fleetweb.service" <<'UNIT'
[Unit]
Description=capset fleet test: a daemon the policy moves off root
[Service]
ExecStart=/bin/sleep infinity
UNIT
  nspawn_enable "$R" fleet-sshd.service
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --directory="$R" --register=no --keep-unit \
    --quiet --overlay="/usr:$R/usr.upper:/usr" --machine="capset-fleet$n" --boot \
    </dev/null >"$work/console$n" 2>&1 &
  nspawn_pid[$n]=$!
}

ssh_host() { # N COMMAND...: runs COMMAND on host N as root
  local n=$1
  shift
  ssh -q -i "$work/key" -p $((base_port + n)) -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 root@127.0.0.1 "$@"
}

fleet() { # COUNT: hosts 1..COUNT booted (those not yet), their sshd answering, an inventory
  local count=$1 n inv=$work/inventory.$1
  echo "[fleet]" >"$inv"
  for n in $(seq 1 "$count"); do
    [[ -d $work/host$n ]] || boot_host "$n"
    if ((n == 3)); then  # this one installs from a repository
      echo "host$n ansible_host=127.0.0.1 ansible_port=$((base_port + n)) capset_deb_dir='' capset_repository='deb [trusted=yes] file:/srv/capset-repo ./'" >>"$inv"
    else
      echo "host$n ansible_host=127.0.0.1 ansible_port=$((base_port + n))" >>"$inv"
    fi
  done
  cat >>"$inv" <<INV
[fleet:vars]
ansible_user=root
capset_deb_dir=$debs
ansible_ssh_private_key_file=$work/key
ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10'
ansible_python_interpreter=/usr/bin/python3
INV
  for n in $(seq 1 "$count"); do
    local up=0
    for _ in $(seq 150); do
      if ssh_host "$n" true 2>/dev/null; then up=1; break; fi
      sleep 0.2
    done
    if ((up == 0)); then
      tail -20 "$work/console$n" >&2
      skip "host $n did not boot, or its sshd did not answer (console above)"
    fi
  done
}

export ANSIBLE_COLLECTIONS_PATH=$src/ansible ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=False \
  ANSIBLE_FORKS=6 ANSIBLE_PIPELINING=True ANSIBLE_STDOUT_CALLBACK=default \
  ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_LOCAL_TEMP=$work/ansible-tmp PYTHONDONTWRITEBYTECODE=1
cat >"$work/fleet.yaml" <<'YAML'
files:
  - path: /usr/bin/fleetping
    caps: cap_net_raw=ep
YAML
cat >"$work/bad.yaml" <<'YAML'
files:
  - path: /usr/bin/fleetping
    caps: cap_bogus=ep
YAML
# The play an administrator would write (README: "Many hosts").
cat >"$work/site.yml" <<PLAY
- hosts: fleet
  gather_facts: false
  vars:
    policy_src: "$work/fleet.yaml"
    policy_state: present
  pre_tasks:
    - name: The program the policy gives a capability
      ansible.builtin.copy: {src: /usr/bin/ping, dest: /usr/bin/fleetping, remote_src: true, mode: "0755", force: false}
  roles:
    - role: capset.hardening.capset
      vars:
        capset_pam: true
        capset_policies:
          - {name: fleet.yaml, src: "{{ policy_src }}", state: "{{ policy_state }}"}
        capset_services:
          - name: fleetweb.service
            user: nobody
            ambient: []
            template: strict
            restart: true
            state: "{{ policy_state }}"
PLAY
cat >"$work/facts.yml" <<'PLAY'
- hosts: fleet
  gather_facts: false
  tasks:
    - capset.hardening.facts: {gather: [policy, units]}
    - ansible.builtin.debug:
        msg: "DRIFT {{ inventory_hostname }} files={{ ansible_facts.capset.policy.drift | map(attribute='path') | list | to_json }} units={{ ansible_facts.capset.units.drift | map(attribute='service') | list | to_json }}"
PLAY

# PLAY NAME INVENTORY ARGS...: runs ansible-playbook, keeping its output in NAME.log and how
# long it took in NAME.ms.
play() {
  local name=$1 inv=$2 start rc=0
  shift 2
  start=$(date +%s%N)
  ansible-playbook -i "$inv" "$@" >"$work/$name.log" 2>&1 || rc=$?
  echo "$((($(date +%s%N) - start) / 1000000))" >"$work/$name.ms"
  echo "$rc" >"$work/$name.rc"
}
# The recap's lines: "hostN ok=.. changed=.. unreachable=.. failed=..".
recap() { grep -E '^host[0-9]+ +: ' "$work/$1.log" | sed 's/  */ /g'; }
# Every host of the inventory in the recap, reachable and without failures; the hosts that
# changed something ("host2 "), or FAIL.
changed_hosts() {
  local name=$1 count=$2 lines
  lines=$(recap "$name")
  if [[ $(grep -c . <<<"$lines") -ne $count ]] || grep -qE 'unreachable=[1-9]|failed=[1-9]' <<<"$lines"; then
    echo "FAIL(recap: $(tr '\n' ';' <<<"$lines"))"
    return
  fi
  awk '{for (i = 1; i <= NF; i++) if ($i ~ /^changed=[1-9]/) printf "%s ", $1}' <<<"$lines"
}
expect_changed() { # NAME COUNT EXPECTED
  local got
  got=$(changed_hosts "$1" "$2")
  [[ $got == "$3" ]] || { echo "  $1: changed on '$got', expected '$3'" >&2; return 1; }
}
caps_on() { ssh_host "$1" getcap /usr/bin/fleetping | awk '{print $2}'; }
all_hosts() { # COUNT COMMAND...: COMMAND N succeeds for every host
  local count=$1 n
  shift
  for n in $(seq 1 "$count"); do "$@" "$n" || { echo "  host $n: $* failed" >&2; return 1; }; done
}
has_net_raw() { [[ $(caps_on "$1") == cap_net_raw=ep ]]; }
has_no_caps() { [[ -z $(caps_on "$1") ]]; }
dropin=/run/systemd/generator/fleetweb.service.d/50-capset.conf
runs_as_nobody() { ssh_host "$1" grep -qx User=nobody "$dropin"; }
no_dropin() { ssh_host "$1" test ! -e "$dropin"; }
has_capctl() { ssh_host "$1" capctl --version >/dev/null; }
# The daemon restarted by the play runs as nobody (65534) with no capability at all.
daemon_as_nobody() {
  ssh_host "$1" 'pid=$(systemctl show -P MainPID fleetweb.service); grep -E "^(Uid|CapEff|CapPrm|CapBnd):" /proc/$pid/status' >"$work/status$1"
  grep -qE '^Uid:\s+65534\s' "$work/status$1" && grep -qE '^CapEff:\s+0+$' "$work/status$1" &&
    grep -qE '^CapBnd:\s+0+$' "$work/status$1"
}
pam_enabled() { ssh_host "$1" grep -q pam_capset.so /etc/pam.d/common-auth; }
policy_is_good() { ssh_host "$1" grep -q cap_net_raw=ep /etc/capset/policy.d/fleet.yaml; }
from_repository() { ssh_host 3 test -f /etc/apt/sources.list.d/capset.list; }

start=$(date +%s)
fleet 3
echo "booted 3 hosts, sshd answering on each, in $(($(date +%s) - start)) s"
inv3=$work/inventory.3
play first "$inv3" "$work/site.yml"
check "the first run installs capset and rolls the policy out (changed on every host)" \
  expect_changed first 3 "host1 host2 host3 "
check "capctl is installed on every host (.deb files; host 3 from the repository)" all_hosts 3 has_capctl
check "host 3's packages came from the repository" from_repository
check "the policy's capability is on every host's file (getcap)" all_hosts 3 has_net_raw
check "the generator wrote the daemon's drop-in on every host (User=nobody)" all_hosts 3 runs_as_nobody
check "the daemon, restarted, runs as nobody with no capability (/proc/PID/status)" \
  all_hosts 3 daemon_as_nobody
check "pam_capset is enabled by pam-auth-update on every host" all_hosts 3 pam_enabled
check "and root still logs in over ssh through the stack with pam_capset" all_hosts 3 has_capctl
play second "$inv3" "$work/site.yml"
check "the second run: changed=0 on every host" expect_changed second 3 ""

# Tampering with host 2 by hand.
ssh_host 2 setcap cap_net_admin=ep /usr/bin/fleetping
ssh_host 2 sed -i 's/^User=nobody$/User=root/' "$dropin"
play checked "$inv3" "$work/site.yml" --check --diff
check "check mode reports drift on the tampered host only" expect_changed checked 3 "host2 "
check "check mode changed nothing there" test "$(caps_on 2)" = cap_net_admin=ep
check "check mode's diff shows the edited directive" grep -q '^-User=root' "$work/checked.log"
play facts "$inv3" "$work/facts.yml"
check "the facts module names host 2's file and drop-in, and nothing on hosts 1 and 3" \
  bash -c "grep -q 'DRIFT host2 files=\[\\\\\"/usr/bin/fleetping\\\\\"\] units=\[\\\\\"fleetweb.service\\\\\"\]' '$work/facts.log' &&
    grep -q 'DRIFT host1 files=\[\] units=\[\]' '$work/facts.log' && grep -q 'DRIFT host3 files=\[\] units=\[\]' '$work/facts.log'"
play repair "$inv3" "$work/site.yml"
check "a real run repairs host 2, and changes nothing elsewhere" expect_changed repair 3 "host2 "
repaired() { has_net_raw 2 && runs_as_nobody 2; }
check "repaired: the capability and the drop-in are the policy's again" repaired
play third "$inv3" "$work/site.yml"
check "a third run is clean" expect_changed third 3 ""

# A policy with an error: refused with capctl's message, nothing changed anywhere.
play bad "$inv3" "$work/site.yml" -e "policy_src=$work/bad.yaml"
check "a policy with an error fails on every host" \
  bash -c "test \"\$(grep -cE '^host[0-9]+ +: .*failed=1' '$work/bad.log')\" = 3"
check "  with capctl's file:line:column message" \
  bash -c "test \"\$(grep -c 'fleet.yaml:3:11: .*cap_bogus' '$work/bad.log')\" -ge 3"
unchanged() { all_hosts 3 has_net_raw && all_hosts 3 policy_is_good; }
check "  and nothing changed on any host (file capability, installed policy)" unchanged

# state: absent takes them away again.
play absent "$inv3" "$work/site.yml" -e policy_state=absent -e '{"capset_pam": false}'
check "state: absent changes every host" expect_changed absent 3 "host1 host2 host3 "
pam_disabled() { ! pam_enabled "$1"; }
check "  capset_pam: false takes pam_capset out of the login stacks again" all_hosts 3 pam_disabled
check "  the capability is gone from every host's file" all_hosts 3 has_no_caps
check "  and so is the daemon's drop-in" all_hosts 3 no_dropin

# The same play against 6 hosts: the new three installed, then a run that changes nothing,
# timed against the third run on 3 hosts (also no change).
fleet 6
play first6 "$work/inventory.6" "$work/site.yml"
check "six hosts: every host changes (3 installed, 3 given the policy back)" \
  expect_changed first6 6 "host1 host2 host3 host4 host5 host6 "
play timed6 "$work/inventory.6" "$work/site.yml"
check "six hosts: the next run changes nothing" expect_changed timed6 6 ""
check "six hosts: the policy's capability on every host" all_hosts 6 has_net_raw
# An upgrade: the same packages repacked as version 0.1.0+fleet1 (capsetd depends on capset of
# exactly its version, so the three must go in one transaction), rolled out to hosts 1 and 2.
mkdir -p "$work/debs2"
for p in capset capsetd libpam-capset; do
  rm -rf "$work/repack"
  dpkg-deb -R "$debs/${p}"_*.deb "$work/repack"
  sed -i -e 's/^Version: .*/Version: 0.1.0+fleet1/' -e 's/capset (= [^)]*)/capset (= 0.1.0+fleet1)/' \
    "$work/repack/DEBIAN/control"
  dpkg-deb -Zgzip -z1 -b "$work/repack" "$work/debs2/${p}_0.1.0+fleet1_amd64.deb" >/dev/null
done
{ echo "[fleet]"; grep -E '^host[12] ' "$inv3"; sed -n '/^\[fleet:vars\]/,$p' "$inv3" |
    sed "s|^capset_deb_dir=.*|capset_deb_dir=$work/debs2|"; } >"$work/inventory.up"
play upgrade "$work/inventory.up" "$work/site.yml"
check "an upgrade of the three packages installs on hosts 1 and 2" expect_changed upgrade 2 "host1 host2 "
upgraded() { [[ $(ssh_host "$1" "dpkg-query -W -f='\${Version} ' capset capsetd libpam-capset") == "0.1.0+fleet1 0.1.0+fleet1 0.1.0+fleet1 " ]]; }
check "  every package is at the new version" all_hosts 2 upgraded
play upgrade2 "$work/inventory.up" "$work/site.yml"
check "  and the next run changes nothing" expect_changed upgrade2 2 ""
echo "timing (ansible-playbook, forks 6, pipelining, nothing to change): 3 hosts $(cat "$work/third.ms") ms, 6 hosts $(cat "$work/timed6.ms") ms; installing on 3 new hosts (6 in the play) $(cat "$work/first6.ms") ms, the first run on 3 hosts $(cat "$work/first.ms") ms"
if ((fail)); then
  for f in first second checked facts repair third bad absent first6 timed6 upgrade upgrade2; do
    [[ -f $work/$f.log ]] || continue
    echo "--- $f (rc $(cat "$work/$f.rc"))"
    grep -E 'fatal:|FAILED|UNREACHABLE|^host[0-9]+ +:' "$work/$f.log" | head -20
  done
  echo "--- console of host 1"
  tail -15 "$work/console1"
fi
exit $fail
