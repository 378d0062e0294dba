#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: policy
short_description: Install a capset policy file once capctl accepts it, and apply it
description:
  - Installs a policy file (capset.policy(5)) as C(/etc/capset/policy.d/NAME) after
    C(capctl policy check) accepts it (an error fails the task with capctl's
    file:line:column message and nothing is changed), then applies the whole policy with
    C(capctl policy apply). O(state=absent) removes the file and applies the removal (the
    capabilities capset gave from it are taken away, capctl's record says which).
  - Check mode predicts exactly what a real run changes (C(capctl policy diff --stage)); diff
    mode shows the file before and after, and each file entry that would change.
  - C(changed) is true exactly when the policy file or a file's capabilities changed.
version_added: "0.1.0"
author: capset developers
options:
  name:
    description: The policy file's name in /etc/capset/policy.d, ending in C(.yaml).
    type: str
    required: true
  content:
    description: The policy, as text.
    type: str
  src:
    description:
      - A policy file on the managed host to install. For a file on the controller, use
        O(content) with C(lookup('file', ...)).
    type: path
  state:
    description: V(present) installs and applies; V(absent) removes and applies the removal.
    type: str
    choices: [present, absent]
    default: present
  apply:
    description: Apply the policy afterwards (C(capctl policy apply)).
    type: bool
    default: true
  root:
    description: Act on the system image at this directory (C(capctl --root)).
    type: path
  capctl:
    description: The capctl binary, if it is not in /usr/bin or on PATH.
    type: path
notes:
  - Requires capset's capctl on the managed host, run as root.
  - Only the C(files:) section is applied here; C(services:) become drop-ins through
    M(capset.hardening.unit) or capset-generator at the next daemon-reload.
'''

EXAMPLES = r'''
- name: ping with CAP_NET_RAW on every host
  capset.hardening.policy:
    name: ping.yaml
    content: |
      files:
        - path: /usr/bin/ping
          caps: cap_net_raw=ep
          package: iputils-ping

- name: the fleet's policy from the controller
  capset.hardening.policy:
    name: fleet.yaml
    content: "{{ lookup('file', 'files/fleet.yaml') }}"

- name: take it away again
  capset.hardening.policy:
    name: fleet.yaml
    state: absent
'''

RETURN = r'''
path:
  description: The policy file.
  returned: always
  type: str
file_changed:
  description: Whether the policy file was (or would be) written or removed.
  returned: always
  type: bool
entries:
  description: The file entries that changed (or would), as capctl reports them (path, drift, removed).
  returned: always
  type: list
  elements: dict
summary:
  description: capctl's summary of the apply (or of the prediction).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.capset.hardening.plugins.module_utils.capctl import Capctl
from ansible_collections.capset.hardening.plugins.module_utils.policy_file import (
    read_bytes, run_with_policy_file)


def changes(doc):
    """The entries a run changed (or would): drift, or removal of what capset gave."""
    return [{'path': e.get('policy_path') or e.get('path'), 'drift': e.get('drift', []),
             'removed': e.get('removed', False), 'status': e.get('status')}
            for e in doc.get('entries', []) if e.get('drift') or e.get('status') == 'changed']


def run(module, capctl, pf):
    p = module.params
    before = pf.current()
    result = {'changed': False, 'path': pf.path, 'file_changed': False, 'entries': [], 'summary': {}}

    if p['state'] == 'present':
        text = to_bytes(p['content']) if p['content'] is not None else read_bytes(p['src'])
        if text is None:
            module.fail_json(msg='cannot read src %s' % p['src'], **result)
        pf.stage(text)
        # capctl's parser first: its message names the line and column of each error.
        errors = pf.errors(capctl)
        if errors:
            module.fail_json(msg='capctl policy check refused the policy: ' + '; '.join(errors),
                             **result)
        result['file_changed'] = before != text
        stage = ['--stage', '%s=%s' % (pf.name, pf.staged)]
    else:
        text = None
        result['file_changed'] = before is not None
        stage = ['--unstage', pf.name]

    _, plan = capctl.json(['policy', 'diff', '--json'] + pf.root_args() + stage, ok=(0, 1, 3))
    result['entries'] = changes(plan)
    result['summary'] = plan.get('summary', {})
    result['changed'] = result['file_changed'] or (p['apply'] and bool(result['entries']))
    if module._diff:
        result['diff'] = [{'before_header': pf.path, 'after_header': pf.path,
                           'before': (before or b'').decode('utf-8', 'replace'),
                           'after': (text or b'').decode('utf-8', 'replace')}]
        lines = []
        for e in result['entries']:
            for d in e['drift']:
                lines.append('%s %s: %s -> %s' % (e['path'], d.get('kind'), d.get('have') or 'none',
                                                 d.get('want') or 'none'))
        if lines:
            result['diff'].append({'before_header': 'files', 'after_header': 'files',
                                   'prepared': '\n'.join(lines)})
    if module.check_mode or not result['changed']:
        return result

    if result['file_changed']:
        if text is None:
            pf.remove()
        else:
            pf.install()
    if p['apply']:
        _, done = capctl.json(['policy', 'apply', '--json', '--local'] + pf.root_args(), ok=(0,))
        result['entries'] = changes(done)
        result['summary'] = done.get('summary', {})
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            content=dict(type='str'),
            src=dict(type='path'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            apply=dict(type='bool', default=True),
            root=dict(type='path'),
            capctl=dict(type='path'),
        ),
        mutually_exclusive=[('content', 'src')],
        required_if=[('state', 'present', ('content', 'src'), True)],
        supports_check_mode=True,
    )
    capctl = Capctl.for_module(module, module.params['capctl'])
    run_with_policy_file(module, capctl, module.params['name'], run)


if __name__ == '__main__':
    main()
