#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: facts
short_description: capset's view of a host as facts - policy drift, privileged files, services
description:
  - Gathers, as the fact C(capset), what C(capctl policy verify --json) says of the host's
    policy (each file entry that drifts, and why), what C(capctl audit --json) finds
    (set-ID programs and file capabilities against the policy), and, where systemd runs,
    what C(capctl audit --services --json) says of each service (root or not, exposure,
    suggestion), and whether each service's capset drop-in (the one systemd reads) is the
    policy's (C(capctl unit verify --json)).
  - A play can report a fleet's drift in one table from these facts.
version_added: "0.1.0"
author: capset developers
options:
  gather:
    description: What to gather.
    type: list
    elements: str
    choices: [policy, audit, services, units]
    default: [policy, audit, units]
  root:
    description: Read the system image at this directory instead of the running system.
    type: path
  capctl:
    description: The capctl binary, if it is not in /usr/bin or on PATH.
    type: path
notes:
  - Read-only; supports check mode.
'''

EXAMPLES = r'''
- name: capset's view of every host
  capset.hardening.facts:
    gather: [policy, services]

- name: the hosts whose files drift from their policy
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ ansible_facts.capset.policy.drift | map(attribute='path') | list }}"
  when: ansible_facts.capset.policy.drift
'''

RETURN = r'''
ansible_facts:
  description: The fact C(capset).
  returned: always
  type: dict
  contains:
    capset:
      description:
        - policy (ok, summary, drift, diagnostics), audit (findings, counts by kind),
          services (one per service), units (ok, drift - each service whose drop-in is not
          the policy's, with state and diff -, systemd - whether there is a running systemd's
          generator output to compare, false with O(root)).
      type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.capset.hardening.plugins.module_utils.capctl import (
    Capctl, CapctlError, unit_verify)


def policy_facts(capctl, root):
    args = ['policy', 'verify', '--json'] + (['--root', root] if root else [])
    rc, doc = capctl.json(args, ok=(0, 1, 3))
    drift = [{'path': e.get('policy_path') or e.get('path'), 'status': e.get('status'),
              'drift': e.get('drift', []), 'source': e.get('source')}
             for e in doc.get('entries', []) if e.get('status') != 'ok']
    return {'ok': rc == 0, 'summary': doc.get('summary', {}), 'drift': drift,
            'diagnostics': doc.get('diagnostics', [])}


def audit_facts(capctl, root):
    args = ['audit', '--json'] + (['--root', root] if root else [])
    _, doc = capctl.json(args, ok=(0, 1))
    counts = {}
    for f in doc.get('findings', []):
        counts[f.get('kind')] = counts.get(f.get('kind'), 0) + 1
    return {'findings': doc.get('findings', []), 'counts': counts, 'errors': doc.get('errors', [])}


def services_facts(capctl, root):
    args = ['audit', '--services', '--json'] + (['--root', root] if root else [])
    _, doc = capctl.json(args, ok=(0, 1))
    keep = ('unit', 'runs_as_root', 'user', 'exposure', 'exposure_level', 'bounding', 'held',
            'listening', 'policy')
    out = []
    for s in doc.get('services', []):
        one = dict((k, s.get(k)) for k in keep)
        g = s.get('suggestion')
        one['suggestion'] = None if not g else {
            'source': g.get('source'), 'exposure_after': g.get('exposure_after'),
            'capabilities': g.get('capabilities'), 'template': g.get('template')}
        out.append(one)
    return out


def units_facts(capctl, root):
    """The drop-ins' drift. Where systemd does not run, and on an image (O(root): /run is not
    part of one), there is no generator output to compare: reported as such, not as every
    drop-in missing."""
    if root or not os.path.isdir('/run/systemd/system'):
        return {'systemd': False, 'ok': True, 'drift': []}
    rc, doc = unit_verify(capctl)
    if doc is None:  # a capctl older than 'unit verify'
        return {'systemd': True, 'supported': False, 'ok': True, 'drift': []}
    drift = [{'service': u.get('service'), 'state': u.get('state'), 'path': u.get('path'),
              'reason': u.get('reason'), 'diff': u['diff']}
             for u in doc.get('units', []) if u.get('state') != 'ok']
    return {'systemd': True, 'supported': True, 'ok': rc == 0, 'drift': drift,
            'diagnostics': doc.get('policy_diagnostics', [])}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather=dict(type='list', elements='str', default=['policy', 'audit', 'units'],
                        choices=['policy', 'audit', 'services', 'units']),
            root=dict(type='path'),
            capctl=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    capctl = Capctl.for_module(module, module.params['capctl'])
    root = module.params['root']
    facts = {}
    try:
        if 'policy' in module.params['gather']:
            facts['policy'] = policy_facts(capctl, root)
        if 'audit' in module.params['gather']:
            facts['audit'] = audit_facts(capctl, root)
        if 'services' in module.params['gather']:
            facts['services'] = services_facts(capctl, root)
        if 'units' in module.params['gather']:
            facts['units'] = units_facts(capctl, root)
    except CapctlError as e:
        module.fail_json(msg=e.message, rc=e.rc, stderr=e.stderr)
    module.exit_json(changed=False, ansible_facts={'capset': facts})


if __name__ == '__main__':
    main()
