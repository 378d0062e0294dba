#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs every Debian package capset's build, tests and benchmarks need.
# Idempotent and non-interactive: packages already present are not touched,
# and apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang
  # lld links the debug builds (cmake/Linker.cmake): 12 s to under 1 s per test binary
  lld
  # static analysis: clang-tidy (.clang-tidy), run by run-tests.sh
  clang-tidy
  # capctl profile's eBPF tracer: libbpf, and bpftool for vmlinux.h and the skeleton (clang
  # above compiles the BPF program)
  libbpf-dev bpftool
  # the base libraries (SPEC.md; libyaml reads the YAML policy, see HACKING.md)
  libcap-dev libpam0g-dev libsystemd-dev libyaml-dev libgtest-dev libgmock-dev
  # --json output
  nlohmann-json3-dev
  # reference implementations, used as oracles in differential tests
  libcap2-bin libpam-cap libcap-ng-utils
  # tests: user namespaces, loop-mounted ext4, tmpfs, POSIX ACLs (setfacl)
  util-linux mount e2fsprogs attr acl
  # a real systemd manager for tests (systemd-nspawn), offline unit checks (systemd-analyze)
  systemd systemd-container
  # capctl's bash completion, tested with the real framework
  bash-completion
  # packaging: Debian packages (dpkg-buildpackage, debhelper, lintian), man page checks
  dpkg-dev debhelper lintian groff-base
  # packaging: RPM packages (rpmbuild), built and inspected here
  rpm
  # real login programs for the session tests (sshd in a booted container; password logins)
  openssh-server openssh-client sshpass
  # real privileged programs: what README command 1 (capctl audit) finds, and what the
  # profiler and the service audit are tried on
  iputils-ping traceroute rsh-client
  # the profiler's rsh test: a real rshd (in.rshd, started by the test in its own network
  # namespace, never by inetd) and curl, the client of the profiled web service
  rsh-server curl
  # capctl audit --services: real Debian daemons in a booted container (an FTP server and its
  # client, cron, rsyslog; sshd is above), audited and moved off full root there
  proftpd-core lftp cron rsyslog
  # the Ansible collection (ansible/): ansible-core (ansible-playbook, ansible-galaxy,
  # ansible-test), pytest for the modules' unit tests, python3-apt for ansible.builtin.apt
  # (the role installs capset's packages with it on the fleet test's hosts)
  ansible-core python3-pytest python3-apt
  # the profiler benchmark compares with strace -f
  strace
  # benchmarks
  bc
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Installed programs are started by tests, never by their maintainer scripts (this machine
# may have no systemd as PID 1, and some init scripts would start a daemon directly).
policy_rc=/usr/sbin/policy-rc.d
added_policy_rc=0
if [[ ! -e $policy_rc ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
  chmod 0755 "$policy_rc"
  added_policy_rc=1
fi
trap '[[ $added_policy_rc -eq 1 ]] && rm -f "$policy_rc"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
