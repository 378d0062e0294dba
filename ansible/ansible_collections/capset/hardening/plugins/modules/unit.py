#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: unit
short_description: A service's capabilities and hardening as a systemd drop-in, from a capset policy entry
description:
  - Writes one C(services:) entry (capset.policy(5)) as the policy file
    C(/etc/capset/policy.d/ansible-NAME.yaml), once C(capctl policy check) and
    C(capctl unit lint) accept it (an error, such as an ambient capability outside the
    bounding set or a template that traps it, fails the task with capset's message and
    nothing is changed). Then C(systemctl daemon-reload) runs capset-generator, which turns
    the entry into the drop-in C(NAME.service.d/50-capset.conf) (User=, AmbientCapabilities=,
    CapabilityBoundingSet=, NoNewPrivileges=, the template's hardening).
  - Check mode says whether the entry (and so the drop-in) would change; diff mode shows the
    drop-in before and after, as C(capctl unit generate) renders it.
  - The service is not restarted unless O(restart=true).
version_added: "0.1.0"
author: capset developers
options:
  name:
    description: The service, for example V(nginx.service).
    type: str
    required: true
  user:
    description: User= (a name or a number).
    type: str
  group:
    description: Group=.
    type: str
  dynamic_user:
    description: DynamicUser=yes instead of O(user).
    type: bool
    default: false
  ambient:
    description: AmbientCapabilities=, for example V([cap_net_bind_service]).
    type: list
    elements: str
    default: []
  bounding:
    description: CapabilityBoundingSet= (default, the ambient set alone).
    type: list
    elements: str
  template:
    description: A capset hardening template (C(capctl unit templates) lists them).
    type: str
  no_new_privileges:
    description: NoNewPrivileges=.
    type: bool
    default: true
  settings:
    description: More [Service] settings, after the template's (a value may be a list).
    type: dict
    default: {}
  state:
    description: V(present) writes the entry; V(absent) removes it (and so the drop-in).
    type: str
    choices: [present, absent]
    default: present
  daemon_reload:
    description: Run C(systemctl daemon-reload) after a change (where systemd runs).
    type: bool
    default: true
  restart:
    description: Restart the service after a change.
    type: bool
    default: false
  root:
    description: Act on the system image at this directory (no reload, no restart).
    type: path
  capctl:
    description: The capctl binary, if it is not in /usr/bin or on PATH.
    type: path
'''

EXAMPLES = r'''
- name: nginx as www-data with only CAP_NET_BIND_SERVICE
  capset.hardening.unit:
    name: nginx.service
    user: www-data
    ambient: [cap_net_bind_service]
    template: web-server
    settings:
      ReadWritePaths: [/var/log/nginx, /var/lib/nginx]
    restart: true
'''

RETURN = r'''
path:
  description: The policy file holding the entry.
  returned: always
  type: str
drop_in:
  description: The drop-in capctl renders for the entry ('' when absent).
  returned: always
  type: str
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.capset.hardening.plugins.module_utils.capctl import Capctl
from ansible_collections.capset.hardening.plugins.module_utils.policy_file import (
    run_with_policy_file)


def q(value):
    """A YAML double-quoted scalar: a JSON string is one, every character escaped as JSON
    escapes it (so no value can start another key or document)."""
    return json.dumps(to_text(value), ensure_ascii=True)


def entry_text(p):
    lines = ['# Written by the Ansible module capset.hardening.unit: change the play, not this file.',
             'services:', '  %s:' % q(p['name'])]
    if p['dynamic_user']:
        lines.append('    dynamic-user: true')
    if p['user'] is not None:
        lines.append('    user: %s' % q(p['user']))
    if p['group'] is not None:
        lines.append('    group: %s' % q(p['group']))
    lines.append('    ambient: [%s]' % ', '.join(q(c) for c in p['ambient']))
    if p['bounding'] is not None:
        lines.append('    bounding: [%s]' % ', '.join(q(c) for c in p['bounding']))
    if p['template']:
        lines.append('    template: %s' % q(p['template']))
    lines.append('    no-new-privileges: %s' % ('true' if p['no_new_privileges'] else 'false'))
    if p['settings']:
        lines.append('    settings:')
        for key in sorted(p['settings']):
            value = p['settings'][key]
            if isinstance(value, list):
                lines.append('      %s: [%s]' % (q(key), ', '.join(q(v) for v in value)))
            else:
                lines.append('      %s: %s' % (q(key), q(value)))
    return to_bytes('\n'.join(lines) + '\n')


def drop_in(capctl, policy_path, name, root_args):
    """The drop-in capctl renders for `name` from the policy file at `policy_path` (with the
    templates of the root it acts on)."""
    _, doc = capctl.json(['unit', 'generate', '--json', '--policy', policy_path] + root_args + [name],
                         ok=(0, 1))
    for u in doc.get('units', []):
        if u.get('service') == name:
            return u.get('drop_in') or ''
    return ''


def run(module, capctl, pf):
    p = module.params
    before = pf.current()
    result = {'changed': False, 'path': pf.path, 'drop_in': ''}
    text = None
    if p['state'] == 'present':
        text = entry_text(p)
        pf.stage(text)
        errors = pf.errors(capctl)
        _, lint = capctl.json(['unit', 'lint', '--json', '--policy', pf.staged] + pf.root_args(),
                              ok=(0, 1))
        for u in lint.get('units', []):
            for d in u.get('findings', []):
                if d.get('severity') == 'error':
                    errors.append(d.get('message'))
        if errors:
            module.fail_json(msg='capset refused the entry: ' + '; '.join(errors), **result)
        result['drop_in'] = drop_in(capctl, pf.staged, p['name'], pf.root_args())
    result['changed'] = before != text
    if module._diff:
        old = drop_in(capctl, pf.path, p['name'], pf.root_args()) if before is not None else ''
        result['diff'] = {'before_header': '%s.d/50-capset.conf' % p['name'],
                          'after_header': '%s.d/50-capset.conf' % p['name'],
                          'before': old, 'after': result['drop_in']}
    if module.check_mode or not result['changed']:
        return result
    if text is None:
        pf.remove()
    else:
        pf.install()
    if not p['root'] and os.path.isdir('/run/systemd/system'):
        if p['daemon_reload']:
            module.run_command(['systemctl', 'daemon-reload'], check_rc=True)
        if p['restart'] and text is not None:
            module.run_command(['systemctl', 'restart', p['name']], check_rc=True)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            user=dict(type='str'),
            group=dict(type='str'),
            dynamic_user=dict(type='bool', default=False),
            ambient=dict(type='list', elements='str', default=[]),
            bounding=dict(type='list', elements='str'),
            template=dict(type='str'),
            no_new_privileges=dict(type='bool', default=True),
            settings=dict(type='dict', default={}),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            daemon_reload=dict(type='bool', default=True),
            restart=dict(type='bool', default=False),
            root=dict(type='path'),
            capctl=dict(type='path'),
        ),
        mutually_exclusive=[('user', 'dynamic_user')],
        supports_check_mode=True,
    )
    capctl = Capctl.for_module(module, module.params['capctl'])
    name = module.params['name']
    if not name.endswith('.service') or '/' in name:
        module.fail_json(msg='name must be a service unit name, such as nginx.service: %r' % name)
    run_with_policy_file(module, capctl, 'ansible-%s.yaml' % name[:-len('.service')], run)


if __name__ == '__main__':
    main()
