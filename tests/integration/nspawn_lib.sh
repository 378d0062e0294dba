# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the tests that boot a real systemd in a container (sourced, not run): a minimal
# root whose /usr is the host's, bound read-only at boot (TESTING.md's recipe).

# nspawn_require: skips the test (exit 77, the reason on stderr) unless root can boot a
# container here.
nspawn_require() {
  if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root to boot a container" >&2; exit 77; fi
  if ! command -v systemd-nspawn >/dev/null; then
    echo "SKIP: systemd-nspawn is not installed (package systemd-container)" >&2
    exit 77
  fi
}

# nspawn_root DIR: the skeleton, with the host's os-release and nsswitch.conf.
nspawn_root() {
  local R=$1
  mkdir -p "$R"/{usr,var,tmp,root,run,out,home} "$R"/etc/systemd/system/multi-user.target.wants
  chmod 1777 "$R/tmp"
  for l in bin sbin lib lib64; do ln -s usr/$l "$R/$l"; done
  cp /etc/os-release /etc/nsswitch.conf "$R/etc/"
  touch "$R/etc/machine-id"
  # Where the container's cgroups do not report emptiness, a stop waits for its timeout
  # (seen here with a PAMName= service's (sd-pam) and user@.service): keep it short.
  # user@.service sets its own 120 s, and logind stops a user's manager 10 s after the last
  # session (which then holds up that user's next login): keep managers until poweroff.
  mkdir -p "$R/etc/systemd/system.conf.d" "$R/etc/systemd/system/user@.service.d" \
    "$R/etc/systemd/logind.conf.d"
  printf '[Manager]\nDefaultTimeoutStopSec=5s\n' >"$R/etc/systemd/system.conf.d/capset-test.conf"
  printf '[Service]\nTimeoutStopSec=3s\n' >"$R/etc/systemd/system/user@.service.d/capset-test.conf"
  printf '[Login]\nUserStopDelaySec=infinity\n' >"$R/etc/systemd/logind.conf.d/capset-test.conf"
}

# nspawn_capset DIR CAPCTL GENERATOR SOURCE_DIR: capctl in /opt/capset, capset-generator in
# /etc/systemd/system-generators, the templates in /etc/capset/unit-templates, and the
# policy and state directories.
nspawn_capset() {
  local R=$1
  mkdir -p "$R"/etc/systemd/system-generators "$R"/etc/capset/policy.d \
    "$R"/etc/capset/unit-templates "$R"/opt/capset "$R"/var/lib/capset
  cp "$2" "$R/opt/capset/"
  cp "$3" "$R/etc/systemd/system-generators/capset-generator"
  cp "$4"/unit-templates/*.conf "$R/etc/capset/unit-templates/"
}

# nspawn_accounts DIR REGEX: the host's passwd, group and shadow without the entries whose
# names match REGEX (the test adds its own, with fixed ids, whatever the host has).
nspawn_accounts() {
  local R=$1 ours=$2 f
  for f in passwd group shadow; do
    grep -Ev "$ours" "/etc/$f" >"$R/etc/$f" || true
  done
  chmod 0640 "$R/etc/shadow"
}

# nspawn_enable DIR UNIT...: wanted by multi-user.target.
nspawn_enable() {
  local R=$1 u
  shift
  for u in "$@"; do ln -s "../$u" "$R/etc/systemd/system/multi-user.target.wants/"; done
}

# nspawn_boot DIR OUT CONSOLE WHAT MARKER [nspawn options...]: boots, runs the enabled units
# until one powers off, and says how long it took ("booted, WHAT and powered off in N ms").
# When nothing could be booted (OUT/MARKER was never written), skips the test (exit 77)
# with the end of the console.
nspawn_boot() {
  local R=$1 out=$2 console=$3 what=$4 marker=$5 start
  shift 5
  start=$(date +%s%N)
  if ! timeout 180 systemd-nspawn --directory="$R" --register=no --keep-unit --quiet \
    --bind-ro=/usr --bind="$out":/out "$@" --boot >"$console" 2>&1; then
    if [[ ! -e $out/$marker ]]; then
      tail -20 "$console" >&2
      echo "SKIP: systemd-nspawn could not boot a container here" >&2
      exit 77
    fi
  fi
  echo "booted, $what and powered off in $((($(date +%s%N) - start) / 1000000)) ms"
}

# check DESCRIPTION COMMAND...: "ok: ..." or "FAIL: ..." (and fail=1).
fail=0
check() {
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi
}
