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
  - Where systemd runs, the drop-in systemd reads is compared too, directive by directive
    (C(capctl unit verify)). A drop-in edited by hand, missing because systemd was not
    reloaded, or left behind (O(state=absent)) is drift, reported as a change and repaired by
    C(systemctl daemon-reload); the task fails if the generator's drop-in is still not the
    policy's afterwards.
  - Check mode says whether the entry or the drop-in would change; diff mode shows the
    drop-in before and after, as C(capctl unit generate) renders it (before, the one systemd
    reads, where it differs).
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
drop_in_state:
  description:
    - What C(capctl unit verify) found before the task changed anything - V(ok), V(drift),
      V(missing), V(stale), V(refused) - or V(unknown) where systemd does not run (or with
      O(root)).
  returned: always
  type: str
drop_in_diff:
  description: The directives that differ, as C(capctl unit verify) reports them ("- " on disk, "+ " the policy's).
  returned: always
  type: list
  elements: str
'''

import json
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.capset.hardening.plugins.module_utils.capctl import Capctl, unit_verify
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


def systemd_runs(p):
    return not p['root'] and os.path.isdir('/run/systemd/system')


def generated(capctl, name):
    """What `capctl unit verify` says of the drop-in systemd reads for `name`: (state, the
    differing directives, the file). Asked of every service, so that a stale drop-in (the
    entry is gone) is seen too."""
    _, doc = unit_verify(capctl)
    if doc is None:  # a capctl older than 'unit verify': the entry alone is compared
        return 'unknown', [], None
    for u in doc.get('units', []):
        if u.get('service') == name:
            return u.get('state'), u['diff'], u.get('path')
    return None, [], None


def run(module, capctl, pf):
    p = module.params
    before = pf.current()
    result = {'changed': False, 'path': pf.path, 'drop_in': '', 'drop_in_state': 'unknown',
              'drop_in_diff': []}
    on_disk = None
    if systemd_runs(p):
        state, result['drop_in_diff'], on_disk = generated(capctl, p['name'])
        # No verdict: neither an entry nor a drop-in of capset's (absent, and nothing left).
        result['drop_in_state'] = state or 'ok'
    # Drift of the drop-in alone (the entry is the play's): a hand edit, a missed reload, or
    # one left behind after the entry went.
    drop_in_drift = result['drop_in_state'] in ('drift', 'missing', 'stale')
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
    entry_changed = before != text
    result['changed'] = entry_changed or drop_in_drift
    if module._diff:
        old = drop_in(capctl, pf.path, p['name'], pf.root_args()) if before is not None else ''
        if drop_in_drift and on_disk:
            old = read_text(on_disk)
        result['diff'] = {'before_header': on_disk or '%s.d/50-capset.conf' % p['name'],
                          'after_header': '%s.d/50-capset.conf' % p['name'],
                          'before': old, 'after': result['drop_in']}
    if module.check_mode or not result['changed']:
        return result
    if entry_changed:
        if text is None:
            pf.remove()
        else:
            pf.install()
    if systemd_runs(p):
        if p['daemon_reload'] or drop_in_drift:
            module.run_command(['systemctl', 'daemon-reload'], check_rc=True)
            state, diff, _ = generated(capctl, p['name'])
            if state not in (None, 'ok', 'refused', 'unknown'):
                module.fail_json(msg='after systemctl daemon-reload, the drop-in of %s is still %s '
                                     '(is capset-generator installed?): %s'
                                     % (p['name'], state, '; '.join(diff)), **result)
        if p['restart'] and text is not None:
            module.run_command(['systemctl', 'restart', p['name']], check_rc=True)
    return result


def read_text(path):
    """The drop-in on disk, for diff mode only: never through a symbolic link (of the file or
    of a directory above it) and only a regular file, so that a planted link cannot show
    another file in the play's output. capctl already said it differs."""
    try:
        if os.path.realpath(path) != path:
            return ''
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return ''
            return to_text(os.read(fd, 1 << 20), errors='surrogate_or_replace')
        finally:
            os.close(fd)
    except (IOError, OSError):
        return ''


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
