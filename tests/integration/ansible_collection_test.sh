#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible collection (ansible/ansible_collections/capset/hardening): its unit tests
# (pytest, a fake capctl), `ansible-galaxy collection build`, `ansible-test sanity` (the tests
# that run offline; the others need pip and PyPI, which this machine does not reach:
# ansible-doc stands in for validate-modules' documentation check), and the modules for real:
# ansible-playbook on localhost with the built capctl, on a file in a root-owned scratch
# directory — a first run changes, a second changes nothing, check mode predicts without
# writing, diff mode shows before/after, state=absent removes, and the result is what getcap
# (libcap, the reference) sees. Exit 77 where ansible-core is missing.
#   ansible_collection_test.sh CAPCTL SOURCE_DIR
set -euo pipefail
capctl=$1
src=$2
coll=$src/ansible/ansible_collections/capset/hardening
py=/usr/bin/python3  # Debian's ansible-core runs on the system Python
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree
command -v ansible-playbook >/dev/null || { echo "SKIP: ansible-core is not installed" >&2; exit 77; }
fail=0
check() { if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi; }
work=$(mktemp -d "${TMPDIR:-/tmp}/capset-ansible.XXXXXX")
trap 'rm -rf "$work"' EXIT

if "$py" -c 'import pytest' 2>/dev/null; then
  check "unit tests (pytest)" env PYTHONPATH="$src/ansible" "$py" -m pytest -q -p no:cacheprovider \
    "$coll/tests/unit"
else
  echo "SKIP: pytest is not installed (python3-pytest): the modules' unit tests" >&2
fi
check "ansible-galaxy collection build" \
  ansible-galaxy collection build --force --output-path "$work" "$coll"
ls "$work"/capset-hardening-*.tar.gz

# ansible-test wants the collection in a tree of its own (a copy: its output stays out of
# the source tree); the tests that need a virtualenv from PyPI cannot run here.
mkdir -p "$work/ac/ansible_collections/capset"
cp -r "$coll" "$work/ac/ansible_collections/capset/hardening"
offline=(action-plugin-docs compile empty-init future-import-boilerplate line-endings
  metaclass-boilerplate no-assert no-basestring no-dict-iteritems no-dict-iterkeys
  no-dict-itervalues no-get-exception no-illegal-filenames no-main-display no-smart-quotes
  no-unicode-literals replace-urlopen shebang symlinks use-argspec-type-path
  use-compat-six)
tests=()
for t in "${offline[@]}"; do tests+=(--test "$t"); done
check "ansible-test sanity (${#offline[@]} offline tests)" \
  bash -c "cd '$work/ac/ansible_collections/capset/hardening' && ansible-test sanity --python 3.11 ${tests[*]} 2>&1 | grep -v 'Using locale' | tail -3; exit \${PIPESTATUS[0]}"
for m in "$coll"/plugins/modules/*.py; do
  name=$(basename "$m" .py)
  check "ansible-doc reads $name's DOCUMENTATION, EXAMPLES and RETURN" \
    bash -c "ANSIBLE_COLLECTIONS_PATH='$src/ansible' ansible-doc -j capset.hardening.$name | $py -c 'import json,sys; d=json.load(sys.stdin)[\"capset.hardening.$name\"]; sys.exit(not (d[\"doc\"][\"description\"] and d[\"examples\"] and d[\"return\"]))'"
done

check "ansible-doc reads the role's argument specs (every variable documented)" \
  bash -c "ANSIBLE_COLLECTIONS_PATH='$src/ansible' ansible-doc -t role -j capset.hardening.capset | $py -c 'import json,sys; o=json.load(sys.stdin)[\"capset.hardening.capset\"][\"entry_points\"][\"main\"][\"options\"]; sys.exit(not all(o[k][\"description\"] for k in (\"capset_deb_dir\", \"capset_repository\", \"capset_pam\", \"capset_policies\", \"capset_file_caps\", \"capset_services\")))'"

# For real, on this host (root: capctl refuses files a user could change; /run is root's).
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: needs root for the modules' real runs" >&2
  exit $fail
fi
scratch=$(mktemp -d /run/capset-ansible.XXXXXX)
trap 'rm -rf "$work" "$scratch"' EXIT
cp /bin/true "$scratch/tool"
mkdir -p "$scratch/usr/bin" "$scratch/etc/capset/policy.d" "$scratch/etc/capset/unit-templates"
cp "$src"/unit-templates/*.conf "$scratch/etc/capset/unit-templates/"
cp /bin/true "$scratch/usr/bin/pinger"
cat >"$work/play.yml" <<PLAY
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    policy: |
      files:
        - path: /usr/bin/pinger
          caps: cap_net_raw=ep
  tasks:
    - capset.hardening.file_caps: {path: "$scratch/tool", capability: "cap_net_raw+ep", capctl: "$capctl"}
      register: first
    - capset.hardening.file_caps: {path: "$scratch/tool", capability: "cap_net_raw=ep", capctl: "$capctl"}
      register: second
    - capset.hardening.file_caps: {path: "$scratch/tool", capability: "cap_net_raw,cap_net_admin=p", capctl: "$capctl"}
      check_mode: true
      diff: true
      register: predicted
    - ansible.builtin.command: getcap "$scratch/tool"
      register: after_check
      changed_when: false
    - capset.hardening.file_caps: {path: "$scratch/tool", state: absent, capctl: "$capctl"}
      register: removed
    - capset.hardening.file_caps: {path: "$scratch/tool", state: absent, capctl: "$capctl"}
      register: removed_again
    - capset.hardening.file_caps: {path: "$scratch/tool", capability: "cap_bogus=ep", capctl: "$capctl"}
      register: bogus
      ignore_errors: true
    - capset.hardening.facts: {capctl: "$capctl", root: "$scratch"}
      register: facts
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", content: "{{ policy }}"}
      check_mode: true
      diff: true
      register: policy_predicted
    - ansible.builtin.stat: {path: "$scratch/etc/capset/policy.d/p.yaml"}
      register: policy_predicted_stat
    - ansible.builtin.command: getcap "$scratch/usr/bin/pinger"
      register: policy_predicted_getcap
      changed_when: false
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", content: "{{ policy }}"}
      register: policy_first
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", content: "{{ policy }}"}
      register: policy_second
    - ansible.builtin.command: setcap -r "$scratch/usr/bin/pinger"
      changed_when: false
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", content: "{{ policy }}"}
      check_mode: true
      register: policy_drift
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", content: "{{ policy }}"}
      register: policy_repair
    - capset.hardening.policy: {name: bad.yaml, root: "$scratch", capctl: "$capctl", content: "files:\n  - path: /usr/bin/pinger\n    caps: cap_bogus=ep\n"}
      register: policy_bad
      ignore_errors: true
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", state: absent}
      check_mode: true
      register: policy_absent_predicted
    - capset.hardening.policy: {name: p.yaml, root: "$scratch", capctl: "$capctl", state: absent}
      register: policy_absent
    - ansible.builtin.command: getcap "$scratch/usr/bin/pinger"
      register: after_absent
      changed_when: false
    - capset.hardening.unit: {name: web.service, user: www-data, ambient: [cap_net_bind_service], template: network-daemon, root: "$scratch", capctl: "$capctl", settings: {ReadWritePaths: [/var/log/web]}}
      check_mode: true
      diff: true
      register: unit_predicted
    - ansible.builtin.stat: {path: "$scratch/etc/capset/policy.d/ansible-web.yaml"}
      register: unit_predicted_stat
    - capset.hardening.unit: {name: web.service, user: www-data, ambient: [cap_net_bind_service], template: network-daemon, root: "$scratch", capctl: "$capctl", settings: {ReadWritePaths: [/var/log/web]}}
      register: unit_first
    - ansible.builtin.command: "$capctl unit generate --root $scratch web.service"
      register: unit_generated
      changed_when: false
    - capset.hardening.unit: {name: web.service, user: www-data, ambient: [cap_net_bind_service], template: network-daemon, root: "$scratch", capctl: "$capctl", settings: {ReadWritePaths: [/var/log/web]}}
      register: unit_second
    - capset.hardening.unit: {name: trap.service, user: www-data, ambient: [cap_net_bind_service], bounding: [cap_chown], root: "$scratch", capctl: "$capctl"}
      register: unit_trap
      ignore_errors: true
    - capset.hardening.unit: {name: "evil.service", user: "x\nExecStartPre=/bin/sh", ambient: [], root: "$scratch", capctl: "$capctl"}
      register: unit_evil
      ignore_errors: true
    - capset.hardening.unit: {name: web.service, state: absent, root: "$scratch", capctl: "$capctl"}
      register: unit_absent
    - ansible.builtin.copy:
        dest: "$work/results.json"
        content: "{{ {'first': first, 'second': second, 'predicted': predicted, 'after_check': after_check.stdout, 'removed': removed, 'removed_again': removed_again, 'bogus': bogus, 'facts': facts.ansible_facts.capset, 'policy_predicted': policy_predicted, 'policy_predicted_stat': policy_predicted_stat.stat.exists, 'policy_predicted_getcap': policy_predicted_getcap.stdout, 'policy_first': policy_first, 'policy_second': policy_second, 'policy_drift': policy_drift, 'policy_repair': policy_repair, 'policy_bad': policy_bad, 'policy_absent_predicted': policy_absent_predicted, 'policy_absent': policy_absent, 'after_absent': after_absent.stdout, 'unit_predicted': unit_predicted, 'unit_predicted_stat': unit_predicted_stat.stat.exists, 'unit_generated': unit_generated.stdout, 'unit_first': unit_first, 'unit_second': unit_second, 'unit_trap': unit_trap, 'unit_evil': unit_evil, 'unit_absent': unit_absent} | to_json }}"
PLAY
ANSIBLE_COLLECTIONS_PATH="$src/ansible" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_NOCOLOR=1 \
  ansible-playbook -i localhost, "$work/play.yml" >"$work/play.log" 2>&1 || true
r() { "$py" -c "import json,sys; d=json.load(open('$work/results.json')); sys.exit(0 if ($1) else 1)"; }
check "the play ran" test -s "$work/results.json"
check "a first run sets the capability (changed)" r "d['first']['changed'] and d['first']['capabilities'] == 'cap_net_raw=ep'"
check "a second run with another spelling of the same set changes nothing" r "not d['second']['changed']"
check "check mode predicts the change and shows the diff" \
  r "d['predicted']['changed'] and d['predicted']['diff']['before'] == 'cap_net_raw=ep\n' and d['predicted']['diff']['after'] == 'cap_net_admin,cap_net_raw=p\n'"
check "check mode wrote nothing (getcap)" r "d['after_check'].endswith('cap_net_raw=ep')"
check "state=absent removes them, and a second time changes nothing" \
  r "d['removed']['changed'] and not d['removed_again']['changed']"
check "getcap sees no capability afterwards" test -z "$(getcap "$scratch/tool")"
check "capctl's own message fails a bad capability" r "d['bogus']['failed'] and 'cap_bogus' in d['bogus']['msg']"
check "facts: the policy and the audit of an image" r "'policy' in d['facts'] and 'audit' in d['facts']"
check "policy: check mode predicts the file and the capability it will set" \
  r "d['policy_predicted']['changed'] and d['policy_predicted']['file_changed'] and d['policy_predicted']['entries'][0]['path'] == '/usr/bin/pinger'"
check "policy: check mode installed and applied nothing" \
  r "not d['policy_predicted_stat'] and d['policy_predicted_getcap'] == ''"
check "policy: the first run installs and applies (changed), the second changes nothing" \
  r "d['policy_first']['changed'] and d['policy_first']['summary']['changed'] == 1 and not d['policy_second']['changed']"
check "policy: drift made by hand is predicted in check mode and repaired by a real run" \
  r "d['policy_drift']['changed'] and not d['policy_drift']['file_changed'] and d['policy_repair']['changed'] and d['policy_repair']['summary']['changed'] == 1"
check "policy: an error is refused with capctl's line:column message" \
  r "d['policy_bad']['failed'] and 'bad.yaml:3:11' in d['policy_bad']['msg'] and 'cap_bogus' in d['policy_bad']['msg']"
check "policy: the refused file is not installed" test ! -e "$scratch/etc/capset/policy.d/bad.yaml"
check "policy: state=absent is predicted, then takes the capability away" \
  r "d['policy_absent_predicted']['changed'] and d['policy_absent']['changed'] and d['after_absent'] == ''"
check "unit: check mode shows the drop-in it would write, and writes nothing" \
  r "d['unit_predicted']['changed'] and 'User=www-data' in d['unit_predicted']['diff']['after'] and 'AmbientCapabilities=CAP_NET_BIND_SERVICE' in d['unit_predicted']['drop_in'] and not d['unit_predicted_stat']"
check "unit: the first run writes the entry, the second changes nothing" \
  r "d['unit_first']['changed'] and not d['unit_second']['changed']"
check "unit: the installed entry is what capctl unit generate (and the generator) turns into the drop-in" \
  r "'User=www-data' in d['unit_generated'] and 'ReadWritePaths=/var/log/web' in d['unit_generated'] and 'ProtectSystem=strict' in d['unit_generated']"
check "unit: a trap (ambient outside the bounding set) fails with capset's message, nothing written" \
  bash -c "$py -c \"import json,sys; d=json.load(open('$work/results.json')); sys.exit(not (d['unit_trap']['failed'] and '218/CAPABILITIES' in d['unit_trap']['msg']))\" && test ! -e '$scratch/etc/capset/policy.d/ansible-trap.yaml'"
check "unit: a user name with a newline is refused (no second directive)" \
  bash -c "$py -c \"import json,sys; d=json.load(open('$work/results.json')); sys.exit(not d['unit_evil']['failed'])\" && test ! -e '$scratch/etc/capset/policy.d/ansible-evil.yaml'"
check "unit: state=absent removes the entry" \
  bash -c "$py -c \"import json,sys; d=json.load(open('$work/results.json')); sys.exit(not d['unit_absent']['changed'])\" && test ! -e '$scratch/etc/capset/policy.d/ansible-web.yaml'"
((fail)) && { tail -40 "$work/play.log"; cp "$work/results.json" /tmp/ansible-results.json; }
exit $fail
